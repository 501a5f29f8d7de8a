//! `faultline run FILE [--seed N] [--json] [--trace F] [--history F] [--html F]`.

use super::{exit_for, load, BadInput};
use crate::des::trace::Trace;
use crate::explore::run_seed;
use crate::history::{write_edn, write_json, HistoryFormat};
use crate::report::html::{self, TraceCollector};
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
    /// Write a self-contained HTML report (space-time diagram, operation timeline with the
    /// witness, CAP panel, latencies) to this file.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
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
    let mut html_file = args.html.as_ref().map(create).transpose()?;
    // The report reads the trace lines as they are written (and passes them on to the
    // trace file); without --html nothing is collected.
    let (outcome, collected) = {
        let file = trace_file.as_mut().map(|f| f as &mut dyn Write);
        match html_file {
            Some(_) => {
                let mut c = TraceCollector::new(&scenario.cluster.nodes, file);
                let outcome = run_seed(&scenario, seed, Trace::to_writer(&mut c))?;
                let collected = c.finish(outcome.output.end_time);
                (outcome, Some(collected))
            }
            None => {
                let trace = file.map_or_else(Trace::hash_only, Trace::to_writer);
                (run_seed(&scenario, seed, trace)?, None)
            }
        }
    };
    if let Some(mut f) = trace_file {
        f.flush()?;
    }
    if let (Some(f), Some(c)) = (html_file.as_mut(), collected.as_ref()) {
        f.write_all(html::run_report(&scenario, &outcome, c).as_bytes())?;
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
