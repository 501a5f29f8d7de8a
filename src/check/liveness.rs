//! Liveness after healing: once the workload ends, every fault heals and every node is back,
//! so a majority is connected and a correct protocol must serve requests again. Final reads
//! are the probe: each key's reader retries until it succeeds, and every one must succeed
//! within `[limits] final_read_window` after `settle`.

use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::des::time::format_duration;
use crate::scenario::Scenario;
use crate::sim::RunOutput;

/// Every final read completes once faults heal.
pub struct Liveness;

impl Checker for Liveness {
    fn name(&self) -> &'static str {
        "liveness"
    }
    fn about(&self) -> &'static str {
        "once every fault heals at the end of the workload, every final read completes"
    }
    fn on_by_default(&self, s: &Scenario) -> bool {
        s.workload.as_ref().is_some_and(|w| w.final_reads)
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match &s.workload {
            Some(w) if w.final_reads => Ok(()),
            _ => Err(
                "final reads to judge progress by; expected a [workload] with final_reads = true",
            ),
        }
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        let window = input.scenario.limits.final_read_window;
        Some(check_liveness(input.run, window))
    }
}

/// Checks that every final read completed; `window` is the time final reads were given.
pub fn check_liveness(out: &RunOutput, window: crate::des::time::Nanos) -> CheckResult {
    let stuck: Vec<usize> = (0..out.final_values.len())
        .filter(|&k| out.final_values[k].is_none())
        .collect();
    let result = |verdict, summary: String, witness| CheckResult {
        name: "liveness",
        verdict,
        summary,
        witness,
        consistency: Vec::new(),
        refs: Default::default(),
    };
    if stuck.is_empty() {
        let summary = format!(
            "after every fault healed, all {} final reads completed",
            out.final_values.len()
        );
        return result(Verdict::Pass, summary, Vec::new());
    }
    if out.stop.is_limit() {
        let summary = format!("undecided: the run stopped early ({})", out.stop.name());
        return result(Verdict::Unknown, summary, Vec::new());
    }
    let key = |k: usize| {
        if out.keyed {
            format!("key {k}")
        } else {
            "the register".to_string()
        }
    };
    let witness = stuck
        .iter()
        .map(|&k| {
            format!(
                "the final read of {} never succeeded in the {} after settle, although every fault had healed",
                key(k),
                format_duration(window)
            )
        })
        .collect();
    let summary = format!(
        "no progress after healing: {} of {} final reads never completed",
        stuck.len(),
        out.final_values.len()
    );
    result(Verdict::Fail, summary, witness)
}
