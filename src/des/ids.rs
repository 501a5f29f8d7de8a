//! Small copyable identifiers shared by every layer.

use std::fmt;

/// A node's index in the cluster's member list (`n1` is `NodeId(0)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index as `usize`, for indexing per-node tables.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A client's index in the workload (`0..clients`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ClientId(pub u32);

/// Identifies one client request: the client and its per-client sequence number.
/// Retries after a redirect reuse the same id; a new operation gets a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RequestId {
    /// The client that issued the request.
    pub client: u32,
    /// The client's sequence number for this operation, from 1.
    pub seq: u64,
}

/// The identity of one fault as it fired: undoing a fault (healing its partition, restoring
/// its degraded links) removes exactly what that fault did, however faults overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FaultId(pub u64);
