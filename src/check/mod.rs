//! Checkers: they read a finished run (history, final reads, final node states, engine
//! counters, what an observer saw) and give a verdict — `pass`, `fail` with a witness, or
//! `unknown` when a bound was reached. They never guess.
//!
//! Each checker is one file implementing [`Checker`], and one line in [`CHECKERS`]: that list
//! is what `[check]` in a scenario names (checked by [`plan`]), what `faultline list` prints
//! and what [`evaluate`] runs. The engine never imports a checker; the invariant monitor
//! watches a run through the engine's [`crate::sim::Observer`] trait.

pub mod availability;
pub mod cap;
mod committed;
mod convergence;
pub mod detection;
mod durability;
pub mod invariants;
pub mod isolation;
pub mod ladder;
pub mod linear;
mod liveness;
mod plan;
mod recovery;
mod refs;
mod selfcheck;

pub use committed::check_committed_log;
pub use convergence::check_convergence;
pub use durability::check_durability;
pub use liveness::check_liveness;
pub use plan::{plan, Plan};
pub use refs::{WitnessEdge, WitnessRefs};
pub use selfcheck::check_engine;

use crate::scenario::Scenario;
use crate::sim::RunOutput;
use invariants::Violation;
use serde::{Deserialize, Serialize};

/// What a checker reads.
#[derive(Clone, Copy, Debug)]
pub struct CheckInput<'a> {
    /// The scenario that ran.
    pub scenario: &'a Scenario,
    /// The run's facts.
    pub run: &'a RunOutput,
    /// What the invariant monitor saw, when it watched the run.
    pub invariants: Option<&'a [Violation]>,
}

/// A checker (DESIGN §10).
pub trait Checker: Sync {
    /// The name `[check]` and reports use (`durability`).
    fn name(&self) -> &'static str;
    /// One line on what it checks, for `faultline list`.
    fn about(&self) -> &'static str;
    /// Whether it runs when `[check]` does not name it.
    fn on_by_default(&self, scenario: &Scenario) -> bool;
    /// What it needs that the scenario lacks, when switched on explicitly (`Err` says what,
    /// and what to do, in words).
    fn needs(&self, _scenario: &Scenario) -> Result<(), &'static str> {
        Ok(())
    }
    /// Whether it can be switched off (`engine` cannot).
    fn optional(&self) -> bool {
        true
    }
    /// The verdict on one run; `None` when there is nothing for it to judge (e.g. the
    /// committed log of a protocol without a log).
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult>;
}

/// Every checker, in the order reports list them.
pub const CHECKERS: &[&dyn Checker] = &[
    &selfcheck::Engine,
    &invariants::Invariants,
    &durability::Durability,
    &committed::CommittedLog,
    &liveness::Liveness,
    &recovery::Recovery,
    &convergence::Convergence,
    &linear::Linearizable,
    &isolation::Isolation,
    &ladder::ConsistencyLadder,
];

/// The checker called `name`.
pub fn checker(name: &str) -> Option<&'static dyn Checker> {
    CHECKERS.iter().copied().find(|c| c.name() == name)
}

/// The consistency models `names` name, in `all`'s order (`all` names every one), each once;
/// an unknown name is an error listing the known ones.
pub(crate) fn parse_names<T: Copy + Ord>(
    names: &[String],
    all: &[T],
    name_of: fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    let mut out = Vec::new();
    for n in names {
        if n == "all" {
            out.extend_from_slice(all);
            continue;
        }
        match all.iter().copied().find(|&m| name_of(m) == n) {
            Some(m) => out.push(m),
            None => {
                let known: Vec<&str> = all.iter().map(|&m| name_of(m)).collect();
                return Err(format!(
                    "unknown consistency model `{n}`; expected one of {}, or all",
                    known.join(", ")
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// A checker's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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

    /// How a ladder of models marks it: `holds`, `BREAKS`, `unknown`.
    pub fn mark(self) -> &'static str {
        match self {
            Verdict::Pass => "holds",
            Verdict::Unknown => "unknown",
            Verdict::Fail => "BREAKS",
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
    /// For checkers that decide several models (isolation levels), the verdict on each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consistency: Vec<isolation::ModelVerdict>,
    /// The operations the witness is about, for pictures and stories (empty on pass).
    #[serde(skip_serializing_if = "WitnessRefs::is_empty")]
    pub refs: WitnessRefs,
}

/// Runs the checkers of `plan` on `run` (see [`CheckInput`]). A run that stopped because
/// protocol code panicked fails the `protocol` check with the panic as its witness; the other
/// checks would judge a run cut short, so they do not run. When the run stopped at a limit,
/// every check that would have passed is `unknown` instead.
pub fn evaluate(
    plan: &Plan,
    scenario: &Scenario,
    run: &RunOutput,
    invariants: Option<&[Violation]>,
) -> Vec<CheckResult> {
    if let Some(p) = &run.panic {
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
            consistency: Vec::new(),
            refs: Default::default(),
        }];
    }
    let input = CheckInput {
        scenario,
        run,
        invariants,
    };
    let mut results: Vec<CheckResult> = plan.checkers().filter_map(|c| c.check(&input)).collect();
    if run.stop.is_limit() {
        for r in &mut results {
            if r.verdict == Verdict::Pass {
                r.verdict = Verdict::Unknown;
                r.summary = format!(
                    "{} (but the run stopped early: {})",
                    r.summary,
                    run.stop.name()
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
