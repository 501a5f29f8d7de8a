//! Version vectors (Parker et al. 1983; DDIA ch. 5, "Detecting Concurrent Writes"): for each
//! node, how many of its updates a replica (or a value) has seen. Two vectors compare as
//! *before*, *after*, *equal* or *concurrent*; the join takes the larger count per node.
//! Owns the vector's algebra only.
//!
//! A node absent from the map counts 0, so `{n1: 0}` and `{}` are equal: entries are never
//! stored as 0.

use std::collections::BTreeMap;

/// How two version vectors relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Causality {
    /// Every count is at most the other's and one is smaller: happened before.
    Before,
    /// The other happened before this one.
    After,
    /// The same counts.
    Equal,
    /// Each has a count larger than the other's: neither saw the other.
    Concurrent,
}

/// A count of updates seen per node, in node order.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionVector(BTreeMap<u32, u64>);

impl VersionVector {
    /// The empty vector (every count 0).
    pub fn new() -> VersionVector {
        VersionVector::default()
    }

    /// `node`'s count.
    pub fn get(&self, node: u32) -> u64 {
        self.0.get(&node).copied().unwrap_or(0)
    }

    /// Sets `node`'s count (0 removes the entry).
    pub fn set(&mut self, node: u32, count: u64) {
        if count == 0 {
            self.0.remove(&node);
        } else {
            self.0.insert(node, count);
        }
    }

    /// Every non-zero count, in node order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.0.iter().map(|(n, c)| (*n, *c))
    }

    /// Takes the larger count per node.
    pub fn join(&mut self, other: &VersionVector) {
        for (node, count) in other.iter() {
            if count > self.get(node) {
                self.0.insert(node, count);
            }
        }
    }

    /// How this vector relates to `other`.
    pub fn compare(&self, other: &VersionVector) -> Causality {
        let mut less = false;
        let mut more = false;
        for (node, count) in self.iter() {
            match count.cmp(&other.get(node)) {
                std::cmp::Ordering::Less => less = true,
                std::cmp::Ordering::Greater => more = true,
                std::cmp::Ordering::Equal => {}
            }
        }
        for (node, count) in other.iter() {
            if self.get(node) < count {
                less = true;
            }
        }
        match (less, more) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (true, true) => Causality::Concurrent,
        }
    }

    /// Whether every count is at most `other`'s (before or equal).
    pub fn dominated_by(&self, other: &VersionVector) -> bool {
        matches!(self.compare(other), Causality::Before | Causality::Equal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vv(counts: &[(u32, u64)]) -> VersionVector {
        let mut v = VersionVector::new();
        for &(n, c) in counts {
            v.set(n, c);
        }
        v
    }

    #[test]
    fn before_after_equal_and_concurrent() {
        let a = vv(&[(0, 1)]);
        let b = vv(&[(0, 2), (1, 1)]);
        assert_eq!(a.compare(&b), Causality::Before);
        assert_eq!(b.compare(&a), Causality::After);
        assert_eq!(a.compare(&vv(&[(0, 1), (1, 0)])), Causality::Equal);
        assert_eq!(VersionVector::new().compare(&vv(&[])), Causality::Equal);
        let c = vv(&[(0, 1), (2, 1)]);
        assert_eq!(c.compare(&b), Causality::Concurrent);
        assert_eq!(b.compare(&c), Causality::Concurrent);
        assert!(a.dominated_by(&b) && a.dominated_by(&a) && !c.dominated_by(&b));
        let mut j = b.clone();
        j.join(&c);
        assert_eq!(j, vv(&[(0, 2), (1, 1), (2, 1)]));
        assert_eq!(b.compare(&j), Causality::Before);
        assert_eq!(c.compare(&j), Causality::Before);
    }

    fn vector() -> impl Strategy<Value = VersionVector> {
        proptest::collection::vec((0u32..3, 0u64..3), 0..4).prop_map(|c| vv(&c))
    }

    proptest! {
        #[test]
        fn compare_is_antisymmetric_and_join_is_an_upper_bound(a in vector(), b in vector()) {
            let flip = match a.compare(&b) {
                Causality::Before => Causality::After,
                Causality::After => Causality::Before,
                other => other,
            };
            prop_assert_eq!(b.compare(&a), flip);
            let mut j = a.clone();
            j.join(&b);
            prop_assert!(a.dominated_by(&j) && b.dominated_by(&j));
            let mut k = b.clone();
            k.join(&a);
            prop_assert_eq!(j, k);
        }
    }
}
