//! `faultline explore FILE --seeds N [--seed FIRST] [--jobs J]`: runs seeds FIRST..FIRST+N
//! with a progress bar and prints every failing seed with its replay command.

use super::{BadInput, EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN};
use crate::check::Verdict;
use crate::explore::{replay_command, sweep};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `faultline explore`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    /// The scenario file.
    file: PathBuf,
    /// How many seeds to run.
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// First seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (runs stay single-threaded; only seeds run in parallel).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
}

/// Sweeps seeds.
pub(super) fn explore(args: ExploreArgs) -> Result<i32, BadInput> {
    let scenario = super::load(&args.file)?;
    if args.seeds == 0 {
        return Err(BadInput("--seeds must be at least 1".into()));
    }
    let first = args.seed.unwrap_or(scenario.seed);
    say!(
        "exploring {} seeds of {} from seed {first}",
        args.seeds,
        scenario.path
    );
    let bar = ProgressBar::new(args.seeds);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} seeds  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let fails = std::sync::atomic::AtomicU64::new(0);
    let results = sweep(&scenario, first, args.seeds, args.jobs, &|r| {
        if r.verdict == Verdict::Fail {
            let f = fails.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bar.set_message(format!("{f} failing"));
        }
        bar.inc(1);
    })?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let failing: Vec<_> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .collect();
    let unknown = results
        .iter()
        .filter(|r| r.verdict == Verdict::Unknown)
        .count();
    for r in &failing {
        say!("FAIL seed {}: {}", r.seed, r.problems.join("; "));
        say!("     replay: {}", replay_command(&scenario, r.seed));
    }
    for r in results
        .iter()
        .filter(|r| r.verdict == Verdict::Unknown)
        .take(10)
    {
        say!("UNKNOWN seed {}: {}", r.seed, r.problems.join("; "));
    }
    say!(
        "{} seeds: {} pass, {} fail, {unknown} unknown ({:.1} seeds/s)",
        results.len(),
        results.len() - failing.len() - unknown,
        failing.len(),
        results.len() as f64 / secs
    );
    Ok(if !failing.is_empty() {
        EXIT_FAIL
    } else if unknown > 0 {
        EXIT_UNKNOWN
    } else {
        EXIT_PASS
    })
}
