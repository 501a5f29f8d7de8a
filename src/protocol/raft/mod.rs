//! `raft`: a replicated key-value store on the Raft consensus protocol, after Ongaro &
//! Ousterhout's extended paper (Figure 2, §5–§8) and Ongaro's dissertation (pre-vote §9.6,
//! check-quorum §6.2, read-index §6.4, leases §6.4.1, client sessions §6.3).
//!
//! # Layout
//!
//! - `params.rs`: `[cluster.params]`; `log.rs`: the log with chained digests;
//!   `messages.rs`: messages, timers, the durable image and writes; `state_machine.rs`: the
//!   key-value map and session table; `election.rs`: pre-vote, votes, terms, roles;
//!   `replication.rs`: AppendEntries, the commit rule, applying; `reads.rs`: client requests
//!   and the four read modes. This file holds the node struct, the durability queue and the
//!   [`Protocol`] implementation.
//!
//! # Persistence before send (Figure 2)
//!
//! currentTerm, votedFor and the log are written with [`Context::persist`]. Every message
//! that depends on them — a vote grant, a RequestVote, an AppendEntries reply — waits until
//! every write issued before it has completed (`on_persisted`; writes complete in issue
//! order), in a queue of deferred actions; an action whose term is no longer current is
//! dropped. A leader counts itself toward a majority only for entries durable on its own
//! disk. A crash loses writes in progress; `start` recovers exactly the durable term, vote
//! and log (commitIndex and the state machine are rebuilt from the log as the leader tells).
//! A restarted node also grants no vote for `election_timeout_min`, since it may have
//! acknowledged a heartbeat round a lease rests on just before it crashed.
//!
//! # Teaching switches (documented anomalies)
//!
//! - `commit_previous_term_by_count` (Figure 8): a committed entry can be overwritten.
//! - `skip_log_up_to_date_check`: a leader without a committed entry can be elected and
//!   overwrite it.
//! - `volatile_vote`: a restarted node votes twice in a term: two leaders in one term.
//! - `no_dedup`: a retried request is applied twice.
//! - `read_mode = "local"`: a deposed leader serves stale reads; `read_mode = "lease"` with
//!   `lease > election_timeout_min` or clock drift beyond `lease_drift_ppm`: stale reads.
//!
//! No snapshots, no membership changes. No hashed collection is iterated; time is the local
//! clock; randomness comes only from `ctx.rng()`.

mod durability;
mod election;
mod log;
mod messages;
mod params;
mod reads;
mod replication;
mod state_machine;
#[cfg(test)]
mod tests;

pub use log::{Entry, Log};
pub use messages::{Durable, Msg, Timer, Write};
pub use params::{RaftParams, ReadMode, PARAMS_DOC};
pub use state_machine::StateMachine;

use super::{ClientRequest, Context, EntryView, Observation, Protocol, Reply, Role};
use crate::des::ids::{NodeId, RequestId};
use crate::des::time::Nanos;
use durability::Deferred;
use std::collections::{BTreeMap, VecDeque};

/// A read waiting for a heartbeat round and for the state machine to catch up (§6.4).
#[derive(Debug)]
struct PendingRead {
    id: RequestId,
    /// The read-only transaction.
    txn: crate::ops::Txn,
    /// Answer once `applied >= index`.
    index: u64,
    /// ... and a majority acknowledged heartbeat round `round` or later.
    round: u64,
}

/// One `raft` node.
#[derive(Debug)]
pub struct Raft {
    params: RaftParams,
    me: NodeId,
    majority: usize,
    role: Role,
    /// A follower running a pre-vote round (observed as Follower).
    pre_candidate: bool,
    term: u64,
    voted_for: Option<NodeId>,
    leader: Option<NodeId>,
    /// Local time the current leader was last heard (for pre-vote and stickiness).
    heard_leader: Option<Nanos>,
    /// A restarted node grants no vote or pre-vote before this local time: before its crash
    /// it may have acknowledged a heartbeat round that a leader's lease rests on (§6.4.1).
    quiet_until: Nanos,
    log: Log,
    commit: u64,
    applied: u64,
    sm: StateMachine,
    // Durability.
    /// Token of the last write issued / completed.
    issued: u64,
    done: u64,
    /// The prefix of the in-memory log that is on disk.
    durable_index: u64,
    /// Log writes in progress: (token, from_index, last index written).
    log_writes: VecDeque<(u64, u64, u64)>,
    /// Actions waiting for a write: (token, term when deferred, action).
    after: VecDeque<(u64, u64, Deferred)>,
    /// Votes or pre-votes granted to this node, per member.
    votes: Vec<bool>,
    // Leader only.
    next: Vec<u64>,
    matched: Vec<u64>,
    /// Local time each peer was last heard in this term (check-quorum).
    heard: Vec<Nanos>,
    acked_round: Vec<u64>,
    round: u64,
    /// Highest heartbeat round acknowledged by a majority.
    quorum_round: u64,
    /// Local send times of rounds not yet acknowledged by a majority.
    sent_at: VecDeque<(u64, Nanos)>,
    lease_until: Nanos,
    led_since: Nanos,
    noop_index: u64,
    /// Requests appended by this leader, answered when applied.
    pending: BTreeMap<RequestId, u64>,
    reads: VecDeque<PendingRead>,
    scratch: Vec<u64>,
}

impl Raft {
    fn boot(params: &RaftParams, ctx: &mut Context<'_, Self>, d: Option<&Durable>) -> Self {
        let n = ctx.members().len();
        let log = d.map_or_else(Log::default, |d| Log::recover(&d.log));
        let mut node = Raft {
            params: *params,
            me: ctx.id(),
            majority: ctx.majority(),
            role: Role::Follower,
            pre_candidate: false,
            term: d.map_or(0, |d| d.term),
            voted_for: d.and_then(|d| d.voted_for),
            leader: None,
            heard_leader: None,
            quiet_until: d.map_or(0, |_| ctx.now() + params.election_timeout_min),
            durable_index: log.last_index(),
            log,
            commit: 0,
            applied: 0,
            sm: StateMachine::new(params.no_dedup),
            issued: 0,
            done: 0,
            log_writes: VecDeque::new(),
            after: VecDeque::new(),
            votes: vec![false; n],
            next: vec![1; n],
            matched: vec![0; n],
            heard: vec![0; n],
            acked_round: vec![0; n],
            round: 0,
            quorum_round: 0,
            sent_at: VecDeque::new(),
            lease_until: 0,
            led_since: 0,
            noop_index: 0,
            pending: BTreeMap::new(),
            reads: VecDeque::new(),
            scratch: Vec::with_capacity(n),
        };
        node.arm_election(ctx);
        node
    }

    /// Count of `true` in `votes`.
    fn vote_count(&self) -> usize {
        self.votes.iter().filter(|v| **v).count()
    }
}

impl Protocol for Raft {
    const NAME: &'static str = "raft";
    /// Every node keeps per-peer state (votes, replication progress, last heard): 1,000
    /// nodes cost about 1,000² such entries.
    /// Every kind the shared store serves (logs and queues are other protocols' business).
    const SERVES: &'static [crate::ops::Kind] = crate::protocol::STORE_KINDS;
    const MAX_NODES: usize = 1_000;
    type Params = RaftParams;

    fn swarm(params: &mut RaftParams, knobs: &mut crate::protocol::Knobs<'_>) {
        params.swarm(knobs);
    }
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Write = Write;
    const HAS_LOG: bool = true;

    fn apply_write(durable: &mut Durable, write: Write) {
        messages::apply_write(durable, write);
    }

    fn start(
        params: &RaftParams,
        ctx: &mut Context<'_, Self>,
        recovered: Option<&Durable>,
    ) -> Self {
        Raft::boot(params, ctx, recovered)
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::PreVote {
                term,
                last_index,
                last_term,
            } => self.on_pre_vote(ctx, from, term, last_index, last_term),
            Msg::PreVoteReply { term, granted } => self.on_pre_vote_reply(ctx, from, term, granted),
            Msg::RequestVote {
                term,
                last_index,
                last_term,
            } => self.on_request_vote(ctx, from, term, last_index, last_term),
            Msg::VoteReply { term, granted } => {
                self.adopt_higher_term(ctx, term);
                self.on_vote_reply(ctx, from, term, granted);
            }
            Msg::AppendEntries {
                term,
                leader,
                prev_index,
                prev_term,
                entries,
                commit,
                round,
            } => {
                self.adopt_higher_term(ctx, term);
                let a = replication::Append {
                    term,
                    leader,
                    prev_index,
                    prev_term,
                    entries,
                    commit,
                    round,
                };
                self.on_append(ctx, from, a);
            }
            Msg::AppendReply {
                term,
                success,
                match_index,
                conflict_term,
                conflict_index,
                round,
            } => {
                self.adopt_higher_term(ctx, term);
                if self.role == Role::Leader && term == self.term {
                    let r = replication::AppendAck {
                        success,
                        match_index,
                        conflict_term,
                        conflict_index,
                        round,
                    };
                    self.on_append_reply(ctx, from, r);
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match timer {
            Timer::Election => self.on_election_timeout(ctx),
            Timer::Heartbeat => self.on_heartbeat_timer(ctx),
        }
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        self.client_request(ctx, request);
    }

    fn on_persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        self.persisted(ctx, token);
    }

    fn observe(&self) -> Observation {
        Observation {
            role: self.role,
            term: self.term,
            log_len: self.log.last_index(),
            commit: self.commit,
            applied: self.applied,
        }
    }

    fn log_entry(&self, index: u64) -> Option<EntryView> {
        self.log.get(index).map(Entry::view)
    }

    fn replica_state(&self) -> Option<&crate::ops::Store> {
        Some(self.sm.store())
    }
}
