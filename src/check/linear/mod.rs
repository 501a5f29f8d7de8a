//! Linearizability (DESIGN §6): is there a single order of the history's operations that
//! respects real time (an op that completed before another was invoked comes first) and that
//! the model's sequential specification accepts?
//!
//! Semantics are Jepsen's and Knossos's: each client process's invocation pairs with its next
//! completion; `ok` ops took effect (an `ok` read's completion carries what it read); `fail`
//! ops did not and are dropped; `info` ops and invocations that never complete may take effect
//! at any point after their invocation, or never. Nemesis entries are ignored. Real time is
//! history position (times may be absent), as in Knossos.
//!
//! Each key is first offered to its model's decision without search ([`model::Model::decide`]):
//! registers and kv keys with unique written values by the zone test of Gibbons & Korach
//! (extended to cas), string keys of puts and appends by their epochs, in O(n log n). The
//! rest goes to the search: Wing–Gong–Lowe with memoization of (linearized set, model state)
//! pairs (module `search`), run per key where the model allows (P-compositionality), within
//! a [`Budget`]: when the budget runs out the verdict is `unknown`, never a guess. A failure
//! comes with a [`Witness`]: the longest linearizable prefix, the op that could not be placed
//! next and why, and a timeline. Verdicts and witnesses never depend on hash iteration order.
//!
//! Models live in [`model`], one small file each.

mod cache;
pub mod model;
pub(crate) mod prepare;
mod run;
mod search;
mod timeline;
mod witness;

pub use witness::{StuckOp, Witness};

use crate::check::{CheckInput, CheckResult, Checker, Verdict, WitnessRefs};
use crate::history::{History, Value};
use crate::scenario::Scenario;
use model::cas_register::cas_register;
use model::counter::CounterModel;
use model::kv::kv_key;
use model::multi_register::MultiRegister;
use model::mutex::Mutex;
use model::register::Register;
use model::set::SetModel;
use serde::Serialize;

/// The sequential specifications the checker knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// One value: `read`, `write`.
    Register,
    /// One value: `read`, `write`, `cas [expected new]`.
    CasRegister,
    /// A register per key (`[key value]` tuples or `Op.key`): `read`/`get`, `write`/`put`,
    /// `cas`, `append`. Checked key by key.
    Kv,
    /// Knossos's multi-register: `txn` ops of `[:read :x v]` / `[:write :x v]` micro-ops.
    MultiRegister,
    /// A lock: `acquire`, `release`.
    Mutex,
    /// A set: `add v`, `read` (the whole set).
    Set,
    /// A counter: `add d`, `read`.
    Counter,
}

impl ModelKind {
    /// Every model, in the order the CLI lists them.
    pub const ALL: [ModelKind; 7] = [
        ModelKind::Register,
        ModelKind::CasRegister,
        ModelKind::Kv,
        ModelKind::MultiRegister,
        ModelKind::Mutex,
        ModelKind::Set,
        ModelKind::Counter,
    ];

    /// The model for a name (`register`, `cas-register`, `kv`, `multi-register`, `mutex`,
    /// `set`).
    pub fn from_name(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The model's name.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Register => "register",
            ModelKind::CasRegister => "cas-register",
            ModelKind::Kv => "kv",
            ModelKind::MultiRegister => "multi-register",
            ModelKind::Mutex => "mutex",
            ModelKind::Set => "set",
            ModelKind::Counter => "counter",
        }
    }
}

/// A model with its initial state.
///
/// `init` is the register's value (`nil` by default: an absent key); for `kv`, every key's
/// initial value, or a map from key to initial value; for `multi-register`, a map like
/// `{:x 0 :y 0}`; for `mutex`, `nil`/`:free` or `:held`; for `set`, a list of elements.
/// An `ok` read of `nil` constrains nothing when the register starts non-nil (Knossos's
/// convention: the value was not reported); when it starts at `nil`, it must read `nil`.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSpec {
    /// Which model.
    pub kind: ModelKind,
    /// Its initial state.
    pub init: Value,
}

/// Limits on one check. Running out of any gives `unknown`.
#[derive(Clone, Copy)]
pub struct Budget<'a> {
    /// Most (linearized set, state) pairs the search may store for one key.
    pub max_states: u64,
    /// Most bytes that store may take (an estimate).
    pub max_memory_bytes: u64,
    /// Called now and then; returns true when time is up. The library never reads the clock.
    pub deadline: Option<&'a dyn Fn() -> bool>,
    /// Check every key even after one fails; by default the check stops at the first failing
    /// key (in key order), as Porcupine does, and says so.
    pub all_keys: bool,
    /// Run the search on every key, skipping the decisions without search (the zone test for
    /// unique-value registers, the epoch test for string keys, the cheap refutations): for comparing
    /// the two and for debugging the checker. Slower, sometimes `unknown`; never a different
    /// verdict otherwise.
    pub search_only: bool,
}

impl Default for Budget<'_> {
    /// 20 million states, 2 GiB, no deadline.
    fn default() -> Self {
        Budget {
            max_states: 20_000_000,
            max_memory_bytes: 2 << 30,
            deadline: None,
            all_keys: false,
            search_only: false,
        }
    }
}

impl std::fmt::Debug for Budget<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("max_states", &self.max_states)
            .field("max_memory_bytes", &self.max_memory_bytes)
            .field("deadline", &self.deadline.is_some())
            .field("all_keys", &self.all_keys)
            .field("search_only", &self.search_only)
            .finish()
    }
}

/// The answer of [`check`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Linearizability {
    /// `pass` (linearizable), `fail` (not), or `unknown` (budget reached or bad input).
    pub verdict: Verdict,
    /// One line on what was found.
    pub reason: String,
    /// Why not, for `fail`.
    pub witness: Option<Witness>,
    /// (linearized set, state) pairs the search stored, over all keys.
    pub states_explored: u64,
    /// Independent sub-histories (keys) checked; 1 for an unkeyed history with ops.
    pub keys_checked: usize,
}

impl Linearizability {
    /// The operations the witness is about: each operation that could not be placed (its
    /// invocation's history position), the first one first, related (`conflict`) to each
    /// operation that makes it impossible — for a stale read, the write it read from and
    /// the write that overwrote it, or the write it missed.
    pub fn refs(&self) -> WitnessRefs {
        let mut refs = WitnessRefs::default();
        for stuck in self.witness.iter().flat_map(|w| &w.stuck) {
            refs.add_op(stuck.invoked_at as u64);
            for &c in &stuck.conflict_calls {
                refs.add_edge(stuck.invoked_at as u64, c as u64, "conflict");
            }
        }
        refs
    }

    /// As a checker result named `linearizable`: the witness lines are the explanation and
    /// the timeline.
    pub fn to_check_result(&self) -> CheckResult {
        let witness = match &self.witness {
            Some(w) => std::iter::once(w.explanation.clone())
                .chain(w.timeline.lines().map(str::to_string))
                .collect(),
            None => Vec::new(),
        };
        CheckResult {
            name: "linearizable",
            verdict: self.verdict,
            summary: self.reason.clone(),
            witness,
            consistency: Vec::new(),
            refs: self.refs(),
        }
    }
}

/// The run's history is linearizable for its workload's model.
pub struct Linearizable;

impl Checker for Linearizable {
    fn name(&self) -> &'static str {
        "linearizable"
    }
    fn about(&self) -> &'static str {
        "the client history, final reads included, is linearizable (kv checked key by key)"
    }
    fn on_by_default(&self, s: &Scenario) -> bool {
        s.workload
            .as_ref()
            .is_some_and(|w| w.kind.linear_model().is_some())
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match &s.workload {
            None => Err("a [workload] whose history to check; expected false, or add a [workload]"),
            Some(w) if w.kind.linear_model().is_none() => Err(
                "a workload of single operations; transactions are checked by `consistency` (isolation levels)",
            ),
            Some(_) => Ok(()),
        }
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        let s = input.scenario;
        let kind = ModelKind::from_name(s.workload.as_ref()?.kind.linear_model()?)?;
        let spec = ModelSpec {
            kind,
            init: Value::Nil,
        };
        let budget = Budget {
            max_states: s.limits.check_states,
            max_memory_bytes: s.limits.memory,
            deadline: None,
            all_keys: true,
            search_only: false,
        };
        Some(check(&input.run.history, &spec, &budget).to_check_result())
    }
}

/// Why a history cannot be checked against a model at all: bad input, not a verdict.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The initial value does not fit the model.
    #[error("bad initial value: {0}")]
    Init(String),
    /// An entry (by history position) does not fit the model or the history's form.
    #[error("entry {entry}: {message}")]
    Entry {
        /// The entry's position in the history, from 0.
        entry: usize,
        /// What was wrong and what was expected.
        message: String,
    },
}

impl From<crate::history::Malformed> for InputError {
    fn from(m: crate::history::Malformed) -> InputError {
        InputError::Entry {
            entry: m.entry,
            message: m.message,
        }
    }
}

/// Checks `history` against `model` within `budget`; a history that does not fit the model
/// gives verdict `unknown` with the reason (use [`try_check`] to tell bad input apart).
pub fn check(history: &History, model: &ModelSpec, budget: &Budget<'_>) -> Linearizability {
    try_check(history, model, budget).unwrap_or_else(|e| Linearizability {
        verdict: Verdict::Unknown,
        reason: format!("unknown: {e}"),
        witness: None,
        states_explored: 0,
        keys_checked: 0,
    })
}

/// Checks `history` against `model` within `budget`. Ops with an `Op.key` are checked key by
/// key (one object per key) for every model; `kv` also reads keys from `[key value]` tuples.
/// Every op is checked to fit the model before any search starts, so bad input is found
/// whatever the verdict would have been.
pub fn try_check(
    history: &History,
    model: &ModelSpec,
    budget: &Budget<'_>,
) -> Result<Linearizability, InputError> {
    let init = &model.init;
    let same = |_: Option<&Value>| init.clone();
    match model.kind {
        ModelKind::Register => run::run(history, false, budget, same, |v| Ok(Register::new(v))),
        ModelKind::CasRegister => run::run(history, false, budget, same, |v| Ok(cas_register(v))),
        ModelKind::Kv => {
            let per_key = |key: Option<&Value>| match (init, key) {
                (Value::Map(entries), Some(k)) => entries
                    .iter()
                    .find(|(name, _)| name == k)
                    .map_or(Value::Nil, |(_, v)| v.clone()),
                (Value::Map(_), None) => Value::Nil,
                (v, _) => v.clone(),
            };
            run::run(history, true, budget, per_key, |v| Ok(kv_key(v)))
        }
        ModelKind::MultiRegister => run::run(history, false, budget, same, MultiRegister::new),
        ModelKind::Mutex => run::run(history, false, budget, same, Mutex::new),
        ModelKind::Set => {
            let keyed = prepare::keyed_adds(history);
            run::run(history, keyed, budget, same, SetModel::new)
        }
        ModelKind::Counter => {
            let keyed = prepare::keyed_adds(history);
            run::run(history, keyed, budget, same, CounterModel::new)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_round_trip() {
        for kind in ModelKind::ALL {
            assert_eq!(ModelKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(ModelKind::from_name("queue"), None);
    }

    #[test]
    fn an_empty_history_passes() {
        let spec = ModelSpec {
            kind: ModelKind::CasRegister,
            init: Value::Int(0),
        };
        let out = check(&History::default(), &spec, &Budget::default());
        assert_eq!(out.verdict, Verdict::Pass);
        assert_eq!(out.keys_checked, 0);
        assert_eq!(out.to_check_result().name, "linearizable");
    }

    #[test]
    fn a_bad_initial_value_is_bad_input() {
        let spec = ModelSpec {
            kind: ModelKind::Mutex,
            init: Value::Int(7),
        };
        let err = try_check(&History::default(), &spec, &Budget::default()).unwrap_err();
        assert!(matches!(err, InputError::Init(_)), "{err}");
        let out = check(&History::default(), &spec, &Budget::default());
        assert_eq!(out.verdict, Verdict::Unknown);
        assert!(out.reason.contains("initial value"), "{}", out.reason);
    }
}
