//! The last-writer-wins register (LWW-register) of Shapiro et al. 2011: a value tagged with
//! the writer's **local clock** reading and its node id; merge keeps the value with the
//! larger tag. Owns the register's algebra only.
//!
//! Tags are ordered by (time, node, value): the node breaks ties between clocks that read
//! the same, and the value breaks the tie of one node writing twice at one instant, so the
//! order is total and merge is a join. Writing is itself a merge with the new tagged value:
//! a write whose tag is smaller than the one the replica holds changes nothing.
//!
//! **Clock skew loses writes.** The tag is a local clock, not a causal order: a node whose
//! clock runs ahead writes values that outrank every write made elsewhere until real time
//! catches up, so a write acknowledged *after* another in real time (even one made on a
//! replica that had already seen the other) may lose to it, at once or when states merge. The
//! client was told `ok`; the value is gone. That is the anomaly `gossip-lww-skew.toml` shows
//! and the `durability` check catches.

/// A register value's tag: the writer's local clock reading (nanoseconds) and node index.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// The writer's local clock when it wrote.
    pub time: u64,
    /// The writer.
    pub node: u32,
}

/// A last-writer-wins register of one integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LwwRegister {
    stamp: Stamp,
    value: i64,
}

impl LwwRegister {
    /// A register holding `value`, written at `stamp`.
    pub fn new(value: i64, stamp: Stamp) -> LwwRegister {
        LwwRegister { stamp, value }
    }

    /// The value.
    pub fn value(&self) -> i64 {
        self.value
    }

    /// The tag of the value held.
    pub fn stamp(&self) -> Stamp {
        self.stamp
    }

    /// Writes `value` at `stamp`: it replaces the value held only if its tag is larger.
    /// Returns whether it did (false: the write is lost on arrival, outranked by a write with
    /// a later clock reading).
    pub fn write(&mut self, value: i64, stamp: Stamp) -> bool {
        self.merge(&LwwRegister::new(value, stamp))
    }

    /// Merges `other` in: keeps whichever has the larger (time, node, value). Returns whether
    /// the value changed.
    pub fn merge(&mut self, other: &LwwRegister) -> bool {
        if (other.stamp, other.value) > (self.stamp, self.value) {
            *self = *other;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(time: u64, node: u32) -> Stamp {
        Stamp { time, node }
    }

    #[test]
    fn the_later_clock_reading_wins() {
        let mut r = LwwRegister::new(1, at(10, 0));
        assert!(r.write(2, at(20, 1)));
        assert_eq!(r.value(), 2);
        assert!(!r.write(3, at(15, 2)), "an earlier clock reading loses");
        assert_eq!(r.value(), 2);
        assert!(r.write(4, at(20, 2)), "same time: the larger node id wins");
        assert_eq!(r.stamp(), at(20, 2));
    }

    #[test]
    fn a_clock_running_ahead_loses_a_later_write() {
        // n1's clock is 50ms ahead. It writes 1 at true time 0; n2 writes 2 at true time 30ms,
        // after n1's write was acknowledged. Merged either way, 1 wins: n2's write is lost.
        let ahead = LwwRegister::new(1, at(50_000_000, 0));
        let later = LwwRegister::new(2, at(30_000_000, 1));
        let (mut x, mut y) = (ahead, later);
        x.merge(&later);
        y.merge(&ahead);
        assert_eq!((x.value(), y.value()), (1, 1));
    }

    fn register() -> impl Strategy<Value = LwwRegister> {
        (0u64..5, 0u32..3, 0i64..3).prop_map(|(t, n, v)| LwwRegister::new(v, at(t, n)))
    }

    fn merged(a: &LwwRegister, b: &LwwRegister) -> LwwRegister {
        let mut m = *a;
        m.merge(b);
        m
    }

    proptest! {
        #[test]
        fn merge_is_commutative_associative_and_idempotent(
            a in register(), b in register(), c in register()
        ) {
            prop_assert_eq!(merged(&a, &b), merged(&b, &a));
            prop_assert_eq!(merged(&merged(&a, &b), &c), merged(&a, &merged(&b, &c)));
            prop_assert_eq!(merged(&a, &a), a);
            let mut again = a;
            prop_assert!(!again.merge(&a));
        }
    }
}
