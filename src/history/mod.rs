//! Client histories in Jepsen's model (DESIGN §5): each operation is an `invoke` followed by
//! `ok`, `fail` (certainly did not happen) or `info` (may or may not have happened), with a
//! process, a function, an optional key, a value and a time on the virtual clock.
//!
//! Owns the types and their two file forms: Jepsen EDN (one op map per line, Knossos style;
//! keyed ops use Jepsen's `independent` tuples `[key value]`) and JSON lines.

mod edn;
mod read;
mod wellformed;
mod write;

pub use edn::{parse_edn_literal, parse_edn_value};
pub use read::{load_history, read_history, read_history_file, HistoryError, HistorySource};
pub use wellformed::{Form, Malformed, Pair};
pub use write::{fmt_value, write_edn, write_json, HistoryFormat};

use crate::des::time::Nanos;

/// The kind of a history entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpType {
    /// The client started the operation.
    Invoke,
    /// It took effect.
    Ok,
    /// It certainly did not take effect.
    Fail,
    /// Unknown: it may or may not have taken effect (e.g. timed out).
    Info,
}

impl OpType {
    /// Jepsen's name (`invoke`, `ok`, `fail`, `info`).
    pub fn name(self) -> &'static str {
        match self {
            OpType::Invoke => "invoke",
            OpType::Ok => "ok",
            OpType::Fail => "fail",
            OpType::Info => "info",
        }
    }
}

/// The operation's function.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Func {
    /// Read a value.
    Read,
    /// Write a value.
    Write,
    /// Compare-and-set: value is `[expected new]`.
    Cas,
    /// Any other function name (from external histories).
    Other(String),
}

impl Func {
    /// The name as written in histories.
    pub fn name(&self) -> &str {
        match self {
            Func::Read => "read",
            Func::Write => "write",
            Func::Cas => "cas",
            Func::Other(s) => s,
        }
    }
}

/// A value in a history.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// Absent / unknown (`nil`).
    Nil,
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A vector or list of values (e.g. a cas `[expected new]`, a txn `[[:read :x 1]]`).
    List(Vec<Value>),
    /// A keyword such as `:x` (stored without the colon).
    Keyword(String),
    /// `true` or `false`.
    Bool(bool),
    /// A map, in the order its entries were written (e.g. an initial state `{:x 0 :y 0}`).
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// `Int(v)` for `Some(v)`, `Nil` for `None`.
    pub fn from_opt(v: Option<i64>) -> Value {
        v.map_or(Value::Nil, Value::Int)
    }

    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
}

/// Who performed an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Process {
    /// A client process (a timed-out client continues as a new process, as in Jepsen).
    Client(u64),
    /// The fault injector.
    Nemesis,
}

/// One history entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Op {
    /// Position in the history, from 0.
    pub index: u64,
    /// Who.
    pub process: Process,
    /// Invoke or completion kind.
    pub kind: OpType,
    /// What.
    pub f: Func,
    /// The key, for keyed models: an integer for faultline's own histories; any scalar
    /// (`"4"`, `:x`, `7`) read from a `:key` field elsewhere (Porcupine's and etcd's kv form).
    pub key: Option<Value>,
    /// The value (for an invoked read, `Nil`; for a completed read, what was read).
    pub value: Value,
    /// Virtual time in nanoseconds.
    pub time: Nanos,
    /// The node that answered, for completions the simulator recorded (not in EDN).
    pub node: Option<String>,
}

/// A whole history, in time order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History {
    /// The entries.
    pub ops: Vec<Op>,
    /// The session of each client process number, when known: a simulated run's client (a
    /// client that times out continues as a new process in the same session), or the
    /// `:session` of a history file's entries. `None`: each process is a session.
    pub sessions: Option<Vec<u32>>,
}

impl History {
    /// Appends an entry, giving it the next index.
    pub fn push(&mut self, mut op: Op) {
        op.index = self.ops.len() as u64;
        self.ops.push(op);
    }
}
