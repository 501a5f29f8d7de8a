//! The convergence check: on hand-built end states (agreeing replicas, a diverging one, an
//! illegal value, a lost append, a crashed node, a run cut short), and on whole runs (Raft
//! converges; primary-backup without fencing leaves a replica behind for good).

use faultline::check::{check_convergence, plan, Verdict};
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::history::{Func, History, Op, OpType, Process, Value};
use faultline::ops::{MicroOp, Store, Txn};
use faultline::scenario::{self, parse_str};
use faultline::sim::{NetStats, NodeFinal, NodeState, RunOutput, StopReason};
use faultline::workload::OpStats;

/// When settle ends in these runs.
const SETTLE_END: u64 = 5_000;

fn op(process: u64, kind: OpType, f: Func, key: Option<i64>, value: Value, time: u64) -> Op {
    Op {
        index: 0,
        process: Process::Client(process),
        kind,
        f,
        key: key.map(Value::Int),
        value,
        time,
        node: None,
    }
}

/// An operation `f` of `value` on `key` by `process`, invoked at `t` and completed `outcome`
/// (`None`: never answered) at `t + 10`.
fn pair(process: u64, f: &str, key: i64, value: Value, t: u64, outcome: Option<OpType>) -> Vec<Op> {
    let func = match f {
        "write" => Func::Write,
        other => Func::Other(other.into()),
    };
    let key = (f != "txn").then_some(key);
    let mut ops = vec![op(
        process,
        OpType::Invoke,
        func.clone(),
        key,
        value.clone(),
        t,
    )];
    if let Some(kind) = outcome {
        ops.push(op(process, kind, func, key, value, t + 10));
    }
    ops
}

fn write(process: u64, key: i64, v: i64, t: u64, outcome: Option<OpType>) -> Vec<Op> {
    pair(process, "write", key, Value::Int(v), t, outcome)
}

fn append(process: u64, key: i64, v: i64, t: u64, outcome: Option<OpType>) -> Vec<Op> {
    let micro = Value::List(vec![
        Value::Keyword("append".into()),
        Value::Int(key),
        Value::Int(v),
    ]);
    pair(process, "txn", key, Value::List(vec![micro]), t, outcome)
}

fn add(process: u64, key: i64, v: i64, t: u64, outcome: Option<OpType>) -> Vec<Op> {
    pair(process, "add", key, Value::Int(v), t, outcome)
}

/// A store holding what `ops` make.
fn store(ops: &[MicroOp]) -> Store {
    let mut s = Store::new();
    for op in ops {
        s.apply(&Txn::one(*op));
    }
    s
}

fn node(name: &str, state: NodeState, replica: Option<Store>) -> NodeFinal {
    NodeFinal {
        name: name.into(),
        state,
        observation: None,
        committed: None,
        state_digest: replica.as_ref().map(Store::digest),
        replica,
        replicates: None,
    }
}

/// A completed run with history `ops` whose nodes ended as `finals`.
fn run(ops: Vec<Vec<Op>>, finals: Vec<NodeFinal>) -> RunOutput {
    let mut history = History::default();
    for o in ops.into_iter().flatten() {
        history.push(o);
    }
    RunOutput {
        seed: 1,
        trace_hash: 0,
        events: 0,
        end_time: SETTLE_END + 1_000,
        stop: StopReason::Completed,
        net: NetStats::default(),
        faults: vec![],
        history,
        ops: OpStats::default(),
        final_values: vec![],
        keyed: true,
        nodes: finals.iter().map(|f| f.name.clone()).collect(),
        digests: None,
        partitions: vec![],
        suspicions: Vec::new(),
        finals,
        panic: None,
        swarm: None,
    }
}

fn appends(key: u64, values: &[i64]) -> Vec<MicroOp> {
    values
        .iter()
        .map(|&value| MicroOp::Append { key, value })
        .collect()
}

#[test]
fn agreeing_replicas_on_a_legal_state_pass() {
    let ops = vec![
        write(0, 1, 10, 0, Some(OpType::Ok)),
        write(1, 1, 11, 100, Some(OpType::Info)),
        append(2, 2, 1, 200, Some(OpType::Ok)),
        append(2, 2, 2, 300, Some(OpType::Ok)),
        append(3, 2, 3, 400, Some(OpType::Fail)),
    ];
    let mut state = vec![MicroOp::Write { key: 1, value: 11 }];
    state.extend(appends(2, &[1, 2]));
    let finals = ["n1", "n2", "n3"]
        .map(|n| node(n, NodeState::Up, Some(store(&state))))
        .to_vec();
    let r = check_convergence(&run(ops, finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(r.witness.is_empty());
    let digest = format!("{:016x}", store(&state).digest());
    assert!(
        r.summary
            .contains("all 3 live replica(s) hold the same state")
            && r.summary.contains(&digest)
            && r.summary.contains("3 acknowledged change(s)"),
        "{r:?}"
    );
}

#[test]
fn a_diverging_replica_fails_naming_the_key_and_each_value() {
    let ops = vec![
        append(0, 7, 1, 0, Some(OpType::Ok)),
        append(1, 7, 2, 100, Some(OpType::Info)),
    ];
    let full = store(&appends(7, &[1, 2]));
    let short = store(&appends(7, &[1]));
    let finals = vec![
        node("n1", NodeState::Up, Some(full.clone())),
        node("n2", NodeState::Up, Some(full)),
        node("n3", NodeState::Up, Some(short.clone())),
    ];
    let r = check_convergence(&run(ops, finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert_eq!(
        r.witness,
        vec!["n1 and n2 have key 7 = [1 2], n3 has key 7 = [1]".to_string()],
        "both states are legal (the append of 2 is info), so only the difference is reported"
    );
    assert!(
        r.summary
            .contains("the 3 live replicas hold 2 different states after settle")
            && r.summary.contains(&format!("n3 {:016x}", short.digest())),
        "{r:?}"
    );
}

/// `node`, replicating only `keys` (partial replication).
fn owner(name: &str, replica: Store, keys: &[u64]) -> NodeFinal {
    let mut f = node(name, NodeState::Up, Some(replica));
    f.replicates = Some(keys.iter().copied().collect());
    f
}

#[test]
fn partial_replication_compares_each_key_on_its_replicas_only() {
    // Key 1 lives on n1 and n2, key 2 on n2 and n3. n3 keeps a stale copy of key 1 it does
    // not replicate (a hint, say): not compared.
    let ops = vec![
        write(0, 1, 10, 0, Some(OpType::Ok)),
        write(0, 1, 11, 100, Some(OpType::Ok)),
        write(1, 2, 20, 200, Some(OpType::Ok)),
    ];
    let w = |key, value| MicroOp::Write { key, value };
    let finals = vec![
        owner("n1", store(&[w(1, 11)]), &[1]),
        owner("n2", store(&[w(1, 11), w(2, 20)]), &[1, 2]),
        owner("n3", store(&[w(1, 10), w(2, 20)]), &[2]),
    ];
    let r = check_convergence(&run(ops.clone(), finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(r.summary.contains("partial replication"), "{r:?}");
    // The same states compared whole would differ everywhere.
    let whole = vec![
        node("n1", NodeState::Up, Some(store(&[w(1, 11)]))),
        node("n2", NodeState::Up, Some(store(&[w(1, 11), w(2, 20)]))),
        node("n3", NodeState::Up, Some(store(&[w(1, 10), w(2, 20)]))),
    ];
    let r = check_convergence(&run(ops, whole), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
}

#[test]
fn partial_replication_catches_a_replica_that_lacks_its_key() {
    let ops = vec![write(0, 4, 40, 0, Some(OpType::Info))];
    let w = |key, value| MicroOp::Write { key, value };
    let finals = vec![
        owner("n1", store(&[w(4, 40)]), &[4]),
        owner("n2", store(&[]), &[4]),
        owner("n3", store(&[]), &[]),
    ];
    let r = check_convergence(&run(ops, finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert_eq!(
        r.witness,
        vec!["key 4 (replicated on n1 and n2): n1 has 40, n2 has nothing".to_string()],
        "{r:?}"
    );
    // A crashed replica is skipped, and the summary says so.
    let finals = vec![
        owner("n1", store(&[w(4, 40)]), &[4]),
        node("n2", NodeState::Crashed, None),
        owner("n3", store(&[]), &[]),
    ];
    let r = check_convergence(
        &run(vec![write(0, 4, 40, 0, Some(OpType::Ok))], finals),
        SETTLE_END,
    );
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(r.summary.contains("n2 (crashed)"), "{r:?}");
}

#[test]
fn long_lists_are_shown_from_where_they_differ() {
    let values: Vec<i64> = (1..=30).collect();
    let ops: Vec<Vec<Op>> = values
        .iter()
        .map(|&v| append(0, 1, v, v as u64 * 10, Some(OpType::Info)))
        .collect();
    let finals = vec![
        node("n1", NodeState::Up, Some(store(&appends(1, &values)))),
        node("n2", NodeState::Up, Some(store(&appends(1, &values[..28])))),
    ];
    let r = check_convergence(&run(ops, finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert_eq!(
        r.witness,
        vec![
            "n1 has key 1 = [… 29 30] (30 elements), n2 has key 1 = […] (28 elements); the first 28 elements agree"
                .to_string()
        ]
    );
}

#[test]
fn a_value_no_write_made_fails_even_when_every_replica_holds_it() {
    let ops = vec![
        write(0, 1, 10, 0, Some(OpType::Ok)),
        write(1, 1, 12, 100, Some(OpType::Fail)),
    ];
    let nobody = store(&[MicroOp::Write { key: 1, value: 99 }]);
    let failed = store(&[MicroOp::Write { key: 1, value: 12 }]);
    for (state, want) in [
        (
            nobody,
            "key 1 on n1 and n2 holds 99, which no operation wrote",
        ),
        (
            failed,
            "key 1 on n1 and n2 holds 12, written only by a failed write of 12 by process 1",
        ),
    ] {
        let finals = vec![
            node("n1", NodeState::Up, Some(state.clone())),
            node("n2", NodeState::Up, Some(state)),
        ];
        let r = check_convergence(&run(ops.clone(), finals), SETTLE_END);
        assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
        assert_eq!(r.witness.len(), 1, "{r:?}");
        assert!(r.witness[0].starts_with(want), "{r:?}");
        assert!(
            r.summary.contains("agree (state")
                && r.summary.contains("on a state the writes cannot produce"),
            "{r:?}"
        );
    }
    // A register absent although a write of it was acknowledged.
    let finals = vec![node("n1", NodeState::Up, Some(Store::new()))];
    let r = check_convergence(&run(ops, finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert!(
        r.witness[0].starts_with("write of 10 by process 0")
            && r.witness[0].ends_with("is lost: key 1 is absent on n1"),
        "{r:?}"
    );
}

#[test]
fn a_lost_acknowledged_append_or_a_duplicate_fails() {
    let ops = vec![
        append(0, 3, 1, 0, Some(OpType::Ok)),
        append(1, 3, 2, 100, Some(OpType::Ok)),
        append(2, 3, 3, 200, None),
    ];
    // The acknowledged 2 is missing; 3 (never answered) may or may not be there.
    let lost = store(&appends(3, &[1, 3]));
    let finals = vec![
        node("n1", NodeState::Up, Some(lost.clone())),
        node("n2", NodeState::Up, Some(lost)),
    ];
    let r = check_convergence(&run(ops.clone(), finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert_eq!(r.witness.len(), 1, "{r:?}");
    assert!(
        r.witness[0].starts_with("append of 2 by process 1 (invoked")
            && r.witness[0].ends_with("is lost: key 3 on n1 and n2 lacks it"),
        "{r:?}"
    );
    // An element applied twice.
    let twice = store(&appends(3, &[1, 2, 2]));
    let r = check_convergence(
        &run(ops, vec![node("n1", NodeState::Up, Some(twice))]),
        SETTLE_END,
    );
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert_eq!(
        r.witness,
        vec!["key 3 on n1 holds 2 2 times, but it was appended 1 time(s)".to_string()]
    );
}

#[test]
fn sets_and_counters_are_judged_by_their_own_rules() {
    // A set (inserts are recorded as `add` of an element): 5 acknowledged, 6 unknown.
    let ops = vec![
        add(0, 1, 5, 0, Some(OpType::Ok)),
        add(1, 1, 6, 100, Some(OpType::Info)),
    ];
    let set = |values: &[i64]| {
        store(
            &values
                .iter()
                .map(|&value| MicroOp::Insert { key: 1, value })
                .collect::<Vec<_>>(),
        )
    };
    let judge = |ops: &Vec<Vec<Op>>, s: Store| {
        check_convergence(
            &run(ops.clone(), vec![node("n1", NodeState::Up, Some(s))]),
            SETTLE_END,
        )
    };
    assert_eq!(judge(&ops, set(&[5])).verdict, Verdict::Pass);
    assert_eq!(judge(&ops, set(&[5, 6])).verdict, Verdict::Pass);
    let r = judge(&ops, set(&[5, 7]));
    assert_eq!(
        r.witness,
        vec!["key 1 on n1 holds 7, which no operation wrote".to_string()]
    );
    let r = judge(&ops, set(&[6]));
    assert!(
        r.witness[0].ends_with("is lost: key 1 on n1 lacks it"),
        "{r:?}"
    );

    // A counter: +5 acknowledged, -3 and +4 unknown, +100 failed: anything in [2, 9].
    let ops = vec![
        add(0, 2, 5, 0, Some(OpType::Ok)),
        add(1, 2, -3, 100, Some(OpType::Info)),
        add(2, 2, 4, 200, None),
        add(3, 2, 100, 300, Some(OpType::Fail)),
    ];
    let counter = |v: i64| store(&[MicroOp::Add { key: 2, delta: v }]);
    for ok in [2, 5, 6, 9] {
        let r = judge(&ops, counter(ok));
        assert_eq!(r.verdict, Verdict::Pass, "{ok}: {r:?}");
    }
    let r = judge(&ops, counter(1));
    assert_eq!(
        r.witness,
        vec![
            "key 2 is 1 on n1, less than the 2 the acknowledged additions make: some were lost"
                .to_string()
        ]
    );
    let r = judge(&ops, counter(10));
    assert!(r.witness[0].contains("more than the 9"), "{r:?}");
}

#[test]
fn crashed_and_paused_replicas_are_skipped_and_named() {
    let ops = vec![write(0, 1, 10, 0, Some(OpType::Ok))];
    let s = store(&[MicroOp::Write { key: 1, value: 10 }]);
    let finals = vec![
        node("n1", NodeState::Up, Some(s.clone())),
        node("n2", NodeState::Crashed, None),
        node("n3", NodeState::Up, Some(s)),
        // A paused node's state is intact but may lag: not compared.
        node("n4", NodeState::Paused, Some(Store::new())),
    ];
    let r = check_convergence(&run(ops.clone(), finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(
        r.summary.contains("all 2 live replica(s)")
            && r.summary
                .ends_with("not compared: n2 (crashed), n4 (paused)"),
        "{r:?}"
    );
    // Nobody up: nothing to judge.
    let r = check_convergence(
        &run(ops, vec![node("n1", NodeState::Crashed, None)]),
        SETTLE_END,
    );
    assert_eq!(r.verdict, Verdict::Unknown, "{r:?}");
    assert!(r.summary.contains("no replica was up at the end"), "{r:?}");
}

#[test]
fn a_run_cut_short_or_a_protocol_without_state_is_unknown() {
    let ops = vec![write(0, 1, 10, 0, Some(OpType::Ok))];
    // Diverged, but the run never finished settling: no verdict.
    let finals = vec![
        node("n1", NodeState::Up, Some(Store::new())),
        node(
            "n2",
            NodeState::Up,
            Some(store(&[MicroOp::Write { key: 1, value: 10 }])),
        ),
    ];
    for (stop, end) in [
        (StopReason::EventLimit, SETTLE_END + 1_000),
        (StopReason::DeliveryTarget, SETTLE_END - 1),
    ] {
        let mut out = run(ops.clone(), finals.clone());
        out.stop = stop;
        out.end_time = end;
        let r = check_convergence(&out, SETTLE_END);
        assert_eq!(r.verdict, Verdict::Unknown, "{r:?}");
        assert!(r.summary.contains("before settle ended"), "{r:?}");
    }
    let r = check_convergence(&run(ops, vec![node("n1", NodeState::Up, None)]), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Unknown, "{r:?}");
    assert!(r.summary.contains("exposes no replica state"), "{r:?}");
}

#[test]
fn keys_with_removes_are_not_judged() {
    let mut ops = vec![add(0, 1, 5, 0, Some(OpType::Ok))];
    ops.push(pair(1, "remove", 1, Value::Nil, 100, Some(OpType::Ok)));
    // 5 was acknowledged, then removed: an empty set is legal, and the check says it did not
    // judge the key rather than calling 5 lost.
    let finals = vec![node("n1", NodeState::Up, Some(Store::new()))];
    let r = check_convergence(&run(ops, finals), SETTLE_END);
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(
        r.summary
            .contains("key 1 not judged for legality (the history removes elements"),
        "{r:?}"
    );
}

/// `text` with `[check] convergence = true` appended.
fn with_convergence(path: &str) -> scenario::Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(!text.contains("[check]"), "{path} has a [check] section");
    parse_str(&format!("{text}\n[check]\nconvergence = true\n"), path).unwrap()
}

#[test]
fn raft_replicas_converge_after_crashes() {
    let s = with_convergence("scenarios/raft-leader-crash.toml");
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let c = o.checks.iter().find(|c| c.name == "convergence").unwrap();
    assert_eq!(c.verdict, Verdict::Pass, "{c:?}");
    assert!(c.summary.contains("all 5 live replica(s)"), "{c:?}");
    // Every node exposes its state, with the digest of it.
    let digests: Vec<u64> = o
        .output
        .finals
        .iter()
        .map(|f| {
            let d = f.state_digest.unwrap();
            assert_eq!(Some(d), f.replica.as_ref().map(Store::digest));
            d
        })
        .collect();
    assert!(digests.windows(2).all(|w| w[0] == w[1]), "{digests:x?}");
    assert_eq!(o.verdict, Verdict::Pass);
}

#[test]
fn primary_backup_without_fencing_leaves_a_replica_diverged() {
    let s = scenario::load(std::path::Path::new(
        "scenarios/pb-unfenced-divergence.toml",
    ))
    .unwrap();
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let c = o.checks.iter().find(|c| c.name == "convergence").unwrap();
    assert_eq!(c.verdict, Verdict::Fail, "{c:?}");
    assert_eq!(
        c.witness,
        vec!["n2 and n3 have key 0 = 185, n1 has key 0 = 165"]
    );
    // The client-side checks see nothing: only convergence catches it.
    for name in ["durability", "linearizable", "liveness"] {
        let other = o.checks.iter().find(|c| c.name == name).unwrap();
        assert_eq!(other.verdict, Verdict::Pass, "{other:?}");
    }
    // With fencing on, the same schedule converges.
    let text = std::fs::read_to_string("scenarios/pb-unfenced-divergence.toml")
        .unwrap()
        .replace("fencing = false", "fencing = true");
    let fenced = parse_str(&text, "fenced.toml").unwrap();
    for seed in 1..=20 {
        let o = run_seed(&fenced, seed, Trace::hash_only()).unwrap();
        let c = o.checks.iter().find(|c| c.name == "convergence").unwrap();
        assert_eq!(c.verdict, Verdict::Pass, "seed {seed}: {c:?}");
    }
}

#[test]
fn the_check_is_off_by_default_and_needs_a_workload() {
    let s = scenario::load(std::path::Path::new("scenarios/raft-basics.toml")).unwrap();
    assert!(!plan(&s).unwrap().runs("convergence"));
    assert!(plan(&with_convergence("scenarios/raft-basics.toml"))
        .unwrap()
        .runs("convergence"));
    let phold = std::fs::read_to_string("scenarios/bench/phold.toml").unwrap();
    let s = parse_str(&format!("{phold}\n[check]\nconvergence = true\n"), "p.toml").unwrap();
    let e = plan(&s).unwrap_err().to_string();
    assert!(
        e.contains("check.convergence") && e.contains("needs a [workload]"),
        "{e}"
    );
}

#[test]
fn list_and_reports_show_the_check() {
    let list = std::process::Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("list")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("convergence")
                && l.contains("every replica that is up holds the same state")),
        "{text}"
    );
    let run = |json: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_faultline"));
        cmd.args(["run", "scenarios/pb-unfenced-divergence.toml"]);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(false);
    assert!(
        text.contains("convergence   FAIL    the 3 live replicas hold 2 different states")
            && text.contains("- n2 and n3 have key 0 = 185, n1 has key 0 = 165"),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&run(true)).unwrap();
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "convergence")
        .unwrap();
    assert_eq!(check["verdict"], "fail");
    assert_eq!(
        check["witness"][0],
        "n2 and n3 have key 0 = 185, n1 has key 0 = 165"
    );
}
