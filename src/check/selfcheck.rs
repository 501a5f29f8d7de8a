//! The engine's self-checks: message accounting balances, no delivery reached a node that was
//! down, and no local clock ran backwards without a jump. (That no delivery crosses a cut is
//! not audited at run time: the cut logic is checked against a brute-force matrix by property
//! tests in `net`, which costs nothing per message.)

use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::scenario::Scenario;
use crate::sim::RunOutput;

/// The engine's self-checks, always on.
pub struct Engine;

impl Checker for Engine {
    fn name(&self) -> &'static str {
        "engine"
    }
    fn about(&self) -> &'static str {
        "always on: message accounting, no delivery to a down node, monotonic clocks"
    }
    fn on_by_default(&self, _: &Scenario) -> bool {
        true
    }
    fn optional(&self) -> bool {
        false
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        Some(check_engine(input.run))
    }
}

/// Checks the engine's own invariants on a finished run.
pub fn check_engine(out: &RunOutput) -> CheckResult {
    let n = &out.net;
    let mut witness = Vec::new();
    let produced = n.sent + n.duplicated;
    let consumed = n.delivered + n.dropped_loss + n.dropped_cut + n.dropped_crashed + n.in_flight;
    if produced != consumed {
        witness.push(format!(
            "message accounting: sent {} + duplicated {} != delivered {} + lost {} + cut {} + to-crashed {} + in flight {}",
            n.sent, n.duplicated, n.delivered, n.dropped_loss, n.dropped_cut, n.dropped_crashed, n.in_flight
        ));
    }
    if n.audit_down_deliveries > 0 {
        witness.push(format!(
            "{} deliveries reached a node that was not up",
            n.audit_down_deliveries
        ));
    }
    if n.audit_clock_regressions > 0 {
        witness.push(format!(
            "{} local clock readings went backwards without a jump",
            n.audit_clock_regressions
        ));
    }
    let verdict = if witness.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    let summary = if witness.is_empty() {
        format!(
            "messages balance ({produced} sent incl. {} duplicates = {} delivered + {} dropped + {} in flight); clocks monotonic",
            n.duplicated,
            n.delivered,
            n.dropped_loss + n.dropped_cut + n.dropped_crashed,
            n.in_flight
        )
    } else {
        format!("{} engine invariant(s) broken", witness.len())
    };
    CheckResult {
        name: "engine",
        verdict,
        summary,
        witness,
        consistency: Vec::new(),
        refs: Default::default(),
    }
}
