//! Repeating faults: a crash-restart loop and a flapping link (their state, [`Repeat`], lives
//! beside the events in `event.rs`). Each is started by
//! [`Sim::inject`] and then takes its turns as [`Event::Repeat`] events until its duration
//! ends, drawing each stretch from the stream of whoever injected it (the script's `faults`
//! stream or the nemesis's), so it replays exactly.

use super::engine::Sim;
use super::event::{Event, Repeat, RepeatKind};
use super::observer::Observer;
use super::script;
use crate::des::time::Nanos;
use crate::protocol::Protocol;
use crate::scenario::{describe, FaultKind, Target};

impl<P: Protocol, O: Observer> Sim<'_, '_, P, O> {
    /// Starts repeating fault `kind` now (a [`FaultKind::CrashLoop`] or [`FaultKind::Flap`]).
    pub(super) fn start_repeat(&mut self, kind: &FaultKind, source: &'static str, nemesis: bool) {
        let (repeat, duration) = match kind {
            FaultKind::CrashLoop {
                target,
                duration,
                downtime,
                uptime,
            } => {
                // Each crash names whom it hit; the loop itself is stated as written.
                let what = describe::fault(kind, &self.scenario.cluster.nodes);
                self.record(source, what);
                let kind = RepeatKind::CrashLoop {
                    target: *target,
                    downtime: *downtime,
                    uptime: *uptime,
                };
                (kind, *duration)
            }
            FaultKind::Flap {
                from,
                to,
                duration,
                period,
            } => {
                let a = self.resolve(from, nemesis);
                let mut b = self.resolve(to, nemesis);
                b.retain(|x| !a.contains(x));
                self.record_fault(kind, &[&a, &b], source);
                if a.is_empty() || b.is_empty() {
                    return; // nobody on one end: nothing to flap
                }
                let kind = RepeatKind::Flap {
                    a,
                    b,
                    period: *period,
                    cut: None,
                };
                (kind, *duration)
            }
            _ => unreachable!("not a repeating fault"),
        };
        let index = self.repeats.len() as u32;
        self.repeats.push(Repeat {
            kind: repeat,
            until: self.now + duration,
            source,
            nemesis,
        });
        self.queue.push(self.now, Event::Repeat { index });
    }

    /// Repeating fault `index` takes its next turn.
    pub(super) fn repeat_turn(&mut self, index: u32) {
        self.hash_event(18, u64::from(index), 0);
        self.end_event("repeat", None, |_| format!("repeating fault #{index}"));
        let r = &self.repeats[index as usize];
        let (source, nemesis, until) = (r.source, r.nemesis, r.until);
        // Nothing repeats past its end or past the workload (the end-of-workload heal has
        // mended and restarted everything by then).
        let over = self.now >= until || self.now >= self.scenario.duration;
        match &mut self.repeats[index as usize].kind {
            RepeatKind::CrashLoop {
                target,
                downtime,
                uptime,
            } => {
                if over {
                    return;
                }
                let (target, downtime, uptime) = (*target, *downtime, *uptime);
                let down = self.draw_between(downtime, nemesis);
                let up = self.draw_between(uptime, nemesis);
                let crash = FaultKind::Crash {
                    target,
                    restart_after: Some(down),
                    permanent: false,
                };
                self.inject(&crash, source, nemesis);
                self.queue
                    .push(self.now + down + up, Event::Repeat { index });
            }
            RepeatKind::Flap { cut, period, .. } => {
                let period = *period;
                if self.now >= self.scenario.duration {
                    *cut = None; // the end-of-workload heal mended it
                    return;
                }
                if let Some(id) = cut.take() {
                    // Up again: mend this stretch's cut.
                    self.links.cuts_mut().remove(id);
                    let what = self.flap_words(index, "up");
                    self.record(source, what);
                    let next = self.now + self.draw_between(period, nemesis);
                    if next < until && next < self.scenario.duration {
                        self.queue.push(next, Event::Repeat { index });
                    }
                    return;
                }
                if over {
                    return;
                }
                let id = self.next_fault_id();
                let RepeatKind::Flap { a, b, cut, .. } = &mut self.repeats[index as usize].kind
                else {
                    unreachable!()
                };
                *cut = Some(id);
                let (a, b) = (a.clone(), b.clone());
                self.links.cuts_mut().block(id, &a, &b);
                self.links.cuts_mut().block(id, &b, &a);
                let what = self.flap_words(index, "down");
                self.record(source, what);
                let back = (self.now + self.draw_between(period, nemesis)).min(until);
                self.queue.push(back, Event::Repeat { index });
                // A script says this stretch again as blocks both ways that last until `back`.
                let (ab, ba) = (
                    FaultKind::Block {
                        from: Target::All,
                        to: Target::All,
                    },
                    FaultKind::Block {
                        from: Target::All,
                        to: Target::All,
                    },
                );
                let mut blocks = script::scripted(&ab, &[&a, &b], self.now);
                blocks.extend(script::scripted(&ba, &[&b, &a], self.now));
                for f in &mut blocks {
                    f.lasts = Some(back - self.now);
                }
                if let Some(f) = self.faults.last_mut() {
                    f.script = blocks;
                }
            }
        }
    }

    /// A draw in `[lo, hi]` from the stream of whoever injected the fault.
    fn draw_between(&mut self, (lo, hi): (Nanos, Nanos), nemesis: bool) -> Nanos {
        let rng = if nemesis {
            &mut self.nemesis_rng
        } else {
            &mut self.fault_rng
        };
        rng.between(lo, hi)
    }

    /// `flap n1 <-> n3: down` for flapping fault `index`.
    fn flap_words(&self, index: u32, state: &str) -> String {
        let RepeatKind::Flap { a, b, .. } = &self.repeats[index as usize].kind else {
            unreachable!("a flap")
        };
        format!("flap {} <-> {}: {state}", self.names(a), self.names(b))
    }
}
