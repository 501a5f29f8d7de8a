//! Client patterns end to end: the capacity model (`[cluster] service_time`, `queue_limit`),
//! retries with exponential backoff and jitter, idempotency keys, the circuit breaker, and the
//! `recovery` check that tells a metastable retry storm from a brief outage.

mod support;

use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::{run_seed, Outcome};
use faultline::scenario::{parse_str, Scenario};
use support::{check, load, run};

const STORM: &str = "scenarios/raft-retry-storm.toml";

fn run_scenario(s: &Scenario, seed: u64) -> Outcome {
    run_seed(s, seed, Trace::hash_only()).unwrap()
}

/// Requests sent per operation, over the run.
fn sends_per_op(o: &Outcome) -> f64 {
    o.output.ops.sends as f64 / o.output.ops.outcomes.len() as f64
}

#[test]
fn a_retry_storm_outlasts_the_pause_that_started_it() {
    let o = run(STORM, 1);
    let (verdict, witness) = check(&o, "recovery");
    assert_eq!(verdict, Verdict::Fail);
    assert!(witness[0].starts_with("% answered per "), "{witness:?}");
    assert!(
        witness
            .iter()
            .any(|w| w.contains("after their client had stopped waiting")),
        "{witness:?}"
    );
    // The storm is not an outage: final reads succeed, and nothing is inconsistent.
    assert_eq!(check(&o, "liveness").0, Verdict::Pass);
    assert_eq!(check(&o, "linearizable").0, Verdict::Pass);
    assert!(sends_per_op(&o) > 10.0, "{} sends per op", sends_per_op(&o));
    assert!(
        o.output.net.served_stale * 4 > o.output.net.served,
        "{:?}",
        o.output.net
    );
}

#[test]
fn without_the_pause_the_same_load_is_healthy() {
    let mut s = load(STORM);
    s.faults.clear();
    for seed in 1..=20 {
        let o = run_scenario(&s, seed);
        assert_eq!(check(&o, "recovery").0, Verdict::Pass, "seed {seed}");
    }
}

#[test]
fn backoff_with_jitter_lets_the_queue_drain() {
    let storm = run(STORM, 1);
    let o = run("scenarios/raft-retry-backoff.toml", 1);
    assert_eq!(check(&o, "recovery").0, Verdict::Pass);
    let (fixed, stormy) = (sends_per_op(&o), sends_per_op(&storm));
    assert!(
        fixed * 2.0 < stormy,
        "{fixed} vs {stormy} sends per operation"
    );
    assert!(o.output.ops.resends > 0, "clients did retry");
}

#[test]
fn an_open_breaker_fails_operations_without_sending_them() {
    // The storm's clients with a breaker that opens on one unanswered operation for 500 ms.
    let text = std::fs::read_to_string(STORM).unwrap().replace(
        "max_redirects = 20\n",
        "max_redirects = 20\nbreaker = 1\nbreaker_open = \"500ms\"\n",
    );
    let s = parse_str(&text, STORM).unwrap();
    let o = run_scenario(&s, 1);
    let ops = &o.output.ops;
    assert!(ops.breaker_fast_fails > 0);
    // A fast failure is a `fail` in the history with no node, invoked and failed at once.
    let h = &o.output.history.ops;
    let fast = |op: &&faultline::history::Op| {
        op.kind == faultline::history::OpType::Fail && op.node.is_none()
    };
    let fails = h.iter().filter(fast).count() as u64;
    assert_eq!(fails, ops.breaker_fast_fails);
    // Breakers close again: operations are answered after the last fast failure.
    let last = h.iter().filter(fast).map(|op| op.time).max().unwrap();
    assert!(h
        .iter()
        .any(|op| op.kind == faultline::history::OpType::Ok && op.time > last));
    assert!(o.output.ops.sends < run(STORM, 1).output.ops.sends);
}

#[test]
fn retries_without_idempotency_keys_apply_an_increment_twice() {
    let o = run("scenarios/raft-retry-duplicates.toml", 1);
    let (verdict, witness) = check(&o, "linearizable");
    assert_eq!(verdict, Verdict::Fail, "{witness:?}");
    assert_eq!(check(&o, "durability").0, Verdict::Fail);
    assert_eq!(check(&o, "invariants").0, Verdict::Pass);
    let fixed = run("scenarios/raft-retry-idempotency-keys.toml", 1);
    assert_eq!(check(&fixed, "linearizable").0, Verdict::Pass);
    assert_eq!(check(&fixed, "durability").0, Verdict::Pass);
}

const SMALL: &str = r#"
duration = "3s"
[cluster]
protocol = "raft"
nodes = 3
service_time = "20ms"
queue_limit = 2
[workload]
model = "kv"
clients = 12
timeout = "1s"
[check]
recovery = true
"#;

#[test]
fn a_full_queue_turns_requests_away() {
    let s = parse_str(SMALL, "small.toml").unwrap();
    let o = run_scenario(&s, 1);
    assert!(o.output.net.overloaded > 0, "{:?}", o.output.net);
    assert_eq!(
        o.output.net.overloaded, o.output.ops.overloaded,
        "every turn-away reaches its client"
    );
    assert!(o.output.net.served > 0);
    // Turned away unexecuted: no retry policy, so the operation fails at once.
    assert!(o.output.ops.fail > 0);
    assert_eq!(check(&o, "linearizable").0, Verdict::Pass);
}

#[test]
fn a_node_serves_one_request_at_a_time() {
    // One closed-loop client on one node: no operation can complete faster than the service
    // time, and the node serves exactly the requests it was sent.
    let text = SMALL
        .replace("nodes = 3", "nodes = 1")
        .replace("clients = 12", "clients = 1")
        .replace("queue_limit = 2\n", "");
    let o = run_scenario(&parse_str(&text, "one.toml").unwrap(), 1);
    let lat = &o.output.ops.ok_latencies;
    assert!(!lat.is_empty());
    assert!(lat.iter().all(|&l| l >= 20_000_000), "{:?}", &lat[..5]);
    assert_eq!(o.output.net.served, o.output.ops.sends);
}

#[test]
fn same_seed_same_storm() {
    let (a, b) = (run(STORM, 7), run(STORM, 7));
    assert_eq!(a.output.trace_hash, b.output.trace_hash);
    let s = load("scenarios/raft-retry-backoff.toml");
    assert_eq!(
        run_scenario(&s, 3).output.trace_hash,
        run_scenario(&s, 3).output.trace_hash,
        "jitter is drawn from seeded streams"
    );
}

#[test]
fn recovery_is_unknown_without_time_after_the_last_fault() {
    let mut s = load(STORM);
    s.limits.recovery_window = s.duration;
    let o = run_scenario(&s, 1);
    let c = o.checks.iter().find(|c| c.name == "recovery").unwrap();
    assert_eq!(c.verdict, Verdict::Unknown);
    assert!(c.summary.contains("recovery_window"), "{}", c.summary);
}
