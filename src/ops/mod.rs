//! Operations as data (DESIGN §10). A client operation is a transaction of micro-operations
//! over keys — read, write, compare-and-set, append to a list, add to a counter, insert into
//! or remove from a set, send to or poll a log — and a single read or write is a transaction
//! of one. Results carry what the reads returned. Protocols that replicate a state machine
//! apply transactions through the one [`Store`] here instead of keeping their own key-value
//! code.
//!
//! This module owns the vocabulary and the store; it knows nothing of networks, protocols or
//! histories.

mod micro;
mod store;
mod txn;

pub use micro::{Key, Kind, MicroOp};
pub use store::{Abort, Applied, Store, Stored, Update};
pub use txn::{Datum, Results, Txn};
