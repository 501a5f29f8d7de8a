//! How operations are written into the history, in the forms Jepsen's checkers read:
//! single register operations (`:f :read/:write/:cas/:delete`), adds and reads of sets and
//! counters (`:f :add/:read`), and transactions (`:f :txn` with Elle's micro-ops `[:append k v]`,
//! `[:w k v]`, `[:r k v]`).

use crate::history::{Func, Value};
use crate::ops::{Datum, MicroOp, Results, Txn};

fn datum_value(d: Option<&Datum>) -> Value {
    match d {
        None => Value::Nil,
        Some(Datum::Int(v)) => Value::Int(*v),
        Some(Datum::List(items)) => Value::List(items.iter().map(|v| Value::Int(*v)).collect()),
    }
}

fn key_of(txn: &Txn, keyed: bool) -> Option<u64> {
    keyed.then(|| txn.ops()[0].key())
}

/// A read, write, cas or delete: `read` carries what was read (nil when invoked), `write` the
/// value, `cas` `[expected new]`, `delete` nil (`{:f :delete, :value nil}`, keyed
/// `[k nil]`).
pub(super) fn register(
    txn: &Txn,
    results: Option<&Results>,
    keyed: bool,
) -> (Func, Option<u64>, Value) {
    let op = txn.ops()[0];
    let (f, value) = match op {
        MicroOp::Read { .. } => (Func::Read, datum_value(results.and_then(|r| r.get(0)))),
        MicroOp::Write { value, .. } => (Func::Write, Value::Int(value)),
        MicroOp::Delete { .. } => (Func::Other("delete".into()), Value::Nil),
        MicroOp::Cas { expected, new, .. } => (
            Func::Cas,
            Value::List(vec![Value::Int(expected), Value::Int(new)]),
        ),
        other => (Func::Other(other.kind().name().into()), Value::Nil),
    };
    (f, key_of(txn, keyed), value)
}

/// An add (to a set or a counter) or a read: `add` carries the element or amount, `read`
/// what was read — a set's elements in order, a counter's value — or `absent` (`[]` for a
/// set, `0` for a counter) when the key holds nothing yet.
pub(super) fn add_or_read(
    txn: &Txn,
    results: Option<&Results>,
    keyed: bool,
    absent: Value,
) -> (Func, Option<u64>, Value) {
    let op = txn.ops()[0];
    let (f, value) = match op {
        MicroOp::Insert { value, .. } => (Func::Other("add".into()), Value::Int(value)),
        MicroOp::Add { delta, .. } => (Func::Other("add".into()), Value::Int(delta)),
        MicroOp::Read { .. } => {
            let value = match results.map(|r| r.get(0)) {
                None => Value::Nil,
                Some(None) => absent,
                Some(d) => datum_value(d),
            };
            (Func::Read, value)
        }
        other => (Func::Other(other.kind().name().into()), Value::Nil),
    };
    (f, key_of(txn, keyed), value)
}

/// A transaction in Elle's form: `:f :txn` and a vector of micro-ops, reads carrying what
/// they returned once completed (nil when invoked, or when the key was absent).
pub(super) fn transaction(txn: &Txn, results: Option<&Results>) -> (Func, Option<u64>, Value) {
    let micro = |name: &str, key: u64, v: Value| {
        Value::List(vec![Value::Keyword(name.into()), Value::Int(key as i64), v])
    };
    let ops = txn
        .ops()
        .iter()
        .enumerate()
        .map(|(i, op)| match *op {
            MicroOp::Read { key } => micro("r", key, datum_value(results.and_then(|r| r.get(i)))),
            MicroOp::Write { key, value } => micro("w", key, Value::Int(value)),
            MicroOp::Append { key, value } => micro("append", key, Value::Int(value)),
            ref other => micro(other.kind().name(), other.key(), Value::Nil),
        })
        .collect();
    (Func::Other("txn".into()), None, Value::List(ops))
}
