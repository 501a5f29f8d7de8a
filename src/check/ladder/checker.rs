//! The ladder as a checker of simulated runs (`[check] consistency = ["sequential", …]`): the
//! models a scenario names, decided on its run's history with each client's operations as one
//! session (a client that timed out continues as a new process but keeps its session).

use super::{check, Input, InputError, Ladder, Model};
use crate::check::isolation::{ModelVerdict, Workload};
use crate::check::linear::{Budget, ModelKind};
use crate::check::{CheckInput, CheckResult, Checker, Verdict, WitnessRefs};
use crate::history::{History, Value};
use crate::scenario::Scenario;

/// The consistency ladder checker.
pub struct ConsistencyLadder;

/// The ladder models `[check] consistency` names (`all`: every one), strongest first.
pub fn models(s: &Scenario) -> Vec<Model> {
    let Some((names, _)) = &s.check.consistency else {
        return Vec::new();
    };
    let mut out: Vec<Model> = names
        .iter()
        .flat_map(|n| {
            if n == "all" {
                Model::ALL.to_vec()
            } else {
                Model::from_name(n).into_iter().collect()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether `[check] consistency` names `linearizable` itself (not through `all`).
fn names_linearizable(s: &Scenario) -> bool {
    s.check
        .consistency
        .as_ref()
        .is_some_and(|(names, _)| names.iter().any(|n| n == "linearizable"))
}

/// What the ladder reads for the scenario's workload, if it reads it.
fn input(s: &Scenario) -> Option<Input> {
    let w = s.workload.as_ref()?;
    match Workload::from_name(w.kind.name()) {
        Some(Workload::RwRegister) => return Some(Input::rw_register()),
        Some(Workload::ListAppend) => return Some(Input::list_append()),
        None => {}
    }
    let kind = ModelKind::from_name(w.kind.linear_model()?)?;
    Input::for_model(kind, Value::Nil).ok()
}

/// The ladder on `history` with the models and limits scenario `s` asks for (every model
/// when it names none); `None` when the ladder does not read the scenario's workload. Each
/// client is one session (`history.sessions`).
pub(crate) fn ladder_of(s: &Scenario, history: &History) -> Option<Result<Ladder, InputError>> {
    let mut inp = input(s)?;
    inp.sessions = history.sessions.clone();
    let mut wanted = models(s);
    if wanted.is_empty() {
        wanted = Model::ALL.to_vec();
    }
    let wanted = inp.models_for_all(wanted, names_linearizable(s));
    let limits = super::Limits {
        max_states: s.limits.check_states,
        ..super::Limits::default()
    };
    let budget = Budget {
        max_states: s.limits.check_states,
        max_memory_bytes: s.limits.memory,
        all_keys: true,
        ..Budget::default()
    };
    Some(check(history, &inp, &wanted, limits, &budget))
}

impl Checker for ConsistencyLadder {
    fn name(&self) -> &'static str {
        "ladder"
    }
    fn about(&self) -> &'static str {
        "register, list, set and counter histories: the models of [check] consistency hold (sequential, causal, PRAM, session guarantees, consistent prefix)"
    }
    fn on_by_default(&self, s: &Scenario) -> bool {
        !models(s).is_empty() && input(s).is_some()
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match input(s) {
            Some(_) => Ok(()),
            None => Err(
                "a register, cas-register, kv, set, counter, rw-register or list-append [workload]",
            ),
        }
    }
    fn check(&self, input_: &CheckInput<'_>) -> Option<CheckResult> {
        let ladder = match ladder_of(input_.scenario, &input_.run.history)? {
            Ok(l) => l,
            Err(e) => {
                return Some(CheckResult {
                    name: "ladder",
                    verdict: Verdict::Unknown,
                    summary: format!("the history could not be read as register operations: {e}"),
                    witness: Vec::new(),
                    consistency: Vec::new(),
                    refs: Default::default(),
                })
            }
        };
        let list = |names: &[&str]| {
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        };
        let summary = format!(
            "strongest that holds: {}; weakest that breaks: {}",
            list(&ladder.strongest),
            list(&ladder.weakest_broken)
        );
        let mut witness = Vec::new();
        let mut refs = WitnessRefs::default();
        // The witnesses of the weakest models that break: the most telling ones.
        let weakest = |r: &&super::Rung| ladder.weakest_broken.contains(&r.model);
        for r in ladder.rungs.iter().filter(weakest) {
            refs.merge(&r.refs);
            witness.push(format!(
                "{} breaks{}:",
                r.model,
                r.pattern.map(|p| format!(" ({p})")).unwrap_or_default()
            ));
            witness.extend(r.witness.iter().map(|l| format!("  {l}")));
        }
        Some(CheckResult {
            name: "ladder",
            verdict: ladder.verdict(),
            summary,
            witness,
            consistency: ladder
                .rungs
                .iter()
                .map(|r| ModelVerdict {
                    model: r.model,
                    verdict: r.verdict,
                    reason: r.reason.clone(),
                    witness: None,
                })
                .collect(),
            refs,
        })
    }
}
