//! The sweep engine: runs a set of seeds with any run-one-seed function, on worker threads,
//! and tallies them in seed order.
//!
//! Seeds run in chunks of consecutive seeds; a chunk's seeds run in parallel, then are
//! tallied in seed order. So what a sweep reports never depends on `jobs` or on thread
//! timing: `--stop-after N` cuts at the N-th failing seed in seed order (the rest of that
//! chunk's results are dropped), and results are handed out in seed order. Memory does not
//! grow with the number of seeds: one chunk's results, the failure groups and the smallest
//! failing seeds are kept.
//!
//! A deterministic sample of seeds (those divisible by `determinism_sample`) runs twice; a
//! second run with another trace hash or verdict makes the seed fail as `nondeterministic`,
//! with the first differing event (see [`super::determinism`]).
//!
//! The engine times each run with the wall clock (simulation apart from checking) for the
//! speed line only: the time never reaches a run.

use super::determinism::{self, Comparison};
use super::seeds::SeedSet;
use super::{Outcome, SeedResult, Sweep};
use crate::check::Verdict;
use crate::des::trace::Trace;
use crate::sim::RunError;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A function that runs one seed with the given trace and checks it.
pub type RunOne<'a> = dyn Fn(u64, Trace<'_>) -> Result<Outcome, RunError> + Sync + 'a;

/// Seeds per worker in a chunk: large enough that workers rarely wait for each other.
const CHUNK_PER_JOB: u64 = 64;

/// How to sweep.
#[derive(Clone, Debug)]
pub struct Options {
    /// The seeds to run.
    pub seeds: SeedSet,
    /// Worker threads (1 to 256).
    pub jobs: usize,
    /// Stop after this many failing seeds (in seed order).
    pub stop_after: Option<u64>,
    /// Run every seed divisible by this twice and compare (0: never).
    pub determinism_sample: u64,
    /// Node names, left out of failure signatures.
    pub nodes: Vec<String>,
}

impl Options {
    /// Every seed of `seeds` on `jobs` threads: no stop, no determinism sample.
    pub fn new(seeds: SeedSet, jobs: usize) -> Options {
        Options {
            seeds,
            jobs,
            stop_after: None,
            determinism_sample: 0,
            nodes: Vec::new(),
        }
    }
}

/// Time spent, summed over workers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    /// Simulating (everything but the checks).
    pub simulation: Duration,
    /// Checking.
    pub checking: Duration,
}

impl Timing {
    fn add(&mut self, total: Duration, checking: Duration) {
        self.checking += checking;
        self.simulation += total.saturating_sub(checking);
    }
}

/// The seeds of one kind of failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// `fail` or `unknown`.
    pub verdict: Verdict,
    /// The failure signature.
    pub signature: String,
    /// The checks with that verdict.
    pub checks: Vec<String>,
    /// How many seeds.
    pub count: u64,
    /// The smallest seed (the first in the sweep's order).
    pub smallest: u64,
}

/// Groups in report order: failures before unknowns, the largest first, then by smallest
/// seed (position from `first`).
pub fn sort_groups(groups: &mut [Group], first: u64) {
    groups.sort_by(|a, b| {
        b.verdict
            .cmp(&a.verdict)
            .then(b.count.cmp(&a.count))
            .then(
                a.smallest
                    .wrapping_sub(first)
                    .cmp(&b.smallest.wrapping_sub(first)),
            )
            .then(a.signature.cmp(&b.signature))
    });
}

/// What a sweep found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Counts per verdict, and the smallest failing and unknown seeds.
    pub sweep: Sweep,
    /// Failing seeds per check (`nondeterministic` and `panic` included).
    pub failures_per_check: BTreeMap<String, u64>,
    /// Failure groups, in report order.
    pub groups: Vec<Group>,
    /// Seeds run twice for the determinism sample.
    pub determinism_checked: u64,
    /// Of those, how many differed.
    pub nondeterministic: u64,
    /// The seed of the `stop_after`-th failure, when the sweep stopped there.
    pub stopped_at: Option<u64>,
    /// Time spent.
    pub timing: Timing,
}

/// One seed's result and what it cost.
struct Done {
    result: SeedResult,
    sampled: bool,
    timing: Timing,
}

/// Runs the seeds of `options` with `run`. `progress` is called after each seed from the
/// thread that ran it; `each` is called for every seed tallied, in seed order. A run error
/// (a scenario that cannot run) stops the sweep.
pub fn run(
    options: &Options,
    run: &RunOne<'_>,
    each: &mut dyn FnMut(&SeedResult),
    progress: &(dyn Fn(&SeedResult) + Sync),
) -> Result<Report, RunError> {
    let jobs = options.jobs.clamp(1, 256) as u64;
    let total = options.seeds.len();
    let first = options.seeds.first;
    let mut report = Report::default();
    let mut groups: BTreeMap<(Verdict, String), Group> = BTreeMap::new();
    let mut start = 0;
    'chunks: while start < total {
        let n = (jobs * CHUNK_PER_JOB).min(total - start);
        for done in chunk(options, run, start, n, jobs, progress)? {
            let r = done.result;
            report.timing.simulation += done.timing.simulation;
            report.timing.checking += done.timing.checking;
            report.determinism_checked += u64::from(done.sampled);
            if r.checks.iter().any(|c| c == "nondeterministic") {
                report.nondeterministic += 1;
            }
            if r.verdict == Verdict::Fail {
                for c in &r.checks {
                    *report.failures_per_check.entry(c.clone()).or_default() += 1;
                }
            }
            if r.verdict != Verdict::Pass {
                groups
                    .entry((r.verdict, r.signature.clone()))
                    .and_modify(|g| g.count += 1)
                    .or_insert_with(|| Group {
                        verdict: r.verdict,
                        signature: r.signature.clone(),
                        checks: r.checks.clone(),
                        count: 1,
                        smallest: r.seed,
                    });
            }
            each(&r);
            let seed = r.seed;
            report.sweep.add(r, first);
            if options.stop_after.is_some_and(|n| report.sweep.fail >= n) {
                report.stopped_at = Some(seed);
                break 'chunks;
            }
        }
        start += n;
    }
    report.groups = groups.into_values().collect();
    sort_groups(&mut report.groups, first);
    Ok(report)
}

/// Runs the `n` seeds from position `start` of the set on `jobs` threads, and returns their
/// results in seed order.
fn chunk(
    options: &Options,
    run: &RunOne<'_>,
    start: u64,
    n: u64,
    jobs: u64,
    progress: &(dyn Fn(&SeedResult) + Sync),
) -> Result<Vec<Done>, RunError> {
    let one = |k: u64| -> Result<Done, RunError> {
        let done = seed(options, run, options.seeds.seed(start + k))?;
        progress(&done.result);
        Ok(done)
    };
    if jobs == 1 || n == 1 {
        return (0..n).map(one).collect();
    }
    let next = AtomicU64::new(0);
    let results: Mutex<Vec<(u64, Result<Done, RunError>)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(n) {
            s.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= n {
                    break;
                }
                let r = one(k);
                results
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((k, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(k, _)| *k);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Runs `seed` once, and a second time when it is in the determinism sample. A panic that
/// escapes a run (a bug in faultline, not in protocol code) fails the seed.
fn seed(options: &Options, run: &RunOne<'_>, seed: u64) -> Result<Done, RunError> {
    let mut timing = Timing::default();
    let mut once = || -> Result<(SeedResult, Verdict), RunError> {
        let started = Instant::now();
        let r = crate::sim::panics::catch(|| run(seed, Trace::hash_only()));
        Ok(match r {
            Ok(outcome) => {
                let o = outcome?;
                timing.add(started.elapsed(), o.check_time);
                (SeedResult::of(seed, &o, &options.nodes), o.verdict)
            }
            Err(caught) => {
                timing.add(started.elapsed(), Duration::ZERO);
                let r = SeedResult::panicked(seed, &caught.to_string());
                (r, Verdict::Fail)
            }
        })
    };
    let (mut result, verdict) = once()?;
    let sampled = options.determinism_sample > 0 && seed % options.determinism_sample == 0;
    if sampled {
        let (again, again_verdict) = once()?;
        if again.trace_hash != result.trace_hash || again_verdict != verdict {
            let difference = crate::sim::panics::catch(|| determinism::compare(run, seed))
                .map_err(|c| c.to_string());
            mark_nondeterministic(&mut result, &again, difference);
        }
    }
    Ok(Done {
        result,
        sampled,
        timing,
    })
}

/// Makes `r` a `nondeterministic` failure: its second run `again` differed.
fn mark_nondeterministic(
    r: &mut SeedResult,
    again: &SeedResult,
    difference: Result<Result<Comparison, RunError>, String>,
) {
    let at = match difference {
        Ok(Ok(Comparison::Differs(d))) => format!(
            "first differs at event {}: run 1: {}; run 2: {}",
            d.event, d.first, d.second
        ),
        Ok(Ok(Comparison::Identical { .. })) => {
            "two more runs to find the first differing event did not differ".into()
        }
        Ok(Err(e)) => format!("re-running it to find the first differing event failed: {e}"),
        Err(panic) => format!("re-running it to find the first differing event panicked: {panic}"),
    };
    r.problems.push(format!(
        "nondeterministic: run twice, trace hash {:016x} then {:016x}, verdict {} then {}; {at}",
        r.trace_hash,
        again.trace_hash,
        r.verdict.name(),
        again.verdict.name()
    ));
    if r.verdict == Verdict::Fail {
        r.checks.push("nondeterministic".into());
        r.signature.push_str(" + nondeterministic");
    } else {
        r.verdict = Verdict::Fail;
        r.checks = vec!["nondeterministic".into()];
        r.signature = "nondeterministic".into();
    }
}
