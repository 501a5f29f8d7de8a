//! The `multi-register` model (Knossos's): a map of named registers and `txn` ops whose value
//! is a vector of micro-ops `[:read :x v]` / `[:write :x v]`, applied atomically in order.
//! In an invocation a read's `v` is `nil` (unknown); in the `ok` completion it is what was
//! read. The initial state is a map such as `{:x 0 :y 0}`; unnamed registers start at `nil`.

use super::{fmt_value, unknown_f, value_heap_bytes, Model, OpView};
use crate::history::Value;

/// One micro-op of a transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Micro {
    /// Write (`true`) or read.
    pub write: bool,
    /// Register number (in order of first mention).
    pub reg: u32,
    /// The value written, or read (`None`: a read whose result is unknown).
    pub value: Option<Value>,
}

/// Named registers; states hold one value per register.
#[derive(Clone, Debug)]
pub struct MultiRegister {
    names: Vec<Value>,
    init: Vec<Value>,
}

impl MultiRegister {
    /// Registers starting as in `init` (a map of name to value, or `nil` for none).
    pub fn new(init: &Value) -> Result<MultiRegister, String> {
        let mut m = MultiRegister {
            names: Vec::new(),
            init: Vec::new(),
        };
        match init {
            Value::Nil => {}
            Value::Map(entries) => {
                for (k, v) in entries {
                    let r = m.register(k);
                    m.init[r as usize] = v.clone();
                }
            }
            other => {
                return Err(format!(
                    "a multi-register starts as a map like {{:x 0 :y 0}}, not {}",
                    fmt_value(other)
                ))
            }
        }
        Ok(m)
    }

    fn register(&mut self, name: &Value) -> u32 {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                self.names.push(name.clone());
                self.init.push(Value::Nil);
                (self.names.len() - 1) as u32
            }
        }
    }

    fn micro_text(&self, m: &Micro) -> String {
        let v = m.value.as_ref().map_or("?".into(), fmt_value);
        let f = if m.write { ":write" } else { ":read" };
        format!("[{f} {} {v}]", fmt_value(&self.names[m.reg as usize]))
    }
}

impl Model for MultiRegister {
    type State = Vec<Value>;
    type Op = Vec<Micro>;

    fn prepare(&mut self, op: &OpView<'_>) -> Result<Vec<Micro>, String> {
        if op.f.name() != "txn" {
            return Err(unknown_f("multi-register", op.f, ":txn"));
        }
        let Value::List(micros) = op.value else {
            return Err(format!(
                "a txn value is a vector of [f k v], not {}",
                fmt_value(op.value)
            ));
        };
        let mut out = Vec::with_capacity(micros.len());
        for micro in micros {
            let parts = match micro {
                Value::List(p) if p.len() == 3 || p.len() == 2 => p,
                other => {
                    return Err(format!(
                        "a txn micro-op is [f k v], not {}",
                        fmt_value(other)
                    ))
                }
            };
            let write = match &parts[0] {
                Value::Keyword(f) | Value::Str(f) if f == "write" || f == "w" => true,
                Value::Keyword(f) | Value::Str(f) if f == "read" || f == "r" => false,
                other => return Err(format!("unknown txn micro-op {}", fmt_value(other))),
            };
            let reg = self.register(&parts[1]);
            let v = parts.get(2).cloned().unwrap_or(Value::Nil);
            let value = if write {
                Some(v)
            } else if !op.known || (v == Value::Nil && self.init[reg as usize] != Value::Nil) {
                None
            } else {
                Some(v)
            };
            out.push(Micro { write, reg, value });
        }
        Ok(out)
    }

    fn init(&self) -> Vec<Value> {
        self.init.clone()
    }

    fn is_noop(&self, op: &Vec<Micro>) -> bool {
        op.iter().all(|m| !m.write && m.value.is_none())
    }

    fn step(&self, state: &Vec<Value>, op: &Vec<Micro>) -> Option<Vec<Value>> {
        let mut next = state.clone();
        for m in op {
            let slot = &mut next[m.reg as usize];
            match (&m.value, m.write) {
                (Some(v), true) => *slot = v.clone(),
                (Some(v), false) if slot != v => return None,
                _ => {}
            }
        }
        Some(next)
    }

    fn describe_op(&self, op: &Vec<Micro>) -> String {
        let parts: Vec<String> = op.iter().map(|m| self.micro_text(m)).collect();
        format!("txn {}", parts.join(" "))
    }

    fn describe_state(&self, state: &Vec<Value>) -> String {
        let parts: Vec<String> = self
            .names
            .iter()
            .zip(state)
            .map(|(k, v)| format!("{} {}", fmt_value(k), fmt_value(v)))
            .collect();
        format!("the registers hold {{{}}}", parts.join(" "))
    }

    fn requirement(&self, op: &Vec<Micro>) -> Option<String> {
        let reads: Vec<String> = op
            .iter()
            .filter(|m| !m.write)
            .filter_map(|m| {
                let v = m.value.as_ref()?;
                Some(format!(
                    "{} = {}",
                    fmt_value(&self.names[m.reg as usize]),
                    fmt_value(v)
                ))
            })
            .collect();
        (!reads.is_empty()).then(|| format!("its reads need {}", reads.join(", ")))
    }

    fn heap_bytes(&self, state: &Vec<Value>) -> usize {
        state.capacity() * std::mem::size_of::<Value>()
            + state.iter().map(value_heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Func, Process};

    fn kw(s: &str) -> Value {
        Value::Keyword(s.into())
    }

    fn txn(micros: &[(&str, &str, Value)]) -> Value {
        Value::List(
            micros
                .iter()
                .map(|(f, k, v)| Value::List(vec![kw(f), kw(k), v.clone()]))
                .collect(),
        )
    }

    fn prep(m: &mut MultiRegister, value: Value, known: bool) -> Vec<Micro> {
        let f = Func::Other("txn".into());
        let view = OpView {
            process: Process::Client(0),
            f: &f,
            value: &value,
            known,
        };
        m.prepare(&view).unwrap()
    }

    #[test]
    fn txns_apply_atomically_in_order() {
        let init = Value::Map(vec![(kw("x"), Value::Int(0)), (kw("y"), Value::Int(0))]);
        let mut m = MultiRegister::new(&init).unwrap();
        let w = prep(
            &mut m,
            txn(&[("write", "x", Value::Int(1)), ("write", "y", Value::Int(2))]),
            true,
        );
        let r = prep(
            &mut m,
            txn(&[("read", "x", Value::Int(1)), ("read", "y", Value::Int(2))]),
            true,
        );
        let torn = prep(
            &mut m,
            txn(&[("read", "x", Value::Int(1)), ("read", "y", Value::Int(0))]),
            true,
        );
        let s = m.init();
        assert_eq!(m.step(&s, &r), None);
        let s = m.step(&s, &w).unwrap();
        assert!(m.step(&s, &r).is_some());
        assert_eq!(m.step(&s, &torn), None);
        assert_eq!(m.describe_state(&s), "the registers hold {:x 1 :y 2}");
        assert_eq!(m.describe_op(&torn), "txn [:read :x 1] [:read :y 0]");
    }

    #[test]
    fn unknown_reads_are_noops_and_new_registers_start_nil() {
        let mut m = MultiRegister::new(&Value::Nil).unwrap();
        let unknown = prep(&mut m, txn(&[("read", "z", Value::Int(5))]), false);
        assert!(m.is_noop(&unknown));
        let read_nil = prep(&mut m, txn(&[("read", "z", Value::Nil)]), true);
        assert!(
            !m.is_noop(&read_nil),
            "z starts nil, so a nil read is a real read"
        );
        assert!(m.step(&m.init(), &read_nil).is_some());
    }

    #[test]
    fn bad_values_are_rejected() {
        assert!(MultiRegister::new(&Value::Int(0)).is_err());
        let mut m = MultiRegister::new(&Value::Nil).unwrap();
        let view = OpView {
            process: Process::Client(0),
            f: &Func::Other("txn".into()),
            value: &Value::Int(1),
            known: true,
        };
        assert!(m.prepare(&view).is_err());
    }
}
