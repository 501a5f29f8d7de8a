//! Unit tests of `primary-backup` on the shared hand-driven harness
//! ([`crate::protocol::testkit`]). Scenario-level runs belong to the engine's tests.

mod election;
mod follower_reads;
mod random;
mod replication;

use super::PrimaryBackup;
use crate::des::ids::NodeId;
pub(super) use crate::protocol::testkit::{n, read, write};

/// A cluster of `primary-backup` nodes driven by hand.
pub(super) type Net = crate::protocol::testkit::Net<PrimaryBackup>;

impl crate::protocol::testkit::Net<PrimaryBackup> {
    /// The node's in-memory value of `key`.
    pub fn value(&self, node: NodeId, key: u64) -> Option<i64> {
        self.node(node).store.map.register(key)
    }
}
