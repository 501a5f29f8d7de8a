//! Sequential specifications for the linearizability checker: one small file per model.
//!
//! A model turns each history operation into its own compact op ([`Model::prepare`]) once,
//! then the search calls [`Model::step`] on (state, op) pairs. `step` returns `None` when the
//! op is impossible in that state. The `describe_*` and [`Model::requirement`] methods only
//! feed the witness, in words a student can follow.
//!
//! Nil reads follow Knossos where that is the only sensible reading: when a register starts
//! at a non-nil value, an `ok` read of `nil` means "value not reported" and constrains
//! nothing. When it starts at `nil` (faultline's absent key), `nil` is a real value and a
//! read of `nil` matches only a register that holds `nil`.

mod appends;
mod blocks;
pub mod cas_register;
pub mod counter;
mod epochs;
pub mod kv;
pub mod multi_register;
pub mod mutex;
mod pieces;
pub mod reg_op;
pub mod register;
pub mod set;
mod zones;

use crate::history::{Func, Process, Value};
use std::cmp::Ordering;
use std::fmt::Debug;
use std::hash::Hash;

/// One client operation as a model sees it, after pairing its invocation with its completion.
#[derive(Clone, Copy, Debug)]
pub struct OpView<'a> {
    /// The client that ran it.
    pub process: Process,
    /// The function (`read`, `write`, `cas`, `acquire`, `txn`, …).
    pub f: &'a Func,
    /// The value: for an `ok` read, what it read; otherwise the invocation's value (or the
    /// completion's, when it carries one). For `kv`, the value inside the `[key value]` tuple.
    pub value: &'a Value,
    /// True when the op completed `ok`, so results it carries (read values) are known; false
    /// for `info` ops and ops that never completed, whose results are unknown.
    pub known: bool,
}

/// An op with the history positions of its invocation and `ok` completion (`None`: no ok
/// reply, so it may take effect any time after its invocation, or never).
pub type Timed<'o, O> = (&'o O, usize, Option<usize>);

/// What [`Model::decide`] found without search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shortcut {
    /// The ops are linearizable.
    Linearizable,
    /// Not linearizable, and why.
    Refuted(Refutation),
}

/// Why a key's ops are not linearizable, found without search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refutation {
    /// The op (an index into the ops) that can take effect in no order of them.
    pub op: usize,
    /// Why, in words.
    pub why: String,
    /// The other ops the reason names (for the timeline).
    pub involved: Vec<usize>,
}

impl Refutation {
    /// Op `op` cannot take effect, for reason `why`.
    pub fn new(op: usize, why: String) -> Refutation {
        Refutation {
            op,
            why,
            involved: Vec::new(),
        }
    }

    /// The same, naming the other ops involved (`None`s are skipped).
    pub fn with(mut self, ops: impl IntoIterator<Item = Option<usize>>) -> Refutation {
        for i in ops.into_iter().flatten() {
            if i != self.op && !self.involved.contains(&i) {
                self.involved.push(i);
            }
        }
        self
    }
}

/// A sequential specification.
pub trait Model {
    /// A model state; the search memoizes (linearized set, state) pairs.
    type State: Clone + Eq + Hash + Debug;
    /// An operation prepared for fast stepping.
    type Op: Clone + Debug;

    /// Prepares one op, or says why this model cannot run it. Called for every op before
    /// [`Model::init`], so a model may learn names (e.g. register names) here.
    fn prepare(&mut self, op: &OpView<'_>) -> Result<Self::Op, String>;

    /// The initial state.
    fn init(&self) -> Self::State;

    /// True when the op is possible in every state and changes none (e.g. a read whose
    /// result is unknown): the checker drops such ops, which never changes the verdict.
    fn is_noop(&self, _op: &Self::Op) -> bool {
        false
    }

    /// The state after `op`, or `None` when `op` is impossible in `state`.
    fn step(&self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;

    /// A decision without search, when the model has one for these ops: a polynomial
    /// algorithm that decides them (e.g. a register whose written values are unique), or a
    /// cheap refutation (a read of a value no op produced; a read that real time puts out of
    /// reach of its value's only write). Each op comes with the history positions of its
    /// invocation and `ok` completion (`None`: it may take effect any time after its
    /// invocation, or never). `None` leaves the ops to the search.
    fn decide(&self, _ops: &[Timed<'_, Self::Op>]) -> Option<Shortcut> {
        None
    }

    /// The op in a few words, without the process: `write 3`, `cas 1→2`, `acquire`.
    fn describe_op(&self, op: &Self::Op) -> String;

    /// A state in words: `the register holds 4`.
    fn describe_state(&self, state: &Self::State) -> String;

    /// What the op needs in order to happen, when it can be impossible: `reading 3 needs the
    /// register to hold 3`.
    fn requirement(&self, _op: &Self::Op) -> Option<String> {
        None
    }

    /// Heap bytes a state owns beyond its own size, for the memory budget.
    fn heap_bytes(&self, _state: &Self::State) -> usize {
        0
    }
}

/// A value in EDN notation, as reports show it (defined with the history, which uses it too).
pub use crate::history::fmt_value;

/// A total order on values (nil < bools < ints < strings < keywords < lists < maps), used to
/// keep set states canonical.
pub fn cmp_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Str(_) => 3,
            Value::Keyword(_) => 4,
            Value::List(_) => 5,
            Value::Map(_) => 6,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) | (Value::Keyword(x), Value::Keyword(y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) => cmp_seq(x.iter(), y.iter(), cmp_values),
        (Value::Map(x), Value::Map(y)) => cmp_seq(x.iter(), y.iter(), |p, q| {
            cmp_values(&p.0, &q.0).then_with(|| cmp_values(&p.1, &q.1))
        }),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn cmp_seq<'a, T: 'a>(
    mut x: impl Iterator<Item = &'a T>,
    mut y: impl Iterator<Item = &'a T>,
    cmp: impl Fn(&T, &T) -> Ordering,
) -> Ordering {
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => match cmp(p, q) {
                Ordering::Equal => {}
                other => return other,
            },
        }
    }
}

/// Heap bytes a value owns (an estimate for the memory budget).
pub fn value_heap_bytes(v: &Value) -> usize {
    match v {
        Value::Str(s) | Value::Keyword(s) => s.capacity(),
        Value::List(items) => {
            items.capacity() * std::mem::size_of::<Value>()
                + items.iter().map(value_heap_bytes).sum::<usize>()
        }
        Value::Map(entries) => {
            entries.capacity() * std::mem::size_of::<(Value, Value)>()
                + entries
                    .iter()
                    .map(|(k, v)| value_heap_bytes(k) + value_heap_bytes(v))
                    .sum::<usize>()
        }
        _ => 0,
    }
}

/// The function's name when the op is not one the model knows, as an error message that
/// lists the ones it has (`known`, e.g. ":read, :write or :cas").
pub(crate) fn unknown_f(model: &str, f: &Func, known: &str) -> String {
    format!(
        "the {model} model has no `{}` operation; expected {known}",
        f.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_print_as_edn() {
        let v = Value::List(vec![
            Value::Keyword("read".into()),
            Value::Nil,
            Value::Int(-3),
            Value::Str("a".into()),
            Value::Map(vec![(Value::Keyword("x".into()), Value::Bool(true))]),
        ]);
        assert_eq!(fmt_value(&v), "[:read nil -3 \"a\" {:x true}]");
    }

    #[test]
    fn value_order_is_total_and_by_kind_first() {
        let mut vs = vec![
            Value::Str("b".into()),
            Value::Int(2),
            Value::Nil,
            Value::Int(-1),
            Value::List(vec![Value::Int(1)]),
            Value::List(vec![]),
        ];
        vs.sort_by(cmp_values);
        assert_eq!(
            vs,
            vec![
                Value::Nil,
                Value::Int(-1),
                Value::Int(2),
                Value::Str("b".into()),
                Value::List(vec![]),
                Value::List(vec![Value::Int(1)]),
            ]
        );
    }
}
