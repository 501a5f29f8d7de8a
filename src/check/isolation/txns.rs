//! From a history to transactions: each client operation with `:f :txn` becomes a [`Txn`]
//! of micro-ops (`[:append k v]`, `[:w k v]`, `[:r k v]`), with what its reads returned when
//! it completed `ok`. Keys and values are interned to small integers, so the analysis never
//! compares history values again.

use crate::check::linear::model::fmt_value;
use crate::check::linear::InputError;
use crate::history::{History, OpType, Process, Value};
use std::collections::HashMap;

/// How a transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Committed: its reads are known.
    Ok,
    /// Unknown: it may or may not have committed; its reads are unknown.
    Info,
    /// Certainly did not commit.
    Fail,
}

/// One micro-op, keys and values interned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Mop {
    /// Appended element `value` to list `key`.
    Append { key: u32, value: u32 },
    /// Wrote `value` to register `key`.
    Write { key: u32, value: u32 },
    /// Read `key`: for list-append the elements (`Some(vec![])` for an empty or absent
    /// list), for rw-register one value (`Some(vec![v])`, `Some(vec![])` for nil); `None`
    /// when unknown (the transaction did not complete `ok`).
    Read { key: u32, value: Option<Vec<u32>> },
}

/// One transaction.
#[derive(Clone, Debug)]
pub(crate) struct Txn {
    /// The process that ran it.
    pub process: Process,
    /// How it ended.
    pub outcome: Outcome,
    /// History position at which it began.
    pub call: usize,
    /// History position of its completion (`None`: never answered, or `info`).
    pub ret: Option<usize>,
    /// The entry that names it (its invocation, or its completion in a completion-only
    /// history).
    pub entry: usize,
    /// Its micro-ops.
    pub ops: Vec<Mop>,
}

/// Interns values to dense ids, remembering them for messages.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    ids: HashMap<Value, u32>,
    values: Vec<Value>,
}

impl Interner {
    /// The id of `v`.
    pub fn id(&mut self, v: &Value) -> u32 {
        if let Some(&id) = self.ids.get(v) {
            return id;
        }
        let id = self.values.len() as u32;
        self.ids.insert(v.clone(), id);
        self.values.push(v.clone());
        id
    }

    /// The value of `id`, as EDN.
    pub fn text(&self, id: u32) -> String {
        fmt_value(&self.values[id as usize])
    }
}

/// A history's transactions, with the keys and values they name.
#[derive(Debug, Default)]
pub(crate) struct Txns {
    /// The transactions, in the order they began.
    pub txns: Vec<Txn>,
    /// Interned keys.
    pub keys: Interner,
    /// Interned values and elements.
    pub values: Interner,
}

/// Which reads a workload's micro-ops return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Lists (`list-append`).
    Lists,
    /// Single values (`rw-register`).
    Registers,
}

/// Parses `history`'s transactions. Every operation must be a well-formed `:txn`.
pub(crate) fn parse(history: &History, shape: Shape) -> Result<Txns, InputError> {
    history.check_well_formed(&|e| format!("entry {e}"))?;
    let mut out = Txns::default();
    for pair in history.pairs() {
        let inv = pair.invoke;
        let entry = inv.index as usize;
        if inv.f.name() != "txn" {
            return Err(InputError::Entry {
                entry,
                message: format!(
                    "the operation is :{}; expected :txn (a transaction of micro-ops)",
                    inv.f.name()
                ),
            });
        }
        let (outcome, done) = match pair.completion.map(|c| c.kind) {
            Some(OpType::Ok) => (Outcome::Ok, pair.completion),
            Some(OpType::Fail) => (Outcome::Fail, pair.completion),
            _ => (Outcome::Info, None),
        };
        // An ok transaction's completion says what its reads returned.
        let source = match (outcome, pair.completion) {
            (Outcome::Ok, Some(c)) => c,
            _ => inv,
        };
        let ops = micro_ops(&source.value, outcome == Outcome::Ok, shape, &mut out).map_err(
            |message| InputError::Entry {
                entry: source.index as usize,
                message,
            },
        )?;
        out.txns.push(Txn {
            process: inv.process,
            outcome,
            call: pair.call,
            ret: done.map(|c| c.index as usize),
            entry,
            ops,
        });
    }
    Ok(out)
}

fn micro_ops(v: &Value, known: bool, shape: Shape, out: &mut Txns) -> Result<Vec<Mop>, String> {
    let (example, write) = match shape {
        Shape::Lists => ("[[:append 1 2] [:r 1 [1 2]]]", "append"),
        Shape::Registers => ("[[:w 1 2] [:r 1 2]]", "w"),
    };
    let Value::List(items) = v else {
        return Err(format!(
            "the transaction is {}; expected a vector of micro-ops such as {example}",
            fmt_value(v)
        ));
    };
    let mut ops = Vec::with_capacity(items.len());
    for m in items {
        let parts = match m {
            Value::List(p) if p.len() == 3 => p,
            other => {
                return Err(format!(
                    "the micro-op {} is not [f key value]; expected e.g. {example}",
                    fmt_value(other)
                ))
            }
        };
        let f = match &parts[0] {
            Value::Keyword(f) | Value::Str(f) => f.as_str(),
            other => {
                return Err(format!(
                    "the micro-op function {} is not a keyword; expected :r or :{write}",
                    fmt_value(other)
                ))
            }
        };
        let key = out.keys.id(&parts[1]);
        let op = match (f, shape) {
            ("r", Shape::Lists) => Mop::Read {
                key,
                value: if known {
                    Some(match &parts[2] {
                        Value::Nil => Vec::new(),
                        Value::List(elems) => elems.iter().map(|e| out.values.id(e)).collect(),
                        other => {
                            return Err(format!(
                            "the read of key {} returned {}; expected a list such as [1 2] or nil",
                            fmt_value(&parts[1]),
                            fmt_value(other)
                        ))
                        }
                    })
                } else {
                    None
                },
            },
            ("r", Shape::Registers) => Mop::Read {
                key,
                value: if known {
                    Some(match &parts[2] {
                        Value::Nil => Vec::new(),
                        other => vec![out.values.id(other)],
                    })
                } else {
                    None
                },
            },
            ("append", Shape::Lists) => Mop::Append {
                key,
                value: out.values.id(&parts[2]),
            },
            ("w", Shape::Registers) => Mop::Write {
                key,
                value: out.values.id(&parts[2]),
            },
            (other, _) => {
                return Err(format!(
                    "unknown micro-op :{other}; expected :r or :{write} (the {} workload)",
                    match shape {
                        Shape::Lists => "list-append",
                        Shape::Registers => "rw-register",
                    }
                ))
            }
        };
        ops.push(op);
    }
    Ok(ops)
}

/// Who wrote a value or appended an element.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Writer {
    /// The transaction.
    pub txn: u32,
    /// Whether it was its transaction's last write or append to the key (the version it
    /// installed).
    pub last: bool,
}

/// The writer of each (key, value) the transactions append or write. Values are unique per
/// key in both workloads, so that a read names its writer: a repeated one is bad input.
pub(crate) fn writers(t: &Txns) -> Result<HashMap<(u32, u32), Writer>, InputError> {
    let kv = |m: &Mop| match *m {
        Mop::Append { key, value } | Mop::Write { key, value } => Some((key, value)),
        Mop::Read { .. } => None,
    };
    let mut writers: HashMap<(u32, u32), Writer> = HashMap::new();
    for (i, txn) in t.txns.iter().enumerate() {
        for (j, m) in txn.ops.iter().enumerate() {
            let Some((key, value)) = kv(m) else { continue };
            let last = !txn.ops[j + 1..]
                .iter()
                .any(|n| kv(n).is_some_and(|(k, _)| k == key));
            if let Some(prev) = writers.insert(
                (key, value),
                Writer {
                    txn: i as u32,
                    last,
                },
            ) {
                let (what, verb, workload) = match m {
                    Mop::Append { .. } => (
                        "element",
                        "appended to",
                        "list-append needs every appended element",
                    ),
                    _ => (
                        "value",
                        "written to",
                        "rw-register needs every written value",
                    ),
                };
                return Err(InputError::Entry {
                    entry: txn.entry,
                    message: format!(
                        "{what} {} is {verb} key {} again (first by T{}); {workload} unique per key",
                        t.values.text(value),
                        t.keys.text(key),
                        t.txns[prev.txn as usize].entry
                    ),
                });
            }
        }
    }
    Ok(writers)
}
