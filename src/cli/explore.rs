//! `faultline explore FILE --seeds N [--seed FIRST] [--jobs J]`: runs seeds FIRST..FIRST+N
//! with a progress bar (elapsed time, failures so far, seeds per second) and prints every
//! failing seed with its replay command.

use super::{BadInput, EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN};
use crate::check::Verdict;
use crate::explore::{replay_command, sweep, SeedResult, MAX_SEEDS};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Arguments of `faultline explore`.
#[derive(clap::Args, Debug)]
pub struct ExploreArgs {
    /// The scenario file.
    file: PathBuf,
    /// How many seeds to run (1 to 1,000,000,000).
    #[arg(long, default_value_t = 100)]
    seeds: u64,
    /// First seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads, 1 to 256 (runs stay single-threaded; only seeds run in parallel).
    #[arg(long, default_value_t = 1)]
    jobs: usize,
}

/// Sweeps seeds.
pub(super) fn explore(args: ExploreArgs) -> Result<i32, BadInput> {
    if !(1..=MAX_SEEDS).contains(&args.seeds) {
        return Err(BadInput(format!(
            "--seeds {}: expected a whole number from 1 to 1,000,000,000",
            args.seeds
        )));
    }
    if !(1..=256).contains(&args.jobs) {
        return Err(BadInput(format!(
            "--jobs {}: expected a whole number of worker threads from 1 to 256",
            args.jobs
        )));
    }
    let scenario = super::load(&args.file)?;
    let first = args.seed.unwrap_or(scenario.seed);
    if first.checked_add(args.seeds - 1).is_none() {
        return Err(BadInput(format!(
            "--seed {first} --seeds {}: the sweep would run past the largest seed, {}; expected a smaller first seed or fewer seeds",
            args.seeds,
            u64::MAX
        )));
    }
    say!(
        "exploring {} seeds of {} from seed {first}",
        args.seeds,
        scenario.path
    );
    let bar = ProgressBar::new(args.seeds);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} seeds  {elapsed} elapsed  {msg}  eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let fails = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let progress = |r: &SeedResult| {
        let failing = fails.load(Ordering::Relaxed) + u64::from(r.verdict == Verdict::Fail);
        if r.verdict == Verdict::Fail {
            fails.fetch_add(1, Ordering::Relaxed);
        }
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        let rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("{failing} failing  {} seeds/s", rounded(rate)));
        bar.inc(1);
    };
    let result = sweep(&scenario, first, args.seeds, args.jobs, &progress)?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    for r in &result.failed {
        say!("FAIL seed {}: {}", r.seed, r.problems.join("; "));
        say!("     replay: {}", replay_command(&scenario, r.seed));
    }
    if result.fail > result.failed.len() as u64 {
        say!(
            "(the {} smallest failing seeds are listed; {} more failed)",
            result.failed.len(),
            result.fail - result.failed.len() as u64
        );
    }
    const UNKNOWN_SHOWN: usize = 10;
    for r in result.unknowns.iter().take(UNKNOWN_SHOWN) {
        say!("UNKNOWN seed {}: {}", r.seed, r.problems.join("; "));
        say!("     replay: {}", replay_command(&scenario, r.seed));
    }
    if result.unknown > UNKNOWN_SHOWN as u64 {
        say!(
            "(the {UNKNOWN_SHOWN} smallest unknown seeds are listed; {} more were unknown)",
            result.unknown - UNKNOWN_SHOWN as u64
        );
    }
    say!(
        "{} seeds: {} pass, {} fail, {} unknown in {} ({} seeds/s)",
        result.total(),
        result.pass,
        result.fail,
        result.unknown,
        super::format_wall(secs),
        rounded(result.total() as f64 / secs)
    );
    Ok(if result.fail > 0 {
        EXIT_FAIL
    } else if result.unknown > 0 {
        EXIT_UNKNOWN
    } else {
        EXIT_PASS
    })
}

/// A rate with about three significant digits: `1234`, `56.7`, `0.89`.
fn rounded(rate: f64) -> String {
    if rate >= 100.0 {
        format!("{rate:.0}")
    } else if rate >= 10.0 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.2}")
    }
}
