//! The `register` model: one value, `read` and `write`; also each key of `cas-register`
//! and `kv`, whose ops ([`RegOp`]) live in module `reg_op`.

pub use super::reg_op::RegOp;
use super::reg_op::{describe_reg_op, prepare_reg, reg_requirement, step_reg, Accepts};
use super::{appends, zones};
use super::{fmt_value, value_heap_bytes, Model, OpView, Refutation, Shortcut, Timed};
use crate::history::Value;
use std::collections::HashMap;

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

    /// Decided without search:
    /// - a read of a value neither the initial state nor any write or cas produced is
    ///   refuted;
    /// - when every produced value is unique (no value written, or cas'd in, twice or equal
    ///   to the initial one): a read that real time puts out of reach of the one write of
    ///   its value is refuted (it completed before that write began, or another write began
    ///   after that write completed and completed before the read began: a stale read), and
    ///   otherwise the zone test decides (module `zones`, Gibbons & Korach, with cas);
    /// - a key that only grows by appends of unique strings is decided from what its reads
    ///   show (module `appends`).
    ///
    /// Anything else (values written twice) is left to the search.
    fn decide(&self, ops: &[Timed<'_, RegOp>]) -> Option<Shortcut> {
        let mut writer: HashMap<&Value, Option<usize>> = HashMap::new();
        let mut unique = true;
        for (i, (op, ..)) in ops.iter().enumerate() {
            match op {
                RegOp::Write(v) => {
                    let again = writer.insert(v, Some(i)).is_some() || *v == self.init;
                    unique &= !again;
                }
                RegOp::Cas(_, v) => {
                    let again = writer.insert(v, None).is_some() || *v == self.init;
                    unique &= !again;
                }
                RegOp::Append(_) => return appends::decide(ops, &self.init),
                RegOp::Read(_) => {}
            }
        }
        let reads = ops
            .iter()
            .enumerate()
            .filter_map(|(i, (op, call, ret))| match op {
                RegOp::Read(Some(v)) => Some((i, v, *call, *ret)),
                _ => None,
            });
        // Completed writes by completion position, with the latest invocation among those
        // completed so far: "some write began after X and completed before Y".
        let mut done: Vec<(usize, usize, usize)> = ops
            .iter()
            .enumerate()
            .filter(|(_, (op, ..))| matches!(op, RegOp::Write(_)))
            .filter_map(|(k, (_, call, ret))| ret.map(|r| (r, *call, k)))
            .collect();
        done.sort_unstable();
        // Per prefix of `done`: the latest invocation, and which write it was.
        let mut latest_call: Vec<(usize, usize)> = Vec::with_capacity(done.len());
        let mut max = (0, 0);
        for &(_, call, k) in &done {
            if call >= max.0 {
                max = (call, k);
            }
            latest_call.push(max);
        }
        for (i, v, call, ret) in reads {
            if *v == self.init {
                continue;
            }
            let Some(w) = writer.get(v) else {
                let why = format!(
                    "it read {}, which no operation wrote (and the {} did not start with)",
                    fmt_value(v),
                    self.name
                );
                return Some(Shortcut::Refuted(Refutation::new(i, why)));
            };
            let Some(w) = w.filter(|_| unique) else {
                continue;
            };
            let (_, w_call, w_ret) = ops[w];
            if ret.is_some_and(|r| r < w_call) {
                let why = format!(
                    "it read {}, which was written only after it returned (entry {w_call})",
                    fmt_value(v)
                );
                return Some(Shortcut::Refuted(Refutation::new(i, why).with([Some(w)])));
            }
            // The latest invocation of a write that completed before this read began.
            let before = done.partition_point(|&(r, ..)| r < call);
            if let (Some(w_ret), Some(&(latest, k))) = (w_ret, latest_call[..before].last()) {
                if latest > w_ret {
                    let (other, _, other_ret) = ops[k];
                    let other = match other {
                        RegOp::Write(x) => fmt_value(x),
                        _ => "?".into(),
                    };
                    let why = format!(
                        "it read {v}, but the write of {v} completed (entry {w_ret}) before the write of {other} began (entry {latest}), which completed (entry {}) before this read began: {v} was overwritten",
                        other_ret.unwrap_or(latest),
                        v = fmt_value(v),
                    );
                    return Some(Shortcut::Refuted(
                        Refutation::new(i, why).with([Some(w), Some(k)]),
                    ));
                }
            }
        }
        unique.then(|| match zones::decide(ops, &self.init) {
            Ok(()) => Shortcut::Linearizable,
            Err(r) => Shortcut::Refuted(r),
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
    use crate::history::{Func, Process};

    /// The refutation `decide` gives, if any.
    fn refuted(m: &Register, ops: &[Timed<'_, RegOp>]) -> Option<(usize, String)> {
        match m.decide(ops) {
            Some(Shortcut::Refuted(r)) => Some((r.op, r.why)),
            _ => None,
        }
    }

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

    #[test]
    fn refutations_need_real_time_to_rule_the_value_out() {
        let m = Register::new(&Value::Nil);
        let w = |v: i64| RegOp::Write(Value::Int(v));
        let r = |v: i64| RegOp::Read(Some(Value::Int(v)));
        let (w1, w2, r1, r9) = (w(1), w(2), r(1), r(9));
        // write 1 [0,1], write 2 [2,3], read 1 [4,5]: stale.
        let stale = [(&w1, 0, Some(1)), (&w2, 2, Some(3)), (&r1, 4, Some(5))];
        let (i, why) = refuted(&m, &stale).unwrap();
        assert_eq!(i, 2);
        assert!(
            why.contains("overwritten") && why.contains("entry 1") && why.contains("entry 2"),
            "{why}"
        );
        // write 2 overlaps the read: it may take effect after it. No refutation.
        let overlap = [(&w1, 0, Some(1)), (&w2, 2, Some(5)), (&r1, 4, Some(6))];
        assert_eq!(refuted(&m, &overlap), None);
        // write 2 never answered: it may never have happened.
        let info = [(&w1, 0, Some(1)), (&w2, 2, None), (&r1, 4, Some(5))];
        assert_eq!(refuted(&m, &info), None);
        // The read returned before write 1 began.
        let future = [(&r1, 0, Some(1)), (&w1, 2, Some(3))];
        assert!(refuted(&m, &future)
            .unwrap()
            .1
            .contains("only after it returned"));
        // Nothing wrote 9.
        let garbage = [(&w1, 0, Some(1)), (&r9, 2, Some(3))];
        assert!(refuted(&m, &garbage)
            .unwrap()
            .1
            .contains("no operation wrote"));
        // Values written twice: only the garbage rule applies.
        let w1b = w(1);
        let twice = [
            (&w1, 0, Some(1)),
            (&w2, 2, Some(3)),
            (&w1b, 3, None),
            (&r1, 4, Some(5)),
        ];
        assert_eq!(refuted(&m, &twice), None);
    }
}
