//! faultline: a deterministic distributed-systems simulator.
//!
//! One process, one thread per run: a discrete-event engine simulates nodes, lossy networks,
//! drifting clocks, crashes and partitions; runs a pluggable protocol on them; and checks the
//! client history against consistency models and safety invariants. One seed gives one run,
//! byte for byte.
//!
//! Layers (data flows one way): [`scenario`] → [`sim`] (with [`net`], [`node`], [`faults`],
//! [`workload`], [`protocol`], all on the ground floor [`des`]) → [`history`] and the trace
//! → [`check`] → [`report`].
//!
//! # Example: run a scenario and check it
//!
//! ```
//! use faultline::check::Verdict;
//! use faultline::explore::run_seed;
//! use faultline::des::trace::Trace;
//!
//! let text = r#"
//!     duration = "3s"
//!     [cluster]
//!     protocol = "primary-backup"
//!     nodes = 3
//!     [workload]
//!     model = "kv"
//!     clients = 2
//!     [[faults]]
//!     at = "1s"
//!     kind = "crash"
//!     target = "leader"
//!     restart_after = "500ms"
//! "#;
//! let scenario = faultline::scenario::parse_str(text, "example.toml").unwrap();
//! let a = run_seed(&scenario, 7, Trace::hash_only()).unwrap();
//! let b = run_seed(&scenario, 7, Trace::hash_only()).unwrap();
//! assert_eq!(a.output.trace_hash, b.output.trace_hash); // same seed, same run
//! assert_eq!(a.verdict, Verdict::Pass); // sync replication keeps acknowledged writes
//! assert!(a.output.ops.ok > 0);
//! ```

#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod des;
pub mod explore;
pub mod faults;
pub mod history;
pub mod net;
pub mod node;
pub mod ops;
pub mod protocol;
pub mod report;
pub mod scenario;
pub mod shrink;
pub mod sim;
pub mod workload;
