//! Checkers: they read a finished run (history, final reads, engine counters) and give a
//! verdict — `pass`, `fail` with a witness, or `unknown` when a bound was reached. They never
//! guess. Each checker is one file; [`evaluate`] runs the ones a scenario asks for.

pub mod availability;
mod committed;
mod durability;
pub mod invariants;
pub mod linear;
mod liveness;
mod selfcheck;

pub use committed::check_committed_log;
pub use durability::check_durability;
pub use liveness::check_liveness;
pub use selfcheck::check_engine;

use crate::scenario::{Model, Scenario};
use crate::sim::RunOutput;
use serde::Serialize;

/// A checker's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The property holds.
    Pass,
    /// Could not decide (a limit was reached, or data is missing).
    Unknown,
    /// The property is violated; the result carries a witness.
    Fail,
}

impl Verdict {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Unknown => "unknown",
            Verdict::Fail => "fail",
        }
    }

    /// The overall verdict of several: any fail is a fail; otherwise any unknown is unknown.
    pub fn combine(verdicts: impl IntoIterator<Item = Verdict>) -> Verdict {
        verdicts.into_iter().fold(Verdict::Pass, |a, b| {
            if a == Verdict::Fail || b == Verdict::Fail {
                Verdict::Fail
            } else {
                a.max(b)
            }
        })
    }
}

/// One checker's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckResult {
    /// Checker name (`durability`, `engine`).
    pub name: &'static str,
    /// Verdict.
    pub verdict: Verdict,
    /// One line on what was found.
    pub summary: String,
    /// The witness: one line per violation (empty on pass).
    pub witness: Vec<String>,
}

/// Runs every checker the scenario asks for, plus the engine self-checks, on `out`. A run
/// that stopped because protocol code panicked fails the `protocol` check with the panic as
/// its witness; the other checks would judge a run cut short, so they do not run.
pub fn evaluate(scenario: &Scenario, out: &RunOutput) -> Vec<CheckResult> {
    if let Some(p) = &out.panic {
        return vec![CheckResult {
            name: "protocol",
            verdict: Verdict::Fail,
            summary: format!(
                "{} panicked in {} on {} at step {} ({})",
                p.protocol,
                p.during,
                p.node,
                p.step,
                crate::des::time::format_duration(p.time)
            ),
            witness: vec![format!("panic: {}", p.message)],
        }];
    }
    let mut results = vec![check_engine(out)];
    if let Some(violations) = &out.invariants {
        results.push(invariants::check_invariants(violations, &out.nodes));
    }
    if scenario.check.durability {
        results.push(check_durability(out));
        results.extend(check_committed_log(out));
    }
    if scenario.check.liveness {
        results.push(check_liveness(out, scenario.limits.final_read_window));
    }
    if let (true, Some(w)) = (scenario.check.linearizable, &scenario.workload) {
        let kind = match w.model {
            Model::Register => linear::ModelKind::Register,
            Model::CasRegister => linear::ModelKind::CasRegister,
            Model::Kv => linear::ModelKind::Kv,
        };
        let spec = linear::ModelSpec {
            kind,
            init: crate::history::Value::Nil,
        };
        let budget = linear::Budget {
            max_states: scenario.limits.check_states,
            max_memory_bytes: scenario.limits.memory,
            deadline: None,
        };
        results.push(linear::check(&out.history, &spec, &budget).to_check_result());
    }
    if out.stop.is_limit() {
        for r in &mut results {
            if r.verdict == Verdict::Pass {
                r.verdict = Verdict::Unknown;
                r.summary = format!(
                    "{} (but the run stopped early: {})",
                    r.summary,
                    out.stop.name()
                );
            }
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::Verdict::*;
    use super::*;

    #[test]
    fn combine_prefers_fail_then_unknown() {
        assert_eq!(Verdict::combine([Pass, Pass]), Pass);
        assert_eq!(Verdict::combine([Pass, Unknown]), Unknown);
        assert_eq!(Verdict::combine([Unknown, Fail, Pass]), Fail);
        assert_eq!(Verdict::combine([]), Pass);
    }
}
