//! What one `dynamo` node stores: the sibling sets of the keys it replicates, the hints it
//! holds for nodes it stood in for (sloppy quorums), a materialized [`crate::ops::Store`] of
//! the winning value of each key (what the `convergence` check compares), the durable image
//! a node recovers after a crash ([`Durable`]) and the durable writes that build it
//! ([`Write`]). Owns no messaging or timing.

use super::version::{self, Siblings, Version};
use crate::des::ids::NodeId;
use crate::ops::{Key, Store, Update};
use std::collections::BTreeMap;

/// The durable image of a node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// The sibling set of each key the node replicates.
    pub data: BTreeMap<Key, Siblings>,
    /// Hints: versions written here on behalf of `owner` (its index), by key.
    pub hints: BTreeMap<(u32, Key), Siblings>,
}

/// One durable write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// A key's sibling set is now `set`.
    Put {
        /// The key.
        key: Key,
        /// Its whole sibling set.
        set: Siblings,
    },
    /// The hint for (`owner`, `key`) is now `set`.
    Hint {
        /// The node the versions belong to.
        owner: u32,
        /// The key.
        key: Key,
        /// The whole hinted set.
        set: Siblings,
    },
    /// The hint for (`owner`, `key`) was handed off: drop it if it is still `set`.
    DropHint {
        /// The owner.
        owner: u32,
        /// The key.
        key: Key,
        /// The set handed off.
        set: Siblings,
    },
}

/// Applies one completed durable write to the image.
pub fn apply_write(d: &mut Durable, write: Write) {
    match write {
        Write::Put { key, set } => {
            if set.is_empty() {
                d.data.remove(&key);
            } else {
                d.data.insert(key, set);
            }
        }
        Write::Hint { owner, key, set } => {
            d.hints.insert((owner, key), set);
        }
        Write::DropHint { owner, key, set } => {
            if d.hints.get(&(owner, key)) == Some(&set) {
                d.hints.remove(&(owner, key));
            }
        }
    }
}

/// A node's replica state in memory.
#[derive(Clone, Debug, Default)]
pub struct Replica {
    lww: bool,
    data: BTreeMap<Key, Siblings>,
    hints: BTreeMap<(u32, Key), Siblings>,
    /// The winning value of every key in `data`.
    store: Store,
}

impl Replica {
    /// The replica recovered from `durable` (`lww`: last-write-wins versioning).
    pub fn recover(lww: bool, durable: Option<&Durable>) -> Replica {
        let mut r = Replica {
            lww,
            ..Replica::default()
        };
        if let Some(d) = durable {
            r.data = d.data.clone();
            r.hints = d.hints.clone();
            for (&key, set) in &r.data {
                if let Some(v) = version::winner(set) {
                    r.store.apply_update(&Update::write(key, v.value));
                }
            }
        }
        r
    }

    /// The winning values, as the shared store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The sibling set of `key` (empty if none).
    pub fn get(&self, key: Key) -> &[Version] {
        self.data.get(&key).map_or(&[], Vec::as_slice)
    }

    /// What a read of `key` here returns: its own set merged with any hints for it.
    pub fn read(&self, key: Key) -> Siblings {
        let mut set = self.get(key).to_vec();
        for ((_, k), hinted) in &self.hints {
            if *k == key {
                version::merge(self.lww, &mut set, hinted);
            }
        }
        set
    }

    /// Merges `incoming` into `key`'s set and returns the durable write of the whole set
    /// (written even when nothing changed, so that an acknowledgement sent when it completes
    /// follows every earlier write of the key) and whether the set changed.
    pub fn merge(&mut self, key: Key, incoming: &[Version]) -> (Write, bool) {
        if incoming.is_empty() && !self.data.contains_key(&key) {
            return (
                Write::Put {
                    key,
                    set: Vec::new(),
                },
                false,
            );
        }
        let set = self.data.entry(key).or_default();
        let changed = version::merge(self.lww, set, incoming);
        if changed {
            if let Some(v) = version::winner(set) {
                self.store.apply_update(&Update::write(key, v.value));
            }
        }
        (
            Write::Put {
                key,
                set: set.clone(),
            },
            changed,
        )
    }

    /// Keeps `incoming` as a hint for `owner` and returns the durable write.
    pub fn hint(&mut self, owner: NodeId, key: Key, incoming: &[Version]) -> Write {
        let set = self.hints.entry((owner.0, key)).or_default();
        version::merge(self.lww, set, incoming);
        Write::Hint {
            owner: owner.0,
            key,
            set: set.clone(),
        }
    }

    /// The hints held, by (owner, key).
    pub fn hints(&self) -> &BTreeMap<(u32, Key), Siblings> {
        &self.hints
    }

    /// The owner acknowledged hint `(owner, key)` as `set`: drops it unless it grew since;
    /// returns the durable write if it was dropped.
    pub fn handed_off(&mut self, owner: NodeId, key: Key, set: &Siblings) -> Option<Write> {
        if self.hints.get(&(owner.0, key)) != Some(set) {
            return None;
        }
        self.hints.remove(&(owner.0, key));
        Some(Write::DropHint {
            owner: owner.0,
            key,
            set: set.clone(),
        })
    }

    /// Every key with its set, in key order.
    pub fn entries(&self) -> impl Iterator<Item = (Key, &Siblings)> + '_ {
        self.data.iter().map(|(&k, s)| (k, s))
    }

    /// The highest entry `node` has in any stored version vector (a restarted coordinator
    /// continues its counter above it).
    pub fn counter_of(&self, node: NodeId) -> u64 {
        self.data
            .values()
            .chain(self.hints.values())
            .flatten()
            .map(|v| v.vv.get(node.0))
            .max()
            .unwrap_or(0)
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::super::version::Stamp;
    use super::*;

    fn v(ts: u64, value: i64) -> Version {
        Version {
            stamp: Stamp {
                ts,
                node: 1,
                seq: 0,
            },
            value,
            vv: Default::default(),
        }
    }

    #[test]
    fn writes_rebuild_the_replica() {
        let mut d = Durable::default();
        let mut r = Replica::recover(true, None);
        let (w, changed) = r.merge(3, &[v(5, 50)]);
        assert!(changed);
        apply_write(&mut d, w);
        let (w, changed) = r.merge(3, &[v(4, 40)]);
        assert!(!changed, "older under LWW");
        apply_write(&mut d, w);
        apply_write(&mut d, r.hint(NodeId(2), 9, &[v(1, 10)]));
        assert_eq!(r.read(9), vec![v(1, 10)]);
        let back = Replica::recover(true, Some(&d));
        assert_eq!(back.store().register(3), Some(50));
        assert_eq!(
            back.store().register(9),
            None,
            "hints are not the node's data"
        );
        assert_eq!(back.hints().len(), 1);
        let set = vec![v(1, 10)];
        assert!(r.handed_off(NodeId(2), 9, &vec![v(2, 20)]).is_none());
        apply_write(&mut d, r.handed_off(NodeId(2), 9, &set).unwrap());
        assert!(d.hints.is_empty() && r.hints().is_empty());
    }
}
