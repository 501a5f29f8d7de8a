//! A node's replica: every key's [`Entry`] and a materialized [`Store`] kept equal to what
//! the entries read as, so that reads answer in the store's form and the `convergence`
//! check compares replicas. Owns applying a local transaction and merging another leader's
//! update; never sends, persists or answers anything.

use super::entry::{self, Entry, Rule, Writer};
use crate::ops::{Key, Kind, MicroOp, Results, Store, Txn};
use crate::protocol::gossip::crdt::Shape;
use std::collections::BTreeMap;

/// Every key's entry, in key order: what nodes persist.
pub type Entries = BTreeMap<Key, Entry>;

/// Why a transaction was refused (it did nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not served (`cas`, `append`, `send`, `poll`).
    Unsupported(Kind),
    /// A micro-operation met a key of another type.
    TypeMismatch {
        /// The key.
        key: Key,
        /// The micro-operation's kind.
        kind: Kind,
    },
}

/// The entries of one node and their materialized store.
#[derive(Clone, Debug, Default)]
pub struct Replica {
    entries: Entries,
    store: Store,
}

impl Replica {
    /// A replica holding `entries` (recovered from disk).
    pub fn from_entries(entries: Entries) -> Replica {
        let store = build(&entries);
        Replica { entries, store }
    }

    /// Every key's entry.
    pub fn entries(&self) -> &Entries {
        &self.entries
    }

    /// The materialized store: what each key reads as.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Applies a client transaction atomically: every micro-operation in order (reads see
    /// the earlier ones), or none when one is not served or meets a key of another type.
    /// Returns the reads' results and, for each key changed, its entry afterwards (the
    /// update to ship), in key order.
    pub fn apply(
        &mut self,
        txn: &Txn,
        rule: Rule,
        w: &mut Writer,
    ) -> Result<(Results, Vec<(Key, Entry)>), Refusal> {
        let mut own: Vec<(Key, Shape)> = Vec::new();
        for op in txn.ops() {
            let Some(need) = Shape::needed_by(op).map_err(Refusal::Unsupported)? else {
                continue;
            };
            let key = op.key();
            let held = own
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, s)| Some(*s))
                .unwrap_or_else(|| self.entries.get(&key).and_then(Entry::shape));
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
        for (i, op) in txn.ops().iter().enumerate() {
            if let MicroOp::Read { key } = *op {
                results.push(self.store.read(key));
                continue;
            }
            results.push(None);
            let key = op.key();
            w.op_index = i as u32;
            if let Some(next) = entry::local(self.entries.get(&key), op, rule, w) {
                w.stamp.time += 1; // the next micro-op's tag is larger
                self.entries.insert(key, next);
                self.sync(key);
                if !changed.contains(&key) {
                    changed.push(key);
                }
            }
        }
        changed.sort_unstable();
        let update = changed
            .into_iter()
            .filter_map(|k| self.entries.get(&k).map(|e| (k, e.clone())))
            .collect();
        Ok((Results(results), update))
    }

    /// Merges another leader's update (keys and their entries there) in; returns whether
    /// anything changed.
    pub fn merge(&mut self, update: &[(Key, Entry)]) -> bool {
        let mut any = false;
        for (key, incoming) in update {
            let changed = match self.entries.get_mut(key) {
                Some(ours) => ours.merge(incoming),
                None => {
                    self.entries.insert(*key, incoming.clone());
                    true
                }
            };
            if changed {
                self.sync(*key);
                any = true;
            }
        }
        any
    }

    /// Makes the store's `key` read as its entry does, by applying the difference; rebuilds
    /// the whole store when the key changed type.
    fn sync(&mut self, key: Key) {
        let Some(e) = self.entries.get(&key) else {
            return;
        };
        if !self.store.set_to(key, &e.stored()) {
            self.store = build(&self.entries);
        }
    }
}

/// A store holding what every entry reads as.
fn build(entries: &Entries) -> Store {
    Store::from_values(entries.iter().map(|(&key, e)| (key, e.stored())))
}
