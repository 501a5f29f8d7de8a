//! A node's replica: every key's CRDT, and a materialized [`Store`] kept equal to what the
//! CRDTs read as, so that reads answer in the store's form and the `convergence` check can
//! compare replicas. Owns applying a client transaction to the CRDTs and merging another
//! replica's state; never sends, persists or answers anything.

use super::crdt::{Crdt, Shape};
use super::lww::{LwwRegister, Stamp};
use super::orset::{OrSet, Tag};
use super::params::{CounterKind, MergeKind};
use super::pncounter::PnCounter;
use crate::ops::{Key, Kind, MicroOp, Results, Store, Txn};
use std::collections::BTreeMap;

/// Every key's CRDT, in key order: what nodes gossip and persist.
pub type Keys = BTreeMap<Key, Crdt>;

/// Why a transaction was refused (it did nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Gossip does not serve this kind (`cas`, `append`, `send`, `poll`).
    Unsupported(Kind),
    /// A micro-operation met a key of another type (adding to a set, say).
    TypeMismatch {
        /// The key.
        key: Key,
        /// The micro-operation's kind.
        kind: Kind,
    },
}

/// Who is updating, and how: what a local update needs besides the operation.
#[derive(Debug)]
pub struct Writer {
    /// This node's index.
    pub node: u32,
    /// This node's incarnation (for OR-set tags).
    pub life: u32,
    /// Tags this life has used so far.
    pub tags: u64,
    /// The local clock (for LWW stamps).
    pub now: u64,
    /// Which counter a new counter key gets.
    pub counter: CounterKind,
}

/// The CRDTs of one node and their materialized store.
#[derive(Clone, Debug, Default)]
pub struct Replica {
    keys: Keys,
    store: Store,
}

impl Replica {
    /// A replica holding `keys` (recovered from disk), with its store built from them.
    pub fn from_keys(keys: Keys) -> Replica {
        let store = build(&keys);
        Replica { keys, store }
    }

    /// Every key's CRDT.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The materialized store: what each key reads as.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Applies a client transaction at once, atomically: either every micro-operation takes
    /// effect in order (reads see the earlier ones) or, when one is not served or meets a key
    /// of another type, none does. Returns the reads' results and the keys that changed.
    pub fn apply(&mut self, txn: &Txn, w: &mut Writer) -> Result<(Results, Vec<Key>), Refusal> {
        let mut own: Vec<(Key, Shape)> = Vec::new();
        for op in txn.ops() {
            let Some(need) = Shape::needed_by(op).map_err(Refusal::Unsupported)? else {
                continue;
            };
            let key = op.key();
            let held = own
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, s)| *s)
                .or_else(|| self.keys.get(&key).map(Crdt::shape));
            match held {
                Some(s) if s != need => {
                    return Err(Refusal::TypeMismatch {
                        key,
                        kind: op.kind(),
                    })
                }
                Some(_) => {}
                None => own.push((key, need)),
            }
        }
        let mut results = Vec::with_capacity(txn.ops().len());
        let mut changed: Vec<Key> = Vec::new();
        for op in txn.ops() {
            if let MicroOp::Read { key } = *op {
                results.push(self.store.read(key));
                continue;
            }
            results.push(None);
            let key = op.key();
            if self.update(op, w) {
                self.sync(key);
                if !changed.contains(&key) {
                    changed.push(key);
                }
            }
        }
        Ok((Results(results), changed))
    }

    /// Applies one admissible update to its key's CRDT (creating it); whether it changed.
    fn update(&mut self, op: &MicroOp, w: &mut Writer) -> bool {
        let stamp = Stamp {
            time: w.now,
            node: w.node,
        };
        match (*op, self.keys.get_mut(&op.key())) {
            (MicroOp::Add { delta, .. }, Some(Crdt::Counter(c))) => {
                c.add(w.node, delta);
                delta != 0
            }
            (MicroOp::Add { delta, .. }, Some(Crdt::Plain(v))) => {
                *v = v.saturating_add(delta);
                delta != 0
            }
            (MicroOp::Insert { value, .. }, Some(Crdt::Set(s))) => {
                w.tags += 1;
                s.insert(
                    value,
                    Tag {
                        node: w.node,
                        life: w.life,
                        seq: w.tags,
                    },
                )
            }
            (MicroOp::Remove { value, .. }, Some(Crdt::Set(s))) => s.remove(value),
            (MicroOp::Write { value, .. }, Some(Crdt::Register(r))) => r.write(value, stamp),
            (_, Some(_)) => false, // not admissible; apply() refused it already
            (op, None) => {
                let fresh = match (op, w.counter) {
                    (MicroOp::Add { .. }, CounterKind::Crdt) => Crdt::Counter(PnCounter::new()),
                    (MicroOp::Add { .. }, CounterKind::Plain) => Crdt::Plain(0),
                    (MicroOp::Insert { .. } | MicroOp::Remove { .. }, _) => Crdt::Set(OrSet::new()),
                    (MicroOp::Write { value, .. }, _) => {
                        Crdt::Register(LwwRegister::new(value, stamp))
                    }
                    _ => return false,
                };
                self.keys.insert(op.key(), fresh);
                self.update(&op, w);
                true
            }
        }
    }

    /// Merges another replica's keys in; returns the keys that changed, in key order.
    pub fn merge(&mut self, theirs: &Keys, merge: MergeKind) -> Vec<Key> {
        let mut changed = Vec::new();
        for (&key, value) in theirs {
            let did = match self.keys.get_mut(&key) {
                Some(ours) => ours.merge(value, merge),
                None => {
                    self.keys.insert(key, value.clone());
                    true
                }
            };
            if did {
                self.sync(key);
                changed.push(key);
            }
        }
        changed
    }

    /// Makes the store's `key` read as its CRDT does, by applying the difference; rebuilds
    /// the whole store if the key changed type (a merge resolved a type clash).
    fn sync(&mut self, key: Key) {
        let Some(crdt) = self.keys.get(&key) else {
            return;
        };
        if !self.store.set_to(key, &crdt.stored()) {
            self.store = build(&self.keys);
        }
    }
}

/// A store holding what every key of `keys` reads as.
fn build(keys: &Keys) -> Store {
    Store::from_values(keys.iter().map(|(&key, crdt)| (key, crdt.stored())))
}
