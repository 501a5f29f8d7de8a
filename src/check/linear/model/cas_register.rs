//! The `cas-register` model: one value, `read`, `write` and `cas [expected new]`.

use super::register::{describe_reg_op, prepare_reg, reg_requirement, step_reg, Accepts, RegOp};
use super::{fmt_value, value_heap_bytes, Model, OpView};
use crate::history::Value;

/// A compare-and-set register.
#[derive(Clone, Debug)]
pub struct CasRegister {
    init: Value,
    wildcard_nil: bool,
}

impl CasRegister {
    /// A register starting at `init`.
    pub fn new(init: &Value) -> CasRegister {
        CasRegister {
            init: init.clone(),
            wildcard_nil: *init != Value::Nil,
        }
    }
}

impl Model for CasRegister {
    type State = Value;
    type Op = RegOp;

    fn prepare(&mut self, op: &OpView<'_>) -> Result<RegOp, String> {
        let accepts = Accepts {
            cas: true,
            strings: false,
        };
        prepare_reg("cas-register", accepts, self.wildcard_nil, op)
    }

    fn init(&self) -> Value {
        self.init.clone()
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
        format!("the register holds {}", fmt_value(state))
    }

    fn requirement(&self, op: &RegOp) -> Option<String> {
        reg_requirement("the register", op)
    }

    fn heap_bytes(&self, state: &Value) -> usize {
        value_heap_bytes(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Func, Process};

    fn prep(m: &mut CasRegister, f: Func, value: Value) -> RegOp {
        let view = OpView {
            process: Process::Client(1),
            f: &f,
            value: &value,
            known: true,
        };
        m.prepare(&view).unwrap()
    }

    #[test]
    fn cas_needs_the_expected_value() {
        let mut m = CasRegister::new(&Value::Int(0));
        let cas = prep(
            &mut m,
            Func::Cas,
            Value::List(vec![Value::Int(0), Value::Int(2)]),
        );
        let s = m.init();
        let s2 = m.step(&s, &cas).unwrap();
        assert_eq!(s2, Value::Int(2));
        assert_eq!(m.step(&s2, &cas), None);
        assert_eq!(m.describe_op(&cas), "cas 0→2");
        assert_eq!(
            m.requirement(&cas).unwrap(),
            "cas 0→2 needs the register to hold 0"
        );
    }

    #[test]
    fn nil_reads_are_unconstrained_when_init_is_not_nil() {
        let mut m = CasRegister::new(&Value::Int(0));
        let r = prep(&mut m, Func::Read, Value::Nil);
        assert_eq!(m.step(&Value::Int(9), &r), Some(Value::Int(9)));
        let mut strict = CasRegister::new(&Value::Nil);
        let r = prep(&mut strict, Func::Read, Value::Nil);
        assert_eq!(strict.step(&Value::Int(9), &r), None);
    }

    #[test]
    fn malformed_cas_is_rejected() {
        let mut m = CasRegister::new(&Value::Nil);
        let view = OpView {
            process: Process::Client(1),
            f: &Func::Cas,
            value: &Value::Int(3),
            known: true,
        };
        assert!(m.prepare(&view).unwrap_err().contains("[expected new]"));
    }
}
