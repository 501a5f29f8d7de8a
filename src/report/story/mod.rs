//! The story of a failure (`faultline explain FILE --seed N`): the few events that matter,
//! in time order, one sentence each — the faults that fired, leadership changes, and the
//! operations the failing checker's witness names, with who served them and when — then the
//! verdict and the replay command.
//!
//! The story reads only the run's facts: [`RunOutput::faults`](crate::sim::RunOutput),
//! the history (whose completions record the node that answered), the checkers' structured
//! witnesses ([`crate::check::WitnessRefs`]) and the leadership changes a [`LeaderWatch`]
//! saw. On a long run it tells the events nearest in time to the witnessed operations
//! ([`select`]) and says how many it left out. It is deterministic: the same scenario and
//! seed give the same story.

mod build;
mod edges;
mod faults;
mod invariants;
mod leaders;
mod ops;
mod render;
mod select;

pub use build::build;
pub use leaders::{LeaderChange, LeaderWatch};
pub use render::{story_json, story_text};

use crate::check::invariants::Monitor;
use crate::des::time::Nanos;
use crate::explore::{run_seed_observed, Outcome};
use crate::scenario::Scenario;
use crate::sim::RunError;

/// What a sentence of a story is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A fault fired (a partition, a crash, a restart, a pause, a clock change…).
    Fault,
    /// A node took or gave up the lead.
    Leader,
    /// A client operation the witness names.
    Op,
    /// How the witness relates the operations (a dependency cycle's edges).
    Witness,
    /// A protocol invariant broke (the invariant monitor's first break of it).
    Invariant,
    /// The verdict.
    Verdict,
    /// The command that replays the run.
    Replay,
}

/// One sentence of a story.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sentence {
    /// Virtual time in nanoseconds (the run's end for the verdict and the replay command).
    pub t: Nanos,
    /// What it is about.
    pub kind: Kind,
    /// The sentence.
    pub text: String,
}

/// The story of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Story {
    /// The scenario's name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
    /// The run's verdict.
    pub verdict: crate::check::Verdict,
    /// The sentences, in time order, ending with the verdict (and, for a failure, the
    /// replay command). A passing run's story is its verdict alone.
    pub sentences: Vec<Sentence>,
    /// Faults and leadership changes not told (a long run has more than a story holds).
    pub left_out: usize,
    /// Witnessed operations not told (beyond the few a story names).
    pub ops_left_out: usize,
}

/// Runs `seed` of `scenario` with a [`LeaderWatch`] (and an invariant monitor of its own, for
/// the time and nodes of each break) beside the usual checks, and tells its story; the
/// outcome is the same as [`crate::explore::run_seed`]'s (same trace hash).
pub fn tell(scenario: &Scenario, seed: u64) -> Result<(Outcome, Story), RunError> {
    let n = scenario.cluster.nodes.len();
    let watch = (Monitor::new(n), LeaderWatch::new(n));
    let trace = crate::des::trace::Trace::hash_only();
    let (outcome, (monitor, watch)) = run_seed_observed(scenario, seed, trace, watch)?;
    let story = build(scenario, &outcome, watch.changes(), monitor.violations());
    Ok((outcome, story))
}

/// A virtual time as a story gives it: seconds with milliseconds (`1.203 s`).
pub(crate) fn time(n: Nanos) -> String {
    format!(
        "{}.{:03} s",
        n / 1_000_000_000,
        n % 1_000_000_000 / 1_000_000
    )
}
