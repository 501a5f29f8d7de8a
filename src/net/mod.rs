//! The simulated network: latency distributions, loss, duplication, reordering, per-link
//! overrides, partitions, one-way blocks and link degradation. It decides each message's
//! fate from the sender's own random stream; it never schedules events itself.

mod cuts;
pub mod latency;
mod links;

pub use cuts::Cuts;
pub use links::{Fate, Links};
