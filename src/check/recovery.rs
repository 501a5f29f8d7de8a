//! Recovery after the last fault: once every fault has healed, does the service come back?
//! A system can stay down after its trigger is gone — a *metastable failure* (Bronson,
//! Aghayev, Charapko and Zhu, "Metastable Failures in Distributed Systems", HotOS 2021): a
//! brief pause fills a node's request queue, clients time out and resend at a fixed rate,
//! the resends keep the queue full of requests whose clients have already given up, and the
//! node spends all its capacity on work nobody waits for. Liveness (final reads) does not see
//! it, because the storm ends when the workload does.
//!
//! The check: of the operations invoked from `[limits] recovery_window` after the last fault
//! healed (the last fault event a script or the nemesis fired: a heal, a resume, a restart)
//! until the workload ends, at least `[limits] recovery_answered` must be answered (`ok`, or
//! a definite `fail` such as a cas mismatch). Operations an open circuit breaker failed
//! without sending count as unanswered: the client got no service. The witness draws the
//! share answered over the whole run, and how much of the nodes' work was wasted.

use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::des::time::{format_duration, Nanos};
use crate::scenario::Scenario;
use crate::sim::RunOutput;
use crate::workload::OpOutcome;

/// Columns of the answered-share timeline in the witness.
const TIMELINE_COLUMNS: u64 = 20;

/// The service recovers after the last fault heals.
pub struct Recovery;

impl Checker for Recovery {
    fn name(&self) -> &'static str {
        "recovery"
    }
    fn about(&self) -> &'static str {
        "after the last fault heals, the service answers operations again (no metastable failure such as a retry storm)"
    }
    fn on_by_default(&self, _: &Scenario) -> bool {
        false
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match &s.workload {
            Some(_) => Ok(()),
            None => Err("operations to judge the service by; expected a [workload]"),
        }
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        Some(check_recovery(input.scenario, input.run))
    }
}

/// The verdict on `run` of `scenario`.
pub fn check_recovery(scenario: &Scenario, run: &RunOutput) -> CheckResult {
    let result = |verdict, summary: String, witness| CheckResult {
        name: "recovery",
        verdict,
        summary,
        witness,
        consistency: Vec::new(),
        refs: Default::default(),
    };
    let end = scenario.duration;
    let healed = last_fault(run, end);
    let from = healed.map_or(0, |t| t) + scenario.limits.recovery_window;
    let since = match healed {
        Some(t) => format!("the last fault healed at {}", format_duration(t)),
        None => "the start (no fault fired)".to_string(),
    };
    if from >= end {
        let summary = format!(
            "undecided: the workload ended {} after {since}, within the recovery window of {}; expected a longer `duration` or a shorter `[limits] recovery_window`",
            format_duration(end.saturating_sub(healed.unwrap_or(0))),
            format_duration(scenario.limits.recovery_window)
        );
        return result(Verdict::Unknown, summary, Vec::new());
    }
    let (answered, total) = share(&run.ops.outcomes, from, end);
    let span = format!(
        "invoked from {} to {}, {} after {since}",
        format_duration(from),
        format_duration(end),
        format_duration(scenario.limits.recovery_window)
    );
    if total == 0 {
        let summary = format!("undecided: no operation was {span}");
        return result(Verdict::Unknown, summary, Vec::new());
    }
    let need = scenario.limits.recovery_answered.value;
    let got = answered as f64 / total as f64;
    let summary = format!(
        "the service answered {answered} of {total} operations ({:.0}%) {span}; needs {:.0}%",
        got * 100.0,
        need * 100.0
    );
    if got >= need {
        return result(Verdict::Pass, summary, Vec::new());
    }
    if run.stop.is_limit() {
        let summary = format!("undecided: the run stopped early ({})", run.stop.name());
        return result(Verdict::Unknown, summary, Vec::new());
    }
    let mut witness = vec![timeline(&run.ops.outcomes, end, healed)];
    witness.extend(amplification(run));
    result(Verdict::Fail, summary, witness)
}

/// The time of the last fault a script or the nemesis fired before `end`.
fn last_fault(run: &RunOutput, end: Nanos) -> Option<Nanos> {
    run.faults
        .iter()
        .filter(|f| f.source != "engine" && f.time < end)
        .map(|f| f.time)
        .max()
}

/// (answered, total) of the operations invoked in `[from, to)`.
fn share(outcomes: &[OpOutcome], from: Nanos, to: Nanos) -> (u64, u64) {
    outcomes
        .iter()
        .filter(|o| (from..to).contains(&o.invoked))
        .fold((0, 0), |(a, t), o| (a + u64::from(o.answered), t + 1))
}

/// `answered per 500ms: 100 100 98 | 4 0 0 …` (percent; `|` where the last fault healed;
/// `-` where no operation was invoked).
fn timeline(outcomes: &[OpOutcome], end: Nanos, healed: Option<Nanos>) -> String {
    let width = end.div_ceil(TIMELINE_COLUMNS).max(1);
    let mut cells = Vec::new();
    for i in 0..end.div_ceil(width) {
        let (from, to) = (i * width, ((i + 1) * width).min(end));
        if healed.is_some_and(|h| (from..to).contains(&h)) {
            cells.push("|".to_string());
        }
        cells.push(match share(outcomes, from, to) {
            (_, 0) => "-".to_string(),
            (a, t) => format!("{}", a * 100 / t),
        });
    }
    format!(
        "% answered per {}: {}",
        format_duration(width),
        cells.join(" ")
    )
}

/// What the clients' retries and the nodes' queues did, when there was anything to say.
fn amplification(run: &RunOutput) -> Vec<String> {
    let ops = &run.ops;
    let total = ops.outcomes.len() as u64;
    let mut lines = Vec::new();
    if total > 0 && ops.sends > total {
        lines.push(format!(
            "clients sent {} requests for {} operations ({:.1} per operation): {} resends after a retry wait",
            ops.sends,
            total,
            ops.sends as f64 / total as f64,
            ops.resends
        ));
    }
    let net = &run.net;
    if net.served > 0 {
        lines.push(format!(
            "nodes served {} requests, {} of them ({:.0}%) after their client had stopped waiting: wasted work; {} turned away by full queues",
            net.served,
            net.served_stale,
            net.served_stale as f64 * 100.0 / net.served as f64,
            net.overloaded
        ));
    }
    if ops.breaker_fast_fails > 0 {
        lines.push(format!(
            "open circuit breakers failed {} operations without sending them",
            ops.breaker_fast_fails
        ));
    }
    lines
}
