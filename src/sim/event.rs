//! The events the engine schedules, and the statistics and outcome of a run.

use crate::des::ids::{FaultId, NodeId, RequestId};
use crate::des::time::Nanos;
use crate::history::History;
use crate::ops::Store;
use crate::protocol::{ClientRequest, Observation, Protocol};
use crate::scenario::Target;
use crate::workload::{OpStats, Outcome};

/// One scheduled event. Node-bound events of a paused node wait in its backlog.
///
/// The queue stores every pending event in a slab, so the enum's size is the slab's stride:
/// the rare, large client payloads are boxed to keep it at 40 bytes plus the protocol's
/// message (on PHOLD the slab of 1,024 events shrinks from 64 KB to 40 KB).
pub(crate) enum Event<P: Protocol> {
    /// Boot node `node` for the first time.
    Boot { node: NodeId },
    /// Message `id` (see `sim::messages`) arrives.
    Deliver {
        to: NodeId,
        from: NodeId,
        id: u64,
        msg: P::Msg,
    },
    /// A timer fires if still armed with `generation` in life `incarnation`.
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: P::Timer,
        generation: u64,
    },
    /// A durable write completes (`applied` once the image took it, while the node was paused).
    Persisted {
        node: NodeId,
        incarnation: u32,
        token: u64,
        applied: bool,
    },
    /// A client request arrives at a node.
    Request {
        node: NodeId,
        client: u32,
        request: Box<ClientRequest>,
    },
    /// `node` finishes serving the client request at the head of its queue (life
    /// `incarnation`; with `[cluster] service_time`).
    Serve { node: NodeId, incarnation: u32 },
    /// A response arrives back at a client.
    Response {
        client: u32,
        node: NodeId,
        seq: u64,
        outcome: Box<Outcome>,
        /// A session token the reply hands the client (0: none).
        token: u64,
    },
    /// A client's request times out.
    ClientTimeout { client: u32, seq: u64 },
    /// A client resends an unanswered request (if `attempt` is still its latest send).
    ClientRetry { client: u32, seq: u64, attempt: u32 },
    /// A client starts its next operation.
    ClientStart { client: u32 },
    /// Scripted fault number `index` fires.
    Fault { index: u32 },
    /// Restart `node` if it is still down in life `incarnation` (`source` fired the crash).
    Restart {
        node: NodeId,
        incarnation: u32,
        source: &'static str,
    },
    /// End pause `pause_id` of `node` (`source` fired the pause).
    Resume {
        node: NodeId,
        pause_id: u64,
        source: &'static str,
    },
    /// Restore the links fault `fault` degraded.
    RestoreLink { fault: FaultId },
    /// Scripted fault number `index`, which made its cuts or drift change under `fault`,
    /// ends (its `duration` is over).
    EndFault { fault: FaultId, index: u32 },
    /// The nemesis injects its next fault.
    NemesisFault,
    /// The nemesis undoes its fault (`fault`: the identity its cuts or drift changes were
    /// made under, if it made any).
    NemesisHeal { fault: Option<FaultId> },
    /// Repeating fault number `index` (a crash-restart loop, a flapping link) takes its next
    /// turn.
    Repeat { index: u32 },
    /// Workload time is over: clients stop, every fault heals.
    EndWorkload,
    /// Settle time is over: final reads start.
    FinalReads,
}

impl<P: Protocol> Event<P> {
    /// The node this event must wait for while paused, if any.
    #[inline]
    pub(crate) fn node_bound(&self) -> Option<NodeId> {
        match self {
            Event::Deliver { to, .. } => Some(*to),
            Event::Timer { node, .. }
            | Event::Persisted { node, .. }
            | Event::Request { node, .. }
            | Event::Serve { node, .. } => Some(*node),
            _ => None,
        }
    }
}

/// One repeating fault in progress.
pub(crate) struct Repeat {
    /// What repeats.
    pub(crate) kind: RepeatKind,
    /// When it stops (no turn starts at or after this time).
    pub(crate) until: Nanos,
    /// Who injected it: `script` or `nemesis`.
    pub(crate) source: &'static str,
    /// Drawn from the nemesis's stream (else the script's).
    pub(crate) nemesis: bool,
}

/// The two repeating faults.
pub(crate) enum RepeatKind {
    /// Crash `target` (resolved afresh each time) for a downtime, then leave it up for an
    /// uptime, again and again.
    CrashLoop {
        target: Target,
        downtime: (Nanos, Nanos),
        uptime: (Nanos, Nanos),
    },
    /// Cut the links between `a` and `b` (both ways) and mend them, each stretch drawn from
    /// `period`; `cut` is the cut in force, if the links are down now.
    Flap {
        a: Vec<NodeId>,
        b: Vec<NodeId>,
        period: (Nanos, Nanos),
        cut: Option<FaultId>,
    },
}

/// Message accounting and the engine's self-check counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Messages handed to the network by protocols.
    pub sent: u64,
    /// Extra copies the network made.
    pub duplicated: u64,
    /// Messages delivered to a running node.
    pub delivered: u64,
    /// Dropped by random loss.
    pub dropped_loss: u64,
    /// Dropped because the link was cut (at send or arrival).
    pub dropped_cut: u64,
    /// Dropped because the destination was down at arrival (or crashed while paused).
    pub dropped_crashed: u64,
    /// Still in flight (or waiting at a paused node) when the run ended.
    pub in_flight: u64,
    /// Handler calls the audit found on a node that was not up (must be 0).
    pub audit_down_deliveries: u64,
    /// Clock readings that went backwards without a jump (must be 0).
    pub audit_clock_regressions: u64,
    /// Clock jumps applied.
    pub clock_jumps: u64,
    /// Client requests and replies lost because a partition cut the client off.
    pub client_unreachable: u64,
    /// Client requests served under the capacity model (`[cluster] service_time`).
    pub served: u64,
    /// Of those, the ones whose client had stopped waiting for that send: wasted work.
    pub served_stale: u64,
    /// Client requests turned away by a full queue (`[cluster] queue_limit`).
    pub overloaded: u64,
    /// Timers that fired.
    pub timers_fired: u64,
    /// Durable writes completed.
    pub writes_completed: u64,
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The scenario ran to its end (or final reads finished).
    Completed,
    /// `stop_after_deliveries` was reached (a planned stop).
    DeliveryTarget,
    /// Nothing left to do.
    Quiescent,
    /// `max_events` was reached: a limit, so checks cannot be trusted.
    EventLimit,
    /// `max_in_flight` was exceeded: a limit.
    BacklogLimit,
    /// The run's estimated memory passed `[limits] memory`: a limit.
    MemoryLimit,
    /// Protocol code panicked; the run stopped there (see [`RunOutput::panic`]).
    ProtocolPanic,
}

impl StopReason {
    /// True when the run hit a bound rather than finishing (verdict must be `unknown`).
    pub fn is_limit(self) -> bool {
        matches!(
            self,
            StopReason::EventLimit | StopReason::BacklogLimit | StopReason::MemoryLimit
        )
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::Completed => "completed",
            StopReason::DeliveryTarget => "delivery target reached",
            StopReason::Quiescent => "quiescent",
            StopReason::EventLimit => "event limit reached",
            StopReason::BacklogLimit => "in-flight limit reached",
            StopReason::MemoryLimit => "memory limit reached",
            StopReason::ProtocolPanic => "protocol panicked",
        }
    }
}

/// What was true of a node when a failure detector suspected it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SuspectTruth {
    /// It had crashed (a true suspicion), at `since`.
    Crashed {
        /// When it crashed (global time).
        since: Nanos,
    },
    /// It was paused since `since`: alive but silent (false in the crash-stop model).
    Paused {
        /// When the pause began (global time).
        since: Nanos,
    },
    /// It was up but a partition cut it off from the suspecting node (false).
    CutOff,
    /// It was up and reachable (a false suspicion: slow messages, a loss, a spike).
    Up,
}

/// One suspicion a failure detector raised during a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suspicion {
    /// When (global time).
    pub time: Nanos,
    /// The suspecting node.
    pub by: NodeId,
    /// The suspected node.
    pub of: NodeId,
    /// What was true of it then.
    pub truth: SuspectTruth,
}

/// A fault as it fired.
#[derive(Clone, Debug, PartialEq)]
pub struct FiredFault {
    /// Virtual time.
    pub time: Nanos,
    /// `script`, `nemesis` or `engine` (the end-of-workload heal).
    pub source: &'static str,
    /// What happened, with resolved targets.
    pub what: String,
    /// The same fault as a script says it (`[[faults]]` entries, all at `time`): targets
    /// resolved to the nodes it hit, and the end of a nemesis fault made explicit (a
    /// `duration`, a `restart_after`), so that a scenario with these entries instead of the
    /// nemesis does the same (`faultline shrink` builds its timeline from them). Empty when
    /// this record is the consequence of an earlier one (a restart after `restart_after`, a
    /// resume, a cut or drift change that ends, the start of a repeating fault, whose turns
    /// have records of their own) or the engine's end-of-workload heal.
    pub script: Vec<crate::scenario::Fault>,
}

/// Everything a run produced, before checking.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// The seed the run used.
    pub seed: u64,
    /// Hash over every processed event.
    pub trace_hash: u64,
    /// Events processed.
    pub events: u64,
    /// Virtual time at the end.
    pub end_time: Nanos,
    /// Why it stopped.
    pub stop: StopReason,
    /// Message accounting and self-check counters.
    pub net: NetStats,
    /// Faults that fired, in order.
    pub faults: Vec<FiredFault>,
    /// The client history (empty without a workload).
    pub history: History,
    /// Outcome counts and latencies.
    pub ops: OpStats,
    /// Last successful final read per key (`None` = never read successfully).
    pub final_values: Vec<Option<Option<crate::ops::Datum>>>,
    /// Whether history ops carry keys.
    pub keyed: bool,
    /// Node names in member order.
    pub nodes: Vec<String>,
    /// Running digest after each event, when asked for (determinism comparison).
    pub digests: Option<Vec<u64>>,
    /// Every stretch of time the network was partitioned, in order.
    pub partitions: Vec<PartitionWindow>,
    /// Every suspicion the protocol's failure detectors raised ([`crate::protocol::Context::suspect`]),
    /// in order, with what was true of the suspected node.
    pub suspicions: Vec<Suspicion>,
    /// Every node at the end, in member order (empty when the run stopped on a panic).
    pub finals: Vec<NodeFinal>,
    /// The panic that stopped the run, if protocol code panicked.
    pub panic: Option<ProtocolPanic>,
    /// Under swarm testing (`[nemesis] swarm = true`), the configuration this seed drew, in
    /// words (the nemesis's kinds with their rates, pacing and overlap; the protocol's knobs).
    pub swarm: Option<String>,
}

/// A panic in protocol code (a handler, `observe()` or `log_entry()`), and where it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolPanic {
    /// The protocol's name.
    pub protocol: &'static str,
    /// The node whose protocol code panicked.
    pub node: String,
    /// The step: the number of trace events processed before it.
    pub step: u64,
    /// Virtual time.
    pub time: Nanos,
    /// What was running: `on_message`, `on_timer`, `observe`, ….
    pub during: &'static str,
    /// The panic message, and where it was raised when known.
    pub message: String,
}

/// A stretch of time during which the network was cut into the same sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionWindow {
    /// When the cut began.
    pub start: Nanos,
    /// When it changed or healed (the run's end if it never did).
    pub end: Nanos,
    /// Groups of nodes that could all reach each other, ordered by their smallest node.
    pub sides: Vec<Vec<NodeId>>,
}

/// Whether a node was running at the end of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeState {
    /// Up.
    Up,
    /// Paused (its protocol state is intact).
    Paused,
    /// Crashed (no protocol state).
    Crashed,
}

/// One node at the end of a run: the facts checkers derive durability and convergence from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeFinal {
    /// The node's name.
    pub name: String,
    /// Up, paused or crashed.
    pub state: NodeState,
    /// Its last observation (`None` when crashed).
    pub observation: Option<Observation>,
    /// For protocols with a log: the client requests of its committed entries, in log order.
    pub committed: Option<Vec<RequestId>>,
    /// Its applied state ([`Protocol::replica_state`]), copied once when the run ended:
    /// `None` when crashed or when the protocol exposes no state.
    pub replica: Option<Store>,
    /// [`Store::digest`] of `replica`. The digest lives here rather than in
    /// [`Observation`], which the invariant monitor and fault targets read after every
    /// step: a digest costs a pass over the whole state, so it is computed once, at the end.
    pub state_digest: Option<u64>,
    /// Partial replication ([`Protocol::replicates_key`]): the keys this node replicates among
    /// those the run touched (the workload's keys and every key a replica holds); `None`
    /// when it replicates all of them (or is crashed).
    pub replicates: Option<std::collections::BTreeSet<crate::ops::Key>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::phold::Phold;

    #[test]
    fn an_event_with_a_small_message_stays_small() {
        // The queue's slab strides by this size: boxing the client payloads keeps the
        // engine's own variants to 40 bytes (PHOLD's 4-byte message adds nothing).
        assert!(std::mem::size_of::<Event<Phold>>() <= 40);
    }
}
