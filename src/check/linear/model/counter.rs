//! The `counter` model: `add d` adds `d` to a counter; `read` returns its value, which must
//! equal it exactly. A counter starts at `init` (`nil`: 0).

use super::{unknown_f, Model, OpView};
use crate::history::{Func, Value};

/// A counter op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterOp {
    /// Add an amount.
    Add(i64),
    /// Read the value: `Some(v)` when known.
    Read(Option<i64>),
}

/// A counter; the state is its value.
#[derive(Clone, Copy, Debug)]
pub struct CounterModel {
    init: i64,
}

impl CounterModel {
    /// A counter starting at `init` (`nil`: 0).
    pub fn new(init: &Value) -> Result<CounterModel, String> {
        match init {
            Value::Nil => Ok(CounterModel { init: 0 }),
            Value::Int(v) => Ok(CounterModel { init: *v }),
            other => Err(format!(
                "a counter starts at a whole number, not {}",
                super::fmt_value(other)
            )),
        }
    }
}

impl Model for CounterModel {
    type State = i64;
    type Op = CounterOp;

    fn prepare(&mut self, op: &OpView<'_>) -> Result<CounterOp, String> {
        match (op.f, op.f.name(), op.value) {
            (Func::Other(_), "add", Value::Int(d)) => Ok(CounterOp::Add(*d)),
            (Func::Other(_), "add", other) => Err(format!(
                "the add value is {}; expected a whole number",
                super::fmt_value(other)
            )),
            (Func::Read, _, _) if !op.known => Ok(CounterOp::Read(None)),
            (Func::Read, _, Value::Int(v)) => Ok(CounterOp::Read(Some(*v))),
            (Func::Read, _, Value::Nil) => Ok(CounterOp::Read(Some(0))),
            (Func::Read, _, other) => Err(format!(
                "the read value is {}; expected a whole number",
                super::fmt_value(other)
            )),
            _ => Err(unknown_f("counter", op.f, ":add or :read")),
        }
    }

    fn init(&self) -> i64 {
        self.init
    }

    fn is_noop(&self, op: &CounterOp) -> bool {
        *op == CounterOp::Read(None)
    }

    fn step(&self, state: &i64, op: &CounterOp) -> Option<i64> {
        match *op {
            CounterOp::Add(d) => Some(state.wrapping_add(d)),
            CounterOp::Read(None) => Some(*state),
            CounterOp::Read(Some(v)) => (v == *state).then_some(*state),
        }
    }

    fn describe_op(&self, op: &CounterOp) -> String {
        match op {
            CounterOp::Add(d) => format!("add {d}"),
            CounterOp::Read(Some(v)) => format!("read {v}"),
            CounterOp::Read(None) => "read ?".into(),
        }
    }

    fn describe_state(&self, state: &i64) -> String {
        format!("the counter is {state}")
    }

    fn requirement(&self, op: &CounterOp) -> Option<String> {
        match op {
            CounterOp::Read(Some(v)) => Some(format!("reading {v} needs the counter to be {v}")),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn prep(m: &mut CounterModel, f: Func, value: Value) -> CounterOp {
        let view = OpView {
            process: Process::Client(0),
            f: &f,
            value: &value,
            known: true,
        };
        m.prepare(&view).unwrap()
    }

    #[test]
    fn adds_and_exact_reads() {
        let mut m = CounterModel::new(&Value::Nil).unwrap();
        let add = prep(&mut m, Func::Other("add".into()), Value::Int(2));
        let read2 = prep(&mut m, Func::Read, Value::Int(2));
        let s = m.step(&m.init(), &add).unwrap();
        assert_eq!(m.step(&0, &read2), None);
        assert_eq!(m.step(&s, &read2), Some(2));
        assert_eq!(
            prep(&mut m, Func::Read, Value::Nil),
            CounterOp::Read(Some(0))
        );
        assert!(CounterModel::new(&Value::Str("x".into())).is_err());
    }
}
