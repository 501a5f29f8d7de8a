//! A history as the ladder's checkers read it: operations grouped into sessions (one per
//! client process, in the order the process ran them), each operation reading keys from the
//! operation that wrote the value it saw (values written to a key are unique, so a value names
//! its writer) and writing keys.
//!
//! Semantics follow Jepsen's: `fail` operations did not happen and are dropped; an `info` or
//! never-completed write may or may not have happened — it is kept when someone read its value
//! and dropped otherwise (an unread write can only constrain the others); an `info` read saw
//! nothing and is dropped. A read of a value no one wrote, a read of a value a transaction
//! later overwrote within itself, a transaction reading a key it wrote and not seeing its
//! own write, or a session reading what its own later operation writes breaks every model,
//! whatever the order: those are [`Exec::broken`].

use crate::check::linear::model::fmt_value;
use crate::check::linear::InputError;
use crate::history::{Func, History, Process, Value};
use std::collections::HashMap;

/// The initial value of every key (a reader of it read from no write).
pub(crate) const INIT: u32 = u32::MAX;

/// One read of a key, external to its operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Read {
    /// The key (interned).
    pub key: u32,
    /// The operation whose write it saw, or [`INIT`].
    pub src: u32,
}

/// One operation that took effect (or may have, and was seen).
#[derive(Clone, Debug, Default)]
pub(crate) struct LOp {
    /// Its session.
    pub session: u32,
    /// Its position in the session, from 0.
    pub pos: u32,
    /// Its reads of keys it had not written itself, in order.
    pub reads: Vec<Read>,
    /// The keys it writes (each once, the last value counting).
    pub writes: Vec<u32>,
    /// How a report names it: `p1 write x 3`.
    pub label: String,
    /// The position in the history of the entry that names it (its invocation, or its
    /// completion in a completion-only history): what a structured witness points at.
    pub entry: u64,
}

impl LOp {
    /// Whether it writes `key`.
    pub fn writes_key(&self, key: u32) -> bool {
        self.writes.contains(&key)
    }
}

/// The history, ready for the checkers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Exec {
    /// Operations, in invocation order.
    pub ops: Vec<LOp>,
    /// Each session's operations, in order.
    pub sessions: Vec<Vec<u32>>,
    /// Key names, for reports.
    pub keys: Vec<Value>,
    /// Violations of every model, in words (empty when there are none).
    pub broken: Vec<String>,
    /// Why the checkers cannot decide this history (values written twice), if they cannot.
    pub undecidable: Option<String>,
}

impl Exec {
    /// The number of sessions.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Whether any operation reads more than one key, or reads and writes (a transaction or a
    /// cas): its reads must all hold at one point of an order.
    pub fn joint_reads(&self) -> bool {
        self.ops
            .iter()
            .any(|o| o.reads.len() > 1 || (!o.reads.is_empty() && !o.writes.is_empty()))
    }

    /// A key's name in EDN.
    pub fn key_name(&self, key: u32) -> String {
        fmt_value(&self.keys[key as usize])
    }
}

/// How the history's operations read and write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One register: `read`, `write`, `cas [expected new]`.
    Register,
    /// Registers by key: a `:key`, or `[key value]` tuples.
    Kv,
    /// Transactions of `[:r k v]` / `[:w k v]` (or `:read` / `:write`) micro-ops.
    Txn,
    /// Transactions of `[:append k e]` / `[:r k [e ...]]` micro-ops over lists (Elle's
    /// list-append), read as registers holding whole lists: see [`super::lists`].
    ListAppend,
    /// Grow-only sets (Jepsen's set test): `add` (or `insert`) an element, `read` the whole
    /// set; each element of each set read as a register of its own: see [`super::sets`].
    Set,
    /// Counters (Jepsen's counter test): `add 1`, `read` the count; decided by
    /// [`super::counters`], not through registers.
    Counter,
}

/// What a micro-operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Act {
    /// Reads the key.
    Read,
    /// Writes the key.
    Write,
    /// Appends an element to the list at the key.
    Append,
    /// Inserts an element into the set at the key.
    Insert,
}

/// One micro-operation, as read from the history.
#[derive(Clone, Debug)]
pub(super) struct Micro {
    /// What it does.
    pub act: Act,
    /// The key.
    pub key: Value,
    /// The value written or appended, or read (`None`: the read's result is unknown).
    pub value: Option<Value>,
}

/// Which session a process's operations belong to: its client when `sessions` maps it
/// (a simulated run's clients keep their session across timeouts), else the process itself.
/// An operation that may have taken effect (`info`) is a session of its own: callers give it
/// the key `(2, its position)`.
pub(super) fn session_key(p: Process, sessions: Option<&[u32]>) -> (u8, u64) {
    match (p, sessions) {
        (Process::Client(n), Some(map)) if (n as usize) < map.len() => {
            (0, u64::from(map[n as usize]))
        }
        (Process::Client(n), _) => (1, n),
        (Process::Nemesis, _) => (1, u64::MAX),
    }
}

/// Reads `history` in `shape`, every key starting at `init` (a scalar, or for keyed shapes a
/// map from key to value).
pub(crate) fn prepare(
    history: &History,
    shape: Shape,
    init: &Value,
    sessions: Option<&[u32]>,
) -> Result<Exec, InputError> {
    let tuples = match shape {
        Shape::Kv => true,
        Shape::Set => crate::check::linear::prepare::keyed_adds(history),
        _ => false,
    };
    let split = crate::check::linear::prepare::split(history, tuples)?;
    let calls = split.calls_in_order();
    let mut exec = Exec::default();
    let mut key_ids: HashMap<Value, u32> = HashMap::new();
    let mut intern = |exec: &mut Exec, k: &Value| -> u32 {
        *key_ids.entry(k.clone()).or_insert_with(|| {
            exec.keys.push(k.clone());
            (exec.keys.len() - 1) as u32
        })
    };
    // First pass: every operation's micro-ops, and who wrote what.
    struct Parsed {
        process: Process,
        known: bool,
        micros: Vec<(bool, u32, Option<Value>)>,
        label: String,
        entry: u64,
    }
    let mut micros_of = Vec::with_capacity(calls.len());
    for (key, c) in &calls {
        let micros = micro_ops(shape, *key, c.f, &c.value, c.known).map_err(|message| {
            InputError::Entry {
                entry: c.entry,
                message,
            }
        })?;
        micros_of.push(micros);
    }
    let labels: Vec<String> = calls
        .iter()
        .map(|(key, c)| label(c.process, c.f, *key, &c.value, c.known))
        .collect();
    let rewritten = match shape {
        Shape::ListAppend => Some(super::lists::as_registers(&mut micros_of, &labels)),
        Shape::Set => Some(super::sets::as_registers(&mut micros_of, &labels)),
        _ => None,
    };
    if let Some(r) = rewritten {
        exec.broken = r.broken;
        exec.undecidable = r.undecidable;
    }
    let mut parsed = Vec::with_capacity(calls.len());
    for (((_, c), micros), label) in calls.iter().zip(micros_of).zip(labels) {
        let micros: Vec<_> = micros
            .into_iter()
            .map(|m| (m.act == Act::Write, intern(&mut exec, &m.key), m.value))
            .collect();
        parsed.push(Parsed {
            process: c.process,
            known: c.known,
            micros,
            label,
            entry: c.entry as u64,
        });
    }
    let init_of = |exec: &Exec, key: u32| -> Value {
        match init {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| *k == exec.keys[key as usize])
                .map_or(Value::Nil, |(_, v)| v.clone()),
            v => v.clone(),
        }
    };
    // Writers: (key, value) -> (call, final within its call).
    let mut writer: HashMap<(u32, Value), (usize, bool)> = HashMap::new();
    for (i, p) in parsed.iter().enumerate() {
        let last: HashMap<u32, usize> = p
            .micros
            .iter()
            .enumerate()
            .filter(|(_, m)| m.0)
            .map(|(j, m)| (m.1, j))
            .collect();
        for (j, (w, k, v)) in p.micros.iter().enumerate() {
            let (true, Some(v)) = (*w, v) else { continue };
            let fin = last.get(k) == Some(&j);
            if *v == Value::Nil && *v == init_of(&exec, *k) && exec.undecidable.is_none() {
                exec.undecidable = Some(format!("{} deletes key {}, which starts absent: a read of nil could come from the delete or from the start, and the checkers need each written value to name its writer (the linearizability check decides histories with deletes)", p.label, exec.key_name(*k)));
            }
            if *v == init_of(&exec, *k) && exec.undecidable.is_none() {
                exec.undecidable = Some(format!("{} writes key {}'s initial value {}: a read of it could come from either, and the checkers need each written value to name its writer", p.label, exec.key_name(*k), fmt_value(v)));
            }
            if let Some((other, _)) = writer.insert((*k, v.clone()), (i, fin)) {
                if exec.undecidable.is_none() {
                    exec.undecidable = Some(format!("{} and {} both write {} to key {}: the checkers need each written value to be unique, so that a read names its writer", parsed[other].label, p.label, fmt_value(v), exec.key_name(*k)));
                }
            }
        }
    }
    // Which calls took effect: the ok ones, and a maybe-write whose value a call that took
    // effect read (a cas's expected value counts as read when the cas took effect).
    let mut keep: Vec<bool> = parsed.iter().map(|p| p.known).collect();
    let mut todo: Vec<usize> = (0..parsed.len()).filter(|&i| keep[i]).collect();
    while let Some(i) = todo.pop() {
        for (w, k, v) in &parsed[i].micros {
            if let (false, Some(v)) = (*w, v) {
                if let Some(&(j, _)) = writer.get(&(*k, v.clone())) {
                    if !keep[j] {
                        keep[j] = true;
                        todo.push(j);
                    }
                }
            }
        }
    }
    let mut id_of = vec![u32::MAX; parsed.len()];
    let mut session_of: HashMap<(u8, u64), u32> = HashMap::new();
    for (i, p) in parsed.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        id_of[i] = exec.ops.len() as u32;
        // An operation that may have taken effect (info) did so at some unknown time, perhaps
        // after its session's later operations: it is a session of its own.
        let key = if p.known {
            session_key(p.process, sessions)
        } else {
            (2, i as u64)
        };
        let s = *session_of.entry(key).or_insert_with(|| {
            exec.sessions.push(Vec::new());
            (exec.sessions.len() - 1) as u32
        });
        let pos = exec.sessions[s as usize].len() as u32;
        exec.sessions[s as usize].push(exec.ops.len() as u32);
        exec.ops.push(LOp {
            session: s,
            pos,
            reads: Vec::new(),
            writes: Vec::new(),
            label: p.label.clone(),
            entry: p.entry,
        });
    }
    for (i, p) in parsed.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        let me = id_of[i] as usize;
        let mut own: HashMap<u32, &Value> = HashMap::new();
        for (w, k, v) in &p.micros {
            match (*w, v) {
                (true, Some(v)) => {
                    own.insert(*k, v);
                    if !exec.ops[me].writes.contains(k) {
                        exec.ops[me].writes.push(*k);
                    }
                }
                (true, None) => {}
                (false, None) => {}
                (false, Some(v)) => {
                    if let Some(mine) = own.get(k) {
                        if *mine != v {
                            let msg = format!("{} reads key {} as {} after writing {} to it in the same operation", p.label, exec.key_name(*k), fmt_value(v), fmt_value(mine));
                            exec.broken.push(msg);
                        }
                        continue;
                    }
                    let src = if *v == init_of(&exec, *k) {
                        INIT
                    } else if *v == Value::Nil {
                        continue; // Knossos: an unreported value when the key starts non-nil
                    } else {
                        match writer.get(&(*k, v.clone())) {
                            None => {
                                exec.broken.push(format!(
                                    "{} reads {} from key {}, a value no operation wrote",
                                    p.label,
                                    fmt_value(v),
                                    exec.key_name(*k)
                                ));
                                continue;
                            }
                            Some((w, fin)) => {
                                if !fin {
                                    exec.broken.push(format!(
                                        "{} reads {} from key {}, which {} overwrote within itself",
                                        p.label,
                                        fmt_value(v),
                                        exec.key_name(*k),
                                        parsed[*w].label
                                    ));
                                    continue;
                                }
                                if *w == i {
                                    // Its own write, read before it was made: a future read.
                                    exec.broken.push(format!(
                                        "{} reads {} from key {} before writing it itself",
                                        p.label,
                                        fmt_value(v),
                                        exec.key_name(*k)
                                    ));
                                    continue;
                                }
                                id_of[*w]
                            }
                        }
                    };
                    exec.ops[me].reads.push(Read { key: *k, src });
                }
            }
        }
    }
    mark_future_reads(&mut exec);
    Ok(exec)
}

/// Adds to [`Exec::broken`] each operation that reads what its own session's later operation
/// writes: no order explains it.
pub(crate) fn mark_future_reads(exec: &mut Exec) {
    for op in &exec.ops {
        if let Some(r) = op.reads.iter().find(|r| {
            r.src != INIT && {
                let w = &exec.ops[r.src as usize];
                w.session == op.session && w.pos > op.pos
            }
        }) {
            let w = &exec.ops[r.src as usize];
            exec.broken.push(format!(
                "{} reads key {} from {}, which its session ran only later",
                op.label,
                exec.key_name(r.key),
                w.label
            ));
        }
    }
}

fn is_read(f: &Func) -> bool {
    matches!(f, Func::Read) || f.name() == "get"
}

fn is_write(f: &Func) -> bool {
    matches!(f, Func::Write) || f.name() == "put"
}

/// A delete: a write of "absent" (nil). Its value is the initial one, so a read of nil cannot
/// name its writer and a history with deletes is undecidable here (linearizability decides it).
fn is_delete(f: &Func) -> bool {
    f.name() == "delete"
}

/// A read of `key` that returned `value`, if it completed (`known`).
fn read_of(key: Value, value: &Value, known: bool) -> Micro {
    Micro {
        act: Act::Read,
        key,
        value: known.then(|| value.clone()),
    }
}

/// The micro-ops of one call.
fn micro_ops(
    shape: Shape,
    key: Option<&Value>,
    f: &Func,
    value: &Value,
    known: bool,
) -> Result<Vec<Micro>, String> {
    let key_or_single = || key.cloned().unwrap_or(Value::Keyword("register".into()));
    match shape {
        Shape::Register | Shape::Kv => {
            let k = key_or_single();
            if is_read(f) {
                Ok(vec![read_of(k, value, known)])
            } else if is_write(f) {
                Ok(vec![Micro {
                    act: Act::Write,
                    key: k,
                    value: Some(value.clone()),
                }])
            } else if is_delete(f) {
                Ok(vec![Micro {
                    act: Act::Write,
                    key: k,
                    value: Some(Value::Nil),
                }])
            } else if matches!(f, Func::Cas) {
                match value {
                    Value::List(pair) if pair.len() == 2 => Ok(vec![
                        Micro {
                            act: Act::Read,
                            key: k.clone(),
                            value: Some(pair[0].clone()),
                        },
                        Micro {
                            act: Act::Write,
                            key: k,
                            value: Some(pair[1].clone()),
                        },
                    ]),
                    other => Err(format!("cas {}: expected [expected new]", fmt_value(other))),
                }
            } else {
                Err(format!(
                    "{} is not an operation of a register; expected read, write, cas or delete",
                    f.name()
                ))
            }
        }
        Shape::Set => {
            let k = key.cloned().unwrap_or(Value::Keyword("set".into()));
            let name = f.name();
            if is_read(f) {
                Ok(vec![read_of(k, value, known)])
            } else if name == "add" || name == "insert" {
                Ok(vec![Micro {
                    act: Act::Insert,
                    key: k,
                    value: Some(value.clone()),
                }])
            } else {
                Err(format!(
                    "{name} is not an operation of a grow-only set; expected add (or insert) or read"
                ))
            }
        }
        Shape::Counter => Err("counters are not read as registers".into()),
        Shape::Txn | Shape::ListAppend => {
            let Value::List(micros) = value else {
                return Err(format!(
                    "{} {}: expected a transaction, a vector of [f key value] micro-ops",
                    f.name(),
                    fmt_value(value)
                ));
            };
            micros
                .iter()
                .map(|m| match m {
                    Value::List(parts) if parts.len() == 3 => {
                        let name = match &parts[0] {
                            Value::Keyword(s) | Value::Str(s) => s.as_str(),
                            _ => "",
                        };
                        let act = match (name, shape) {
                            ("r" | "read", _) => Act::Read,
                            ("w" | "write", Shape::Txn) => Act::Write,
                            ("append", Shape::ListAppend) => Act::Append,
                            (_, Shape::ListAppend) => {
                                return Err(format!(
                                    "micro-op {}: expected :r or :append (list-append)",
                                    fmt_value(m)
                                ))
                            }
                            _ => {
                                return Err(format!(
                                    "micro-op {}: expected :r or :w (the ladder checks registers)",
                                    fmt_value(m)
                                ))
                            }
                        };
                        let value = if act != Act::Read || known {
                            Some(parts[2].clone())
                        } else {
                            None
                        };
                        Ok(Micro {
                            act,
                            key: parts[1].clone(),
                            value,
                        })
                    }
                    other => Err(format!(
                        "micro-op {}: expected [f key value]",
                        fmt_value(other)
                    )),
                })
                .collect()
        }
    }
}

fn label(process: Process, f: &Func, key: Option<&Value>, value: &Value, known: bool) -> String {
    let who = match process {
        Process::Client(p) => format!("p{p}"),
        Process::Nemesis => "nemesis".into(),
    };
    let key = key
        .map(|k| format!(" {}", fmt_value(k)))
        .unwrap_or_default();
    let shown = if is_read(f) && !known {
        "?".into()
    } else {
        fmt_value(value)
    };
    format!("{who} {}{key} {shown}", f.name())
}
