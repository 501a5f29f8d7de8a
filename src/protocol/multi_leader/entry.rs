//! One key's replicated value under each conflict rule, how an update from another leader
//! merges into it, what a read of it returns, and how a local micro-operation changes it.
//! Owns no messages, no storage and no log.
//!
//! Every update ships, for each key it changed, the key's whole entry as the accepting
//! leader holds it afterwards; receivers [`Entry::merge`] it in. Under every rule but the
//! arrival-order switch the merge is a join, so the order updates of different origins
//! arrive in does not matter.
//!
//! | rule | entry | merge | a read returns |
//! |---|---|---|---|
//! | `lww` | the whole value tagged (local clock, node) | the larger tag | the value |
//! | `version-vector` | siblings: values with version vectors, none before another | keep the siblings no other dominates | registers and counters: the largest sibling; sets: the union |
//! | `crdt` | gossip's [`Crdt`]: PN-counter, OR-set, LWW-register | the CRDT's join | the CRDT's value |
//! | arrival order (switch) | the bare value | overwrite | the value |

use super::version_vector::VersionVector;
use crate::ops::{MicroOp, Stored};
use crate::protocol::gossip::crdt::{Crdt, Shape};
use crate::protocol::gossip::lww::{LwwRegister, Stamp};
use crate::protocol::gossip::orset::{OrSet, Tag};
use crate::protocol::gossip::pncounter::PnCounter;
use crate::protocol::gossip::MergeKind;
use std::collections::BTreeSet;

/// A value tagged with the accepting node's local clock and id (`lww`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tagged {
    /// (local clock, node): the larger wins.
    pub stamp: Stamp,
    /// The key's whole value.
    pub value: Stored,
}

/// One of a key's concurrent values (`version-vector`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Sibling {
    /// What the writer had seen of the key: a count of updates per node.
    pub version: VersionVector,
    /// The value written.
    pub value: Stored,
}

/// One key's replicated value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Entry {
    /// `conflict = "lww"`.
    Lww(Tagged),
    /// `conflict = "version-vector"`: never empty, no sibling's version dominated by
    /// another's, in version order.
    Siblings(Vec<Sibling>),
    /// `conflict = "crdt"`.
    Crdt(Crdt),
    /// `apply_in_arrival_order = true`: the last value to arrive.
    Blind(Stored),
}

/// What a local update needs besides the operation.
#[derive(Clone, Copy, Debug)]
pub struct Writer {
    /// The accepting node.
    pub node: u32,
    /// The update's sequence number in the node's log (from 1).
    pub seq: u64,
    /// The micro-operation's position in its transaction (OR-set tags).
    pub op_index: u32,
    /// The LWW tag: the node's local clock (made strictly increasing per node) and id.
    pub stamp: Stamp,
}

/// Which rule new entries follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Tagged whole values.
    Lww,
    /// Siblings with version vectors.
    VersionVector,
    /// CRDTs, registers as LWW.
    Crdt,
    /// Bare values overwritten in arrival order.
    Blind,
}

impl Entry {
    /// What a read returns, in the shared store's form.
    pub fn stored(&self) -> Stored {
        match self {
            Entry::Lww(t) => t.value.clone(),
            Entry::Blind(v) => v.clone(),
            Entry::Crdt(c) => c.stored(),
            Entry::Siblings(s) => resolve(s),
        }
    }

    /// The shape a read sees (which micro-operations apply to the key).
    pub fn shape(&self) -> Option<Shape> {
        match self {
            Entry::Crdt(c) => Some(c.shape()),
            other => shape_of(&other.stored()),
        }
    }

    /// Merges `incoming` (a key's entry as another leader held it after an update) into
    /// this one; returns whether this one changed.
    pub fn merge(&mut self, incoming: &Entry) -> bool {
        match (&mut *self, incoming) {
            (Entry::Lww(a), Entry::Lww(b)) => {
                if b.stamp > a.stamp {
                    *a = b.clone();
                    true
                } else {
                    false
                }
            }
            (Entry::Siblings(a), Entry::Siblings(b)) => {
                let mut changed = false;
                for s in b {
                    changed |= add_sibling(a, s);
                }
                changed
            }
            (Entry::Crdt(a), Entry::Crdt(b)) => a.merge(b, MergeKind::Idempotent),
            (ours, theirs) => {
                // Arrival order, or two rules mixed (never within one run): overwrite.
                let changed = ours != theirs;
                *ours = theirs.clone();
                changed
            }
        }
    }
}

/// Adds `s` to a sibling list unless a sibling already dominates it, dropping those it
/// dominates; returns whether the list changed.
pub fn add_sibling(list: &mut Vec<Sibling>, s: &Sibling) -> bool {
    if list.iter().any(|e| s.version.dominated_by(&e.version)) {
        return false;
    }
    list.retain(|e| !e.version.dominated_by(&s.version));
    list.push(s.clone());
    list.sort_by(|x, y| x.version.cmp(&y.version));
    true
}

/// A read of siblings: the deterministic choice every replica holding the same siblings
/// makes. Registers and counters read as their largest sibling, sets as the union; siblings
/// of different types (one key used as two) read as those of the highest-ranked type
/// (register, then set, then counter).
fn resolve(siblings: &[Sibling]) -> Stored {
    let rank = |v: &Stored| match v {
        Stored::Counter(_) => 0,
        Stored::Set(_) => 1,
        Stored::List(_) => 2,
        Stored::Register(_) => 3,
    };
    let top = siblings.iter().map(|s| rank(&s.value)).max().unwrap_or(3);
    let mut out: Option<Stored> = None;
    for s in siblings.iter().filter(|s| rank(&s.value) == top) {
        out = Some(match (out, &s.value) {
            (None, v) => v.clone(),
            (Some(Stored::Register(a)), Stored::Register(b)) => Stored::Register(a.max(*b)),
            (Some(Stored::Counter(a)), Stored::Counter(b)) => Stored::Counter(a.max(*b)),
            (Some(Stored::Set(mut a)), Stored::Set(b)) => {
                a.extend(b.iter().copied());
                Stored::Set(a)
            }
            (Some(a), _) => a,
        });
    }
    out.unwrap_or(Stored::Register(0))
}

/// The shape of a stored value (`None` for a list, which this protocol never makes).
fn shape_of(v: &Stored) -> Option<Shape> {
    match v {
        Stored::Register(_) => Some(Shape::Register),
        Stored::Counter(_) => Some(Shape::Counter),
        Stored::Set(_) => Some(Shape::Set),
        Stored::List(_) => None,
    }
}

/// The value after applying `op` to `current` (a read of the key; `None`: absent), for the
/// rules that replicate whole values. The caller has checked the types match.
fn next_value(current: Option<Stored>, op: &MicroOp) -> Option<Stored> {
    Some(match (*op, current) {
        (MicroOp::Write { value, .. }, _) => Stored::Register(value),
        (MicroOp::Add { delta, .. }, Some(Stored::Counter(c))) => {
            Stored::Counter(c.saturating_add(delta))
        }
        (MicroOp::Add { delta, .. }, _) => Stored::Counter(delta),
        (MicroOp::Insert { value, .. }, Some(Stored::Set(mut s))) => {
            s.insert(value);
            Stored::Set(s)
        }
        (MicroOp::Insert { value, .. }, _) => Stored::Set(BTreeSet::from([value])),
        (MicroOp::Remove { value, .. }, Some(Stored::Set(mut s))) => {
            s.remove(&value);
            Stored::Set(s)
        }
        (MicroOp::Remove { .. }, _) => Stored::Set(BTreeSet::new()),
        _ => return None,
    })
}

/// The key's entry after the local update `op` under `rule` (`current`: the entry held;
/// `None`: absent). `None` when `op` changes nothing it can (a read, or a kind not served).
pub fn local(current: Option<&Entry>, op: &MicroOp, rule: Rule, w: &Writer) -> Option<Entry> {
    match rule {
        Rule::Blind => next_value(current.map(Entry::stored), op).map(Entry::Blind),
        Rule::Lww => {
            let value = next_value(current.map(Entry::stored), op)?;
            let mut entry = current
                .filter(|e| matches!(e, Entry::Lww(_)))
                .cloned()
                .unwrap_or(Entry::Lww(Tagged {
                    stamp: Stamp::default(),
                    value: value.clone(),
                }));
            // A write tagged below what the replica holds loses here too, as it will
            // everywhere: the replicas agree on the larger tag.
            entry.merge(&Entry::Lww(Tagged {
                stamp: w.stamp,
                value,
            }));
            Some(entry)
        }
        Rule::VersionVector => {
            let value = next_value(current.map(Entry::stored), op)?;
            let mut version = VersionVector::new();
            if let Some(Entry::Siblings(list)) = current {
                for s in list {
                    version.join(&s.version);
                }
            }
            version.set(w.node, w.seq);
            // It has seen every sibling this replica holds, so it replaces them all.
            Some(Entry::Siblings(vec![Sibling { version, value }]))
        }
        Rule::Crdt => {
            let mut crdt = match current {
                Some(Entry::Crdt(c)) => c.clone(),
                _ => match op {
                    MicroOp::Add { .. } => Crdt::Counter(PnCounter::new()),
                    MicroOp::Insert { .. } | MicroOp::Remove { .. } => Crdt::Set(OrSet::new()),
                    MicroOp::Write { value, .. } => {
                        Crdt::Register(LwwRegister::new(*value, Stamp::default()))
                    }
                    _ => return None,
                },
            };
            match (*op, &mut crdt) {
                (MicroOp::Add { delta, .. }, Crdt::Counter(c)) => c.add(w.node, delta),
                (MicroOp::Insert { value, .. }, Crdt::Set(s)) => {
                    s.insert(
                        value,
                        Tag {
                            node: w.node,
                            life: w.op_index,
                            seq: w.seq,
                        },
                    );
                }
                (MicroOp::Remove { value, .. }, Crdt::Set(s)) => {
                    s.remove(value);
                }
                (MicroOp::Write { value, .. }, Crdt::Register(r)) => {
                    r.write(value, w.stamp);
                }
                _ => return None,
            }
            Some(Entry::Crdt(crdt))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(node: u32, seq: u64, time: u64) -> Writer {
        Writer {
            node,
            seq,
            op_index: 0,
            stamp: Stamp { time, node },
        }
    }

    fn write(value: i64) -> MicroOp {
        MicroOp::Write { key: 0, value }
    }

    #[test]
    fn lww_keeps_the_larger_tag_and_breaks_ties_by_node() {
        let a = local(None, &write(1), Rule::Lww, &w(0, 1, 10)).unwrap();
        let b = local(None, &write(2), Rule::Lww, &w(1, 1, 10)).unwrap();
        let c = local(None, &write(3), Rule::Lww, &w(2, 1, 5)).unwrap();
        let mut x = a.clone();
        assert!(x.merge(&b), "same clock: the larger node id wins");
        assert!(!x.merge(&c), "an earlier clock loses");
        let mut y = c.clone();
        y.merge(&b);
        y.merge(&a);
        assert_eq!(x, y);
        assert_eq!(x.stored(), Stored::Register(2));
        // A local write tagged below what the node holds loses at once.
        let lost = local(Some(&x), &write(9), Rule::Lww, &w(2, 2, 7)).unwrap();
        assert_eq!(lost.stored(), Stored::Register(2));
    }

    #[test]
    fn concurrent_versions_are_siblings_and_a_later_write_replaces_them() {
        let a = local(None, &write(1), Rule::VersionVector, &w(0, 1, 0)).unwrap();
        let b = local(None, &write(2), Rule::VersionVector, &w(1, 1, 0)).unwrap();
        let mut x = a.clone();
        assert!(x.merge(&b));
        let mut y = b.clone();
        assert!(y.merge(&a));
        assert_eq!(x, y, "the same siblings whatever the order");
        assert!(matches!(&x, Entry::Siblings(s) if s.len() == 2));
        assert_eq!(x.stored(), Stored::Register(2), "the largest sibling");
        // n2 writes having seen both: one value, dominating both, everywhere.
        let c = local(Some(&x), &write(0), Rule::VersionVector, &w(2, 1, 0)).unwrap();
        assert!(x.merge(&c));
        assert_eq!(x, c);
        assert!(!x.merge(&a), "an old sibling arriving late changes nothing");
        assert_eq!(x.stored(), Stored::Register(0));
    }

    #[test]
    fn crdt_counters_and_sets_keep_concurrent_updates() {
        let add = MicroOp::Add { key: 0, delta: 1 };
        let a = local(None, &add, Rule::Crdt, &w(0, 1, 0)).unwrap();
        let b = local(None, &add, Rule::Crdt, &w(1, 1, 0)).unwrap();
        let mut x = a.clone();
        x.merge(&b);
        assert_eq!(x.stored(), Stored::Counter(2));
        // The same under LWW keeps one increment.
        let a = local(None, &add, Rule::Lww, &w(0, 1, 1)).unwrap();
        let b = local(None, &add, Rule::Lww, &w(1, 1, 2)).unwrap();
        let mut y = a.clone();
        y.merge(&b);
        assert_eq!(y.stored(), Stored::Counter(1));
        let ins = |v| MicroOp::Insert { key: 0, value: v };
        let s = local(None, &ins(4), Rule::Crdt, &w(0, 1, 0)).unwrap();
        let t = local(None, &ins(5), Rule::Crdt, &w(1, 1, 0)).unwrap();
        let mut z = s.clone();
        z.merge(&t);
        assert_eq!(z.stored(), Stored::Set(BTreeSet::from([4, 5])));
    }

    #[test]
    fn arrival_order_overwrites_so_order_decides() {
        let a = local(None, &write(1), Rule::Blind, &w(0, 1, 0)).unwrap();
        let b = local(None, &write(2), Rule::Blind, &w(1, 1, 0)).unwrap();
        let mut x = a.clone();
        x.merge(&b);
        let mut y = b.clone();
        y.merge(&a);
        assert_ne!(
            x.stored(),
            y.stored(),
            "two orders, two replicas, two values"
        );
    }
}
