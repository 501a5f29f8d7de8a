//! `faultline check FILE --model list-append|rw-register [--consistency all|NAME,...]`: the
//! isolation levels of transaction histories. Exit 0 when every level asked for holds, 1 when
//! one fails, 2 bad input, 3 when one is unknown.

use crate::check::isolation::{self, Options, Report};
use crate::check::ladder::{self, Input, Limits, Model};
use crate::check::linear::Budget;
use crate::check::Verdict;
use crate::history::HistorySource;
use std::time::Instant;

/// Checks one history; returns the exit code.
/// With `ladder`, the register models too (rw-register).
pub(super) fn check_one(
    source: &HistorySource,
    opts: &Options,
    ladder: Option<(&Input, &[Model], &Budget<'_>)>,
    json: bool,
    model: &str,
    html: Option<&std::path::Path>,
) -> i32 {
    let started = Instant::now();
    let report = match isolation::check(&source.history, opts) {
        Ok(r) => r,
        Err(e) => return super::check::input_error(source, e, model),
    };
    let registers = match ladder {
        None => None,
        Some((input, models, budget)) => {
            match ladder::check(&source.history, input, models, Limits::default(), budget) {
                Ok(l) => Some(l),
                Err(e) => return super::check::input_error(source, e, model),
            }
        }
    };
    let verdict = Verdict::combine(
        std::iter::once(report.verdict()).chain(registers.as_ref().map(|l| l.verdict())),
    );
    let check_ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Some(path) = html {
        let checks = [report.to_check_result()];
        let command = super::check::command_without_html();
        let page = crate::report::html::history_report(
            &source.file,
            model,
            &command,
            &source.history,
            &checks,
        );
        if let Err(super::BadInput(e)) = super::check::write_html(path, &page) {
            eprintln!("error: {e}");
            return super::EXIT_BAD_INPUT;
        }
    }
    if json {
        let mut consistency: Vec<serde_json::Value> = report
            .consistency
            .iter()
            .map(|m| serde_json::to_value(m).unwrap_or_default())
            .collect();
        if let Some(l) = &registers {
            consistency.extend(super::check_ladder::json_rungs(l));
        }
        let v = serde_json::json!({
            "file": source.file,
            "model": model,
            "verdict": verdict,
            "transactions": report.transactions,
            "edges": report.edges,
            "consistency": consistency,
            "ladder_strongest": registers.as_ref().map(|l| &l.strongest),
            "ladder_weakest_broken": registers.as_ref().map(|l| &l.weakest_broken),
            "strongest": report.strongest,
            "anomalies": report.anomalies,
            "incomplete": report.incomplete,
            "check_ms": check_ms,
        });
        say!("{v}");
    } else {
        print_text(&source.file, &report, check_ms);
        if let Some(l) = &registers {
            let lists = if model == "list-append" {
                " (each list read as a register holding the whole list)"
            } else {
                " (as register operations)"
            };
            say!("the transactions on the consistency ladder{lists}:");
            super::check_ladder::print_ladder(l);
        }
    }
    super::exit_for(verdict)
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
        let mark = m.verdict.mark();
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
