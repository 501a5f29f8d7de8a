//! Writing histories: Jepsen EDN (one op map per line) and JSON lines.

use super::{History, Op, Process, Value};
use std::io::{self, Write};

/// A history file format, chosen by file extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryFormat {
    /// Jepsen EDN, one op map per line (`.edn`).
    Edn,
    /// One JSON object per line (`.json`, `.jsonl`).
    Json,
}

impl HistoryFormat {
    /// The format for a path: `.json`/`.jsonl` is JSON, anything else EDN.
    pub fn for_path(path: &str) -> HistoryFormat {
        if path.ends_with(".json") || path.ends_with(".jsonl") {
            HistoryFormat::Json
        } else {
            HistoryFormat::Edn
        }
    }
}

/// A value in EDN notation as reports and witnesses show it: `nil`, `3`, `"s"`, `:x`,
/// `[1 2]`, `{:x 0}` (strings with Rust escapes; [`edn_line`] writes history files).
pub fn fmt_value(v: &Value) -> String {
    let mut out = String::new();
    write_value(v, &mut out);
    out
}

fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Str(s) => out.push_str(&format!("{s:?}")),
        Value::Keyword(k) => {
            out.push(':');
            out.push_str(k);
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::List(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(it, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(k, out);
                out.push(' ');
                write_value(v, out);
            }
            out.push('}');
        }
    }
}

fn edn_value(v: &Value, out: &mut String) {
    match v {
        Value::Nil => out.push_str("nil"),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::List(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                edn_value(it, out);
            }
            out.push(']');
        }
        Value::Keyword(k) => {
            out.push(':');
            out.push_str(k);
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Map(entries) => {
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                edn_value(k, out);
                out.push(' ');
                edn_value(v, out);
            }
            out.push('}');
        }
    }
}

/// Whether the file states sessions: they are known and not simply the processes (when they
/// are, the file says nothing, and each process reads back as its own session).
fn states_sessions(history: &History) -> bool {
    history
        .sessions
        .as_ref()
        .is_some_and(|map| map.iter().enumerate().any(|(p, &s)| p != s as usize))
}

/// The session of `op`'s process, when the history knows sessions.
fn session_of(history: &History, op: &Op) -> Option<u32> {
    let map = history.sessions.as_ref()?;
    match op.process {
        Process::Client(p) => map.get(usize::try_from(p).ok()?).copied(),
        Process::Nemesis => None,
    }
}

/// One op as an EDN map: `{:type :ok, :f :read, :value [k v], :process 0, :time 123, :index 4}`.
/// Keyed ops use Jepsen's `independent` form, `:value [key value]`.
pub fn edn_line(op: &Op) -> String {
    let mut s = String::with_capacity(96);
    s.push_str("{:type :");
    s.push_str(op.kind.name());
    s.push_str(", :f :");
    s.push_str(op.f.name());
    s.push_str(", :value ");
    match &op.key {
        Some(k) => edn_value(&Value::List(vec![k.clone(), op.value.clone()]), &mut s),
        None => edn_value(&op.value, &mut s),
    }
    s.push_str(", :process ");
    match op.process {
        Process::Client(p) => s.push_str(&p.to_string()),
        Process::Nemesis => s.push_str(":nemesis"),
    }
    s.push_str(&format!(", :time {}, :index {}}}", op.time, op.index));
    s
}

fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Nil => serde_json::Value::Null,
        Value::Int(i) => (*i).into(),
        Value::Str(s) => s.clone().into(),
        Value::List(items) => items.iter().map(json_value).collect(),
        Value::Keyword(k) => format!(":{k}").into(),
        Value::Bool(b) => (*b).into(),
        Value::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, v) in entries {
                let key = match k {
                    Value::Keyword(k) => k.clone(),
                    Value::Str(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                m.insert(key, json_value(v));
            }
            serde_json::Value::Object(m)
        }
    }
}

/// One op as a JSON object with keys `index, type, f, process, key?, value, time, node?`.
pub fn json_op(op: &Op) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    m.insert("index".into(), op.index.into());
    m.insert("type".into(), op.kind.name().into());
    m.insert("f".into(), op.f.name().into());
    m.insert(
        "process".into(),
        match op.process {
            Process::Client(p) => p.into(),
            Process::Nemesis => "nemesis".into(),
        },
    );
    if let Some(k) = &op.key {
        m.insert("key".into(), json_value(k));
    }
    m.insert("value".into(), json_value(&op.value));
    m.insert("time".into(), op.time.into());
    if let Some(n) = &op.node {
        m.insert("node".into(), n.clone().into());
    }
    serde_json::Value::Object(m)
}

/// Writes the history as Jepsen EDN, one op map per line.
/// With sessions known, each client op carries `:session N` (before the closing brace), so a
/// history read back keeps a client's operations in one session across its timeouts.
pub fn write_edn(history: &History, out: &mut dyn Write) -> io::Result<()> {
    let stated = states_sessions(history);
    for op in &history.ops {
        let line = edn_line(op);
        match session_of(history, op).filter(|_| stated) {
            Some(s) => writeln!(out, "{}, :session {s}}}", &line[..line.len() - 1])?,
            None => writeln!(out, "{line}")?,
        }
    }
    Ok(())
}

/// Writes the history as JSON lines.
/// With sessions known, each client op carries `"session"` (see [`write_edn`]).
pub fn write_json(history: &History, out: &mut dyn Write) -> io::Result<()> {
    let stated = states_sessions(history);
    for op in &history.ops {
        let mut v = json_op(op);
        if let (true, Some(s), Some(m)) = (stated, session_of(history, op), v.as_object_mut()) {
            m.insert("session".into(), s.into());
        }
        writeln!(out, "{v}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Func, OpType};
    use super::*;

    fn op(key: Option<u64>, f: Func, value: Value) -> Op {
        let key = key.map(|k| Value::Int(k as i64));
        Op {
            index: 3,
            process: Process::Client(2),
            kind: OpType::Ok,
            f,
            key,
            value,
            time: 1500,
            node: None,
        }
    }

    #[test]
    fn edn_lines_follow_knossos_style() {
        assert_eq!(
            edn_line(&op(
                None,
                Func::Cas,
                Value::List(vec![Value::Int(1), Value::Int(2)])
            )),
            "{:type :ok, :f :cas, :value [1 2], :process 2, :time 1500, :index 3}"
        );
        assert_eq!(
            edn_line(&op(Some(4), Func::Read, Value::Nil)),
            "{:type :ok, :f :read, :value [4 nil], :process 2, :time 1500, :index 3}"
        );
    }

    #[test]
    fn json_has_key_and_null() {
        let j = json_op(&op(Some(4), Func::Read, Value::Nil));
        assert_eq!(j["key"], 4);
        assert!(j["value"].is_null());
        assert_eq!(j["type"], "ok");
    }
}
