//! The HTML report (`faultline run --html`, `faultline check --html`): one self-contained
//! file, no network access. It shows the space-time diagram of a run (lanes per node and
//! client, messages as arrows from send to fate, crashes, pauses, partitions, faults, notes),
//! the client operation timeline with the failing check's witness highlighted, the CAP
//! panel, latency percentiles and histogram, and the scenario, seed, trace hash and replay
//! command. The data is embedded as compact JSON and a small script draws only the visible
//! time window, aggregating messages when there are too many to draw one by one.
//!
//! Module jobs: [`trace`] reads the run's trace lines into what the diagram needs, [`data`]
//! pairs operations and builds the embedded data, [`latency`] draws the latency panel,
//! [`layout`] assembles the page (its style and script are `assets/`).

pub mod data;
pub mod latency;
pub mod layout;
pub mod trace;

pub use trace::{Collected, TraceCollector};

use crate::check::CheckResult;
use crate::des::time::format_instant;
use crate::explore::Outcome;
use crate::history::History;
use crate::report::json_report;
use crate::scenario::Scenario;
use serde_json::{json, Value};

/// The report of one run: `trace` is what a [`TraceCollector`] read from its trace.
pub fn run_report(scenario: &Scenario, outcome: &Outcome, trace: &Collected) -> String {
    let out = &outcome.output;
    let report = json_report(scenario, outcome);
    let header = layout::Header {
        title: scenario.name.clone(),
        verdict: outcome.verdict.name().to_string(),
        rows: vec![
            ("scenario", scenario.path.clone(), true),
            ("protocol", scenario.cluster.protocol.clone(), false),
            ("seed", out.seed.to_string(), false),
            ("trace hash", format!("{:016x}", out.trace_hash), true),
            (
                "run",
                format!(
                    "{} events, {} of virtual time, stopped: {}; {} messages sent, {} delivered",
                    out.events,
                    format_instant(out.end_time),
                    out.stop.name(),
                    out.net.sent,
                    out.net.delivered
                ),
                false,
            ),
            (
                "replay",
                report["replay"].as_str().unwrap_or_default().to_string(),
                true,
            ),
            ("faultline", env!("CARGO_PKG_VERSION").to_string(), false),
        ],
    };
    let (timeline, spans) = data::timeline(&out.history, &outcome.checks);
    let partitions: Vec<Value> = out
        .partitions
        .iter()
        .map(|p| {
            let sides: Vec<String> = p
                .sides
                .iter()
                .map(|s| {
                    let names: Vec<&str> =
                        s.iter().map(|n| out.nodes[n.index()].as_str()).collect();
                    format!("{{{}}}", names.join(" "))
                })
                .collect();
            json!([p.start, p.end, sides.join(" | ")])
        })
        .collect();
    let faults: Vec<Value> = out
        .faults
        .iter()
        .map(|f| json!([f.time, format!("{}: {}", f.source, f.what)]))
        .collect();
    let diagram = data::diagram(&out.nodes, trace, partitions, faults);
    let data = json!({ "timeline": timeline, "diagram": diagram, "end": out.end_time });
    let panels = [
        layout::checks_panel(&outcome.checks),
        layout::diagram_panel(),
        layout::timeline_panel(),
        layout::cap_panel(&report["availability"], &outcome.checks, &out.history),
        latency::panel(&data::ok_latencies(&spans)),
    ];
    layout::page(&header, &panels, &data)
}

/// The report of an external history checked with `faultline check`: there is no trace, so
/// it shows the checks with their witness, the operation timeline and the latencies.
///
/// `command` is the command that checks the history the same way (the CLI gives its own
/// arguments without `--html`). The view opens on the operations: an external history's
/// clock may start far from zero.
pub fn history_report(
    file: &str,
    model: &str,
    command: &str,
    history: &History,
    checks: &[CheckResult],
) -> String {
    let verdict = crate::check::Verdict::combine(checks.iter().map(|c| c.verdict));
    let header = layout::Header {
        title: file.to_string(),
        verdict: verdict.name().to_string(),
        rows: vec![
            ("history", file.to_string(), true),
            ("model", model.to_string(), false),
            ("entries", history.ops.len().to_string(), false),
            ("command", command.to_string(), true),
            ("faultline", env!("CARGO_PKG_VERSION").to_string(), false),
        ],
    };
    let (timeline, spans) = data::timeline(history, checks);
    let end = timeline["end"].clone();
    let begin = history.ops.iter().map(|o| o.time).min().unwrap_or(0);
    let data = json!({ "timeline": timeline, "diagram": null, "begin": begin, "end": end });
    let panels = [
        layout::checks_panel(checks),
        layout::timeline_panel(),
        latency::panel(&data::ok_latencies(&spans)),
    ];
    layout::page(&header, &panels, &data)
}
