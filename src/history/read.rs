//! Reading histories: Jepsen EDN as found in the wild (Knossos test data, Jepsen
//! `history.edn`) and the faultline JSON-lines form written by [`write_json`](super::write_json).
//!
//! EDN layout: one top-level vector or list of op maps, or op maps one after another (one per
//! line, or spanning lines). Keys may come in any order; only `:process`, `:type`, `:f`,
//! `:value`, `:time` and `:key` are read, anything else (`:index`, `:error`, …) is ignored.
//! `:process` is a non-negative integer or `:nemesis`; `:value` may be missing (→ `nil`);
//! `:time` may be missing or `nil` (→ 0); `:key` (the form of Porcupine's kv test data and
//! etcd's robustness tests, `{:f :append, :key "4", :value "x 3"}`) is an integer, a string
//! or a keyword, and becomes `Op.key`. Jepsen `independent` tuples stay in the value, so a
//! keyed op written by [`write_edn`](super::write_edn) reads back as
//! `Value::List([key, value])` with `key: None`.
//!
//! JSON is detected when the first non-blank character is `{` followed by `"`. Each non-blank
//! line is one object with `type`, `f`, `process`, and optional `key` (an integer or a string),
//! `value`, `time`, `node` (`index` is ignored). `type`, `f` and `process` may carry a leading `:`. Values map as:
//! null → `Nil`, integers → `Int`, other numbers → `Str` of their text, strings → `Str` (or
//! `Keyword` when they start with `:`), arrays → `List`, bools → `Bool`, objects → `Map` with
//! keys read like strings.
//!
//! In both forms `Op.index` is the position in the file and `Op.node` is `None` unless JSON
//! names it. What is read must also be well formed (module `wellformed`: not empty, each
//! completion after its invocation, or completions only); otherwise it is an error naming the
//! line, never a history to judge.

use super::edn::{render, EdnError, Key, Reader};
use super::{Func, History, Op, OpType, Process, Value};
use serde_json::Value as J;
use std::path::Path;

const TYPES: &str = "one of :invoke, :ok, :fail, :info";
const PROCESS: &str = "a non-negative integer or :nemesis";

/// Why a history could not be read. Its `Display` is one line naming the file (and line).
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The text is not a well-formed history: `{file}:{line}: {what}; expected {…}`.
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// The file name as given.
        file: String,
        /// The 1-based line of the problem.
        line: usize,
        /// What was wrong and what was expected.
        message: String,
    },
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file name as given.
        file: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl HistoryError {
    /// The line of the problem, if it is about the content.
    pub fn line(&self) -> Option<usize> {
        match self {
            HistoryError::Invalid { line, .. } => Some(*line),
            HistoryError::Io { .. } => None,
        }
    }
}

fn invalid(file: &str, line: usize, message: String) -> HistoryError {
    HistoryError::Invalid {
        file: file.to_string(),
        line,
        message,
    }
}

fn from_edn(file: &str, e: EdnError) -> HistoryError {
    invalid(file, e.line, e.msg)
}

/// A history read from a file, with the line each entry came from, so that problems found
/// later (by a checker that needs a shape the entry does not have) can name the line.
#[derive(Clone, Debug)]
pub struct HistorySource {
    /// The file name as given.
    pub file: String,
    /// The history (well formed: see [`History::check_well_formed`]).
    pub history: History,
    /// The 1-based line of each entry, by position.
    pub lines: Vec<usize>,
}

impl HistorySource {
    /// The line of entry `entry` (1 when unknown).
    pub fn line_of(&self, entry: usize) -> usize {
        self.lines.get(entry).copied().unwrap_or(1)
    }

    /// A bad-input error about entry `entry` (or the file as a whole, at line 1).
    pub fn error(&self, entry: Option<usize>, message: impl Into<String>) -> HistoryError {
        invalid(
            &self.file,
            entry.map_or(1, |e| self.line_of(e)),
            message.into(),
        )
    }
}

/// Reads a history from text (Jepsen EDN or faultline JSON lines, told apart by content) and
/// checks it is well formed; `file` names the source in errors.
pub fn read_history(text: &str, file: &str) -> Result<History, HistoryError> {
    parse(text, file).map(|s| s.history)
}

/// Reads a history file (see [`read_history`]); the path as displayed names it in errors.
pub fn read_history_file(path: &Path) -> Result<History, HistoryError> {
    load_history(path).map(|s| s.history)
}

/// Reads a history file and keeps the line of each entry (see [`HistorySource`]).
pub fn load_history(path: &Path) -> Result<HistorySource, HistoryError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| HistoryError::Io {
        file: file.clone(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => parse(&text, &file),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
            Err(invalid(
                &file,
                line,
                "invalid UTF-8; expected UTF-8 text".into(),
            ))
        }
    }
}

/// Parses either form and checks the result is well formed.
fn parse(text: &str, file: &str) -> Result<HistorySource, HistoryError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text).trim_start();
    let (mut history, lines, sessions) = match body.strip_prefix('{') {
        Some(rest) if rest.trim_start().starts_with('"') => read_json(text, file)?,
        _ => read_edn(text, file)?,
    };
    let by_process = session_map(&history, &sessions);
    let mut source = HistorySource {
        file: file.to_string(),
        history: std::mem::take(&mut history),
        lines,
    };
    source.history.sessions = match by_process {
        Ok(map) => map,
        Err((entry, msg)) => return Err(source.error(Some(entry), msg)),
    };
    if source.history.ops.is_empty() {
        let msg = "the history has no entries; expected at least one op map such as \
                   {:process 0, :type :invoke, :f :read, :value nil}";
        return Err(source.error(None, msg));
    }
    let place = |entry: usize| format!("line {}", source.line_of(entry));
    match source.history.check_well_formed(&place) {
        Ok(_) => Ok(source),
        Err(m) => Err(source.error(Some(m.entry), m.message)),
    }
}

/// Entries as read: the history, each entry's line and each entry's `:session`.
type Read = (History, Vec<usize>, Vec<Option<u32>>);

/// The session of each client process from the entries' `:session` (`None` when no entry
/// has one): a process keeps one session; a process that never states one is a session of
/// its own. Errs with the entry where a process changes session.
fn session_map(
    history: &History,
    sessions: &[Option<u32>],
) -> Result<Option<Vec<u32>>, (usize, String)> {
    if sessions.iter().all(Option::is_none) {
        return Ok(None);
    }
    let mut of: Vec<Option<u32>> = Vec::new();
    for (i, (op, s)) in history.ops.iter().zip(sessions).enumerate() {
        let (Process::Client(p), Some(s)) = (op.process, *s) else {
            continue;
        };
        let p = usize::try_from(p).unwrap_or(usize::MAX);
        if p >= 1 << 24 {
            return Err((
                i,
                format!(
                    ":process {p} with a :session; expected process numbers below {}",
                    1 << 24
                ),
            ));
        }
        if of.len() <= p {
            of.resize(p + 1, None);
        }
        match of[p] {
            Some(was) if was != s => {
                return Err((i, format!(":session is {s}, but process {p} was in session {was} before; expected one session per process")));
            }
            _ => of[p] = Some(s),
        }
    }
    // A process with no stated session gets one no stated session uses.
    let mut next = of.iter().flatten().max().map_or(0, |m| m + 1);
    Ok(Some(
        of.into_iter()
            .map(|s| {
                s.unwrap_or_else(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect(),
    ))
}

fn read_edn(text: &str, file: &str) -> Result<Read, HistoryError> {
    let mut r = Reader::new(text);
    let mut history = History::default();
    let mut lines = Vec::new();
    let mut sessions = Vec::new();
    let e = |err| from_edn(file, err);
    r.skip_ws().map_err(e)?;
    let Some(open @ (b'[' | b'(')) = r.peek() else {
        // Op maps one after another.
        while r.peek().is_some() {
            lines.push(r.line());
            let (op, session) = edn_op(&mut r, file)?;
            history.push(op);
            sessions.push(session);
            r.skip_ws().map_err(e)?;
        }
        return Ok((history, lines, sessions));
    };
    let open_line = r.line();
    r.bump();
    while r.more_in(open, open_line).map_err(e)? {
        lines.push(r.line());
        let (op, session) = edn_op(&mut r, file)?;
        history.push(op);
        sessions.push(session);
    }
    r.skip_ws().map_err(e)?;
    if r.peek().is_some() {
        let line = r.line();
        let what = r.read_value().map_or("more text".into(), |v| render(&v));
        let close = if open == b'[' { ']' } else { ')' };
        let msg = format!("{what} after the closing {close}; expected the end of the file");
        return Err(invalid(file, line, msg));
    }
    Ok((history, lines, sessions))
}

fn kind_named(name: &str) -> Option<OpType> {
    Some(match name {
        "invoke" => OpType::Invoke,
        "ok" => OpType::Ok,
        "fail" => OpType::Fail,
        "info" => OpType::Info,
        _ => return None,
    })
}

fn kind_of(v: &Value) -> Option<OpType> {
    match v {
        Value::Keyword(k) => kind_named(k),
        _ => None,
    }
}

fn func_named(name: &str) -> Func {
    match name {
        "read" => Func::Read,
        "write" => Func::Write,
        "cas" => Func::Cas,
        other => Func::Other(other.to_string()),
    }
}

/// One EDN op map, at the cursor.
fn edn_op(r: &mut Reader<'_>, file: &str) -> Result<(Op, Option<u32>), HistoryError> {
    let line = r.line();
    if r.peek() != Some(b'{') {
        let v = r.read_value().map_err(|e| from_edn(file, e))?;
        let msg = format!(
            "history entry is {}; expected an op map such as {{:process 0, :type :invoke, :f :read, :value nil}}",
            render(&v)
        );
        return Err(invalid(file, line, msg));
    }
    // :type, :process, :f, :value, :time, :key, :session with the line of each value.
    let mut slots: [Option<(Value, usize)>; 7] = Default::default();
    r.read_map_with(|key, key_line, v, value_line| {
        let name = match &key {
            Key::Name(n) => n,
            Key::Value(Value::Keyword(n)) => n.as_str(),
            Key::Value(_) => return Ok(()),
        };
        let slot = match name {
            "type" => 0,
            "process" => 1,
            "f" => 2,
            "value" => 3,
            "time" => 4,
            "key" => 5,
            "session" => 6,
            _ => return Ok(()),
        };
        if slots[slot].is_some() {
            let msg = format!("op map has :{name} twice; expected each key once");
            return Err(EdnError {
                line: key_line,
                msg,
            });
        }
        slots[slot] = Some((v, value_line));
        Ok(())
    })
    .map_err(|e| from_edn(file, e))?;
    let [kind, process, f, value, time, key, session] = slots;
    let missing = |key: &str, want: &str| {
        let msg = format!("op map has no :{key}; expected {want}");
        Err(invalid(file, line, msg))
    };
    let wrong = |key: &str, (v, line): (Value, usize), want: &str| {
        let msg = format!(":{key} is {}; expected {want}", render(&v));
        Err(invalid(file, line, msg))
    };
    let kind = match kind {
        None => return missing("type", TYPES),
        Some((v, line)) => match kind_of(&v) {
            Some(k) => k,
            None => return wrong("type", (v, line), TYPES),
        },
    };
    let process = match process {
        None => return missing("process", PROCESS),
        Some((Value::Int(p), _)) if p >= 0 => Process::Client(p as u64),
        Some((Value::Keyword(k), _)) if k == "nemesis" => Process::Nemesis,
        Some(bad) => return wrong("process", bad, PROCESS),
    };
    let f = match f {
        None => return missing("f", "a keyword such as :read"),
        Some((Value::Keyword(k), _)) => func_named(&k),
        Some(bad) => return wrong("f", bad, "a keyword such as :read, :write or :cas"),
    };
    let time = match time {
        // Jepsen writes -1 for an operation whose time was never set.
        None | Some((Value::Nil, _)) | Some((Value::Int(-1), _)) => 0,
        Some((Value::Int(t), _)) if t >= 0 => t as u64,
        Some(bad) => {
            return wrong(
                "time",
                bad,
                "a non-negative integer (nanoseconds), or -1 for none",
            )
        }
    };
    let key = match key {
        None | Some((Value::Nil, _)) => None,
        Some((k @ (Value::Int(_) | Value::Str(_) | Value::Keyword(_)), _)) => Some(k),
        Some(bad) => return wrong("key", bad, "a key: an integer, a string or a keyword"),
    };
    let session = match session {
        None | Some((Value::Nil, _)) => None,
        Some((Value::Int(s), _)) if (0..=i64::from(u32::MAX)).contains(&s) => Some(s as u32),
        Some(bad) => {
            return wrong(
                "session",
                bad,
                "a non-negative integer (the client's session)",
            )
        }
    };
    let op = Op {
        index: 0,
        process,
        kind,
        f,
        key,
        value: value.map_or(Value::Nil, |(v, _)| v),
        time,
        node: None,
    };
    Ok((op, session))
}

fn read_json(text: &str, file: &str) -> Result<Read, HistoryError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut history = History::default();
    let mut lines = Vec::new();
    let mut sessions = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let (line, raw) = (i + 1, raw.trim());
        if raw.is_empty() {
            continue;
        }
        if !raw.starts_with('{') {
            let msg = format!(
                "line is {}; expected one JSON op object per line",
                clip(raw)
            );
            return Err(invalid(file, line, msg));
        }
        let parsed: JsonOp = serde_json::from_str(raw).map_err(|e| {
            let full = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            let what = full.strip_suffix(&suffix).unwrap_or(&full);
            let col = e.column();
            let msg = format!(
                "invalid JSON at column {col}: {what}; expected one JSON op object per line"
            );
            invalid(file, line, msg)
        })?;
        let (op, session) = json_op(parsed).map_err(|msg| invalid(file, line, msg))?;
        history.push(op);
        sessions.push(session);
        lines.push(line);
    }
    Ok((history, lines, sessions))
}

/// The fields of a JSON op line that are read (missing ones are `null`; others are ignored).
#[derive(serde::Deserialize)]
struct JsonOp {
    #[serde(rename = "type", default)]
    kind: J,
    #[serde(default)]
    f: J,
    #[serde(default)]
    process: J,
    #[serde(default)]
    key: J,
    #[serde(default)]
    value: J,
    #[serde(default)]
    time: J,
    #[serde(default)]
    node: J,
    #[serde(default)]
    session: J,
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// One faultline JSON op object.
fn json_op(o: JsonOp) -> Result<(Op, Option<u32>), String> {
    let missing = |key: &str, want: &str| format!("op object has no \"{key}\"; expected {want}");
    let wrong = |key: &str, v: &J, want: &str| {
        format!("\"{key}\" is {}; expected {want}", clip(&v.to_string()))
    };
    let name = |v: &J| {
        v.as_str()
            .map(|s| s.strip_prefix(':').unwrap_or(s).to_string())
    };
    let types = "one of \"invoke\", \"ok\", \"fail\", \"info\"";
    let kind = match &o.kind {
        J::Null => return Err(missing("type", types)),
        v => name(v)
            .and_then(|n| kind_named(&n))
            .ok_or_else(|| wrong("type", v, types))?,
    };
    let processes = "a non-negative integer or \"nemesis\"";
    let process = match (&o.process, o.process.as_u64(), name(&o.process)) {
        (J::Null, _, _) => return Err(missing("process", processes)),
        (_, Some(p), _) => Process::Client(p),
        (_, _, Some(n)) if n == "nemesis" => Process::Nemesis,
        (v, _, _) => return Err(wrong("process", v, processes)),
    };
    let funcs = "a string such as \"read\"";
    let f = match &o.f {
        J::Null => return Err(missing("f", funcs)),
        v => func_named(&name(v).ok_or_else(|| wrong("f", v, funcs))?),
    };
    let key = match &o.key {
        J::Null => None,
        J::String(s) => Some(Value::Str(s.clone())),
        v => {
            Some(Value::Int(v.as_i64().ok_or_else(|| {
                wrong("key", v, "an integer, a string or null")
            })?))
        }
    };
    let time = match &o.time {
        J::Null => 0,
        v if v.as_i64() == Some(-1) => 0,
        v => v.as_u64().ok_or_else(|| {
            wrong(
                "time",
                v,
                "a non-negative integer (nanoseconds), or -1 for none",
            )
        })?,
    };
    let node = match o.node {
        J::Null => None,
        J::String(s) => Some(s),
        v => return Err(wrong("node", &v, "a string or null")),
    };
    let value = json_value(&o.value)?;
    let session = match &o.session {
        J::Null => None,
        v => Some(
            v.as_u64()
                .and_then(|s| u32::try_from(s).ok())
                .ok_or_else(|| {
                    wrong(
                        "session",
                        v,
                        "a non-negative integer (the client's session)",
                    )
                })?,
        ),
    };
    let op = Op {
        index: 0,
        process,
        kind,
        f,
        key,
        value,
        time,
        node,
    };
    Ok((op, session))
}

fn json_str(s: &str) -> Value {
    match s.strip_prefix(':') {
        Some(k) => Value::Keyword(k.to_string()),
        None => Value::Str(s.to_string()),
    }
}

fn json_value(v: &J) -> Result<Value, String> {
    Ok(match v {
        J::Null => Value::Nil,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match (n.as_i64(), n.is_u64()) {
            (Some(i), _) => Value::Int(i),
            (None, true) => {
                return Err(format!(
                    "integer {n} does not fit in 64 bits; expected {} to {}",
                    i64::MIN,
                    i64::MAX
                ))
            }
            (None, false) => Value::Str(n.to_string()),
        },
        J::String(s) => json_str(s),
        J::Array(items) => Value::List(items.iter().map(json_value).collect::<Result<_, _>>()?),
        J::Object(m) => Value::Map(
            m.iter()
                .map(|(k, v)| Ok((json_str(k), json_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}
