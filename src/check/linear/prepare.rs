//! From a history to per-key lists of client operations, with Jepsen's semantics: each
//! client process's invocation pairs with its next completion; `fail` ops are dropped; `info`
//! completions and invocations that never complete become optional ops whose response time is
//! +infinity. Nemesis entries are ignored. Times are history positions, not clock times.

use super::InputError;
use crate::history::{Func, History, OpType, Process, Value};
use std::collections::HashMap;

/// One client operation that may have taken effect.
#[derive(Clone, Debug)]
pub(crate) struct Call<'h> {
    /// Who ran it.
    pub process: Process,
    /// The function.
    pub f: &'h Func,
    /// The value the model sees (for `kv`, inside the `[key value]` tuple).
    pub value: Value,
    /// Completed `ok` (so its results are known and it certainly took effect).
    pub known: bool,
    /// The history position at which it began (see [`crate::history::Pair::call`]).
    pub call: usize,
    /// The position of the entry that names it (the invocation, or for a completion-only
    /// history the completion), for error messages.
    pub entry: usize,
    /// Position of the `ok` completion; `None` for optional ops (+infinity).
    pub ret: Option<usize>,
}

/// The operations on one key (or on the single object, `key: None`), in invocation order.
#[derive(Clone, Debug)]
pub(crate) struct Group<'h> {
    /// The key, when the history has keys.
    pub key: Option<Value>,
    /// Its operations.
    pub calls: Vec<Call<'h>>,
    /// Its operations that completed `fail`: they did not happen, but must still fit the
    /// model (a malformed op is bad input whatever its outcome).
    pub failed: Vec<Call<'h>>,
}

/// A history split per key.
#[derive(Clone, Debug, Default)]
pub(crate) struct Split<'h> {
    /// Groups in order of their key's first appearance.
    pub groups: Vec<Group<'h>>,
    /// Operations that completed `fail` (dropped).
    pub failed: usize,
}

fn is_read(f: &Func) -> bool {
    matches!(f, Func::Read) || f.name() == "get"
}

impl<'h> Split<'h> {
    /// Every key's calls, in the order they were invoked, each with its key.
    pub(crate) fn calls_in_order(&self) -> Vec<(Option<&Value>, &Call<'h>)> {
        let mut calls: Vec<_> = self
            .groups
            .iter()
            .flat_map(|g| g.calls.iter().map(move |c| (g.key.as_ref(), c)))
            .collect();
        calls.sort_by_key(|(_, c)| c.call);
        calls
    }
}

/// Whether a set or counter history is in Jepsen's `independent` form (`{:f :add, :value [k
/// 7]}`, `{:f :read, :value [k #{7}]}`), as faultline writes keyed ones: every `add` (or
/// `insert`) carries a `[key value]` pair (with no adds, every read does) and no operation has
/// a `:key` of its own. An element or a delta is never a pair, so unkeyed histories with adds
/// are never taken for keyed ones.
pub(crate) fn keyed_adds(history: &History) -> bool {
    let pair = |v: &Value| matches!(v, Value::List(pair) if pair.len() == 2);
    let mut adds = history
        .ops
        .iter()
        .filter(|o| matches!(o.f.name(), "add" | "insert"))
        .peekable();
    if history.ops.iter().any(|o| o.key.is_some()) {
        return false;
    }
    if adds.peek().is_none() {
        // Reads only: keyed when every read carries a pair (a count is never a pair).
        let mut reads = history
            .ops
            .iter()
            .filter(|o| o.f.name() == "read")
            .peekable();
        return reads.peek().is_some() && reads.all(|o| pair(&o.value));
    }
    adds.all(|o| pair(&o.value))
}

/// Splits `history`. With `tuples`, a keyless op's value must be a `[key value]` tuple
/// (Jepsen's `independent` form); otherwise only `Op.key` gives keys. An op that does not fit
/// is an [`InputError`] naming its entry.
pub(crate) fn split(history: &History, tuples: bool) -> Result<Split<'_>, InputError> {
    // Real time is the position in the history, which `Op.index` records.
    if let Some((i, op)) = history
        .ops
        .iter()
        .enumerate()
        .find(|(i, op)| op.index != *i as u64)
    {
        return Err(InputError::Entry {
            entry: i,
            message: format!(
                "the entry has index {}; expected indices to be history positions",
                op.index
            ),
        });
    }
    history.check_well_formed(&|e| format!("entry {e}"))?;
    let pairs = history.pairs();
    let mut out = Split::default();
    let mut index: HashMap<Option<Value>, usize> = HashMap::new();
    for pair in pairs {
        let (inv, call) = (pair.invoke, pair.call);
        let completion = pair.completion.map(|c| (c.index as usize, c));
        let failed = completion.is_some_and(|(_, c)| c.kind == OpType::Fail);
        let (known, ret) = match completion {
            Some((j, c)) if c.kind == OpType::Ok => (true, Some(j)),
            _ => (false, None),
        };
        let (key, inv_value, done_value) = match (&inv.key, tuples) {
            (Some(k), _) => (
                Some(k.clone()),
                &inv.value,
                completion.map(|(_, c)| &c.value),
            ),
            (None, false) => (None, &inv.value, completion.map(|(_, c)| &c.value)),
            (None, true) => {
                let entry = inv.index as usize;
                let tuple = match &inv.value {
                    Value::List(t) if t.len() == 2 => t,
                    other => {
                        return Err(InputError::Entry {
                            entry,
                            message: format!(
                                "{} {} has no key; expected a :key, or a [key value] tuple as \
                                 its value (the kv model checks each key on its own)",
                                inv.f.name(),
                                super::model::fmt_value(other)
                            ),
                        })
                    }
                };
                let t = tuple;
                let key = &t[0];
                let done_value = match completion {
                    Some((j, c)) if known => match &c.value {
                        Value::List(u) if u.len() == 2 && u[0] == *key => Some(&u[1]),
                        Value::Nil => None,
                        other => {
                            return Err(InputError::Entry {
                                entry: j,
                                message: format!(
                                    "the completion's value is {}; expected a [key value] tuple \
                                     for key {}",
                                    super::model::fmt_value(other),
                                    super::model::fmt_value(key)
                                ),
                            })
                        }
                    },
                    _ => None,
                };
                (Some(key.clone()), &t[1], done_value)
            }
        };
        let value = match done_value {
            Some(v) if known && (is_read(&inv.f) || *v != Value::Nil) => v.clone(),
            _ => inv_value.clone(),
        };
        let g = *index.entry(key.clone()).or_insert_with(|| {
            out.groups.push(Group {
                key,
                calls: Vec::new(),
                failed: Vec::new(),
            });
            out.groups.len() - 1
        });
        let c = Call {
            process: inv.process,
            f: &inv.f,
            value,
            known,
            call,
            entry: inv.index as usize,
            ret,
        };
        if failed {
            out.failed += 1;
            out.groups[g].failed.push(c);
        } else {
            out.groups[g].calls.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Op;

    fn op(process: Process, kind: OpType, f: Func, key: Option<u64>, value: Value) -> Op {
        let key = key.map(|k| Value::Int(k as i64));
        Op {
            index: 0,
            process,
            kind,
            f,
            key,
            value,
            time: 0,
            node: None,
        }
    }

    fn history(ops: Vec<Op>) -> History {
        let mut h = History::default();
        for o in ops {
            h.push(o);
        }
        h
    }

    #[test]
    fn pairs_drop_fails_and_mark_info_optional() {
        use OpType::*;
        let c = Process::Client;
        let h = history(vec![
            op(c(1), Invoke, Func::Write, None, Value::Int(1)),
            op(
                Process::Nemesis,
                Info,
                Func::Other("kill".into()),
                None,
                Value::Nil,
            ),
            op(c(2), Invoke, Func::Write, None, Value::Int(2)),
            op(c(3), Invoke, Func::Read, None, Value::Nil),
            op(c(1), Fail, Func::Write, None, Value::Int(1)),
            op(c(2), Info, Func::Write, None, Value::Int(2)),
            op(c(3), Ok, Func::Read, None, Value::Int(2)),
            op(c(4), Invoke, Func::Write, None, Value::Int(4)),
        ]);
        let s = split(&h, false).unwrap();
        assert_eq!(s.failed, 1);
        assert_eq!(s.groups.len(), 1);
        let calls = &s.groups[0].calls;
        let summary: Vec<_> = calls
            .iter()
            .map(|c| (c.call, c.ret, c.known, c.value.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (2, None, false, Value::Int(2)),
                (3, Some(6), true, Value::Int(2)),
                (7, None, false, Value::Int(4)),
            ]
        );
    }

    #[test]
    fn kv_tuples_and_keys_split_per_key() {
        use OpType::*;
        let c = Process::Client;
        let t = |k: i64, v: Value| Value::List(vec![Value::Int(k), v]);
        let h = history(vec![
            op(c(1), Invoke, Func::Write, None, t(7, Value::Int(1))),
            op(c(1), Ok, Func::Write, None, t(7, Value::Int(1))),
            op(c(2), Invoke, Func::Read, Some(3), Value::Nil),
            op(c(2), Ok, Func::Read, Some(3), Value::Int(5)),
            op(c(1), Invoke, Func::Read, None, t(7, Value::Nil)),
            op(c(1), Ok, Func::Read, None, t(7, Value::Int(1))),
        ]);
        let s = split(&h, true).unwrap();
        let keys: Vec<_> = s.groups.iter().map(|g| g.key.clone()).collect();
        assert_eq!(keys, vec![Some(Value::Int(7)), Some(Value::Int(3))]);
        assert_eq!(s.groups[0].calls[1].value, Value::Int(1));
        assert_eq!(s.groups[1].calls[0].value, Value::Int(5));
        let bad = history(vec![op(c(1), Invoke, Func::Read, None, Value::Int(1))]);
        assert!(split(&bad, true).is_err());
    }

    #[test]
    fn indices_must_be_positions() {
        let read = |kind| op(Process::Client(1), kind, Func::Read, None, Value::Nil);
        let h = History {
            ops: vec![read(OpType::Invoke), read(OpType::Ok)],
            sessions: None,
        };
        assert_eq!(
            split(&h, false).unwrap_err(),
            InputError::Entry {
                entry: 1,
                message: "the entry has index 0; expected indices to be history positions".into()
            }
        );
    }
}
