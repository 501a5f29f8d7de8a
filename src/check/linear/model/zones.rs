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
//! The blocks, the greedy placement inside them and the zone test are in module `blocks`.

use super::blocks::{place, zone_test, Block, Now, EARLIEST};
use super::reg_op::RegOp;
use super::{fmt_value, Refutation, Timed};
use crate::history::Value;
use std::collections::HashMap;

/// A chain being followed: its values and how many reads it has.
struct Chain<'v> {
    values: Vec<&'v Value>,
    reads: usize,
    block: Block,
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
/// differ from `init`; every read's value is `init` or produced by some op in `ops` (a read
/// that returned before its value's producer began is refuted by the placement inside its
/// chain). `Ok(())` when linearizable; otherwise the op that cannot take effect and why.
pub(crate) fn decide(ops: &[Timed<'_, RegOp>], init: &Value) -> Result<(), Refutation> {
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
            return Err(Refutation::new(i, why).with([Some(other)]));
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
    let mut blocks: Vec<Block> = Vec::new();
    for root in roots {
        let chain = run_chain(ops, init, root, &replaced_by, &readers, &mut in_chain)?;
        // The initial value counts only when something read or replaced it.
        if root.is_some() || chain.values.len() > 1 || chain.reads > 0 {
            blocks.push(finish(chain));
        }
    }
    // A counted cas no chain reached: its expected value comes from a cycle of cas ops.
    if let Some(i) =
        (0..ops.len()).find(|&i| counted[i] && !in_chain[i] && matches!(ops[i].0, RegOp::Cas(..)))
    {
        let why = "the cas ops that produce its expected value form a cycle (each needs the value another produces), so none of them can go first".to_string();
        return Err(Refutation::new(i, why));
    }
    zone_test(ops, &blocks)
}

/// A followed chain as a block for the zone test.
fn finish(chain: Chain<'_>) -> Block {
    let mut block = chain.block;
    block.label = values(&chain.values);
    let cas = chain.values.len() - 1;
    block.ops_in_words = match (cas, chain.reads) {
        (0, 0) => "its write".to_string(),
        (0, 1) => "its write and its read".to_string(),
        (0, n) => format!("its write and its {n} reads"),
        (c, n) => format!("its write, {c} cas and {n} reads"),
    };
    block
}

/// Which ops count: every op with an `ok` completion, and an op without one when a counted
/// op read or replaced the value it produced. An `ok` cas whose expected value nothing
/// produced is refuted.
fn counted_ops(
    ops: &[Timed<'_, RegOp>],
    init: &Value,
    producer: &HashMap<&Value, usize>,
) -> Result<Vec<bool>, Refutation> {
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
                return Err(Refutation::new(i, why));
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
) -> Result<Chain<'v>, Refutation> {
    let mut chain = Chain {
        values: Vec::new(),
        reads: 0,
        block: Block::new(String::new(), root),
    };
    let mut now: Now = EARLIEST;
    let mut producer = root;
    let mut value: &'v Value = match root {
        Some(w) => produces(ops[w].0).unwrap_or(init),
        None => init,
    };
    let why = |i: usize| {
        move |by: usize| {
            if needs(ops[i].0).is_some() && needs(ops[i].0) == produces(ops[by].0) {
                "that op produced the value this one needs".to_string()
            } else {
                "the values come in that order, each replaced by a cas".to_string()
            }
        }
    };
    loop {
        chain.values.push(value);
        let mut segment_end = now;
        if let Some(p) = producer {
            in_chain[p] = true;
            now = place(ops, p, now, why(p))?;
            segment_end = now;
            chain.block.note(ops, p);
        }
        for &r in readers.get(value).map_or(&[][..], Vec::as_slice) {
            let point = place(ops, r, now, why(r))?;
            if point.0 > segment_end.0 {
                segment_end = point;
            }
            chain.reads += 1;
            in_chain[r] = true;
            chain.block.note(ops, r);
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

/// A chain's values in words: `3`, or `3 → 4 → 7` for a chain of cas ops.
fn values(values: &[&Value]) -> String {
    let shown: Vec<String> = if values.len() <= 4 {
        values.iter().map(|v| fmt_value(v)).collect()
    } else {
        let n = values.len();
        vec![
            fmt_value(values[0]),
            fmt_value(values[1]),
            "…".into(),
            fmt_value(values[n - 1]),
        ]
    };
    shown.join(" → ")
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
        let Refutation {
            op: i,
            why,
            involved,
        } = decide(&h, &Value::Nil).unwrap_err();
        assert_eq!(i, 5);
        assert!(why.contains("spans overlap"), "{why}");
        // The ops at the ends of both spans are named, for the timeline.
        let mut involved = involved;
        involved.sort_unstable();
        assert_eq!(involved, vec![2, 3, 4]);
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
        let Refutation { op: i, why, .. } = decide(&h, &Value::Nil).unwrap_err();
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
        let Refutation { op: i, why, .. } = decide(&h, &Value::Int(0)).unwrap_err();
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
        let Refutation { op: i, why, .. } = decide(&h, &Value::Nil).unwrap_err();
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
        let Refutation { why, .. } = decide(&h, &Value::Nil).unwrap_err();
        assert!(why.contains("also replaced"), "{why}");
        let (c45, c54) = (cas(4, 5), cas(5, 4));
        let h = [(&c45, 0, Some(1)), (&c54, 2, Some(3))];
        let Refutation { why, .. } = decide(&h, &Value::Nil).unwrap_err();
        assert!(why.contains("cycle"), "{why}");
        let c9 = cas(9, 10);
        let h = [(&c9, 0, Some(1))];
        let Refutation { why, .. } = decide(&h, &Value::Nil).unwrap_err();
        assert!(why.contains("no operation wrote"), "{why}");
    }
}
