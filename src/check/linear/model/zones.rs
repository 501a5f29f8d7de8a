//! Deciding a read/write register history with unique written values in O(n log n), without
//! search: the zone test of Gibbons & Korach ("Testing shared memories", SIAM J. Comput.
//! 1997), in the form Golab, Li & Shah give it ("Analyzing consistency properties for fun and
//! profit", PODC 2011).
//!
//! With unique values every read names the one write it read from, so the ops fall into
//! *clusters*: a write and the reads of its value (the initial value's cluster has a virtual
//! write before everything). A cluster's ops must be linearized as one contiguous block
//! (write first), and the blocks in some order. Let `lo` be the earliest completion in a
//! cluster and `hi` its latest invocation. When `lo < hi` the cluster has a *forward zone*
//! `(lo, hi)`: its value must be the register's value throughout that span. Otherwise it
//! has a *backward zone* `(hi, lo)`: a span in which all its ops are in progress together.
//! Given that no read returned before its write began (checked before this runs), the
//! history is linearizable if and only if no two forward zones overlap and no backward zone
//! lies inside a forward zone.
//!
//! Times: an invocation at history position `c` counts as just before `c` (`2c - 1`), a
//! completion at `r` as `2r`, an op without an `ok` completion as completing at infinity. So
//! a completion-only history (where an op "began before whatever is at position c") and an
//! invocation history are compared the same way, and no two endpoints tie.

use super::register::RegOp;
use super::{fmt_value, Timed};
use crate::history::Value;
use std::collections::HashMap;

/// Where one end of a zone comes from: the op and its history position.
#[derive(Clone, Copy, Debug)]
struct End {
    /// Doubled time (see the module comment).
    time: i64,
    /// The op in `ops`; `None` for the initial value's virtual write.
    op: Option<usize>,
}

/// One value's cluster: its write (none for the initial value), its earliest completion and
/// its latest invocation, and how many reads it has.
#[derive(Clone, Debug)]
struct Cluster<'v> {
    value: &'v Value,
    write: Option<usize>,
    earliest_ret: End,
    latest_call: End,
    reads: usize,
}

const START: i64 = -3;

fn call_time(call: usize) -> i64 {
    2 * call as i64 - 1
}

fn ret_time(ret: Option<usize>) -> i64 {
    ret.map_or(i64::MAX, |r| 2 * r as i64)
}

/// The zone test. `ops` hold only reads and writes; written values are unique and differ
/// from `init`; every read's value is `init` or written by some op in `ops`, and no read
/// returned before its write began. `Ok(())` when linearizable; otherwise the op that cannot
/// take effect and why, in words.
pub(crate) fn decide(ops: &[Timed<'_, RegOp>], init: &Value) -> Result<(), (usize, String)> {
    let mut clusters: Vec<Cluster<'_>> = vec![Cluster {
        value: init,
        write: None,
        earliest_ret: End {
            time: START,
            op: None,
        },
        latest_call: End {
            time: START,
            op: None,
        },
        reads: 0,
    }];
    let mut of_value: HashMap<&Value, usize> = HashMap::new();
    of_value.insert(init, 0);
    for (i, (op, call, ret)) in ops.iter().enumerate() {
        if let RegOp::Write(v) = op {
            of_value.insert(v, clusters.len());
            let end = |time| End { time, op: Some(i) };
            clusters.push(Cluster {
                value: v,
                write: Some(i),
                earliest_ret: end(ret_time(*ret)),
                latest_call: end(call_time(*call)),
                reads: 0,
            });
        }
    }
    for (i, (op, call, ret)) in ops.iter().enumerate() {
        let RegOp::Read(Some(v)) = op else { continue };
        let Some(&c) = of_value.get(v) else { continue };
        let cluster = &mut clusters[c];
        cluster.reads += 1;
        let (r, c) = (ret_time(*ret), call_time(*call));
        if r < cluster.earliest_ret.time {
            cluster.earliest_ret = End {
                time: r,
                op: Some(i),
            };
        }
        if c > cluster.latest_call.time {
            cluster.latest_call = End {
                time: c,
                op: Some(i),
            };
        }
    }
    // A write nobody read and that never completed may never have happened: drop it. So is
    // the initial value's cluster when nothing read it.
    clusters.retain(|c| c.reads > 0 || c.earliest_ret.time != i64::MAX && c.write.is_some());
    let (mut forward, backward): (Vec<&Cluster<'_>>, Vec<&Cluster<'_>>) = clusters
        .iter()
        .partition(|c| c.earliest_ret.time < c.latest_call.time);
    forward.sort_by_key(|c| c.earliest_ret.time);
    // No two forward zones overlap.
    let mut reach: Option<&Cluster<'_>> = None;
    for &zone in &forward {
        if let Some(open) = reach.filter(|o| o.latest_call.time > zone.earliest_ret.time) {
            let stuck = zone.latest_call.op.unwrap_or_default();
            let why = format!(
                "it read {}, which must stay in the register {}, while {} must stay there {}: the spans overlap, and the register holds one value at a time",
                fmt_value(zone.value),
                span(zone, ops),
                fmt_value(open.value),
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
            let ops_on = match inner.reads {
                0 => "its write".to_string(),
                1 => "its write and its read".to_string(),
                n => format!("its write and its {n} reads"),
            };
            let why = format!(
                "every op on {v} ({ops_on}) began by entry {} and none completed before entry {}, so {v} held the register at some moment in between; but {} must stay in the register {}, a span that covers it",
                entry(inner.latest_call, ops),
                entry(inner.earliest_ret, ops),
                fmt_value(outer.value),
                span(outer, ops),
                v = fmt_value(inner.value),
            );
            return Err((stuck, why));
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
fn span(zone: &Cluster<'_>, ops: &[Timed<'_, RegOp>]) -> String {
    let what = |i: usize| match ops[i].0 {
        RegOp::Write(v) => format!("the write of {}", fmt_value(v)),
        RegOp::Read(Some(v)) => format!("a read of {}", fmt_value(v)),
        other => format!("{other:?}"),
    };
    let from = match zone.earliest_ret.op {
        Some(i) => format!(
            "from entry {} (when {} completed)",
            entry(zone.earliest_ret, ops),
            what(i)
        ),
        None => "from the start".to_string(),
    };
    let until = zone.latest_call.op.map_or(String::new(), |i| {
        format!(
            " until entry {} (when {} began)",
            entry(zone.latest_call, ops),
            what(i)
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

    #[test]
    fn sequential_and_concurrent_histories_pass() {
        let (w1, w2, r1, r2, r0) = (w(1), w(2), r(1), r(2), RegOp::Read(Some(Value::Nil)));
        // read nil, write 1, read 1, write 2, read 2, one after another.
        let h = [
            (&r0, 0, Some(1)),
            (&w1, 2, Some(3)),
            (&r1, 4, Some(5)),
            (&w2, 6, Some(7)),
            (&r2, 8, Some(9)),
        ];
        assert_eq!(decide(&h, &Value::Nil), Ok(()));
        // write 2 overlaps both reads: read 1 then read 2 may see either order.
        let h = [
            (&w1, 0, Some(1)),
            (&w2, 2, Some(9)),
            (&r2, 3, Some(4)),
            (&r1, 5, Some(6)),
        ];
        assert!(
            decide(&h, &Value::Nil).is_err(),
            "2 then 1 again needs a second write of 1"
        );
        let h = [
            (&w1, 0, Some(1)),
            (&w2, 2, Some(9)),
            (&r1, 3, Some(4)),
            (&r2, 5, Some(6)),
        ];
        assert_eq!(decide(&h, &Value::Nil), Ok(()));
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
    }

    #[test]
    fn a_write_inside_a_forward_zone_fails() {
        // write 1, then write 2 entirely between a completed read of 1 and a later read of 1.
        let (w1, w2, r1, r1b) = (w(1), w(2), r(1), r(1));
        let h = [
            (&w1, 0, Some(1)),
            (&r1, 2, Some(3)),
            (&w2, 4, Some(5)),
            (&r1b, 6, Some(7)),
        ];
        let (i, why) = decide(&h, &Value::Nil).unwrap_err();
        assert_eq!(i, 2);
        assert!(
            why.contains("covers it") && why.contains("its write"),
            "{why}"
        );
        // The same write left unanswered may never have happened.
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
}
