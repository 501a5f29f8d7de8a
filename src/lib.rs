//! faultline: a deterministic distributed-systems simulator.
//!
//! One process, one thread per run: a discrete-event engine simulates nodes, lossy networks,
//! drifting clocks, crashes and partitions; runs a pluggable protocol on them; and checks the
//! client history against consistency models and safety invariants. One seed gives one run,
//! byte for byte.
//!
//! Layers (data flows one way): [`scenario`] → [`sim`] (with [`net`], [`node`], [`faults`],
//! [`workload`], [`protocol`]) → [`history`] and the trace → [`check`] → [`report`].

pub mod check;
pub mod cli;
pub mod explore;
pub mod faults;
pub mod history;
pub mod net;
pub mod node;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod workload;
