//! The engine: virtual time, ids, the event queue, seeded random streams, the run loop, and
//! the trace with its hash. Single-threaded and deterministic (DESIGN §3): no wall clock, no
//! OS entropy, no unordered iteration that can affect behaviour.

pub mod ids;
pub mod queue;
pub mod rng;
pub mod time;
pub mod trace;
