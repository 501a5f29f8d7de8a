//! `faultline merge RESULTS... [--json]`: combines the `explore --json` results of every
//! shard of a sweep into what one unsharded sweep prints (the same text, or the same JSON
//! lines); only the timing differs. Shards that do not belong together are bad input.

use super::explore::json_line;
use super::BadInput;
use crate::explore::merge::{merge, read};
use crate::explore::results::{self, format_seconds};
use std::path::PathBuf;

/// Arguments of `faultline merge`.
#[derive(clap::Args, Debug)]
pub struct MergeArgs {
    /// The shards' `explore --json` output files.
    #[arg(required = true)]
    results: Vec<PathBuf>,
    /// Print the merged results as JSON lines (seed lines, then the summary line).
    #[arg(long)]
    json: bool,
}

/// Merges shard results.
pub(super) fn run(args: MergeArgs) -> Result<i32, BadInput> {
    let mut shards = Vec::new();
    for path in &args.results {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| BadInput(format!("{name}: cannot read: {e}")))?;
        shards.push(read(&name, &text)?);
    }
    let n = shards.len();
    let merged = merge(shards)?;
    let s = &merged.summary;
    if args.json {
        for r in &merged.records {
            say!("{}", json_line(r));
        }
        say!("{}", json_line(s));
    } else {
        say!("{}", results::header(&s.scenario, s.seeds()));
        let text = results::text(s, &merged.failed(), &merged.unknowns());
        say!("{}", text.trim_end());
        if let Some(t) = &s.timing {
            say!(
                "speed: merged {n} shard{}; slowest shard {} wall; simulation {}, checking {} (summed over shards)",
                if n == 1 { "" } else { "s" },
                format_seconds(t.wall_seconds),
                format_seconds(t.simulation_seconds),
                format_seconds(t.checking_seconds)
            );
        }
    }
    Ok(results::exit_code(s))
}
