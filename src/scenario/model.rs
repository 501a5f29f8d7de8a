//! The validated scenario: what the engine runs. Built only by the parser in this module's
//! parent, which has already checked every range, name and reference, so the engine can
//! trust it without re-checking.

use crate::des::ids::NodeId;
use crate::des::rng::Probability;
use crate::des::time::{Nanos, MILLIS};
pub use crate::workload::spec::{KeyDist, Pace, Targets, Workload};

/// A fully validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short name (defaults to the file stem).
    pub name: String,
    /// Teaching text shown by `faultline explain`.
    pub description: String,
    /// The file it came from, as given on the command line (for replay commands).
    pub path: String,
    /// Default seed when the command line gives none.
    pub seed: u64,
    /// Workload time: clients issue operations and faults fire in `[0, duration)`.
    pub duration: Nanos,
    /// Quiet time after `duration`: faults healed, clients stopped, before final reads.
    pub settle: Nanos,
    /// What a correct simulator shows for this scenario.
    pub expect: Expect,
    /// The cluster: protocol, members, parameters.
    pub cluster: Cluster,
    /// Network behaviour.
    pub network: Network,
    /// Local clocks.
    pub clocks: Clocks,
    /// Durable storage.
    pub storage: Storage,
    /// Clients; `None` when the scenario has no `[workload]` (e.g. PHOLD).
    pub workload: Option<Workload>,
    /// Scripted faults, sorted by time.
    pub faults: Vec<Fault>,
    /// Seeded random faults.
    pub nemesis: Option<Nemesis>,
    /// `[check]` as written (see [`CheckSpec`]).
    pub check: CheckSpec,
    /// Bounds on the run.
    pub limits: Limits,
}

/// The verdict a scenario expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Every check passes.
    Pass,
    /// Some check fails (the scenario demonstrates an anomaly).
    Fail,
}

/// `[cluster]`.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Registered protocol name.
    pub protocol: String,
    /// Node names in member order; `NodeId(i)` is `nodes[i]`.
    pub nodes: Vec<String>,
    /// `[cluster.params]`, already checked to deserialize into the protocol's parameters.
    pub params: toml::Table,
    /// How nodes serve client requests (`service_time`, `queue_limit`); `None`: at once,
    /// without limit.
    pub service: Option<Service>,
}

/// The capacity model of `[cluster]`: each node serves client requests one at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// How long one client request occupies a node.
    pub time: Nanos,
    /// Requests that may wait behind the one in service; more are turned away (`None`: no
    /// bound).
    pub queue_limit: Option<u32>,
}

/// A per-message delay distribution. All parameters in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Latency {
    /// Always `0`.
    Constant(Nanos),
    /// Uniform integer in `[min, max]`.
    Uniform {
        /// Smallest delay.
        min: Nanos,
        /// Largest delay.
        max: Nanos,
    },
    /// Normal, truncated at zero (negative draws become 0).
    Normal {
        /// Mean.
        mean: Nanos,
        /// Standard deviation.
        stddev: Nanos,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean.
        mean: Nanos,
    },
    /// Pareto with scale `scale` (the minimum) and shape `shape` (> 0), capped at `cap`.
    Pareto {
        /// Minimum delay.
        scale: Nanos,
        /// Tail index alpha.
        shape: f64,
        /// Largest delay (keeps heavy tails bounded).
        cap: Nanos,
    },
}

/// Loss, duplication, reordering and delay of one directed link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinkSpec {
    /// Delay distribution.
    pub latency: Latency,
    /// Probability a message is dropped.
    pub loss: Probability,
    /// Probability a message is delivered twice (the copy has its own delay).
    pub duplicate: Probability,
    /// Probability a message is held back by an extra `reorder_delay`, so later ones overtake it.
    pub reorder: Probability,
    /// Extra delay for reordered messages.
    pub reorder_delay: Nanos,
}

/// A per-link, per-direction override from `[[network.links]]`.
#[derive(Clone, Debug)]
pub struct LinkOverride {
    /// Source node.
    pub from: NodeId,
    /// Destination node.
    pub to: NodeId,
    /// The link's full behaviour (defaults filled in from `[network]`).
    pub spec: LinkSpec,
}

/// `[network]`.
#[derive(Clone, Debug)]
pub struct Network {
    /// Behaviour of every node-to-node link unless overridden.
    pub default: LinkSpec,
    /// Directed overrides.
    pub links: Vec<LinkOverride>,
    /// Delay between clients and nodes (clients sit next to the node they talk to; client
    /// links are never lost or partitioned).
    pub client_latency: Latency,
}

/// `[clocks]`.
#[derive(Clone, Debug)]
pub struct Clocks {
    /// Each node's drift is drawn uniformly from `[-max_drift_ppm, +max_drift_ppm]`.
    pub max_drift_ppm: u32,
    /// Each node's initial offset is drawn uniformly from `[0, max_offset]`.
    pub max_offset: Nanos,
    /// Per-node fixed values that replace the draws.
    pub overrides: Vec<ClockOverride>,
}

/// `[[clocks.nodes]]`: fixed drift and/or offset for one node.
#[derive(Clone, Debug)]
pub struct ClockOverride {
    /// The node.
    pub node: NodeId,
    /// Drift in parts per million (positive runs fast).
    pub drift_ppm: Option<i64>,
    /// Initial offset.
    pub offset: Option<Nanos>,
}

/// `[storage]`.
#[derive(Clone, Debug)]
pub struct Storage {
    /// Time for a durable write to complete.
    pub write_latency: Latency,
}

/// Who a fault hits, resolved when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A node by name.
    Node(NodeId),
    /// The current leader per `observe()` (highest term wins; nothing if there is none).
    Leader,
    /// A node chosen by the nemesis stream.
    Random,
    /// A random minority: `(n - 1) / 2` nodes.
    Minority,
    /// A random majority: `n / 2 + 1` nodes.
    Majority,
    /// Every node (a crash of `all` is a power failure of the whole cluster).
    All,
    /// The leader and enough random followers to make a minority (`(n - 1) / 2` nodes in
    /// all): isolating it cuts an old leader off with some followers, the classic setting of
    /// stale reads and lost writes. Without a leader, a random minority.
    LeaderMinority,
}

/// One scripted fault.
#[derive(Clone, Debug, PartialEq)]
pub struct Fault {
    /// When it fires (virtual time from the start of the run).
    pub at: Nanos,
    /// What it does.
    pub kind: FaultKind,
    /// How long its effect lasts (`duration` on a `partition`, `isolate` or `block`, or on a
    /// `clock` fault that sets `drift_ppm`): then exactly this fault's cuts are removed, or
    /// the drift it set goes back, as the nemesis undoes its own faults. `None`: until a
    /// `heal` (cuts) or for good (drift); either way at most until the workload ends.
    pub lasts: Option<Nanos>,
    /// Line in the scenario file (for reports).
    pub line: usize,
}

/// What a fault does.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Split the cluster into groups; nodes not listed form one more group.
    Partition(Vec<Vec<NodeId>>),
    /// Cut the target(s) off from everyone else (both directions).
    Isolate(Target),
    /// Drop messages from `from` to `to` only.
    Block {
        /// Senders whose messages are dropped.
        from: Target,
        /// Receivers.
        to: Target,
    },
    /// Remove every partition, isolation and block.
    Heal,
    /// Crash the target; restart it after `restart_after` (if `None`, only when the workload
    /// ends, so that settle can show convergence).
    Crash {
        /// Who.
        target: Target,
        /// Delay before restart.
        restart_after: Option<Nanos>,
        /// The node never comes back: no `restart` fault and not the end of the workload
        /// restarts it (a machine lost with its disk). Never with `restart_after`.
        permanent: bool,
    },
    /// Restart a crashed node now.
    Restart(Target),
    /// Freeze the target for `duration`.
    Pause {
        /// Who.
        target: Target,
        /// How long.
        duration: Nanos,
    },
    /// Jump the target's clock and/or change its drift.
    Clock {
        /// Who.
        target: Target,
        /// Step added to the local clock (may be negative).
        jump: i64,
        /// New drift in ppm, if changed.
        drift_ppm: Option<i64>,
    },
    /// Crash the target and restart it again and again for `duration`: each life down for a
    /// time drawn from `downtime`, then up for one drawn from `uptime`. The target is resolved
    /// afresh at every crash (`leader` hits whoever leads then).
    CrashLoop {
        /// Who, at each crash.
        target: Target,
        /// How long the loop runs.
        duration: Nanos,
        /// Each downtime, drawn uniformly from this range.
        downtime: (Nanos, Nanos),
        /// Each uptime between crashes, drawn uniformly from this range.
        uptime: (Nanos, Nanos),
    },
    /// The links between `from` and `to` go down and up again and again for `duration`, each
    /// stretch (down or up) lasting a time drawn from `period`. Ends up.
    Flap {
        /// One end.
        from: Target,
        /// Other end.
        to: Target,
        /// How long the flapping lasts.
        duration: Nanos,
        /// Each down and up stretch, drawn uniformly from this range.
        period: (Nanos, Nanos),
    },
    /// Degrade the links between `from` and `to` for `duration` (both directions unless `one_way`).
    Link {
        /// One end.
        from: Target,
        /// Other end.
        to: Target,
        /// Replacement behaviour while degraded.
        spec: LinkSpec,
        /// How long (restored afterwards).
        duration: Nanos,
        /// Only `from → to`.
        one_way: bool,
    },
}

/// Default downtime range of a crash-restart loop (`downtime`, `[nemesis] loop_downtime`).
pub const DEFAULT_LOOP_DOWNTIME: (Nanos, Nanos) = (10 * MILLIS, 100 * MILLIS);
/// Default uptime range between a crash-restart loop's crashes.
pub const DEFAULT_LOOP_UPTIME: (Nanos, Nanos) = (50 * MILLIS, 300 * MILLIS);
/// Default range of each down and up stretch of a flapping link.
pub const DEFAULT_FLAP_PERIOD: (Nanos, Nanos) = (10 * MILLIS, 200 * MILLIS);

/// Kinds of fault the nemesis draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NemesisKind {
    /// Partition a random minority from the rest.
    Partition,
    /// Isolate one random node.
    Isolate,
    /// Crash a node (the leader, with `target_leader`); it restarts when the fault ends.
    Crash,
    /// Pause a random node.
    Pause,
    /// Jump a node's clock (the leader's, with `target_leader`) by up to `max_clock_jump`
    /// either way.
    Clock,
    /// Make the links of a random node lossy.
    Link,
    /// A power failure: every node crashes at once and restarts when the fault ends.
    Power,
    /// Change a node's clock drift to a value drawn within `max_drift_ppm` either way; the
    /// old drift comes back when the fault ends.
    Drift,
    /// A crash-restart loop on a node: short downtimes (`loop_downtime`) and uptimes
    /// (`loop_uptime`) for the fault's duration.
    RestartLoop,
    /// The links between a node and a random other node go down and up (`flap_period`) for
    /// the fault's duration.
    Flap,
    /// Isolate the leader together with a minority of followers from the majority.
    PartitionLeader,
}

impl NemesisKind {
    /// Every kind, in the order their names are listed.
    pub const ALL: [NemesisKind; 11] = [
        NemesisKind::Partition,
        NemesisKind::Isolate,
        NemesisKind::Crash,
        NemesisKind::Pause,
        NemesisKind::Clock,
        NemesisKind::Link,
        NemesisKind::Power,
        NemesisKind::Drift,
        NemesisKind::RestartLoop,
        NemesisKind::Flap,
        NemesisKind::PartitionLeader,
    ];

    /// The name a scenario uses.
    pub fn name(self) -> &'static str {
        match self {
            NemesisKind::Partition => "partition",
            NemesisKind::Isolate => "isolate",
            NemesisKind::Crash => "crash",
            NemesisKind::Pause => "pause",
            NemesisKind::Clock => "clock",
            NemesisKind::Link => "link",
            NemesisKind::Power => "power",
            NemesisKind::Drift => "drift",
            NemesisKind::RestartLoop => "restart-loop",
            NemesisKind::Flap => "flap",
            NemesisKind::PartitionLeader => "partition-leader",
        }
    }
}

/// `[nemesis]`.
#[derive(Clone, Debug)]
pub struct Nemesis {
    /// Kinds to draw from (uniformly).
    pub kinds: Vec<NemesisKind>,
    /// Quiet gap between faults, drawn uniformly from this range.
    pub interval: (Nanos, Nanos),
    /// How long each fault lasts, drawn uniformly from this range.
    pub fault_duration: (Nanos, Nanos),
    /// Largest clock jump.
    pub max_clock_jump: Nanos,
    /// Loss on links degraded by the `link` kind.
    pub link_loss: Probability,
    /// Target `leader` instead of `random` for crash/isolate/pause/clock with this
    /// probability.
    pub target_leader: Probability,
    /// At most this many of its faults active at once (1: each fault heals before the next).
    pub overlap: u32,
    /// Targets to draw from uniformly for every kind that takes one (empty: the leader with
    /// `target_leader`, else a random node).
    pub targets: Vec<Target>,
    /// Largest drift the `drift` kind sets, either way, in parts per million.
    pub max_drift_ppm: u32,
    /// Each downtime of a `restart-loop`.
    pub loop_downtime: (Nanos, Nanos),
    /// Each uptime between the crashes of a `restart-loop`.
    pub loop_uptime: (Nanos, Nanos),
    /// Each down and up stretch of a `flap`.
    pub flap_period: (Nanos, Nanos),
    /// Relative rate of each kind, parallel to `kinds` (empty: all alike). Swarm testing
    /// draws them.
    pub weights: Vec<u32>,
    /// Swarm testing: each seed first draws its own nemesis from this one and the
    /// protocol's timing knobs (`faultline::faults::swarm`, [`crate::protocol::Knobs`]).
    pub swarm: bool,
}

/// `[check]` as written: checkers switched on or off by name, and the consistency models
/// asked for. Which names exist, their defaults and what each needs are the `check` layer's
/// business (`faultline::check::plan`); the scenario only records what the file says.
#[derive(Clone, Debug, Default)]
pub struct CheckSpec {
    /// `name = true/false` entries, in file order.
    pub switches: Vec<CheckSwitch>,
    /// `consistency = [...]`, with its line, when given.
    pub consistency: Option<(Vec<String>, usize)>,
}

/// One `name = true/false` entry of `[check]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckSwitch {
    /// The checker's name as written.
    pub name: String,
    /// On or off.
    pub on: bool,
    /// Its line in the file.
    pub line: usize,
}

impl CheckSpec {
    /// What the file says about checker `name`, if anything.
    pub fn switch(&self, name: &str) -> Option<bool> {
        self.switches.iter().find(|s| s.name == name).map(|s| s.on)
    }
}

/// `[limits]`: bounds that end a run early.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Hard bound on processed events; reaching it makes the verdict `unknown`.
    pub max_events: u64,
    /// Stop normally after this many message deliveries (benchmarks); `None` = no such stop.
    pub stop_after_deliveries: Option<u64>,
    /// Messages in flight above which the run stops as `unknown` (runaway protection).
    pub max_in_flight: u64,
    /// Virtual time allowed after `duration + settle` for final reads to finish.
    pub final_read_window: Nanos,
    /// Time allowed after the last fault heals before the `recovery` check judges the
    /// service.
    pub recovery_window: Nanos,
    /// Share of operations the `recovery` check requires answered after that.
    pub recovery_answered: crate::des::rng::Probability,
    /// Most search states the linearizability check of a run may store per key; past it the
    /// verdict is `unknown`. A count, not a time, so the verdict is the same on every machine.
    pub check_states: u64,
    /// Memory budget in bytes for the run (an estimate computed from the run's state, never
    /// measured, so hitting it is the same on every machine) and, separately, for its
    /// linearizability check; past it the verdict is `unknown`.
    pub memory: u64,
}
