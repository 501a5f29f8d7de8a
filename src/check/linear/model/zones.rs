//! Deciding a register history with unique produced values in O(n log n), without search:
//! the zone test of Gibbons & Korach ("Testing shared memories", SIAM J. Comput. 1997), in
//! the form Golab, Li & Shah give it ("Analyzing consistency properties for fun and profit",
//! PODC 2011), extended to compare-and-set.
//!
//! With unique values (every write and every cas writes a value nothing else writes, nor the
//! initial value) every read names the one op that produced its value, and every cas that
//! took effect names the one value it replaced. A value's ops must run as one contiguous
//! block: its producer, its reads, then the cas that replaced it (if one did), which produces
//! the next value. So a write (or the initial value) and the values cas ops derive from it
//! form a *chain* that runs as one block, in an order fixed inside.
//!
//! Inside a chain, placing each op as early as its interval and its predecessors allow
//! decides whether the chain can run at all; it then needs to start no later than the
//! earliest completion among its ops (`lo`) and runs at least until the latest invocation
//! (`hi`). That is all the zone test uses of a block, so the test carries over: when
//! `lo < hi` the chain has a *forward zone* `(lo, hi)` and holds the register throughout;
//! otherwise a *backward zone* `(hi, lo)`, a span in which all its ops are in progress
//! together. The history is linearizable if and only if every chain can run, no two forward
//! zones overlap, and no backward zone lies inside a forward zone.
//!
//! Ops without an `ok` completion may have taken effect or not: such a write or cas counts
//! only if an op that counts read or replaced its value. Two cas ops that both replaced one
//! value, and cas ops that produce each other's expected values in a cycle, are refuted.
//!
//! Times: an invocation at history position `c` counts as just before `c` (`2c - 1`), a
//! completion at `r` as `2r`, an op without an `ok` completion as completing at infinity. So
//! a completion-only history (where an op "began before whatever is at position c") and an
//! invocation history are compared the same way, and no two endpoints tie.

use super::register::RegOp;
use super::{fmt_value, Timed};
use crate::history::Value;
use std::collections::HashMap;

/// One end of a zone: a doubled time (see the module comment) and the op it comes from
/// (`None`: the initial value's virtual write, before everything).
#[derive(Clone, Copy, Debug)]
struct End {
    time: i64,
    op: Option<usize>,
}

/// A chain: its values in order, its ops, its earliest completion and latest invocation.
#[derive(Clone, Debug)]
struct Chain<'v> {
    values: Vec<&'v Value>,
    /// The write that starts it (`None` for the initial value).
    write: Option<usize>,
    reads: usize,
    earliest_ret: End,
    latest_call: End,
}

const START: i64 = -3;

fn call_time(call: usize) -> i64 {
    2 * call as i64 - 1
}

fn ret_time(ret: Option<usize>) -> i64 {
    ret.map_or(i64::MAX, |r| 2 * r as i64)
}

/// The value an op produces, and the value it needs (reads and replaces).
fn produces(op: &RegOp) -> Option<&Value> {
    match op {
        RegOp::Write(v) | RegOp::Cas(_, v) => Some(v),
        _ => None,
    }
}

fn needs(op: &RegOp) -> Option<&Value> {
    match op {
        RegOp::Read(Some(v)) | RegOp::Cas(v, _) => Some(v),
        _ => None,
    }
}

/// The zone test. `ops` hold reads, writes and cas ops; produced values are unique and
/// differ from `init`; every read's value is `init` or produced by some op in `ops`, and no
/// read returned before its value's write began. `Ok(())` when linearizable; otherwise the
/// op that cannot take effect and why, in words.
pub(crate) fn decide(ops: &[Timed<'_, RegOp>], init: &Value) -> Result<(), (usize, String)> {
    let producer: HashMap<&Value, usize> = ops
        .iter()
        .enumerate()
        .filter_map(|(i, (op, ..))| produces(op).map(|v| (v, i)))
        .collect();
    let counted = counted_ops(ops, init, &producer)?;
    // Which cas replaced each value.
    let mut replaced_by: HashMap<&Value, usize> = HashMap::new();
    for (i, (op, ..)) in ops.iter().enumerate() {
        let RegOp::Cas(from, _) = op else { continue };
        if !counted[i] {
            continue;
        }
        if let Some(&other) = replaced_by.get(from) {
            let why = format!(
                "it replaced {}, which cas {}→{} (entry {}) also replaced; {} was written once, so only one of them can have found it",
                fmt_value(from),
                fmt_value(from),
                produces(ops[other].0).map_or(String::new(), fmt_value),
                ops[other].1,
                fmt_value(from),
            );
            return Err((i, why));
        }
        replaced_by.insert(from, i);
    }
    let mut readers: HashMap<&Value, Vec<usize>> = HashMap::new();
    for (i, (op, ..)) in ops.iter().enumerate() {
        if let RegOp::Read(Some(v)) = op {
            readers.entry(v).or_default().push(i);
        }
    }
    // Chains from the initial value and from each counted write.
    let mut in_chain = vec![false; ops.len()];
    let roots = std::iter::once(None).chain(
        (0..ops.len())
            .filter(|&i| counted[i] && matches!(ops[i].0, RegOp::Write(_)))
            .map(Some),
    );
    let mut chains: Vec<Chain<'_>> = Vec::new();
    for root in roots {
        let chain = run_chain(ops, init, root, &replaced_by, &readers, &mut in_chain)?;
        // The initial value counts only when something read or replaced it.
        if root.is_some() || chain.values.len() > 1 || chain.reads > 0 {
            chains.push(chain);
        }
    }
    // A counted cas no chain reached: its expected value comes from a cycle of cas ops.
    if let Some(i) =
        (0..ops.len()).find(|&i| counted[i] && !in_chain[i] && needs(ops[i].0).is_some())
    {
        let why = "the cas ops that produce its expected value form a cycle (each needs the value another produces), so none of them can go first".to_string();
        return Err((i, why));
    }
    zones(ops, &chains)
}

/// Which ops count: every op with an `ok` completion, and an op without one when a counted
/// op read or replaced the value it produced. An `ok` cas whose expected value nothing
/// produced is refuted.
fn counted_ops(
    ops: &[Timed<'_, RegOp>],
    init: &Value,
    producer: &HashMap<&Value, usize>,
) -> Result<Vec<bool>, (usize, String)> {
    let mut counted: Vec<bool> = ops.iter().map(|(_, _, ret)| ret.is_some()).collect();
    let mut work: Vec<usize> = (0..ops.len()).filter(|&i| counted[i]).collect();
    while let Some(i) = work.pop() {
        let Some(v) = needs(ops[i].0) else { continue };
        if v == init {
            continue;
        }
        match producer.get(v) {
            Some(&p) if !counted[p] => {
                counted[p] = true;
                work.push(p);
            }
            Some(_) => {}
            None => {
                let why = format!(
                    "it expected {}, which no operation wrote (and the register did not start with)",
                    fmt_value(v)
                );
                return Err((i, why));
            }
        }
    }
    Ok(counted)
}

/// Follows one chain from its root (a write, or `None`: the initial value), placing its ops
/// as early as their intervals allow; an op that cannot be placed after its predecessors is
/// refuted.
fn run_chain<'v>(
    ops: &[Timed<'v, RegOp>],
    init: &'v Value,
    root: Option<usize>,
    replaced_by: &HashMap<&Value, usize>,
    readers: &HashMap<&Value, Vec<usize>>,
    in_chain: &mut [bool],
) -> Result<Chain<'v>, (usize, String)> {
    let mut chain = Chain {
        values: Vec::new(),
        write: root,
        reads: 0,
        earliest_ret: End {
            time: START,
            op: None,
        },
        latest_call: End {
            time: START,
            op: None,
        },
    };
    if let Some(w) = root {
        chain.earliest_ret = End {
            time: i64::MAX,
            op: Some(w),
        };
    }
    // The earliest point the next op may take, and the op whose invocation set it.
    let mut now: (i64, Option<usize>) = (i64::MIN, None);
    let mut producer = root;
    let mut value: &'v Value = match root {
        Some(w) => produces(ops[w].0).unwrap_or(init),
        None => init,
    };
    loop {
        chain.values.push(value);
        let mut segment_end = now;
        if let Some(p) = producer {
            in_chain[p] = true;
            now = place(ops, p, now)?;
            segment_end = now;
            note(&mut chain, ops, p);
        }
        for &r in readers.get(value).map_or(&[][..], Vec::as_slice) {
            let point = place(ops, r, now)?;
            if point.0 > segment_end.0 {
                segment_end = point;
            }
            chain.reads += 1;
            in_chain[r] = true;
            note(&mut chain, ops, r);
        }
        now = segment_end;
        let Some(&next) = replaced_by.get(value) else {
            break;
        };
        producer = Some(next);
        value = produces(ops[next].0).unwrap_or(init);
    }
    Ok(chain)
}

/// Widens the chain's earliest completion and latest invocation with op `i`.
fn note(chain: &mut Chain<'_>, ops: &[Timed<'_, RegOp>], i: usize) {
    let (_, call, ret) = ops[i];
    if ret_time(ret) < chain.earliest_ret.time {
        chain.earliest_ret = End {
            time: ret_time(ret),
            op: Some(i),
        };
    }
    if call_time(call) > chain.latest_call.time {
        chain.latest_call = End {
            time: call_time(call),
            op: Some(i),
        };
    }
}

/// Places op `i` no earlier than `now`: its point and the op that set it, or why it cannot.
fn place(
    ops: &[Timed<'_, RegOp>],
    i: usize,
    now: (i64, Option<usize>),
) -> Result<(i64, Option<usize>), (usize, String)> {
    let (op, call, ret) = ops[i];
    if call_time(call) >= now.0 {
        return Ok((call_time(call), Some(i)));
    }
    if ret_time(ret) >= now.0 {
        return Ok(now);
    }
    let by = now.1.unwrap_or_default();
    let why = format!(
        "it needs {}, so it comes after {}, which began at entry {}; but it completed at entry {}, before that",
        needs(op).map_or("?".into(), fmt_value),
        describe(ops, by),
        ops[by].1,
        ret.unwrap_or_default(),
    );
    Err((i, why))
}

fn describe(ops: &[Timed<'_, RegOp>], i: usize) -> String {
    match ops[i].0 {
        RegOp::Write(v) => format!("the write of {}", fmt_value(v)),
        RegOp::Read(Some(v)) => format!("a read of {}", fmt_value(v)),
        RegOp::Cas(a, b) => format!("the cas {}→{}", fmt_value(a), fmt_value(b)),
        other => format!("{other:?}"),
    }
}

/// The zone test over the chains.
fn zones(ops: &[Timed<'_, RegOp>], chains: &[Chain<'_>]) -> Result<(), (usize, String)> {
    let (mut forward, backward): (Vec<&Chain<'_>>, Vec<&Chain<'_>>) = chains
        .iter()
        .partition(|c| c.earliest_ret.time < c.latest_call.time);
    forward.sort_by_key(|c| c.earliest_ret.time);
    // No two forward zones overlap.
    let mut reach: Option<&Chain<'_>> = None;
    for &zone in &forward {
        if let Some(open) = reach.filter(|o| o.latest_call.time > zone.earliest_ret.time) {
            let stuck = zone.latest_call.op.unwrap_or_default();
            let why = format!(
                "{} must stay in the register {}, while {} must stay there {}: the spans overlap, and the register holds one value at a time",
                values(zone),
                span(zone, ops),
                values(open),
                span(open, ops),
            );
            return Err((stuck, why));
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
            let stuck = inner.write.or(inner.latest_call.op).unwrap_or_default();
            let cas = inner.values.len() - 1;
            let ops_on = match (cas, inner.reads) {
                (0, 0) => "its write".to_string(),
                (0, 1) => "its write and its read".to_string(),
                (0, n) => format!("its write and its {n} reads"),
                (c, n) => format!("its write, {c} cas and {n} reads"),
            };
            let why = format!(
                "every op on {} ({ops_on}) began by entry {} and none completed before entry {}, so it held the register at some moment in between; but {} must stay in the register {}, a span that covers it",
                values(inner),
                entry(inner.latest_call, ops),
                entry(inner.earliest_ret, ops),
                values(outer),
                span(outer, ops),
            );
            return Err((stuck, why));
        }
    }
    Ok(())
}

/// A chain's values in words: `3`, or `3 → 4 → 7` for a chain of cas ops.
fn values(chain: &Chain<'_>) -> String {
    let shown: Vec<String> = if chain.values.len() <= 4 {
        chain.values.iter().map(|v| fmt_value(v)).collect()
    } else {
        let n = chain.values.len();
        vec![
            fmt_value(chain.values[0]),
            fmt_value(chain.values[1]),
            "…".into(),
            fmt_value(chain.values[n - 1]),
        ]
    };
    shown.join(" → ")
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
fn span(zone: &Chain<'_>, ops: &[Timed<'_, RegOp>]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn w(v: i64) -> RegOp {
        RegOp::Write(Value::Int(v))
    }
    fn r(v: i64) -> RegOp {
        RegOp::Read(Some(Value::Int(v)))
    }
    fn cas(a: i64, b: i64) -> RegOp {
        RegOp::Cas(Value::Int(a), Value::Int(b))
    }

    #[test]
    fn sequential_and_concurrent_histories() {
        let (w1, w2, r1, r2, r0) = (w(1), w(2), r(1), r(2), RegOp::Read(Some(Value::Nil)));
        let h = [
            (&r0, 0, Some(1)),
            (&w1, 2, Some(3)),
            (&r1, 4, Some(5)),
            (&w2, 6, Some(7)),
            (&r2, 8, Some(9)),
        ];
        assert_eq!(decide(&h, &Value::Nil), Ok(()));
        // write 2 overlaps both reads: 1 then 2 is fine, 2 then 1 would need 1 written again.
        let h = [
            (&w1, 0, Some(1)),
            (&w2, 2, Some(9)),
            (&r1, 3, Some(4)),
            (&r2, 5, Some(6)),
        ];
        assert_eq!(decide(&h, &Value::Nil), Ok(()));
        let h = [
            (&w1, 0, Some(1)),
            (&w2, 2, Some(9)),
            (&r2, 3, Some(4)),
            (&r1, 5, Some(6)),
        ];
        assert!(decide(&h, &Value::Nil).is_err());
    }

    #[test]
    fn overlapping_forward_zones_fail_with_both_spans() {
        // Concurrent writes of 1 and 2; 1 must hold from entry 5 to 8, 2 from 6 to 9.
        let (w1, w2, r1, r2, r1b, r2b) = (w(1), w(2), r(1), r(2), r(1), r(2));
        let h = [
            (&w1, 0, Some(20)),
            (&w2, 1, Some(21)),
            (&r1, 2, Some(5)),
            (&r2, 3, Some(6)),
            (&r1b, 8, Some(10)),
            (&r2b, 9, Some(11)),
        ];
        let (i, why) = decide(&h, &Value::Nil).unwrap_err();
        assert_eq!(i, 5);
        assert!(why.contains("spans overlap"), "{why}");
        assert!(
            why.contains("from entry 6") && why.contains("until entry 9"),
            "{why}"
        );
        assert!(
            why.contains("from entry 5") && why.contains("until entry 8"),
            "{why}"
        );
    }

    #[test]
    fn a_backward_zone_inside_a_forward_one_fails() {
        // 1 must hold from entry 3 to 6; every op on 2 is in progress between 4 and 5.
        let (w1, w2, r1, r2, r1b) = (w(1), w(2), r(1), r(2), r(1));
        let h = [
            (&w1, 0, Some(10)),
            (&w2, 1, Some(11)),
            (&r1, 2, Some(3)),
            (&r2, 4, Some(5)),
            (&r1b, 6, Some(7)),
        ];
        let (i, why) = decide(&h, &Value::Nil).unwrap_err();
        assert_eq!(i, 1);
        assert!(
            why.contains("covers it") && why.contains("its write and its read"),
            "{why}"
        );
        // A write nobody read, never answered, may never have happened.
        let h = [
            (&w1, 0, Some(1)),
            (&r1, 2, Some(3)),
            (&w2, 4, None),
            (&r1b, 6, Some(7)),
        ];
        assert_eq!(decide(&h, &Value::Nil), Ok(()));
    }

    #[test]
    fn the_initial_value_holds_until_its_last_read() {
        let (w1, r0) = (w(1), RegOp::Read(Some(Value::Int(0))));
        let h = [(&w1, 0, Some(1)), (&r0, 2, Some(3))];
        let (i, why) = decide(&h, &Value::Int(0)).unwrap_err();
        assert_eq!(i, 0);
        assert!(why.contains("from the start"), "{why}");
        let h = [(&w1, 0, Some(3)), (&r0, 1, Some(2))];
        assert_eq!(decide(&h, &Value::Int(0)), Ok(()));
    }

    #[test]
    fn cas_ops_chain_values_into_one_block() {
        let (w1, c12, c23, r2, r3) = (w(1), cas(1, 2), cas(2, 3), r(2), r(3));
        // write 1, cas 1→2, read 2, cas 2→3, read 3, one after another.
        let h = [
            (&w1, 0, Some(1)),
            (&c12, 2, Some(3)),
            (&r2, 4, Some(5)),
            (&c23, 6, Some(7)),
            (&r3, 8, Some(9)),
        ];
        assert_eq!(decide(&h, &Value::Nil), Ok(()));
        // The read of 2 began after cas 2→3 completed: 2 was gone.
        let h = [
            (&w1, 0, Some(1)),
            (&c12, 2, Some(3)),
            (&c23, 4, Some(5)),
            (&r2, 6, Some(7)),
        ];
        let (i, why) = decide(&h, &Value::Nil).unwrap_err();
        assert_eq!(i, 2, "{why}");
        assert!(
            why.contains("a read of 2") && why.contains("before that"),
            "{why}"
        );
        // An unanswered cas counts only when its value was seen.
        let h = [(&w1, 0, Some(1)), (&c12, 2, None), (&r3, 4, Some(5))];
        assert!(decide(&h, &Value::Nil).is_err());
        let h = [(&w1, 0, Some(1)), (&c12, 2, None), (&r2, 4, Some(5))];
        assert_eq!(decide(&h, &Value::Nil), Ok(()));
    }

    #[test]
    fn two_cas_ops_cannot_replace_one_value_and_cycles_cannot_start() {
        let (w1, c12, c13) = (w(1), cas(1, 2), cas(1, 3));
        let h = [(&w1, 0, Some(1)), (&c12, 2, Some(3)), (&c13, 4, Some(5))];
        let (_, why) = decide(&h, &Value::Nil).unwrap_err();
        assert!(why.contains("also replaced"), "{why}");
        let (c45, c54) = (cas(4, 5), cas(5, 4));
        let h = [(&c45, 0, Some(1)), (&c54, 2, Some(3))];
        let (_, why) = decide(&h, &Value::Nil).unwrap_err();
        assert!(why.contains("cycle"), "{why}");
        let c9 = cas(9, 10);
        let h = [(&c9, 0, Some(1))];
        let (_, why) = decide(&h, &Value::Nil).unwrap_err();
        assert!(why.contains("no operation wrote"), "{why}");
    }
}
