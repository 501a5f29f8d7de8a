//! The positive-negative counter (PN-counter) of Shapiro et al. 2011: two G-counters, one
//! for increments and one for decrements; the value is their difference and merge merges
//! each. Owns the counter's algebra only.

use super::gcounter::GCounter;

/// A counter that goes up and down: increments in `p`, decrements in `n`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PnCounter {
    p: GCounter,
    n: GCounter,
}

impl PnCounter {
    /// A counter at 0.
    pub fn new() -> PnCounter {
        PnCounter::default()
    }

    /// Adds `delta` (either sign) on behalf of `node`.
    pub fn add(&mut self, node: u32, delta: i64) {
        if delta >= 0 {
            self.p.increment(node, delta.unsigned_abs());
        } else {
            self.n.increment(node, delta.unsigned_abs());
        }
    }

    /// The value: increments minus decrements, clamped to the range of `i64` (counts
    /// saturate rather than wrap, so a value far out of range reads as the nearest bound).
    pub fn value(&self) -> i64 {
        let v = i128::from(self.p.value()) - i128::from(self.n.value());
        v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }

    /// Merges `other` in, each half by pointwise maximum. Returns whether anything changed.
    pub fn merge(&mut self, other: &PnCounter) -> bool {
        let p = self.p.merge(&other.p);
        let n = self.n.merge(&other.n);
        p || n
    }

    /// The `merge = "additive"` teaching switch: each half adds the other's counts (see
    /// [`GCounter::add_counts`]). Not idempotent. Returns whether anything changed.
    pub fn add_counts(&mut self, other: &PnCounter) -> bool {
        let p = self.p.add_counts(&other.p);
        let n = self.n.add_counts(&other.n);
        p || n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn goes_up_and_down_and_merges_each_half() {
        let (mut a, mut b) = (PnCounter::new(), PnCounter::new());
        a.add(0, 5);
        a.add(0, -2);
        b.add(1, -4);
        assert_eq!((a.value(), b.value()), (3, -4));
        assert!(a.merge(&b));
        assert!(b.merge(&a));
        assert_eq!((a.value(), b.value()), (-1, -1));
        assert!(!a.merge(&b));
        a.add(2, i64::MIN);
        a.add(3, i64::MIN);
        assert_eq!(a.value(), i64::MIN, "clamped, not wrapped");
    }

    #[test]
    fn additive_merge_double_counts() {
        let (mut a, mut b) = (PnCounter::new(), PnCounter::new());
        b.add(1, 1);
        a.add_counts(&b);
        a.add_counts(&b);
        assert_eq!(a.value(), 2, "one increment counted twice");
    }

    fn pncounter() -> impl Strategy<Value = PnCounter> {
        proptest::collection::vec((0u32..4, -10i64..10), 0..8).prop_map(|adds| {
            let mut c = PnCounter::new();
            for (node, d) in adds {
                c.add(node, d);
            }
            c
        })
    }

    fn merged(a: &PnCounter, b: &PnCounter) -> PnCounter {
        let mut m = a.clone();
        m.merge(b);
        m
    }

    proptest! {
        #[test]
        fn merge_is_commutative_associative_and_idempotent(
            a in pncounter(), b in pncounter(), c in pncounter()
        ) {
            prop_assert_eq!(merged(&a, &b), merged(&b, &a));
            prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
            prop_assert_eq!(merged(&a, &a), a.clone());
            prop_assert!(!a.clone().merge(&a));
        }

        #[test]
        fn additive_merge_is_not_idempotent(a in pncounter()) {
            let mut twice = a.clone();
            twice.add_counts(&a);
            prop_assert_eq!(twice.value(), a.value() * 2);
            prop_assert!(a == PnCounter::new() || twice != a);
        }

        #[test]
        fn replicas_that_saw_the_same_adds_agree_on_their_sum(
            adds in proptest::collection::vec((0u32..3, -5i64..5), 0..20)
        ) {
            // Each node adds locally; then all merge in two different orders.
            let mut nodes = vec![PnCounter::new(); 3];
            for &(n, d) in &adds {
                nodes[n as usize].add(n, d);
            }
            let mut x = nodes[0].clone();
            x.merge(&nodes[1]);
            x.merge(&nodes[2]);
            let mut y = nodes[2].clone();
            y.merge(&nodes[0]);
            y.merge(&nodes[1]);
            prop_assert_eq!(&x, &y);
            prop_assert_eq!(x.value(), adds.iter().map(|a| a.1).sum::<i64>());
        }
    }
}
