//! The register operations that `register`, `cas-register` and `kv` share ([`RegOp`]): how
//! a history op becomes one, how it steps, and how reports name it.

use super::{fmt_value, unknown_f, OpView};
use crate::history::{Func, Value};

/// A register operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegOp {
    /// Read: `Some(v)` must find `v`; `None` is a read whose result is unknown or unreported.
    Read(Option<Value>),
    /// Write a value.
    Write(Value),
    /// Compare-and-set: `(expected, new)`.
    Cas(Value, Value),
    /// Append a string to the string held (absent counts as `""`).
    Append(String),
}

/// Which register functions a model accepts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Accepts {
    pub cas: bool,
    pub strings: bool,
}

/// Turns an op into a [`RegOp`]. `wildcard_nil`: an `ok` read of `nil` constrains nothing.
pub(crate) fn prepare_reg(
    model: &str,
    accepts: Accepts,
    wildcard_nil: bool,
    op: &OpView<'_>,
) -> Result<RegOp, String> {
    let name = op.f.name();
    // A kv key that starts absent reads as nil or as "" (Porcupine's and etcd's kv tests
    // read a missing key as ""), so "" is the absent value there.
    let absent_is_empty = accepts.strings && !wildcard_nil;
    let value = |v: &Value| match v {
        Value::Str(s) if s.is_empty() && absent_is_empty => Value::Nil,
        v => v.clone(),
    };
    let read = |op: &OpView<'_>| {
        if !op.known || (wildcard_nil && *op.value == Value::Nil) {
            RegOp::Read(None)
        } else {
            RegOp::Read(Some(value(op.value)))
        }
    };
    match (op.f, name) {
        (Func::Read, _) => Ok(read(op)),
        (Func::Write, _) => Ok(RegOp::Write(value(op.value))),
        // A delete leaves the key absent: a write of nil, which reads of nil then observe.
        (Func::Other(_), "delete") => Ok(RegOp::Write(Value::Nil)),
        (Func::Cas, _) if accepts.cas => match op.value {
            Value::List(pair) if pair.len() == 2 => {
                Ok(RegOp::Cas(pair[0].clone(), pair[1].clone()))
            }
            other => Err(format!(
                "the cas value is {}; expected a pair [expected new] such as [0 1]",
                fmt_value(other)
            )),
        },
        (Func::Other(_), "get") if accepts.strings => Ok(read(op)),
        (Func::Other(_), "put") if accepts.strings => Ok(RegOp::Write(value(op.value))),
        (Func::Other(_), "append") if accepts.strings => match op.value {
            Value::Str(s) => Ok(RegOp::Append(s.clone())),
            other => Err(format!(
                "the append value is {}; expected a string such as \"x\"",
                fmt_value(other)
            )),
        },
        _ => Err(unknown_f(
            model,
            op.f,
            match (accepts.cas, accepts.strings) {
                (true, true) => ":read/:get, :write/:put, :cas, :append or :delete",
                (true, false) => ":read, :write, :cas or :delete",
                (false, _) => ":read, :write or :delete",
            },
        )),
    }
}

/// One step of a register.
pub(crate) fn step_reg(state: &Value, op: &RegOp) -> Option<Value> {
    match op {
        RegOp::Read(None) => Some(state.clone()),
        RegOp::Read(Some(v)) => (state == v).then(|| state.clone()),
        RegOp::Write(v) => Some(v.clone()),
        RegOp::Cas(expected, new) => (state == expected).then(|| new.clone()),
        RegOp::Append(s) => match state {
            Value::Nil => Some(Value::Str(s.clone())),
            Value::Str(t) => Some(Value::Str(format!("{t}{s}"))),
            _ => None,
        },
    }
}

/// `read 3`, `write 4`, `cas 1→2`, `append "x"`.
pub(crate) fn describe_reg_op(op: &RegOp) -> String {
    match op {
        RegOp::Read(Some(v)) => format!("read {}", fmt_value(v)),
        RegOp::Read(None) => "read ?".into(),
        RegOp::Write(Value::Nil) => "delete".into(),
        RegOp::Write(v) => format!("write {}", fmt_value(v)),
        RegOp::Cas(a, b) => format!("cas {}→{}", fmt_value(a), fmt_value(b)),
        RegOp::Append(s) => format!("append {s:?}"),
    }
}

/// What a register op needs; `noun` is e.g. `the register`.
pub(crate) fn reg_requirement(noun: &str, op: &RegOp) -> Option<String> {
    match op {
        RegOp::Read(Some(v)) => Some(format!(
            "reading {} needs {noun} to hold {}",
            fmt_value(v),
            fmt_value(v)
        )),
        RegOp::Cas(a, b) => Some(format!(
            "cas {}→{} needs {noun} to hold {}",
            fmt_value(a),
            fmt_value(b),
            fmt_value(a)
        )),
        RegOp::Append(_) => Some(format!("append needs {noun} to hold a string or nothing")),
        RegOp::Read(None) | RegOp::Write(_) => None,
    }
}
