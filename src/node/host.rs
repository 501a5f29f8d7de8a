//! The host of one protocol instance: up, crashed or paused; its local clock; its named
//! timers (lazily cancelled by generation); its durable storage with writes in progress; and
//! the events that wait while it is paused.

use super::clock::LocalClock;
use crate::des::rng::Stream;
use crate::des::time::Nanos;
use crate::protocol::Protocol;
use std::collections::VecDeque;

/// Whether a node is running.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Running.
    Up,
    /// Crashed: no protocol value, no timers; messages to it are dropped on arrival.
    Crashed,
    /// Frozen: events for it wait in its backlog until it resumes.
    Paused,
}

/// One node of the simulated cluster.
///
/// Laid out in declaration order (`repr(C)`) so that what every delivery reads (status,
/// incarnation, clock, last reading, persist tokens) shares the first cache line, ahead of the
/// random stream's 256-byte buffer: left to the compiler, the status byte landed after the
/// buffer, one more line per delivery.
#[repr(C)]
pub struct NodeHost<P: Protocol, E> {
    /// Running state.
    pub status: Status,
    /// Bumped at every crash; events of an earlier life are skipped when popped.
    pub incarnation: u32,
    /// The node's local clock.
    pub clock: LocalClock,
    /// Last clock reading given to the protocol, for the monotonicity self-check.
    pub last_reading: Nanos,
    /// Persist tokens handed out (never reused, across restarts too).
    pub next_token: u64,
    /// The protocol instance while up or paused.
    pub protocol: Option<P>,
    /// The node's name from the scenario.
    pub name: String,
    /// The node's own random stream (survives restarts: it models the host, not the process).
    pub rng: Stream,
    /// Pending named timers with the generation their event must carry.
    timers: Vec<(P::Timer, u64)>,
    next_generation: u64,
    /// The durable image: every write that has completed.
    pub durable: P::Durable,
    /// Writes in progress, in completion order, with their tokens.
    pub in_progress: VecDeque<(u64, P::Write)>,
    /// When the last write issued will complete (writes complete in order).
    pub last_write_done: Nanos,
    /// Events that arrived while paused, in arrival order.
    pub backlog: Vec<E>,
    /// Identifies the current pause, so a stale resume does nothing.
    pub pause_id: u64,
    /// When (global time) the node last crashed or paused.
    pub down_since: Nanos,
    /// Client requests in service and waiting (with `[cluster] service_time`).
    pub service: super::ServiceQueue,
    /// Crashed for good (a `permanent` crash): nothing restarts it.
    pub gone: bool,
}

impl<P: Protocol, E> NodeHost<P, E> {
    /// A node that has not started yet.
    pub fn new(name: String, clock: LocalClock, rng: Stream) -> Self {
        NodeHost {
            name,
            status: Status::Up,
            incarnation: 0,
            protocol: None,
            clock,
            rng,
            timers: Vec::new(),
            next_generation: 0,
            durable: P::Durable::default(),
            in_progress: VecDeque::new(),
            last_write_done: 0,
            next_token: 0,
            down_since: 0,
            gone: false,
            backlog: Vec::new(),
            pause_id: 0,
            last_reading: 0,
            service: Default::default(),
        }
    }

    /// Arms `timer`, replacing a pending one; returns the generation its event must carry.
    pub fn arm_timer(&mut self, timer: P::Timer) -> u64 {
        self.next_generation += 1;
        let g = self.next_generation;
        match self.timers.iter_mut().find(|(t, _)| *t == timer) {
            Some(slot) => slot.1 = g,
            None => self.timers.push((timer, g)),
        }
        g
    }

    /// Disarms `timer`.
    pub fn disarm_timer(&mut self, timer: P::Timer) {
        self.timers.retain(|(t, _)| *t != timer);
    }

    /// If `timer` is pending with `generation`, disarms it and returns true (it fires).
    pub fn take_timer(&mut self, timer: P::Timer, generation: u64) -> bool {
        match self
            .timers
            .iter()
            .position(|(t, g)| *t == timer && *g == generation)
        {
            Some(i) => {
                self.timers.swap_remove(i);
                true
            }
            None => false,
        }
    }

    /// Crashes the node: drops the protocol, timers, writes in progress and the backlog.
    /// Returns how many backlogged events were dropped.
    pub fn crash(&mut self) -> usize {
        self.status = Status::Crashed;
        self.incarnation += 1;
        self.protocol = None;
        self.timers.clear();
        self.in_progress.clear();
        let dropped = self.backlog.len() + self.service.clear();
        self.backlog.clear();
        dropped
    }

    /// Applies the oldest write in progress if it is `token`; returns whether it was.
    pub fn complete_write(&mut self, token: u64) -> bool {
        match self.in_progress.front() {
            Some((t, _)) if *t == token => {
                let (_, w) = self.in_progress.pop_front().expect("front exists");
                P::apply_write(&mut self.durable, w);
                true
            }
            _ => false,
        }
    }
}
