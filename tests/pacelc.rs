//! PACELC's else-branch on dynamo (scenarios/dynamo-pacelc-*.toml): with no partition, waiting
//! for more replicas costs latency and buys consistency. Seed 1 of each, as the lesson's table
//! (docs/lessons/cap-and-quorums.md) says.

use faultline::check::Verdict;
use faultline::des::time::{Nanos, MILLIS};
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::report::percentiles;
use faultline::scenario;

/// (p50 latency, p99 latency, the ladder's strongest models) of the scenario on its seed.
fn run(name: &str) -> (Nanos, Nanos, String, Verdict) {
    let path = format!("scenarios/dynamo-pacelc-{name}.toml");
    let s = scenario::load(std::path::Path::new(&path)).unwrap();
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let lat = percentiles(&o.output.ops.ok_latencies);
    let ladder = o.checks.iter().find(|c| c.name == "ladder").unwrap();
    let convergence = o.checks.iter().find(|c| c.name == "convergence").unwrap();
    assert_eq!(
        convergence.verdict,
        Verdict::Pass,
        "{name}: replicas converge"
    );
    (lat.p50, lat.p99, ladder.summary.clone(), o.verdict)
}

#[test]
fn waiting_for_more_replicas_costs_latency_and_buys_consistency() {
    let one = run("one");
    let quorum = run("quorum");
    let all = run("all");
    // r = w = 1: the replica beside the client answers; fast, and not sequential.
    assert!(one.1 <= 5 * MILLIS, "{one:?}");
    assert!(one.2.contains("weakest that breaks: sequential"), "{one:?}");
    assert!(one.2.contains("causal"), "{one:?}");
    assert_eq!(one.3, Verdict::Fail);
    // r = w = 2 and r = w = 3: linearizable, and each step slower.
    for (name, r) in [("quorum", &quorum), ("all", &all)] {
        assert!(
            r.2.starts_with("strongest that holds: linearizable"),
            "{name}: {r:?}"
        );
        assert_eq!(r.3, Verdict::Pass, "{name}");
    }
    assert!(
        one.0 < quorum.0 && quorum.0 < all.0,
        "{one:?} {quorum:?} {all:?}"
    );
    assert!(
        one.1 < quorum.1 && quorum.1 < all.1,
        "{one:?} {quorum:?} {all:?}"
    );
}
