//! `faultline explore FILE --seeds N [--seed FIRST] [--jobs J] [--json] [--stop-after N]
//! [--determinism-sample K] [--shard I/N]`: runs seeds FIRST..FIRST+N (or one shard of them)
//! with a progress bar (elapsed time, failures so far, seeds per second) and prints every
//! failing seed with its replay command, the failure groups, failures per check, the
//! determinism sample, the counts and the speed — or all of it as JSON lines.

use super::BadInput;
use crate::check::Verdict;
use crate::explore::engine::{self, Options};
use crate::explore::results::{self, SeedRecord, Summary};
use crate::explore::seeds::{SeedSet, Shard, MAX_SHARDS};
use crate::explore::{SeedResult, MAX_SEEDS};
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
    /// Print one JSON line per failing or unknown seed, then a summary line, instead of text.
    #[arg(long)]
    json: bool,
    /// Stop after N failing seeds (the first N in seed order, whatever --jobs is).
    #[arg(long, value_name = "N")]
    stop_after: Option<u64>,
    /// Run every seed divisible by K twice and fail it as `nondeterministic` if the runs
    /// differ (0: never).
    #[arg(long, value_name = "K", default_value_t = 20)]
    determinism_sample: u64,
    /// Run only the I-th of N interleaved slices of the seeds (I from 1); `auto/N` takes I
    /// from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.
    #[arg(long, value_name = "I/N")]
    shard: Option<String>,
}

/// The seeds `args` ask for, or what is wrong with them.
fn seed_set(args: &ExploreArgs, first: u64) -> Result<SeedSet, BadInput> {
    if !(1..=MAX_SEEDS).contains(&args.seeds) {
        return Err(BadInput(format!(
            "--seeds {}: expected a whole number from 1 to 1,000,000,000",
            args.seeds
        )));
    }
    if first.checked_add(args.seeds - 1).is_none() {
        return Err(BadInput(format!(
            "--seed {first} --seeds {}: the sweep would run past the largest seed, {}; expected a smaller first seed or fewer seeds",
            args.seeds,
            u64::MAX
        )));
    }
    let env = |k: &str| std::env::var(k).ok();
    let shard = match &args.shard {
        None => None,
        Some(spec) => {
            let shard = Shard::parse(spec, &env)?;
            if shard.of > args.seeds {
                return Err(BadInput(format!(
                    "--shard {spec}: {} shards of {} seeds; expected at most as many shards as seeds (and at most {MAX_SHARDS})",
                    shard.of, args.seeds
                )));
            }
            if args.stop_after.is_some() {
                return Err(BadInput(format!(
                    "--shard {spec} --stop-after: a shard cannot know where the whole sweep would stop; expected one or the other"
                )));
            }
            Some(shard)
        }
    };
    Ok(SeedSet {
        first,
        count: args.seeds,
        shard,
    })
}

/// Sweeps seeds.
pub(super) fn explore(args: ExploreArgs) -> Result<i32, BadInput> {
    if !(1..=256).contains(&args.jobs) {
        return Err(BadInput(format!(
            "--jobs {}: expected a whole number of worker threads from 1 to 256",
            args.jobs
        )));
    }
    if args.stop_after == Some(0) {
        return Err(BadInput(
            "--stop-after 0: expected a number of failing seeds from 1".into(),
        ));
    }
    let scenario = super::load(&args.file)?;
    let bytes = std::fs::read(&args.file)
        .map_err(|e| BadInput(format!("{}: cannot read: {e}", args.file.display())))?;
    let first = args.seed.unwrap_or(scenario.seed);
    let seeds = seed_set(&args, first)?;
    if !args.json {
        say!("{}", results::header(&scenario.path, seeds));
    }
    let bar = ProgressBar::new(seeds.len());
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
        bar.set_message(format!(
            "{failing} failing  {} seeds/s",
            results::rounded(rate)
        ));
        bar.inc(1);
    };
    let options = Options {
        seeds,
        jobs: args.jobs,
        stop_after: args.stop_after,
        determinism_sample: args.determinism_sample,
        nodes: scenario.cluster.nodes.clone(),
    };
    let run = |seed: u64, trace: crate::des::trace::Trace<'_>| {
        crate::explore::run_seed(&scenario, seed, trace)
    };
    let json = args.json;
    let mut each = |r: &SeedResult| {
        if json && r.verdict != Verdict::Pass {
            say!("{}", json_line(&SeedRecord::of(&scenario.path, r)));
        }
    };
    let report = engine::run(&options, &run, &mut each, &progress)?;
    bar.finish_and_clear();
    let wall = started.elapsed().as_secs_f64().max(1e-9);
    let summary = Summary::of(
        &scenario,
        results::file_hash(&bytes),
        seeds,
        args.determinism_sample,
        args.stop_after,
        &report,
        wall,
    );
    if json {
        say!("{}", json_line(&summary));
    } else {
        let records = |list: &[SeedResult]| -> Vec<SeedRecord> {
            list.iter()
                .map(|r| SeedRecord::of(&scenario.path, r))
                .collect()
        };
        let text = results::text(
            &summary,
            &records(&report.sweep.failed),
            &records(&report.sweep.unknowns),
        );
        say!("{}", text.trim_end());
        if let Some(t) = &summary.timing {
            say!("{}", results::speed_line(summary.seeds_run, args.jobs, t));
        }
    }
    Ok(results::exit_code(&summary))
}

/// One value as a JSON line.
pub(super) fn json_line<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
