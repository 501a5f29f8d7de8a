//! What `[workload]` asks for, once validated: which workload, how many clients and keys,
//! the operation mix, pacing, timeouts and where clients sit. The scenario parser builds it;
//! the clients run it.

use super::breaker::BreakerPolicy;
use super::kinds::WorkloadKind;
use super::retry::RetryPolicy;
use crate::des::ids::NodeId;
use crate::des::rng::Probability;
use crate::des::time::Nanos;

/// How keys are chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum KeyDist {
    /// Every key equally likely.
    Uniform,
    /// Zipfian with exponent `s` (> 0): key `k` (from 1) has weight `1 / k^s`.
    Zipf(f64),
}

/// How fast clients issue operations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// Each client issues its next op as soon as the previous completes.
    Closed,
    /// Each client issues `rate` ops per second on a schedule (exponential gaps), never with
    /// more than one op outstanding (Jepsen's `stagger`).
    Rate(f64),
}

/// Where clients send requests.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// Client `i` starts at node `i mod n`.
    RoundRobin,
    /// Client `i` starts at `nodes[i mod len]`.
    Nodes(Vec<NodeId>),
}

/// `[workload]`.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Which workload (`faultline list` shows them).
    pub kind: &'static dyn WorkloadKind,
    /// Number of client processes.
    pub clients: u32,
    /// Number of keys (1 for the register models); for workloads that retire keys, the
    /// number in use at a time.
    pub keys: u32,
    /// Relative weight of reads (single-operation workloads).
    pub read: u32,
    /// Relative weight of writes, inserts or adds (single-operation workloads).
    pub write: u32,
    /// Relative weight of compare-and-set (`cas-register`, `kv`).
    pub cas: u32,
    /// Relative weight of deletes (`register`, `cas-register`, `kv`; 0 draws none).
    pub delete: u32,
    /// Micro-operations per transaction, drawn uniformly from `[min, max]` (transactional
    /// workloads).
    pub txn_length: (u32, u32),
    /// Chance that a micro-operation of a transaction is a read (transactional workloads).
    pub read_fraction: Probability,
    /// A key that received this many writes or appends is retired and a fresh one takes its
    /// place (transactional workloads; keeps lists short, as Elle's generators do).
    pub max_writes_per_key: Option<u32>,
    /// Pacing.
    pub pace: Pace,
    /// A request unanswered after this long is recorded as `info`.
    pub timeout: Nanos,
    /// Key choice.
    pub key_dist: KeyDist,
    /// Initial node of each client.
    pub targets: Targets,
    /// Redirects followed for one operation before it is recorded as `fail`.
    pub max_redirects: u32,
    /// When to resend an unanswered request to the next node; `None` never resends.
    pub retry: Option<RetryPolicy>,
    /// A resend carries the same request id, so a server can deduplicate it (`false`: every
    /// send is a new request, and a server may apply one operation twice).
    pub idempotency_keys: bool,
    /// The client-side circuit breaker, if any.
    pub breaker: Option<BreakerPolicy>,
    /// Each client sits beside its home node (its first target): a partition cuts it off
    /// from the nodes on the other side, both ways.
    pub colocated: bool,
    /// Read every key after `settle` (needed by the durability check).
    pub final_reads: bool,
}

impl Workload {
    /// The home node of client `client` (its first target) in a cluster of `nodes` nodes.
    pub fn home(&self, client: u32, nodes: u32) -> NodeId {
        match &self.targets {
            Targets::RoundRobin => NodeId(client % nodes),
            Targets::Nodes(list) => list[client as usize % list.len()],
        }
    }

    /// Whether its history carries a key per operation (Jepsen's `independent` form).
    pub fn keyed(&self) -> bool {
        self.kind.keyed(self.keys)
    }
}
