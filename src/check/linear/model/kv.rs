//! The `kv` model: one register per key (the checker splits the history per key first, so
//! this model sees one key). Ops: `read`/`get`, `write`/`put`, `cas [expected new]` and
//! `append "s"` (appends to the string held; an absent key counts as `""`).

use super::reg_op::Accepts;
use super::register::Register;
use crate::history::Value;

/// The register behind one `kv` key, starting at `init` (`nil`: absent).
pub fn kv_key(init: &Value) -> Register {
    Register::with(
        "kv",
        Accepts {
            cas: true,
            strings: true,
        },
        "the key",
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
    fn appends_build_a_string_from_absent() {
        let mut m = kv_key(&Value::Nil);
        let a = prep(
            &mut m,
            Func::Other("append".into()),
            Value::Str("ab".into()),
        );
        let b = prep(&mut m, Func::Other("append".into()), Value::Str("c".into()));
        let get = prep(&mut m, Func::Other("get".into()), Value::Str("abc".into()));
        let s = m.step(&m.init(), &a).unwrap();
        assert_eq!(m.step(&s, &get), None);
        let s = m.step(&s, &b).unwrap();
        assert_eq!(s, Value::Str("abc".into()));
        assert!(m.step(&s, &get).is_some());
        assert_eq!(m.step(&Value::Int(1), &a), None, "append to a number");
    }

    #[test]
    fn an_absent_key_reads_as_nil_or_empty() {
        let mut m = kv_key(&Value::Nil);
        let empty = prep(&mut m, Func::Other("get".into()), Value::Str(String::new()));
        let nil = prep(&mut m, Func::Other("get".into()), Value::Nil);
        let put_empty = prep(&mut m, Func::Other("put".into()), Value::Str(String::new()));
        let s = m.init();
        assert!(m.step(&s, &empty).is_some() && m.step(&s, &nil).is_some());
        let s = m.step(&s, &put_empty).unwrap();
        assert!(m.step(&s, &nil).is_some());
    }

    #[test]
    fn put_get_and_cas_work_per_key() {
        let mut m = kv_key(&Value::Nil);
        let put = prep(&mut m, Func::Other("put".into()), Value::Int(5));
        let cas = prep(
            &mut m,
            Func::Cas,
            Value::List(vec![Value::Int(5), Value::Int(6)]),
        );
        let read_nil = prep(&mut m, Func::Read, Value::Nil);
        let s = m.init();
        assert!(m.step(&s, &read_nil).is_some());
        assert_eq!(m.step(&s, &cas), None);
        let s = m.step(&s, &put).unwrap();
        assert_eq!(m.step(&s, &cas), Some(Value::Int(6)));
        assert_eq!(m.describe_state(&Value::Nil), "the key is absent (nil)");
    }

    #[test]
    fn other_functions_are_rejected() {
        let mut m = kv_key(&Value::Nil);
        let view = OpView {
            process: Process::Client(1),
            f: &Func::Other("scan".into()),
            value: &Value::Nil,
            known: true,
        };
        assert!(m.prepare(&view).unwrap_err().contains("`scan`"));
    }
}
