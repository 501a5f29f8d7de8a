//! Micro-operations: the steps a transaction is made of, and their kinds.

use std::fmt;

/// A key. Simulated workloads number their keys from 0.
pub type Key = u64;

/// What a micro-operation does. A protocol declares the kinds it serves; a workload, the kinds
/// its transactions use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Read a key: a register's value, a list, a set or a counter.
    Read,
    /// Set a register.
    Write,
    /// Set a register if it holds an expected value.
    Cas,
    /// Append an element to a list.
    Append,
    /// Add to a counter.
    Add,
    /// Insert an element into a set.
    Insert,
    /// Remove an element from a set.
    Remove,
    /// Send a message to a log or queue.
    Send,
    /// Poll a log or queue.
    Poll,
    /// Delete a register: the key reads as absent again.
    Delete,
}

impl Kind {
    /// Every kind, in this order.
    pub const ALL: [Kind; 10] = [
        Kind::Read,
        Kind::Write,
        Kind::Cas,
        Kind::Append,
        Kind::Add,
        Kind::Insert,
        Kind::Remove,
        Kind::Send,
        Kind::Poll,
        Kind::Delete,
    ];

    /// The kind's name: `read`, `write`, `cas`, `append`, `add`, `insert`, `remove`, `send`,
    /// `poll`, `delete`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Read => "read",
            Kind::Write => "write",
            Kind::Cas => "cas",
            Kind::Append => "append",
            Kind::Add => "add",
            Kind::Insert => "insert",
            Kind::Remove => "remove",
            Kind::Send => "send",
            Kind::Poll => "poll",
            Kind::Delete => "delete",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One step of a transaction, as a client sends it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MicroOp {
    /// Read `key` (its result says what it holds).
    Read {
        /// The key.
        key: Key,
    },
    /// Set register `key` to `value`.
    Write {
        /// The key.
        key: Key,
        /// The new value.
        value: i64,
    },
    /// Set register `key` to `new` if it holds `expected`; otherwise the whole transaction
    /// aborts.
    Cas {
        /// The key.
        key: Key,
        /// The value it must hold.
        expected: i64,
        /// The value to set.
        new: i64,
    },
    /// Append `value` to list `key`.
    Append {
        /// The key.
        key: Key,
        /// The element.
        value: i64,
    },
    /// Add `delta` to counter `key`.
    Add {
        /// The key.
        key: Key,
        /// The amount.
        delta: i64,
    },
    /// Insert `value` into set `key`.
    Insert {
        /// The key.
        key: Key,
        /// The element.
        value: i64,
    },
    /// Remove `value` from set `key`.
    Remove {
        /// The key.
        key: Key,
        /// The element.
        value: i64,
    },
    /// Send `value` to log `key`.
    Send {
        /// The log.
        key: Key,
        /// The message.
        value: i64,
    },
    /// Poll log `key` for messages.
    Poll {
        /// The log.
        key: Key,
    },
    /// Delete register `key`: it reads as absent (`nil`) until written again.
    Delete {
        /// The key.
        key: Key,
    },
}

impl MicroOp {
    /// The key it touches.
    pub fn key(&self) -> Key {
        match *self {
            MicroOp::Read { key }
            | MicroOp::Write { key, .. }
            | MicroOp::Cas { key, .. }
            | MicroOp::Append { key, .. }
            | MicroOp::Add { key, .. }
            | MicroOp::Insert { key, .. }
            | MicroOp::Remove { key, .. }
            | MicroOp::Send { key, .. }
            | MicroOp::Poll { key }
            | MicroOp::Delete { key } => key,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        match self {
            MicroOp::Read { .. } => Kind::Read,
            MicroOp::Write { .. } => Kind::Write,
            MicroOp::Cas { .. } => Kind::Cas,
            MicroOp::Append { .. } => Kind::Append,
            MicroOp::Add { .. } => Kind::Add,
            MicroOp::Insert { .. } => Kind::Insert,
            MicroOp::Remove { .. } => Kind::Remove,
            MicroOp::Send { .. } => Kind::Send,
            MicroOp::Poll { .. } => Kind::Poll,
            MicroOp::Delete { .. } => Kind::Delete,
        }
    }

    /// True for the kinds that return what they saw (`read`, `poll`).
    pub fn reads(&self) -> bool {
        matches!(self, MicroOp::Read { .. } | MicroOp::Poll { .. })
    }

    /// Words fed to a digest: the kind, the key and the operands.
    pub fn words(&self) -> [u64; 4] {
        let k = self.kind() as u64 + 1;
        match *self {
            MicroOp::Read { key } | MicroOp::Poll { key } | MicroOp::Delete { key } => {
                [k, key, 0, 0]
            }
            MicroOp::Cas { key, expected, new } => [k, key, expected as u64, new as u64],
            MicroOp::Write { key, value }
            | MicroOp::Append { key, value }
            | MicroOp::Insert { key, value }
            | MicroOp::Remove { key, value }
            | MicroOp::Send { key, value }
            | MicroOp::Add { key, delta: value } => [k, key, value as u64, 0],
        }
    }
}

impl fmt::Display for MicroOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MicroOp::Read { key } => write!(f, "read key {key}"),
            MicroOp::Write { key, value } => write!(f, "write {value} to key {key}"),
            MicroOp::Cas { key, expected, new } => {
                write!(f, "cas {expected}->{new} on key {key}")
            }
            MicroOp::Append { key, value } => write!(f, "append {value} to key {key}"),
            MicroOp::Add { key, delta } => write!(f, "add {delta} to key {key}"),
            MicroOp::Insert { key, value } => write!(f, "insert {value} into key {key}"),
            MicroOp::Remove { key, value } => write!(f, "remove {value} from key {key}"),
            MicroOp::Send { key, value } => write!(f, "send {value} to key {key}"),
            MicroOp::Poll { key } => write!(f, "poll key {key}"),
            MicroOp::Delete { key } => write!(f, "delete key {key}"),
        }
    }
}
