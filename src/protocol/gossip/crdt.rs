//! One key's replicated value: which CRDT a key holds, decided by the first micro-operation
//! that changes it (`add` → a PN-counter, or a plain integer under the `counter = "plain"`
//! switch; `insert`/`remove` → an OR-set; `write` → an LWW-register), how two replicas' values
//! of one key merge, and what a read of it returns (the store's [`Stored`] form). Owns no
//! messages and no storage.

use super::lww::LwwRegister;
use super::orset::OrSet;
use super::params::MergeKind;
use super::pncounter::PnCounter;
use crate::ops::{Kind, MicroOp, Stored};

/// The replicated value of one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Crdt {
    /// A PN-counter (`add`).
    Counter(PnCounter),
    /// The `counter = "plain"` teaching switch: one integer, merged by maximum.
    Plain(i64),
    /// An add-wins OR-set (`insert`, `remove`).
    Set(OrSet),
    /// A last-writer-wins register (`write`).
    Register(LwwRegister),
}

/// What a key holds, as far as which micro-operations apply to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A counter (PN or plain): `add`.
    Counter,
    /// A set: `insert`, `remove`.
    Set,
    /// A register: `write`.
    Register,
}

impl Shape {
    /// The shape a micro-operation needs its key to have (`Ok(None)`: a read, any shape), or
    /// the kind when gossip does not serve it (`cas`, `append`, `send`, `poll`).
    pub fn needed_by(op: &MicroOp) -> Result<Option<Shape>, Kind> {
        match op {
            MicroOp::Read { .. } => Ok(None),
            MicroOp::Add { .. } => Ok(Some(Shape::Counter)),
            MicroOp::Insert { .. } | MicroOp::Remove { .. } => Ok(Some(Shape::Set)),
            MicroOp::Write { .. } => Ok(Some(Shape::Register)),
            other => Err(other.kind()),
        }
    }
}

impl Crdt {
    /// Its shape.
    pub fn shape(&self) -> Shape {
        match self {
            Crdt::Counter(_) | Crdt::Plain(_) => Shape::Counter,
            Crdt::Set(_) => Shape::Set,
            Crdt::Register(_) => Shape::Register,
        }
    }

    /// The order in which values of different types of one key win a merge (see
    /// [`Crdt::merge`]).
    fn rank(&self) -> u8 {
        match self {
            Crdt::Plain(_) => 0,
            Crdt::Counter(_) => 1,
            Crdt::Set(_) => 2,
            Crdt::Register(_) => 3,
        }
    }

    /// What a read returns, in the shared store's form: a counter's value, a set's live
    /// elements, a register's value.
    pub fn stored(&self) -> Stored {
        match self {
            Crdt::Counter(c) => Stored::Counter(c.value()),
            Crdt::Plain(v) => Stored::Counter(*v),
            Crdt::Set(s) => Stored::Set(s.value()),
            Crdt::Register(r) => Stored::Register(r.value()),
        }
    }

    /// Merges another replica's value of the same key in; returns whether this one changed.
    ///
    /// Counters merge as `merge` says (the additive switch adds counts); sets and registers
    /// always merge as joins. Values of two different types (two clients used one key as,
    /// say, a counter and a set, on two replicas) cannot be combined: the higher-ranked type
    /// (register, then set, then counter) replaces the other on every replica, so replicas
    /// still converge, and the other type's updates are lost.
    pub fn merge(&mut self, other: &Crdt, merge: MergeKind) -> bool {
        let additive = merge == MergeKind::Additive;
        let outranked = other.rank() > self.rank();
        match (&mut *self, other) {
            (Crdt::Counter(a), Crdt::Counter(b)) if additive => a.add_counts(b),
            (Crdt::Counter(a), Crdt::Counter(b)) => a.merge(b),
            (Crdt::Plain(a), Crdt::Plain(b)) if additive => {
                let sum = a.saturating_add(*b);
                let changed = sum != *a;
                *a = sum;
                changed
            }
            (Crdt::Plain(a), Crdt::Plain(b)) => {
                let changed = *b > *a;
                *a = (*a).max(*b);
                changed
            }
            (Crdt::Set(a), Crdt::Set(b)) => a.merge(b),
            (Crdt::Register(a), Crdt::Register(b)) => a.merge(b),
            (_, b) if outranked => {
                *self = b.clone();
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lww::Stamp;
    use super::super::orset::Tag;
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn reads_as_the_store_would() {
        let mut c = PnCounter::new();
        c.add(0, 3);
        assert_eq!(Crdt::Counter(c).stored(), Stored::Counter(3));
        assert_eq!(Crdt::Plain(-2).stored(), Stored::Counter(-2));
        let mut s = OrSet::new();
        s.insert(
            4,
            Tag {
                node: 0,
                life: 1,
                seq: 1,
            },
        );
        assert_eq!(Crdt::Set(s).stored(), Stored::Set(BTreeSet::from([4])));
        let r = LwwRegister::new(9, Stamp::default());
        assert_eq!(Crdt::Register(r).stored(), Stored::Register(9));
    }

    #[test]
    fn plain_counters_lose_concurrent_increments() {
        // Two replicas at 5 each add 1; merging keeps 6, not 7.
        let (mut a, b) = (Crdt::Plain(6), Crdt::Plain(6));
        assert!(!a.merge(&b, MergeKind::Idempotent));
        assert_eq!(a.stored(), Stored::Counter(6));
        // The same with PN-counters keeps both.
        let (mut x, mut y) = (PnCounter::new(), PnCounter::new());
        x.add(0, 5);
        y.merge(&x);
        x.add(0, 1);
        y.add(1, 1);
        let mut x = Crdt::Counter(x);
        assert!(x.merge(&Crdt::Counter(y), MergeKind::Idempotent));
        assert_eq!(x.stored(), Stored::Counter(7));
        // Additive plain merge adds.
        let mut p = Crdt::Plain(2);
        assert!(p.merge(&Crdt::Plain(3), MergeKind::Additive));
        assert_eq!(p, Crdt::Plain(5));
    }

    #[test]
    fn a_type_clash_resolves_the_same_way_on_both_sides() {
        let counter = Crdt::Plain(1);
        let register = Crdt::Register(LwwRegister::new(5, Stamp::default()));
        let mut x = counter.clone();
        let mut y = register.clone();
        assert!(x.merge(&register, MergeKind::Idempotent));
        assert!(!y.merge(&counter, MergeKind::Idempotent));
        assert_eq!(x, y);
        assert_eq!(
            Shape::needed_by(&MicroOp::Cas {
                key: 0,
                expected: 1,
                new: 2
            }),
            Err(Kind::Cas)
        );
        assert_eq!(Shape::needed_by(&MicroOp::Read { key: 0 }), Ok(None));
    }
}
