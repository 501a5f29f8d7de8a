//! Running seeds: one seed end to end (simulate, then check), and sweeps over many seeds,
//! parallel across seeds only (each run stays single-threaded and deterministic).
//!
//! A sweep ([`engine`]) groups failing seeds by [`signature`], can stop after a number of
//! failures, re-runs a deterministic sample of seeds to catch nondeterminism
//! ([`determinism`]), and can run one [`seeds::Shard`] of a range; its results can be
//! written as JSON lines and shards' results merged ([`results`], [`merge`]).

pub mod determinism;
pub mod engine;
pub mod merge;
pub mod results;
pub mod seeds;
pub mod signature;

use crate::check::invariants::{Monitor, Violation};
use crate::check::{self, CheckResult, Verdict};
use crate::des::trace::Trace;
use crate::protocol::{registry, Protocol};
use crate::scenario::Scenario;
use crate::sim::{self, Observer, RunError, RunOutput};
use std::time::{Duration, Instant};

/// One seed's run and its checks.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// What the engine produced.
    pub output: RunOutput,
    /// Every checker's result.
    pub checks: Vec<CheckResult>,
    /// The overall verdict.
    pub verdict: Verdict,
    /// Wall-clock time the checks took (for a sweep's speed line only: it never reaches the
    /// run, its trace or its hash).
    pub check_time: Duration,
}

/// The command that replays `seed` of `scenario` exactly.
pub fn replay_command(scenario: &Scenario, seed: u64) -> String {
    format!("faultline run {} --seed {seed}", scenario.path)
}

/// The checks `scenario` asks for, or its `[check]` mistake as a run error.
fn plan(scenario: &Scenario) -> Result<check::Plan, RunError> {
    check::plan(scenario).map_err(|e| RunError::Check(e.to_string()))
}

/// Whether the invariant monitor watches the run: `[check] invariants` is on, and there is
/// something to watch (a log, or a workload whose leaders serve it).
fn monitored(plan: &check::Plan, scenario: &Scenario, has_log: bool) -> bool {
    plan.runs("invariants") && (has_log || scenario.workload.is_some())
}

/// Runs one seed and checks it.
pub fn run_seed(scenario: &Scenario, seed: u64, trace: Trace<'_>) -> Result<Outcome, RunError> {
    run_seed_observed(scenario, seed, trace, ()).map(|(outcome, ())| outcome)
}

/// [`run_seed`] with `observer` watching the run too (beside the invariant monitor, when it
/// runs); the observer comes back with the outcome. It only reads: the trace hash is the same.
pub fn run_seed_observed<O: Observer>(
    scenario: &Scenario,
    seed: u64,
    trace: Trace<'_>,
    observer: O,
) -> Result<(Outcome, O), RunError> {
    let plan = plan(scenario)?;
    let has_log = registry::visit(&scenario.cluster.protocol, registry::HasLog).unwrap_or(false);
    if monitored(&plan, scenario, has_log) {
        let monitor = Monitor::new(scenario.cluster.nodes.len());
        let (out, (monitor, observer)) =
            sim::run_observed(scenario, seed, trace, (monitor, observer))?;
        let outcome = checked(&plan, scenario, out, Some(monitor.violations()));
        Ok((outcome, observer))
    } else {
        let (out, observer) = sim::run_observed(scenario, seed, trace, observer)?;
        Ok((checked(&plan, scenario, out, None), observer))
    }
}

/// Runs one seed with protocol `P` and `params`, whatever `[cluster] protocol` names, and
/// checks it: how a protocol that is not registered (yours, while you write it) gets the
/// same checks as a registered one.
pub fn run_seed_with<P: Protocol>(
    scenario: &Scenario,
    params: P::Params,
    seed: u64,
    trace: Trace<'_>,
) -> Result<Outcome, RunError> {
    let plan = plan(scenario)?;
    if monitored(&plan, scenario, P::HAS_LOG) {
        let monitor = Monitor::new(scenario.cluster.nodes.len());
        let (out, monitor) =
            sim::run_with_observer::<P, Monitor>(scenario, params, seed, trace, monitor)?;
        Ok(checked(&plan, scenario, out, Some(monitor.violations())))
    } else {
        let out = sim::run_with::<P>(scenario, params, seed, trace)?;
        Ok(checked(&plan, scenario, out, None))
    }
}

fn checked(
    plan: &check::Plan,
    scenario: &Scenario,
    output: RunOutput,
    invariants: Option<&[Violation]>,
) -> Outcome {
    let started = Instant::now();
    let checks = check::evaluate(plan, scenario, &output, invariants);
    let verdict = Verdict::combine(checks.iter().map(|c| c.verdict));
    Outcome {
        output,
        checks,
        verdict,
        check_time: started.elapsed(),
    }
}

/// A seed's verdict in a sweep, with its checks' one-line summaries for failures.
#[derive(Clone, Debug)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Its verdict.
    pub verdict: Verdict,
    /// Trace hash of the run (0 when the run panicked outside protocol code).
    pub trace_hash: u64,
    /// Summaries of the checks that did not pass.
    pub problems: Vec<String>,
    /// The checks whose verdict is the seed's (those that failed, for a failing seed).
    pub checks: Vec<String>,
    /// What kind of failure it is (see [`signature`]); empty for a passing seed.
    pub signature: String,
    /// Under swarm testing, the configuration the seed drew, in words.
    pub swarm: Option<String>,
}

impl SeedResult {
    /// The result of one seed's outcome; `nodes` (the cluster's node names) are left out of
    /// its signature.
    pub fn of(seed: u64, o: &Outcome, nodes: &[String]) -> SeedResult {
        let problems = o
            .checks
            .iter()
            .filter(|c| c.verdict != Verdict::Pass)
            .map(|c| match c.witness.first() {
                Some(w) if c.name == "protocol" => format!("{}: {} ({w})", c.name, c.summary),
                _ => format!("{}: {}", c.name, c.summary),
            })
            .collect();
        let (checks, signature) = if o.verdict == Verdict::Pass {
            (Vec::new(), String::new())
        } else {
            (
                o.checks
                    .iter()
                    .filter(|c| c.verdict == o.verdict)
                    .map(|c| c.name.to_string())
                    .collect(),
                signature::of_checks(&o.checks, o.verdict, nodes),
            )
        };
        SeedResult {
            seed,
            verdict: o.verdict,
            trace_hash: o.output.trace_hash,
            problems,
            checks,
            signature,
            swarm: o.output.swarm.clone(),
        }
    }

    /// The result of a seed whose run panicked outside protocol code (a bug in faultline).
    pub fn panicked(seed: u64, message: &str) -> SeedResult {
        SeedResult {
            seed,
            verdict: Verdict::Fail,
            trace_hash: 0,
            problems: vec![format!("panic: faultline itself panicked: {message}")],
            checks: vec!["panic".into()],
            signature: format!(
                "panic: faultline itself panicked: {}",
                signature::coarse(message, &[])
            ),
            swarm: None,
        }
    }
}

/// Most seeds a sweep may run.
pub const MAX_SEEDS: u64 = 1_000_000_000;
/// Most failing seeds a sweep keeps, the smallest first (and as many unknown ones); the rest
/// are counted.
pub const MAX_LISTED: usize = 1_000;

/// What a sweep found: counts per verdict, and the seeds that did not pass.
#[derive(Clone, Debug, Default)]
pub struct Sweep {
    /// Seeds that passed.
    pub pass: u64,
    /// Seeds that failed.
    pub fail: u64,
    /// Seeds whose verdict was unknown.
    pub unknown: u64,
    /// The failing seeds, in seed order: the smallest [`MAX_LISTED`] of them.
    pub failed: Vec<SeedResult>,
    /// The seeds whose verdict was unknown, in seed order: the smallest [`MAX_LISTED`].
    pub unknowns: Vec<SeedResult>,
}

impl Sweep {
    /// Seeds run.
    pub fn total(&self) -> u64 {
        self.pass + self.fail + self.unknown
    }

    /// Every listed seed that did not pass, failing and unknown together, in seed order.
    pub fn not_passing(&self) -> Vec<&SeedResult> {
        let mut all: Vec<&SeedResult> = self.failed.iter().chain(&self.unknowns).collect();
        all.sort_by_key(|r| r.seed);
        all
    }

    /// Counts `r` and keeps it if it is among the smallest seeds of its kind.
    pub(crate) fn add(&mut self, r: SeedResult, first: u64) {
        let list = match r.verdict {
            Verdict::Pass => {
                self.pass += 1;
                return;
            }
            Verdict::Fail => {
                self.fail += 1;
                &mut self.failed
            }
            Verdict::Unknown => {
                self.unknown += 1;
                &mut self.unknowns
            }
        };
        keep_smallest(list, r, first);
    }
}

/// Inserts `r` into `list` (sorted by position from `first`), keeping the smallest
/// [`MAX_LISTED`].
fn keep_smallest(list: &mut Vec<SeedResult>, r: SeedResult, first: u64) {
    let at = list.partition_point(|x| x.seed.wrapping_sub(first) < r.seed.wrapping_sub(first));
    if at < MAX_LISTED {
        list.insert(at, r);
        list.truncate(MAX_LISTED);
    }
}

/// Runs `count` seeds of `scenario` from `first` on `jobs` threads (see [`sweep_with`]).
pub fn sweep(
    scenario: &Scenario,
    first: u64,
    count: u64,
    jobs: usize,
    progress: &(dyn Fn(&SeedResult) + Sync),
) -> Result<Sweep, RunError> {
    let run = |seed: u64, trace: Trace<'_>| run_seed(scenario, seed, trace);
    let options = engine::Options {
        nodes: scenario.cluster.nodes.clone(),
        ..engine::Options::new(seeds::SeedSet::range(first, count), jobs)
    };
    Ok(engine::run(&options, &run, &mut |_| {}, progress)?.sweep)
}

/// Runs seeds `first..first + count` with `run` on `jobs` threads, calling `progress` after
/// each seed (from the thread that ran it). Each run stays single-threaded; only seeds run in
/// parallel, and the summary does not depend on thread timing. A panic that escapes a run
/// (protocol panics are already reported by the run itself) fails that seed; the sweep goes
/// on. Memory does not grow with `count`: only the seeds that did not pass are kept. (For
/// failure groups, stopping early, determinism sampling and shards, see [`engine::run`].)
pub fn sweep_with(
    first: u64,
    count: u64,
    jobs: usize,
    run: &(dyn Fn(u64) -> Result<Outcome, RunError> + Sync),
    progress: &(dyn Fn(&SeedResult) + Sync),
) -> Result<Sweep, RunError> {
    let run = |seed: u64, _: Trace<'_>| run(seed);
    let options = engine::Options::new(seeds::SeedSet::range(first, count), jobs);
    Ok(engine::run(&options, &run, &mut |_| {}, progress)?.sweep)
}
