//! `faultline explain FILE [--seed N] [--json]`: the scenario's teaching text and set-up,
//! then the story of its run with that seed (the scenario's own seed by default) — the few
//! events that led to a failure, or one line saying it passes.

use super::{list, load, BadInput, EXIT_PASS};
use crate::report::story::{story_json, story_text, tell};
use std::path::PathBuf;

/// Arguments of `faultline explain`.
#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// The scenario file.
    file: PathBuf,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Print the story as JSON (its sentences as `{t, kind, text}`, `t` in nanoseconds)
    /// instead of the text.
    #[arg(long)]
    json: bool,
}

/// Explains a scenario and tells the story of one of its runs.
pub(super) fn explain(args: ExplainArgs) -> Result<i32, BadInput> {
    let scenario = load(&args.file)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let (_, story) = tell(&scenario, seed)?;
    if args.json {
        say!("{}", story_json(&story));
    } else {
        list::explain(&scenario);
        say!();
        say!("{}", story_text(&story).trim_end());
    }
    Ok(EXIT_PASS)
}
