//! Seeded clients (DESIGN §4 `[workload]`): each client is a sequential process that issues
//! one operation at a time to a node, follows redirects, and records the operation in the
//! history on the virtual clock. A request unanswered by its timeout is recorded as `info`
//! and the client continues as a new process, as in Jepsen. After `settle`, final readers read
//! every key until they succeed. This module decides; the engine schedules. What each
//! workload draws and how it is written into the history is in [`kinds`], one file each.

pub mod breaker;
pub mod kinds;
mod respond;
pub mod retry;
pub mod spec;

pub use kinds::{workload, Gen, Seen, WorkloadKind, WORKLOADS};
pub use spec::{KeyDist, Pace, Targets, Workload};

use crate::des::ids::{NodeId, RequestId};
use crate::des::rng::Stream;
use crate::des::time::{Nanos, MILLIS};
use crate::history::{History, Op, OpType, Process};
use crate::ops::{Datum, Results, Txn};
use crate::protocol::{ClientRequest, Reply};
use breaker::Breaker;

/// How a request ended, as the client sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The node answered.
    Reply(Reply),
    /// The node was down when the request arrived (connection refused: certainly not done).
    Refused,
    /// The node's request queue was full (`[cluster] queue_limit`): turned away unexecuted,
    /// like an HTTP 503.
    Overloaded,
}

/// What the engine must do after a client event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing (a stale reply or timeout).
    Nothing,
    /// Send `request` to `node` now.
    Send {
        /// Destination.
        node: NodeId,
        /// The request (same id when resent after a redirect or a retry).
        request: ClientRequest,
        /// 0 for the operation's first send, then 1, 2, … for each resend.
        attempt: u32,
    },
    /// Start the client's next operation at this time.
    NextOpAt(Nanos),
    /// Resend (if `attempt` is still the latest send of request `seq`) at this time: the
    /// backoff after a refused send.
    ResendAt {
        /// When.
        at: Nanos,
        /// The request's id number.
        seq: u64,
        /// The send it follows.
        attempt: u32,
    },
    /// The client is finished.
    Done,
}

#[derive(Clone, Debug)]
struct Pending {
    request: ClientRequest,
    /// The id of the operation's first send: without idempotency keys every resend has a
    /// new id, and any id from this one to `request.id` is this operation's.
    first_seq: u64,
    /// Resends after a timeout or a refusal (not redirects): the backoff exponent.
    resends: u32,
    invoked: Nanos,
    redirects: u32,
    /// Sends so far minus one: a resend makes older retry timers stale.
    attempt: u32,
    /// Sends of this request that have not arrived at a node yet.
    in_flight: u32,
    /// Copies of the request a node's protocol received and has not refused, per node:
    /// any such node may still execute it.
    asked: Vec<(NodeId, u32)>,
}

impl Pending {
    /// How an operation that got no `ok` ends: `fail` only when no node can still execute
    /// it (nothing in flight, every node that got it refused); otherwise `info`.
    fn unanswered(&self) -> OpType {
        if self.in_flight == 0 && self.asked.is_empty() {
            OpType::Fail
        } else {
            OpType::Info
        }
    }
}

/// One client process.
#[derive(Clone, Debug)]
struct Client {
    process: u64,
    rng: Stream,
    /// The node the client sits beside (its first target).
    home: NodeId,
    node: NodeId,
    seq: u64,
    pending: Option<Pending>,
    last_issue: Nanos,
    seen: Seen,
    /// The session token: the highest token a reply handed this client (0: none).
    token: u64,
    /// Jitter for retry waits (`client-retry/<i>`), apart from the operations' stream.
    retry_rng: Stream,
    /// The circuit breaker (used with `[workload] breaker`).
    breaker: Breaker,
    /// `Some(key)` for a final reader.
    final_key: Option<u64>,
    done: bool,
}

/// Latencies of completed operations, for percentiles.
#[derive(Clone, Debug, Default)]
pub struct OpStats {
    /// Count of `ok` completions.
    pub ok: u64,
    /// Count of `fail` completions.
    pub fail: u64,
    /// Count of `info` completions.
    pub info: u64,
    /// Latency of every `ok` operation, in completion order.
    pub ok_latencies: Vec<Nanos>,
    /// Every transaction that changes state acknowledged `ok`, in completion order.
    pub acked_writes: Vec<AckedWrite>,
    /// Every regular operation's end, in completion order (for availability per side).
    pub outcomes: Vec<OpOutcome>,
    /// Requests sent, first sends, resends and redirects followed.
    pub sends: u64,
    /// Resends after a retry wait (`[workload] retry`).
    pub resends: u64,
    /// Sends turned away by a full request queue (`[cluster] queue_limit`).
    pub overloaded: u64,
    /// Operations failed at once by an open circuit breaker, never sent.
    pub breaker_fast_fails: u64,
}

/// How one regular operation ended, and where its client sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpOutcome {
    /// The client's home node.
    pub home: NodeId,
    /// When the operation was invoked.
    pub invoked: Nanos,
    /// `Ok`, `Fail` or `Info`.
    pub kind: OpType,
    /// The cluster answered it (`ok`, or a definite `fail` such as a cas whose expected
    /// value did not match): the service was available to this client.
    pub answered: bool,
}

/// A transaction that changes state (a write, cas, append, …) the cluster acknowledged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AckedWrite {
    /// The request that carried it.
    pub request: RequestId,
    /// The transaction.
    pub txn: Txn,
    /// When it was invoked.
    pub invoked: Nanos,
    /// When the acknowledgement arrived.
    pub acked: Nanos,
}

/// All clients of a run, with the history they record.
pub struct Clients {
    spec: Workload,
    gen: Gen,
    clients: Vec<Client>,
    nodes: u32,
    next_process: u64,
    /// The recorded history.
    pub history: History,
    /// The client of each process number: a client that timed out continues as a new
    /// process, but its session goes on.
    pub sessions: Vec<u32>,
    /// Outcome counts and latencies (regular clients only).
    pub stats: OpStats,
    /// Last successful final read of each key: `None` never read, `Some(None)` absent.
    pub final_values: Vec<Option<Option<Datum>>>,
    names: Vec<String>,
    /// No new regular operations after this.
    pub stopped: bool,
}

const FINAL_RETRY: Nanos = 50 * MILLIS;

impl Clients {
    /// Clients for `spec` on a cluster with node names `names`, streams derived from `seed`.
    pub fn new(spec: &Workload, names: &[String], seed: u64) -> Clients {
        let nodes = names.len() as u32;
        let gen = Gen::new(spec);
        let clients = (0..spec.clients)
            .map(|i| {
                let node = spec.home(i, nodes);
                Client {
                    process: u64::from(i),
                    rng: Stream::new(seed, &format!("client/{i}")),
                    home: node,
                    node,
                    seq: 0,
                    pending: None,
                    last_issue: 0,
                    seen: Seen::new(),
                    token: 0,
                    retry_rng: Stream::new(seed, &format!("client-retry/{i}")),
                    breaker: Breaker::default(),
                    final_key: None,
                    done: false,
                }
            })
            .collect();
        Clients {
            spec: spec.clone(),
            gen,
            clients,
            nodes,
            next_process: u64::from(spec.clients),
            history: History::default(),
            sessions: (0..spec.clients).collect(),
            stats: OpStats::default(),
            final_values: Vec::new(),
            names: names.to_vec(),
            stopped: false,
        }
    }

    /// Number of client processes (regular and final readers).
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// True when there are no clients.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// When client `c` should first act (a small deterministic stagger).
    pub fn first_start(&mut self, c: usize) -> Nanos {
        let cl = &mut self.clients[c];
        cl.rng.below(MILLIS)
    }

    /// Adds one final reader per key used; returns their client indices.
    pub fn add_final_readers(&mut self, seed: u64) -> Vec<usize> {
        let keys = self.gen.keys_used() as usize;
        self.final_values = vec![None; keys];
        (0..keys)
            .map(|k| {
                let id = self.clients.len();
                self.clients.push(Client {
                    process: self.next_process,
                    rng: Stream::new(seed, &format!("final/{k}")),
                    home: NodeId(k as u32 % self.nodes),
                    node: NodeId(k as u32 % self.nodes),
                    seq: 0,
                    pending: None,
                    last_issue: 0,
                    seen: Seen::new(),
                    token: 0,
                    retry_rng: Stream::new(seed, &format!("final-retry/{k}")),
                    breaker: Breaker::default(),
                    final_key: Some(k as u64),
                    done: false,
                });
                self.sessions.push(id as u32);
                self.next_process += 1;
                id
            })
            .collect()
    }

    /// True once every final reader has read its key.
    pub fn finals_done(&self) -> bool {
        self.clients
            .iter()
            .filter(|c| c.final_key.is_some())
            .all(|c| c.done)
    }

    fn record(
        &mut self,
        c: usize,
        kind: OpType,
        txn: &Txn,
        results: Option<&Results>,
        time: Nanos,
        node: Option<NodeId>,
    ) {
        let results = results.filter(|_| kind == OpType::Ok);
        let (f, key, value) = self.spec.kind.record(txn, results, self.spec.keyed());
        self.history.push(Op {
            index: 0,
            process: Process::Client(self.clients[c].process),
            kind,
            f,
            key: key.map(|k| crate::history::Value::Int(k as i64)),
            value,
            time,
            node: node.map(|n| self.names[n.index()].clone()),
        });
    }

    /// Starts client `c`'s next operation (if it should run one).
    pub fn start_op(&mut self, c: usize, now: Nanos) -> Next {
        let cl = &mut self.clients[c];
        if cl.done || cl.pending.is_some() {
            return Next::Nothing;
        }
        if cl.final_key.is_none() && !self.stopped && self.spec.breaker.is_some() {
            if let Some(until) = cl.breaker.open_until(now) {
                let txn = self.spec.kind.next(&mut self.gen, &mut cl.rng, &cl.seen);
                return self.fail_fast(c, &txn, now, until);
            }
        }
        let txn = match cl.final_key {
            Some(key) => Txn::one(crate::ops::MicroOp::Read { key }),
            None if self.stopped => {
                cl.done = true;
                return Next::Done;
            }
            None => self.spec.kind.next(&mut self.gen, &mut cl.rng, &cl.seen),
        };
        cl.seq += 1;
        cl.last_issue = now;
        let request = ClientRequest {
            id: RequestId {
                client: c as u32,
                seq: cl.seq,
            },
            txn,
            token: cl.token,
        };
        self.stats.sends += 1;
        cl.pending = Some(Pending {
            first_seq: cl.seq,
            resends: 0,
            request: request.clone(),
            invoked: now,
            redirects: 0,
            attempt: 0,
            in_flight: 1,
            asked: Vec::new(),
        });
        let node = cl.node;
        self.record(c, OpType::Invoke, &request.txn, None, now, None);
        Next::Send {
            node,
            request,
            attempt: 0,
        }
    }

    /// The node client `c` sits beside.
    pub fn home(&self, c: usize) -> NodeId {
        self.clients[c].home
    }

    /// Whether clients sit beside their home nodes (partitions cut them off).
    pub fn colocated(&self) -> bool {
        self.spec.colocated
    }

    /// How long client `c` waits after the send it just made before resending, if it resends
    /// at all: the attempt timeout plus the backoff sleep (`[workload] retry`; `None` also
    /// once `retry_limit` is spent).
    pub fn retry_wait(&mut self, c: usize) -> Option<Nanos> {
        let policy = self.spec.retry.as_ref()?;
        Some(policy.timeout + self.backoff(c)?)
    }

    /// The backoff sleep before client `c`'s next resend, if its policy allows one.
    fn backoff(&mut self, c: usize) -> Option<Nanos> {
        let policy = self.spec.retry.as_ref()?;
        let cl = &mut self.clients[c];
        let resends = cl.pending.as_ref()?.resends;
        policy
            .may_resend(resends)
            .then(|| policy.sleep(resends, &mut cl.retry_rng))
    }

    /// Whether client `c` is waiting for an answer to request `seq` (one of its current
    /// operation's sends).
    pub fn waiting_for(&self, c: usize, seq: u64) -> bool {
        self.clients[c]
            .pending
            .as_ref()
            .is_some_and(|p| (p.first_seq..=p.request.id.seq).contains(&seq))
    }

    /// Client `c`'s open breaker fails the operation `txn` at `now`, unsent: it is recorded
    /// `fail` at once, and a closed-loop client waits until the breaker half-opens at `until`.
    fn fail_fast(&mut self, c: usize, txn: &Txn, now: Nanos, until: Nanos) -> Next {
        self.record(c, OpType::Invoke, txn, None, now, None);
        self.record(c, OpType::Fail, txn, None, now, None);
        self.stats.fail += 1;
        self.stats.breaker_fast_fails += 1;
        self.stats.outcomes.push(OpOutcome {
            home: self.clients[c].home,
            invoked: now,
            kind: OpType::Fail,
            answered: false,
        });
        self.clients[c].last_issue = now;
        let at = match self.spec.pace {
            Pace::Closed => until,
            Pace::Rate(_) => self.next_start(c, now),
        };
        Next::NextOpAt(at)
    }

    /// When client `c`, whose operation ended at `now`, starts its next one.
    fn next_start(&mut self, c: usize, now: Nanos) -> Nanos {
        let cl = &mut self.clients[c];
        match self.spec.pace {
            Pace::Closed => now,
            Pace::Rate(rate) => {
                let gap = -libm::log(cl.rng.open01()) / rate * 1e9;
                now.max(cl.last_issue.saturating_add(gap as Nanos))
            }
        }
    }

    /// Records how client `c`'s operation ended and schedules its next one. `answered`:
    /// the cluster answered it (`ok`, or a definite `fail` such as a cas mismatch), as
    /// opposed to a refusal, exhausted redirects or silence.
    fn finish(
        &mut self,
        c: usize,
        (kind, answered): (OpType, bool),
        results: Option<Results>,
        now: Nanos,
        node: Option<NodeId>,
    ) -> Next {
        let p = self.clients[c]
            .pending
            .take()
            .expect("finishing a pending op");
        self.record(c, kind, &p.request.txn, results.as_ref(), now, node);
        if kind == OpType::Info {
            // Jepsen: a process whose operation may still happen cannot issue another.
            self.clients[c].process = self.next_process;
            self.sessions.push(c as u32);
            self.next_process += 1;
        }
        let cl = &mut self.clients[c];
        if let Some(key) = cl.final_key {
            if kind == OpType::Ok {
                cl.done = true;
                let read = results.and_then(|mut r| r.0.pop().flatten());
                self.final_values[key as usize] = Some(read);
                return Next::Done;
            }
            cl.node = NodeId((cl.node.0 + 1) % self.nodes);
            return Next::NextOpAt(now + FINAL_RETRY);
        }
        self.stats.outcomes.push(OpOutcome {
            home: cl.home,
            invoked: p.invoked,
            kind,
            answered,
        });
        if let Some(policy) = &self.spec.breaker {
            cl.breaker.record(policy, answered, now);
        }
        match kind {
            OpType::Ok => {
                self.stats.ok += 1;
                self.stats.ok_latencies.push(now - p.invoked);
                if !p.request.txn.is_read_only() {
                    self.stats.acked_writes.push(AckedWrite {
                        request: p.request.id,
                        txn: p.request.txn,
                        invoked: p.invoked,
                        acked: now,
                    });
                }
            }
            OpType::Fail => self.stats.fail += 1,
            _ => self.stats.info += 1,
        }
        Next::NextOpAt(self.next_start(c, now))
    }

    /// The timeout of every request.
    pub fn timeout(&self) -> Nanos {
        self.spec.timeout
    }
}
