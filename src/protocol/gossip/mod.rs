//! `gossip`: state-based CRDTs replicated by push-pull anti-entropy (Shapiro, Preguiça,
//! Baquero and Zawirski, "Conflict-free Replicated Data Types", SSS 2011, and the companion
//! INRIA report RR-7506) — the AP side of CAP.
//!
//! # How it works
//!
//! - **Every node is a peer** ([`Role::Peer`]) and serves every client transaction at once
//!   from its own replica, whatever the network does: always available, never linearizable.
//! - **A key's CRDT** is decided by the first micro-operation that changes it: `add` makes a
//!   PN-counter, `insert`/`remove` an add-wins OR-set, `write` a last-writer-wins register
//!   stamped with the node's *local* clock ([`crdt::Crdt`]). `read` returns what the shared
//!   store would ([`crate::ops::Stored`]). A transaction applies atomically on the node; one
//!   that meets a key of another type is refused with `Fail` and does nothing. `cas` and
//!   `append` are not served (a scenario that needs them is refused).
//! - **Durability.** Every change is persisted (the changed keys' whole CRDT values) and a
//!   client is answered only once every write issued so far is durable, reads included: so a
//!   crash never loses an acknowledged update, and a restarted node never reads below what it
//!   already answered. A restart recovers every key from the durable image.
//! - **Anti-entropy.** Every `interval` (local time; the first after a random share of it)
//!   a node sends its whole state ([`Msg::Push`]) to `fanout` peers drawn from its own random
//!   stream. A peer merges it and, unless its merged state equals the one it got, answers
//!   with its own ([`Msg::Pull`]), which the first merges. Merges are joins, so lost,
//!   duplicated and reordered messages do no harm, and after the faults heal every replica
//!   that is up reaches the same state (strong eventual consistency).
//! - **Membership** (`detector`, [`crate::protocol::membership`]). With `detector = "none"`
//!   (the default) partners are drawn from every peer, dead or alive. Otherwise each node
//!   watches every peer with a failure detector (`fixed`, `heartbeat` or `phi`) fed by the
//!   pushes and pulls it receives from that peer, reports each new suspicion
//!   (`ctx.suspect`), and draws its `fanout` partners from the peers it trusts only; then,
//!   as Cassandra's gossiper does, it probes one suspected peer with probability
//!   `suspected / (trusted + 1)` (always when it suspects everyone), so that a peer that
//!   recovers, or a side of a healed partition, is heard from again. Until it suspects
//!   someone a node draws exactly as without membership.
//! - **Unique tags.** An OR-set insert is tagged (node, life, sequence). The life is the
//!   node's incarnation, persisted at start before the node serves any client, so a restarted
//!   node never reuses a tag it may have gossiped before crashing.
//!
//! # Teaching switches (documented anomalies)
//!
//! - `counter = "plain"`: a counter is one integer, incremented in place and merged by
//!   maximum. Concurrent increments on two replicas collapse into one: **lost increments**,
//!   caught by `durability` and `convergence` (the final count is below the acknowledged
//!   additions). `scenarios/gossip-plain-counter.toml`.
//! - `merge = "additive"`: counter merge adds the other replica's counts instead of taking
//!   the maximum. Not idempotent: every round of push-pull counts states that were already
//!   counted, and every duplicated message counts again: **double counting**, caught by
//!   `durability` and `convergence` (counts above every addition that may have happened).
//!   `scenarios/gossip-additive-merge.toml`.
//! - Not a switch but a property of LWW: clock skew loses acknowledged writes
//!   ([`lww`]; `scenarios/gossip-lww-skew.toml`).
//!
//! Nothing iterates a hashed collection; all time is the node's local clock; all randomness
//! comes from the node's own stream.

pub mod crdt;
pub mod gcounter;
pub mod lww;
pub mod orset;
mod params;
pub mod pncounter;
pub mod state;
#[cfg(test)]
mod tests;

pub use params::{CounterKind, GossipParams, MergeKind, PARAMS_DOC};

use super::membership::Membership;
use super::{ClientRequest, Context, Observation, Protocol, Reply, Role};
use crate::des::ids::{NodeId, RequestId};
use crate::ops::{Key, Kind};
use crdt::Crdt;
use state::{Keys, Replica, Writer};
use std::collections::VecDeque;
use std::sync::Arc;

/// Messages between peers: a replica's whole state, shared between the copies sent.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// The sender's state; merge it and answer with yours unless they are now equal.
    Push(Arc<Keys>),
    /// The answer to a push: the receiver's state after merging; merge it.
    Pull(Arc<Keys>),
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Time for a push-pull exchange.
    Gossip,
}

/// What a node keeps on disk: its last incarnation and every key's CRDT.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// The incarnation of the node's latest start that reached disk.
    pub life: u32,
    /// Every key's CRDT as last persisted.
    pub keys: Keys,
}

/// One durable write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// A new incarnation began.
    Life(u32),
    /// These keys now hold these values.
    Keys(Vec<(Key, Crdt)>),
}

/// One gossip node.
#[derive(Debug)]
pub struct Gossip {
    params: GossipParams,
    life: u32,
    /// The token of this life's incarnation write; clients wait until it is durable.
    life_token: u64,
    ready: bool,
    /// OR-set tags used in this life.
    tags: u64,
    replica: Replica,
    /// The last durable write issued, and the last completed.
    issued: u64,
    durable: u64,
    /// Answers waiting for a durable write: (token, request, answer).
    held: VecDeque<(u64, RequestId, Reply)>,
    /// Requests that arrived before the incarnation was durable.
    early: Vec<ClientRequest>,
    /// Updates applied in this life (local ones and changed keys of merges).
    updates: u64,
    /// Which peers this node trusts (`None`: no membership, every peer is a partner).
    membership: Option<Membership>,
}

impl Gossip {
    /// Serves a client transaction from the local replica.
    fn serve(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        let mut w = Writer {
            node: ctx.id().0,
            life: self.life,
            tags: self.tags,
            now: ctx.now(),
            counter: self.params.counter,
        };
        let outcome = self.replica.apply(&request.txn, &mut w);
        self.tags = w.tags;
        match outcome {
            Err(why) => {
                ctx.note(|| format!("refused {}: {why:?}", request.txn));
                ctx.answer(&request, Reply::Fail);
            }
            Ok((results, changed)) => {
                self.persist(ctx, &changed);
                let reply = Reply::Ok(results);
                if self.durable >= self.issued {
                    ctx.answer(&request, reply);
                } else {
                    self.held.push_back((self.issued, request.id, reply));
                }
            }
        }
    }

    /// Persists the current values of `changed` (nothing if empty).
    fn persist(&mut self, ctx: &mut Context<'_, Self>, changed: &[Key]) {
        if changed.is_empty() {
            return;
        }
        self.updates += changed.len() as u64;
        let keys = self.replica.keys();
        let write: Vec<(Key, Crdt)> = changed
            .iter()
            .filter_map(|k| keys.get(k).map(|v| (*k, v.clone())))
            .collect();
        self.issued = ctx.persist(Write::Keys(write));
    }

    /// Merges a peer's state; returns whether ours now differs from it.
    fn absorb(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, theirs: &Keys) -> bool {
        let changed = self.replica.merge(theirs, self.params.merge);
        if !changed.is_empty() {
            ctx.note(|| format!("merged {} key(s) from {from}", changed.len()));
        }
        self.persist(ctx, &changed);
        self.replica.keys() != theirs
    }

    /// Starts a push-pull exchange with `fanout` random peers (trusted ones, with
    /// membership, and maybe one suspected probe) and re-arms the timer.
    fn gossip(&mut self, ctx: &mut Context<'_, Self>) {
        ctx.set_timer(Timer::Gossip, self.params.interval);
        let (mut peers, suspected): (Vec<NodeId>, Vec<NodeId>) = match &mut self.membership {
            None => (ctx.peers().collect(), Vec::new()),
            Some(m) => {
                let now = ctx.now();
                for peer in m.newly_suspected(now) {
                    ctx.suspect(peer);
                }
                ctx.peers().partition(|&p| m.is_up(p, now))
            }
        };
        let trusted = peers.len();
        let k = (self.params.fanout as usize).min(trusted);
        // A partial Fisher-Yates shuffle: the first k are a uniform sample.
        for i in 0..k {
            let j = i + ctx.rng().below((peers.len() - i) as u64) as usize;
            peers.swap(i, j);
        }
        peers.truncate(k);
        // Cassandra's rule: probe a suspected peer with probability suspected / (trusted + 1).
        if !suspected.is_empty() && (ctx.rng().below(trusted as u64 + 1) as usize) < suspected.len()
        {
            let pick = ctx.rng().below(suspected.len() as u64) as usize;
            peers.push(suspected[pick]);
        }
        if peers.is_empty() {
            return;
        }
        let state = Arc::new(self.replica.keys().clone());
        for &to in &peers {
            ctx.send(to, Msg::Push(Arc::clone(&state)));
        }
    }
}

impl Protocol for Gossip {
    const NAME: &'static str = "gossip";
    type Params = GossipParams;
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Write = Write;

    /// Every node keeps a count per node in each counter key.
    const MAX_NODES: usize = 1_000;

    const SERVES: &'static [Kind] = &[
        Kind::Read,
        Kind::Write,
        Kind::Add,
        Kind::Insert,
        Kind::Remove,
    ];

    fn apply_write(durable: &mut Durable, write: Write) {
        match write {
            Write::Life(life) => durable.life = life,
            Write::Keys(keys) => durable.keys.extend(keys),
        }
    }

    fn start(
        params: &GossipParams,
        ctx: &mut Context<'_, Self>,
        recovered: Option<&Durable>,
    ) -> Self {
        let (life, keys) = match recovered {
            Some(d) => (d.life.saturating_add(1), d.keys.clone()),
            None => (1, Keys::new()),
        };
        let life_token = ctx.persist(Write::Life(life));
        let first = 1 + ctx.rng().below(params.interval);
        ctx.set_timer(Timer::Gossip, first);
        let membership = params
            .detector_config()
            .map(|c| Membership::new(ctx.id(), ctx.members().len(), ctx.now(), c));
        Gossip {
            params: *params,
            life,
            life_token,
            ready: false,
            tags: 0,
            replica: Replica::from_keys(keys),
            issued: life_token,
            durable: 0,
            held: VecDeque::new(),
            early: Vec::new(),
            updates: 0,
            membership,
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        if let Some(m) = &mut self.membership {
            m.heard(from, ctx.now());
        }
        match msg {
            Msg::Push(theirs) => {
                if self.absorb(ctx, from, &theirs) {
                    let ours = Arc::new(self.replica.keys().clone());
                    ctx.send(from, Msg::Pull(ours));
                }
            }
            Msg::Pull(theirs) => {
                self.absorb(ctx, from, &theirs);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match timer {
            Timer::Gossip => self.gossip(ctx),
        }
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        if self.ready {
            self.serve(ctx, request);
        } else {
            self.early.push(request);
        }
    }

    fn on_persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        self.durable = token; // writes complete in issue order
        while let Some(&(t, _, _)) = self.held.front() {
            if t > token {
                break;
            }
            if let Some((_, id, reply)) = self.held.pop_front() {
                ctx.reply(id, reply);
            }
        }
        if token == self.life_token && !self.ready {
            self.ready = true;
            for request in std::mem::take(&mut self.early) {
                self.serve(ctx, request);
            }
        }
    }

    fn observe(&self) -> Observation {
        Observation {
            role: Role::Peer,
            log_len: self.updates,
            ..Observation::default()
        }
    }

    fn replica_state(&self) -> Option<&crate::ops::Store> {
        Some(self.replica.store())
    }
}
