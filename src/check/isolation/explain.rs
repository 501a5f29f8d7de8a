//! Words for what the isolation checker found: transactions named `T12` after the history
//! entry that holds them, micro-ops in EDN, and each dependency edge of a cycle as a sentence
//! a student can check against the history.

use super::graph::{Rel, Step};
use super::txns::{Mop, Shape, Txns};
use crate::history::Process;

/// The name of transaction `t`: `T` and its history entry.
pub(crate) fn name(txns: &Txns, t: u32) -> String {
    format!("T{}", txns.txns[t as usize].entry)
}

/// A key, in EDN.
pub(crate) fn key(txns: &Txns, k: u32) -> String {
    txns.keys.text(k)
}

/// A value or element, in EDN.
pub(crate) fn value(txns: &Txns, v: u32) -> String {
    txns.values.text(v)
}

/// A list of elements, in EDN (`[1 2]`).
pub(crate) fn list(txns: &Txns, elems: &[u32]) -> String {
    let inner: Vec<String> = elems.iter().map(|&e| value(txns, e)).collect();
    format!("[{}]", inner.join(" "))
}

/// One micro-op, in EDN (`[:append :x 3]`, `[:r :x [1 2]]`, `[:r :x nil]`).
pub(crate) fn mop(txns: &Txns, shape: Shape, m: &Mop) -> String {
    match m {
        Mop::Append { key: k, value: v } => {
            format!("[:append {} {}]", key(txns, *k), value(txns, *v))
        }
        Mop::Write { key: k, value: v } => format!("[:w {} {}]", key(txns, *k), value(txns, *v)),
        Mop::Read { key: k, value: r } => {
            let read = match (r, shape) {
                (None, _) => "nil".to_string(),
                (Some(v), Shape::Lists) => list(txns, v),
                (Some(v), Shape::Registers) => {
                    v.first().map_or("nil".to_string(), |&x| value(txns, x))
                }
            };
            format!("[:r {} {read}]", key(txns, *k))
        }
    }
}

/// Transaction `t` in full: `T12 (process 3, ok): [:append :x 1] [:r :y [1]]`.
pub(crate) fn describe(txns: &Txns, shape: Shape, t: u32) -> String {
    let txn = &txns.txns[t as usize];
    let who = match txn.process {
        Process::Client(p) => format!("process {p}"),
        Process::Nemesis => "nemesis".to_string(),
    };
    let outcome = match txn.outcome {
        super::txns::Outcome::Ok => "ok",
        super::txns::Outcome::Info => "info",
        super::txns::Outcome::Fail => "fail",
    };
    let ops: Vec<String> = txn.ops.iter().map(|m| mop(txns, shape, m)).collect();
    format!("{} ({who}, {outcome}): {}", name(txns, t), ops.join(" "))
}

/// Several transactions as a subject: (`T1 and T2`, `both`, `the other`) or
/// (`T1, T2 and T3`, `all`, `the others`).
pub(crate) fn group(txns: &Txns, members: &[u32]) -> (String, &'static str, &'static str) {
    let names: Vec<String> = members.iter().map(|&m| name(txns, m)).collect();
    let who = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    if names.len() == 2 {
        (who, "both", "the other")
    } else {
        (who, "all", "the others")
    }
}

/// One edge of a cycle as a sentence.
pub(crate) fn step(txns: &Txns, shape: Shape, s: &Step) -> String {
    let (a, b) = (name(txns, s.from), name(txns, s.to));
    let kv = s
        .why
        .map(|w| (key(txns, w.key), w.value.map(|v| value(txns, v))));
    match (s.rel, shape, kv) {
        (Rel::Ww, Shape::Lists, Some((k, Some(v)))) => {
            format!("{b} appended {v} to key {k} after {a}'s append (ww)")
        }
        (Rel::Ww, Shape::Registers, Some((k, Some(v)))) => {
            format!("{b} wrote {k} = {v}, the version after {a}'s (ww)")
        }
        (Rel::Wr, Shape::Lists, Some((k, Some(v)))) => {
            format!("{b} read {a}'s append of {v} to key {k} (wr)")
        }
        (Rel::Wr, Shape::Registers, Some((k, Some(v)))) => {
            format!("{b} read {k} = {v}, which {a} wrote (wr)")
        }
        (Rel::Rw, Shape::Lists, Some((k, Some(v)))) => {
            format!("{a} read key {k} without {v}, which {b} appended (rw)")
        }
        (Rel::Rw, Shape::Registers, Some((k, Some(v)))) => {
            format!("{a} read a version of {k} that {b} overwrote with {v} (rw)")
        }
        (Rel::Realtime, _, _) => format!("{a} completed before {b} began (realtime)"),
        (rel, _, _) => format!("{a} -> {b} ({})", rel.name()),
    }
}

/// A cycle in words: one sentence per edge, then the contradiction.
pub(crate) fn cycle(txns: &Txns, shape: Shape, steps: &[Step]) -> String {
    let mut parts: Vec<String> = steps.iter().map(|s| step(txns, shape, s)).collect();
    if let Some(first) = steps.first() {
        let order: Vec<String> = steps.iter().map(|s| name(txns, s.from)).collect();
        parts.push(format!(
            "so each of {} must come before the next, and {} before itself: no order of the transactions explains what they saw",
            order.join(", "),
            name(txns, first.from)
        ));
    }
    parts.join("; ")
}
