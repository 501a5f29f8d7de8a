//! The sans-IO protocol contract (DESIGN §2) and the protocols that ship with faultline.
//!
//! A protocol is a plain state machine. It never sees global time, sockets, threads or the
//! engine: the engine calls its handlers and carries out, in order, the effects the handler
//! recorded in its [`Context`]. This module owns the trait, the context, the client request
//! and reply types, the read-only [`Observation`], and the registry of protocols by name.

mod client;
mod context;
pub mod detector;
pub mod dynamo;
pub mod gossip;
mod knobs;
mod log_view;
pub mod membership;
pub mod multi_leader;
mod params_serde;
pub mod phold;
pub mod primary_backup;
pub mod raft;
pub mod registry;
#[cfg(test)]
pub(crate) mod testkit;

pub use client::{ClientRequest, Reply};
pub use context::{Context, Effect};
pub use knobs::Knobs;
pub use log_view::{chain_digest, payload_digest, EntryView};

use crate::des::ids::NodeId;
use serde::de::DeserializeOwned;
use std::fmt::Debug;
use std::hash::Hash;

/// A replication or consensus protocol, as a deterministic state machine.
///
/// Every handler receives a [`Context`] through which it reads its own id, the members, its
/// **local** clock and its own random stream, and records effects (send, broadcast, timers,
/// durable writes, client replies, trace notes). The engine is generic over `Protocol`, so
/// the event loop calls these handlers without dynamic dispatch.
pub trait Protocol: Sized + 'static {
    /// The name scenarios use in `[cluster] protocol = "…"`.
    const NAME: &'static str;
    /// Parameters, deserialized from `[cluster.params]` (unknown keys must be refused:
    /// put `#[serde(deny_unknown_fields, default)]` on the struct).
    type Params: DeserializeOwned + Default + Clone + Debug;
    /// Messages between nodes. `Hash` feeds the trace hash; `Debug` the JSON trace.
    type Msg: Clone + Hash + Debug;
    /// Timer names: setting a timer that is already pending replaces it.
    type Timer: Copy + Eq + Hash + Debug;
    /// The durable image a node recovers after a crash.
    type Durable: Clone + Default + Debug;
    /// One durable write, applied to the image by [`Protocol::apply_write`] when it completes.
    type Write: Clone + Debug;

    /// How storage applies a completed write to the durable image. Writes complete in the
    /// order they were issued; a write still in progress at a crash is lost.
    fn apply_write(durable: &mut Self::Durable, write: Self::Write);

    /// Starts (or restarts) a node. `recovered` is `None` on first boot and, after a crash,
    /// exactly the durable image whose writes had completed.
    fn start(
        params: &Self::Params,
        ctx: &mut Context<'_, Self>,
        recovered: Option<&Self::Durable>,
    ) -> Self;

    /// A message from another node arrived.
    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Self::Msg);

    /// A timer set earlier (in local time) fired.
    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Self::Timer);

    /// A client request arrived. Answer it (now or later) with [`Context::reply`].
    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest);

    /// The durable write that returned `token` from [`Context::persist`] has completed.
    fn on_persisted(&mut self, _ctx: &mut Context<'_, Self>, _token: u64) {}

    /// A read-only view for invariant checkers and fault targets. Must not change behaviour.
    fn observe(&self) -> Observation;

    /// The most nodes a cluster of this protocol may have; a scenario asking for more is
    /// refused. A protocol whose every node keeps state per peer (vote tallies, replication
    /// progress) costs memory with the square of the cluster size: keep this low enough that
    /// `MAX_NODES²` entries of that state stay affordable.
    const MAX_NODES: usize = 10_000;

    /// Checks the parameters against the cluster size (`nodes`), once, when a scenario is
    /// loaded: `Err((key, message))` names the `[cluster.params]` key to change. The default
    /// accepts everything.
    fn check_params(_params: &Self::Params, _nodes: usize) -> Result<(), (&'static str, String)> {
        Ok(())
    }

    /// Swarm testing (`[nemesis] swarm = true`): draws this seed's timing knobs (election
    /// timeouts, heartbeats, batch sizes) through `knobs`, each within the range where the
    /// protocol stays as safe as the scenario made it, writing them into `params`. Keys the
    /// scenario pinned come back unchanged from [`Knobs`]; when a combination is invalid,
    /// keep `params` as they were and call [`Knobs::discard`]. The default draws nothing.
    fn swarm(_params: &mut Self::Params, _knobs: &mut Knobs<'_>) {}

    /// The micro-operation kinds this protocol serves ([`crate::ops::Kind`]); a scenario whose
    /// workload needs another kind is refused. Protocols that serve no clients (PHOLD) serve
    /// none.
    const SERVES: &'static [crate::ops::Kind] = &[];

    /// True for protocols that replicate a log and answer [`Protocol::log_entry`]: the
    /// engine then checks the log invariants (Log Matching, Leader Append-Only, Leader
    /// Completeness, State Machine Safety) after every step. Costs nothing when false.
    const HAS_LOG: bool = false;

    /// The entry at `index` (from 1) of this node's log, or `None` past its end.
    fn log_entry(&self, _index: u64) -> Option<EntryView> {
        None
    }

    /// The replica's applied state, for protocols that apply client operations through the
    /// shared store ([`crate::ops::Store`]); `None` (the default) for the others. The engine
    /// asks once per running node when the run ends, never per event, and records the state
    /// and its [`crate::ops::Store::digest`] in [`crate::sim::NodeFinal`] for the
    /// `convergence` check. Like [`Protocol::observe`], it must not change behaviour.
    fn replica_state(&self) -> Option<&crate::ops::Store> {
        None
    }

    /// Whether this node is meant to hold `key` (partial replication): the `convergence`
    /// check compares each key only across the live nodes that replicate it, and a node that
    /// should hold a key but lacks it diverges. The default, every node replicates every key,
    /// suits protocols that copy the whole state everywhere. Stand-in copies (a sloppy
    /// quorum's hints) are not replicas. The engine asks once per running node and key when
    /// the run ends; it must not change behaviour.
    fn replicates_key(&self, _key: crate::ops::Key) -> bool {
        true
    }
}

/// The micro-operation kinds the shared store ([`crate::ops::Store`]) serves: every kind but
/// `send` and `poll`. Protocols that replicate the store declare these as [`Protocol::SERVES`].
pub const STORE_KINDS: &[crate::ops::Kind] = &[
    crate::ops::Kind::Read,
    crate::ops::Kind::Write,
    crate::ops::Kind::Cas,
    crate::ops::Kind::Append,
    crate::ops::Kind::Add,
    crate::ops::Kind::Insert,
    crate::ops::Kind::Remove,
    crate::ops::Kind::Delete,
];

/// A node's role as far as fault targets and reports care.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Role {
    /// Leads: a Raft leader, the primary of primary-backup.
    Leader,
    /// Follows a leader: a follower or backup.
    Follower,
    /// Trying to become leader.
    Candidate,
    /// The protocol has no roles (PHOLD, gossip).
    #[default]
    Peer,
}

/// What `observe()` exposes of a node: enough for `leader` targets and protocol invariants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Observation {
    /// The node's role.
    pub role: Role,
    /// Term, epoch or view number (0 when the protocol has none).
    pub term: u64,
    /// Length of the node's log or number of applied updates.
    pub log_len: u64,
    /// Highest index known committed (0 when the protocol has none).
    pub commit: u64,
    /// Highest index applied to the state machine (0 when the protocol has none).
    pub applied: u64,
}
