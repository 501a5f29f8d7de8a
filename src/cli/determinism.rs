//! `faultline determinism FILE [--seed N]`: runs the seed twice, compares the trace hash
//! after every event, and names the first event where the two runs differ.

use super::{BadInput, EXIT_FAIL, EXIT_PASS};
use crate::des::trace::Trace;
use crate::explore::determinism::{compare, Comparison};
use crate::explore::run_seed;
use std::path::PathBuf;

/// Arguments of `faultline determinism`.
#[derive(clap::Args, Debug)]
pub struct DeterminismArgs {
    /// The scenario file.
    file: PathBuf,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
}

/// Compares two runs of the same seed.
pub(super) fn determinism(args: DeterminismArgs) -> Result<i32, BadInput> {
    let scenario = super::load(&args.file)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let run = |seed: u64, trace: Trace<'_>| run_seed(&scenario, seed, trace);
    match compare(&run, seed)? {
        Comparison::Identical { events, hash } => {
            say!(
                "deterministic: seed {seed} of {} ran twice with {events} identical events, trace hash {hash:016x}",
                scenario.path,
            );
            Ok(EXIT_PASS)
        }
        Comparison::Differs(d) => {
            say!(
                "NOT deterministic: seed {seed} of {} first differs at event {}",
                scenario.path,
                d.event
            );
            say!("  run 1: {}", d.first);
            say!("  run 2: {}", d.second);
            Ok(EXIT_FAIL)
        }
    }
}
