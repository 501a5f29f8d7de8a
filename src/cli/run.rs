//! `faultline run FILE [--seed N] [--json] [--trace F] [--history F]`.

use super::{exit_for, load, BadInput};
use crate::des::trace::Trace;
use crate::explore::run_seed;
use crate::history::{write_edn, write_json, HistoryFormat};
use crate::report::{json_report, text_report};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `faultline run`.
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The scenario file.
    file: PathBuf,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Print the JSON report instead of the text summary.
    #[arg(long)]
    json: bool,
    /// Write every event as a JSON line to this file.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Write the client history to this file (`.edn` Jepsen EDN, `.json`/`.jsonl` JSON lines).
    #[arg(long, value_name = "FILE")]
    history: Option<PathBuf>,
}

fn create(path: &PathBuf) -> Result<BufWriter<File>, BadInput> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| BadInput(format!("{}: cannot create: {e}", path.display())))
}

/// Runs one scenario.
pub(super) fn run(args: RunArgs) -> Result<i32, BadInput> {
    let scenario = load(&args.file)?;
    let seed = args.seed.unwrap_or(scenario.seed);
    let started = Instant::now();
    let mut trace_file = args.trace.as_ref().map(create).transpose()?;
    let trace = match trace_file.as_mut() {
        Some(f) => Trace::to_writer(f),
        None => Trace::hash_only(),
    };
    let outcome = run_seed(&scenario, seed, trace)?;
    if let Some(mut f) = trace_file {
        f.flush()?;
    }
    let wall = started.elapsed();
    if let Some(path) = &args.history {
        let mut f = create(path)?;
        let h = &outcome.output.history;
        match HistoryFormat::for_path(&path.to_string_lossy()) {
            HistoryFormat::Edn => write_edn(h, &mut f)?,
            HistoryFormat::Json => write_json(h, &mut f)?,
        }
        f.flush()?;
    }
    if args.json {
        let mut report = json_report(&scenario, &outcome);
        report["wall_ms"] = (wall.as_secs_f64() * 1000.0).into();
        say!("{report}");
    } else {
        say!("{}", text_report(&scenario, &outcome));
        let secs = wall.as_secs_f64().max(1e-9);
        let out = &outcome.output;
        say!(
            "speed     {:.3}s wall; {:.0} events/s, {:.0} deliveries/s",
            secs,
            out.events as f64 / secs,
            out.net.delivered as f64 / secs
        );
    }
    Ok(exit_for(outcome.verdict))
}
