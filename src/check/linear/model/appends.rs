//! Deciding a string key that only grows by appends, without search.
//!
//! With unique appended strings a read shows exactly which appends took effect before it, in
//! order, when its value splits one way only into the initial string followed by appended
//! strings. Then the history is linearizable if and only if
//! - every read's appends are a prefix of the longest read's (one order of appends), and
//! - the ops can be placed in that order: block 0 holds the reads that show no append, block
//!   `j` the `j`-th append of the longest read followed by the reads that show exactly `j`
//!   appends; blocks in order, each op within its own interval. Placing every op as early as
//!   its interval and the blocks before it allow is optimal, so one greedy pass decides it.
//! - appends no read shows come after all of that: each that completed `ok` must have been
//!   in progress at or after the last point placed (one never answered may never have
//!   happened).
//!
//! This is the shape of the kv histories of Porcupine's tests and etcd's (`append "x 3 0 y"`
//! on string keys): many concurrent appenders make the search explode, while this is
//! O(n log n) plus the cost of splitting each read.
//!
//! Before the decision, the cheap refutations (which also run when a split is ambiguous): a
//! read that splits no way; one that holds an append invoked after it returned, or lacks one
//! that completed before it began.

use super::register::RegOp;
use super::{fmt_value, Shortcut, Timed};
use crate::history::Value;
use std::collections::HashMap;

/// The decision for an append-only string key, or `None` when the key is not one (a write or
/// cas, a repeated or empty append, a read that is not a string or splits several ways) and
/// nothing in it could be refuted cheaply.
pub(crate) fn decide(ops: &[Timed<'_, RegOp>], init: &Value) -> Option<Shortcut> {
    let (init_text, init_nil) = match init {
        Value::Str(s) => (s.as_str(), false),
        Value::Nil => ("", true),
        _ => return None,
    };
    let mut appends: Vec<(usize, &str)> = Vec::new();
    let mut decidable = true;
    for (i, (op, ..)) in ops.iter().enumerate() {
        match op {
            RegOp::Append(a) if !a.is_empty() => appends.push((i, a)),
            RegOp::Append(_) => decidable = false,
            RegOp::Read(_) => {}
            RegOp::Write(_) | RegOp::Cas(..) => return None,
        }
    }
    let mut distinct: Vec<&str> = appends.iter().map(|&(_, a)| a).collect();
    distinct.sort_unstable();
    if distinct.windows(2).any(|w| w[0] == w[1]) {
        return None;
    }
    let pieces = Pieces::new(&appends);
    // `holds[k] == i + 1` when read `i` shows append `k`.
    let mut holds: Vec<usize> = vec![0; ops.len()];
    // Each read with the appends it shows, in order.
    let mut reads: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, (op, call, ret)) in ops.iter().enumerate() {
        let seen = match op {
            RegOp::Read(Some(Value::Str(seen))) if !(init_nil && seen.is_empty()) => seen,
            RegOp::Read(Some(Value::Nil)) if init_nil => {
                reads.push((i, Vec::new()));
                continue;
            }
            RegOp::Read(Some(_)) => {
                decidable = false;
                continue;
            }
            _ => continue,
        };
        let shown = || shorten(seen);
        let Some(rest) = seen.strip_prefix(init_text) else {
            let why = format!(
                "it read {}, which does not start with the initial value",
                shown()
            );
            return Some(Shortcut::Refuted(i, why));
        };
        let Some(parts) = pieces.split(rest) else {
            let why = format!(
                "it read {}, which no sequence of the appends builds",
                shown()
            );
            return Some(Shortcut::Refuted(i, why));
        };
        // Ambiguous splits say nothing certain about which appends are in.
        let Some(parts) = parts else {
            decidable = false;
            continue;
        };
        for &k in &parts {
            if ret.is_some_and(|r| r < ops[k].1) {
                let why = format!(
                    "it read {}, which holds an append invoked only after it returned (entry {})",
                    shown(),
                    ops[k].1
                );
                return Some(Shortcut::Refuted(i, why));
            }
        }
        for &k in &parts {
            holds[k] = i + 1;
        }
        let missing = appends
            .iter()
            .find(|&&(k, _)| ops[k].2.is_some_and(|r| r < *call) && holds[k] != i + 1);
        if let Some(&(k, a)) = missing {
            let why = format!(
                "it read {}, which lacks {}, appended and acknowledged (entry {}) before this read began",
                shown(),
                text(a),
                ops[k].2.unwrap_or_default()
            );
            return Some(Shortcut::Refuted(i, why));
        }
        reads.push((i, parts));
    }
    if !decidable {
        return None;
    }
    Some(match place(ops, &appends, &reads) {
        Ok(()) => Shortcut::Linearizable,
        Err((i, why)) => Shortcut::Refuted(i, why),
    })
}

/// A read's string for a message: its last 60 characters when it is long.
fn shorten(s: &str) -> String {
    let count = s.chars().count();
    if count <= 80 {
        return text(s);
    }
    let tail: String = s.chars().skip(count - 60).collect();
    format!("\"…{}", &text(&tail)[1..])
}

fn text(s: &str) -> String {
    fmt_value(&Value::Str(s.to_string()))
}

/// Doubled times, as in `zones`: an invocation at `c` is just before `c`, a completion at
/// `r` is at `r`, a missing completion at infinity.
fn call_time(call: usize) -> i64 {
    2 * call as i64 - 1
}

fn ret_time(ret: Option<usize>) -> i64 {
    ret.map_or(i64::MAX, |r| 2 * r as i64)
}

/// The greedy placement of the module comment. `reads` hold each read's appends (op indices
/// into `ops`), all split one way and checked against real time one by one.
fn place(
    ops: &[Timed<'_, RegOp>],
    appends: &[(usize, &str)],
    reads: &[(usize, Vec<usize>)],
) -> Result<(), (usize, String)> {
    let describe = |i: usize| match ops[i].0 {
        RegOp::Append(a) => format!("the append of {}", text(a)),
        RegOp::Read(_) => format!("the read invoked at entry {}", ops[i].1),
        other => format!("{other:?}"),
    };
    let Some((longest_at, longest)) = reads.iter().max_by_key(|(i, parts)| (parts.len(), *i))
    else {
        return unseen_appends(ops, appends, &[], None, &describe);
    };
    if let Some((i, _)) = reads.iter().find(|(_, p)| longest[..p.len()] != p[..]) {
        let why = format!(
            "its appends are not a prefix of those {} shows, so the two reads see no one order of appends",
            describe(*longest_at)
        );
        return Err((*i, why));
    }
    // Blocks: reads by how many appends they show.
    let mut by_len: Vec<Vec<usize>> = vec![Vec::new(); longest.len() + 1];
    for (i, parts) in reads {
        by_len[parts.len()].push(*i);
    }
    // The earliest point the next op may take, and the op whose invocation set it.
    let mut now: (i64, Option<usize>) = (i64::MIN, None);
    for (j, block) in by_len.iter().enumerate() {
        let mut after = now;
        if j > 0 {
            let a = longest[j - 1];
            after = at(ops, a, now, j, &describe)?;
        }
        let mut end = after;
        for &r in block {
            let point = at(ops, r, after, j, &describe)?;
            if point.0 > end.0 {
                end = point;
            }
        }
        now = end;
    }
    unseen_appends(ops, appends, longest, now.1, &describe)
}

/// Places op `i` (at level `j`) no earlier than `now`: its point, and the op that set it.
fn at(
    ops: &[Timed<'_, RegOp>],
    i: usize,
    now: (i64, Option<usize>),
    level: usize,
    describe: &impl Fn(usize) -> String,
) -> Result<(i64, Option<usize>), (usize, String)> {
    let (_, call, ret) = ops[i];
    let own = call_time(call);
    if own >= now.0 {
        return Ok((own, Some(i)));
    }
    if ret_time(ret) >= now.0 {
        return Ok(now);
    }
    let by = now.1.unwrap_or_default();
    let reason = match (ops[i].0, ops[by].0) {
        (RegOp::Append(_), RegOp::Read(_)) => "that read does not show this append".to_string(),
        (RegOp::Append(_), RegOp::Append(_)) => {
            "the reads show that append before this one".to_string()
        }
        (RegOp::Read(_), RegOp::Append(_)) => "this read shows that append".to_string(),
        _ => format!("this read shows {level} appends, and that read fewer"),
    };
    let why = format!(
        "it must take effect after {}, invoked at entry {}, because {reason}; but it completed at entry {}, before that",
        describe(by),
        ops[by].1,
        ret.unwrap_or_default(),
    );
    Err((i, why))
}

/// Appends that no read shows took effect after every read, so each that completed must
/// have been in progress at or after the last point placed (`last`, that op's invocation).
fn unseen_appends(
    ops: &[Timed<'_, RegOp>],
    appends: &[(usize, &str)],
    seen: &[usize],
    last: Option<usize>,
    describe: &impl Fn(usize) -> String,
) -> Result<(), (usize, String)> {
    let Some(last) = last else { return Ok(()) };
    let bound = call_time(ops[last].1);
    let mut shown = vec![false; ops.len()];
    for &k in seen {
        shown[k] = true;
    }
    for &(k, _) in appends {
        if shown[k] || ret_time(ops[k].2) >= bound {
            continue;
        }
        let why = format!(
            "no read shows it, so it took effect after every read and every append they show, {} among them; but it completed at entry {}, before {} began (entry {})",
            describe(last),
            ops[k].2.unwrap_or_default(),
            describe(last),
            ops[last].1,
        );
        return Err((k, why));
    }
    Ok(())
}

/// The appended strings, for splitting reads: by text, and the distinct lengths.
struct Pieces<'a> {
    by_text: HashMap<&'a [u8], usize>,
    lengths: Vec<usize>,
}

impl<'a> Pieces<'a> {
    fn new(appends: &[(usize, &'a str)]) -> Pieces<'a> {
        let by_text = appends.iter().map(|&(k, a)| (a.as_bytes(), k)).collect();
        let mut lengths: Vec<usize> = appends.iter().map(|(_, a)| a.len()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        Pieces { by_text, lengths }
    }

    /// Splits `s` into appended strings: `None` when no split exists, `Some(None)` when
    /// several do, `Some(Some(ops))` with the ops of the one split, in order. Linear in
    /// `s` times the number of distinct append lengths.
    fn split(&self, s: &str) -> Option<Option<Vec<usize>>> {
        let (s, n) = (s.as_bytes(), s.len());
        // ways[p]: the number of splits of s[p..] (capped at 2), and the length of the first
        // piece of one.
        let mut ways: Vec<(u8, usize)> = vec![(0, 0); n + 1];
        ways[n] = (1, 0);
        for p in (0..n).rev() {
            for &len in self.lengths.iter().take_while(|&&len| p + len <= n) {
                if ways[p + len].0 > 0 && self.by_text.contains_key(&s[p..p + len]) {
                    ways[p] = ((ways[p].0 + ways[p + len].0).min(2), len);
                }
            }
        }
        match ways[0].0 {
            0 => None,
            2.. => Some(None),
            _ => {
                let mut parts = Vec::new();
                let mut p = 0;
                while p < n {
                    let len = ways[p].1;
                    parts.push(self.by_text[&s[p..p + len]]);
                    p += len;
                }
                Some(Some(parts))
            }
        }
    }
}
