//! Primary-backup end to end: the teaching switches reach their anomalies on named seeds,
//! and the durability check names the lost writes.

use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::{run_seed, sweep};
use faultline::scenario::{self, Scenario};
use std::path::Path;

fn load(path: &str) -> Scenario {
    scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

fn durability_witness(s: &Scenario, seed: u64) -> (Verdict, Vec<String>) {
    let o = run_seed(s, seed, Trace::hash_only()).unwrap();
    let d = o
        .checks
        .iter()
        .find(|c| c.name == "durability")
        .expect("durability runs");
    (d.verdict, d.witness.clone())
}

#[test]
fn async_replication_loses_a_named_acknowledged_write_on_seed_1() {
    let s = load("scenarios/pb-async-lost-write.toml");
    let (verdict, witness) = durability_witness(&s, 1);
    assert_eq!(verdict, Verdict::Fail);
    assert_eq!(witness.len(), 1, "{witness:?}");
    assert!(
        witness[0].starts_with("write of 591 by process 3"),
        "{witness:?}"
    );
    assert!(
        witness[0].contains("is lost: the final read of key 17 returned 532"),
        "{witness:?}"
    );
}

#[test]
fn explore_finds_async_losses_within_a_few_seeds() {
    let s = load("scenarios/pb-async-lost-write.toml");
    let swept = sweep(&s, 1, 20, 2, &|_| {}).unwrap();
    let results = swept.not_passing();
    let failing = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .count();
    assert!(failing >= 5, "only {failing} of 20 seeds lost a write");
}

#[test]
fn the_same_scenario_with_sync_replication_loses_nothing() {
    let text = std::fs::read_to_string("scenarios/pb-async-lost-write.toml")
        .unwrap()
        .replace("\"async\"", "\"sync\"");
    let s = scenario::parse_str(&text, "pb-sync-variant.toml").unwrap();
    let swept = sweep(&s, 1, 100, 2, &|_| {}).unwrap();
    let results = swept.not_passing();
    assert!(
        results.iter().all(|r| r.verdict == Verdict::Pass),
        "{:?}",
        results.iter().find(|r| r.verdict != Verdict::Pass)
    );
}

#[test]
fn split_brain_without_fencing_loses_writes_acknowledged_by_the_old_primary() {
    let s = load("scenarios/pb-split-brain.toml");
    let (verdict, witness) = durability_witness(&s, 1);
    assert_eq!(verdict, Verdict::Fail);
    assert!(!witness.is_empty());
    // The lost writes were acknowledged during the partition (2s..4s).
    assert!(witness.iter().all(|w| w.contains("is lost")), "{witness:?}");
}

#[test]
fn fencing_makes_the_isolated_side_unavailable_instead() {
    let fenced = run_seed(
        &load("scenarios/pb-split-brain-fenced.toml"),
        1,
        Trace::hash_only(),
    )
    .unwrap();
    let unfenced = run_seed(
        &load("scenarios/pb-split-brain.toml"),
        1,
        Trace::hash_only(),
    )
    .unwrap();
    assert_eq!(fenced.verdict, Verdict::Pass);
    // CP: fewer successful operations while partitioned, but none lost.
    assert!(fenced.output.ops.ok < unfenced.output.ops.ok);
    assert!(fenced.output.ops.fail + fenced.output.ops.info > 0);
}

#[test]
fn the_async_failing_seed_is_not_linearizable_and_the_witness_names_the_lost_write() {
    let o = run_seed(
        &load("scenarios/pb-async-lost-write.toml"),
        1,
        Trace::hash_only(),
    )
    .unwrap();
    let lin = o
        .checks
        .iter()
        .find(|c| c.name == "linearizable")
        .expect("linearizable runs by default");
    assert_eq!(lin.verdict, Verdict::Fail);
    assert!(
        lin.summary.contains("key 17") && lin.summary.contains("591"),
        "{}",
        lin.summary
    );
}
