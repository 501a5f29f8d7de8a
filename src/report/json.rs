//! The JSON report: one object with scenario, seed, version, trace hash, verdicts,
//! witnesses, counts, latency percentiles, faults and the replay command.

use super::percentiles;
use crate::check::availability::availability;
use crate::check::cap::consistency_by_window;
use crate::check::detection::detection;
use crate::explore::{replay_command, Outcome};
use crate::scenario::{Expect, Scenario};
use serde_json::{json, Value};

/// Builds the JSON report of one run.
pub fn json_report(scenario: &Scenario, outcome: &Outcome) -> Value {
    let out = &outcome.output;
    let n = &out.net;
    let lat = percentiles(&out.ops.ok_latencies);
    let (windows, outside) = availability(out);
    json!({
        "scenario": scenario.name,
        "path": scenario.path,
        "protocol": scenario.cluster.protocol,
        "nodes": out.nodes,
        "seed": out.seed,
        "version": env!("CARGO_PKG_VERSION"),
        "trace_hash": format!("{:016x}", out.trace_hash),
        "swarm": out.swarm,
        "verdict": outcome.verdict.name(),
        "expect": match scenario.expect { Expect::Pass => "pass", Expect::Fail => "fail" },
        "stop": out.stop.name(),
        "end_time_ns": out.end_time,
        "events": out.events,
        "messages": {
            "sent": n.sent, "duplicated": n.duplicated, "delivered": n.delivered,
            "dropped_loss": n.dropped_loss, "dropped_cut": n.dropped_cut,
            "dropped_crashed": n.dropped_crashed, "in_flight": n.in_flight,
        },
        "timers_fired": n.timers_fired,
        "writes_completed": n.writes_completed,
        "ops": { "ok": out.ops.ok, "fail": out.ops.fail, "info": out.ops.info, "history_entries": out.history.ops.len() },
        "requests": {
            "sent": out.ops.sends, "resends": out.ops.resends, "served": n.served,
            "served_stale": n.served_stale, "overloaded": n.overloaded,
            "breaker_fast_fails": out.ops.breaker_fast_fails,
        },
        "latency_ns": { "p50": lat.p50, "p90": lat.p90, "p99": lat.p99, "max": lat.max },
        "faults": out.faults.iter().map(|f| json!({ "time_ns": f.time, "source": f.source, "what": f.what })).collect::<Vec<_>>(),
        "checks": outcome.checks.iter().map(|c| {
            let mut v = json!({
                "name": c.name, "verdict": c.verdict.name(), "summary": c.summary, "witness": c.witness,
            });
            if !c.consistency.is_empty() {
                // Each model's verdict, as `check --json` gives it.
                v["consistency"] = json!(c.consistency.iter().map(|m| json!({
                    "model": m.model, "verdict": m.verdict, "reason": m.reason,
                })).collect::<Vec<_>>());
            }
            if !c.refs.is_empty() {
                // The operations the witness is about, as history positions.
                v["refs"] = json!(c.refs);
            }
            v
        }).collect::<Vec<_>>(),
        "detection": detection(out),
        "suspicions": out.suspicions.iter().map(|s| json!({
            "time_ns": s.time, "by": out.nodes[s.by.index()], "of": out.nodes[s.of.index()],
            "truth": s.truth,
        })).collect::<Vec<_>>(),
        "availability": {
            "partitions": windows,
            "outside_partitions": { "ok": outside.0, "total": outside.1 },
            // The ladder on each side's reads per window (when the ladder check runs).
            "consistency": consistency_by_window(scenario, out),
        },
        "panic": out.panic.as_ref().map(|p| json!({
            "protocol": p.protocol, "node": p.node, "step": p.step, "time_ns": p.time,
            "during": p.during, "message": p.message,
        })),
        "replay": replay_command(scenario, out.seed),
    })
}
