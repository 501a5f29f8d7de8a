//! Nodes: the host around one protocol instance (status, local clock, timers, storage).
//! The engine drives hosts; a host never schedules events itself.

mod clock;
mod host;
mod service;

pub use clock::LocalClock;
pub use host::{NodeHost, Status};
pub use service::ServiceQueue;
