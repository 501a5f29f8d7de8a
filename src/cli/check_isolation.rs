//! `faultline check FILE --model list-append|rw-register [--consistency all|NAME,...]`: the
//! isolation levels of transaction histories. Exit 0 when every level asked for holds, 1 when
//! one fails, 2 bad input, 3 when one is unknown.

use super::check::CheckArgs;
use super::{BadInput, EXIT_BAD_INPUT};
use crate::check::isolation::{self, Assumptions, Options, Report, Workload};
use crate::check::linear::InputError;
use crate::check::Verdict;
use crate::history::HistorySource;
use std::time::Instant;

/// The options `args` give for `workload`.
pub(super) fn options(args: &CheckArgs, workload: Workload) -> Result<Options, BadInput> {
    let mut opts = Options::new(workload);
    if let Some(text) = &args.consistency {
        let names: Vec<String> = text.split(',').map(|s| s.trim().to_string()).collect();
        opts.levels = isolation::parse_levels(&names)
            .map_err(|e| BadInput(format!("--consistency {text}: {e}")))?;
    }
    opts.assume = Assumptions {
        wfr_keys: args.wfr_keys,
        sequential_keys: args.sequential_keys,
        linearizable_keys: args.linearizable_keys,
    };
    if workload == Workload::ListAppend && opts.assume != Assumptions::default() {
        return Err(BadInput(
            "--wfr-keys, --sequential-keys and --linearizable-keys order rw-register versions; list-append reads show the order".into(),
        ));
    }
    if args.init.is_some() {
        return Err(BadInput(format!(
            "--init does not apply to --model {}: every key starts empty (nil)",
            args.model
        )));
    }
    opts.max_visits = args.max_visits;
    Ok(opts)
}

/// Checks one history; returns the exit code.
pub(super) fn check_one(source: &HistorySource, opts: &Options, args: &CheckArgs) -> i32 {
    let started = Instant::now();
    let report = match isolation::check(&source.history, opts) {
        Ok(r) => r,
        Err(InputError::Entry { entry, message }) => {
            let what = format!("{message} (checking with --model {})", args.model);
            eprintln!("error: {}", source.error(Some(entry), what));
            return EXIT_BAD_INPUT;
        }
        Err(InputError::Init(e)) => {
            eprintln!("error: {}: {e}", source.file);
            return EXIT_BAD_INPUT;
        }
    };
    let check_ms = started.elapsed().as_secs_f64() * 1000.0;
    if args.json {
        let v = serde_json::json!({
            "file": source.file,
            "model": args.model,
            "verdict": report.verdict(),
            "transactions": report.transactions,
            "edges": report.edges,
            "consistency": report.consistency,
            "strongest": report.strongest,
            "anomalies": report.anomalies,
            "incomplete": report.incomplete,
            "check_ms": check_ms,
        });
        say!("{v}");
    } else {
        print_text(&source.file, &report, check_ms);
    }
    super::exit_for(report.verdict())
}

fn print_text(file: &str, report: &Report, check_ms: f64) {
    let e = report.edges;
    say!(
        "{file} ({} transaction{}, {check_ms:.1} ms): {} ww, {} wr, {} rw, {} realtime edges",
        report.transactions,
        if report.transactions == 1 { "" } else { "s" },
        e.ww,
        e.wr,
        e.rw,
        e.realtime
    );
    for m in &report.consistency {
        let mark = match m.verdict {
            Verdict::Pass => "holds",
            Verdict::Fail => "BREAKS",
            Verdict::Unknown => "unknown",
        };
        say!("  {:<20} {mark:<8} {}", m.model, m.reason);
    }
    if report.strongest.is_empty() {
        say!("strongest level that holds: none of those checked");
    } else {
        say!(
            "strongest level that holds: {}",
            report.strongest.join(" and ")
        );
    }
    if !report.anomalies.is_empty() {
        say!("anomalies:");
    }
    // At most a few of each kind: a real run can show hundreds (--json lists them all).
    const SHOWN: usize = 3;
    let mut i = 0;
    while i < report.anomalies.len() {
        let kind = &report.anomalies[i].anomaly;
        let same = report.anomalies[i..]
            .iter()
            .take_while(|f| &f.anomaly == kind)
            .count();
        for f in &report.anomalies[i..i + same.min(SHOWN)] {
            say!("  {}", f.anomaly);
            for t in &f.transactions {
                say!("    {t}");
            }
            say!("    {}", f.explanation);
        }
        if same > SHOWN {
            say!(
                "  ... and {} more {kind} (--json lists every one)",
                same - SHOWN
            );
        }
        i += same;
    }
    for k in &report.incomplete {
        say!("  (the search for {k} cycles ran out of budget: raise --max-visits)");
    }
}
