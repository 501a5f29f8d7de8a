//! Transactional isolation (DESIGN §6), in the manner of Jepsen's Elle (Kingsbury & Alvaro,
//! "Elle: Inferring Isolation Anomalies from Experimental Observations", VLDB 2020): from a
//! `list-append` or `rw-register` history, infer each key's version order (modules `infer_list` and
//! `infer_register`), build the transaction dependency graph (Adya's `ww`, `wr`, `rw`, plus
//! the `realtime` order for strict serializability), find a short cycle of each
//! class in its strongly connected components (module `cycles`), and say which isolation levels the
//! anomalies rule out, each with a witness in words (module `explain`).
//!
//! Verdicts are honest: a level fails only with an anomaly it forbids as witness; it is
//! `unknown` when the cycle search ran out of budget before it could rule out what the level
//! forbids, or when it found nothing the level forbids and no transaction observed another's
//! writes (an empty dependency graph rules nothing out, as in Elle).

mod anomaly;
mod cycles;
mod explain;
mod graph;
mod infer_list;
mod infer_register;
mod txns;

pub use anomaly::{Class, Kind, Level, Order};

use crate::check::linear::InputError;
use crate::check::{CheckInput, CheckResult, Checker, Verdict, WitnessRefs};
use crate::history::History;
use crate::scenario::Scenario;
use anomaly::Anomaly;
use graph::{realtime_order, Budget, Graph, Rel};
use serde::Serialize;
use txns::{Outcome, Shape, Txns};

/// The transactional workloads the checker reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// Appends to lists and reads of whole lists (Elle's list-append).
    ListAppend,
    /// Writes and reads of registers with unique values (Elle's rw-register).
    RwRegister,
}

impl Workload {
    /// The workload called `name` (`list-append`, `rw-register`).
    pub fn from_name(name: &str) -> Option<Workload> {
        match name {
            "list-append" => Some(Workload::ListAppend),
            "rw-register" => Some(Workload::RwRegister),
            _ => None,
        }
    }

    fn shape(self) -> Shape {
        match self {
            Workload::ListAppend => Shape::Lists,
            Workload::RwRegister => Shape::Registers,
        }
    }
}

/// The assumptions that order an rw-register key's versions (see module `infer_register`); they
/// do not apply to list-append, whose reads show the order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Assumptions {
    /// A transaction's write to a key follows the version its first read of the key saw.
    pub wfr_keys: bool,
    /// Each process sees each key's versions in order.
    pub sequential_keys: bool,
    /// Each key is linearizable: real time orders its versions.
    pub linearizable_keys: bool,
}

/// What to check.
#[derive(Clone, Debug)]
pub struct Options {
    /// The history's workload.
    pub workload: Workload,
    /// Version-order assumptions (rw-register).
    pub assume: Assumptions,
    /// The levels to decide.
    pub levels: Vec<Level>,
    /// How many breadth-first visits the cycle search may make before it gives up.
    pub max_visits: u64,
}

impl Options {
    /// Every level, no assumptions, the default budget.
    pub fn new(workload: Workload) -> Options {
        Options {
            workload,
            assume: Assumptions::default(),
            levels: Level::ALL.to_vec(),
            max_visits: DEFAULT_VISITS,
        }
    }
}

/// The default cycle-search budget: breadth-first node visits.
pub const DEFAULT_VISITS: u64 = 20_000_000;

/// What a list-append or rw-register history showed: inferred edges and read anomalies.
pub(crate) struct Inferred {
    pub graph: Graph,
    pub anomalies: Vec<Anomaly>,
}

/// One dependency edge of a cycle, for reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Edge {
    /// The transaction it leaves (`T12`: the history entry that holds it).
    pub from: String,
    /// `ww`, `wr`, `rw` or `realtime`.
    pub rel: &'static str,
    /// The transaction it reaches.
    pub to: String,
    /// The key behind it, in EDN, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value or element behind it, in EDN, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One anomaly, as reports show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Its name, as Elle writes it (`G-single-item`, `lost-update`, …).
    pub anomaly: String,
    /// The transactions involved, as `T12 (process 3, ok): [:append :x 1] …`.
    pub transactions: Vec<String>,
    /// For a cycle, its edges in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cycle: Vec<Edge>,
    /// What happened, in words.
    pub explanation: String,
    /// The transactions involved and the cycle's edges, as history positions.
    #[serde(skip)]
    pub refs: WitnessRefs,
    #[serde(skip)]
    kind: Kind,
}

impl Finding {
    /// What kind of anomaly it is.
    pub fn kind(&self) -> Kind {
        self.kind
    }
}

/// The verdict on one isolation level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ModelVerdict {
    /// The level's name (`serializable`).
    pub model: &'static str,
    /// `pass`, `fail` or `unknown`.
    pub verdict: Verdict,
    /// Why, in one line.
    pub reason: String,
    /// For a failure, the anomaly that rules the level out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<Finding>,
}

/// Dependency edges found, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EdgeCounts {
    /// Write-write.
    pub ww: usize,
    /// Write-read.
    pub wr: usize,
    /// Read-write (anti-dependencies).
    pub rw: usize,
    /// Real-time order (reduced).
    pub realtime: usize,
}

/// The isolation checker's report on one history.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Transactions read (ok, info and fail).
    pub transactions: usize,
    /// Dependency edges inferred.
    pub edges: EdgeCounts,
    /// Every anomaly found, by kind.
    pub anomalies: Vec<Finding>,
    /// The verdict on each level asked for, weakest first.
    pub consistency: Vec<ModelVerdict>,
    /// The strongest levels that hold among those asked for (repeatable read and snapshot
    /// isolation are incomparable, so there may be two).
    pub strongest: Vec<&'static str>,
    /// Cycle classes whose search ran out of budget.
    pub incomplete: Vec<String>,
}

impl Report {
    /// The overall verdict: fail if a level asked for fails, else unknown if one is unknown.
    pub fn verdict(&self) -> Verdict {
        Verdict::combine(self.consistency.iter().map(|m| m.verdict))
    }

    /// The anomaly names found, in report order (by kind), each once.
    pub fn anomaly_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.anomalies.iter().map(|f| f.anomaly.clone()).collect();
        names.dedup();
        names
    }
}

/// Checks `history` for the isolation levels in `opts`. Bad input (an operation that is not a
/// transaction of the workload's micro-ops, a value appended or written twice) is an error.
pub fn check(history: &History, opts: &Options) -> Result<Report, InputError> {
    let shape = opts.workload.shape();
    let t = txns::parse(history, shape)?;
    let Inferred {
        mut graph,
        anomalies,
    } = match opts.workload {
        Workload::ListAppend => infer_list::infer(&t)?,
        Workload::RwRegister => infer_register::infer(&t, opts.assume)?,
    };
    let strict = opts.levels.contains(&Level::StrictSerializable);
    if strict {
        add_orders(&t, &mut graph);
    }
    let mut budget = Budget {
        visits: opts.max_visits,
    };
    let found = cycles::search(&t, shape, &graph, strict, &mut budget);
    let mut all: Vec<Anomaly> = anomalies;
    all.extend(found.cycles);
    all.sort_by(|a, b| (a.kind, &a.txns).cmp(&(b.kind, &b.txns)));
    all.dedup_by(|a, b| a.kind == b.kind && a.txns == b.txns);
    let findings: Vec<Finding> = all.iter().map(|a| finding(&t, shape, a)).collect();
    let empty = !graph.has_data_edges();
    let mut levels = opts.levels.clone();
    levels.sort();
    levels.dedup();
    // Levels weakest first: a stronger level shows the same witness as a weaker one when it
    // can, so one anomaly explains a whole run of levels.
    let mut consistency: Vec<ModelVerdict> = Vec::with_capacity(levels.len());
    for &l in &levels {
        let prefer = consistency.iter().rev().find_map(|m| m.witness.as_ref());
        consistency.push(verdict(l, &findings, prefer, &found.incomplete, empty));
    }
    let holds: Vec<Level> = consistency
        .iter()
        .zip(&levels)
        .filter(|(m, _)| m.verdict == Verdict::Pass)
        .map(|(_, &l)| l)
        .collect();
    let strongest = holds
        .iter()
        .filter(|&&l| !holds.iter().any(|&o| o != l && o.implies(l)))
        .map(|l| l.name())
        .collect();
    let c = graph.counts;
    Ok(Report {
        transactions: t.txns.len(),
        edges: EdgeCounts {
            ww: c[Rel::Ww as usize],
            wr: c[Rel::Wr as usize],
            rw: c[Rel::Rw as usize],
            realtime: c[Rel::Realtime as usize],
        },
        anomalies: findings,
        consistency,
        strongest,
        incomplete: found.incomplete.iter().map(|k| k.name()).collect(),
    })
}

/// Adds real-time order to `graph`: a committed transaction completed before another (that
/// did not fail) began. A process's own order is part of it, since a process runs one
/// transaction at a time.
fn add_orders(t: &Txns, graph: &mut Graph) {
    let members: Vec<u32> = (0..t.txns.len() as u32)
        .filter(|&i| t.txns[i as usize].outcome != Outcome::Fail)
        .collect();
    let spans: Vec<(usize, Option<usize>)> = members
        .iter()
        .map(|&i| {
            let txn = &t.txns[i as usize];
            (txn.call, txn.ret.filter(|_| txn.outcome == Outcome::Ok))
        })
        .collect();
    for (a, b) in realtime_order(&spans) {
        graph.add(
            members[a as usize],
            members[b as usize],
            Rel::Realtime,
            None,
        );
    }
}

fn finding(t: &Txns, shape: Shape, a: &Anomaly) -> Finding {
    Finding {
        anomaly: a.kind.name(),
        transactions: a
            .txns
            .iter()
            .map(|&x| explain::describe(t, shape, x))
            .collect(),
        cycle: a
            .cycle
            .iter()
            .map(|s| Edge {
                from: explain::name(t, s.from),
                rel: s.rel.name(),
                to: explain::name(t, s.to),
                key: s.why.map(|w| explain::key(t, w.key)),
                value: s.why.and_then(|w| w.value).map(|v| explain::value(t, v)),
            })
            .collect(),
        explanation: a.explanation.clone(),
        refs: finding_refs(t, a),
        kind: a.kind,
    }
}

/// The transactions of anomaly `a` and its cycle's edges, as history positions.
fn finding_refs(t: &Txns, a: &Anomaly) -> WitnessRefs {
    let entry = |x: u32| t.txns[x as usize].entry as u64;
    let mut refs = WitnessRefs::default();
    for &x in &a.txns {
        refs.add_op(entry(x));
    }
    for s in &a.cycle {
        refs.add_edge(entry(s.from), entry(s.to), s.rel.name());
    }
    refs
}

fn verdict(
    level: Level,
    found: &[Finding],
    prefer: Option<&Finding>,
    incomplete: &[Kind],
    empty: bool,
) -> ModelVerdict {
    let model = level.name();
    let witness = prefer
        .filter(|f| level.forbids(f.kind))
        .or_else(|| found.iter().find(|f| level.forbids(f.kind)));
    if let Some(f) = witness {
        return ModelVerdict {
            model,
            verdict: Verdict::Fail,
            reason: format!("{} rules out {model}", f.anomaly),
            witness: Some(f.clone()),
        };
    }
    let (verdict, reason) = if let Some(k) = incomplete.iter().find(|&&k| level.forbids(k)) {
        (
            Verdict::Unknown,
            format!("the search for {} cycles ran out of budget", k.name()),
        )
    } else if empty {
        (
            Verdict::Unknown,
            "no committed transaction observed another's writes: no dependency to rule anything out".to_string(),
        )
    } else {
        (Verdict::Pass, format!("no anomaly {model} forbids"))
    };
    ModelVerdict {
        model,
        verdict,
        reason,
        witness: None,
    }
}

/// The isolation checker for simulated runs of the `list-append` and `rw-register`
/// workloads: the levels `[check] consistency` names (default strict serializable).
pub struct Isolation;

impl Isolation {
    fn workload(s: &Scenario) -> Option<Workload> {
        Workload::from_name(s.workload.as_ref()?.kind.name())
    }

    /// The levels a scenario asks for (`[check] consistency`; `"all"` is every level).
    pub fn levels(s: &Scenario) -> Result<Vec<Level>, String> {
        let Some((names, _)) = &s.check.consistency else {
            return Ok(vec![Level::StrictSerializable]);
        };
        // The ladder's models are for the `ladder` checker.
        let names: Vec<String> = names
            .iter()
            .filter(|n| *n == "all" || Level::from_name(n).is_some())
            .cloned()
            .collect();
        if names.is_empty() {
            return Ok(vec![Level::StrictSerializable]);
        }
        parse_levels(&names)
    }
}

/// Levels by name; `all` is every level. An unknown name is an error listing the known ones.
pub fn parse_levels(names: &[String]) -> Result<Vec<Level>, String> {
    crate::check::parse_names(names, &Level::ALL, |l| l.name())
}

impl Checker for Isolation {
    fn name(&self) -> &'static str {
        "isolation"
    }
    fn about(&self) -> &'static str {
        "list-append and rw-register histories: the isolation levels of [check] consistency hold (Elle's dependency cycles)"
    }
    fn on_by_default(&self, s: &Scenario) -> bool {
        Isolation::workload(s).is_some()
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match Isolation::workload(s) {
            Some(_) => Ok(()),
            None => Err("a list-append or rw-register [workload] (isolation levels are decided on transactions)"),
        }
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        let s = input.scenario;
        let mut opts = Options::new(Isolation::workload(s)?);
        opts.levels = Isolation::levels(s).ok()?;
        // faultline's own stores apply each key's writes in one order: the register keys
        // are linearizable only when the protocol is, so no version assumption is made.
        Some(match check(&input.run.history, &opts) {
            Ok(report) => report.to_check_result(),
            Err(e) => CheckResult {
                name: "isolation",
                verdict: Verdict::Unknown,
                summary: format!("the history could not be read as transactions: {e}"),
                witness: Vec::new(),
                consistency: Vec::new(),
                refs: Default::default(),
            },
        })
    }
}

impl Report {
    /// The report as a check result: each level's verdict, the witness of each failure.
    pub fn to_check_result(&self) -> CheckResult {
        let verdict = self.verdict();
        let parts: Vec<String> = self
            .consistency
            .iter()
            .map(|m| format!("{} {}", m.model, m.verdict.name()))
            .collect();
        let summary = format!(
            "{} transactions, {} ww / {} wr / {} rw edges: {}",
            self.transactions,
            self.edges.ww,
            self.edges.wr,
            self.edges.rw,
            parts.join(", ")
        );
        // Each witness once, with every level it rules out.
        let mut groups: Vec<(Vec<&str>, &Finding)> = Vec::new();
        let mut witness = Vec::new();
        for m in &self.consistency {
            match (&m.witness, m.verdict) {
                (Some(f), _) => match groups.iter_mut().find(|(_, g)| *g == f) {
                    Some((levels, _)) => levels.push(m.model),
                    None => groups.push((vec![m.model], f)),
                },
                (None, Verdict::Unknown) => {
                    witness.push(format!("{} unknown: {}", m.model, m.reason))
                }
                _ => {}
            }
        }
        let mut refs = WitnessRefs::default();
        for (levels, f) in groups {
            refs.merge(&f.refs);
            witness.push(format!("{} ruled out by {}:", levels.join(", "), f.anomaly));
            witness.extend(f.transactions.iter().map(|t| format!("  {t}")));
            witness.push(format!("  {}", f.explanation));
        }
        CheckResult {
            name: "isolation",
            verdict,
            summary,
            witness,
            consistency: self.consistency.clone(),
            refs,
        }
    }
}

#[cfg(test)]
mod tests;
