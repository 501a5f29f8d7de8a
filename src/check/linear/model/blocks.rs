//! What the decisions without search share: blocks of ops that must run contiguously, each
//! placed inside greedily, and the zone test over the blocks (Gibbons & Korach, "Testing
//! shared memories", SIAM J. Comput. 1997; in the form of Golab, Li & Shah, "Analyzing
//! consistency properties for fun and profit", PODC 2011).
//!
//! A *block* is a set of ops that must be linearized contiguously in an order fixed inside:
//! a write and the reads of its value (and, for cas, the values cas ops derive from it), or
//! a string put and the appends and reads that follow it. Placing each op as early as its
//! interval and its predecessors allow decides whether a block can run at all, whatever its
//! start; it must then start no later than the earliest completion among its ops (`lo`) and
//! runs at least until the latest invocation (`hi`). When `lo < hi` the block has a *forward
//! zone* `(lo, hi)`, which it occupies whatever else happens; otherwise a *backward zone*
//! `(hi, lo)`, a span in which all its ops are in progress together. Blocks can be ordered
//! if and only if no two forward zones overlap and no backward zone lies inside a forward
//! zone.
//!
//! Times: an invocation at history position `c` counts as just before `c` (`2c - 1`), a
//! completion at `r` as `2r`, an op without an `ok` completion as completing at infinity. So
//! a completion-only history (where an op "began before whatever is at position c") and an
//! invocation history are compared the same way, and no two endpoints tie.

use super::reg_op::RegOp;
use super::{fmt_value, Refutation, Timed};

/// One end of a zone: a doubled time and the op it comes from (`None`: the initial value's
/// virtual write, before everything).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct End {
    pub time: i64,
    pub op: Option<usize>,
}

/// The initial value's virtual write, before every op.
pub(crate) const START: End = End { time: -3, op: None };

/// The doubled time of an invocation at history position `call`.
pub(crate) fn call_time(call: usize) -> i64 {
    2 * call as i64 - 1
}

/// The doubled time of a completion (infinity when there is none).
pub(crate) fn ret_time(ret: Option<usize>) -> i64 {
    ret.map_or(i64::MAX, |r| 2 * r as i64)
}

/// A block of ops for the zone test.
#[derive(Clone, Debug)]
pub(crate) struct Block {
    /// What it holds, in words: `3`, `3 → 4 → 7`, `"x 1 y" and 4 appends`.
    pub label: String,
    /// Its ops in words, for a backward zone: `its write and its 2 reads`.
    pub ops_in_words: String,
    /// The op to name when the block cannot run (its write or put).
    pub first: Option<usize>,
    /// Its earliest completion (`START` for the initial value's block).
    pub earliest_ret: End,
    /// Its latest invocation.
    pub latest_call: End,
}

impl Block {
    /// An empty block starting at `first` (`None`: the initial value's, which starts before
    /// everything).
    pub fn new(label: String, first: Option<usize>) -> Block {
        let never = End {
            time: i64::MAX,
            op: first,
        };
        Block {
            label,
            ops_in_words: String::new(),
            first,
            earliest_ret: if first.is_some() { never } else { START },
            latest_call: START,
        }
    }

    /// Widens the block's earliest completion and latest invocation with op `i`.
    pub fn note(&mut self, ops: &[Timed<'_, RegOp>], i: usize) {
        let (_, call, ret) = ops[i];
        if ret_time(ret) < self.earliest_ret.time {
            self.earliest_ret = End {
                time: ret_time(ret),
                op: Some(i),
            };
        }
        if call_time(call) > self.latest_call.time {
            self.latest_call = End {
                time: call_time(call),
                op: Some(i),
            };
        }
    }
}

/// The earliest point the next op of a block may take, and the op whose invocation set it.
pub(crate) type Now = (i64, Option<usize>);

/// The point before every op.
pub(crate) const EARLIEST: Now = (i64::MIN, None);

/// Places op `i` no earlier than `now`: its point and the op that set it. When it completed
/// before `now`, the error names it and, through `why`, the op `by` that must precede it.
pub(crate) fn place(
    ops: &[Timed<'_, RegOp>],
    i: usize,
    now: Now,
    why: impl FnOnce(usize) -> String,
) -> Result<Now, Refutation> {
    let (_, call, ret) = ops[i];
    if call_time(call) >= now.0 {
        return Ok((call_time(call), Some(i)));
    }
    if ret_time(ret) >= now.0 {
        return Ok(now);
    }
    let by = now.1.unwrap_or_default();
    let why = format!(
        "it comes after {}, which began at entry {}, because {}; but it completed at entry {}, before that",
        describe(ops, by),
        ops[by].1,
        why(by),
        ret.unwrap_or_default(),
    );
    Err(Refutation::new(i, why).with([Some(by)]))
}

/// An op in a few words: `the write of 3`, `a read of 3`, `the cas 1→2`, `the append of "x"`.
pub(crate) fn describe(ops: &[Timed<'_, RegOp>], i: usize) -> String {
    match ops[i].0 {
        RegOp::Write(v) => format!("the write of {}", fmt_value(v)),
        RegOp::Read(Some(v @ crate::history::Value::Str(_))) => {
            format!("the read at entry {} ({})", ops[i].1, short(v))
        }
        RegOp::Read(Some(v)) => format!("a read of {}", fmt_value(v)),
        RegOp::Read(None) => format!("the read at entry {}", ops[i].1),
        RegOp::Cas(a, b) => format!("the cas {}→{}", fmt_value(a), fmt_value(b)),
        RegOp::Append(s) => format!("the append of {s:?}"),
    }
}

/// A value for a message; a long string by its last 60 characters.
pub(crate) fn short(v: &crate::history::Value) -> String {
    let crate::history::Value::Str(s) = v else {
        return fmt_value(v);
    };
    let count = s.chars().count();
    if count <= 80 {
        return format!("{s:?}");
    }
    let tail: String = s.chars().skip(count - 60).collect();
    format!("\"…{}", &format!("{tail:?}")[1..])
}

/// The zone test over `blocks`: `Ok(())` when they can be ordered; otherwise the op that
/// cannot take effect and why.
pub(crate) fn zone_test(ops: &[Timed<'_, RegOp>], blocks: &[Block]) -> Result<(), Refutation> {
    let (mut forward, backward): (Vec<&Block>, Vec<&Block>) = blocks
        .iter()
        .partition(|b| b.earliest_ret.time < b.latest_call.time);
    forward.sort_by_key(|b| b.earliest_ret.time);
    // No two forward zones overlap.
    let mut reach: Option<&Block> = None;
    for &zone in &forward {
        if let Some(open) = reach.filter(|o| o.latest_call.time > zone.earliest_ret.time) {
            let stuck = zone.latest_call.op.unwrap_or_default();
            let why = format!(
                "{} must stay in the register {}, while {} must stay there {}: the spans overlap, and the register holds one value at a time",
                zone.label,
                span(zone, ops),
                open.label,
                span(open, ops),
            );
            let named = [
                zone.earliest_ret.op,
                open.earliest_ret.op,
                open.latest_call.op,
            ];
            return Err(Refutation::new(stuck, why).with(named));
        }
        // Disjoint so far, so this zone ends after every earlier one.
        reach = Some(zone);
    }
    // No backward zone inside a forward one. Forward zones are now disjoint and sorted, so
    // the one that could hold a backward zone is the last to begin before it.
    for &inner in &backward {
        let (from, to) = (inner.latest_call.time, inner.earliest_ret.time);
        let before = forward.partition_point(|f| f.earliest_ret.time < from);
        let Some(outer) = before.checked_sub(1).map(|k| forward[k]) else {
            continue;
        };
        if outer.latest_call.time > to {
            let stuck = inner.first.or(inner.latest_call.op).unwrap_or_default();
            let why = format!(
                "every op on {} ({}) began by entry {} and none completed before entry {}, so they took effect at some moment in between; but {} must stay in the register {}, a span that covers it",
                inner.label,
                inner.ops_in_words,
                entry(inner.latest_call, ops),
                entry(inner.earliest_ret, ops),
                outer.label,
                span(outer, ops),
            );
            let named = [
                inner.latest_call.op,
                inner.earliest_ret.op,
                outer.earliest_ret.op,
                outer.latest_call.op,
            ];
            return Err(Refutation::new(stuck, why).with(named));
        }
    }
    Ok(())
}

/// The history position an end stands for.
fn entry(end: End, ops: &[Timed<'_, RegOp>]) -> usize {
    match end.op {
        Some(i) if end.time % 2 == 0 => ops[i].2.unwrap_or_default(),
        Some(i) => ops[i].1,
        None => 0,
    }
}

/// A forward zone in words: `from entry 4 (when the write of 3 completed) until entry 9
/// (when a read of 3 began)`.
fn span(zone: &Block, ops: &[Timed<'_, RegOp>]) -> String {
    let from = match zone.earliest_ret.op {
        Some(i) => format!(
            "from entry {} (when {} completed)",
            entry(zone.earliest_ret, ops),
            describe(ops, i)
        ),
        None => "from the start".to_string(),
    };
    let until = zone.latest_call.op.map_or(String::new(), |i| {
        format!(
            " until entry {} (when {} began)",
            entry(zone.latest_call, ops),
            describe(ops, i)
        )
    });
    format!("{from}{until}")
}
