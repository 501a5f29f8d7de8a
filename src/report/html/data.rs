//! The report's data: the client operations paired invoke-to-completion, the witness, the
//! latencies, and (for a run) the diagram's lanes, messages, down periods, faults and notes,
//! as one compact JSON value the page's script renders window by window.

use super::trace::Collected;
use crate::check::{CheckResult, Verdict};
use crate::history::{fmt_value, History, OpType, Process};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One client operation, invocation to completion.
#[derive(Clone, Debug)]
pub struct OpSpan {
    /// Its row (process) in the timeline.
    pub row: u32,
    /// Invoked at.
    pub start: u64,
    /// Completed at (`None`: never completed).
    pub end: Option<u64>,
    /// How it completed (`Invoke` when it never did).
    pub kind: OpType,
    /// History position of its invocation (what witnesses name).
    pub index: u64,
    /// `write 3 17`, `read 3 → 17`.
    pub label: String,
}

/// The operations of a history, with the timeline's row names (`p0`, …).
pub fn op_spans(history: &History) -> (Vec<String>, Vec<OpSpan>) {
    let mut rows: BTreeMap<u64, u32> = BTreeMap::new();
    for op in &history.ops {
        if let Process::Client(p) = op.process {
            rows.insert(p, 0);
        }
    }
    for (i, r) in rows.values_mut().enumerate() {
        *r = i as u32;
    }
    let names = rows.keys().map(|p| format!("p{p}")).collect();
    let mut spans: Vec<OpSpan> = Vec::new();
    let mut open: BTreeMap<u64, (usize, bool)> = BTreeMap::new();
    for op in &history.ops {
        let Process::Client(p) = op.process else {
            continue;
        };
        if op.kind == OpType::Invoke {
            let key = op.key.as_ref().map(|k| format!(" {}", fmt_value(k)));
            let value = match op.value {
                crate::history::Value::Nil => String::new(),
                ref v => format!(" {}", fmt_value(v)),
            };
            open.insert(p, (spans.len(), op.value == crate::history::Value::Nil));
            spans.push(OpSpan {
                row: rows[&p],
                start: op.time,
                end: None,
                kind: OpType::Invoke,
                index: op.index,
                label: format!("{}{}{value}", op.f.name(), key.unwrap_or_default()),
            });
        } else if let Some((i, asked)) = open.remove(&p) {
            let s = &mut spans[i];
            s.end = Some(op.time);
            s.kind = op.kind;
            if asked && op.kind == OpType::Ok && op.value != crate::history::Value::Nil {
                s.label = format!("{} → {}", s.label, fmt_value(&op.value));
            }
        }
    }
    (names, spans)
}

/// Latencies of the operations that completed `ok`.
pub fn ok_latencies(spans: &[OpSpan]) -> Vec<u64> {
    spans
        .iter()
        .filter(|s| s.kind == OpType::Ok)
        .filter_map(|s| s.end.map(|e| e - s.start))
        .collect()
}

/// The witness of every failing check, merged: the ops to highlight and the edges to draw.
pub fn witness(checks: &[CheckResult]) -> Value {
    let mut ops: Vec<u64> = Vec::new();
    let mut edges = Vec::new();
    let mut names = Vec::new();
    for c in checks.iter().filter(|c| c.verdict == Verdict::Fail) {
        if c.refs.is_empty() {
            continue;
        }
        names.push(c.name);
        for &o in &c.refs.ops {
            if !ops.contains(&o) {
                ops.push(o);
            }
        }
        for e in &c.refs.edges {
            edges.push(json!([e.from, e.to, e.label]));
        }
    }
    json!({ "checks": names, "ops": ops, "edges": edges })
}

/// The timeline's part of the data: rows, operations, witness, end time.
pub fn timeline(history: &History, checks: &[CheckResult]) -> (Value, Vec<OpSpan>) {
    let (rows, spans) = op_spans(history);
    let end = spans
        .iter()
        .map(|s| s.end.unwrap_or(s.start))
        .max()
        .unwrap_or(0);
    let ops: Vec<Value> = spans
        .iter()
        .map(|s| {
            let status = match s.kind {
                OpType::Ok => 0,
                OpType::Fail => 1,
                _ => 2,
            };
            json!([s.row, s.start, s.end, status, s.index, s.label])
        })
        .collect();
    let v = json!({ "rows": rows, "ops": ops, "witness": witness(checks), "end": end });
    (v, spans)
}

/// The diagram's part of the data: lanes (nodes, then clients), messages, down periods,
/// client trips, notes, partitions (`[start, end, sides]`) and faults (`[time, what]`).
pub fn diagram(
    nodes: &[String],
    t: &Collected,
    partitions: Vec<Value>,
    faults: Vec<Value>,
) -> Value {
    let clients = t.client.iter().map(|c| c.client + 1).max().unwrap_or(0);
    let mut lanes: Vec<String> = nodes.to_vec();
    lanes.extend((0..clients).map(|c| format!("client {c}")));
    let n = nodes.len() as u32;
    let msgs: Vec<Value> = t
        .messages
        .iter()
        .map(|m| {
            let of = m.of.map_or(-1, |o| o as i64);
            json!([m.from, m.to, m.sent, m.end, m.fate.code(), m.kind, m.id, of])
        })
        .collect();
    let down: Vec<Value> = t
        .down
        .iter()
        .map(|d| json!([d.node, d.start, d.end.unwrap_or(t.end), u8::from(d.paused)]))
        .collect();
    let trips: Vec<Value> = t
        .client
        .iter()
        .map(|c| json!([n + c.client, c.node, c.sent, c.arrive, u8::from(c.reply)]))
        .collect();
    let notes: Vec<Value> = t.notes.iter().map(|(l, at, s)| json!([l, at, s])).collect();
    json!({
        "lanes": lanes, "nodes": n, "kinds": t.kinds, "msgs": msgs, "down": down,
        "trips": trips, "notes": notes, "parts": partitions, "faults": faults, "end": t.end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Func, Op, Value as V};

    fn op(p: u64, kind: OpType, f: Func, value: V, time: u64) -> Op {
        Op {
            index: 0,
            process: Process::Client(p),
            kind,
            f,
            key: None,
            value,
            time,
            node: None,
        }
    }

    #[test]
    fn invocations_pair_with_their_completions() {
        let mut h = History::default();
        h.push(op(3, OpType::Invoke, Func::Write, V::Int(5), 10));
        h.push(op(1, OpType::Invoke, Func::Read, V::Nil, 12));
        h.push(op(3, OpType::Ok, Func::Write, V::Int(5), 20));
        h.push(op(1, OpType::Ok, Func::Read, V::Int(5), 30));
        h.push(op(1, OpType::Invoke, Func::Read, V::Nil, 40));
        let (rows, spans) = op_spans(&h);
        assert_eq!(rows, ["p1", "p3"]);
        let got: Vec<_> = spans
            .iter()
            .map(|s| (s.row, s.start, s.end, s.kind, s.index, s.label.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1, 10, Some(20), OpType::Ok, 0, "write 5"),
                (0, 12, Some(30), OpType::Ok, 1, "read → 5"),
                (0, 40, None, OpType::Invoke, 4, "read"),
            ]
        );
        assert_eq!(ok_latencies(&spans), [10, 18]);
    }
}
