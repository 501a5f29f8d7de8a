//! The test every candidate faces: does this scenario, run with the same seed, still fail
//! the same way? It counts runs against `--max-runs`, asks the caller's stop rule (the CLI's
//! wall-clock budget) before each, and keeps the size of the last candidate that passed.
//!
//! "The same way" is the failure signature of `faultline explore`
//! ([`crate::explore::signature`]): the original run's first failing check, with the kind
//! of its witness (`invariants: broken: Election Safety`, `linearizable: read cannot take
//! effect: it read a value already overwritten`, counts and node names left out). A
//! candidate fails the same way when one of its failing checks has that signature; other
//! checks may stop failing along the way. It must also be no bigger than the original run
//! by any of the five measures of [`Size`].

use super::ddmin::Outcome;
use super::size::Size;
use crate::check::{self, CheckResult, Verdict};
use crate::des::trace::Trace;
use crate::explore::{run_seed, signature};
use crate::scenario::{self, Scenario};

/// Why shrinking stopped before it was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stopped {
    /// `--max-runs` runs were made.
    MaxRuns,
    /// The caller's stop rule said so (the wall-clock budget).
    Budget,
}

/// One run made, for progress reports.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// The reduction under way.
    pub phase: &'static str,
    /// Runs made so far.
    pub runs: u64,
    /// Whether this run's candidate failed the same way and was kept.
    pub kept: bool,
    /// The size of the smallest candidate kept so far.
    pub size: Option<Size>,
}

/// Runs candidates.
pub struct Oracle<'a> {
    /// The seed every run uses.
    pub seed: u64,
    /// The signature a candidate's failure must have.
    pub target: String,
    /// The original run's size: no candidate may be bigger by any measure.
    pub original: Size,
    /// Runs made so far (invalid candidates are not run and not counted).
    pub runs: u64,
    /// At most this many runs.
    pub max_runs: Option<u64>,
    /// Why it stopped, once it has.
    pub stopped: Option<Stopped>,
    /// The size of the last candidate that failed the same way.
    pub last_size: Option<Size>,
    /// Asked before each run: true to stop now.
    pub stop: &'a mut dyn FnMut() -> bool,
    /// Told after each run.
    pub progress: &'a mut dyn FnMut(&Progress),
    /// The reduction under way (`faults`, `duration`, …), for progress reports.
    pub phase: &'static str,
    /// The name candidates are parsed under (errors and the replay path).
    pub path: String,
}

/// The signature of `c`, a check of a run on `nodes`.
pub fn check_signature(c: &CheckResult, nodes: &[String]) -> String {
    signature::of_check(c, nodes)
}

/// The first failing check's signature, if the run failed.
pub fn first_failure(checks: &[CheckResult], nodes: &[String]) -> Option<String> {
    checks
        .iter()
        .find(|c| c.verdict == Verdict::Fail)
        .map(|c| check_signature(c, nodes))
}

/// Whether a run with `checks` fails with signature `target`.
pub fn fails_as(checks: &[CheckResult], nodes: &[String], target: &str) -> bool {
    checks
        .iter()
        .filter(|c| c.verdict == Verdict::Fail)
        .any(|c| check_signature(c, nodes) == target)
}

impl Oracle<'_> {
    /// Tests the scenario document `doc`.
    pub fn test(&mut self, doc: &toml::Table) -> Outcome {
        let Some(scenario) = self.valid(doc) else {
            return Outcome::Passes;
        };
        self.test_scenario(&scenario)
    }

    /// `doc` as a scenario the checks accept, or `None`.
    pub fn valid(&self, doc: &toml::Table) -> Option<Scenario> {
        let text = toml::to_string(doc).ok()?;
        let scenario = scenario::parse_str(&text, &self.path).ok()?;
        check::plan(&scenario).ok()?;
        Some(scenario)
    }

    /// Tests an already parsed scenario.
    pub fn test_scenario(&mut self, scenario: &Scenario) -> Outcome {
        if self.stopped.is_some() {
            return Outcome::Stop;
        }
        if self.max_runs.is_some_and(|m| self.runs >= m) {
            self.stopped = Some(Stopped::MaxRuns);
            return Outcome::Stop;
        }
        if (self.stop)() {
            self.stopped = Some(Stopped::Budget);
            return Outcome::Stop;
        }
        self.runs += 1;
        let kept = match run_seed(scenario, self.seed, Trace::hash_only()) {
            Ok(outcome) => {
                let size = Size::of(scenario, &outcome);
                let same = outcome.verdict == Verdict::Fail
                    && fails_as(&outcome.checks, &scenario.cluster.nodes, &self.target)
                    && size.within(&self.original);
                if same {
                    self.last_size = Some(size);
                }
                same
            }
            Err(_) => false,
        };
        (self.progress)(&Progress {
            phase: self.phase,
            runs: self.runs,
            kept,
            size: self.last_size,
        });
        if kept {
            Outcome::Fails
        } else {
            Outcome::Passes
        }
    }
}
