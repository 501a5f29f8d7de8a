//! The messages and timers of `primary-backup`. Plain data: what each field means lives here,
//! what a node does with it lives in `election.rs` and `replication.rs`.

use super::store::Map;
use crate::des::ids::RequestId;
use crate::des::time::Nanos;
use crate::ops::{Txn, Update};
use crate::protocol::Reply;

/// A message between nodes. Every message carries the sender's epoch; a node that sees a
/// newer epoch adopts it (a primary steps down), and a stale primary is told with
/// [`Msg::Fenced`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Primary → all: "I am primary of `epoch`". Acknowledging it grants a lease.
    Heartbeat {
        /// The primary's epoch.
        epoch: u64,
        /// The primary's local time when it sent this (echoed in the ack).
        sent_at: Nanos,
        /// The primary's last applied sequence number (lets a backup notice it lags).
        seq: u64,
        /// The primary's committed sequence number.
        commit: u64,
    },
    /// Backup → primary: acknowledges a heartbeat. With fencing this is a lease grant: the
    /// backup votes for no one until `lease` has passed on its clock since sending it.
    HeartbeatAck {
        /// The backup's epoch.
        epoch: u64,
        /// The heartbeat's `sent_at`.
        sent_at: Nanos,
        /// How far the backup's state in this epoch is durably persisted (0 if its state
        /// comes from an older epoch).
        durable_seq: u64,
    },
    /// Primary → backup: write `seq` of the primary's history.
    Replicate {
        /// The primary's epoch.
        epoch: u64,
        /// The write's sequence number.
        seq: u64,
        /// Its effects (a committed transaction's writes).
        update: Update,
    },
    /// Backup → primary: every write up to `seq` of `epoch`'s history is durably persisted.
    ReplicateAck {
        /// The epoch whose history the backup holds.
        epoch: u64,
        /// Durable prefix length.
        seq: u64,
    },
    /// Backup → primary: "send me your whole state" (gap, or state from an older epoch).
    SyncRequest {
        /// The backup's epoch.
        epoch: u64,
    },
    /// Primary → backup: the primary's whole state.
    Snapshot {
        /// The primary's epoch.
        epoch: u64,
        /// Writes it contains.
        seq: u64,
        /// The state.
        map: Map,
    },
    /// "Your epoch is stale: the current one is `epoch`." A primary that gets it steps down.
    Fenced {
        /// The newer epoch.
        epoch: u64,
    },
    /// Candidate → all: vote for me as primary of `epoch`.
    VoteRequest {
        /// The proposed epoch.
        epoch: u64,
        /// Epoch of the history the candidate's state belongs to.
        state_epoch: u64,
        /// How much of it the candidate applied.
        applied_seq: u64,
    },
    /// Answer to a [`Msg::VoteRequest`]; a grant is sent only after it is durable.
    Vote {
        /// The epoch asked about.
        epoch: u64,
        /// Whether the vote is granted.
        granted: bool,
        /// The highest epoch the voter has seen (a loser proposes above it next time).
        seen: u64,
    },
    /// Follower reads: the node a client asked → the replica chosen to serve the read.
    Read {
        /// The client request, answered through the sender.
        id: RequestId,
        /// The read-only transaction.
        txn: Txn,
        /// With `session_token`: the write (sequence number) the replica must have applied
        /// first; 0 for none.
        token: u64,
    },
    /// Follower reads: the serving replica → the node the client asked, which answers it.
    ReadReply {
        /// The client request.
        id: RequestId,
        /// The answer.
        reply: Reply,
    },
    /// Without fencing only: a backup's periodic "I am up", so that backups know which of
    /// them is the lowest-id live node when the primary goes silent.
    Alive {
        /// The backup's epoch.
        epoch: u64,
    },
}

/// The named timers of a node (setting a pending timer replaces it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Every `heartbeat`: the primary heartbeats and re-checks commits and its lease;
    /// without fencing, a backup sends [`Msg::Alive`].
    Tick,
    /// A backup checks whether the primary has been silent for `failover_timeout`.
    Failover,
    /// A candidate's granted leases have expired, or its election round timed out.
    Election,
    /// An async primary ships the writes it acknowledged since the last batch.
    Ship,
}
