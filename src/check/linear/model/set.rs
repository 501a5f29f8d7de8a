//! The `set` model: `add v` puts `v` in a set; `read` returns the whole set (a list or EDN
//! set of elements), which must equal the set exactly. A read of `nil` reads the empty set.

use super::{cmp_values, fmt_value, unknown_f, value_heap_bytes, Model, OpView};
use crate::history::{Func, Value};

/// A set op.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SetOp {
    /// Add an element.
    Add(Value),
    /// Read the set: `Some(elements)` sorted and deduplicated, `None` when unknown.
    Read(Option<Vec<Value>>),
}

/// A set of values; states are sorted, deduplicated element lists.
#[derive(Clone, Debug)]
pub struct SetModel {
    init: Vec<Value>,
}

fn canonical(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(cmp_values);
    items.dedup();
    items
}

fn set_text(items: &[Value]) -> String {
    let inner: Vec<String> = items.iter().map(fmt_value).collect();
    format!("#{{{}}}", inner.join(" "))
}

impl SetModel {
    /// A set starting with `init`'s elements (`nil`: empty).
    pub fn new(init: &Value) -> Result<SetModel, String> {
        match init {
            Value::Nil => Ok(SetModel { init: Vec::new() }),
            Value::List(items) => Ok(SetModel {
                init: canonical(items.clone()),
            }),
            other => Err(format!(
                "a set starts as a list of elements, not {}",
                fmt_value(other)
            )),
        }
    }
}

impl Model for SetModel {
    type State = Vec<Value>;
    type Op = SetOp;

    fn prepare(&mut self, op: &OpView<'_>) -> Result<SetOp, String> {
        match (op.f, op.f.name()) {
            (Func::Other(_), "add") => Ok(SetOp::Add(op.value.clone())),
            (Func::Read, _) if !op.known => Ok(SetOp::Read(None)),
            (Func::Read, _) => match op.value {
                Value::Nil => Ok(SetOp::Read(Some(Vec::new()))),
                Value::List(items) => Ok(SetOp::Read(Some(canonical(items.clone())))),
                other => Err(format!(
                    "a set read returns elements, not {}",
                    fmt_value(other)
                )),
            },
            _ => Err(unknown_f("set", op.f, ":add or :read")),
        }
    }

    fn init(&self) -> Vec<Value> {
        self.init.clone()
    }

    fn is_noop(&self, op: &SetOp) -> bool {
        *op == SetOp::Read(None)
    }

    fn step(&self, state: &Vec<Value>, op: &SetOp) -> Option<Vec<Value>> {
        match op {
            SetOp::Read(None) => Some(state.clone()),
            SetOp::Read(Some(items)) => (state == items).then(|| state.clone()),
            SetOp::Add(v) => match state.binary_search_by(|x| cmp_values(x, v)) {
                Ok(_) => Some(state.clone()),
                Err(at) => {
                    let mut next = state.clone();
                    next.insert(at, v.clone());
                    Some(next)
                }
            },
        }
    }

    fn describe_op(&self, op: &SetOp) -> String {
        match op {
            SetOp::Add(v) => format!("add {}", fmt_value(v)),
            SetOp::Read(Some(items)) => format!("read {}", set_text(items)),
            SetOp::Read(None) => "read ?".into(),
        }
    }

    fn describe_state(&self, state: &Vec<Value>) -> String {
        format!("the set is {}", set_text(state))
    }

    fn requirement(&self, op: &SetOp) -> Option<String> {
        match op {
            SetOp::Read(Some(items)) => Some(format!(
                "reading {} needs the set to be exactly that",
                set_text(items)
            )),
            _ => None,
        }
    }

    fn heap_bytes(&self, state: &Vec<Value>) -> usize {
        state.capacity() * std::mem::size_of::<Value>()
            + state.iter().map(value_heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Process;

    fn prep(m: &mut SetModel, f: Func, value: Value) -> SetOp {
        let view = OpView {
            process: Process::Client(0),
            f: &f,
            value: &value,
            known: true,
        };
        m.prepare(&view).unwrap()
    }

    fn ints(xs: &[i64]) -> Value {
        Value::List(xs.iter().map(|&x| Value::Int(x)).collect())
    }

    #[test]
    fn reads_must_match_exactly() {
        let mut m = SetModel::new(&Value::Nil).unwrap();
        let add1 = prep(&mut m, Func::Other("add".into()), Value::Int(1));
        let add2 = prep(&mut m, Func::Other("add".into()), Value::Int(2));
        let read21 = prep(&mut m, Func::Read, ints(&[2, 1, 2]));
        let read1 = prep(&mut m, Func::Read, ints(&[1]));
        let empty = prep(&mut m, Func::Read, Value::Nil);
        let s = m.init();
        assert!(m.step(&s, &empty).is_some());
        let s = m.step(&s, &add1).unwrap();
        assert!(m.step(&s, &read1).is_some());
        assert!(m.step(&s, &read21).is_none());
        let s = m.step(&s, &add2).unwrap();
        let s = m.step(&s, &add1).unwrap();
        assert!(m.step(&s, &read21).is_some());
        assert!(m.step(&s, &read1).is_none());
        assert_eq!(m.describe_state(&s), "the set is #{1 2}");
    }

    #[test]
    fn init_from_a_list() {
        let m = SetModel::new(&ints(&[3, 1])).unwrap();
        assert_eq!(m.init(), vec![Value::Int(1), Value::Int(3)]);
        assert!(SetModel::new(&Value::Int(1)).is_err());
    }
}
