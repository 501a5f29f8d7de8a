//! `primary-backup`: a replicated key-value store with a leased primary elected by a
//! majority, with epochs.
//!
//! # How it works (fencing = true, replication = sync: the correct configuration)
//!
//! - The first member (`NodeId(0)`) is primary of epoch 1 at first boot; the others are its
//!   backups. The primary broadcasts [`Msg::Heartbeat`] every `heartbeat`.
//! - **Leases.** A backup's [`Msg::HeartbeatAck`] is a lease grant: it votes for no one until
//!   `lease` has passed on *its* clock since it sent the ack. Once acks for a heartbeat sent at
//!   local time `h` come from a majority (the primary counts itself), the primary holds its
//!   lease until `h + lease * (1 - drift_margin_ppm / 10^6)` on its own clock. If every clock
//!   runs at a rate within `1 ± d` of true time, this is safe when `margin >= 2d / (1 + d)`,
//!   i.e. for drift up to about half the margin (default 2%: drift up to 10,000 ppm). Clock
//!   *jumps* are outside this bound: a jump can break lease safety (a good lesson).
//! - **Serving.** Only the primary serves (unless follower reads are on, below); others
//!   answer `Redirect(primary)`. Without a
//!   valid lease the primary refuses new requests with `Fail`. A write gets the next
//!   sequence number, is applied and persisted locally and sent ([`Msg::Replicate`]) to every
//!   backup; the primary waits for its *sync set*: the backups heard from within `lease`
//!   when the write was made. The client is answered once the
//!   primary's own write is durable, every sync-set backup still live acked it (after
//!   persisting), the primary holds its lease, and a majority (primary included) has it — so
//!   every acknowledged write is on a majority. A write applied but never committable is
//!   never answered (the client records `info`). A cas whose expected value does not match is
//!   answered `Fail` at once. Reads are answered from the primary's state, but only after
//!   every write applied before them committed, and only under a valid lease.
//! - **Backups** apply writes of their current epoch in sequence order, persist, then ack
//!   ([`Msg::ReplicateAck`]); writes from an older epoch are refused with [`Msg::Fenced`]
//!   (that is the fencing). A write that arrives early waits (up to 1024 of them) for the
//!   gap to fill. On a lag that lasts over a heartbeat (a lost write), a full buffer, or a
//!   state from an older epoch they ask [`Msg::SyncRequest`] and install the
//!   [`Msg::Snapshot`] they get.
//! - **Failover.** A backup that has not heard the primary for `failover_timeout` (plus a
//!   random share of up to half of it) becomes a candidate, waits until every lease it granted
//!   expired, persists a vote for itself in epoch `max_seen + 1` and then sends
//!   [`Msg::VoteRequest`]. A node grants at most one vote per epoch, only to a candidate whose
//!   `(state_epoch, applied_seq)` is at least its own and only once its own leases expired;
//!   the grant is persisted before it is sent. With a majority the candidate becomes primary,
//!   heartbeats at once, and first commits a barrier (its inherited state on a majority)
//!   before it answers any client (requests queue behind it), so a read never returns a value
//!   that could still be lost.
//!   A round that does not win is retried with a new epoch after a random timeout.
//! - **Losing the majority.** A primary that has held no lease for `failover_timeout` steps
//!   down (its requests then get `Redirect(None)`, so clients look elsewhere); its epoch's
//!   unanswered writes are left to the clients' timeouts.
//! - **Crash and restart.** Durable: epoch, last vote, state and its position. A restarted
//!   node comes back as a backup of its recovered epoch (never as primary), honours for one
//!   `lease` the leases it may have granted before the crash, and catches up by snapshot.
//!
//! Positions may go *down* on a node: installing a new epoch's snapshot discards writes of an
//! older epoch that never committed. `observe()` reports `term` = epoch, `log_len` =
//! applied sequence number and `commit` = highest sequence number known committed (it never
//! decreases within one life of a node; a backup learns it from heartbeats). Sequence numbers
//! continue across epochs, so with fencing and sync replication a committed sequence number
//! names the same write on every node.
//!
//! # Teaching switches (documented anomalies)
//!
//! - `fencing = false`: no leases, no votes. When a backup's failover timeout passes, the
//!   lowest-id node it heard from recently (itself included; backups broadcast
//!   [`Msg::Alive`]) promotes itself with epoch `max_seen + 1` without asking anyone. A primary
//!   acknowledges writes with whichever backups it still hears (alone if none); backups apply
//!   `Replicate` from any primary whatever its epoch. When two primaries meet after a
//!   partition heals, the one with the lower epoch steps down and installs the other's
//!   snapshot. Anomaly: **lost acknowledged writes after split brain (durability check
//!   fails)**, and stale reads from the deposed primary meanwhile. Also **replicas that never
//!   converge (convergence check fails)**: a backup judges writes by sequence number alone,
//!   so a deposed primary that served requests under numbers the new primary had already
//!   used skips the new primary's writes at those numbers, applies the later ones, and then
//!   counts as up to date (scenarios/pb-unfenced-divergence.toml).
//! - `replication = "async"`: the primary acknowledges a write at once and ships it without
//!   waiting. Anomaly: **lost acknowledged write after failover (durability check fails)**:
//!   the most up-to-date survivor that becomes primary lacks what the crashed primary acked.
//!
//! # Follower reads (`reads = "any" | "sticky"`, `session_token`)
//!
//! The node a client asks forwards a read-only transaction ([`Msg::Read`]) to a replica drawn
//! per read among those it heard from within `lease` (`any`) or to the client's own replica (`sticky`: `client mod nodes`), which
//! answers from its applied state ([`Msg::ReadReply`]) with no lease: available on a
//! backup cut off from the primary, at the price of stale reads. Every acknowledged write
//! hands the client its sequence number as a session token; with `session_token = true` a
//! replica holds a read until it has applied the client's token (read-your-writes). Under
//! replication lag `any` breaks read-your-writes and monotonic reads, `sticky` keeps monotonic
//! reads, tokens keep read-your-writes, and both together are sequentially consistent
//! (`follower_reads.rs`; scenarios/pb-follower-reads-*.toml).
//!
//! The state is a `BTreeMap`; nothing iterates a hashed collection. All time is the node's
//! local clock.

mod backup;
mod election;
mod follower_reads;
mod messages;
mod params;
mod replication;
mod store;
#[cfg(test)]
mod tests;

pub use messages::{Msg, Timer};
pub use params::{PrimaryBackupParams, Reads, Replication, PARAMS_DOC};
pub use store::{Durable, Map, Write};

use super::{ClientRequest, Context, Observation, Protocol, Reply, Role};
use crate::des::ids::{NodeId, RequestId};
use crate::des::time::Nanos;
use crate::protocol::detector::Detector;
use std::collections::{BTreeMap, VecDeque};
use store::Store;

/// What to do when a durable write completes.
#[derive(Clone, Copy, Debug)]
enum AfterPersist {
    /// A state write reached disk: the durable position is now `(state_epoch, seq)`; ack it
    /// to `ack_to` (a primary) if set.
    State {
        state_epoch: u64,
        seq: u64,
        ack_to: Option<NodeId>,
    },
    /// A granted vote reached disk: the grant may now be sent.
    GrantVote { to: NodeId, epoch: u64 },
    /// The candidate's vote for itself reached disk: it may now ask the others.
    Campaign { epoch: u64 },
}

/// A client request the primary has not answered yet (sync replication only).
#[derive(Debug)]
enum Pending {
    /// Write `seq`, answered with `reply` once committed. `client` is `None` for a new
    /// primary's barrier.
    Write {
        seq: u64,
        client: Option<(RequestId, Reply)>,
        required: Vec<NodeId>,
    },
    /// A read-only transaction, answered once every write before it committed.
    Read {
        client: RequestId,
        results: crate::ops::Results,
    },
}

/// One `primary-backup` node.
#[derive(Debug)]
pub struct PrimaryBackup {
    params: PrimaryBackupParams,
    me: NodeId,
    majority: usize,
    role: Role,
    /// The epoch adopted: the primary of it is the one followed (or this node).
    epoch: u64,
    /// The highest epoch seen anywhere, own proposals included.
    max_seen: u64,
    voted: Option<(u64, NodeId)>,
    primary: Option<NodeId>,
    store: Store,
    /// `(state_epoch, seq)` of the last state write that completed.
    durable: (u64, u64),
    commit: u64,
    /// Local time each member was last heard from.
    heard: Vec<Option<Nanos>>,
    heard_primary: Nanos,
    /// The failure detector watching the primary (`detector`; `fixed` uses `heard_primary`).
    watch: Detector,
    /// Until when (local) this node promised not to vote.
    granted_until: Nanos,
    sync_asked: Option<Nanos>,
    lag_mark: Option<u64>,
    /// Writes that arrived before their predecessors (backup only).
    ahead: BTreeMap<u64, backup::Ahead>,
    after: BTreeMap<u64, AfterPersist>,
    // Primary only.
    /// Local time this node became primary.
    led_since: Nanos,
    acked_hb: Vec<Option<Nanos>>,
    matched: Vec<u64>,
    lease_until: Nanos,
    pending: VecDeque<Pending>,
    /// Async only: acknowledged writes not yet shipped, as `Replicate` messages in order.
    unshipped: Vec<Msg>,
    /// Follower reads held until this replica applies their session tokens.
    waiting: VecDeque<follower_reads::WaitingRead>,
    // Candidate only.
    proposal: Option<u64>,
    votes: Vec<NodeId>,
    /// Reused buffer for finding the k-th most recent acked heartbeat.
    scratch: Vec<Nanos>,
    /// Reused buffer for the replicas a follower read may go to.
    scratch_nodes: Vec<NodeId>,
}

impl PrimaryBackup {
    /// Starts durable state write `write`, which makes `(state_epoch, seq)` the durable
    /// position once it completes, and acknowledges it to `ack_to` (a primary) then.
    fn persist_state(
        &mut self,
        ctx: &mut Context<'_, Self>,
        write: Write,
        state_epoch: u64,
        seq: u64,
        ack_to: Option<NodeId>,
    ) {
        let token = ctx.persist(write);
        self.after.insert(
            token,
            AfterPersist::State {
                state_epoch,
                seq,
                ack_to,
            },
        );
    }

    fn boot(
        params: &PrimaryBackupParams,
        ctx: &mut Context<'_, Self>,
        d: Option<&Durable>,
    ) -> Self {
        let n = ctx.members().len();
        let now = ctx.now();
        let mut node = PrimaryBackup {
            params: *params,
            me: ctx.id(),
            majority: ctx.majority(),
            role: Role::Follower,
            epoch: 1,
            max_seen: 1,
            voted: None,
            primary: ctx.members().first().copied(),
            store: Store::initial(),
            durable: (1, 0),
            commit: 0,
            heard: vec![None; n],
            heard_primary: now,
            watch: {
                let mut d = Detector::new(params.detector());
                d.reset(now);
                d
            },
            granted_until: 0,
            sync_asked: None,
            lag_mark: None,
            ahead: BTreeMap::new(),
            after: BTreeMap::new(),
            led_since: now,
            acked_hb: vec![None; n],
            scratch: Vec::with_capacity(n),
            scratch_nodes: Vec::with_capacity(n),
            matched: vec![0; n],
            lease_until: 0,
            pending: VecDeque::new(),
            unshipped: Vec::new(),
            waiting: VecDeque::new(),
            proposal: None,
            votes: Vec::new(),
        };
        if let Some(d) = d {
            node.epoch = d.epoch.max(1);
            node.voted = d.voted;
            node.max_seen = node.epoch.max(d.voted.map_or(0, |v| v.0));
            node.store = Store::recover(d);
            node.durable = node.store.position();
            node.primary = None;
            if params.fencing {
                // Leases granted before the crash may still run: honour them.
                node.granted_until = now.saturating_add(params.lease);
            }
        } else if node.primary == Some(node.me) {
            node.role = Role::Leader;
            node.reset_leadership();
            node.tick(ctx);
            return node;
        }
        node.arm_failover(ctx);
        if !params.fencing {
            ctx.set_timer(Timer::Tick, params.heartbeat);
        }
        node
    }

    /// Index of `id` in the per-member tables, if it is a member.
    fn slot(&self, id: NodeId) -> Option<usize> {
        (id.index() < self.heard.len()).then_some(id.index())
    }
}

impl Protocol for PrimaryBackup {
    const NAME: &'static str = "primary-backup";
    /// Every node keeps per-peer state (votes, replication progress, last heard): 1,000
    /// nodes cost about 1,000² such entries.
    /// Every kind the shared store serves.
    const SERVES: &'static [crate::ops::Kind] = super::STORE_KINDS;
    const MAX_NODES: usize = 1_000;
    type Params = PrimaryBackupParams;

    fn swarm(params: &mut PrimaryBackupParams, knobs: &mut crate::protocol::Knobs<'_>) {
        params.swarm(knobs);
    }
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Write = Write;

    fn apply_write(durable: &mut Durable, write: Write) {
        store::apply_write(durable, write);
    }

    fn start(
        params: &PrimaryBackupParams,
        ctx: &mut Context<'_, Self>,
        recovered: Option<&Durable>,
    ) -> Self {
        Self::boot(params, ctx, recovered)
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        let Some(i) = self.slot(from) else { return };
        self.heard[i] = Some(ctx.now());
        match msg {
            Msg::Heartbeat {
                epoch,
                sent_at,
                seq,
                commit,
            } => self.on_heartbeat(ctx, from, epoch, sent_at, seq, commit),
            Msg::HeartbeatAck {
                epoch,
                sent_at,
                durable_seq,
            } => self.on_heartbeat_ack(ctx, from, epoch, sent_at, durable_seq),
            Msg::Replicate { epoch, seq, update } => {
                self.on_replicate(ctx, from, epoch, seq, update)
            }
            Msg::ReplicateAck { epoch, seq } => self.on_replicate_ack(ctx, from, epoch, seq),
            Msg::SyncRequest { epoch } => self.on_sync_request(ctx, from, epoch),
            Msg::Snapshot { epoch, seq, map } => self.on_snapshot(ctx, from, epoch, seq, map),
            Msg::Read { id, txn, token } => self.serve_read(ctx, from, id, txn, token),
            Msg::ReadReply { id, reply } => ctx.reply(id, reply),
            Msg::Fenced { epoch } | Msg::Alive { epoch } => {
                self.peer_epoch(ctx, epoch);
            }
            Msg::VoteRequest {
                epoch,
                state_epoch,
                applied_seq,
            } => self.on_vote_request(ctx, from, epoch, (state_epoch, applied_seq)),
            Msg::Vote {
                epoch,
                granted,
                seen,
            } => self.on_vote(ctx, from, epoch, granted, seen),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match timer {
            Timer::Tick => self.tick(ctx),
            Timer::Failover => self.on_failover(ctx),
            Timer::Election => self.on_election_timer(ctx),
            Timer::Ship => self.ship(ctx),
        }
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        self.serve(ctx, request);
    }

    fn on_persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        let Some(action) = self.after.remove(&token) else {
            return;
        };
        match action {
            AfterPersist::State {
                state_epoch,
                seq,
                ack_to,
            } => {
                self.durable = (state_epoch, seq);
                match ack_to {
                    Some(to) => ctx.send(
                        to,
                        Msg::ReplicateAck {
                            epoch: state_epoch,
                            seq,
                        },
                    ),
                    None => self.try_commit(ctx),
                }
            }
            AfterPersist::GrantVote { to, epoch } => {
                let seen = self.max_seen;
                ctx.send(
                    to,
                    Msg::Vote {
                        epoch,
                        granted: true,
                        seen,
                    },
                );
            }
            AfterPersist::Campaign { epoch } => self.campaign(ctx, epoch),
        }
    }

    fn observe(&self) -> Observation {
        Observation {
            role: self.role,
            term: self.epoch,
            log_len: self.store.applied_seq,
            commit: self.commit,
            applied: self.store.applied_seq,
        }
    }

    fn replica_state(&self) -> Option<&crate::ops::Store> {
        Some(&self.store.map)
    }
}
