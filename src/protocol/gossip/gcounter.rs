//! The grow-only counter (G-counter) of Shapiro et al. 2011: one count per node, each node
//! increments only its own, the value is the sum, and merge takes the pointwise maximum.
//! Owns the counter's algebra only; it knows nothing of messages, storage or the store.
//!
//! Merge is a join (commutative, associative, idempotent), so replicas that exchanged their
//! states in any order, any number of times, agree. [`GCounter::add_counts`] is the broken
//! merge of the `merge = "additive"` teaching switch: it adds counts instead of taking the
//! maximum, so merging the same state twice counts it twice.

use std::collections::BTreeMap;

/// A grow-only counter: per-node counts, keyed by node index. Only nodes with a count above
/// zero have an entry, so equal counters are equal values of this type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct GCounter {
    counts: BTreeMap<u32, u64>,
}

impl GCounter {
    /// An empty counter (value 0).
    pub fn new() -> GCounter {
        GCounter::default()
    }

    /// Adds `amount` to `node`'s own count (saturating: a count never wraps around).
    pub fn increment(&mut self, node: u32, amount: u64) {
        if amount == 0 {
            return;
        }
        let c = self.counts.entry(node).or_insert(0);
        *c = c.saturating_add(amount);
    }

    /// The value: the sum of every node's count (saturating).
    pub fn value(&self) -> u64 {
        self.counts
            .values()
            .fold(0u64, |sum, c| sum.saturating_add(*c))
    }

    /// `node`'s count.
    pub fn count(&self, node: u32) -> u64 {
        self.counts.get(&node).copied().unwrap_or(0)
    }

    /// Merges `other` in: each node's count becomes the larger of the two. Returns whether
    /// anything changed.
    pub fn merge(&mut self, other: &GCounter) -> bool {
        let mut changed = false;
        for (&node, &theirs) in &other.counts {
            if theirs > self.count(node) {
                self.counts.insert(node, theirs);
                changed = true;
            }
        }
        changed
    }

    /// The teaching switch's merge: each node's count becomes the **sum** of the two
    /// (saturating). Not idempotent: merging a state that was already merged, or a duplicate
    /// of it, counts its increments again. Returns whether anything changed.
    pub fn add_counts(&mut self, other: &GCounter) -> bool {
        let mut changed = false;
        for (&node, &theirs) in &other.counts {
            if theirs == 0 {
                continue;
            }
            let ours = self.counts.entry(node).or_insert(0);
            let sum = ours.saturating_add(theirs);
            changed |= sum != *ours;
            *ours = sum;
        }
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_per_node_and_merges_by_maximum() {
        let (mut a, mut b) = (GCounter::new(), GCounter::new());
        a.increment(0, 3);
        b.increment(1, 2);
        b.increment(0, 1);
        assert_eq!((a.value(), b.value()), (3, 3));
        assert!(a.merge(&b));
        assert_eq!((a.count(0), a.count(1), a.value()), (3, 2, 5));
        assert!(!a.merge(&b), "merging again changes nothing");
        assert!(b.merge(&a));
        assert_eq!(a, b);
        a.increment(2, u64::MAX);
        assert_eq!(a.value(), u64::MAX, "saturates");
        a.increment(2, 0);
        assert_eq!(a.count(2), u64::MAX);
    }

    #[test]
    fn additive_merge_counts_a_state_twice() {
        let (mut a, mut b) = (GCounter::new(), GCounter::new());
        a.increment(0, 1);
        b.increment(1, 1);
        a.add_counts(&b);
        assert_eq!(a.value(), 2, "the first merge looks right");
        a.add_counts(&b);
        assert_eq!(
            a.value(),
            3,
            "the same state again: b's increment counted twice"
        );
    }

    pub(crate) fn gcounter() -> impl Strategy<Value = GCounter> {
        proptest::collection::btree_map(0u32..4, 1u64..20, 0..4)
            .prop_map(|counts| GCounter { counts })
    }

    fn merged(a: &GCounter, b: &GCounter) -> GCounter {
        let mut m = a.clone();
        m.merge(b);
        m
    }

    proptest! {
        #[test]
        fn merge_is_commutative_associative_and_idempotent(
            a in gcounter(), b in gcounter(), c in gcounter()
        ) {
            prop_assert_eq!(merged(&a, &b), merged(&b, &a));
            prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
            prop_assert_eq!(merged(&a, &a), a.clone());
            prop_assert!(!a.clone().merge(&a));
            // Merge is an upper bound of both.
            let m = merged(&a, &b);
            prop_assert_eq!(merged(&m, &a), m.clone());
            prop_assert_eq!(merged(&m, &b), m);
        }

        #[test]
        fn additive_merge_is_not_idempotent(a in gcounter()) {
            let mut twice = a.clone();
            twice.add_counts(&a);
            prop_assert_eq!(twice.value(), a.value() * 2);
            prop_assert!(a.value() == 0 || twice != a);
        }
    }
}
