//! Versions of one key and how they are ordered: last-write-wins tags and version vectors
//! with siblings (DeCandia et al. 2007, §4.4). Plain data and pure functions; a replica's
//! state for a key is a [`Siblings`] set, and merging two sets is commutative, associative
//! and idempotent, so replicas that saw the same versions hold the same set whatever the
//! order.
//!
//! - **LWW**: every version carries a [`Stamp`] (the coordinator's local clock, its id and a
//!   per-node sequence number); a set holds one version, the highest stamp.
//! - **Version vectors**: a set holds every version no other version in it dominates (its
//!   vector is not below another's). Two versions with equal vectors but different stamps
//!   (a coordinator that crashed and reused a counter) are kept as siblings, so that merging
//!   stays order-independent. A read with several siblings resolves to the one with the
//!   highest stamp ([`winner`]); the coordinator remembers the merged vector as the key's
//!   context, and its next write to the key descends from it, so the siblings collapse.
//!
//! A delete is a version too: a **tombstone** ([`Version::value`] `None`), stamped, versioned,
//! merged and resolved like any write; a read whose winner is a tombstone returns absent.
//! Replicas garbage-collect tombstones after `tombstone_expiry` (`replica.rs`).

use crate::des::rng::mix64;
use crate::des::time::Nanos;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// A write's tag: the coordinator's local clock when it made the version, its node index,
/// and its per-node sequence number (tie-breaker). Ordered lexicographically.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// The coordinator's local time.
    pub ts: Nanos,
    /// The coordinator's index.
    pub node: u32,
    /// The coordinator's write counter.
    pub seq: u64,
}

/// How two version vectors relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Causality {
    /// The first happened before the second (every entry `<=`, one `<`).
    Before,
    /// The first happened after the second.
    After,
    /// Equal vectors.
    Equal,
    /// Neither descends from the other.
    Concurrent,
}

/// A version vector: for each node, how many writes it coordinated that this version has
/// seen. Missing entries are 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionVector(pub BTreeMap<u32, u64>);

impl VersionVector {
    /// The entry of `node`.
    pub fn get(&self, node: u32) -> u64 {
        self.0.get(&node).copied().unwrap_or(0)
    }

    /// Sets the entry of `node`.
    pub fn set(&mut self, node: u32, count: u64) {
        self.0.insert(node, count);
    }

    /// Entry-wise maximum with `other`.
    pub fn merge(&mut self, other: &VersionVector) {
        for (&node, &c) in &other.0 {
            let e = self.0.entry(node).or_insert(0);
            *e = (*e).max(c);
        }
    }

    /// How `self` relates to `other`.
    pub fn compare(&self, other: &VersionVector) -> Causality {
        let (mut less, mut more) = (false, false);
        let nodes = self.0.keys().chain(other.0.keys());
        for &node in nodes {
            match self.get(node).cmp(&other.get(node)) {
                Ordering::Less => less = true,
                Ordering::Greater => more = true,
                Ordering::Equal => {}
            }
        }
        match (less, more) {
            (false, false) => Causality::Equal,
            (true, false) => Causality::Before,
            (false, true) => Causality::After,
            (true, true) => Causality::Concurrent,
        }
    }
}

/// One version of a key's value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// The write's tag (decides LWW; breaks ties between siblings for the resolver).
    pub stamp: Stamp,
    /// The value written; `None` for a delete's tombstone.
    pub value: Option<i64>,
    /// The version vector (empty under LWW).
    pub vv: VersionVector,
}

impl Version {
    /// Whether it is a delete's tombstone.
    pub fn is_tombstone(&self) -> bool {
        self.value.is_none()
    }
}

/// Hashes a value as the plain integer it was before tombstones existed (so that messages,
/// which the trace hashes, hash as they did in runs without deletes), a tombstone as a
/// marker no integer's bytes make alone.
impl Hash for Version {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.stamp.hash(h);
        match self.value {
            Some(v) => v.hash(h),
            None => h.write(b"tombstone"),
        }
        self.vv.hash(h);
    }
}

/// A key's versions on one replica, sorted, none dominating another.
pub type Siblings = Vec<Version>;

/// Merges `incoming` into `set`; true if `set` changed. `lww` keeps only the highest stamp
/// (then value and vector, should two stamps ever be equal);
/// otherwise the result is the versions of both that no other dominates.
pub fn merge(lww: bool, set: &mut Siblings, incoming: &[Version]) -> bool {
    let mut changed = false;
    for v in incoming {
        if lww {
            // The whole version breaks a (never expected) tie of stamps, so that the
            // outcome never depends on arrival order.
            if set.first().map_or(true, |c| c < v) {
                set.clear();
                set.push(v.clone());
                changed = true;
            }
            continue;
        }
        let covered = set
            .iter()
            .any(|c| c == v || c.vv.compare(&v.vv) == Causality::After);
        if covered {
            continue;
        }
        set.retain(|c| v.vv.compare(&c.vv) != Causality::After);
        let at = set.partition_point(|c| c < v);
        set.insert(at, v.clone());
        changed = true;
    }
    changed
}

/// The version a register read returns: the highest stamp among the siblings (the client
/// side resolver, deterministic on every replica and coordinator).
pub fn winner(set: &[Version]) -> Option<&Version> {
    set.iter().max()
}

/// What a read of `set` returns: the winner's value, `None` when the set is empty or the
/// winner is a tombstone (the key was deleted).
pub fn read_value(set: &[Version]) -> Option<i64> {
    winner(set).and_then(|v| v.value)
}

/// The vectors of every sibling, merged: the context a write must descend from to replace
/// them all.
pub fn context(set: &[Version]) -> VersionVector {
    let mut vv = VersionVector::default();
    for v in set {
        vv.merge(&v.vv);
    }
    vv
}

/// A pinned hash of a sibling set (for Merkle-tree leaves).
pub fn digest(set: &[Version]) -> u64 {
    let mut h = 0x7665_7273u64;
    for v in set {
        h = mix64(h ^ v.stamp.ts);
        h = mix64(h ^ u64::from(v.stamp.node) ^ v.stamp.seq.rotate_left(32));
        h = match v.value {
            Some(value) => mix64(h ^ value as u64),
            // A tombstone is part of the replica's state until it is purged.
            None => mix64(h ^ 0x746f_6d62 ^ u64::MAX.rotate_left(9)),
        };
        for (&node, &c) in &v.vv.0 {
            h = mix64(h ^ u64::from(node) ^ c.rotate_left(20));
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vv(entries: &[(u32, u64)]) -> VersionVector {
        VersionVector(entries.iter().copied().collect())
    }

    fn ver(ts: Nanos, value: i64, entries: &[(u32, u64)]) -> Version {
        Version {
            stamp: Stamp {
                ts,
                node: 0,
                seq: 0,
            },
            value: Some(value),
            vv: vv(entries),
        }
    }

    #[test]
    fn version_vector_comparison() {
        let a = vv(&[(0, 1), (1, 2)]);
        let b = vv(&[(0, 2), (1, 2)]);
        let c = vv(&[(0, 1), (1, 3)]);
        assert_eq!(a.compare(&b), Causality::Before);
        assert_eq!(b.compare(&a), Causality::After);
        assert_eq!(a.compare(&a.clone()), Causality::Equal);
        assert_eq!(b.compare(&c), Causality::Concurrent);
        assert_eq!(c.compare(&b), Causality::Concurrent);
        // Missing entries are zero.
        assert_eq!(vv(&[]).compare(&vv(&[(3, 1)])), Causality::Before);
        assert_eq!(vv(&[(3, 0)]).compare(&vv(&[])), Causality::Equal);
        let mut m = b.clone();
        m.merge(&c);
        assert_eq!(m, vv(&[(0, 2), (1, 3)]));
        assert_eq!(m.compare(&b), Causality::After);
        assert_eq!(m.compare(&c), Causality::After);
    }

    #[test]
    fn siblings_keep_concurrent_versions_and_drop_dominated_ones() {
        let base = ver(1, 10, &[(0, 1)]);
        let left = ver(2, 20, &[(0, 2)]);
        let right = ver(3, 30, &[(0, 1), (1, 1)]);
        let mut s = Siblings::new();
        assert!(merge(false, &mut s, std::slice::from_ref(&base)));
        assert!(merge(false, &mut s, &[left.clone(), right.clone()]));
        assert_eq!(s.len(), 2, "base is dominated by both");
        assert!(!merge(false, &mut s, &[base.clone(), left.clone()]));
        assert_eq!(winner(&s).and_then(|v| v.value), Some(30));
        let mut ctx = context(&s);
        ctx.set(2, 1);
        let resolved = ver(4, 40, &ctx.0.clone().into_iter().collect::<Vec<_>>());
        assert!(merge(false, &mut s, std::slice::from_ref(&resolved)));
        assert_eq!(s, vec![resolved]);
    }

    #[test]
    fn merge_is_order_independent_and_idempotent() {
        let vs = [
            ver(1, 1, &[(0, 1)]),
            ver(2, 2, &[(0, 2)]),
            ver(3, 3, &[(1, 1)]),
            ver(4, 4, &[(0, 2), (1, 1)]),
            ver(5, 5, &[(2, 1)]),
            ver(6, 6, &[(2, 1)]),
        ];
        for lww in [false, true] {
            let mut reference = Siblings::new();
            merge(lww, &mut reference, &vs);
            // Every rotation and the reverse give the same set.
            for k in 0..vs.len() {
                let mut order: Vec<Version> = vs.to_vec();
                order.rotate_left(k);
                let mut s = Siblings::new();
                merge(lww, &mut s, &order);
                assert_eq!(s, reference);
                order.reverse();
                let mut s = Siblings::new();
                for v in &order {
                    merge(lww, &mut s, std::slice::from_ref(v));
                }
                assert_eq!(s, reference);
                assert!(!merge(lww, &mut s, &order), "idempotent");
            }
            if lww {
                assert_eq!(reference.len(), 1);
                assert_eq!(reference[0].value, Some(6));
            } else {
                // {0:2,1:1} dominates the first three; the last two have equal vectors and
                // are kept as siblings.
                let values: Vec<i64> = reference.iter().filter_map(|v| v.value).collect();
                assert_eq!(values, vec![4, 5, 6]);
                assert_eq!(digest(&reference), {
                    let mut again = Siblings::new();
                    merge(false, &mut again, &vs);
                    digest(&again)
                });
            }
        }
    }
}
