//! Raft end to end: the chaos scenario over many seeds with every switch off (no invariant,
//! linearizability, durability or liveness failure), the same under other read modes and with
//! pre-vote and check-quorum off, and the CP picture of a partition (per-side availability).

use faultline::check::availability::availability;
use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::{run_seed, sweep};
use faultline::report::json_report;
use faultline::scenario::{self, Scenario};
use std::path::Path;

fn load(path: &str) -> Scenario {
    scenario::load(Path::new(path)).unwrap()
}

/// `path` with `[cluster.params]` set to `params` (TOML lines).
fn with_params(path: &str, params: &str) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replace(
        "protocol = \"raft\"\nnodes = 5\n",
        &format!("protocol = \"raft\"\nnodes = 5\n\n[cluster.params]\n{params}\n"),
    );
    assert!(
        text.contains("[cluster.params]"),
        "{path} has no raft cluster"
    );
    scenario::parse_str(&text, path).unwrap()
}

fn assert_all_pass(s: &Scenario, seeds: u64) {
    let swept = sweep(s, 1, seeds, 2, &|_| {}).unwrap();
    let results = swept.not_passing();
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| format!("seed {}: {:?}", r.seed, r.problems))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn chaos_with_every_switch_off_passes_every_check() {
    let s = load("scenarios/raft-chaos.toml");
    assert_all_pass(&s, 300);
    // The seeds exercised what they claim to: every nemesis kind, retries and elections.
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 1..=30 {
        let o = run_seed(&s, seed, Trace::hash_only()).unwrap();
        let names: Vec<&str> = o.checks.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "engine",
                "invariants",
                "durability",
                "committed-log",
                "liveness",
                "linearizable"
            ]
        );
        for f in o.output.faults.iter().filter(|f| f.source == "nemesis") {
            kinds.insert(f.what.split(' ').next().unwrap().to_string());
        }
    }
    // (The nemesis partitions by isolating a random minority.)
    for k in [
        "isolate", "crash", "restart", "pause", "clock", "degrade", "heal",
    ] {
        assert!(kinds.contains(k), "{k} never injected: {kinds:?}");
    }
}

#[test]
fn other_safe_configurations_pass_too() {
    for params in [
        "read_mode = \"log\"",
        "read_mode = \"lease\"",
        "pre_vote = false\ncheck_quorum = false",
        "max_batch = 1",
    ] {
        let s = with_params("scenarios/raft-chaos.toml", params);
        assert_all_pass(&s, 60);
    }
}

#[test]
fn a_partition_leaves_the_minority_unavailable_and_the_majority_available() {
    let s = load("scenarios/raft-partitions.toml");
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    assert_eq!(o.verdict, Verdict::Pass);
    let (windows, outside) = availability(&o.output);
    assert_eq!(windows.len(), 2, "{windows:?}");
    for w in &windows {
        assert_eq!(w.sides.len(), 2);
        for side in &w.sides {
            let pct = side.ok * 100 / side.total.max(1);
            if side.nodes.len() >= 3 {
                assert!(pct >= 90, "majority side {side:?}");
            } else {
                assert!(pct <= 20, "minority side {side:?}");
            }
        }
    }
    assert!(outside.0 * 100 / outside.1 >= 90, "{outside:?}");
    let json = json_report(&s, &o);
    assert_eq!(
        json["availability"]["partitions"].as_array().unwrap().len(),
        2
    );
}

#[test]
fn split_votes_resolve_with_pre_vote_on() {
    // Regression: a candidate whose election timed out ran pre-vote rounds whose grants it
    // then ignored (it was still a candidate), so a split vote never resolved. Seed 16 of
    // this 3-node scenario splits the first vote three ways.
    let text = std::fs::read_to_string("scenarios/raft-no-dedup.toml").unwrap();
    let text = text.replace("no_dedup = true", "no_dedup = false");
    let s = scenario::parse_str(&text, "raft-no-dedup.toml").unwrap();
    for seed in [16, 24, 50, 109, 122, 141, 199] {
        let o = run_seed(&s, seed, Trace::hash_only()).unwrap();
        assert_eq!(o.verdict, Verdict::Pass, "seed {seed}: {:?}", o.checks);
        assert!(
            o.output.ops.ok > 100,
            "seed {seed}: the cluster served requests"
        );
    }
}

#[test]
fn the_runs_linearizability_check_is_bounded_by_a_state_count() {
    // faultline's clients write unique values, so a kv run is decided without search and
    // the state limit never applies to it.
    let text = std::fs::read_to_string("scenarios/raft-basics.toml").unwrap();
    let limited = format!("{text}\n[limits]\ncheck_states = 3\n");
    let s = scenario::parse_str(&limited, "t.toml").unwrap();
    let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
    let lin = o.checks.iter().find(|c| c.name == "linearizable").unwrap();
    assert_eq!(lin.verdict, Verdict::Pass, "{lin:?}");
    assert!(lin.summary.contains("decided without search"), "{lin:?}");
    // A set workload needs the search, which the limit stops.
    let set = limited.replace(
        "model = \"kv\"\nclients = 5\nkeys = 8\nread = 2\nwrite = 2\ncas = 1",
        "model = \"set\"\nclients = 5",
    );
    let s = scenario::parse_str(&set, "t.toml").unwrap();
    let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
    let lin = o.checks.iter().find(|c| c.name == "linearizable").unwrap();
    assert_eq!(lin.verdict, Verdict::Unknown, "{lin:?}");
    assert!(lin.summary.contains("limit of 3 stored states"), "{lin:?}");
    assert_eq!(o.verdict, Verdict::Unknown);
}
