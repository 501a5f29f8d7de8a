//! `faultline determinism FILE [--seed N]`: runs the seed twice, compares the trace hash
//! after every event, and names the first event where the two runs differ.

use super::{BadInput, EXIT_FAIL, EXIT_PASS};
use crate::des::trace::Trace;
use crate::explore::run_seed;
use crate::scenario::Scenario;
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

fn event_line(scenario: &Scenario, seed: u64, index: usize) -> Result<String, BadInput> {
    let mut buf = Vec::new();
    run_seed(scenario, seed, Trace::to_writer(&mut buf))?;
    let needle = format!("{{\"i\":{index},");
    Ok(String::from_utf8_lossy(&buf)
        .lines()
        .find(|l| l.starts_with(&needle))
        .unwrap_or("(event not found in the trace)")
        .to_string())
}

/// Compares two runs of the same seed.
pub(super) fn determinism(args: DeterminismArgs) -> Result<i32, BadInput> {
    let scenario = super::load(&args.file)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let a = run_seed(&scenario, seed, Trace::hash_only().keep_digests())?;
    let b = run_seed(&scenario, seed, Trace::hash_only().keep_digests())?;
    let (da, db) = (
        a.output.digests.unwrap_or_default(),
        b.output.digests.unwrap_or_default(),
    );
    match da
        .iter()
        .zip(&db)
        .position(|(x, y)| x != y)
        .or((da.len() != db.len()).then(|| da.len().min(db.len())))
    {
        None => {
            say!(
                "deterministic: seed {seed} of {} ran twice with {} identical events, trace hash {:016x}",
                scenario.path,
                da.len(),
                a.output.trace_hash
            );
            Ok(EXIT_PASS)
        }
        Some(i) => {
            say!(
                "NOT deterministic: seed {seed} of {} first differs at event {i}",
                scenario.path
            );
            say!("  run 1: {}", event_line(&scenario, seed, i)?);
            say!("  run 2: {}", event_line(&scenario, seed, i)?);
            Ok(EXIT_FAIL)
        }
    }
}
