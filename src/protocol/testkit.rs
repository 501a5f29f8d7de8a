//! A hand-driven test harness for any [`Protocol`]: nodes share one clock, messages and
//! durable writes wait in FIFO queues until a test delivers them, timers fire when the test
//! advances time, nodes crash (losing timers and unfinished writes) and restart from their
//! durable image, links can be blocked, and client requests and replies are recorded.
//! Scenario-level runs belong to the engine's tests.

use crate::des::ids::{NodeId, RequestId};
use crate::des::rng::Stream;
use crate::des::time::Nanos;
use crate::ops::{MicroOp, Txn};
use crate::protocol::{ClientRequest, Context, Effect, Observation, Protocol, Reply};
use std::collections::VecDeque;

/// A cluster of nodes of protocol `P` driven by hand.
pub(crate) struct Net<P: Protocol> {
    params: P::Params,
    members: Vec<NodeId>,
    nodes: Vec<Option<P>>,
    disk: Vec<P::Durable>,
    rngs: Vec<Stream>,
    tokens: Vec<u64>,
    now: Nanos,
    /// Messages in flight: (from, to, message).
    pub msgs: VecDeque<(NodeId, NodeId, P::Msg)>,
    /// Durable writes in progress: (node, write, token).
    pub writes: VecDeque<(NodeId, P::Write, u64)>,
    timers: Vec<(NodeId, P::Timer, Nanos)>,
    /// Every client reply so far.
    pub replies: Vec<(RequestId, Reply)>,
    /// Session tokens handed to clients with replies (only non-zero ones), in order.
    pub session_tokens: Vec<(RequestId, u64)>,
    /// Every suspicion a failure detector raised: (by, of), in order.
    pub suspicions: Vec<(NodeId, NodeId)>,
    /// Directed links that drop everything.
    pub blocked: Vec<(NodeId, NodeId)>,
    next_request: u64,
}

/// Shorthand for `NodeId(i)`.
pub(crate) fn n(i: u32) -> NodeId {
    NodeId(i)
}

impl<P: Protocol> Net<P> {
    /// Boots `count` nodes for the first time.
    pub fn new(count: u32, params: P::Params) -> Net<P> {
        let members: Vec<NodeId> = (0..count).map(NodeId).collect();
        let mut net = Net {
            params,
            nodes: (0..count).map(|_| None).collect(),
            disk: vec![P::Durable::default(); count as usize],
            rngs: (0..count)
                .map(|i| Stream::new(7, &format!("node/{i}")))
                .collect(),
            tokens: vec![0; count as usize],
            members,
            now: 0,
            msgs: VecDeque::new(),
            writes: VecDeque::new(),
            timers: Vec::new(),
            replies: Vec::new(),
            session_tokens: Vec::new(),
            suspicions: Vec::new(),
            blocked: Vec::new(),
            next_request: 0,
        };
        for i in 0..count {
            net.boot(NodeId(i), false);
        }
        net
    }

    fn boot(&mut self, node: NodeId, recovered: bool) {
        let i = node.index();
        let disk = self.disk[i].clone();
        let params = self.params.clone();
        self.call(node, |slot, ctx| {
            *slot = Some(P::start(&params, ctx, recovered.then_some(&disk)));
        });
    }

    /// Runs `f` with node `node`'s slot and a fresh context, then queues its effects.
    fn call<R>(
        &mut self,
        node: NodeId,
        f: impl FnOnce(&mut Option<P>, &mut Context<'_, P>) -> R,
    ) -> R {
        let i = node.index();
        let mut effects = Vec::new();
        let mut slot = self.nodes[i].take();
        let r = {
            let mut ctx = Context::new(
                node,
                &self.members,
                self.now,
                &mut self.rngs[i],
                &mut effects,
                &mut self.tokens[i],
                true,
            );
            f(&mut slot, &mut ctx)
        };
        self.nodes[i] = slot;
        for e in effects {
            self.absorb(node, e);
        }
        r
    }

    /// Runs a handler on a node that is up.
    pub fn on<R>(&mut self, node: NodeId, f: impl FnOnce(&mut P, &mut Context<'_, P>) -> R) -> R {
        self.call(node, |slot, ctx| f(slot.as_mut().expect("node is up"), ctx))
    }

    fn absorb(&mut self, node: NodeId, effect: Effect<P>) {
        match effect {
            Effect::Send { to, msg } => self.msgs.push_back((node, to, msg)),
            Effect::Broadcast { msg } => {
                for &to in self.members.iter().filter(|m| **m != node) {
                    self.msgs.push_back((node, to, msg.clone()));
                }
            }
            Effect::SetTimer { timer, after } => {
                self.timers.retain(|(m, t, _)| !(*m == node && *t == timer));
                self.timers.push((node, timer, self.now + after));
            }
            Effect::CancelTimer { timer } => {
                self.timers.retain(|(m, t, _)| !(*m == node && *t == timer));
            }
            Effect::Persist { write, token } => self.writes.push_back((node, write, token)),
            Effect::Reply { to, reply, token } => {
                self.replies.push((to, reply));
                if token != 0 {
                    self.session_tokens.push((to, token));
                }
            }
            Effect::Note(_) => {}
            Effect::Suspect { peer } => self.suspicions.push((node, peer)),
        }
    }

    /// Delivers the oldest message in flight (dropped if its link is blocked or its
    /// destination is down). False if none was in flight.
    pub fn deliver(&mut self) -> bool {
        let Some((from, to, msg)) = self.msgs.pop_front() else {
            return false;
        };
        if !self.blocked.contains(&(from, to)) && self.nodes[to.index()].is_some() {
            self.on(to, |p, ctx| p.on_message(ctx, from, msg));
        }
        true
    }

    /// Delivers messages until none is in flight (durable writes stay pending).
    pub fn deliver_all(&mut self) {
        while self.deliver() {}
    }

    /// Completes the oldest durable write. False if none was in progress.
    pub fn persist(&mut self) -> bool {
        let Some((node, write, token)) = self.writes.pop_front() else {
            return false;
        };
        P::apply_write(&mut self.disk[node.index()], write);
        self.on(node, |p, ctx| p.on_persisted(ctx, token));
        true
    }

    /// Completes every durable write in progress on `node` only.
    pub fn persist_on(&mut self, node: NodeId) {
        let (mine, rest): (VecDeque<_>, VecDeque<_>) =
            self.writes.drain(..).partition(|(m, _, _)| *m == node);
        self.writes = rest;
        for (_, write, token) in mine {
            P::apply_write(&mut self.disk[node.index()], write);
            self.on(node, |p, ctx| p.on_persisted(ctx, token));
        }
    }

    /// Delivers messages and completes writes until nothing is left in flight.
    pub fn settle(&mut self) {
        loop {
            let delivered = self.deliver();
            let persisted = self.persist();
            if !delivered && !persisted {
                return;
            }
        }
    }

    /// Advances the shared clock by `dt`, firing due timers in time order and settling
    /// after each.
    pub fn advance(&mut self, dt: Nanos) {
        let end = self.now + dt;
        loop {
            let due = (0..self.timers.len())
                .filter(|&k| self.timers[k].2 <= end)
                .min_by_key(|&k| self.timers[k].2);
            let Some(k) = due else { break };
            let (node, timer, at) = self.timers.remove(k);
            self.now = at;
            self.on(node, |p, ctx| p.on_timer(ctx, timer));
            self.settle();
        }
        self.now = end;
    }

    /// Crashes `node`: its value, timers and unfinished durable writes are gone.
    pub fn crash(&mut self, node: NodeId) {
        self.nodes[node.index()] = None;
        self.timers.retain(|(m, _, _)| *m != node);
        self.writes.retain(|(m, _, _)| *m != node);
    }

    /// Restarts a crashed `node` from its durable image.
    pub fn restart(&mut self, node: NodeId) {
        self.boot(node, true);
    }

    /// Blocks (or, with `false`, heals) both directions between `a` and each of `others`.
    pub fn cut(&mut self, a: NodeId, others: &[NodeId], block: bool) {
        for &b in others {
            for link in [(a, b), (b, a)] {
                self.blocked.retain(|l| *l != link);
                if block {
                    self.blocked.push(link);
                }
            }
        }
    }

    /// Sends a client request to `node`; returns its id.
    pub fn client(&mut self, node: NodeId, txn: Txn) -> RequestId {
        self.next_request += 1;
        let id = RequestId {
            client: 0,
            seq: self.next_request,
        };
        self.client_as(node, id, txn);
        id
    }

    /// Sends a client request with a chosen id to `node` (a retry reuses an id).
    pub fn client_as(&mut self, node: NodeId, id: RequestId, txn: Txn) {
        self.client_with_token(node, id, txn, 0);
    }

    /// Sends a client request with a chosen id and session token to `node`.
    pub fn client_with_token(&mut self, node: NodeId, id: RequestId, txn: Txn, token: u64) {
        self.on(node, |p, ctx| {
            p.on_client(ctx, ClientRequest { id, txn, token })
        });
    }

    /// The session token the reply to `id` handed the client, if it gave one.
    pub fn token(&self, id: RequestId) -> Option<u64> {
        self.session_tokens
            .iter()
            .find(|(r, _)| *r == id)
            .map(|(_, t)| *t)
    }

    /// Every reply sent for `id`, in order (a retried request may be answered again).
    pub fn replies_to(&self, id: RequestId) -> Vec<Reply> {
        self.replies
            .iter()
            .filter(|(r, _)| *r == id)
            .map(|(_, reply)| reply.clone())
            .collect()
    }

    /// Delivers the `k`-th message in flight (same rules as [`Net::deliver`]).
    pub fn deliver_at(&mut self, k: usize) {
        if let Some(m) = self.msgs.remove(k) {
            self.msgs.push_front(m);
            self.deliver();
        }
    }

    /// Moves the clock to the earliest pending timer and fires it, without settling.
    /// False if no timer is pending.
    pub fn fire_next_timer(&mut self) -> bool {
        let due = (0..self.timers.len()).min_by_key(|&k| self.timers[k].2);
        let Some(k) = due else { return false };
        let (node, timer, at) = self.timers.remove(k);
        self.now = self.now.max(at);
        self.on(node, |p, ctx| p.on_timer(ctx, timer));
        true
    }

    /// Moves the clock by `dt` without firing timers (those due fire at the next
    /// [`Net::advance`] or [`Net::fire_next_timer`]).
    pub fn skip(&mut self, dt: Nanos) {
        self.now += dt;
    }

    /// Whether `node` is up.
    pub fn is_up(&self, node: NodeId) -> bool {
        self.nodes[node.index()].is_some()
    }

    /// The reply to `id`, if any (there is never more than one).
    pub fn reply(&self, id: RequestId) -> Option<Reply> {
        let mut found = self.replies.iter().filter(|(r, _)| *r == id);
        let first = found.next().map(|(_, reply)| reply.clone());
        assert!(found.next().is_none(), "request {id:?} answered twice");
        first
    }

    /// Sends `txn` to `node`, settles, and returns the reply.
    pub fn request(&mut self, node: NodeId, txn: Txn) -> Option<Reply> {
        let id = self.client(node, txn);
        self.settle();
        self.reply(id)
    }

    /// `observe()` of an up node.
    pub fn obs(&self, node: NodeId) -> Observation {
        self.node(node).observe()
    }

    /// An up node.
    pub fn node(&self, node: NodeId) -> &P {
        self.nodes[node.index()].as_ref().expect("node is up")
    }

    /// The durable image of `node`.
    pub fn disk(&self, node: NodeId) -> &P::Durable {
        &self.disk[node.index()]
    }

    /// The up nodes whose role is `Leader`.
    pub fn leaders(&self) -> Vec<NodeId> {
        self.members
            .iter()
            .copied()
            .filter(|m| {
                self.nodes[m.index()]
                    .as_ref()
                    .is_some_and(|p| p.observe().role == crate::protocol::Role::Leader)
            })
            .collect()
    }
}

/// A write.
pub(crate) fn write(key: u64, value: i64) -> Txn {
    Txn::one(MicroOp::Write { key, value })
}

/// A read.
pub(crate) fn read(key: u64) -> Txn {
    Txn::one(MicroOp::Read { key })
}
