//! Running seeds: one seed end to end (simulate, then check), and sweeps over many seeds,
//! parallel across seeds only (each run stays single-threaded and deterministic).

use crate::check::invariants::{Monitor, Violation};
use crate::check::{self, CheckResult, Verdict};
use crate::des::trace::Trace;
use crate::protocol::{registry, Protocol};
use crate::scenario::Scenario;
use crate::sim::{self, RunError, RunOutput};

/// One seed's run and its checks.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// What the engine produced.
    pub output: RunOutput,
    /// Every checker's result.
    pub checks: Vec<CheckResult>,
    /// The overall verdict.
    pub verdict: Verdict,
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
    let plan = plan(scenario)?;
    let has_log = registry::visit(&scenario.cluster.protocol, registry::HasLog).unwrap_or(false);
    if monitored(&plan, scenario, has_log) {
        let monitor = Monitor::new(scenario.cluster.nodes.len());
        let (out, monitor) = sim::run_observed(scenario, seed, trace, monitor)?;
        Ok(checked(&plan, scenario, out, Some(monitor.violations())))
    } else {
        Ok(checked(
            &plan,
            scenario,
            sim::run(scenario, seed, trace)?,
            None,
        ))
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
    let checks = check::evaluate(plan, scenario, &output, invariants);
    let verdict = Verdict::combine(checks.iter().map(|c| c.verdict));
    Outcome {
        output,
        checks,
        verdict,
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
}

impl SeedResult {
    /// The result of one seed's outcome.
    pub fn of(seed: u64, o: &Outcome) -> SeedResult {
        let problems = o
            .checks
            .iter()
            .filter(|c| c.verdict != Verdict::Pass)
            .map(|c| match c.witness.first() {
                Some(w) if c.name == "protocol" => format!("{}: {} ({w})", c.name, c.summary),
                _ => format!("{}: {}", c.name, c.summary),
            })
            .collect();
        SeedResult {
            seed,
            verdict: o.verdict,
            trace_hash: o.output.trace_hash,
            problems,
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
    fn add(&mut self, r: SeedResult, first: u64) {
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

    /// Adds another worker's sweep of a disjoint set of seeds.
    fn merge(&mut self, other: Sweep, first: u64) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.unknown += other.unknown;
        for r in other.failed {
            keep_smallest(&mut self.failed, r, first);
        }
        for r in other.unknowns {
            keep_smallest(&mut self.unknowns, r, first);
        }
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
    let run = |seed: u64| run_seed(scenario, seed, Trace::hash_only());
    sweep_with(first, count, jobs, &run, progress)
}

/// Runs seeds `first..first + count` with `run` on `jobs` threads, calling `progress` after
/// each seed (from the thread that ran it). Each run stays single-threaded; only seeds run in
/// parallel, and the summary does not depend on thread timing. A panic that escapes a run
/// (protocol panics are already reported by the run itself) fails that seed; the sweep goes
/// on. Memory does not grow with `count`: only the seeds that did not pass are kept.
pub fn sweep_with(
    first: u64,
    count: u64,
    jobs: usize,
    run: &(dyn Fn(u64) -> Result<Outcome, RunError> + Sync),
    progress: &(dyn Fn(&SeedResult) + Sync),
) -> Result<Sweep, RunError> {
    let jobs = jobs.clamp(1, 256) as u64;
    let work = |k: u64| -> Result<Sweep, RunError> {
        let mut out = Sweep::default();
        let mut i = k;
        while i < count {
            let seed = first.wrapping_add(i);
            let r = match crate::sim::panics::catch(|| run(seed)) {
                Ok(outcome) => SeedResult::of(seed, &outcome?),
                Err(caught) => SeedResult {
                    seed,
                    verdict: Verdict::Fail,
                    trace_hash: 0,
                    problems: vec![format!("panic: faultline itself panicked: {caught}")],
                },
            };
            progress(&r);
            out.add(r, first);
            i += jobs;
        }
        Ok(out)
    };
    if jobs == 1 {
        return work(0);
    }
    let parts: Vec<Result<Sweep, RunError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..jobs).map(|k| s.spawn(move || work(k))).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("seed workers catch panics"))
            .collect()
    });
    let mut all = Sweep::default();
    for part in parts {
        all.merge(part?, first);
    }
    Ok(all)
}
