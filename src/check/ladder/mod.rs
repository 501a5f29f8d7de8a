//! The consistency ladder (DESIGN §6): where a register history sits on the map of consistency
//! models below linearizability, each model decided by its own checker with a witness for each
//! break. Definitions, with their sources, are in docs/consistency-models.md; in short:
//!
//! - `sequential`: one order of all operations, respecting each session, explains every read
//!   (module `search`);
//! - `causal` (causal memory, CM), `causal-cc` (causal consistency) and `causal-ccv` (causal
//!   convergence), after Bouajjani et al., POPL 2017 (module `causal`);
//! - `pram` and the session guarantees `read-your-writes`, `monotonic-reads`,
//!   `monotonic-writes`, `writes-follow-reads`, after Terry et al. 1994 (module `sessions`);
//! - `consistent-prefix`: every read sees a prefix of one order of the writes (module
//!   `search`).
//!
//! A session is a client process. Written values must be unique per key, so that a read names
//! the write it saw (faultline's workloads write unique values); otherwise every model but
//! `linearizable` is `unknown`. Verdicts respect the hierarchy ([`IMPLIES`]): when a checker
//! cannot decide, a stronger model that holds or a weaker one that breaks decides for it.

mod causal;
pub(crate) mod checker;
mod counters;
mod exec;
mod graph;
mod index;
mod lists;
mod search;
mod sessions;
mod sets;

use crate::check::linear::{self, Budget, InputError, ModelKind, ModelSpec};
use crate::check::{Verdict, WitnessRefs};
use crate::history::{History, Value};
use serde::Serialize;
use std::cell::OnceCell;

pub use checker::{models as scenario_models, ConsistencyLadder};
pub use exec::Shape;

/// A consistency model of the ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// Linearizability (Herlihy and Wing 1990): one order, respecting real time.
    Linearizable,
    /// Sequential consistency (Lamport 1979): one order, respecting each session.
    Sequential,
    /// Causal memory (CM, Ahamad et al. 1995, as formalised by Bouajjani et al. 2017).
    Causal,
    /// Causal convergence (CCv): causal, with one arbitration order of conflicting writes.
    CausalCcv,
    /// Causal consistency (CC), the weakest of the three causal variants.
    CausalCc,
    /// Pipelined RAM (Lipton and Sandberg 1988).
    Pram,
    /// Writes follow reads (Terry et al. 1994).
    WritesFollowReads,
    /// Read your writes (Terry et al. 1994).
    ReadYourWrites,
    /// Monotonic reads (Terry et al. 1994).
    MonotonicReads,
    /// Monotonic writes (Terry et al. 1994).
    MonotonicWrites,
    /// Consistent prefix (Terry 2013).
    ConsistentPrefix,
}

impl Model {
    /// Every model, strongest first.
    pub const ALL: [Model; 11] = [
        Model::Linearizable,
        Model::Sequential,
        Model::Causal,
        Model::CausalCcv,
        Model::CausalCc,
        Model::Pram,
        Model::WritesFollowReads,
        Model::ReadYourWrites,
        Model::MonotonicReads,
        Model::MonotonicWrites,
        Model::ConsistentPrefix,
    ];

    /// The name reports and `--consistency` use.
    pub fn name(self) -> &'static str {
        match self {
            Model::Linearizable => "linearizable",
            Model::Sequential => "sequential",
            Model::Causal => "causal",
            Model::CausalCcv => "causal-ccv",
            Model::CausalCc => "causal-cc",
            Model::Pram => "pram",
            Model::WritesFollowReads => "writes-follow-reads",
            Model::ReadYourWrites => "read-your-writes",
            Model::MonotonicReads => "monotonic-reads",
            Model::MonotonicWrites => "monotonic-writes",
            Model::ConsistentPrefix => "consistent-prefix",
        }
    }

    /// The model called `name`.
    pub fn from_name(name: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// `(a, b)`: a history in model `a` is in model `b`.
pub const IMPLIES: &[(Model, Model)] = &[
    (Model::Linearizable, Model::Sequential),
    (Model::Sequential, Model::Causal),
    (Model::Sequential, Model::CausalCcv),
    (Model::Sequential, Model::ConsistentPrefix),
    (Model::Causal, Model::CausalCc),
    (Model::CausalCcv, Model::CausalCc),
    (Model::Causal, Model::Pram),
    (Model::Causal, Model::WritesFollowReads),
    (Model::Pram, Model::ReadYourWrites),
    (Model::Pram, Model::MonotonicReads),
    (Model::Pram, Model::MonotonicWrites),
];

/// Whether model `a` implies model `b` (through [`IMPLIES`], transitively).
pub fn implies(a: Model, b: Model) -> bool {
    a == b || IMPLIES.iter().any(|&(x, y)| x == a && implies(y, b))
}

/// How far down the ladder a model sits (for drawing it): the longest chain of stronger
/// models above it.
pub fn depth(m: Model) -> usize {
    IMPLIES
        .iter()
        .filter(|&&(_, weak)| weak == m)
        .map(|&(strong, _)| depth(strong) + 1)
        .max()
        .unwrap_or(0)
}

/// The models `names` name (`all` for every one), strongest first, or what is wrong.
pub fn parse_models(names: &[String]) -> Result<Vec<Model>, String> {
    crate::check::parse_names(names, &Model::ALL, |m| m.name())
}

/// Bounds on the checkers that can take long.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// States the sequential and consistent-prefix searches may visit.
    pub max_states: u64,
    /// Rounds of saturation of each session's happens-before (causal memory).
    pub max_rounds: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_states: 2_000_000,
            max_rounds: 10_000,
        }
    }
}

/// The verdict on one model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rung {
    /// The model's name.
    pub model: &'static str,
    /// `pass`, `fail` or `unknown`.
    pub verdict: Verdict,
    /// Why, in one line.
    pub reason: String,
    /// For a break, the rule broken (`WriteCORead`, `monotonic-reads`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<&'static str>,
    /// For a break, what happened, one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witness: Vec<String>,
    /// For a break, the operations the witness is about (history positions).
    #[serde(skip)]
    pub refs: WitnessRefs,
}

/// Where a history sits on the ladder.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ladder {
    /// The verdict on each model asked for, strongest first.
    pub rungs: Vec<Rung>,
    /// The strongest models that hold (those no other model that holds implies).
    pub strongest: Vec<&'static str>,
    /// The weakest models that break (those that imply no other model that breaks).
    pub weakest_broken: Vec<&'static str>,
}

impl Ladder {
    /// The overall verdict: fail if a model breaks, else unknown if one is unknown.
    pub fn verdict(&self) -> Verdict {
        Verdict::combine(self.rungs.iter().map(|r| r.verdict))
    }

    /// The rung of `model`, if it was asked for.
    pub fn rung(&self, model: Model) -> Option<&Rung> {
        self.rungs.iter().find(|r| r.model == model.name())
    }
}

/// What the ladder reads: the shape of the history's operations, every key's initial value,
/// and for the `linearizable` rung, the model the linearizability checker uses.
#[derive(Clone, Debug)]
pub struct Input {
    /// How operations read and write.
    pub shape: Shape,
    /// The initial value (a map from key to value for keyed shapes, or one value for all).
    pub init: Value,
    /// The linearizability checker's model (`None`: it has none for this shape, and the
    /// `linearizable` rung is left to the isolation check's strict serializability).
    pub linear: Option<ModelSpec>,
    /// The session of each process number (a simulated run's clients); without it, the
    /// history's own ([`History::sessions`]), and without that each process is a session.
    pub sessions: Option<Vec<u32>>,
}

impl Input {
    /// The input for a history of `kind` (register, cas-register, kv, multi-register), or why
    /// the ladder cannot read it.
    pub fn for_model(kind: ModelKind, init: Value) -> Result<Input, String> {
        let shape = match kind {
            ModelKind::Register | ModelKind::CasRegister => Shape::Register,
            ModelKind::Kv => Shape::Kv,
            ModelKind::MultiRegister => Shape::Txn,
            ModelKind::Counter => {
                return Ok(Input {
                    shape: Shape::Counter,
                    init: init.clone(),
                    linear: Some(ModelSpec { kind, init }),
                    sessions: None,
                });
            }
            ModelKind::Set => {
                if !matches!(&init, Value::Nil) && init != Value::List(Vec::new()) {
                    return Err(format!(
                        "the consistency ladder reads sets that start empty; --init {} is not",
                        linear::model::fmt_value(&init)
                    ));
                }
                return Ok(Input {
                    shape: Shape::Set,
                    init: Value::Nil,
                    linear: Some(ModelSpec { kind, init }),
                    sessions: None,
                });
            }
            other => {
                return Err(format!(
                    "the consistency ladder reads register, list, set and counter histories (register, cas-register, kv, multi-register, set, counter, rw-register, list-append); --model {} is not one",
                    other.name()
                ))
            }
        };
        Ok(Input {
            shape,
            linear: Some(ModelSpec {
                kind,
                init: init.clone(),
            }),
            init,
            sessions: None,
        })
    }

    /// The input for an rw-register transaction history (its `linearizable` rung is Knossos's
    /// multi-register: strict serializability).
    pub fn rw_register() -> Input {
        Input {
            shape: Shape::Txn,
            init: Value::Nil,
            linear: Some(ModelSpec {
                kind: ModelKind::MultiRegister,
                init: Value::Nil,
            }),
            sessions: None,
        }
    }

    /// The input for a list-append transaction history (Elle's): each list is read as a
    /// register holding the whole list (see `lists`); strict serializability is the isolation
    /// check's.
    pub fn list_append() -> Input {
        Input {
            shape: Shape::ListAppend,
            init: Value::Nil,
            linear: None,
            sessions: None,
        }
    }
}

impl Input {
    /// `models` as `all` gives them for this input: for transactions linearizability is
    /// strict serializability, which the isolation check decides from dependency cycles, so
    /// it is left to that check (for rw-register, unless `linearizable` was named itself).
    pub fn models_for_all(&self, mut models: Vec<Model>, linearizable_named: bool) -> Vec<Model> {
        if self.shape == Shape::ListAppend || (self.shape == Shape::Txn && !linearizable_named) {
            models.retain(|&m| m != Model::Linearizable);
        }
        models
    }
}

/// Places `history` on the ladder: the verdict on each of `models`.
pub fn check(
    history: &History,
    input: &Input,
    models: &[Model],
    limits: Limits,
    budget: &Budget<'_>,
) -> Result<Ladder, InputError> {
    let sessions = input.sessions.as_deref().or(history.sessions.as_deref());
    let counters = match input.shape {
        Shape::Counter => Some(counters::prepare(history, &input.init, sessions)?),
        _ => None,
    };
    let exec = match counters {
        Some(_) => exec::Exec::default(),
        None => exec::prepare(history, input.shape, &input.init, sessions)?,
    };
    let mut rungs: Vec<Rung> = Vec::new();
    let mut decided: Vec<(Model, Verdict)> = Vec::new();
    if let (true, Some(spec)) = (models.contains(&Model::Linearizable), &input.linear) {
        let lin = linear::try_check(history, spec, budget)?;
        let witness = lin
            .witness
            .as_ref()
            .map(|w| w.explanation.lines().map(str::to_string).collect())
            .unwrap_or_default();
        rungs.push(Rung {
            model: Model::Linearizable.name(),
            verdict: lin.verdict,
            reason: lin.reason.clone(),
            pattern: None,
            witness,
            refs: lin.refs(),
        });
        decided.push((Model::Linearizable, lin.verdict));
    }
    let below: Vec<Rung> = match &counters {
        Some(c) => counters::decide(c, models, limits),
        None => {
            let prepared = Prepared::new(&exec, limits);
            models
                .iter()
                .filter(|&&m| m != Model::Linearizable)
                .map(|&m| prepared.decide(m))
                .collect()
        }
    };
    for rung in below {
        if let Some(m) = Model::from_name(rung.model) {
            decided.push((m, rung.verdict));
        }
        rungs.push(rung);
    }
    // Fill in what a checker could not decide from what the others did.
    for rung in rungs.iter_mut().filter(|r| r.verdict == Verdict::Unknown) {
        let Some(m) = Model::from_name(rung.model) else {
            continue;
        };
        if let Some((s, _)) = decided
            .iter()
            .find(|&&(s, v)| v == Verdict::Pass && s != m && implies(s, m))
        {
            rung.verdict = Verdict::Pass;
            rung.reason = format!("holds because {} holds ({})", s.name(), rung.reason);
        } else if let Some((w, _)) = decided
            .iter()
            .find(|&&(w, v)| v == Verdict::Fail && w != m && implies(m, w))
        {
            rung.verdict = Verdict::Fail;
            rung.reason = format!("breaks because {} breaks ({})", w.name(), rung.reason);
        }
    }
    rungs.sort_by_key(|r| Model::from_name(r.model));
    let verdict_of = |m: Model| {
        rungs
            .iter()
            .find(|r| r.model == m.name())
            .map(|r| r.verdict)
    };
    let asked: Vec<Model> = rungs
        .iter()
        .filter_map(|r| Model::from_name(r.model))
        .collect();
    // The extremes among models with verdict `v`: those no other such model is `beyond`.
    let extremes = |v: Verdict, beyond: &dyn Fn(Model, Model) -> bool| -> Vec<&'static str> {
        asked
            .iter()
            .filter(|&&m| verdict_of(m) == Some(v))
            .filter(|&&m| {
                !asked
                    .iter()
                    .any(|&o| o != m && verdict_of(o) == Some(v) && beyond(o, m))
            })
            .map(|m| m.name())
            .collect()
    };
    let strongest = extremes(Verdict::Pass, &|o, m| implies(o, m));
    let weakest_broken = extremes(Verdict::Fail, &|o, m| implies(m, o));
    Ok(Ladder {
        rungs,
        strongest,
        weakest_broken,
    })
}

/// The history with the lookups every checker shares; the causal order and the verdict on
/// causal memory are computed once, when a model first needs them.
struct Prepared<'e> {
    exec: &'e exec::Exec,
    writes: index::Writes,
    limits: Limits,
    co: OnceCell<Result<causal::CausalOrder, index::Broken>>,
    /// Causal memory: `Err` when its saturation did not settle (unknown).
    cm: OnceCell<Result<Result<(), index::Broken>, String>>,
}

impl<'e> Prepared<'e> {
    fn new(exec: &'e exec::Exec, limits: Limits) -> Prepared<'e> {
        Prepared {
            exec,
            writes: index::Writes::new(exec),
            limits,
            co: OnceCell::new(),
            cm: OnceCell::new(),
        }
    }

    fn co(&self) -> &Result<causal::CausalOrder, index::Broken> {
        self.co
            .get_or_init(|| causal::CausalOrder::build(self.exec))
    }

    fn cm(&self) -> &Result<Result<(), index::Broken>, String> {
        self.cm.get_or_init(|| match self.co() {
            Ok(co) => causal::check_cm(self.exec, co, &self.writes, self.limits.max_rounds),
            Err(b) => Ok(Err(b.clone())),
        })
    }

    fn decide(&self, m: Model) -> Rung {
        let rung = |verdict, reason: String| plain_rung(m, verdict, reason);
        if let Some(why) = &self.exec.undecidable {
            return rung(Verdict::Unknown, why.clone());
        }
        if let Some(first) = self.exec.broken.first() {
            let mut r = rung(
                Verdict::Fail,
                "a read no order of operations can explain".into(),
            );
            r.pattern = Some("impossible read");
            r.witness = vec![first.clone()];
            return r;
        }
        let result = match m {
            Model::Linearizable => {
                return rung(
                    Verdict::Unknown,
                    "decided by the linearizability checker".into(),
                )
            }
            Model::Causal => match self.cm() {
                Ok(r) => r.clone(),
                Err(why) => return rung(Verdict::Unknown, why.clone()),
            },
            Model::CausalCc | Model::CausalCcv => match self.co() {
                Ok(co) if m == Model::CausalCc => causal::check_cc(self.exec, co, &self.writes),
                Ok(co) => causal::check_ccv(self.exec, co, &self.writes),
                Err(b) => Err(b.clone()),
            },
            Model::Sequential => {
                // Sequential implies causal memory, which is decided in polynomial time: a
                // history that is not causal needs no search to be refuted.
                if let Ok(Err(b)) = self.cm() {
                    let mut r = broken_rung(m)(b.clone());
                    r.reason = format!(
                        "breaks, as it is not even causal: {}",
                        r.reason.trim_start_matches("breaks ")
                    );
                    return r;
                }
                return self.search(m, search::Order::Sequential);
            }
            Model::ConsistentPrefix => {
                if !self.exec.joint_reads() {
                    return rung(Verdict::Pass, "holds: each read reads one key and writes nothing, so any order of the writes gives each read a prefix ending at what it read".into());
                }
                return self.search(m, search::Order::Prefix);
            }
            Model::ReadYourWrites => self.guarantee(sessions::Guarantee::ReadYourWrites),
            Model::MonotonicReads => self.guarantee(sessions::Guarantee::MonotonicReads),
            Model::MonotonicWrites => self.guarantee(sessions::Guarantee::MonotonicWrites),
            Model::WritesFollowReads => self.guarantee(sessions::Guarantee::WritesFollowReads),
            Model::Pram => self.guarantee(sessions::Guarantee::Pram),
        };
        match result {
            Ok(()) => rung(Verdict::Pass, holds(m, self.exec)),
            Err(b) => broken_rung(m)(b),
        }
    }

    fn guarantee(&self, g: sessions::Guarantee) -> Result<(), index::Broken> {
        sessions::check(self.exec, &self.writes, g)
    }

    /// Model `m` decided by looking for `order`.
    fn search(&self, m: Model, order: search::Order) -> Rung {
        let rung = |verdict, reason: String| plain_rung(m, verdict, reason);
        match search::search(self.exec, order, self.limits.max_states) {
            search::Found::Yes => rung(Verdict::Pass, holds(m, self.exec)),
            search::Found::No(lines) => {
                let (pattern, what) = if order == search::Order::Sequential {
                    (
                        "no sequential order",
                        "no order of all operations that respects each session explains every read",
                    )
                } else {
                    (
                        "no common prefix order",
                        "no order of the writes gives every read a prefix",
                    )
                };
                let mut r = rung(Verdict::Fail, format!("breaks: {what}"));
                r.pattern = Some(pattern);
                r.witness = lines;
                r
            }
            search::Found::OutOfBudget => rung(
                Verdict::Unknown,
                format!(
                    "the search ran out of budget ({} states)",
                    self.limits.max_states
                ),
            ),
        }
    }
}

/// The rung of model `m` with `verdict` for `reason`, and no witness.
fn plain_rung(m: Model, verdict: Verdict, reason: String) -> Rung {
    Rung {
        model: m.name(),
        verdict,
        reason,
        pattern: None,
        witness: Vec::new(),
        refs: WitnessRefs::default(),
    }
}

/// The rung of model `m` broken by `b`.
fn broken_rung(m: Model) -> impl Fn(index::Broken) -> Rung {
    move |b: index::Broken| Rung {
        model: m.name(),
        verdict: Verdict::Fail,
        reason: format!(
            "breaks ({}): {}",
            b.pattern,
            b.lines.first().map_or("", |l| l.trim_end_matches(','))
        ),
        pattern: Some(b.pattern),
        witness: b.lines,
        refs: b.refs,
    }
}

fn holds(m: Model, exec: &exec::Exec) -> String {
    let ops = exec.ops.len();
    let sessions = exec.session_count();
    let s = if sessions == 1 { "" } else { "s" };
    match m {
        Model::Sequential => format!("holds: one order of the {ops} operations respects all {sessions} session{s} and explains every read"),
        Model::ConsistentPrefix => "holds: every read sees a prefix of one order of the writes".into(),
        _ => format!("holds over {ops} operations in {sessions} session{s}"),
    }
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
