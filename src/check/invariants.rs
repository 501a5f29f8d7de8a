//! Protocol invariants checked after every step (DESIGN §6), from `observe()` and, for
//! protocols that replicate a log, [`Protocol::log_entry`].
//!
//! The engine feeds the [`Monitor`] the node a handler just ran on; only that node's state can
//! have changed. The monitor keeps a shadow of each node's log as the chain digests it last
//! saw (see [`crate::protocol::EntryView`]), so finding what a step changed costs as many
//! comparisons as entries changed, and comparing two logs up to an index is one comparison.
//! The invariants are Raft's (Figure 3 of the extended paper), stated so that any leader-
//! based log protocol can be held to them:
//!
//! - **Election Safety**: at most one leader per term.
//! - **Leader Append-Only**: within its term, a leader never overwrites or deletes entries.
//! - **Log Matching**: two entries with the same index and term have the same log up to them.
//! - **Leader Completeness**: a new leader's log holds every entry committed so far.
//! - **State Machine Safety**: no two nodes apply different entries at the same index, and no
//!   node commits an entry different from one committed at the same index before.
//!
//! The monitor only reads; it never changes what a protocol does.

use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::des::ids::{NodeId, RequestId};
use crate::des::time::{format_duration, Nanos};
use crate::protocol::{Protocol, Role};
use crate::scenario::Scenario;
use crate::sim::Observer;
use std::collections::HashMap;

/// The invariants the monitor checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Invariant {
    /// At most one leader per term.
    ElectionSafety,
    /// A leader never overwrites or deletes its own entries within its term.
    LeaderAppendOnly,
    /// Same index and term means the same log up to that index.
    LogMatching,
    /// A leader's log holds every committed entry.
    LeaderCompleteness,
    /// No two nodes apply or commit different entries at the same index.
    StateMachineSafety,
    /// The protocol's own views agree: every index up to `observe().log_len` has a
    /// `log_entry`. Not a Raft property: a bug in the protocol's reporting, found instead of
    /// panicking on it.
    ConsistentView,
}

impl Invariant {
    /// The invariant's name as the Raft paper writes it.
    pub fn name(self) -> &'static str {
        match self {
            Invariant::ElectionSafety => "Election Safety",
            Invariant::LeaderAppendOnly => "Leader Append-Only",
            Invariant::LogMatching => "Log Matching",
            Invariant::LeaderCompleteness => "Leader Completeness",
            Invariant::StateMachineSafety => "State Machine Safety",
            Invariant::ConsistentView => "Consistent View",
        }
    }
}

/// The first break of one invariant, and how often it broke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Which invariant.
    pub invariant: Invariant,
    /// Virtual time of the step.
    pub time: Nanos,
    /// The step (number of events processed before it).
    pub step: u64,
    /// The nodes involved, the stepping node first.
    pub nodes: Vec<NodeId>,
    /// What was seen, in plain words (node ids as `#i`; the report names them).
    pub detail: String,
    /// Steps at which this invariant was found broken (the first is described).
    pub count: u64,
}

/// What the monitor last saw of one node.
#[derive(Clone, Debug, Default)]
struct Shadow {
    role: Role,
    term: u64,
    commit: u64,
    applied: u64,
    chains: Vec<u64>,
}

/// One entry as first seen committed or applied anywhere: its chain, term and request, and
/// the term of the node that reported it — an upper bound on the term it was committed in.
#[derive(Clone, Copy, Debug)]
struct Seen {
    chain: u64,
    term: u64,
    node: NodeId,
    request: Option<RequestId>,
    known_in: u64,
}

/// A fast hasher for the monitor's integer keys (lookups only, never iterated, so the
/// order it would give is irrelevant to determinism).
#[derive(Clone, Copy, Debug, Default)]
struct FastHash;

impl std::hash::BuildHasher for FastHash {
    type Hasher = WordHasher;
    fn build_hasher(&self) -> WordHasher {
        WordHasher(0)
    }
}

/// Mixes each written word into the state (keys here are one or two `u64`s).
#[derive(Clone, Copy, Debug)]
struct WordHasher(u64);

impl std::hash::Hasher for WordHasher {
    fn finish(&self) -> u64 {
        crate::des::rng::mix64(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(29) ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u32(&mut self, w: u32) {
        self.write_u64(u64::from(w));
    }
}

/// Watches every step of a run for invariant violations.
#[derive(Debug)]
pub struct Monitor {
    shadows: Vec<Shadow>,
    leaders: HashMap<u64, NodeId, FastHash>,
    entries: HashMap<(u64, u64), (u64, NodeId), FastHash>,
    committed: Vec<Seen>,
    applied: Vec<Seen>,
    violations: Vec<Violation>,
}

impl Monitor {
    /// A monitor for `nodes` nodes.
    pub fn new(nodes: usize) -> Monitor {
        Monitor {
            shadows: vec![Shadow::default(); nodes],
            leaders: HashMap::default(),
            entries: HashMap::default(),
            committed: Vec::new(),
            applied: Vec::new(),
            violations: Vec::new(),
        }
    }

    /// The violations found so far, first one per invariant, in the order found.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Entries known committed, in index order, with the request each carries.
    pub fn committed_requests(&self) -> impl Iterator<Item = Option<RequestId>> + '_ {
        self.committed.iter().map(|s| s.request)
    }

    /// `node` crashed: its volatile state is gone; the next step restarts from its disk.
    /// The shadow log is kept: the recovered log is compared with it like any change, so
    /// only entries that differ from what was checked before the crash are checked again.
    pub fn crashed(&mut self, node: NodeId) {
        let shadow = &mut self.shadows[node.index()];
        let chains = std::mem::take(&mut shadow.chains);
        *shadow = Shadow {
            chains,
            ..Shadow::default()
        };
    }

    fn violate(
        &mut self,
        invariant: Invariant,
        at: (Nanos, u64),
        nodes: Vec<NodeId>,
        detail: String,
    ) {
        if let Some(v) = self
            .violations
            .iter_mut()
            .find(|v| v.invariant == invariant)
        {
            v.count += 1;
            return;
        }
        self.violations.push(Violation {
            invariant,
            time: at.0,
            step: at.1,
            nodes,
            detail,
            count: 1,
        });
    }

    /// Checks the invariants after a handler ran on `node`, whose protocol is now `p`.
    /// `at` is (virtual time, step number).
    #[inline]
    pub fn after_step<P: Protocol>(&mut self, node: NodeId, p: &P, at: (Nanos, u64)) {
        let o = p.observe();
        let shadow = &self.shadows[node.index()];
        let became_leader =
            o.role == Role::Leader && !(shadow.role == Role::Leader && shadow.term == o.term);
        if became_leader {
            match self.leaders.get(&o.term) {
                Some(&other) if other != node => {
                    let detail = format!(
                        "{node} became leader of term {} while {other} already led term {}",
                        o.term, o.term
                    );
                    self.violate(Invariant::ElectionSafety, at, vec![node, other], detail);
                }
                Some(_) => {}
                None => {
                    self.leaders.insert(o.term, node);
                }
            }
        }
        if P::HAS_LOG {
            if let Err(missing) = self.check_log(node, p, &o, became_leader, at) {
                let detail = format!(
                    "{node} reports a log of {} entries (observe) but log_entry({missing}) is None",
                    o.log_len
                );
                self.violate(Invariant::ConsistentView, at, vec![node], detail);
                // Start this node's shadow afresh, so one bad report is one finding.
                self.shadows[node.index()].chains.clear();
            }
        }
        let shadow = &mut self.shadows[node.index()];
        shadow.role = o.role;
        shadow.term = o.term;
    }

    fn check_log<P: Protocol>(
        &mut self,
        node: NodeId,
        p: &P,
        o: &crate::protocol::Observation,
        became_leader: bool,
        at: (Nanos, u64),
    ) -> Result<(), u64> {
        // A missing entry (an inconsistent protocol) ends the check with its index.
        let entry = |i: u64| p.log_entry(i).ok_or(i);
        if o.log_len > 0 {
            entry(o.log_len)?;
            entry(1)?;
        }
        // What changed: the longest prefix whose chain still matches the shadow.
        let shadow = &mut self.shadows[node.index()];
        let mut same = (shadow.chains.len() as u64).min(o.log_len);
        while same > 0 && entry(same)?.chain != shadow.chains[same as usize - 1] {
            same -= 1;
        }
        let removed = shadow.chains.len() as u64 - same;
        let was_leader_of_term = shadow.role == Role::Leader && shadow.term == o.term;
        shadow.chains.truncate(same as usize);
        for i in same + 1..=o.log_len {
            shadow.chains.push(entry(i)?.chain);
        }
        let (old_commit, old_applied) = (shadow.commit, shadow.applied);
        shadow.commit = o.commit;
        shadow.applied = o.applied;
        if removed > 0 && was_leader_of_term && o.role == Role::Leader {
            let detail = format!(
                "leader {node} of term {} removed or overwrote {removed} entries from index {}",
                o.term,
                same + 1
            );
            self.violate(Invariant::LeaderAppendOnly, at, vec![node], detail);
        }
        for i in same + 1..=o.log_len {
            let e = entry(i)?;
            match self.entries.get(&(i, e.term)) {
                Some(&(chain, other)) if chain != e.chain => {
                    let detail = format!(
                        "{node} and {other} both hold an entry of term {} at index {i}, but their logs differ up to it",
                        e.term
                    );
                    self.violate(Invariant::LogMatching, at, vec![node, other], detail);
                }
                Some(_) => {}
                None => {
                    self.entries.insert((i, e.term), (e.chain, node));
                }
            }
        }
        if became_leader {
            self.check_completeness(node, p, o, at);
        }
        // Also re-check when the step changed the log at or below an index the node had
        // already committed or applied, even if the index itself did not move.
        if o.commit > old_commit || same < old_commit.min(o.commit) {
            self.check_prefix(node, p, o.commit.min(o.log_len), false, o.term, at)?;
        }
        if o.applied > old_applied || same < old_applied.min(o.applied) {
            self.check_prefix(node, p, o.applied.min(o.log_len), true, o.term, at)?;
        }
        Ok(())
    }

    /// A new leader of term `t` must hold every entry committed in a term before `t`. An
    /// entry counts when the node that first reported it committed was in a term before `t`
    /// (its commit term is at most that), so a leader of an old term elected late — its
    /// votes were delayed — is not held to entries committed after its term.
    fn check_completeness<P: Protocol>(
        &mut self,
        node: NodeId,
        p: &P,
        o: &crate::protocol::Observation,
        at: (Nanos, u64),
    ) {
        let Some(last) = self.committed.iter().rposition(|s| s.known_in < o.term) else {
            return;
        };
        let holds =
            |i: usize| p.log_entry(i as u64 + 1).map(|e| e.chain) == Some(self.committed[i].chain);
        if holds(last) {
            return;
        }
        let first = (0..=last).find(|&i| !holds(i)).unwrap_or(last);
        let c = self.committed[first];
        let detail = format!(
            "{node} became leader of term {} without the entry of term {} at index {} that {} committed",
            o.term,
            c.term,
            first + 1,
            c.node
        );
        self.violate(
            Invariant::LeaderCompleteness,
            at,
            vec![node, c.node],
            detail,
        );
    }

    /// `node` now counts its log up to `upto` as committed (or applied): it must agree with
    /// what any node committed (applied) before at those indices; new indices are recorded.
    fn check_prefix<P: Protocol>(
        &mut self,
        node: NodeId,
        p: &P,
        upto: u64,
        applied: bool,
        term: u64,
        at: (Nanos, u64),
    ) -> Result<(), u64> {
        let known = if applied {
            &self.applied
        } else {
            &self.committed
        };
        let overlap = (known.len() as u64).min(upto);
        let entry = |i: u64| p.log_entry(i).ok_or(i);
        if overlap > 0 && entry(overlap)?.chain != known[overlap as usize - 1].chain {
            let mut first = overlap;
            for i in 1..=overlap {
                if entry(i)?.chain != known[i as usize - 1].chain {
                    first = i;
                    break;
                }
            }
            let before = known[first as usize - 1];
            let verb = if applied { "applied" } else { "committed" };
            let detail = format!(
                "{node} {verb} an entry of term {} at index {first}, but {} {verb} an entry of term {} there",
                entry(first)?.term,
                before.node,
                before.term
            );
            let nodes = vec![node, before.node];
            self.violate(Invariant::StateMachineSafety, at, nodes, detail);
            return Ok(());
        }
        let known = if applied {
            &mut self.applied
        } else {
            &mut self.committed
        };
        for i in known.len() as u64 + 1..=upto {
            let e = entry(i)?;
            known.push(Seen {
                chain: e.chain,
                term: e.term,
                node,
                request: e.request,
                known_in: term,
            });
        }
        Ok(())
    }
}

/// Protocol invariants after every step, from what the [`Monitor`] saw.
pub struct Invariants;

impl Checker for Invariants {
    fn name(&self) -> &'static str {
        "invariants"
    }
    fn about(&self) -> &'static str {
        "after every step: Election Safety; with a log also Leader Append-Only, Log Matching, Leader Completeness, State Machine Safety"
    }
    fn on_by_default(&self, _: &Scenario) -> bool {
        true
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        input
            .invariants
            .map(|v| check_invariants(v, &input.run.nodes))
    }
}

impl Observer for Monitor {
    fn after_step<P: Protocol>(&mut self, node: NodeId, p: &P, at: (Nanos, u64)) {
        Monitor::after_step(self, node, p, at);
    }
    fn crashed(&mut self, node: NodeId) {
        Monitor::crashed(self, node);
    }
}

/// Turns the monitor's findings into a check result; node ids are named with `names`.
pub fn check_invariants(violations: &[Violation], names: &[String]) -> CheckResult {
    let name = |text: &str| {
        let mut out = text.to_string();
        for (i, n) in names.iter().enumerate().rev() {
            out = out.replace(&format!("#{i}"), n);
        }
        out
    };
    if violations.is_empty() {
        return CheckResult {
            name: "invariants",
            verdict: Verdict::Pass,
            summary: "every protocol invariant held after every step".into(),
            witness: Vec::new(),
            consistency: Vec::new(),
            refs: Default::default(),
        };
    }
    let broken: Vec<&str> = violations.iter().map(|v| v.invariant.name()).collect();
    let witness = violations
        .iter()
        .map(|v| {
            let more = match v.count {
                1 => String::new(),
                n => format!(" (broken at {n} steps; the first is shown)"),
            };
            format!(
                "{} broken at {} (step {}): {}{more}",
                v.invariant.name(),
                format_duration(v.time),
                v.step,
                name(&v.detail)
            )
        })
        .collect();
    CheckResult {
        name: "invariants",
        verdict: Verdict::Fail,
        summary: format!("broken: {}", broken.join(", ")),
        witness,
        consistency: Vec::new(),
        refs: Default::default(),
    }
}
