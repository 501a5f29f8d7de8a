//! CAP with consistency per side (DESIGN §6): for each partition window and each side of it,
//! the consistency ladder on the reads that side's clients made during the window, beside
//! the availability of [`super::availability`]. A CP protocol reads "majority available,
//! linearizable; minority unavailable"; an AP one "both sides available, and this is the
//! strongest model each side's reads kept".
//!
//! How a side is judged: the ladder runs on the run's history with every read left out except
//! the reads invoked during the window by clients whose home node is on that side. Every write
//! stays (whichever side made it), so a read is judged against all that was written. Leaving
//! reads out never breaks a model that held, so a model that breaks on a side broke because of
//! that side's own reads in that window. Reads from before the window are left out too: a
//! session's monotonic reads are judged within the window.

use super::ladder::checker::ladder_of;
use super::plan::plan;
use super::Verdict;
use crate::des::time::Nanos;
use crate::history::{Func, History, OpType, Process, Value};
use crate::scenario::Scenario;
use crate::sim::RunOutput;
use serde::Serialize;

/// At most this many windows are judged (the first ones); the report says how many were.
pub const MAX_WINDOWS: usize = 20;

/// The ladder on one side's reads during one window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SideConsistency {
    /// The side's nodes, by name.
    pub nodes: Vec<String>,
    /// Reads its clients invoked during the window that were answered `ok`.
    pub reads: usize,
    /// Fail if a model breaks, else unknown if one is unknown, else pass.
    pub verdict: Verdict,
    /// The strongest models that hold.
    pub strongest: Vec<&'static str>,
    /// The weakest models that break.
    pub weakest_broken: Vec<&'static str>,
}

/// Consistency per side during one partition window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowConsistency {
    /// When the cut began (ns of virtual time).
    pub start_ns: Nanos,
    /// When it changed or healed.
    pub end_ns: Nanos,
    /// Each side, in the order of [`crate::sim::PartitionWindow::sides`].
    pub sides: Vec<SideConsistency>,
}

/// The ladder per side of each of the first [`MAX_WINDOWS`] partition windows; empty when
/// the run had no partition or the scenario does not run the ladder check.
pub fn consistency_by_window(s: &Scenario, run: &RunOutput) -> Vec<WindowConsistency> {
    let Some(workload) = s.workload.as_ref() else {
        return Vec::new();
    };
    if run.partitions.is_empty() || !plan(s).is_ok_and(|p| p.runs("ladder")) {
        return Vec::new();
    }
    let nodes = run.nodes.len() as u32;
    let sessions = run.history.sessions.as_deref();
    let client_of = |p: u64| sessions.and_then(|v| v.get(p as usize).copied());
    let mut out = Vec::new();
    for w in run.partitions.iter().take(MAX_WINDOWS) {
        let mut sides = Vec::new();
        for side in &w.sides {
            let keep = |process: u64, invoked: Nanos| {
                let client = client_of(process).unwrap_or(process as u32);
                let home = workload.home(client, nodes);
                w.start <= invoked && invoked < w.end && side.contains(&home)
            };
            let (history, reads) = reads_where(&run.history, keep);
            let (verdict, strongest, weakest_broken) = match ladder_of(s, &history) {
                Some(Ok(l)) => (l.verdict(), l.strongest, l.weakest_broken),
                _ => (Verdict::Unknown, Vec::new(), Vec::new()),
            };
            sides.push(SideConsistency {
                nodes: side.iter().map(|n| run.nodes[n.index()].clone()).collect(),
                reads,
                verdict,
                strongest,
                weakest_broken,
            });
        }
        out.push(WindowConsistency {
            start_ns: w.start,
            end_ns: w.end,
            sides,
        });
    }
    out
}

/// One side's consistency in a few words: the strongest models its reads kept, or the
/// weakest they broke when none held ("not even read-your-writes").
pub fn describe(side: &SideConsistency) -> String {
    if side.reads == 0 {
        return "no reads answered".into();
    }
    match (side.strongest.is_empty(), side.verdict) {
        (false, _) => side.strongest.join(", "),
        (true, Verdict::Fail) => format!("not even {}", side.weakest_broken.join(", ")),
        (true, _) => "unknown".into(),
    }
}

/// The history without the reads `keep` rejects (given the read's process and invocation
/// time), and the number of kept reads answered `ok`. Writes and the nemesis's entries all
/// stay.
fn reads_where(history: &History, keep: impl Fn(u64, Nanos) -> bool) -> (History, usize) {
    let mut kept_reads = 0;
    // Per process, whether its operation in progress is kept (its completion follows it).
    let mut open: Vec<bool> = Vec::new();
    let mut ops = Vec::with_capacity(history.ops.len());
    for op in &history.ops {
        let Process::Client(p) = op.process else {
            ops.push(op.clone());
            continue;
        };
        let slot = p as usize;
        if open.len() <= slot {
            open.resize(slot + 1, true);
        }
        if op.kind == OpType::Invoke {
            let read = is_read(&op.f, &op.value);
            open[slot] = !read || keep(p, op.time);
        } else if op.kind == OpType::Ok && open[slot] && is_read(&op.f, &op.value) {
            kept_reads += 1;
        }
        if open[slot] {
            let mut kept = op.clone();
            kept.index = ops.len() as u64;
            ops.push(kept);
        }
    }
    let filtered = History {
        ops,
        sessions: history.sessions.clone(),
    };
    (filtered, kept_reads)
}

/// Whether an operation only reads: a `read`, or a transaction of `r` micro-ops only.
fn is_read(f: &Func, value: &Value) -> bool {
    match f {
        Func::Read => true,
        Func::Other(name) if name == "txn" => match value {
            Value::List(micro) => micro.iter().all(|m| match m {
                Value::List(parts) => matches!(parts.first(), Some(Value::Keyword(k)) if k == "r"),
                _ => false,
            }),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Op;

    fn op(index: u64, process: u64, kind: OpType, f: Func, time: Nanos) -> Op {
        Op {
            index,
            process: Process::Client(process),
            kind,
            f,
            key: None,
            value: Value::Nil,
            time,
            node: None,
        }
    }

    #[test]
    fn only_the_chosen_reads_stay_and_every_write_stays() {
        let h = History {
            ops: vec![
                op(0, 0, OpType::Invoke, Func::Write, 1),
                op(1, 1, OpType::Invoke, Func::Read, 2),
                op(2, 0, OpType::Ok, Func::Write, 3),
                op(3, 1, OpType::Ok, Func::Read, 4),
                op(4, 0, OpType::Invoke, Func::Read, 5),
                op(5, 0, OpType::Ok, Func::Read, 6),
            ],
            sessions: None,
        };
        let (kept, reads) = reads_where(&h, |p, _| p == 0);
        assert_eq!(reads, 1);
        let left: Vec<(u64, OpType)> = kept.ops.iter().map(|o| (o.time, o.kind)).collect();
        assert_eq!(
            left,
            [
                (1, OpType::Invoke),
                (3, OpType::Ok),
                (5, OpType::Invoke),
                (6, OpType::Ok)
            ]
        );
        assert!(kept
            .ops
            .iter()
            .enumerate()
            .all(|(i, o)| o.index == i as u64));
    }

    #[test]
    fn a_side_is_described_by_its_strongest_model_or_what_it_breaks() {
        let side =
            |reads, verdict, strongest: &[&'static str], broken: &[&'static str]| SideConsistency {
                nodes: vec!["n1".into()],
                reads,
                verdict,
                strongest: strongest.to_vec(),
                weakest_broken: broken.to_vec(),
            };
        assert_eq!(
            describe(&side(0, Verdict::Pass, &[], &[])),
            "no reads answered"
        );
        assert_eq!(
            describe(&side(4, Verdict::Pass, &["linearizable"], &[])),
            "linearizable"
        );
        assert_eq!(
            describe(&side(4, Verdict::Fail, &[], &["read-your-writes"])),
            "not even read-your-writes"
        );
        assert_eq!(describe(&side(4, Verdict::Unknown, &[], &[])), "unknown");
    }

    #[test]
    fn a_transaction_of_reads_is_a_read_and_one_with_an_append_is_not() {
        let r = |k: i64| Value::List(vec![Value::Keyword("r".into()), Value::Int(k), Value::Nil]);
        let append = Value::List(vec![
            Value::Keyword("append".into()),
            Value::Int(1),
            Value::Int(2),
        ]);
        let txn = Func::Other("txn".into());
        assert!(is_read(&txn, &Value::List(vec![r(1), r(2)])));
        assert!(!is_read(&txn, &Value::List(vec![r(1), append])));
        assert!(is_read(&Func::Read, &Value::Nil));
        assert!(!is_read(&Func::Write, &Value::Int(3)));
    }
}
