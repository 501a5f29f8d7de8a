//! Running seeds: one seed end to end (simulate, then check), and sweeps over many seeds,
//! parallel across seeds only (each run stays single-threaded and deterministic).

use crate::check::{self, CheckResult, Verdict};
use crate::scenario::Scenario;
use crate::sim::trace::Trace;
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

/// Runs one seed and checks it.
pub fn run_seed(scenario: &Scenario, seed: u64, trace: Trace<'_>) -> Result<Outcome, RunError> {
    let output = sim::run(scenario, seed, trace)?;
    let checks = check::evaluate(scenario, &output);
    let verdict = Verdict::combine(checks.iter().map(|c| c.verdict));
    Ok(Outcome {
        output,
        checks,
        verdict,
    })
}

/// A seed's verdict in a sweep, with its checks' one-line summaries for failures.
#[derive(Clone, Debug)]
pub struct SeedResult {
    /// The seed.
    pub seed: u64,
    /// Its verdict.
    pub verdict: Verdict,
    /// Trace hash of the run.
    pub trace_hash: u64,
    /// Summaries of the checks that did not pass.
    pub problems: Vec<String>,
}

/// Runs `count` seeds from `first` on `jobs` threads, calling `progress` after each seed (from
/// the thread that ran it). Results come back sorted by seed, whatever the thread timing.
pub fn sweep(
    scenario: &Scenario,
    first: u64,
    count: u64,
    jobs: usize,
    progress: &(dyn Fn(&SeedResult) + Sync),
) -> Result<Vec<SeedResult>, RunError> {
    let jobs = jobs.clamp(1, 64) as u64;
    let work = |k: u64| -> Result<Vec<SeedResult>, RunError> {
        let mut out = Vec::new();
        let mut i = k;
        while i < count {
            let seed = first.wrapping_add(i);
            let o = run_seed(scenario, seed, Trace::hash_only())?;
            let problems = o
                .checks
                .iter()
                .filter(|c| c.verdict != Verdict::Pass)
                .map(|c| format!("{}: {}", c.name, c.summary))
                .collect();
            let r = SeedResult {
                seed,
                verdict: o.verdict,
                trace_hash: o.output.trace_hash,
                problems,
            };
            progress(&r);
            out.push(r);
            i += jobs;
        }
        Ok(out)
    };
    let mut all = Vec::with_capacity(count as usize);
    if jobs == 1 {
        all = work(0)?;
    } else {
        let parts: Vec<Result<Vec<SeedResult>, RunError>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..jobs).map(|k| s.spawn(move || work(k))).collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("seed worker panicked"))
                .collect()
        });
        for p in parts {
            all.extend(p?);
        }
    }
    all.sort_by_key(|r| r.seed.wrapping_sub(first));
    Ok(all)
}
