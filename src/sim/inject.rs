//! Control events: booting, clients, scripted faults, the nemesis, and the end-of-workload
//! heal. Faults are resolved against `observe()` at the instant they fire.

use super::engine::Sim;
use super::event::{Event, FiredFault};
use super::messages::DropReason;
use super::observer::Observer;
use super::script;
use crate::des::ids::{FaultId, NodeId};
use crate::faults;
use crate::node::Status;
use crate::protocol::{Observation, Protocol};
use crate::scenario::{describe, FaultKind, Target};
use crate::workload::Next;

impl<P: Protocol, O: Observer> Sim<'_, '_, P, O> {
    /// Handles every event that is not a delivery, timer or storage completion.
    pub(crate) fn step_control(&mut self, event: Event<P>) {
        match event {
            Event::Boot { node } => {
                self.hash_event(4, u64::from(node.0), 0);
                self.end_event("boot", Some(node), |_| String::new());
                self.start_node(node, false);
            }
            Event::Request {
                node,
                client,
                request,
            } => self.request_arrives(node, client, request),
            Event::Serve { node, incarnation } => self.serve(node, incarnation),
            Event::Response {
                client,
                node,
                seq,
                outcome,
                token,
            } => {
                self.hash_client(6, node, client, seq);
                if self.client_cut_off(client, node, false) {
                    self.stats.client_unreachable += 1;
                    return;
                }
                let now = self.now;
                if let Some(c) = self.clients.as_mut() {
                    c.keep_token(client as usize, token);
                    let next = c.on_response(client as usize, seq, node, *outcome, now);
                    self.send_request(client, next);
                }
            }
            Event::ClientTimeout { client, seq } => {
                let now = self.now;
                let Some(c) = self.clients.as_mut() else {
                    return;
                };
                if !c.waiting_for(client as usize, seq) {
                    return;
                }
                let next = c.on_timeout(client as usize, seq, now);
                self.hash_client(7, NodeId(0), client, seq);
                self.send_request(client, next);
            }
            Event::ClientRetry {
                client,
                seq,
                attempt,
            } => {
                let Some(c) = self.clients.as_mut() else {
                    return;
                };
                let next = c.on_retry(client as usize, seq, attempt);
                if next == Next::Nothing {
                    return;
                }
                self.hash_client(17, NodeId(0), client, seq);
                self.send_request(client, next);
            }
            Event::ClientStart { client } => {
                let now = self.now;
                let Some(c) = self.clients.as_mut() else {
                    return;
                };
                let next = c.start_op(client as usize, now);
                self.hash_client(8, NodeId(0), client, 0);
                self.send_request(client, next);
            }
            Event::Fault { index } => {
                let fault = &self.scenario.faults[index as usize];
                let (kind, lasts) = (fault.kind.clone(), fault.lasts);
                self.hash_event(9, u64::from(index), 0);
                self.end_event("fault", None, |_| format!("scripted fault #{index}"));
                let id = self.inject_undoable(&kind, "script", false, lasts.is_some());
                if let (Some(d), Some(fault)) = (lasts, id) {
                    self.last_record_lasts(d);
                    self.queue
                        .push(self.now + d, Event::EndFault { fault, index });
                }
            }
            Event::EndFault { fault, index } => {
                self.hash_event(19, fault.0, u64::from(index));
                self.end_event("fault-end", None, |_| {
                    format!("scripted fault #{index} ends")
                });
                if self.links.cuts_mut().remove(fault) {
                    let kind = &self.scenario.faults[index as usize].kind;
                    let what = describe::fault(kind, &self.scenario.cluster.nodes);
                    self.record("script", format!("heal ({what} ends)"));
                }
                self.undo_drift(fault, "script");
            }
            Event::Restart {
                node,
                incarnation,
                source,
            } => {
                let host = &self.nodes[node.index()];
                if host.status == Status::Crashed && host.incarnation == incarnation {
                    self.restart(node, source);
                }
            }
            Event::Resume {
                node,
                pause_id,
                source,
            } => {
                if self.nodes[node.index()].pause_id == pause_id {
                    self.resume(node, source);
                }
            }
            Event::RestoreLink { fault } => {
                self.hash_event(12, fault.0, 0);
                let at = self.degraded.iter().position(|(id, ..)| *id == fault);
                let (source, what) = match at {
                    Some(i) => {
                        let (_, source, what) = self.degraded.swap_remove(i);
                        (source, what)
                    }
                    None => ("engine", String::new()),
                };
                self.end_event("restore-link", None, |_| what.clone());
                self.links.restore(fault);
                if !what.is_empty() {
                    self.record(source, format!("{what} ends"));
                }
            }
            Event::NemesisFault => {
                if !self.nemesis_on {
                    return;
                }
                let spec = self.scenario.nemesis.as_ref().expect("nemesis configured");
                let drawn =
                    faults::draw(spec, &mut self.nemesis_rng, &self.scenario.network.default);
                self.hash_event(10, 0, drawn.duration);
                self.end_event("nemesis", None, |_| String::new());
                let fault = self.inject(&drawn.kind, "nemesis", true);
                if let Some(id) = fault {
                    self.nemesis_cuts.push((id, self.nemesis_last.clone()));
                    // Its cuts or drift change end with the heal below: say so in the script.
                    self.last_record_lasts(drawn.duration);
                }
                self.queue
                    .push(self.now + drawn.duration, Event::NemesisHeal { fault });
                // Below the overlap bound, the next fault need not wait for this one's heal.
                self.nemesis_active += 1;
                if self.nemesis_active < spec_overlap(self) {
                    self.schedule_nemesis();
                }
            }
            Event::NemesisHeal { fault } => {
                if !self.nemesis_on {
                    return;
                }
                self.hash_event(11, 0, 0);
                self.end_event("nemesis-heal", None, |_| String::new());
                // Undo the nemesis's own cuts and drift changes only: never a partition the
                // script made.
                if let Some(id) = fault {
                    let at = self.nemesis_cuts.iter().position(|(c, _)| *c == id);
                    let what = at.map(|i| self.nemesis_cuts.swap_remove(i).1);
                    if self.links.cuts_mut().remove(id) {
                        let what = format!("heal ({} ends)", what.unwrap_or_default());
                        self.record("nemesis", what);
                    }
                    self.undo_drift(id, "nemesis");
                }
                // At the overlap bound no next fault was scheduled: this heal makes room.
                self.nemesis_active = self.nemesis_active.saturating_sub(1);
                if self.nemesis_active + 1 == spec_overlap(self) {
                    self.schedule_nemesis();
                }
            }
            Event::Repeat { index } => self.repeat_turn(index),
            Event::EndWorkload => self.end_workload(),
            Event::FinalReads => {
                self.hash_event(14, 0, 0);
                self.end_event("final-reads", None, |_| String::new());
                self.finals_started = true;
                let seed = self.seed;
                if let Some(c) = self.clients.as_mut() {
                    for id in c.add_final_readers(seed) {
                        self.queue
                            .push(self.now, Event::ClientStart { client: id as u32 });
                    }
                }
            }
            Event::Deliver { .. } | Event::Timer { .. } | Event::Persisted { .. } => {
                unreachable!("handled by step")
            }
        }
    }

    pub(super) fn record(&mut self, source: &'static str, what: String) {
        self.commentary("fault", None, format!("{source}: {what}"));
        self.faults.push(FiredFault {
            time: self.now,
            source,
            what,
            script: Vec::new(),
        });
        self.note_partition();
    }

    /// Records fault `kind` as it fired, in the one description `explain` also uses, with
    /// each symbolic target followed by whom it hit (`isolate n2 (the leader)`).
    pub(super) fn record_fault(
        &mut self,
        kind: &FaultKind,
        hit: &[&[NodeId]],
        source: &'static str,
    ) {
        let names = &self.scenario.cluster.nodes;
        let words = |slot: usize, t: &Target| match t {
            Target::Node(n) => names[n.index()].clone(),
            symbolic => {
                let nodes = hit.get(slot).copied().unwrap_or_default();
                format!(
                    "{} ({})",
                    self.names(nodes),
                    describe::target(symbolic, names)
                )
            }
        };
        let what = describe::fault_with(kind, names, &words);
        if source == "nemesis" {
            self.nemesis_last.clone_from(&what);
        }
        self.record(source, what);
        let script = script::scripted(kind, hit, self.now);
        if let Some(f) = self.faults.last_mut() {
            f.script = script;
        }
    }

    /// The scripted faults of the last record last `d` (their cuts are removed, or their
    /// drift goes back, after it).
    pub(super) fn last_record_lasts(&mut self, d: crate::des::time::Nanos) {
        if let Some(f) = self.faults.last_mut() {
            for s in &mut f.script {
                s.lasts = Some(d);
            }
        }
    }

    fn observations(&mut self) -> Vec<Option<Observation>> {
        (0..self.nodes.len())
            .map(|i| {
                if self.nodes[i].status == Status::Up {
                    self.observe(NodeId(i as u32))
                } else {
                    None
                }
            })
            .collect()
    }

    pub(super) fn resolve(&mut self, target: &Target, from_nemesis: bool) -> Vec<NodeId> {
        let observed = self.observations();
        let rng = if from_nemesis {
            &mut self.nemesis_rng
        } else {
            &mut self.fault_rng
        };
        faults::resolve(target, &observed, rng)
    }

    pub(super) fn names(&self, nodes: &[NodeId]) -> String {
        if nodes.is_empty() {
            return "nobody".into();
        }
        nodes
            .iter()
            .map(|n| self.nodes[n.index()].name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A new fault identity.
    pub(super) fn next_fault_id(&mut self) -> FaultId {
        self.fault_ids += 1;
        FaultId(self.fault_ids)
    }

    /// Carries out one fault now. Returns the identity under which it cut links (or, for the
    /// nemesis, changed drift), if it did, so that whoever injected it can undo exactly that.
    pub(super) fn inject(
        &mut self,
        kind: &FaultKind,
        source: &'static str,
        nemesis: bool,
    ) -> Option<FaultId> {
        self.inject_undoable(kind, source, nemesis, nemesis)
    }

    /// [`Self::inject`], where `undoable` says whether a drift change will be undone (by the
    /// nemesis's heal or a scripted fault's `duration`): then it is remembered, put back at
    /// the end of the workload, and its identity returned.
    pub(super) fn inject_undoable(
        &mut self,
        kind: &FaultKind,
        source: &'static str,
        nemesis: bool,
        undoable: bool,
    ) -> Option<FaultId> {
        let id = self.next_fault_id();
        match kind {
            FaultKind::Partition(groups) => {
                self.links.cuts_mut().partition(id, groups);
                self.record_fault(kind, &[], source);
                return Some(id);
            }
            FaultKind::Isolate(target) => {
                let side = self.resolve(target, nemesis);
                let cut = !side.is_empty();
                if cut {
                    self.links.cuts_mut().isolate(id, &side);
                }
                self.record_fault(kind, &[&side], source);
                return cut.then_some(id);
            }
            FaultKind::Block { from, to } => {
                let (a, b) = (self.resolve(from, nemesis), self.resolve(to, nemesis));
                self.links.cuts_mut().block(id, &a, &b);
                self.record_fault(kind, &[&a, &b], source);
                return Some(id);
            }
            FaultKind::Heal => {
                self.links.cuts_mut().clear();
                self.record_fault(kind, &[], source);
            }
            FaultKind::Crash {
                target,
                restart_after,
                permanent,
            } => {
                let hit: Vec<NodeId> = self
                    .resolve(target, nemesis)
                    .into_iter()
                    .filter(|n| self.nodes[n.index()].status != Status::Crashed)
                    .collect();
                for &node in &hit {
                    self.commentary("crash", Some(node), source.to_string());
                    let host = &mut self.nodes[node.index()];
                    let waiting: Vec<u64> = host
                        .backlog
                        .iter()
                        .filter_map(|e| match e {
                            Event::Deliver { id, .. } => Some(*id),
                            _ => None,
                        })
                        .collect();
                    let dropped = waiting.len() as u64;
                    self.stats.dropped_crashed += dropped;
                    self.in_flight -= dropped;
                    for id in waiting {
                        self.trace_drop(node, id, DropReason::Crashed);
                    }
                    let host = &mut self.nodes[node.index()];
                    host.crash();
                    host.gone = *permanent;
                    host.down_since = self.now;
                    self.observer.crashed(node);
                    let incarnation = host.incarnation;
                    if let Some(d) = restart_after {
                        self.queue.push(
                            self.now + d,
                            Event::Restart {
                                node,
                                incarnation,
                                source,
                            },
                        );
                    }
                }
                if !hit.is_empty() {
                    self.record_fault(kind, &[&hit], source);
                }
            }
            FaultKind::Restart(target) => {
                for node in self.resolve(target, nemesis) {
                    if self.nodes[node.index()].status == Status::Crashed {
                        let before = self.faults.len();
                        self.restart(node, source);
                        // Asked for (not a `restart_after`): a script says it again.
                        if self.faults.len() > before {
                            let again = FaultKind::Restart(Target::Node(node));
                            let f = self.faults.last_mut().expect("just recorded");
                            f.script = vec![script::at_time(again, self.now)];
                        }
                    }
                }
            }
            FaultKind::Pause { target, duration } => {
                let hit: Vec<NodeId> = self
                    .resolve(target, nemesis)
                    .into_iter()
                    .filter(|n| self.nodes[n.index()].status == Status::Up)
                    .collect();
                for &node in &hit {
                    self.commentary("pause", Some(node), source.to_string());
                    let host = &mut self.nodes[node.index()];
                    host.status = Status::Paused;
                    host.down_since = self.now;
                    host.pause_id += 1;
                    let pause_id = host.pause_id;
                    self.queue.push(
                        self.now + duration,
                        Event::Resume {
                            node,
                            pause_id,
                            source,
                        },
                    );
                }
                if !hit.is_empty() {
                    self.record_fault(kind, &[&hit], source);
                }
            }
            FaultKind::Clock {
                target,
                jump,
                drift_ppm,
            } => {
                let hit = self.resolve(target, nemesis);
                for &node in &hit {
                    let now = self.now;
                    let host = &mut self.nodes[node.index()];
                    host.clock.jump(now, *jump);
                    if let Some(d) = drift_ppm {
                        // The nemesis's drift changes last as long as the fault.
                        if undoable {
                            self.drift_undo.push((id, node, host.clock.drift_ppm()));
                        }
                        host.clock.set_drift(now, *d);
                    }
                    host.last_reading = host.clock.read(now);
                    self.stats.clock_jumps += 1;
                }
                self.record_fault(kind, &[&hit], source);
                if undoable && drift_ppm.is_some() {
                    return Some(id);
                }
            }
            FaultKind::CrashLoop { .. } | FaultKind::Flap { .. } => {
                self.start_repeat(kind, source, nemesis);
            }
            FaultKind::Link {
                from,
                to,
                spec,
                duration,
                one_way,
            } => {
                let (a, b) = (self.resolve(from, nemesis), self.resolve(to, nemesis));
                for &x in &a {
                    for &y in &b {
                        self.links.degrade(id, x, y, *spec);
                        if !*one_way {
                            self.links.degrade(id, y, x, *spec);
                        }
                    }
                }
                self.queue
                    .push(self.now + duration, Event::RestoreLink { fault: id });
                self.record_fault(kind, &[&a, &b], source);
                let what = self
                    .faults
                    .last()
                    .map(|f| f.what.clone())
                    .unwrap_or_default();
                self.degraded.push((id, source, what));
            }
        }
        None
    }

    /// Puts back the drift of every node the nemesis's fault `id` changed. When a later
    /// drift fault on the same node is still active, that one inherits the value to put back
    /// instead, so overlapping changes end with the drift from before all of them.
    fn undo_drift(&mut self, id: FaultId, source: &'static str) {
        let mut i = 0;
        while i < self.drift_undo.len() {
            if self.drift_undo[i].0 != id {
                i += 1;
                continue;
            }
            let (_, node, ppm) = self.drift_undo.remove(i);
            if let Some(later) = self.drift_undo[i..].iter_mut().find(|u| u.1 == node) {
                later.2 = ppm;
                continue;
            }
            self.set_drift_back(node, ppm, source);
        }
    }

    /// Sets `node`'s drift back to `ppm` and says so.
    fn set_drift_back(&mut self, node: NodeId, ppm: i64, source: &'static str) {
        let now = self.now;
        let host = &mut self.nodes[node.index()];
        host.clock.set_drift(now, ppm);
        let what = format!("clock of {}: drift back to {ppm} ppm", host.name);
        self.record(source, what);
    }

    fn restart(&mut self, node: NodeId, source: &'static str) {
        if self.nodes[node.index()].gone {
            return; // crashed for good: nothing restarts it
        }
        self.hash_event(13, u64::from(node.0), 0);
        self.end_event("restart", Some(node), |_| String::new());
        self.record_fault(&FaultKind::Restart(Target::Node(node)), &[], source);
        self.start_node(node, true);
    }

    fn resume(&mut self, node: NodeId, source: &'static str) {
        let host = &mut self.nodes[node.index()];
        if host.status != Status::Paused {
            return;
        }
        host.status = Status::Up;
        let backlog = std::mem::take(&mut host.backlog);
        let what = format!("resume {} ({} waiting events)", host.name, backlog.len());
        self.hash_event(15, u64::from(node.0), backlog.len() as u64);
        self.end_event("resume", Some(node), |_| String::new());
        self.record(source, what);
        for e in backlog {
            self.queue.push(self.now, e);
        }
    }

    /// Workload time is over: stop clients, heal the network, restore links, resume paused
    /// nodes and restart crashed ones, so `settle` can show convergence.
    fn end_workload(&mut self) {
        self.hash_event(16, 0, 0);
        self.end_event("end-workload", None, |_| String::new());
        self.nemesis_on = false;
        if let Some(c) = self.clients.as_mut() {
            c.stopped = true;
        }
        self.links.restore_all();
        self.degraded.clear();
        self.record(
            "engine",
            "end of workload: heal network, resume and restart nodes".into(),
        );
        // Drift the nemesis changed goes back to what it was before its first change.
        let undo = std::mem::take(&mut self.drift_undo);
        for (i, &(_, node, ppm)) in undo.iter().enumerate() {
            if !undo[..i].iter().any(|u| u.1 == node) {
                self.set_drift_back(node, ppm, "engine");
            }
        }
        for i in 0..self.nodes.len() {
            let node = NodeId(i as u32);
            match self.nodes[i].status {
                Status::Paused => self.resume(node, "engine"),
                Status::Crashed => self.restart(node, "engine"),
                Status::Up => {}
            }
        }
    }

    /// Schedules the nemesis's next fault after a quiet gap, if it falls within the workload.
    fn schedule_nemesis(&mut self) {
        let spec = self.scenario.nemesis.as_ref().expect("nemesis configured");
        let at = self.now + faults::next_gap(spec, &mut self.nemesis_rng);
        if at < self.scenario.duration {
            self.queue.push(at, Event::NemesisFault);
        }
    }
}

/// `[nemesis] overlap` of the running scenario.
fn spec_overlap<P: Protocol, O: Observer>(sim: &Sim<'_, '_, P, O>) -> u32 {
    sim.scenario.nemesis.as_ref().map_or(1, |n| n.overlap)
}
