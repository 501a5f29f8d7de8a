//! Client requests and replies: what workloads ask of a protocol and what it answers.

use crate::des::ids::{NodeId, RequestId};

/// One operation on the replicated key-value state. Models without keys use key 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Read the current value of `key` (absent keys read as `None`).
    Read {
        /// The key.
        key: u64,
    },
    /// Set `key` to `value`.
    Write {
        /// The key.
        key: u64,
        /// The new value.
        value: i64,
    },
    /// Set `key` to `new` only if it currently holds `expected`.
    Cas {
        /// The key.
        key: u64,
        /// The value the key must hold.
        expected: i64,
        /// The value to set.
        new: i64,
    },
}

impl Command {
    /// The key this command touches.
    pub fn key(&self) -> u64 {
        match *self {
            Command::Read { key } | Command::Write { key, .. } | Command::Cas { key, .. } => key,
        }
    }
}

/// A client request as a protocol sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientRequest {
    /// Identifies the request; reply with the same id.
    pub id: RequestId,
    /// What to do.
    pub command: Command,
}

/// A protocol's answer to a client request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reply {
    /// The operation took effect; reads carry the value read (`None` for an absent key).
    Ok(Option<i64>),
    /// The operation certainly did not take effect (a cas whose expected value did not
    /// match, or a request refused before doing anything).
    Fail,
    /// Not the right node: try `Some(node)`, or any other node if `None`. The operation
    /// did not take effect.
    Redirect(Option<NodeId>),
}
