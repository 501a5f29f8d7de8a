//! The messages and timers of `dynamo`. Plain data: what each field means lives here, what a
//! node does with it lives in `coordinator.rs` (client requests and quorums), `mod.rs`
//! (replica side), `handoff.rs` and `antientropy.rs`.

use super::version::Siblings;
use crate::des::ids::RequestId;
use crate::ops::{Key, Txn};

/// A message between nodes. `op` names a coordinator's pending request, so that replies to a
/// request it gave up on (or of a previous life) are ignored.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Ring coordination: the node a client reached hands the request to the key's
    /// coordinator, which answers the client itself.
    Forward {
        /// The client request.
        id: RequestId,
        /// What it asks.
        txn: Txn,
    },
    /// Coordinator → replica: merge these versions of `key` (a write, or a read repair);
    /// with `hint`, keep them on behalf of that node (sloppy quorum).
    Put {
        /// The coordinator's request.
        op: u64,
        /// The key.
        key: Key,
        /// The versions.
        set: Siblings,
        /// The node this one stands in for, if any (its index).
        hint: Option<u32>,
    },
    /// Replica → coordinator: the `Put` of `op` is durable here.
    PutAck {
        /// The coordinator's request.
        op: u64,
    },
    /// Coordinator → replica: what do you hold for `key`?
    Get {
        /// The coordinator's request.
        op: u64,
        /// The key.
        key: Key,
    },
    /// Replica → coordinator: the versions of the key asked for (hints included).
    GetReply {
        /// The coordinator's request.
        op: u64,
        /// The versions.
        set: Siblings,
    },
    /// Failure detector probe to a peer not heard from lately.
    Ping,
    /// Answer to [`Msg::Ping`].
    Pong,
    /// Hint holder → owner: versions written here on your behalf.
    Handoff {
        /// The key.
        key: Key,
        /// The hinted versions.
        set: Siblings,
    },
    /// Owner → hint holder: the handed-off versions are durable here.
    HandoffAck {
        /// The key.
        key: Key,
        /// The versions acknowledged.
        set: Siblings,
    },
    /// Anti-entropy, first step: the sender's Merkle tree over the keys both nodes replicate.
    AeTree {
        /// The tree's node hashes (see `merkle.rs`).
        tree: Vec<u64>,
    },
    /// Anti-entropy, second step: the leaves that differ, with the replier's entries in them.
    AeDiff {
        /// Differing leaf numbers.
        leaves: Vec<u32>,
        /// The replier's keys in those leaves.
        entries: Vec<(Key, Siblings)>,
    },
    /// Anti-entropy, last step: the initiator's entries in the differing leaves.
    AeEntries {
        /// The initiator's keys in those leaves.
        entries: Vec<(Key, Siblings)>,
    },
}

/// The named timers of a node (setting a pending timer replaces it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Every `ping_interval`: ping quiet peers, hand off hints.
    Tick,
    /// Every `anti_entropy`: start a Merkle-tree exchange with the next peer.
    AntiEntropy,
    /// The coordinator's request `op` timed out.
    Request(u64),
}
