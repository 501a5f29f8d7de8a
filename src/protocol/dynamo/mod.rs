//! `dynamo`: leaderless replication after DeCandia et al., "Dynamo: Amazon's Highly Available
//! Key-value Store" (SOSP 2007). Registers only (micro-ops `read` and `write`).
//!
//! # How it works
//!
//! - **Placement** (`ring.rs`). A consistent-hashing ring with `vnodes` tokens per node; a
//!   key's preference list is the first `n` distinct nodes clockwise from it.
//! - **Coordination** (`coordinator.rs`). With `coordinator = "ring"` the node a client
//!   reaches forwards the request ([`Msg::Forward`]) to the first node of the key's preference
//!   list its failure detector trusts (itself if it is that node), which coordinates and
//!   answers the client; with `"client"` the node reached coordinates. The coordinator sends
//!   the request to the key's `n` replicas and answers after `w` write acknowledgements or `r`
//!   read replies. A request not answered within `request_timeout` is dropped: the client
//!   times out and records `info`.
//! - **Replicas** (this file, `replica.rs`). A replica merges what it is sent into the key's
//!   sibling set, persists the whole set, and acknowledges only once that write is durable;
//!   a restarted node recovers its sets and hints.
//! - **Versioning** (`version.rs`). `"lww"`: a write is stamped with the coordinator's
//!   **local** clock, its id and a counter, and replicas keep the highest stamp (clock skew
//!   therefore loses acknowledged writes). `"version-vector"`: the coordinator increments its
//!   own entry of the context it knows for the key (the merged vectors of its last read of
//!   the key and of its own copy); replicas keep every version no other dominates
//!   (siblings). A read merges the siblings of its `r` replies and returns the one with the
//!   highest stamp (a deterministic client-side resolver); the coordinator keeps the merged
//!   vector as the key's context, so its next write of the key supersedes every sibling it
//!   saw and they collapse.
//! - **Read repair**. `"async"`: after answering, the coordinator sends the merged versions
//!   to every replica whose reply was stale (late replies included); `"sync"`: it sends them
//!   to the stale replicas among the `r` replies and waits for their acknowledgements before
//!   answering — a write-back, so that a value one read returned is on a read quorum.
//! - **Sloppy quorums and hinted handoff** (`sloppy_quorum = true`, `handoff.rs`). A
//!   coordinator skips preference-list nodes its failure detector (`detector.rs`) suspects
//!   and uses the next trusted nodes on the ring instead, telling each which node it stands
//!   in for; such a node keeps the versions as a durable hint, serves reads from them, and
//!   hands them to the owner once it trusts the owner again.
//! - **Anti-entropy** (`antientropy.rs`, `merkle.rs`). Every `anti_entropy` each node
//!   compares a Merkle tree of the keys it shares with one peer (round robin) and the two
//!   exchange only the keys of differing leaves.
//!
//! `replica_state()` is the winning value of every key a node replicates (not its hints), and
//! `replicates_key()` says which keys those are (the key's preference list): with `n` below
//! the node count the `convergence` check compares each key across its `n` home replicas
//! only, and a home replica that lacks a key the others hold diverges.
//!
//! - **Deletes** (`tombstones.rs`). A delete writes a tombstone, a version with no value,
//!   that replicates, read-repairs, hints and anti-entropies like any write; a read whose
//!   winner is a tombstone returns absent. With `tombstone_expiry`, replicas purge
//!   tombstones that old; one that missed the delete then resurrects the deleted value.
//!
//! All time is the node's local clock; every collection iterated is a `BTreeMap` or a `Vec`.

mod antientropy;
mod coordinator;
mod handoff;
mod merkle;
mod messages;
mod params;
mod replica;
mod ring;
#[cfg(test)]
mod tests;
mod tombstones;
mod version;

/// The failure detector every node watches its peers with (shared with `gossip`).
pub use super::membership::Membership as Detector;
pub use merkle::Tree;
pub use messages::{Msg, Timer};
pub use params::{Coordinator, DynamoParams, ReadRepair, Versioning, PARAMS_DOC};
pub use replica::{Durable, Replica, Write};
pub use ring::Ring;
pub use version::{Causality, Siblings, Stamp, Version, VersionVector};

use super::{ClientRequest, Context, Observation, Protocol, Role};
use crate::des::ids::NodeId;
use crate::ops::Key;
use coordinator::Pending;
use std::collections::BTreeMap;

/// What to do when a durable write completes.
#[derive(Clone, Debug)]
enum AfterPersist {
    /// Acknowledge the `Put` of coordinator request `op` to `to`.
    Ack { to: NodeId, op: u64 },
    /// This node's own copy for its request `op` is durable.
    Local { op: u64 },
    /// Acknowledge a hand-off of `set` for `key` to the hint holder `to`.
    Handoff { to: NodeId, key: Key, set: Siblings },
}

/// One `dynamo` node: replica, coordinator, hint holder and anti-entropy peer.
#[derive(Debug)]
pub struct Dynamo {
    params: DynamoParams,
    me: NodeId,
    /// Replicas per key (`n`, at most the node count).
    n: usize,
    ring: Ring,
    /// Cache of each key's ring walk.
    walks: BTreeMap<Key, Vec<NodeId>>,
    replica: Replica,
    detector: Detector,
    pending: BTreeMap<u64, Pending>,
    next_op: u64,
    /// Stamp counter of this life.
    seq: u64,
    /// This node's version-vector entry: the writes it coordinated.
    counter: u64,
    /// Version-vector mode: the merged vector of the last read of each key.
    contexts: BTreeMap<Key, VersionVector>,
    after: BTreeMap<u64, AfterPersist>,
    /// The highest request number of each client coordinated here (in this life).
    coordinated: BTreeMap<u32, u64>,
    /// Anti-entropy: the next peer to compare with (index into the peers).
    ae_next: usize,
}

impl Dynamo {
    fn lww(&self) -> bool {
        self.params.versioning == Versioning::Lww
    }

    /// The ring walk of `key` (cached).
    fn walk(&mut self, key: Key) -> Vec<NodeId> {
        if let Some(w) = self.walks.get(&key) {
            return w.clone();
        }
        let w = self.ring.walk(key);
        self.walks.insert(key, w.clone());
        w
    }

    /// Whether this node is in `key`'s preference list.
    fn replicates(&mut self, key: Key, node: NodeId) -> bool {
        let n = self.n;
        self.walk(key)[..n].contains(&node)
    }

    /// Starts durable write `write`, then does `then`.
    fn persist(&mut self, ctx: &mut Context<'_, Self>, write: Write, then: Option<AfterPersist>) {
        let token = ctx.persist(write);
        if let Some(then) = then {
            self.after.insert(token, then);
        }
    }

    /// Replica side of [`Msg::Put`].
    fn on_put(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        op: u64,
        key: Key,
        set: Siblings,
        hint: Option<u32>,
    ) {
        let write = match hint {
            Some(owner) if owner != self.me.0 => self.replica.hint(NodeId(owner), key, &set),
            _ => self.replica.merge(key, &set).0,
        };
        self.persist(ctx, write, Some(AfterPersist::Ack { to: from, op }));
    }

    fn tick(&mut self, ctx: &mut Context<'_, Self>) {
        ctx.set_timer(Timer::Tick, self.params.ping_interval);
        let now = ctx.now();
        for peer in ctx.peers() {
            if self.detector.quiet(peer, now, self.params.ping_interval) {
                ctx.send(peer, Msg::Ping);
            }
        }
        // For the report only: which peers the detector began to suspect since the last tick.
        for peer in self.detector.newly_suspected(now) {
            ctx.suspect(peer);
        }
        self.hand_off(ctx);
        self.purge_tombstones(ctx);
    }
}

impl Protocol for Dynamo {
    const NAME: &'static str = "dynamo";
    /// Registers: reads, writes and deletes.
    const SERVES: &'static [crate::ops::Kind] = &[
        crate::ops::Kind::Read,
        crate::ops::Kind::Write,
        crate::ops::Kind::Delete,
    ];
    /// Every node keeps a failure-detector entry per peer.
    const MAX_NODES: usize = 1_000;
    type Params = DynamoParams;
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Write = Write;

    fn apply_write(durable: &mut Durable, write: Write) {
        replica::apply_write(durable, write);
    }

    fn check_params(params: &DynamoParams, nodes: usize) -> Result<(), (&'static str, String)> {
        params.check(nodes)
    }

    fn start(
        params: &DynamoParams,
        ctx: &mut Context<'_, Self>,
        recovered: Option<&Durable>,
    ) -> Self {
        let members = ctx.members();
        let me = ctx.id();
        let replica = Replica::recover(params.versioning == Versioning::Lww, recovered);
        let counter = replica.counter_of(me);
        let node = Dynamo {
            params: *params,
            me,
            n: (params.n as usize).clamp(1, members.len().max(1)),
            ring: Ring::new(members, params.vnodes),
            walks: BTreeMap::new(),
            replica,
            detector: Detector::new(me, members.len(), ctx.now(), params.detector_config()),
            pending: BTreeMap::new(),
            next_op: ctx.rng().next_u64() & !0xffff_ffff,
            seq: 0,
            counter,
            contexts: BTreeMap::new(),
            after: BTreeMap::new(),
            coordinated: BTreeMap::new(),
            ae_next: me.index(),
        };
        ctx.set_timer(Timer::Tick, params.ping_interval);
        if let Some(period) = params.anti_entropy {
            let first = period / 2 + ctx.rng().below(period.max(1));
            ctx.set_timer(Timer::AntiEntropy, first);
        }
        node
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        self.detector.heard(from, ctx.now());
        match msg {
            Msg::Forward { id, txn } => self.coordinate(ctx, ClientRequest { id, txn, token: 0 }),
            Msg::Put { op, key, set, hint } => self.on_put(ctx, from, op, key, set, hint),
            Msg::PutAck { op } => self.on_ack(ctx, from, op),
            Msg::Get { op, key } => {
                let set = self.replica.read(key);
                ctx.send(from, Msg::GetReply { op, set });
            }
            Msg::GetReply { op, set } => self.on_get_reply(ctx, from, op, set),
            Msg::Ping => ctx.send(from, Msg::Pong),
            Msg::Pong => {}
            Msg::Handoff { key, set } => self.on_handoff(ctx, from, key, set),
            Msg::HandoffAck { key, set } => self.on_handoff_ack(ctx, from, key, set),
            Msg::AeTree { tree } => self.on_ae_tree(ctx, from, tree),
            Msg::AeDiff { leaves, entries } => self.on_ae_diff(ctx, from, leaves, entries),
            Msg::AeEntries { entries } => self.merge_entries(ctx, from, entries),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match timer {
            Timer::Tick => self.tick(ctx),
            Timer::AntiEntropy => self.anti_entropy(ctx),
            Timer::Request(op) => {
                self.pending.remove(&op);
            }
        }
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        self.on_request(ctx, request);
    }

    fn on_persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        match self.after.remove(&token) {
            None => {}
            Some(AfterPersist::Ack { to, op }) => ctx.send(to, Msg::PutAck { op }),
            Some(AfterPersist::Local { op }) => {
                let me = self.me;
                self.on_ack(ctx, me, op);
            }
            Some(AfterPersist::Handoff { to, key, set }) => {
                ctx.send(to, Msg::HandoffAck { key, set })
            }
        }
    }

    fn observe(&self) -> Observation {
        Observation {
            role: Role::Peer,
            log_len: self.replica.len() as u64,
            ..Observation::default()
        }
    }

    fn replica_state(&self) -> Option<&crate::ops::Store> {
        Some(self.replica.store())
    }

    /// The key's `n` home replicas (its preference list) replicate it; a hint holder does not.
    fn replicates_key(&self, key: Key) -> bool {
        self.ring.preference_list(key, self.n).contains(&self.me)
    }
}
