//! The `cas-register` model: one value, `read`, `write` and `cas [expected new]`.

use super::reg_op::Accepts;
use super::register::Register;
use crate::history::Value;

/// A `cas-register` (read, write, cas) starting at `init`.
pub fn cas_register(init: &Value) -> Register {
    Register::with(
        "cas-register",
        Accepts {
            cas: true,
            strings: false,
        },
        "the register",
        init,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::linear::model::register::RegOp;
    use crate::check::linear::model::{Model, OpView};
    use crate::history::{Func, Process};

    fn prep(m: &mut Register, f: Func, value: Value) -> RegOp {
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
        let mut m = cas_register(&Value::Int(0));
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
        let mut m = cas_register(&Value::Int(0));
        let r = prep(&mut m, Func::Read, Value::Nil);
        assert_eq!(m.step(&Value::Int(9), &r), Some(Value::Int(9)));
        let mut strict = cas_register(&Value::Nil);
        let r = prep(&mut strict, Func::Read, Value::Nil);
        assert_eq!(strict.step(&Value::Int(9), &r), None);
    }

    #[test]
    fn malformed_cas_is_rejected() {
        let mut m = cas_register(&Value::Nil);
        let view = OpView {
            process: Process::Client(1),
            f: &Func::Cas,
            value: &Value::Int(3),
            known: true,
        };
        assert!(m.prepare(&view).unwrap_err().contains("[expected new]"));
    }
}
