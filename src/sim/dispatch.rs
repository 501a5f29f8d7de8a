//! Calling protocol handlers and carrying out their effects, in the order recorded.

use super::engine::Sim;
use super::event::{Event, ProtocolPanic, SuspectTruth, Suspicion};
use super::messages::DropReason;
use super::observer::Observer;
use super::panics::{self, Caught};
use crate::des::ids::NodeId;
use crate::des::rng::Stream;
use crate::net::{latency, Fate};
use crate::node::Status;
use crate::protocol::{Context, Effect, Protocol};
use crate::workload::{Next, Outcome};

impl<P: Protocol, O: Observer> Sim<'_, '_, P, O> {
    /// Calls one handler (`during` names it) of `node`'s protocol with a fresh context, then
    /// applies its effects.
    #[inline]
    pub(crate) fn call(
        &mut self,
        node: NodeId,
        during: &'static str,
        f: impl FnOnce(&mut P, &mut Context<'_, P>),
    ) {
        let host = &mut self.nodes[node.index()];
        if host.status != Status::Up {
            self.stats.audit_down_deliveries += 1;
            return;
        }
        self.run_handler(node, during, |slot, _, ctx| {
            if let Some(p) = slot {
                f(p, ctx);
            }
        });
    }

    /// Starts `node`'s protocol (first boot when `recovered` is false).
    pub(crate) fn start_node(&mut self, node: NodeId, recovered: bool) {
        let host = &mut self.nodes[node.index()];
        host.status = Status::Up;
        let durable = recovered.then(|| host.durable.clone());
        self.run_handler(node, "start", |slot, params, ctx| {
            *slot = Some(P::start(params, ctx, durable.as_ref()))
        });
    }

    /// Reads `node`'s local clock (auditing that it did not run backwards), builds the
    /// handler's context, runs `f` on the node's protocol slot and the monitor after it, then
    /// applies the effects. A panic in either stops the run (see [`Sim::protocol_panicked`]);
    /// the effects of the handler that panicked are discarded.
    #[inline]
    fn run_handler(
        &mut self,
        node: NodeId,
        during: &'static str,
        f: impl FnOnce(&mut Option<P>, &P::Params, &mut Context<'_, P>),
    ) {
        let tracing = self.trace.is_writing();
        let host = &mut self.nodes[node.index()];
        let reading = host.clock.read(self.now);
        if reading < host.last_reading {
            self.stats.audit_clock_regressions += 1;
        }
        host.last_reading = reading;
        let mut ctx = Context::new(
            node,
            &self.members,
            reading,
            &mut host.rng,
            &mut self.effects,
            &mut host.next_token,
            tracing,
        );
        let (observer, at) = (&mut self.observer, (self.now, self.trace.events()));
        let ran = panics::catch(|| {
            f(&mut host.protocol, &self.params, &mut ctx);
            if let (true, Some(p)) = (O::WATCHES_STEPS, &host.protocol) {
                observer.after_step(node, p, at);
            }
        });
        if let Err(caught) = ran {
            self.effects.clear();
            self.protocol_panicked(node, during, caught);
            return;
        }
        self.apply_effects(node);
    }

    /// Records that protocol code on `node` panicked while running `during`; the run loop
    /// stops after the current event.
    pub(crate) fn protocol_panicked(&mut self, node: NodeId, during: &'static str, caught: Caught) {
        if self.panic.is_some() {
            return;
        }
        self.panic = Some(ProtocolPanic {
            protocol: P::NAME,
            node: self.nodes[node.index()].name.clone(),
            step: self.trace.events(),
            time: self.now,
            during,
            message: caught.to_string(),
        });
    }

    /// `node`'s observation, or `None` when it is not running; a panic in `observe()` is
    /// recorded like any protocol panic.
    pub(crate) fn observe(&mut self, node: NodeId) -> Option<crate::protocol::Observation> {
        let p = self.nodes[node.index()].protocol.as_ref()?;
        match panics::catch(|| p.observe()) {
            Ok(o) => Some(o),
            Err(caught) => {
                self.protocol_panicked(node, "observe", caught);
                None
            }
        }
    }

    /// Carries out the effects `node`'s handler recorded, in order. A lone send (PHOLD's
    /// every delivery, most Raft messages) goes straight to [`Sim::send`], inlined here and
    /// so into every handler call site; anything else goes to the out-of-line
    /// [`Sim::apply_other_effects`]. PHOLD: -6% instructions for the lone-send path, and
    /// another -15% once this, the network's route, the queue's push and the run loop's step
    /// were all inlined into the loop (docs/performance.md, item 7).
    #[inline(always)]
    fn apply_effects(&mut self, node: NodeId) {
        if self.effects.len() == 1 && matches!(self.effects[0], Effect::Send { .. }) {
            // PHOLD's every delivery and most Raft messages: straight to the network.
            if let Some(Effect::Send { to, msg }) = self.effects.pop() {
                self.send(node, to, msg);
            }
        } else {
            self.apply_other_effects(node);
        }
    }

    /// [`Sim::apply_effects`] for anything but a lone send (a lone effect of another kind is
    /// applied without setting the buffer aside), out of line so the inlined fast path stays
    /// small.
    #[inline(never)]
    fn apply_other_effects(&mut self, node: NodeId) {
        match self.effects.len() {
            0 => {}
            1 => {
                let effect = self.effects.pop().expect("one effect");
                self.apply_effect(node, effect);
            }
            _ => {
                let mut effects = std::mem::take(&mut self.effects);
                for effect in effects.drain(..) {
                    self.apply_effect(node, effect);
                }
                self.effects = effects;
            }
        }
    }

    /// Carries out one effect of `node`'s handler.
    #[inline]
    fn apply_effect(&mut self, node: NodeId, effect: Effect<P>) {
        {
            match effect {
                Effect::Send { to, msg } => self.send(node, to, msg),
                Effect::Broadcast { msg } => {
                    for i in 0..self.members.len() {
                        let to = self.members[i];
                        if to != node {
                            self.send(node, to, msg.clone());
                        }
                    }
                }
                Effect::SetTimer { timer, after } => {
                    let host = &mut self.nodes[node.index()];
                    let generation = host.arm_timer(timer);
                    let at = self.now + host.clock.global_span(after);
                    let incarnation = host.incarnation;
                    self.queue.push(
                        at,
                        Event::Timer {
                            node,
                            incarnation,
                            timer,
                            generation,
                        },
                    );
                }
                Effect::CancelTimer { timer } => self.nodes[node.index()].disarm_timer(timer),
                Effect::Persist { write, token } => {
                    let delay = latency::sample(
                        &self.scenario.storage.write_latency,
                        &mut self.disks[node.index()],
                    );
                    let host = &mut self.nodes[node.index()];
                    let done = (self.now + delay).max(host.last_write_done);
                    host.last_write_done = done;
                    host.in_progress.push_back((token, write));
                    let incarnation = host.incarnation;
                    self.queue.push(
                        done,
                        Event::Persisted {
                            node,
                            incarnation,
                            token,
                            applied: false,
                        },
                    );
                }
                Effect::Reply { to, reply, token } => {
                    let delay = self.client_delay(to.client);
                    self.trace_client("reply", node, to.client, to.seq, self.now + delay);
                    let ev = Event::Response {
                        client: to.client,
                        node,
                        seq: to.seq,
                        outcome: Box::new(Outcome::Reply(reply)),
                        token,
                    };
                    self.queue.push(self.now + delay, ev);
                }
                Effect::Note(text) => self.trace_note(node, text),
                Effect::Suspect { peer } => self.record_suspicion(node, peer),
            }
        }
    }

    /// Records that `by` suspects `peer`, with what is true of `peer` now.
    fn record_suspicion(&mut self, by: NodeId, peer: NodeId) {
        let Some(host) = self.nodes.get(peer.index()) else {
            return;
        };
        let truth = match host.status {
            Status::Crashed => SuspectTruth::Crashed {
                since: host.down_since,
            },
            Status::Paused => SuspectTruth::Paused {
                since: host.down_since,
            },
            Status::Up if self.links.is_cut(peer, by) => SuspectTruth::CutOff,
            Status::Up => SuspectTruth::Up,
        };
        self.suspicions.push(Suspicion {
            time: self.now,
            by,
            of: peer,
            truth,
        });
    }

    fn trace_note(&mut self, node: NodeId, text: String) {
        self.commentary("note", Some(node), text);
    }

    /// Hands one message to the network, under the next message id (a duplicate the network
    /// makes gets the id after it). Always inlined into `apply_effects`: PHOLD spends most
    /// of its time here.
    #[inline(always)]
    fn send(&mut self, from: NodeId, to: NodeId, msg: P::Msg) {
        self.stats.sent += 1;
        let id = self.next_msg_id();
        self.trace_send(from, to, id, &msg);
        match self.links.route(from, to) {
            Fate::Deliver { delay, dup_delay } => {
                if let Some(d) = dup_delay {
                    self.stats.duplicated += 1;
                    self.in_flight += 1;
                    let dup = self.next_msg_id();
                    self.trace_duplicate(from, to, dup, id);
                    self.queue.push(
                        self.now + d,
                        Event::Deliver {
                            to,
                            from,
                            id: dup,
                            msg: msg.clone(),
                        },
                    );
                }
                self.in_flight += 1;
                self.queue
                    .push(self.now + delay, Event::Deliver { to, from, id, msg });
            }
            Fate::Lost => {
                self.stats.dropped_loss += 1;
                self.trace_drop(to, id, DropReason::Loss);
            }
            Fate::Cut => {
                self.stats.dropped_cut += 1;
                self.trace_drop(to, id, DropReason::Cut);
            }
        }
    }

    /// Draws the delay of one trip over `client`'s link, from that client's own stream
    /// (`client-net/<i>`, created on first use), so adding a client shifts no one else.
    fn client_delay(&mut self, client: u32) -> crate::des::time::Nanos {
        let i = client as usize;
        while self.client_links.len() <= i {
            let label = format!("client-net/{}", self.client_links.len());
            self.client_links.push(Stream::new(self.seed, &label));
        }
        latency::sample(
            &self.scenario.network.client_latency,
            &mut self.client_links[i],
        )
    }

    /// Sends a client request to a node over the client link.
    pub(crate) fn send_request(&mut self, client: u32, next: Next) {
        let Some(timeout) = self.clients.as_ref().map(|c| c.timeout()) else {
            return;
        };
        match next {
            Next::Send {
                node,
                request,
                attempt,
            } => {
                let delay = self.client_delay(client);
                let seq = request.id.seq;
                self.trace_client("client-send", node, client, seq, self.now + delay);
                self.queue.push(
                    self.now + delay,
                    Event::Request {
                        node,
                        client,
                        request: Box::new(request),
                    },
                );
                if attempt == 0 {
                    self.queue
                        .push(self.now + timeout, Event::ClientTimeout { client, seq });
                }
                let c = client as usize;
                if let Some(retry) = self.clients.as_mut().and_then(|cl| cl.retry_wait(c)) {
                    let ev = Event::ClientRetry {
                        client,
                        seq,
                        attempt,
                    };
                    self.queue.push(self.now + retry, ev);
                }
            }
            Next::NextOpAt(at) => {
                self.queue.push(at, Event::ClientStart { client });
            }
            Next::ResendAt { at, seq, attempt } => {
                let ev = Event::ClientRetry {
                    client,
                    seq,
                    attempt,
                };
                self.queue.push(at, ev);
            }
            Next::Nothing | Next::Done => {}
        }
    }

    /// A client request arrives at `node` (boxed as it travelled in its event).
    pub(crate) fn request_arrives(
        &mut self,
        node: NodeId,
        client: u32,
        request: Box<crate::protocol::ClientRequest>,
    ) {
        self.hash_client(5, node, client, request.id.seq);
        let (c, seq) = (client as usize, request.id.seq);
        let host = &self.nodes[node.index()];
        let crashed = host.status == Status::Crashed;
        let cut = self.client_cut_off(client, node, true);
        let service = self.scenario.cluster.service;
        let full = service
            .and_then(|s| s.queue_limit)
            .is_some_and(|limit| host.service.waiting() >= limit as usize);
        let turned_away = !crashed && !cut && full;
        if let Some(clients) = self.clients.as_mut() {
            clients.arrived(c, seq, node, !crashed && !cut && !turned_away);
        }
        if cut {
            self.stats.client_unreachable += 1;
            return;
        }
        if crashed || turned_away {
            let outcome = if crashed {
                Outcome::Refused
            } else {
                self.stats.overloaded += 1;
                Outcome::Overloaded
            };
            let delay = self.client_delay(client);
            self.trace_client("reply", node, client, request.id.seq, self.now + delay);
            let ev = Event::Response {
                client,
                node,
                seq: request.id.seq,
                outcome: Box::new(outcome),
                token: 0,
            };
            self.queue.push(self.now + delay, ev);
            return;
        }
        match service {
            None => self.call(node, "on_client", |p, ctx| p.on_client(ctx, *request)),
            Some(s) => {
                let host = &mut self.nodes[node.index()];
                if host.service.push(client, *request) {
                    let incarnation = host.incarnation;
                    self.queue
                        .push(self.now + s.time, Event::Serve { node, incarnation });
                }
            }
        }
    }

    /// `node` finishes serving the request at the head of its queue: its protocol handles it
    /// now, and the next one, if any, goes into service.
    pub(crate) fn serve(&mut self, node: NodeId, incarnation: u32) {
        let host = &mut self.nodes[node.index()];
        if host.status != Status::Up || host.incarnation != incarnation {
            return;
        }
        let Some(((client, request), more)) = host.service.finish() else {
            return;
        };
        if more {
            let time = self.scenario.cluster.service.map_or(0, |s| s.time);
            self.queue
                .push(self.now + time, Event::Serve { node, incarnation });
        }
        self.stats.served += 1;
        let (c, seq) = (client as usize, request.id.seq);
        if !self
            .clients
            .as_ref()
            .is_some_and(|cl| cl.waiting_for(c, seq))
        {
            self.stats.served_stale += 1;
        }
        self.hash_client(18, node, client, seq);
        self.call(node, "on_client", |p, ctx| p.on_client(ctx, request));
    }

    /// True when colocated `client` cannot reach `node` (`to_node`) or hear from it, because
    /// a partition separates the client's home node from it.
    pub(crate) fn client_cut_off(&self, client: u32, node: NodeId, to_node: bool) -> bool {
        let Some(clients) = self.clients.as_ref() else {
            return false;
        };
        if !clients.colocated() || !self.links.any_cut() {
            return false;
        }
        let home = clients.home(client as usize);
        if to_node {
            self.links.is_cut(home, node)
        } else {
            self.links.is_cut(node, home)
        }
    }

    /// Hashes a client-related event into the trace.
    pub(crate) fn hash_client(&mut self, kind: u64, node: NodeId, client: u32, seq: u64) {
        self.hash_event(kind, u64::from(node.0), u64::from(client));
        self.trace.hasher().word(seq);
        let ev = match kind {
            5 => "request",
            6 => "response",
            7 => "client-timeout",
            17 => "client-retry",
            18 => "serve",
            _ => "client-start",
        };
        self.end_event(ev, Some(node), |_| format!("client {client} seq {seq}"));
    }
}
