//! The ground floor (DESIGN §1): virtual time, identifiers, the event queue, seeded random
//! streams, the trace hasher, and the serde helper for enums written as words. It knows
//! nothing above it: every other layer may use it, it uses none of them.

pub mod ids;
pub mod queue;
pub mod radix;
pub mod rng;
pub mod time;
pub mod trace;
pub mod words;
