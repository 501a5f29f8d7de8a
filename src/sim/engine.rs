//! The run loop: pops events in `(time, seq)` order, hands them to nodes, clients and the
//! fault injector, and hashes each one into the trace. Generic over the protocol, so every
//! handler call is static.

use super::event::{
    Event, FiredFault, NetStats, NodeFinal, NodeState, PartitionWindow, ProtocolPanic, RunOutput,
    StopReason, Suspicion,
};
use super::messages::DropReason;
use super::observer::Observer;
use super::panics;
use crate::des::ids::NodeId;
use crate::des::queue::EventQueue;
use crate::des::rng::Stream;
use crate::des::time::Nanos;
use crate::des::trace::Trace;
use crate::history::{History, Value};
use crate::net::Links;
use crate::node::{LocalClock, NodeHost, Status};
use crate::ops::{Key, Store};
use crate::protocol::{Effect, Protocol};
use crate::scenario::Scenario;
use crate::workload::Clients;
use std::collections::BTreeSet;
use std::hash::Hash;

/// How often (in loop steps) the run's memory estimate is compared with `[limits] memory`.
const MEMORY_CHECK_EVERY: u64 = 1 << 16;
/// Estimated bytes per queued event.
const EVENT_BYTES: u64 = 128;
/// Estimated bytes per history entry.
const HISTORY_ENTRY_BYTES: u64 = 160;
/// Estimated bytes per log entry of a node: its copy, its durable image's and the monitor's.
const LOG_ENTRY_BYTES: u64 = 320;

/// The state of one run.
pub(crate) struct Sim<'s, 't, P: Protocol, O: Observer> {
    pub(crate) scenario: &'s Scenario,
    pub(crate) params: P::Params,
    pub(crate) seed: u64,
    pub(crate) now: Nanos,
    pub(crate) queue: EventQueue<Event<P>>,
    pub(crate) nodes: Vec<NodeHost<P, Event<P>>>,
    pub(crate) members: Vec<NodeId>,
    pub(crate) links: Links,
    pub(crate) disks: Vec<Stream>,
    pub(crate) client_links: Vec<Stream>,
    pub(crate) fault_rng: Stream,
    pub(crate) nemesis_rng: Stream,
    pub(crate) nemesis_on: bool,
    pub(crate) clients: Option<Clients>,
    pub(crate) effects: Vec<Effect<P>>,
    pub(crate) trace: Trace<'t>,
    pub(crate) stats: NetStats,
    pub(crate) in_flight: u64,
    pub(crate) faults: Vec<FiredFault>,
    /// Messages sent so far (the last message id given out; see `sim::messages`).
    pub(crate) msg_ids: u64,
    /// Faults injected so far (the last [`crate::des::ids::FaultId`] given out).
    pub(crate) fault_ids: u64,
    pub(crate) finals_started: bool,
    /// Watches every step (the invariant monitor, or `()`).
    pub(crate) observer: O,
    /// Closed partition windows, and the open one (start, sides) if the network is cut.
    pub(crate) partitions: Vec<PartitionWindow>,
    pub(crate) open_partition: Option<(Nanos, Vec<Vec<NodeId>>)>,
    /// Link degradations in force: the fault, who injected it, and its description.
    pub(crate) degraded: Vec<(crate::des::ids::FaultId, &'static str, String)>,
    /// The nemesis's last fault, in words (its heal names it).
    pub(crate) nemesis_last: String,
    /// Nemesis faults active now (at most `[nemesis] overlap`).
    pub(crate) nemesis_active: u32,
    /// What each active nemesis cut is, by its identity, for the line its heal writes.
    pub(crate) nemesis_cuts: Vec<(crate::des::ids::FaultId, String)>,
    /// Drift changes the nemesis will undo: the fault, the node and its drift before.
    pub(crate) drift_undo: Vec<(crate::des::ids::FaultId, NodeId, i64)>,
    /// Repeating faults (crash-restart loops, flapping links), by [`Event::Repeat`] index.
    pub(crate) repeats: Vec<super::event::Repeat>,
    /// Set when protocol code panicked: the run stops after the current event.
    pub(crate) panic: Option<ProtocolPanic>,
    /// Suspicions raised by the protocol's failure detectors, in order.
    pub(crate) suspicions: Vec<Suspicion>,
}

impl<'s, 't, P: Protocol, O: Observer> Sim<'s, 't, P, O> {
    /// Sets up nodes, clocks, streams, clients and the initial events.
    pub(crate) fn new(
        scenario: &'s Scenario,
        params: P::Params,
        seed: u64,
        trace: Trace<'t>,
        observer: O,
    ) -> Self {
        let names = &scenario.cluster.nodes;
        let nodes = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                // Each node draws its clock from its own stream, both values even when
                // overridden, so neither adding a node nor an override shifts anyone else.
                let mut clock_rng = Stream::new(seed, &format!("clock/{name}"));
                let c = &scenario.clocks;
                let span = u64::from(c.max_drift_ppm);
                let mut drift = clock_rng.between(0, 2 * span) as i64 - span as i64;
                let mut offset = clock_rng.between(0, c.max_offset);
                if let Some(o) = c.overrides.iter().find(|o| o.node.index() == i) {
                    drift = o.drift_ppm.unwrap_or(drift);
                    offset = o.offset.unwrap_or(offset);
                }
                NodeHost::new(
                    name.clone(),
                    LocalClock::new(offset, drift),
                    Stream::new(seed, &format!("node/{name}")),
                )
            })
            .collect();
        let mut sim = Sim {
            scenario,
            params,
            seed,
            now: 0,
            queue: EventQueue::new(),
            nodes,
            members: (0..names.len() as u32).map(NodeId).collect(),
            links: Links::new(&scenario.network, names, seed),
            disks: names
                .iter()
                .map(|n| Stream::new(seed, &format!("disk/{n}")))
                .collect(),
            client_links: Vec::new(),
            fault_rng: Stream::new(seed, "faults"),
            nemesis_rng: Stream::new(seed, "nemesis"),
            nemesis_on: scenario.nemesis.is_some(),
            clients: scenario
                .workload
                .as_ref()
                .map(|w| Clients::new(w, names, seed)),
            effects: Vec::with_capacity(64),
            trace,
            stats: NetStats::default(),
            in_flight: 0,
            faults: Vec::new(),
            fault_ids: 0,
            msg_ids: 0,
            finals_started: false,
            observer,
            partitions: Vec::new(),
            suspicions: Vec::new(),
            open_partition: None,
            panic: None,
            nemesis_last: String::new(),
            nemesis_active: 0,
            nemesis_cuts: Vec::new(),
            drift_undo: Vec::new(),
            repeats: Vec::new(),
            degraded: Vec::new(),
        };
        for node in 0..names.len() as u32 {
            sim.queue.push(0, Event::Boot { node: NodeId(node) });
        }
        if let Some(clients) = &mut sim.clients {
            for c in 0..clients.len() {
                let at = clients.first_start(c);
                sim.queue.push(at, Event::ClientStart { client: c as u32 });
            }
        }
        for (i, f) in scenario.faults.iter().enumerate() {
            sim.queue.push(f.at, Event::Fault { index: i as u32 });
        }
        if let Some(n) = &scenario.nemesis {
            let at = crate::faults::next_gap(n, &mut sim.nemesis_rng);
            if at < scenario.duration {
                sim.queue.push(at, Event::NemesisFault);
            }
        }
        sim.queue.push(scenario.duration, Event::EndWorkload);
        if scenario.workload.as_ref().is_some_and(|w| w.final_reads) {
            sim.queue
                .push(scenario.duration + scenario.settle, Event::FinalReads);
        }
        sim
    }

    /// The time after which nothing more happens.
    fn end_time(&self) -> Nanos {
        let s = self.scenario;
        let mut end = s.duration + s.settle;
        if s.workload.as_ref().is_some_and(|w| w.final_reads) {
            end += s.limits.final_read_window;
        }
        end
    }

    /// Runs to completion or to a limit; gives back the observer with the output.
    pub(crate) fn run(mut self) -> (RunOutput, O, Option<std::io::Error>) {
        let end = self.end_time();
        let limits = &self.scenario.limits;
        let max_events = limits.max_events;
        let stop_after = limits.stop_after_deliveries.unwrap_or(u64::MAX);
        let max_in_flight = limits.max_in_flight;
        let memory = limits.memory;
        let mut steps: u64 = 0;
        let stop = loop {
            let Some(t) = self.queue.peek_time() else {
                break StopReason::Quiescent;
            };
            if t > end {
                break StopReason::Completed;
            }
            if self.trace.events() >= max_events {
                break StopReason::EventLimit;
            }
            if self.stats.delivered >= stop_after {
                break StopReason::DeliveryTarget;
            }
            if self.in_flight > max_in_flight {
                break StopReason::BacklogLimit;
            }
            steps += 1;
            if steps % MEMORY_CHECK_EVERY == 0 && self.memory_estimate() > memory {
                break StopReason::MemoryLimit;
            }
            let (time, event) = self.queue.pop().expect("peeked");
            self.now = time;
            self.step(event);
            if self.panic.is_some() {
                break StopReason::ProtocolPanic;
            }
            if self.finals_started && self.clients.as_ref().is_some_and(|c| c.finals_done()) {
                break StopReason::Completed;
            }
        };
        self.finish(stop)
    }

    /// The run's memory, estimated from its state with fixed per-item sizes (never measured,
    /// so the estimate and the moment it crosses the budget are the same on every machine):
    /// queued and paused events, history entries, and, for protocols with a log
    /// ([`Protocol::HAS_LOG`]), every node's log as `observe()` reports its length (counted for
    /// the protocol's copy, its durable image and the monitor's). Other protocol state is
    /// bounded by the scenario's sizes (keys, clients, nodes) and not counted.
    fn memory_estimate(&mut self) -> u64 {
        let backlog: usize = self.nodes.iter().map(|n| n.backlog.len()).sum();
        let events = (self.queue.len() + backlog) as u64 * EVENT_BYTES;
        let history = self
            .clients
            .as_ref()
            .map_or(0, |c| c.history.ops.len() as u64 * HISTORY_ENTRY_BYTES);
        let mut logs = 0;
        if P::HAS_LOG {
            for i in 0..self.nodes.len() {
                logs += self.observe(NodeId(i as u32)).map_or(0, |o| o.log_len);
            }
        }
        let logs = logs * LOG_ENTRY_BYTES;
        events + history + logs
    }

    #[inline]
    pub(crate) fn hash_event(&mut self, kind: u64, a: u64, b: u64) {
        let h = self.trace.hasher();
        h.word(self.now);
        h.word(kind);
        h.word(a);
        h.word(b);
    }

    /// Closes the event whose fields were hashed: writes its numbered trace line (only when
    /// a trace file is being written; `detail` is built only then) and counts it.
    #[inline]
    pub(crate) fn end_event(
        &mut self,
        ev: &str,
        node: Option<NodeId>,
        detail: impl FnOnce(&Self) -> String,
    ) {
        if self.trace.is_writing() {
            let mut line = serde_json::json!({ "i": self.trace.events(), "t": self.now, "ev": ev });
            if let Some(n) = node {
                line["node"] = self.nodes[n.index()].name.clone().into();
            }
            let detail = detail(self);
            if !detail.is_empty() {
                line["detail"] = detail.into();
            }
            self.trace.write_line(&line.to_string());
        }
        self.trace.end_event();
    }

    /// Writes an unnumbered commentary line (a fault as it fired, a protocol note). It is not
    /// an event and not part of the hash.
    pub(crate) fn commentary(&mut self, ev: &str, node: Option<NodeId>, detail: String) {
        if self.trace.is_writing() {
            let mut line = serde_json::json!({ "t": self.now, "ev": ev });
            if let Some(n) = node {
                line["node"] = self.nodes[n.index()].name.clone().into();
            }
            line["detail"] = detail.into();
            self.trace.write_line(&line.to_string());
        }
    }

    /// Processes one event (inlined into the run loop).
    #[inline(always)]
    fn step(&mut self, event: Event<P>) {
        if let Some(node) = event.node_bound() {
            let host = &mut self.nodes[node.index()];
            if host.status == Status::Paused {
                if let Event::Persisted {
                    incarnation,
                    token,
                    applied: false,
                    ..
                } = event
                {
                    if incarnation == host.incarnation && host.complete_write(token) {
                        self.stats.writes_completed += 1;
                    }
                    host.backlog.push(Event::Persisted {
                        node,
                        incarnation,
                        token,
                        applied: true,
                    });
                } else {
                    host.backlog.push(event);
                }
                return;
            }
        }
        match event {
            Event::Deliver { to, from, id, msg } => self.deliver(to, from, id, msg),
            Event::Timer {
                node,
                incarnation,
                timer,
                generation,
            } => {
                let host = &mut self.nodes[node.index()];
                if host.status != Status::Up
                    || host.incarnation != incarnation
                    || !host.take_timer(timer, generation)
                {
                    return;
                }
                self.stats.timers_fired += 1;
                self.hash_event(2, u64::from(node.0), generation);
                timer.hash(self.trace.hasher());
                self.end_event("timer", Some(node), |_| format!("{timer:?}"));
                self.call(node, "on_timer", |p, ctx| p.on_timer(ctx, timer));
            }
            Event::Persisted {
                node,
                incarnation,
                token,
                applied,
            } => {
                let host = &mut self.nodes[node.index()];
                if host.incarnation != incarnation || host.status != Status::Up {
                    return;
                }
                if !applied {
                    if !host.complete_write(token) {
                        return;
                    }
                    self.stats.writes_completed += 1;
                }
                self.hash_event(3, u64::from(node.0), token);
                self.end_event("persisted", Some(node), |_| format!("token {token}"));
                self.call(node, "on_persisted", |p, ctx| p.on_persisted(ctx, token));
            }
            other => self.step_control(other),
        }
    }

    /// Delivers message `id` (the hot path). Its id is hashed with it.
    #[inline]
    fn deliver(&mut self, to: NodeId, from: NodeId, id: u64, msg: P::Msg) {
        self.in_flight -= 1;
        let host = &self.nodes[to.index()];
        if host.status != Status::Up {
            self.stats.dropped_crashed += 1;
            self.trace_drop(to, id, DropReason::Crashed);
            return;
        }
        if self.links.is_cut(from, to) {
            self.stats.dropped_cut += 1;
            self.trace_drop(to, id, DropReason::Cut);
            return;
        }
        self.stats.delivered += 1;
        self.hash_event(1, u64::from(to.0), u64::from(from.0));
        self.trace.hasher().word(id);
        msg.hash(self.trace.hasher());
        self.end_deliver(to, from, id, &msg);
        self.call(to, "on_message", |p, ctx| p.on_message(ctx, from, msg));
    }

    /// What every node looks like at the end: its status, its observation, for protocols
    /// with a log the client requests of its committed entries in log order, and for
    /// protocols that expose one its replica state with the state's digest (the one time the
    /// engine copies or digests it).
    fn node_finals(&mut self) -> Vec<NodeFinal> {
        let mut finals = Vec::with_capacity(self.nodes.len());
        for i in 0..self.nodes.len() {
            let node = NodeId(i as u32);
            let state = match self.nodes[i].status {
                Status::Up => NodeState::Up,
                Status::Paused => NodeState::Paused,
                Status::Crashed => NodeState::Crashed,
            };
            let observation = if state == NodeState::Crashed {
                None
            } else {
                self.observe(node)
            };
            let committed = match (P::HAS_LOG, observation, &self.nodes[i].protocol) {
                (true, Some(o), Some(p)) => {
                    let commit = o.commit.min(o.log_len);
                    let read = panics::catch(|| {
                        (1..=commit)
                            .map(|i| p.log_entry(i).and_then(|e| e.request))
                            .collect::<Vec<_>>()
                    });
                    match read {
                        Ok(requests) => Some(requests.into_iter().flatten().collect()),
                        Err(caught) => {
                            self.protocol_panicked(node, "log_entry", caught);
                            None
                        }
                    }
                }
                _ => None,
            };
            let replica = match (observation, &self.nodes[i].protocol) {
                (Some(_), Some(p)) => match panics::catch(|| p.replica_state().cloned()) {
                    Ok(replica) => replica,
                    Err(caught) => {
                        self.protocol_panicked(node, "replica_state", caught);
                        None
                    }
                },
                _ => None,
            };
            let state_digest = replica.as_ref().map(Store::digest);
            finals.push(NodeFinal {
                name: self.nodes[i].name.clone(),
                state,
                observation,
                committed,
                replica,
                state_digest,
                replicates: None,
            });
        }
        finals
    }

    /// Fills [`NodeFinal::replicates`] for protocols with partial replication: asks each
    /// running node, for every key the run touched (the workload's keys and every key a
    /// replica holds), whether it replicates it; leaves `None` where it replicates all.
    fn replicated_keys(&mut self, finals: &mut [NodeFinal], history: &History, read: usize) {
        let mut keys: BTreeSet<Key> = (0..read as Key).collect();
        keys.extend(touched_keys(history));
        for f in finals.iter() {
            if let Some(store) = &f.replica {
                keys.extend(store.iter().map(|(k, _)| k));
            }
        }
        for (i, f) in finals.iter_mut().enumerate() {
            let Some(p) = self.nodes[i].protocol.as_ref() else {
                continue;
            };
            match panics::catch(|| keys.iter().filter(|&&k| p.replicates_key(k)).count()) {
                Ok(n) if n == keys.len() => {}
                Ok(_) => {
                    f.replicates = Some(
                        keys.iter()
                            .copied()
                            .filter(|&k| p.replicates_key(k))
                            .collect(),
                    );
                }
                Err(caught) => self.protocol_panicked(NodeId(i as u32), "replicates_key", caught),
            }
        }
    }

    /// Called after every fault: closes the current partition window if the sides changed,
    /// and opens one if the network is now cut.
    pub(crate) fn note_partition(&mut self) {
        let sides: &[Vec<NodeId>] = if self.links.any_cut() {
            self.links.sides()
        } else {
            &[]
        };
        let open = self.open_partition.as_ref().map(|(_, s)| s.as_slice());
        if open == Some(sides) || (sides.is_empty() && open.is_none()) {
            return;
        }
        let sides = sides.to_vec();
        if let Some((start, old)) = self.open_partition.take() {
            let end = self.now;
            self.partitions.push(PartitionWindow {
                start,
                end,
                sides: old,
            });
        }
        if sides.len() > 1 {
            self.open_partition = Some((self.now, sides));
        }
    }

    /// Builds the output once the loop has stopped.
    fn finish(mut self, stop: StopReason) -> (RunOutput, O, Option<std::io::Error>) {
        let mut in_flight = 0;
        self.queue
            .for_each(|e| in_flight += u64::from(matches!(e, Event::Deliver { .. })));
        for n in &self.nodes {
            in_flight += n
                .backlog
                .iter()
                .filter(|e| matches!(e, Event::Deliver { .. }))
                .count() as u64;
        }
        self.stats.in_flight = in_flight;
        let keyed = self.scenario.workload.as_ref().is_some_and(|w| w.keyed());
        let (history, ops, final_values) = match self.clients.take() {
            Some(c) => {
                let mut history = c.history;
                history.sessions = Some(c.sessions);
                (history, c.stats, c.final_values)
            }
            None => Default::default(),
        };
        let finals = if self.panic.is_none() {
            let mut finals = self.node_finals();
            self.replicated_keys(&mut finals, &history, final_values.len());
            finals
        } else {
            Vec::new()
        };
        self.note_partition();
        if let Some((start, sides)) = self.open_partition.take() {
            let end = self.now;
            self.partitions.push(PartitionWindow { start, end, sides });
        }
        let trace_error = self.trace.take_error();
        let out = RunOutput {
            seed: self.seed,
            trace_hash: self.trace.digest(),
            events: self.trace.events(),
            end_time: self.now,
            net: self.stats,
            faults: self.faults,
            history,
            ops,
            final_values,
            keyed,
            nodes: self.scenario.cluster.nodes.clone(),
            digests: self.trace.digests.take(),
            partitions: self.partitions,
            suspicions: self.suspicions,
            finals,
            stop: if self.panic.is_some() {
                StopReason::ProtocolPanic
            } else {
                stop
            },
            panic: self.panic,
            swarm: None,
        };
        (out, self.observer, trace_error)
    }
}

/// The keys a history's operations name: an operation's `key`, and the key of each
/// micro-operation of a transaction (`[:f key value]`).
fn touched_keys(history: &History) -> BTreeSet<Key> {
    let mut keys = BTreeSet::new();
    for op in &history.ops {
        if let Some(k) = op.key.as_ref().and_then(Value::as_int) {
            keys.insert(k as Key);
        }
        if let Value::List(micros) = &op.value {
            for m in micros {
                if let Value::List(p) = m {
                    if let (Some(Value::Keyword(_)), Some(k)) =
                        (p.first(), p.get(1).and_then(Value::as_int))
                    {
                        keys.insert(k as Key);
                    }
                }
            }
        }
    }
    keys
}
