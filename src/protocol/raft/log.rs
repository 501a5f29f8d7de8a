//! The replicated log: 1-based entries, each carrying the chained digest of the log prefix
//! it ends. The only ways to change a log are [`Log::append`], [`Log::append_entry`] and
//! [`Log::truncate_from`], so every entry's `chain` is always right. There are no snapshots
//! and no compaction: the whole log stays in memory and on disk.

use crate::des::ids::RequestId;
use crate::ops::Txn;
use crate::protocol::{chain_digest, payload_digest, EntryView};

/// One log entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// The term of the leader that created the entry.
    pub term: u64,
    /// The client request (`None` for a leader's no-op).
    pub request: Option<RequestId>,
    /// The transaction (`None` for a leader's no-op).
    pub txn: Option<Txn>,
    /// `chain_digest(previous chain, term, payload_digest(request, txn))`.
    pub chain: u64,
}

impl Entry {
    /// The entry as the invariant checkers see it.
    pub fn view(&self) -> EntryView {
        EntryView {
            term: self.term,
            chain: self.chain,
            request: self.request,
        }
    }
}

/// A Raft log (indices from 1).
#[derive(Clone, Debug, Default)]
pub struct Log {
    entries: Vec<Entry>,
}

impl Log {
    /// Rebuilds a log from durable entries, recomputing every chain.
    pub fn recover(entries: &[Entry]) -> Log {
        let mut log = Log {
            entries: Vec::with_capacity(entries.len()),
        };
        for e in entries {
            log.append_entry(e);
        }
        log
    }

    /// Index of the last entry (0 when empty).
    #[inline]
    pub fn last_index(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Term of the last entry (0 when empty).
    #[inline]
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// Term of the entry at `index`; 0 for index 0 or past the end.
    #[inline]
    pub fn term_at(&self, index: u64) -> u64 {
        self.get(index).map_or(0, |e| e.term)
    }

    /// The entry at `index`, if any.
    #[inline]
    pub fn get(&self, index: u64) -> Option<&Entry> {
        index
            .checked_sub(1)
            .and_then(|i| self.entries.get(i as usize))
    }

    /// Up to `max` entries starting at `from` (empty past the end).
    pub fn slice(&self, from: u64, max: usize) -> &[Entry] {
        let start = (from.max(1) - 1) as usize;
        if start >= self.entries.len() {
            return &[];
        }
        let end = (start + max).min(self.entries.len());
        &self.entries[start..end]
    }

    /// Appends a new entry of `term` and returns its index.
    pub fn append(&mut self, term: u64, request: Option<RequestId>, txn: Option<Txn>) -> u64 {
        let prev = self.entries.last().map_or(0, |e| e.chain);
        let chain = chain_digest(prev, term, payload_digest(request, txn.as_ref()));
        self.entries.push(Entry {
            term,
            request,
            txn,
            chain,
        });
        self.last_index()
    }

    /// Appends a copy of `entry` (from a leader or the disk), recomputing its chain here.
    pub fn append_entry(&mut self, entry: &Entry) -> u64 {
        self.append(entry.term, entry.request, entry.txn.clone())
    }

    /// Removes the entries at `index` and after.
    pub fn truncate_from(&mut self, index: u64) {
        self.entries.truncate((index.max(1) - 1) as usize);
    }

    /// Whether a log ending at `(last_term, last_index)` is at least as up to date as this
    /// one (§5.4.1: compare last terms, then lengths).
    pub fn is_behind(&self, last_term: u64, last_index: u64) -> bool {
        (last_term, last_index) >= (self.last_term(), self.last_index())
    }

    /// First index holding an entry of `term` (terms never decrease along a log).
    pub fn first_index_of(&self, term: u64) -> u64 {
        self.entries.partition_point(|e| e.term < term) as u64 + 1
    }

    /// Last index holding an entry of `term`, if any (§5.3 fast back-off, leader side).
    pub fn last_index_of(&self, term: u64) -> Option<u64> {
        let end = self.entries.partition_point(|e| e.term <= term);
        (end > 0 && self.entries[end - 1].term == term).then_some(end as u64)
    }

    /// The follower side of §5.3 fast back-off when the consistency check fails at
    /// `prev_index`: `(conflict_term, conflict_index)` = (0, last + 1) when the log is too
    /// short, else the term at `prev_index` and the first index this log holds for it.
    pub fn conflict(&self, prev_index: u64) -> (u64, u64) {
        if prev_index > self.last_index() {
            (0, self.last_index() + 1)
        } else {
            let t = self.term_at(prev_index);
            (t, self.first_index_of(t))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(terms: &[u64]) -> Log {
        let mut l = Log::default();
        for &t in terms {
            l.append(t, None, None);
        }
        l
    }

    #[test]
    fn indices_terms_chains_and_truncation() {
        let mut l = log(&[1, 1, 2, 4]);
        assert_eq!((l.last_index(), l.last_term(), l.term_at(3)), (4, 4, 2));
        assert_eq!(l.term_at(0), 0);
        assert_eq!(l.slice(2, 2).len(), 2);
        assert!(l.slice(5, 2).is_empty());
        let c3 = l.get(3).unwrap().chain;
        assert_eq!(c3, log(&[1, 1, 2]).get(3).unwrap().chain);
        assert_ne!(
            c3,
            log(&[1, 2, 2]).get(3).unwrap().chain,
            "chain covers the prefix"
        );
        l.truncate_from(3);
        assert_eq!(l.last_index(), 2);
        let again = Log::recover(&log(&[1, 1, 2]).entries);
        assert_eq!(again.get(3).unwrap().chain, c3);
    }

    #[test]
    fn conflict_search_for_fast_back_off() {
        let l = log(&[1, 1, 2, 2, 2, 4]);
        assert_eq!(l.conflict(9), (0, 7));
        assert_eq!(l.conflict(5), (2, 3));
        assert_eq!(l.last_index_of(2), Some(5));
        assert_eq!(l.last_index_of(3), None);
        assert_eq!(l.first_index_of(4), 6);
        assert!(l.is_behind(4, 6) && l.is_behind(5, 1) && !l.is_behind(4, 5));
    }
}
