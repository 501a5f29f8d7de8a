//! The durability checker on hand-made histories: which acknowledged writes count as lost.

use faultline::check::{check_durability, Verdict};
use faultline::history::{Func, History, Op, OpType, Process, Value};
use faultline::sim::{NetStats, RunOutput, StopReason};
use faultline::workload::OpStats;

fn op(process: u64, kind: OpType, f: Func, value: Value, time: u64) -> Op {
    Op {
        index: 0,
        process: Process::Client(process),
        kind,
        f,
        key: Some(Value::Int(0)),
        value,
        time,
        node: None,
    }
}

/// A run whose history is `ops` (invoke/complete pairs) and whose final read of key 0 is `final_read`.
fn run(ops: Vec<Op>, final_read: Option<Option<i64>>) -> RunOutput {
    let mut history = History::default();
    for o in ops {
        history.push(o);
    }
    RunOutput {
        seed: 1,
        trace_hash: 0,
        events: 0,
        end_time: 0,
        stop: StopReason::Completed,
        net: NetStats::default(),
        faults: vec![],
        history,
        ops: OpStats::default(),
        final_values: vec![final_read.map(|v| v.map(faultline::ops::Datum::Int))],
        keyed: true,
        nodes: vec!["n1".into()],
        digests: None,
        partitions: vec![],
        suspicions: Vec::new(),
        finals: vec![],
        panic: None,
        swarm: None,
    }
}

fn write(p: u64, v: i64, t0: u64, t1: u64, kind: OpType) -> Vec<Op> {
    vec![
        op(p, OpType::Invoke, Func::Write, Value::Int(v), t0),
        op(p, kind, Func::Write, Value::Int(v), t1),
    ]
}

#[test]
fn surviving_last_write_passes() {
    let mut ops = write(0, 1, 0, 10, OpType::Ok);
    ops.extend(write(0, 2, 20, 30, OpType::Ok));
    let r = check_durability(&run(ops, Some(Some(2))));
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
}

#[test]
fn final_value_from_an_earlier_write_names_the_lost_one() {
    let mut ops = write(0, 1, 0, 10, OpType::Ok);
    ops.extend(write(1, 2, 20, 30, OpType::Ok));
    let r = check_durability(&run(ops, Some(Some(1))));
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.witness.len(), 1);
    assert!(
        r.witness[0].contains("write of 2 by process 1"),
        "{:?}",
        r.witness
    );
    assert!(r.witness[0].contains("returned 1"), "{:?}", r.witness);
}

#[test]
fn a_concurrent_write_may_overwrite() {
    // Write 2 is concurrent with write 1, so the final value 1 may legitimately follow it.
    let mut ops = vec![op(0, OpType::Invoke, Func::Write, Value::Int(1), 0)];
    ops.extend(write(1, 2, 5, 8, OpType::Ok));
    ops.push(op(0, OpType::Ok, Func::Write, Value::Int(1), 10));
    let r = check_durability(&run(ops, Some(Some(1))));
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
}

#[test]
fn an_info_write_may_land_late() {
    let mut ops = write(0, 1, 0, 10, OpType::Info);
    ops.extend(write(1, 2, 20, 30, OpType::Ok));
    assert_eq!(
        check_durability(&run(ops, Some(Some(1)))).verdict,
        Verdict::Pass
    );
}

#[test]
fn absent_key_after_an_acknowledged_write_fails() {
    let r = check_durability(&run(write(0, 1, 0, 10, OpType::Ok), Some(None)));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.witness[0].contains("absent"));
}

#[test]
fn a_value_nobody_wrote_or_only_a_failed_write_wrote_fails() {
    let r = check_durability(&run(write(0, 1, 0, 10, OpType::Ok), Some(Some(99))));
    assert!(r.witness[0].contains("no operation wrote"), "{r:?}");
    let mut ops = write(0, 1, 0, 10, OpType::Ok);
    ops.extend(write(1, 2, 20, 30, OpType::Fail));
    let r = check_durability(&run(ops, Some(Some(2))));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.witness[0].contains("failed"), "{r:?}");
}

#[test]
fn cas_counts_as_a_write_of_its_new_value() {
    let mut ops = write(0, 1, 0, 10, OpType::Ok);
    ops.push(op(
        1,
        OpType::Invoke,
        Func::Cas,
        Value::List(vec![Value::Int(1), Value::Int(5)]),
        20,
    ));
    ops.push(op(
        1,
        OpType::Ok,
        Func::Cas,
        Value::List(vec![Value::Int(1), Value::Int(5)]),
        30,
    ));
    assert_eq!(
        check_durability(&run(ops.clone(), Some(Some(5)))).verdict,
        Verdict::Pass
    );
    let r = check_durability(&run(ops, Some(Some(1))));
    assert!(r.witness[0].contains("cas of 5"), "{r:?}");
}

#[test]
fn no_final_read_is_unknown_not_pass() {
    let r = check_durability(&run(write(0, 1, 0, 10, OpType::Ok), None));
    assert_eq!(r.verdict, Verdict::Unknown);
}

/// A run with these acknowledged writes and this committed log.
fn logged(acked: &[(u32, u64)], committed: &[(u32, u64)]) -> RunOutput {
    use faultline::des::ids::RequestId;
    use faultline::ops::{MicroOp, Txn};
    use faultline::sim::{NodeFinal, NodeState};
    use faultline::workload::AckedWrite;
    let mut out = run(vec![], Some(None));
    out.ops.acked_writes = acked
        .iter()
        .map(|&(client, seq)| AckedWrite {
            request: RequestId { client, seq },
            txn: Txn::one(MicroOp::Write {
                key: 3,
                value: seq as i64,
            }),
            invoked: 1_000,
            acked: 2_000,
        })
        .collect();
    let node = |name: &str, state, committed: Option<Vec<RequestId>>| NodeFinal {
        name: name.into(),
        state,
        observation: None,
        committed,
        replica: None,
        state_digest: None,
        replicates: None,
    };
    // n1 crashed (no log); n2 knows the most; n3 lags behind.
    let all: Vec<RequestId> = committed
        .iter()
        .map(|&(client, seq)| RequestId { client, seq })
        .collect();
    out.finals = vec![
        node("n1", NodeState::Crashed, None),
        node("n2", NodeState::Up, Some(all.clone())),
        node("n3", NodeState::Up, Some(all[..all.len() - 1].to_vec())),
    ];
    out
}

#[test]
fn committed_log_names_an_acknowledged_write_missing_from_the_log() {
    use faultline::check::check_committed_log;
    let ok = check_committed_log(&logged(&[(0, 1), (1, 1)], &[(0, 1), (1, 1), (2, 5)])).unwrap();
    assert_eq!(ok.verdict, Verdict::Pass, "{ok:?}");
    let bad = check_committed_log(&logged(&[(0, 1), (1, 7)], &[(0, 1)])).unwrap();
    assert_eq!(bad.verdict, Verdict::Fail);
    assert_eq!(bad.witness.len(), 1);
    assert!(
        bad.witness[0].contains("write 7 to key 3 (client 1, request 7)"),
        "{bad:?}"
    );
    assert!(bad.summary.contains("n2's committed log"), "{bad:?}");
    // Protocols without a log have no such check.
    assert!(check_committed_log(&run(vec![], Some(None))).is_none());
}

#[test]
fn liveness_fails_when_a_final_read_never_completes_and_is_unknown_after_a_limit() {
    use faultline::check::check_liveness;
    let done = run(vec![], Some(Some(4)));
    assert_eq!(check_liveness(&done, 5).verdict, Verdict::Pass);
    let mut stuck = run(vec![], None);
    let r = check_liveness(&stuck, 2_000_000_000);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.witness[0].contains("key 0 never succeeded in the 2s"),
        "{r:?}"
    );
    stuck.stop = StopReason::EventLimit;
    assert_eq!(check_liveness(&stuck, 1).verdict, Verdict::Unknown);
}

/// A run whose history is `ops` and whose final read of key 0 returned `last`.
fn run_datum(ops: Vec<Op>, last: Option<faultline::ops::Datum>) -> RunOutput {
    let mut out = run(ops, None);
    out.final_values = vec![Some(last)];
    out
}

/// An invocation and its completion of `f` with `value` by process `p`.
fn pair(p: u64, f: &str, value: Value, kind: OpType) -> Vec<Op> {
    let f = Func::Other(f.into());
    vec![
        op(p, OpType::Invoke, f.clone(), value.clone(), 10 * p),
        op(p, kind, f, value, 10 * p + 5),
    ]
}

fn txn_append(v: i64) -> Value {
    Value::List(vec![Value::List(vec![
        Value::Keyword("append".into()),
        Value::Int(0),
        Value::Int(v),
    ])])
}

#[test]
fn lists_keep_every_acknowledged_append() {
    use faultline::ops::Datum::List;
    let mut ops = pair(0, "txn", txn_append(1), OpType::Ok);
    ops.extend(pair(1, "txn", txn_append(2), OpType::Info));
    ops.extend(pair(2, "txn", txn_append(3), OpType::Ok));
    ops.extend(pair(3, "txn", txn_append(4), OpType::Fail));
    let ok = check_durability(&run_datum(ops.clone(), Some(List(vec![1, 3]))));
    assert_eq!(ok.verdict, Verdict::Pass, "{ok:?}");
    let lost = check_durability(&run_datum(ops.clone(), Some(List(vec![1, 2]))));
    assert_eq!(lost.verdict, Verdict::Fail);
    assert!(
        lost.witness[0].contains("append of 3 by process 2"),
        "{lost:?}"
    );
    let phantom = check_durability(&run_datum(ops, Some(List(vec![1, 3, 4]))));
    assert!(
        phantom.witness[0].contains("holds 4, added only by a failed append"),
        "{phantom:?}"
    );
}

#[test]
fn sets_keep_every_acknowledged_element_and_counters_stay_in_range() {
    use faultline::ops::Datum::{Int, List};
    let mut ops = pair(0, "add", Value::Int(7), OpType::Ok);
    ops.extend(pair(1, "add", Value::Int(8), OpType::Ok));
    let set = check_durability(&run_datum(ops.clone(), Some(List(vec![8]))));
    assert_eq!(set.verdict, Verdict::Fail);
    assert!(set.witness[0].contains("add of 7"), "{set:?}");
    // As a counter: two acknowledged adds and one unknown give a final value of 15 to 16.
    let mut adds = pair(0, "add", Value::Int(7), OpType::Ok);
    adds.extend(pair(1, "add", Value::Int(8), OpType::Ok));
    adds.extend(pair(2, "add", Value::Int(1), OpType::Info));
    for (total, verdict) in [
        (15, Verdict::Pass),
        (16, Verdict::Pass),
        (14, Verdict::Fail),
        (17, Verdict::Fail),
    ] {
        let r = check_durability(&run_datum(adds.clone(), Some(Int(total))));
        assert_eq!(r.verdict, verdict, "{total}: {r:?}");
    }
}

fn delete(p: u64, t0: u64, t1: u64, kind: OpType) -> Vec<Op> {
    let f = || Func::Other("delete".into());
    vec![
        op(p, OpType::Invoke, f(), Value::Nil, t0),
        op(p, kind, f(), Value::Nil, t1),
    ]
}

#[test]
fn a_delete_is_a_write_of_absent() {
    // Write 1, then an acknowledged delete: the key may read as absent.
    let mut ops = write(0, 1, 0, 10, OpType::Ok);
    ops.extend(delete(1, 20, 30, OpType::Ok));
    let r = check_durability(&run(ops.clone(), Some(None)));
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    // The deleted 1 in the final read: the acknowledged delete is lost.
    let r = check_durability(&run(ops, Some(Some(1))));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.witness[0].starts_with("delete by process 1")
            && r.witness[0].contains("the deleted value came back"),
        "{:?}",
        r.witness
    );
    // A delete that may have happened after the write (info) explains an absent key.
    let mut ops = write(0, 1, 0, 10, OpType::Ok);
    ops.extend(delete(1, 5, 40, OpType::Info));
    let r = check_durability(&run(ops, Some(None)));
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    // One that completed before the write began does not; nor does a failed one.
    let mut ops = delete(1, 0, 5, OpType::Ok);
    ops.extend(delete(2, 6, 8, OpType::Fail));
    ops.extend(write(0, 1, 10, 20, OpType::Ok));
    let r = check_durability(&run(ops, Some(None)));
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(r.witness[0].contains("write of 1"), "{:?}", r.witness);
}
