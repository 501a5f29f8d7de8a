//! `faultline shrink`: turns a failing run (a scenario and a seed) into a small scenario that
//! fails the same way.
//!
//! Step 0 ([`prescript`]), for a dense nemesis run only: the nemesis run itself on fewer
//! nodes, cut short, so that its faults keep hitting the leader while the cluster shrinks.
//!
//! Step 1 ([`convert`]): the faults that fired, the nemesis's included, become a scripted
//! `[[faults]]` timeline with exact times and the nodes they hit, `[nemesis]` goes, and a
//! swarm seed's protocol knobs are pinned in `[cluster.params]`; the seed stays (it drives
//! the other randomness too). If that timeline does not fail the same way, the nemesis is
//! kept and the reason recorded.
//!
//! Step 2 ([`passes`]): delta debugging ([`ddmin`]) over the faults, runs of cuts of the same
//! nodes merged ([`coalesce`]), then binary search over the duration, clients, nodes and
//! keys, and network noise to zero, each step kept when the
//! run still fails the same way ([`oracle`]). Everything is deterministic: with a run limit
//! the result depends only on the inputs; a wall-clock budget (the caller's stop rule) ends
//! it with the best so far.

pub mod coalesce;
pub mod convert;
pub mod ddmin;
pub mod oracle;
pub mod passes;
pub mod prescript;
pub mod size;
pub mod writer;

pub use oracle::{Progress, Stopped};
pub use size::Size;

use crate::check::Verdict;
use crate::des::trace::Trace;
use crate::explore::run_seed;
use crate::scenario::{self, Scenario};
use ddmin::Outcome;
use oracle::Oracle;
use std::path::Path;
use toml::{Table, Value};

/// Why a scenario and seed cannot be shrunk.
#[derive(Debug, thiserror::Error)]
pub enum ShrinkError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The scenario is not valid.
    #[error("{0}")]
    Scenario(#[from] scenario::ScenarioError),
    /// The scenario's `[check]` asks for what it lacks.
    #[error("{0}")]
    Check(String),
    /// The run could not start.
    #[error("{0}")]
    Run(#[from] crate::sim::RunError),
    /// The seed passes.
    #[error("{file}: seed {seed} passes; nothing to shrink")]
    Passes {
        /// The file.
        file: String,
        /// The seed.
        seed: u64,
    },
    /// The seed's verdict is `unknown` (a limit was reached).
    #[error("{file}: seed {seed} is inconclusive (a limit was reached); nothing to shrink")]
    Unknown {
        /// The file.
        file: String,
        /// The seed.
        seed: u64,
    },
}

/// How to shrink.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// The seed of the failing run.
    pub seed: u64,
    /// At most this many runs (then the best so far); `None`: no limit.
    pub max_runs: Option<u64>,
}

/// The result.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The original file, as given.
    pub source: String,
    /// The seed.
    pub seed: u64,
    /// The failure kept: the original run's first failing check's signature.
    pub signature: String,
    /// The original run's size.
    pub before: Size,
    /// The shrunk run's size.
    pub after: Size,
    /// The shrunk scenario document.
    pub doc: Table,
    /// The document as TOML (without the header).
    pub toml: String,
    /// Whether the fired faults replaced the script and nemesis (step 1 kept).
    pub scripted: bool,
    /// Whether the original had a `[nemesis]`.
    pub had_nemesis: bool,
    /// When step 1 could not be kept: why (the nemesis stays).
    pub kept_nemesis: Option<String>,
    /// What changed: (key, before, after).
    pub changes: Vec<(String, String, String)>,
    /// The original file's opening comment lines (its description of the scenario).
    pub preamble: Vec<String>,
    /// Runs made.
    pub runs: u64,
    /// Why it stopped early, if it did.
    pub stopped: Option<Stopped>,
}

impl Shrunk {
    /// The shrunk scenario file: header comment and document.
    pub fn file_text(&self) -> String {
        writer::render(self)
    }
}

/// Shrinks seed `opts.seed` of the scenario at `path`. `stop` is asked before each run
/// (true ends shrinking with the best so far); `progress` hears of each run.
pub fn shrink(
    path: &Path,
    opts: Options,
    stop: &mut dyn FnMut() -> bool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Shrunk, ShrinkError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ShrinkError::Io {
        file: file.clone(),
        source,
    })?;
    let original = scenario::parse_str(&text, &file)?;
    crate::check::plan(&original).map_err(|e| ShrinkError::Check(e.to_string()))?;
    let outcome = run_seed(&original, opts.seed, Trace::hash_only())?;
    let seed = opts.seed;
    match outcome.verdict {
        Verdict::Pass => return Err(ShrinkError::Passes { file, seed }),
        Verdict::Unknown => return Err(ShrinkError::Unknown { file, seed }),
        Verdict::Fail => {}
    }
    let nodes = &original.cluster.nodes;
    let signature =
        oracle::first_failure(&outcome.checks, nodes).expect("a failing run has a failing check");
    let before = Size::of(&original, &outcome);
    let mut doc: Table = text
        .parse()
        .map_err(|e: toml::de::Error| ShrinkError::Check(format!("{file}: {e}")))?;
    doc.insert("seed".into(), Value::Integer(seed as i64));
    doc.insert("expect".into(), Value::String("fail".into()));
    let oracle = Oracle {
        seed,
        target: signature.clone(),
        original: before,
        runs: 0,
        max_runs: opts.max_runs,
        stopped: None,
        last_size: None,
        stop,
        progress,
        phase: "timeline",
        path: file.clone(),
    };
    let had_nemesis = original.nemesis.is_some();
    // Step 0: a dense nemesis run on fewer nodes while the nemesis still draws.
    let fired: usize = outcome.output.faults.iter().map(|f| f.script.len()).sum();
    let (doc, oracle, mut early) = if had_nemesis && fired >= prescript::DENSE {
        prescript::fewer_nodes(doc, oracle, before)
    } else {
        (doc, oracle, Vec::new())
    };
    let mut oracle = oracle;
    let small = oracle.valid(&doc).unwrap_or(original);
    let small_run = if early.is_empty() {
        outcome
    } else {
        run_seed(&small, seed, Trace::hash_only())?
    };
    let small_size = Size::of(&small, &small_run);
    // Step 1: the fired faults as a script.
    let scripted_doc = scripted(&doc, &small, &small_run.output);
    // The timeline has events of its own (each fault, each end): it is not held to the
    // original's size, and later steps are held to the larger of the two.
    oracle.original = Size::unbounded();
    let first = oracle.test(&scripted_doc);
    oracle.original = before.max(oracle.last_size.unwrap_or(before));
    let (mut start, scripted, kept_nemesis) = match first {
        Outcome::Fails => (scripted_doc, true, None),
        Outcome::Stop => (doc.clone(), false, None),
        Outcome::Passes => {
            let why = "the scripted timeline of its faults does not fail the same way \
                       with this seed, so the nemesis's draws stay"
                .to_string();
            (doc.clone(), false, Some(why).filter(|_| had_nemesis))
        }
    };
    if !scripted {
        // The original (or step 0's run) itself passes the oracle, for sizes.
        oracle.last_size = Some(small_size);
        start = doc;
    }
    let entries = passes::fault_list(&start).len();
    let mut shrinker = passes::Shrinker::new(start, oracle);
    shrinker.changes.append(&mut early);
    shrinker.run();
    let left = passes::fault_list(&shrinker.doc).len();
    if left < entries {
        let note = (
            "[[faults]] entries scripted from the faults fired".to_string(),
            entries.to_string(),
            left.to_string(),
        );
        shrinker.changes.push(note);
    }
    let after = shrinker.oracle.last_size.unwrap_or(before);
    let toml = toml::to_string(&shrinker.doc).map_err(|e| ShrinkError::Check(e.to_string()))?;
    Ok(Shrunk {
        source: file,
        seed,
        signature,
        before,
        after,
        doc: shrinker.doc,
        toml,
        scripted,
        had_nemesis,
        kept_nemesis,
        changes: shrinker.changes,
        preamble: writer::opening_comment(&text),
        runs: shrinker.oracle.runs,
        stopped: shrinker.oracle.stopped,
    })
}

/// `doc` with the run's fired faults as its `[[faults]]`, without `[nemesis]`, and with a
/// swarm seed's knobs pinned.
fn scripted(doc: &Table, scenario: &Scenario, out: &crate::sim::RunOutput) -> Table {
    let faults = convert::timeline(&out.faults, &scenario.cluster.nodes);
    let mut c = passes::with_faults(doc, faults);
    c.remove("nemesis");
    if let Some(words) = &out.swarm {
        let knobs = convert::swarm_knobs(words);
        if !knobs.is_empty() {
            let cluster = c
                .entry("cluster")
                .or_insert_with(|| Value::Table(Table::new()));
            if let Some(cluster) = cluster.as_table_mut() {
                let params = cluster
                    .entry("params")
                    .or_insert_with(|| Value::Table(Table::new()));
                if let Some(params) = params.as_table_mut() {
                    for (k, v) in knobs {
                        params.insert(k, v);
                    }
                }
            }
        }
    }
    c
}
