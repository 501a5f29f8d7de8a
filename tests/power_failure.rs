//! Whole-cluster faults: the `all` and `majority` targets, and a power failure (every node
//! crashed at once) against Raft, synchronous and asynchronous primary-backup.

mod support;

use faultline::check::Verdict;
use support::{check, run};

#[test]
fn a_power_failure_crashes_every_node_at_once() {
    let o = run("scenarios/raft-power-failure.toml", 1);
    let crashes: Vec<_> = o
        .output
        .faults
        .iter()
        .filter(|f| f.what.starts_with("crash"))
        .collect();
    assert_eq!(crashes.len(), 2);
    assert!(
        crashes[0].what.contains("n1,n2,n3,n4,n5"),
        "{}",
        crashes[0].what
    );
    let restarts = o
        .output
        .faults
        .iter()
        .filter(|f| f.what.starts_with("restart"))
        .count();
    assert_eq!(restarts, 10, "every node restarts after each failure");
    assert_eq!(o.verdict, Verdict::Pass);
}

#[test]
fn an_asynchronous_primary_loses_acknowledged_writes_in_a_power_failure() {
    let o = run("scenarios/pb-async-power-failure.toml", 1);
    let (verdict, witness) = check(&o, "linearizable");
    assert_eq!(verdict, Verdict::Fail);
    assert!(witness[0].contains("was overwritten"), "{witness:?}");
    for seed in 1..=10 {
        assert_eq!(
            run("scenarios/pb-sync-power-failure.toml", seed).verdict,
            Verdict::Pass,
            "sync, seed {seed}"
        );
    }
}

#[test]
fn a_majority_target_takes_more_than_half() {
    let text = std::fs::read_to_string("scenarios/raft-power-failure.toml")
        .unwrap()
        .replace("target = \"all\"", "target = \"majority\"");
    let s = faultline::scenario::parse_str(&text, "majority.toml").unwrap();
    let o = faultline::explore::run_seed(&s, 1, faultline::des::trace::Trace::hash_only()).unwrap();
    for f in o
        .output
        .faults
        .iter()
        .filter(|f| f.what.starts_with("crash"))
    {
        let nodes = f.what.split_whitespace().nth(1).unwrap().split(',').count();
        assert_eq!(nodes, 3, "{}", f.what);
    }
    // A majority down stops a Raft cluster but loses nothing.
    assert_eq!(o.verdict, Verdict::Pass);
}

#[test]
fn the_nemesis_draws_power_failures() {
    let text = std::fs::read_to_string("scenarios/raft-power-failure.toml").unwrap();
    let start = text.find("[[faults]]").unwrap();
    let text = format!(
        "{}[nemesis]\nkinds = [\"power\"]\ninterval = [\"1s\", \"2s\"]\nduration = [\"100ms\", \"400ms\"]\n",
        &text[..start]
    );
    let s = faultline::scenario::parse_str(&text, "power.toml").unwrap();
    let o = faultline::explore::run_seed(&s, 1, faultline::des::trace::Trace::hash_only()).unwrap();
    let crashes: Vec<_> = o
        .output
        .faults
        .iter()
        .filter(|f| f.source == "nemesis" && f.what.starts_with("crash"))
        .collect();
    assert!(!crashes.is_empty());
    assert!(crashes.iter().all(|f| f.what.contains("n1,n2,n3,n4,n5")));
    assert_eq!(o.verdict, Verdict::Pass);
}
