//! The `register` model: one value, `read` and `write`. Also holds the register ops that
//! `cas-register` and `kv` share ([`RegOp`]).

use super::{fmt_value, unknown_f, value_heap_bytes, Model, OpView};
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
    let read = |op: &OpView<'_>| {
        if !op.known || (wildcard_nil && *op.value == Value::Nil) {
            RegOp::Read(None)
        } else {
            RegOp::Read(Some(op.value.clone()))
        }
    };
    match (op.f, name) {
        (Func::Read, _) => Ok(read(op)),
        (Func::Write, _) => Ok(RegOp::Write(op.value.clone())),
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
        (Func::Other(_), "put") if accepts.strings => Ok(RegOp::Write(op.value.clone())),
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
                (true, true) => ":read/:get, :write/:put, :cas or :append",
                (true, false) => ":read, :write or :cas",
                (false, _) => ":read or :write",
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

/// A single register (also each key of `kv`): which functions it accepts and how reports
/// name it are the only differences between `register`, `cas-register` and a `kv` key.
#[derive(Clone, Debug)]
pub struct Register {
    name: &'static str,
    accepts: Accepts,
    noun: &'static str,
    init: Value,
    wildcard_nil: bool,
}

impl Register {
    /// A `register` (read, write) starting at `init`.
    pub fn new(init: &Value) -> Register {
        Register::with(
            "register",
            Accepts {
                cas: false,
                strings: false,
            },
            "the register",
            init,
        )
    }

    /// A register model named `name` that accepts `accepts`, called `noun` in reports. An `ok`
    /// read of `nil` constrains nothing unless the register starts at `nil`.
    pub(crate) fn with(
        name: &'static str,
        accepts: Accepts,
        noun: &'static str,
        init: &Value,
    ) -> Register {
        Register {
            name,
            accepts,
            noun,
            init: init.clone(),
            wildcard_nil: *init != Value::Nil,
        }
    }
}

impl Model for Register {
    type State = Value;
    type Op = RegOp;

    fn prepare(&mut self, op: &OpView<'_>) -> Result<RegOp, String> {
        prepare_reg(self.name, self.accepts, self.wildcard_nil, op)
    }

    fn init(&self) -> Value {
        self.init.clone()
    }

    /// A read of a value neither the initial state nor any write or cas produced. Appends
    /// build strings out of parts, so a history with appends is left to the search.
    fn unproduced<'o>(&self, ops: impl Iterator<Item = &'o RegOp>) -> Option<(usize, String)> {
        let ops: Vec<&RegOp> = ops.collect();
        let mut produced: std::collections::HashSet<&Value> = std::collections::HashSet::new();
        produced.insert(&self.init);
        for op in &ops {
            match op {
                RegOp::Write(v) | RegOp::Cas(_, v) => {
                    produced.insert(v);
                }
                RegOp::Append(_) => return None,
                RegOp::Read(_) => {}
            }
        }
        ops.iter().enumerate().find_map(|(i, op)| match op {
            RegOp::Read(Some(v)) if !produced.contains(v) => Some((
                i,
                format!(
                    "it read {}, which no operation wrote (and the {} did not start with)",
                    fmt_value(v),
                    self.name
                ),
            )),
            _ => None,
        })
    }

    fn is_noop(&self, op: &RegOp) -> bool {
        *op == RegOp::Read(None)
    }

    fn step(&self, state: &Value, op: &RegOp) -> Option<Value> {
        step_reg(state, op)
    }

    fn describe_op(&self, op: &RegOp) -> String {
        describe_reg_op(op)
    }

    fn describe_state(&self, state: &Value) -> String {
        match state {
            Value::Nil if self.accepts.strings => format!("{} is absent (nil)", self.noun),
            v => format!("{} holds {}", self.noun, fmt_value(v)),
        }
    }

    fn requirement(&self, op: &RegOp) -> Option<String> {
        reg_requirement(self.noun, op)
    }

    fn heap_bytes(&self, state: &Value) -> usize {
        value_heap_bytes(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn view<'a>(f: &'a Func, value: &'a Value, known: bool) -> OpView<'a> {
        OpView {
            process: Process::Client(0),
            f,
            value,
            known,
        }
    }

    #[test]
    fn reads_see_writes() {
        let mut m = Register::new(&Value::Nil);
        let w = m
            .prepare(&view(&Func::Write, &Value::Int(3), true))
            .unwrap();
        let r3 = m.prepare(&view(&Func::Read, &Value::Int(3), true)).unwrap();
        let r_nil = m.prepare(&view(&Func::Read, &Value::Nil, true)).unwrap();
        let s = m.init();
        assert_eq!(m.step(&s, &r_nil), Some(Value::Nil));
        assert_eq!(m.step(&s, &r3), None);
        let s = m.step(&s, &w).unwrap();
        assert_eq!(m.step(&s, &r3), Some(Value::Int(3)));
        assert_eq!(
            m.step(&s, &r_nil),
            None,
            "nil is a real value when init is nil"
        );
        assert_eq!(m.describe_op(&w), "write 3");
        assert_eq!(m.describe_state(&s), "the register holds 3");
    }

    #[test]
    fn unknown_and_unreported_reads_are_noops() {
        let mut m = Register::new(&Value::Int(0));
        let unknown = m
            .prepare(&view(&Func::Read, &Value::Int(7), false))
            .unwrap();
        let nil = m.prepare(&view(&Func::Read, &Value::Nil, true)).unwrap();
        assert!(m.is_noop(&unknown) && m.is_noop(&nil));
        assert_eq!(m.step(&Value::Int(5), &nil), Some(Value::Int(5)));
    }

    #[test]
    fn cas_is_not_a_register_op() {
        let mut m = Register::new(&Value::Nil);
        let cas = Value::List(vec![Value::Int(1), Value::Int(2)]);
        assert!(m.prepare(&view(&Func::Cas, &cas, true)).is_err());
    }
}
