//! The observed-remove set (OR-set, add-wins) of Shapiro et al. 2011: every insert tags its
//! element with a tag no other insert uses; a remove removes the tags of the element that
//! its replica has observed, so an insert concurrent with a remove (whose tag the remover
//! had not seen) survives it. Owns the set's algebra only.
//!
//! State-based form: for each element, the tags ever inserted, each either live or removed
//! (a tombstone). Per (element, tag) the states form the chain *absent < live < removed*, and
//! merge takes the larger one for every pair, so it is a join. Tombstones are kept forever;
//! the optimised OR-set that drops them with version vectors is out of scope.

use std::collections::{BTreeMap, BTreeSet};

/// A unique insert tag: the inserting node, its life (incarnation: how many times it has
/// started, made durable before the node tags anything), and a sequence number within that
/// life. Unique as long as a node never reuses a life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag {
    /// The node that inserted.
    pub node: u32,
    /// The node's incarnation.
    pub life: u32,
    /// Inserts the node made in that life before this one, plus one.
    pub seq: u64,
}

/// An add-wins observed-remove set of integers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrSet {
    /// Every (element, tag) ever inserted, and whether it has been removed. One flat map, so
    /// that copying a set (every gossip round does) is a handful of allocations.
    entries: BTreeMap<(i64, Tag), bool>,
}

const FIRST: Tag = Tag {
    node: 0,
    life: 0,
    seq: 0,
};
const LAST: Tag = Tag {
    node: u32::MAX,
    life: u32::MAX,
    seq: u64::MAX,
};

impl OrSet {
    /// An empty set.
    pub fn new() -> OrSet {
        OrSet::default()
    }

    /// Inserts `element` under the fresh tag `tag`. Returns whether anything changed (false
    /// only if the tag was already known).
    pub fn insert(&mut self, element: i64, tag: Tag) -> bool {
        if self.entries.contains_key(&(element, tag)) {
            return false;
        }
        self.entries.insert((element, tag), false);
        true
    }

    /// Removes `element`: every tag of it this replica has observed becomes a tombstone. An
    /// insert this replica has not seen yet is unaffected and wins. Returns whether anything
    /// changed.
    pub fn remove(&mut self, element: i64) -> bool {
        let mut changed = false;
        for (_, removed) in self.entries.range_mut((element, FIRST)..=(element, LAST)) {
            changed |= !*removed;
            *removed = true;
        }
        changed
    }

    /// Whether `element` is in the set: some tag of it is live.
    pub fn contains(&self, element: i64) -> bool {
        self.entries
            .range((element, FIRST)..=(element, LAST))
            .any(|(_, r)| !r)
    }

    /// The elements, in ascending order.
    pub fn value(&self) -> BTreeSet<i64> {
        let mut live: Vec<i64> = self
            .entries
            .iter()
            .filter(|(_, r)| !**r)
            .map(|((e, _), _)| *e)
            .collect();
        live.dedup();
        live.into_iter().collect()
    }

    /// Whether merging `other` would change nothing: every (element, tag) of it is here, and
    /// removed here if removed there. One pass over both, allocating nothing.
    fn covers(&self, other: &OrSet) -> bool {
        let mut ours = self.entries.iter().peekable();
        for (key, &removed) in &other.entries {
            loop {
                match ours.peek() {
                    Some((k, _)) if *k < key => {
                        ours.next();
                    }
                    Some((k, &r)) if *k == key => {
                        if removed && !r {
                            return false;
                        }
                        break;
                    }
                    _ => return false,
                }
            }
        }
        true
    }

    /// Merges `other` in: the union of the tags, a tag removed on either side removed.
    /// Returns whether anything changed.
    pub fn merge(&mut self, other: &OrSet) -> bool {
        if self.covers(other) {
            return false;
        }
        for (&key, &removed) in &other.entries {
            let r = self.entries.entry(key).or_insert(removed);
            *r |= removed;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tag(node: u32, seq: u64) -> Tag {
        Tag { node, life: 1, seq }
    }

    #[test]
    fn insert_remove_and_read() {
        let mut s = OrSet::new();
        assert!(s.insert(5, tag(0, 1)));
        assert!(!s.insert(5, tag(0, 1)), "a known tag");
        assert!(s.insert(3, tag(0, 2)));
        assert_eq!(s.value(), BTreeSet::from([3, 5]));
        assert!(s.remove(5));
        assert!(!s.remove(5) && !s.remove(9));
        assert!(!s.contains(5) && s.contains(3));
        assert!(s.insert(5, tag(0, 3)), "re-inserted under a new tag");
        assert!(s.contains(5));
    }

    #[test]
    fn a_concurrent_insert_wins_over_a_remove() {
        let mut a = OrSet::new();
        a.insert(7, tag(0, 1));
        let mut b = a.clone();
        a.remove(7); // a removes the tag it saw
        b.insert(7, tag(1, 1)); // b inserts 7 again, concurrently
        let mut x = a.clone();
        x.merge(&b);
        let mut y = b.clone();
        y.merge(&a);
        assert_eq!(x, y);
        assert!(
            x.contains(7),
            "add wins: the remove had not observed b's tag"
        );
        // A remove that observed both tags removes the element everywhere.
        x.remove(7);
        y.merge(&x);
        assert!(!y.contains(7));
    }

    pub(crate) fn orset() -> impl Strategy<Value = OrSet> {
        let op = (0i64..4, 0u32..3, 1u64..4, any::<bool>());
        proptest::collection::vec(op, 0..10).prop_map(|ops| {
            let mut s = OrSet::new();
            for (e, node, seq, remove) in ops {
                if remove {
                    s.remove(e);
                } else {
                    s.insert(e, tag(node, seq));
                }
            }
            s
        })
    }

    fn merged(a: &OrSet, b: &OrSet) -> OrSet {
        let mut m = a.clone();
        m.merge(b);
        m
    }

    proptest! {
        #[test]
        fn merge_is_commutative_associative_and_idempotent(
            a in orset(), b in orset(), c in orset()
        ) {
            prop_assert_eq!(merged(&a, &b), merged(&b, &a));
            prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
            prop_assert_eq!(merged(&a, &a), a.clone());
            prop_assert!(!a.clone().merge(&a));
        }
    }
}
