//! The readable summary `faultline run` prints.

use super::percentiles;
use crate::check::availability::{availability, ratio};
use crate::check::cap::{consistency_by_window, describe};
use crate::check::detection::{detection, Detection};
use crate::des::time::{format_approx, format_duration, format_instant};
use crate::explore::{replay_command, Outcome};
use crate::scenario::Scenario;
use std::fmt::Write;

/// Formats the text summary of one run.
pub fn text_report(scenario: &Scenario, outcome: &Outcome) -> String {
    let out = &outcome.output;
    let n = &out.net;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "scenario  {} ({}), seed {}",
        scenario.name, scenario.path, out.seed
    );
    let _ = writeln!(
        s,
        "cluster   {} on {} node(s): {}",
        scenario.cluster.protocol,
        out.nodes.len(),
        if out.nodes.len() <= 12 {
            out.nodes.join(" ")
        } else {
            format!("{} … {}", out.nodes[0], out.nodes[out.nodes.len() - 1])
        }
    );
    let _ = writeln!(
        s,
        "ran       {} of virtual time (duration {} + settle {}), {}; {} events",
        format_approx(out.end_time),
        format_duration(scenario.duration),
        format_duration(scenario.settle),
        out.stop.name(),
        out.events
    );
    let _ = writeln!(
        s,
        "messages  {} sent, {} delivered, {} lost, {} cut, {} to crashed nodes, {} duplicated, {} in flight",
        n.sent, n.delivered, n.dropped_loss, n.dropped_cut, n.dropped_crashed, n.duplicated, n.in_flight
    );
    if !out.faults.is_empty() {
        let _ = writeln!(s, "faults");
        for f in out.faults.iter().take(40) {
            let _ = writeln!(
                s,
                "  {:>10}  {:<8} {}",
                format_instant(f.time),
                f.source,
                f.what
            );
        }
        if out.faults.len() > 40 {
            let _ = writeln!(s, "  … and {} more (see --json)", out.faults.len() - 40);
        }
    }
    if scenario.workload.is_some() {
        let lat = percentiles(&out.ops.ok_latencies);
        let _ = writeln!(
            s,
            "ops       {} ok, {} fail, {} info; ok latency p50 {} p90 {} p99 {} max {}",
            out.ops.ok,
            out.ops.fail,
            out.ops.info,
            format_approx(lat.p50),
            format_approx(lat.p90),
            format_approx(lat.p99),
            format_approx(lat.max)
        );
    }
    if let Some(line) = requests_line(out) {
        let _ = writeln!(s, "{line}");
    }
    if !out.suspicions.is_empty() {
        let _ = writeln!(s, "{}", detector_line(&detection(out)));
    }
    if scenario.workload.is_some() && !out.partitions.is_empty() {
        let (windows, outside) = availability(out);
        let judged = consistency_by_window(scenario, out);
        let _ = writeln!(
            s,
            "availability during partitions (ops invoked in the window, by the side their client sits on{})",
            if judged.is_empty() {
                ""
            } else {
                "; then the strongest consistency models that side's reads kept"
            }
        );
        for (wi, w) in windows.iter().take(20).enumerate() {
            let sides: Vec<String> = w
                .sides
                .iter()
                .enumerate()
                .map(|(si, side)| {
                    let kept = judged
                        .get(wi)
                        .and_then(|j| j.sides.get(si))
                        .map(|c| format!(", {}", describe(c)))
                        .unwrap_or_default();
                    format!(
                        "[{}] {}{kept}",
                        side.nodes.join(" "),
                        ratio(side.ok, side.total)
                    )
                })
                .collect();
            let _ = writeln!(
                s,
                "  {:>10} - {:<10} {}",
                format_instant(w.start_ns),
                format_instant(w.end_ns),
                sides.join("   ")
            );
        }
        if windows.len() > 20 {
            let _ = writeln!(
                s,
                "  … and {} more windows (see --json)",
                windows.len() - 20
            );
        }
        let _ = writeln!(s, "  outside partitions: {}", ratio(outside.0, outside.1));
        let consistency: Vec<String> = outcome
            .checks
            .iter()
            .filter(|c| c.name != "engine" && c.name != "liveness")
            .map(|c| format!("{} {}", c.name, c.verdict.name().to_uppercase()))
            .collect();
        let _ = writeln!(
            s,
            "  consistency meanwhile (whole run): {}",
            consistency.join(", ")
        );
    }
    let _ = writeln!(s, "checks");
    for c in &outcome.checks {
        let _ = writeln!(
            s,
            "  {:<13} {:<7} {}",
            c.name,
            c.verdict.name().to_uppercase(),
            c.summary
        );
        for m in &c.consistency {
            let indent = crate::check::ladder::Model::from_name(m.model)
                .map_or(0, crate::check::ladder::depth)
                * 2;
            let name = format!("{:indent$}{}", "", m.model);
            let mark = m.verdict.mark();
            let _ = writeln!(s, "      {name:<27} {mark}");
        }
        for w in c.witness.iter().take(10) {
            let _ = writeln!(s, "      - {w}");
        }
        if c.witness.len() > 10 {
            let _ = writeln!(s, "      … and {} more (see --json)", c.witness.len() - 10);
        }
    }
    let _ = writeln!(s, "verdict   {}", outcome.verdict.name().to_uppercase());
    if let Some(swarm) = &out.swarm {
        let _ = writeln!(s, "swarm     {swarm}");
    }
    let _ = writeln!(s, "trace     {:016x}", out.trace_hash);
    let _ = writeln!(s, "replay    {}", replay_command(scenario, out.seed));
    s
}

/// The failure detectors' line: crash detection times and false suspicions.
fn detector_line(d: &Detection) -> String {
    let crashes = match d.mean_detection() {
        None => "no crash suspected".to_string(),
        Some(mean) => {
            let times: Vec<String> = d
                .crash_detection_ns
                .iter()
                .take(8)
                .map(|&t| format_approx(t))
                .collect();
            let more = if d.crash_detection_ns.len() > 8 {
                ", …"
            } else {
                ""
            };
            format!(
                "{} crash(es) suspected after {}{more} (mean {})",
                d.crash_detection_ns.len(),
                times.join(", "),
                format_approx(mean)
            )
        }
    };
    format!(
        "detector  {} suspicion(s): {crashes}; {} false: {} of paused nodes, {} of nodes cut off, {} of nodes up and reachable",
        d.suspicions,
        d.false_suspicions(),
        d.of_paused,
        d.of_cut_off,
        d.of_up
    )
}

/// `requests …`: what retries, request queues and breakers did, when any of them did anything.
fn requests_line(out: &crate::sim::RunOutput) -> Option<String> {
    let (ops, net) = (&out.ops, &out.net);
    if ops.resends == 0 && net.served == 0 && ops.breaker_fast_fails == 0 {
        return None;
    }
    let total = ops.outcomes.len().max(1) as f64;
    let mut line = format!(
        "requests  {} sent for {} ops ({:.1} per op, {} resends)",
        ops.sends,
        ops.outcomes.len(),
        ops.sends as f64 / total,
        ops.resends
    );
    if net.served > 0 {
        line.push_str(&format!(
            "; nodes served {}, {} after their client stopped waiting; {} turned away by full queues",
            net.served, net.served_stale, net.overloaded
        ));
    }
    if ops.breaker_fast_fails > 0 {
        line.push_str(&format!(
            "; {} failed at once by open circuit breakers",
            ops.breaker_fast_fails
        ));
    }
    Some(line)
}
