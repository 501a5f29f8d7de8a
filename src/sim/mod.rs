//! The engine: the run loop, dispatch to protocol handlers, fault injection, and the facts a
//! run produces. It holds net, node, faults, workload and protocol together, on top of the
//! ground floor in [`crate::des`]. Single-threaded and deterministic (DESIGN §3): no wall clock, no
//! OS entropy, no unordered iteration that can affect behaviour.

mod dispatch;
mod engine;
mod event;
mod inject;
pub mod panics;

pub use event::{
    CommittedLog, FiredFault, NetStats, PartitionWindow, ProtocolPanic, RunOutput, StopReason,
};

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
}

/// Runs `scenario` with protocol `P` (whatever `[cluster] protocol` names) and the given
/// parameters. This is how a protocol can be tried before it is registered, and how the
/// engine's own tests drive probe protocols.
pub fn run_with<P: Protocol>(
    scenario: &Scenario,
    params: P::Params,
    seed: u64,
    trace: Trace<'_>,
) -> Result<RunOutput, RunError> {
    let (out, trace_error) = engine::Sim::<P>::new(scenario, params, seed, trace).run();
    match trace_error {
        Some(e) => Err(RunError::Trace(e)),
        None => Ok(out),
    }
}

/// Runs `scenario` with `seed`, hashing every event into `trace` (and writing lines if the
/// trace has a sink).
pub fn run(scenario: &Scenario, seed: u64, trace: Trace<'_>) -> Result<RunOutput, RunError> {
    struct Visit<'a, 't> {
        scenario: &'a Scenario,
        seed: u64,
        trace: Trace<'t>,
    }
    impl ProtocolVisitor for Visit<'_, '_> {
        type Output = Result<RunOutput, RunError>;
        fn visit<P: Protocol>(self) -> Self::Output {
            let params = registry::parse_params::<P>(&self.scenario.cluster.params)
                .map_err(RunError::Params)?;
            let sim = engine::Sim::<P>::new(self.scenario, params, self.seed, self.trace);
            let (out, trace_error) = sim.run();
            match trace_error {
                Some(e) => Err(RunError::Trace(e)),
                None => Ok(out),
            }
        }
    }
    let name = &scenario.cluster.protocol;
    registry::visit(
        name,
        Visit {
            scenario,
            seed,
            trace,
        },
    )
    .ok_or_else(|| RunError::UnknownProtocol(name.clone()))?
}
