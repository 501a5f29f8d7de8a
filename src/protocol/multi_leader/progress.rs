//! Per-origin progress of a receiver: the version vector of updates applied from each
//! leader (always a contiguous prefix of that leader's log), the updates that arrived ahead
//! of a gap or of their causal dependencies, and the gap to re-request. Owns ordering only:
//! it never applies, sends or persists anything.
//!
//! **Causal delivery.** Each update carries `deps`, the version vector its leader had applied
//! when it accepted it. A receiver applies an update only once it has applied everything in
//! `deps` (and its origin's earlier updates): without that, a write made after reading
//! another leader's write could reach a third replica before the write it depends on, and a
//! reader there would see the effect before its cause (DDIA ch. 5, "the problem of causality"
//! in multi-leader replication; causal convergence breaks). Every origin ships its own log
//! directly, so every dependency arrives once the faults heal.
//!
//! **Teaching orders** (`delivery`): `fifo` applies each origin's updates in log order but
//! ignores `deps`, so a write made after reading another leader's write can be applied
//! before it (writes-follow-reads breaks); `unordered` applies each update as it arrives,
//! ahead of its origin's earlier ones, so a session's later write can be seen without its
//! earlier one (monotonic writes breaks). Under `unordered` the version vector still counts
//! only each origin's contiguous prefix (what is persisted and re-requested); the updates
//! applied beyond it are remembered apart until the gap closes.

use super::entry::Entry;
use super::params::Delivery;
use super::version_vector::VersionVector;
use crate::ops::Key;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Updates held ahead of a gap, across all origins; past this, later ones are dropped and
/// fetched again once the gap closes.
pub const MAX_PENDING: usize = 4096;

/// One update a leader accepted from a client: its keys' entries afterwards.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Update {
    /// The accepting leader.
    pub origin: u32,
    /// Its position in that leader's log, from 1.
    pub seq: u64,
    /// Each key it changed and the key's entry at the leader afterwards, in key order.
    pub keys: Vec<(Key, Entry)>,
    /// What the leader had applied when it accepted the update: its causal dependencies.
    pub deps: VersionVector,
}

/// What a receiver has applied from each origin, and what waits for a gap to close.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    delivery: Delivery,
    /// Each origin's contiguous prefix of applied updates.
    applied: VersionVector,
    /// `unordered` only: updates applied beyond their origin's prefix.
    ahead: BTreeSet<(u32, u64)>,
    pending: BTreeMap<(u32, u64), Arc<Update>>,
}

impl Progress {
    /// Progress recovered from disk: `applied` updates per origin, nothing pending, updates
    /// of other origins to be applied in the order `delivery` says.
    pub fn from_applied(applied: VersionVector, delivery: Delivery) -> Progress {
        Progress {
            delivery,
            applied,
            ahead: BTreeSet::new(),
            pending: BTreeMap::new(),
        }
    }

    /// The version vector of applied updates.
    pub fn applied(&self) -> &VersionVector {
        &self.applied
    }

    /// Records that `origin`'s updates up to `seq` are applied (a node's own updates).
    pub fn set_applied(&mut self, origin: u32, seq: u64) {
        self.applied.set(origin, seq);
    }

    /// Offers an arrived update: kept if not yet applied nor held, and either room remains
    /// or it is its origin's next (which never waits). Returns whether it was kept.
    pub fn offer(&mut self, update: Arc<Update>) -> bool {
        let key = (update.origin, update.seq);
        let next = self.applied.get(update.origin) + 1;
        if update.seq < next
            || self.pending.contains_key(&key)
            || self.ahead.contains(&key)
            || (self.pending.len() >= MAX_PENDING && update.seq != next)
        {
            return false;
        }
        self.pending.insert(key, update);
        true
    }

    /// Takes `origin`'s next update in log order if it has arrived and (under `causal`
    /// delivery) its dependencies are applied, and counts it applied.
    pub fn next_ready(&mut self, origin: u32) -> Option<Arc<Update>> {
        let next = self.applied.get(origin) + 1;
        let causal = self.delivery == Delivery::Causal;
        let ready = self
            .pending
            .get(&(origin, next))
            .is_some_and(|u| !causal || u.deps.dominated_by(&self.applied));
        if !ready {
            return None;
        }
        let update = self.pending.remove(&(origin, next))?;
        self.applied.set(origin, next);
        Some(update)
    }

    /// Takes every held update that can now be applied, in a causal order: repeatedly, each
    /// origin's next in node order, until none is ready (`fifo`: the same, ignoring
    /// dependencies; `unordered`: every held update, in (origin, sequence) order). Each
    /// comes with its origin's contiguous prefix of applied updates once it is applied (its
    /// own sequence number but under `unordered`): what to persist with it.
    pub fn drain(&mut self) -> Vec<(Arc<Update>, u64)> {
        if self.delivery == Delivery::Unordered {
            return self.drain_unordered();
        }
        let mut out = Vec::new();
        loop {
            let mut origins: Vec<u32> = self.pending.keys().map(|(o, _)| *o).collect();
            origins.dedup();
            let before = out.len();
            for origin in origins {
                while let Some(u) = self.next_ready(origin) {
                    let seq = u.seq;
                    out.push((u, seq));
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// `unordered`: takes every held update, advancing each origin's prefix over those now
    /// contiguous and remembering the rest as applied ahead of it.
    fn drain_unordered(&mut self) -> Vec<(Arc<Update>, u64)> {
        let held = std::mem::take(&mut self.pending);
        let mut out = Vec::with_capacity(held.len());
        for ((origin, seq), update) in held {
            self.ahead.insert((origin, seq));
            let mut next = self.applied.get(origin) + 1;
            while self.ahead.remove(&(origin, next)) {
                self.applied.set(origin, next);
                next += 1;
            }
            out.push((update, next - 1));
        }
        out
    }

    /// The first of `origin`'s updates to ask for again, when it has accepted up to `head`
    /// and some before that are neither applied nor held: the gap's start.
    pub fn gap(&self, origin: u32, head: u64) -> Option<u64> {
        let next = self.applied.get(origin) + 1;
        (next <= head && !self.pending.contains_key(&(origin, next))).then_some(next)
    }

    /// Updates held ahead of a gap.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(origin: u32, seq: u64) -> Arc<Update> {
        Arc::new(Update {
            origin,
            seq,
            keys: Vec::new(),
            deps: VersionVector::new(),
        })
    }

    /// n2's first update, accepted after n2 had applied n0's first.
    fn after_n0s_first() -> Arc<Update> {
        let mut deps = VersionVector::new();
        deps.set(0, 1);
        Arc::new(Update {
            origin: 2,
            seq: 1,
            keys: Vec::new(),
            deps,
        })
    }

    #[test]
    fn an_update_waits_for_its_causal_dependencies() {
        let mut p = Progress::default();
        // n2 had applied n0's first update when it accepted this one.
        assert!(p.offer(after_n0s_first()));
        assert!(p.drain().is_empty(), "its cause has not arrived");
        assert_eq!(p.gap(2, 1), None, "held, not missing");
        assert!(p.offer(u(0, 1)));
        let order: Vec<(u32, u64)> = p.drain().iter().map(|(x, _)| (x.origin, x.seq)).collect();
        assert_eq!(order, vec![(0, 1), (2, 1)], "cause first");
    }

    #[test]
    fn fifo_keeps_each_origins_order_but_not_dependencies() {
        let mut p = Progress::from_applied(VersionVector::new(), Delivery::Fifo);
        assert!(p.offer(after_n0s_first()));
        assert!(p.offer(u(2, 3)));
        let order: Vec<(u32, u64)> = p.drain().iter().map(|(x, _)| (x.origin, x.seq)).collect();
        assert_eq!(
            order,
            vec![(2, 1)],
            "before its cause, but not past the gap at 2"
        );
        assert_eq!(p.gap(2, 3), Some(2));
    }

    #[test]
    fn unordered_applies_ahead_of_a_gap_and_counts_the_prefix() {
        let mut p = Progress::from_applied(VersionVector::new(), Delivery::Unordered);
        assert!(p.offer(u(1, 2)));
        assert!(p.offer(u(1, 4)));
        let got: Vec<(u64, u64)> = p.drain().iter().map(|(x, t)| (x.seq, *t)).collect();
        assert_eq!(
            got,
            vec![(2, 0), (4, 0)],
            "applied ahead; the prefix is still empty"
        );
        assert_eq!(p.applied().get(1), 0);
        assert!(!p.offer(u(1, 2)), "already applied, ahead of the prefix");
        assert_eq!(p.gap(1, 4), Some(1), "1 is missing");
        assert!(p.offer(u(1, 1)));
        let got: Vec<(u64, u64)> = p.drain().iter().map(|(x, t)| (x.seq, *t)).collect();
        assert_eq!(got, vec![(1, 2)], "the prefix closes over 2");
        assert_eq!(p.gap(1, 4), Some(3));
        assert!(p.offer(u(1, 3)));
        assert_eq!(
            p.drain().iter().map(|(_, t)| *t).collect::<Vec<_>>(),
            vec![4]
        );
        assert_eq!((p.applied().get(1), p.pending()), (4, 0));
        assert_eq!(p.gap(1, 4), None);
    }

    #[test]
    fn applies_each_origin_in_order_and_finds_gaps() {
        let mut p = Progress::default();
        assert!(p.offer(u(1, 1)));
        assert!(p.offer(u(1, 3)), "ahead of a gap: held");
        assert!(!p.offer(u(1, 3)), "a duplicate");
        assert_eq!(p.next_ready(1).map(|x| x.seq), Some(1));
        assert_eq!(p.next_ready(1), None, "2 is missing");
        assert_eq!(p.gap(1, 3), Some(2), "re-request from 2");
        assert_eq!(p.gap(2, 0), None, "nothing accepted there");
        assert!(p.offer(u(1, 2)));
        assert_eq!(p.gap(1, 3), None, "2 has arrived");
        assert_eq!(p.next_ready(1).map(|x| x.seq), Some(2));
        assert_eq!(p.next_ready(1).map(|x| x.seq), Some(3));
        assert_eq!(p.applied().get(1), 3);
        assert!(!p.offer(u(1, 2)), "already applied");
        assert_eq!(p.gap(1, 3), None);
        assert_eq!(p.gap(1, 5), Some(4), "the origin says it has accepted more");
        assert_eq!(p.pending(), 0);
    }

    #[test]
    fn the_buffer_is_bounded() {
        let mut p = Progress::default();
        for seq in 2..(MAX_PENDING as u64 + 2) {
            assert!(p.offer(u(0, seq)));
        }
        assert!(
            !p.offer(u(0, MAX_PENDING as u64 + 2)),
            "full: fetched again later"
        );
        assert!(p.offer(u(0, 1)), "the next one is always taken");
        let mut drained = 0;
        while p.next_ready(0).is_some() {
            drained += 1;
        }
        assert_eq!((drained, p.pending()), (MAX_PENDING + 1, 0));
    }
}
