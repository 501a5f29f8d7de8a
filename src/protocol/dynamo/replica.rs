//! What one `dynamo` node stores: the sibling sets of the keys it replicates, the hints it
//! holds for nodes it stood in for (sloppy quorums), a materialized [`crate::ops::Store`] of
//! the winning value of each key (what the `convergence` check compares), the durable image
//! a node recovers after a crash ([`Durable`]) and the durable writes that build it
//! ([`Write`]). Owns no messaging or timing.
//!
//! A delete's tombstone is held like any version (it replicates, read-repairs, hints and
//! anti-entropies as a write, and is in the Merkle tree) until [`Replica::purge`] drops it,
//! `tombstone_expiry` after its stamp by the node's local clock. A replica that missed the
//! delete and still holds the old value then finds no tombstone anywhere to lose to, and
//! anti-entropy or read repair copies the old value back: the deleted data is resurrected
//! (Cassandra's `gc_grace_seconds`). Hints are not purged: a hint holder hands its
//! tombstones to their owner.

use super::version::{self, Siblings, Version};
use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::ops::{Key, Store, Update};
use std::collections::{BTreeMap, BTreeSet};

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
    /// The winning value of every key in `data` (a key whose winner is a tombstone is
    /// absent).
    store: Store,
    /// The keys whose set holds a tombstone (what [`Replica::purge`] visits).
    tombstoned: BTreeSet<Key>,
}

/// The store's view of `key` after its set became `set`: its winner's value, or absent.
fn show(store: &mut Store, key: Key, set: &[Version]) {
    match version::read_value(set) {
        Some(value) => store.apply_update(&Update::write(key, value)),
        None => store.apply_update(&Update::delete(key)),
    }
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
                show(&mut r.store, key, set);
                if set.iter().any(Version::is_tombstone) {
                    r.tombstoned.insert(key);
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
            show(&mut self.store, key, set);
            if set.iter().any(Version::is_tombstone) {
                self.tombstoned.insert(key);
            } else {
                self.tombstoned.remove(&key);
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

    /// Drops every tombstone stamped at or before `now - expiry` (local times) and returns the
    /// durable writes of the keys that changed, in key order. A key left with no version is
    /// forgotten: to this replica it was never written.
    pub fn purge(&mut self, now: Nanos, expiry: Nanos) -> Vec<Write> {
        let mut writes = Vec::new();
        let mut cleared = Vec::new();
        for &key in &self.tombstoned {
            let Some(set) = self.data.get_mut(&key) else {
                cleared.push(key);
                continue;
            };
            let before = set.len();
            set.retain(|v| !(v.is_tombstone() && v.stamp.ts.saturating_add(expiry) <= now));
            if set.len() == before {
                continue;
            }
            show(&mut self.store, key, set);
            if !set.iter().any(Version::is_tombstone) {
                cleared.push(key);
            }
            writes.push(Write::Put {
                key,
                set: set.clone(),
            });
            if set.is_empty() {
                self.data.remove(&key);
            }
        }
        for key in cleared {
            self.tombstoned.remove(&key);
        }
        writes
    }

    /// Whether any key's set holds a tombstone.
    pub fn has_tombstones(&self) -> bool {
        !self.tombstoned.is_empty()
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
            value: Some(value),
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

    fn tomb(ts: u64) -> Version {
        Version {
            value: None,
            ..v(ts, 0)
        }
    }

    #[test]
    fn a_winning_tombstone_reads_as_absent_until_purged() {
        let mut d = Durable::default();
        let mut r = Replica::recover(true, None);
        apply_write(&mut d, r.merge(1, &[v(5, 50)]).0);
        apply_write(&mut d, r.merge(2, &[v(5, 60)]).0);
        let (w, changed) = r.merge(1, &[tomb(10)]);
        assert!(changed, "the newer tombstone wins");
        apply_write(&mut d, w);
        assert_eq!(r.store().register(1), None, "deleted");
        assert_eq!(r.store().register(2), Some(60));
        assert!(
            !r.merge(1, &[v(8, 80)]).1,
            "an older value loses to the tombstone"
        );
        assert!(r.has_tombstones());
        // Recovery sees the tombstone.
        let back = Replica::recover(true, Some(&d));
        assert_eq!(back.store().register(1), None);
        assert!(back.has_tombstones());
        // Not yet expired at 10 + 100 - 1; expired at 10 + 100.
        assert!(r.purge(109, 100).is_empty());
        let writes = r.purge(110, 100);
        assert_eq!(
            writes,
            vec![Write::Put {
                key: 1,
                set: vec![]
            }]
        );
        for w in writes {
            apply_write(&mut d, w);
        }
        assert!(!r.has_tombstones() && r.get(1).is_empty());
        assert!(!d.data.contains_key(&1), "the purge is durable");
        // Purged: the older value it had beaten now gets in (a resurrection).
        assert!(r.merge(1, &[v(8, 80)]).1);
        assert_eq!(r.store().register(1), Some(80));
    }

    #[test]
    fn purging_a_tombstone_sibling_leaves_the_concurrent_value() {
        let mut r = Replica::recover(false, None);
        let mut a = v(5, 50);
        a.vv.set(1, 1);
        let mut t = tomb(9);
        t.vv.set(2, 1);
        r.merge(4, &[a, t]);
        assert_eq!(r.get(4).len(), 2, "concurrent siblings");
        assert_eq!(
            r.store().register(4),
            None,
            "the tombstone has the higher stamp"
        );
        assert_eq!(r.purge(1_000, 10).len(), 1);
        assert_eq!(r.store().register(4), Some(50));
        assert!(!r.has_tombstones());
    }
}
