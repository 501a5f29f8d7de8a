//! The replicated store: keys holding registers, lists, sets or counters, and the one place
//! transactions are applied. A transaction applies atomically: either every micro-operation
//! takes effect, in order, or — when a compare-and-set finds another value, or a micro-op
//! meets a key of another type — none does.
//!
//! Applying returns the results (what the reads saw) and the [`Update`]: the transaction's
//! effects alone (writes, deletes, appends, adds, inserts, removes; a successful cas as the write it
//! made). Replicas that receive updates in the same order reach the same state, without
//! re-deciding anything.
//!
//! [`Store::digest`] summarises a replica's whole state in one word, so that checkers and
//! reports can tell at a glance whether two replicas hold the same data.

use super::micro::{Key, Kind, MicroOp};
use super::txn::{Datum, Results, Txn};
use crate::des::rng::mix64;
use std::collections::{BTreeMap, BTreeSet};

/// What a key holds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Stored {
    /// A register's value.
    Register(i64),
    /// A list's elements, in append order.
    List(Vec<i64>),
    /// A set's elements.
    Set(BTreeSet<i64>),
    /// A counter's value.
    Counter(i64),
}

impl Stored {
    /// The type's name, for messages.
    pub fn type_name(&self) -> &'static str {
        type_name(Some(kind_of(self)))
    }

    /// What a read of it returns.
    pub fn datum(&self) -> Datum {
        match self {
            Stored::Register(v) | Stored::Counter(v) => Datum::Int(*v),
            Stored::List(items) => Datum::List(items.clone()),
            Stored::Set(items) => Datum::List(items.iter().copied().collect()),
        }
    }
}

/// The type a micro-operation needs its key to hold (or to be absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Type {
    Register,
    List,
    Set,
    Counter,
}

fn kind_of(s: &Stored) -> Type {
    match s {
        Stored::Register(_) => Type::Register,
        Stored::List(_) => Type::List,
        Stored::Set(_) => Type::Set,
        Stored::Counter(_) => Type::Counter,
    }
}

fn type_name(t: Option<Type>) -> &'static str {
    match t {
        Some(Type::Register) => "a register",
        Some(Type::List) => "a list",
        Some(Type::Set) => "a set",
        Some(Type::Counter) => "a counter",
        None => "nothing",
    }
}

fn needs(op: &MicroOp) -> Option<Type> {
    match op {
        MicroOp::Write { .. } | MicroOp::Cas { .. } | MicroOp::Delete { .. } => {
            Some(Type::Register)
        }
        MicroOp::Append { .. } => Some(Type::List),
        MicroOp::Insert { .. } | MicroOp::Remove { .. } => Some(Type::Set),
        MicroOp::Add { .. } => Some(Type::Counter),
        MicroOp::Read { .. } | MicroOp::Send { .. } | MicroOp::Poll { .. } => None,
    }
}

/// Why a transaction did not take effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Abort {
    /// A compare-and-set found another value (`None`: the key was absent).
    CasMismatch {
        /// The key.
        key: Key,
        /// What the cas expected.
        expected: i64,
        /// What the key held.
        found: Option<i64>,
    },
    /// A micro-operation met a key of another type (appending to a register, say).
    TypeMismatch {
        /// The key.
        key: Key,
        /// The micro-operation's kind.
        kind: Kind,
        /// What the key holds (`a register`, `a list`, …).
        holds: &'static str,
    },
    /// The store does not serve this kind (logs and queues are their protocols' own).
    Unsupported(Kind),
}

/// The effects of a committed transaction, to be applied as they are by replicas.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Update(Txn);

impl Update {
    /// The effects of writing `value` to register `key`.
    pub fn write(key: Key, value: i64) -> Update {
        Update(Txn::one(MicroOp::Write { key, value }))
    }

    /// The effects of deleting register `key`.
    pub fn delete(key: Key) -> Update {
        Update(Txn::one(MicroOp::Delete { key }))
    }

    /// The effects, in order.
    pub fn ops(&self) -> &[MicroOp] {
        self.0.ops()
    }
}

/// The outcome of applying a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// It took effect: what the reads returned, and its effects (`None` for a read-only
    /// transaction).
    Done {
        /// One result per micro-operation.
        results: Results,
        /// The effects for replicas.
        update: Option<Update>,
    },
    /// It did not take effect.
    Aborted(Abort),
}

/// A replicated key-value store of registers, lists, sets and counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Store {
    data: BTreeMap<Key, Stored>,
}

impl Store {
    /// Makes `key` hold `want` by applying the micro-operations that turn what it holds
    /// into it (a replica that keeps its data in another form, CRDTs say, keeps this store
    /// equal to what that data reads as). False, with the store unchanged or partly
    /// changed, when no such operations exist (the key holds another type, or `want` is an
    /// empty list): the caller then rebuilds the store with [`Store::from_values`].
    pub fn set_to(&mut self, key: Key, want: &Stored) -> bool {
        let ops = match (self.get(key), want) {
            (Some(held), _) if held == want => return true,
            (None, _) => creation(key, want),
            (Some(Stored::Counter(old)), Stored::Counter(new)) => vec![MicroOp::Add {
                key,
                delta: new.wrapping_sub(*old),
            }],
            (Some(Stored::Register(_)), Stored::Register(value)) => {
                vec![MicroOp::Write { key, value: *value }]
            }
            (Some(Stored::Set(old)), Stored::Set(new)) => {
                let mut ops: Vec<MicroOp> = new
                    .difference(old)
                    .map(|&value| MicroOp::Insert { key, value })
                    .collect();
                ops.extend(
                    old.difference(new)
                        .map(|&value| MicroOp::Remove { key, value }),
                );
                ops
            }
            _ => Vec::new(),
        };
        !ops.is_empty() && matches!(self.apply(&Txn::new(ops)), Applied::Done { .. })
    }

    /// A store in which each key holds its value (an empty list is left out: no operation
    /// makes one).
    pub fn from_values(values: impl IntoIterator<Item = (Key, Stored)>) -> Store {
        let mut store = Store::new();
        for (key, want) in values {
            let ops = creation(key, &want);
            if !ops.is_empty() {
                store.apply(&Txn::new(ops));
            }
        }
        store
    }

    /// An empty store.
    pub fn new() -> Store {
        Store::default()
    }

    /// What `key` holds (`None` when absent).
    pub fn get(&self, key: Key) -> Option<&Stored> {
        self.data.get(&key)
    }

    /// The value of register `key`, if it holds one.
    pub fn register(&self, key: Key) -> Option<i64> {
        self.data.get(&key).and_then(register_value)
    }

    /// What a read of `key` returns (`None` when absent).
    pub fn read(&self, key: Key) -> Option<Datum> {
        self.data.get(&key).map(Stored::datum)
    }

    /// The number of keys holding something.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when no key holds anything.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Every key holding something, in ascending key order, with what it holds.
    pub fn iter(&self) -> impl Iterator<Item = (Key, &Stored)> + '_ {
        self.data.iter().map(|(k, v)| (*k, v))
    }

    /// A digest of the whole state: equal stores have equal digests, on every machine and
    /// whatever order the keys were first written in (keys are visited in ascending order,
    /// set elements in ascending order, list elements in list order). Each key's type and
    /// each list's or set's length are mixed in, so a register holding 5 and a counter at 5,
    /// or `[1 2]` and `[1] [2]` under two keys, digest differently. Built from SplitMix64's
    /// finaliser ([`mix64`]), never from a randomly keyed hasher; pinned by a golden-value
    /// test. It costs one pass over the data: compute it once, not per event.
    pub fn digest(&self) -> u64 {
        const START: u64 = 0x5354_4f52_4520_0001; // "STORE", version 1
        let mut h = mix64(START ^ self.data.len() as u64);
        let mut absorb = |w: u64| h = mix64(h.wrapping_add(0x9e37_79b9_7f4a_7c15) ^ w);
        for (&key, stored) in &self.data {
            absorb(key);
            match stored {
                Stored::Register(v) => {
                    absorb(1);
                    absorb(*v as u64);
                }
                Stored::Counter(v) => {
                    absorb(4);
                    absorb(*v as u64);
                }
                Stored::List(items) => {
                    absorb(2);
                    absorb(items.len() as u64);
                    items.iter().for_each(|v| absorb(*v as u64));
                }
                Stored::Set(items) => {
                    absorb(3);
                    absorb(items.len() as u64);
                    items.iter().for_each(|v| absorb(*v as u64));
                }
            }
        }
        h
    }

    /// Reads every micro-operation of a read-only transaction (others read nothing).
    pub fn read_all(&self, txn: &Txn) -> Results {
        Results(
            txn.ops()
                .iter()
                .map(|op| match op {
                    MicroOp::Read { key } => self.read(*key),
                    _ => None,
                })
                .collect(),
        )
    }

    /// Applies `txn` atomically (see the module documentation).
    pub fn apply(&mut self, txn: &Txn) -> Applied {
        let results = match self.apply_results(txn) {
            Ok(results) => results,
            Err(abort) => return Applied::Aborted(abort),
        };
        let effects: Vec<MicroOp> = txn
            .ops()
            .iter()
            .filter_map(|op| match *op {
                MicroOp::Read { .. } => None,
                MicroOp::Cas { key, new, .. } => Some(MicroOp::Write { key, value: new }),
                effect => Some(effect),
            })
            .collect();
        Applied::Done {
            results,
            update: (!effects.is_empty()).then(|| Update(Txn::new(effects))),
        }
    }

    /// Applies `txn` atomically like [`Store::apply`], returning only what its reads
    /// returned (or why it aborted) without building the [`Update`] for replicas: the
    /// cheaper form for a replicated state machine, where every replica applies the
    /// transaction itself.
    pub fn apply_results(&mut self, txn: &Txn) -> Result<Results, Abort> {
        self.admissible(txn)?;
        let mut results = Vec::with_capacity(txn.ops().len());
        for op in txn.ops() {
            match *op {
                MicroOp::Read { key } => {
                    results.push(self.read(key));
                    continue;
                }
                MicroOp::Cas { key, new, .. } => {
                    self.apply_effect(&MicroOp::Write { key, value: new });
                }
                effect => self.apply_effect(&effect),
            }
            results.push(None);
        }
        Ok(Results(results))
    }

    /// Applies a committed transaction's effects, as the replica that committed it did.
    pub fn apply_update(&mut self, update: &Update) {
        for op in update.ops() {
            self.apply_effect(op);
        }
    }

    /// Whether `txn` can take effect now: every cas finds its expected value and every key
    /// has the type its micro-operations need, counting the transaction's own earlier
    /// writes. Nothing is changed.
    fn admissible(&self, txn: &Txn) -> Result<(), Abort> {
        // The transaction's own effects so far, for the keys it touched: type and register value.
        // A lone or last operation leaves nothing for a later one to see, so a one-operation
        // transaction (most of them) allocates nothing here.
        let mut own: Vec<(Key, Type, Option<i64>)> = Vec::new();
        let ops = txn.ops();
        for (i, op) in ops.iter().enumerate() {
            if let MicroOp::Send { .. } | MicroOp::Poll { .. } = op {
                return Err(Abort::Unsupported(op.kind()));
            }
            let Some(need) = needs(op) else { continue };
            let key = op.key();
            let (held, value) = match own.iter().find(|(k, ..)| *k == key) {
                Some(&(_, t, v)) => (Some(t), v),
                None => match self.data.get(&key) {
                    Some(s) => (Some(kind_of(s)), register_value(s)),
                    None => (None, None),
                },
            };
            if held.is_some_and(|t| t != need) {
                return Err(Abort::TypeMismatch {
                    key,
                    kind: op.kind(),
                    holds: type_name(held),
                });
            }
            let value = match *op {
                MicroOp::Cas { expected, new, .. } => {
                    if value != Some(expected) {
                        return Err(Abort::CasMismatch {
                            key,
                            expected,
                            found: value,
                        });
                    }
                    Some(new)
                }
                MicroOp::Write { value, .. } => Some(value),
                _ => None,
            };
            if i + 1 == ops.len() {
                break;
            }
            match own.iter_mut().find(|(k, ..)| *k == key) {
                Some(slot) => *slot = (key, need, value),
                None => own.push((key, need, value)),
            }
        }
        Ok(())
    }

    /// Applies one effect that [`Store::admissible`] allowed.
    fn apply_effect(&mut self, op: &MicroOp) {
        match *op {
            MicroOp::Write { key, value } => {
                self.data.insert(key, Stored::Register(value));
            }
            MicroOp::Delete { key } => {
                self.data.remove(&key);
            }
            MicroOp::Append { key, value } => {
                if let Stored::List(items) =
                    self.data.entry(key).or_insert(Stored::List(Vec::new()))
                {
                    items.push(value);
                }
            }
            MicroOp::Add { key, delta } => {
                if let Stored::Counter(v) = self.data.entry(key).or_insert(Stored::Counter(0)) {
                    *v = v.wrapping_add(delta);
                }
            }
            MicroOp::Insert { key, value } => {
                if let Stored::Set(items) =
                    self.data.entry(key).or_insert(Stored::Set(BTreeSet::new()))
                {
                    items.insert(value);
                }
            }
            MicroOp::Remove { key, value } => {
                if let Stored::Set(items) =
                    self.data.entry(key).or_insert(Stored::Set(BTreeSet::new()))
                {
                    items.remove(&value);
                }
            }
            MicroOp::Read { .. }
            | MicroOp::Cas { .. }
            | MicroOp::Send { .. }
            | MicroOp::Poll { .. } => {}
        }
    }
}

fn register_value(s: &Stored) -> Option<i64> {
    match s {
        Stored::Register(v) => Some(*v),
        _ => None,
    }
}

/// The micro-operations that create `key` holding `want` in an empty store (an empty set is
/// made by removing from it, as the store does for a remove from an absent key).
fn creation(key: Key, want: &Stored) -> Vec<MicroOp> {
    match want {
        Stored::Counter(v) => vec![MicroOp::Add { key, delta: *v }],
        Stored::Register(v) => vec![MicroOp::Write { key, value: *v }],
        Stored::Set(items) if items.is_empty() => vec![MicroOp::Remove { key, value: 0 }],
        Stored::Set(items) => items
            .iter()
            .map(|&value| MicroOp::Insert { key, value })
            .collect(),
        Stored::List(items) => items
            .iter()
            .map(|&value| MicroOp::Append { key, value })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn done(a: Applied) -> (Results, Option<Update>) {
        match a {
            Applied::Done { results, update } => (results, update),
            Applied::Aborted(why) => panic!("aborted: {why:?}"),
        }
    }

    #[test]
    fn apply_results_does_what_apply_does_without_the_update() {
        let txns = [
            Txn::new(vec![
                MicroOp::Write { key: 1, value: 3 },
                MicroOp::Read { key: 1 },
                MicroOp::Append { key: 2, value: 7 },
            ]),
            Txn::one(MicroOp::Cas {
                key: 1,
                expected: 3,
                new: 4,
            }),
            Txn::one(MicroOp::Cas {
                key: 1,
                expected: 3,
                new: 5,
            }),
            Txn::new(vec![MicroOp::Read { key: 1 }, MicroOp::Read { key: 2 }]),
            Txn::one(MicroOp::Add { key: 2, delta: 1 }),
        ];
        let (mut full, mut lean) = (Store::default(), Store::default());
        for txn in &txns {
            let expected = match full.apply(txn) {
                Applied::Done { results, .. } => Ok(results),
                Applied::Aborted(why) => Err(why),
            };
            assert_eq!(lean.apply_results(txn), expected, "{txn:?}");
            assert_eq!(lean, full);
        }
        let reads = lean.apply_results(&txns[3]).expect("reads apply");
        assert_eq!(
            reads.0,
            vec![Some(Datum::Int(4)), Some(Datum::List(vec![7]))]
        );
        assert!(lean.apply_results(&txns[2]).is_err(), "cas finds 4, not 3");
    }

    #[test]
    fn a_store_is_set_to_a_value_by_the_difference_and_built_from_values() {
        let set = |items: &[i64]| Stored::Set(items.iter().copied().collect());
        let mut s = Store::from_values([
            (1, Stored::Counter(5)),
            (2, set(&[1, 2])),
            (3, Stored::Register(7)),
            (4, set(&[])),
        ]);
        assert_eq!(s.get(4), Some(&set(&[])), "an empty set exists");
        assert!(s.set_to(1, &Stored::Counter(9)));
        assert!(s.set_to(2, &set(&[2, 3])));
        assert!(s.set_to(3, &Stored::Register(8)));
        assert!(s.set_to(5, &Stored::Register(1)), "created");
        assert!(s.set_to(3, &Stored::Register(8)), "already so");
        let want = Store::from_values([
            (1, Stored::Counter(9)),
            (2, set(&[2, 3])),
            (3, Stored::Register(8)),
            (4, set(&[])),
            (5, Stored::Register(1)),
        ]);
        assert_eq!(s, want);
        assert!(
            !s.set_to(1, &set(&[1])),
            "another type: the caller rebuilds"
        );
    }

    #[test]
    fn registers_lists_sets_and_counters() {
        let mut s = Store::new();
        let t = Txn::new(vec![
            MicroOp::Write { key: 1, value: 5 },
            MicroOp::Append { key: 2, value: 7 },
            MicroOp::Append { key: 2, value: 8 },
            MicroOp::Insert { key: 3, value: 4 },
            MicroOp::Insert { key: 3, value: 1 },
            MicroOp::Add { key: 4, delta: 3 },
            MicroOp::Read { key: 2 },
        ]);
        let (results, update) = done(s.apply(&t));
        assert_eq!(
            results.get(6),
            Some(&Datum::List(vec![7, 8])),
            "reads see earlier writes"
        );
        assert_eq!(update.unwrap().ops().len(), 6);
        assert_eq!(s.read(1), Some(Datum::Int(5)));
        assert_eq!(
            s.read(3),
            Some(Datum::List(vec![1, 4])),
            "sets read in order"
        );
        assert_eq!(s.read(4), Some(Datum::Int(3)));
        assert_eq!(s.read(9), None);
        let (r, u) = done(s.apply(&Txn::one(MicroOp::Read { key: 1 })));
        assert_eq!((r.get(0), u), (Some(&Datum::Int(5)), None));
    }

    #[test]
    fn a_delete_leaves_the_register_absent_until_written_again() {
        let mut s = Store::new();
        done(s.apply(&Txn::one(MicroOp::Write { key: 1, value: 5 })));
        let (_, update) = done(s.apply(&Txn::one(MicroOp::Delete { key: 1 })));
        assert_eq!(update, Some(Update::delete(1)));
        assert_eq!((s.read(1), s.len()), (None, 0));
        // A cas on a deleted key finds it absent; a write brings it back.
        let cas = Txn::one(MicroOp::Cas {
            key: 1,
            expected: 5,
            new: 6,
        });
        assert!(matches!(
            s.apply(&cas),
            Applied::Aborted(Abort::CasMismatch { found: None, .. })
        ));
        done(s.apply(&Txn::one(MicroOp::Write { key: 1, value: 7 })));
        assert_eq!(s.register(1), Some(7));
        // Deleting an absent key is a no-op; deleting a list is a type clash.
        done(s.apply(&Txn::one(MicroOp::Delete { key: 9 })));
        done(s.apply(&Txn::one(MicroOp::Append { key: 2, value: 1 })));
        assert!(matches!(
            s.apply(&Txn::one(MicroOp::Delete { key: 2 })),
            Applied::Aborted(Abort::TypeMismatch { .. })
        ));
        // Replicas applying the update reach the same state.
        let mut replica = Store::from_values([(1, Stored::Register(7))]);
        replica.apply_update(&Update::delete(1));
        assert!(replica.is_empty());
    }

    #[test]
    fn a_failed_cas_or_a_type_clash_aborts_everything() {
        let mut s = Store::new();
        done(s.apply(&Txn::one(MicroOp::Write { key: 1, value: 5 })));
        let before = s.clone();
        let t = Txn::new(vec![
            MicroOp::Append { key: 2, value: 1 },
            MicroOp::Cas {
                key: 1,
                expected: 4,
                new: 6,
            },
        ]);
        assert_eq!(
            s.apply(&t),
            Applied::Aborted(Abort::CasMismatch {
                key: 1,
                expected: 4,
                found: Some(5)
            })
        );
        assert_eq!(s, before, "the append before the cas did not happen");
        let clash = Txn::new(vec![
            MicroOp::Write { key: 7, value: 1 },
            MicroOp::Append { key: 7, value: 2 },
        ]);
        assert!(matches!(
            s.apply(&clash),
            Applied::Aborted(Abort::TypeMismatch {
                key: 7,
                holds: "a register",
                ..
            })
        ));
        // A cas sees the transaction's own earlier write.
        let own = Txn::new(vec![
            MicroOp::Write { key: 8, value: 1 },
            MicroOp::Cas {
                key: 8,
                expected: 1,
                new: 2,
            },
        ]);
        done(s.apply(&own));
        assert_eq!(s.read(8), Some(Datum::Int(2)));
        assert!(matches!(
            s.apply(&Txn::one(MicroOp::Poll { key: 1 })),
            Applied::Aborted(Abort::Unsupported(Kind::Poll))
        ));
    }

    #[test]
    fn digest_is_pinned_and_ignores_insertion_order() {
        let ops = [
            MicroOp::Write { key: 1, value: 5 },
            MicroOp::Append { key: 2, value: 7 },
            MicroOp::Append { key: 2, value: 8 },
            MicroOp::Insert { key: 3, value: 4 },
            MicroOp::Insert { key: 3, value: 1 },
            MicroOp::Add { key: 4, delta: -3 },
        ];
        let mut forward = Store::new();
        done(forward.apply(&Txn::new(ops.to_vec())));
        // The same state reached by writing the keys (and the set's elements) in another order.
        let mut backward = Store::new();
        for op in [ops[5], ops[4], ops[3], ops[0], ops[1], ops[2]] {
            done(backward.apply(&Txn::one(op)));
        }
        assert_eq!(forward, backward);
        assert_eq!(forward.digest(), backward.digest());
        // Golden values: a change here changes every report that prints a digest.
        assert_eq!(Store::new().digest(), 0x0009_09f5_1a8f_7f1b);
        assert_eq!(forward.digest(), 0x234d_a1d7_1505_d29d);
    }

    #[test]
    fn digest_tells_states_apart() {
        let store = |ops: &[MicroOp]| {
            let mut s = Store::new();
            for op in ops {
                done(s.apply(&Txn::one(*op)));
            }
            s.digest()
        };
        let all = [
            store(&[]),
            store(&[MicroOp::Write { key: 1, value: 5 }]),
            store(&[MicroOp::Write { key: 1, value: 6 }]),
            store(&[MicroOp::Write { key: 2, value: 5 }]),
            store(&[MicroOp::Add { key: 1, delta: 5 }]),
            store(&[
                MicroOp::Append { key: 1, value: 1 },
                MicroOp::Append { key: 1, value: 2 },
            ]),
            store(&[
                MicroOp::Append { key: 1, value: 2 },
                MicroOp::Append { key: 1, value: 1 },
            ]),
            store(&[
                MicroOp::Append { key: 1, value: 1 },
                MicroOp::Append { key: 2, value: 2 },
            ]),
            store(&[
                MicroOp::Insert { key: 1, value: 1 },
                MicroOp::Insert { key: 1, value: 2 },
            ]),
        ];
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                assert_ne!(all[i], all[j], "{i} vs {j}");
            }
        }
    }

    fn micro() -> impl Strategy<Value = MicroOp> {
        let key = 0u64..4;
        let v = 0i64..4;
        prop_oneof![
            key.clone().prop_map(|key| MicroOp::Read { key }),
            (key.clone(), v.clone()).prop_map(|(key, value)| MicroOp::Write { key, value }),
            (key.clone(), v.clone(), v.clone()).prop_map(|(key, expected, new)| MicroOp::Cas {
                key,
                expected,
                new
            }),
            (key.clone(), v.clone()).prop_map(|(key, value)| MicroOp::Append { key, value }),
            (key.clone(), v.clone()).prop_map(|(key, delta)| MicroOp::Add { key, delta }),
            (key.clone(), v.clone()).prop_map(|(key, value)| MicroOp::Insert { key, value }),
            (key, v).prop_map(|(key, value)| MicroOp::Remove { key, value }),
        ]
    }

    proptest! {
        #[test]
        fn replicas_applying_updates_reach_the_primary_state(
            txns in proptest::collection::vec(proptest::collection::vec(micro(), 1..5), 0..30)
        ) {
            let (mut primary, mut replica) = (Store::new(), Store::new());
            for ops in txns {
                let before = primary.clone();
                match primary.apply(&Txn::new(ops)) {
                    Applied::Done { update: Some(u), .. } => replica.apply_update(&u),
                    Applied::Done { update: None, .. } => prop_assert_eq!(&primary, &before),
                    Applied::Aborted(_) => prop_assert_eq!(&primary, &before),
                }
                prop_assert_eq!(&primary, &replica);
                prop_assert_eq!(primary.digest(), replica.digest());
            }
        }
    }
}
