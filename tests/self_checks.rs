//! The engine's self-checks hold across 1,000 seeds of a scenario with loss, duplication,
//! reordering, partitions, crashes, pauses, clock jumps and drift; and the correct
//! primary-backup configuration never loses an acknowledged write over 500 seeds.

use faultline::check::{self, Verdict};
use faultline::des::trace::Trace;
use faultline::explore::{run_seed, sweep};
use faultline::scenario;
use std::path::Path;

#[test]
fn engine_invariants_hold_over_1000_chaotic_seeds() {
    let s = scenario::load(Path::new("scenarios/pb-chaos.toml")).unwrap();
    let mut totals = [0u64; 6];
    for seed in 1..=1000 {
        let o = run_seed(&s, seed, Trace::hash_only()).unwrap();
        let engine = check::check_engine(&o.output);
        assert_eq!(
            engine.verdict,
            Verdict::Pass,
            "seed {seed}: {:?}",
            engine.witness
        );
        let n = &o.output.net;
        for (t, v) in totals.iter_mut().zip([
            n.dropped_loss,
            n.duplicated,
            n.dropped_cut,
            n.dropped_crashed,
            n.clock_jumps,
            n.delivered,
        ]) {
            *t += v;
        }
        let kinds: Vec<&str> = o
            .output
            .faults
            .iter()
            .map(|f| f.what.split(' ').next().unwrap())
            .collect();
        assert!(
            kinds.contains(&"end"),
            "seed {seed}: the end-of-workload heal fired"
        );
    }
    // The seeds really exercised every fault path the self-checks guard.
    assert!(
        totals.iter().all(|t| *t > 0),
        "loss, dup, cut, crashed, jumps, delivered: {totals:?}"
    );
}

#[test]
fn nemesis_injects_every_kind() {
    let s = scenario::load(Path::new("scenarios/pb-chaos.toml")).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 1..=50 {
        let o = run_seed(&s, seed, Trace::hash_only()).unwrap();
        for f in o.output.faults.iter().filter(|f| f.source == "nemesis") {
            seen.insert(f.what.split(' ').next().unwrap().to_string());
        }
    }
    for kind in [
        "isolate", "crash", "pause", "clock", "degrade", "heal", "restart", "resume",
    ] {
        assert!(seen.contains(kind), "nemesis never did `{kind}`: {seen:?}");
    }
}

fn never_loses_a_write(path: &str, seeds: u64) {
    let s = scenario::load(Path::new(path)).unwrap();
    let swept = sweep(&s, 1, seeds, 2, &|_| {}).unwrap();
    let results = swept.not_passing();
    let bad: Vec<_> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| (r.seed, r.problems.clone()))
        .collect();
    assert!(bad.is_empty(), "{path}: {bad:?}");
}

#[test]
fn sync_primary_backup_never_loses_an_acknowledged_write() {
    never_loses_a_write("scenarios/pb-sync-crashes.toml", 500);
}

#[test]
fn fenced_primary_backup_never_loses_an_acknowledged_write() {
    never_loses_a_write("scenarios/pb-split-brain-fenced.toml", 500);
}
