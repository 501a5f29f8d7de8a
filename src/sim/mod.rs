//! The engine: the run loop, dispatch to protocol handlers, fault injection, and the facts a
//! run produces. It holds net, node, faults, workload and protocol together, on top of the
//! ground floor in [`crate::des`]. Single-threaded and deterministic (DESIGN §3): no wall clock, no
//! OS entropy, no unordered iteration that can affect behaviour.

mod dispatch;
mod engine;
mod event;
mod inject;
mod messages;
mod observer;
pub mod panics;
mod repeat;
mod script;
mod swarm;

pub use event::{
    FiredFault, NetStats, NodeFinal, NodeState, PartitionWindow, ProtocolPanic, RunOutput,
    StopReason, SuspectTruth, Suspicion,
};
pub use observer::Observer;

use crate::des::trace::Trace;
use crate::protocol::registry::{self, ProtocolVisitor};
use crate::protocol::Protocol;
use crate::scenario::Scenario;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario names a protocol that is not registered.
    #[error("unknown protocol `{0}`")]
    UnknownProtocol(String),
    /// `[cluster.params]` do not fit the protocol.
    #[error("cluster.params: {0}")]
    Params(String),
    /// Writing the trace failed.
    #[error("writing the trace failed: {0}")]
    Trace(#[from] std::io::Error),
    /// The scenario's `[check]` section names something no checker is, or asks a checker
    /// for what the scenario lacks (the message is the scenario error, with file and line).
    #[error("{0}")]
    Check(String),
}

/// Runs `scenario` with protocol `P` (whatever `[cluster] protocol` names) and the given
/// parameters, watched by `observer`, which comes back with the output. This is how a
/// protocol can be tried before it is registered, and how the engine's own tests drive probe
/// protocols.
pub fn run_with_observer<P: Protocol, O: Observer>(
    scenario: &Scenario,
    mut params: P::Params,
    seed: u64,
    trace: Trace<'_>,
    observer: O,
) -> Result<(RunOutput, O), RunError> {
    // Under swarm testing the seed first draws its own nemesis and knobs.
    let swarm = swarm::draw::<P>(scenario, &mut params, seed);
    let (scenario, drawn) = match &swarm {
        Some((s, words)) => (s, Some(words.clone())),
        None => (scenario, None),
    };
    let (mut out, observer, trace_error) =
        engine::Sim::<P, O>::new(scenario, params, seed, trace, observer).run();
    out.swarm = drawn;
    match trace_error {
        Some(e) => Err(RunError::Trace(e)),
        None => Ok((out, observer)),
    }
}

/// [`run_with_observer`] without an observer.
pub fn run_with<P: Protocol>(
    scenario: &Scenario,
    params: P::Params,
    seed: u64,
    trace: Trace<'_>,
) -> Result<RunOutput, RunError> {
    run_with_observer::<P, ()>(scenario, params, seed, trace, ()).map(|(out, ())| out)
}

/// Runs `scenario` with `seed` and the protocol it names, watched by `observer`, hashing
/// every event into `trace` (and writing lines if the trace has a sink).
pub fn run_observed<O: Observer>(
    scenario: &Scenario,
    seed: u64,
    trace: Trace<'_>,
    observer: O,
) -> Result<(RunOutput, O), RunError> {
    struct Visit<'a, 't, O> {
        scenario: &'a Scenario,
        seed: u64,
        trace: Trace<'t>,
        observer: O,
    }
    impl<O: Observer> ProtocolVisitor for Visit<'_, '_, O> {
        type Output = Result<(RunOutput, O), RunError>;
        fn visit<P: Protocol>(self) -> Self::Output {
            let params = registry::parse_params::<P>(&self.scenario.cluster.params)
                .map_err(RunError::Params)?;
            run_with_observer::<P, O>(self.scenario, params, self.seed, self.trace, self.observer)
        }
    }
    let name = &scenario.cluster.protocol;
    let visit = Visit {
        scenario,
        seed,
        trace,
        observer,
    };
    registry::visit(name, visit).ok_or_else(|| RunError::UnknownProtocol(name.clone()))?
}

/// Runs `scenario` with `seed`, without an observer.
pub fn run(scenario: &Scenario, seed: u64, trace: Trace<'_>) -> Result<RunOutput, RunError> {
    run_observed(scenario, seed, trace, ()).map(|(out, ())| out)
}
