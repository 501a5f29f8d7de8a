//! The isolation checker on simulated runs: correct protocols never fail it (list-append and
//! rw-register, through crashes and partitions, over many seeds), and each teaching scenario
//! fails the levels its comment says and no others, passing once its switch is turned off.

use faultline::check::{CheckResult, Verdict};
use faultline::des::trace::Trace;
use faultline::explore::{run_seed, sweep, Outcome};
use faultline::scenario::{self, Scenario};
use std::path::Path;

fn load(path: &str) -> Scenario {
    scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

fn isolation(o: &Outcome) -> &CheckResult {
    o.checks
        .iter()
        .find(|c| c.name == "isolation")
        .expect("the isolation check ran")
}

fn level(c: &CheckResult, name: &str) -> Verdict {
    c.consistency
        .iter()
        .find(|m| m.model == name)
        .unwrap_or_else(|| panic!("level {name} decided"))
        .verdict
}

/// The scenario file's text with `from` replaced by `to`, parsed.
fn variant(path: &str, from: &str, to: &str) -> Scenario {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{path} has `{from}`");
    scenario::parse_str(&text.replace(from, to), path).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_every_seed_passes(s: &Scenario, seeds: u64) {
    let r = sweep(s, 1, seeds, 2, &|_| {}).unwrap();
    assert_eq!(
        (r.pass, r.fail, r.unknown),
        (seeds, 0, 0),
        "{} ({}): first failing seed {:?}",
        s.path,
        s.workload.as_ref().unwrap().kind.name(),
        r.failed.first().map(|f| f.seed)
    );
}

#[test]
fn correct_protocols_never_fail_isolation() {
    for path in [
        "scenarios/raft-list-append.toml",
        "scenarios/pb-list-append.toml",
    ] {
        let s = load(path);
        let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
        let c = isolation(&o);
        assert_eq!(c.consistency.len(), 6, "{path}: every level asked for");
        assert!(
            c.consistency.iter().all(|m| m.verdict == Verdict::Pass),
            "{path}: {c:?}"
        );
        assert_every_seed_passes(&s, 40);
        // The same clusters with Elle's rw-register workload.
        let rw = variant(path, "model = \"list-append\"", "model = \"rw-register\"");
        assert_every_seed_passes(&rw, 20);
    }
}

#[test]
fn local_reads_keep_serializability_but_break_strict_serializability() {
    let s = load("scenarios/raft-local-read-list-append.toml");
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let c = isolation(&o);
    assert_eq!(level(c, "serializable"), Verdict::Pass);
    assert_eq!(level(c, "strict-serializable"), Verdict::Fail);
    let witness = c.consistency[1].witness.as_ref().unwrap();
    assert_eq!(witness.anomaly, "G-single-item-realtime");
    assert!(witness.cycle.iter().any(|e| e.rel == "realtime"));
    assert!(witness.cycle.iter().any(|e| e.rel == "rw"));
    // On every one of the first 20 seeds that fails, it fails on real time alone.
    for seed in 1..=20 {
        let o = run_seed(&s, seed, Trace::hash_only()).unwrap();
        assert_eq!(
            level(isolation(&o), "serializable"),
            Verdict::Pass,
            "seed {seed}"
        );
    }
    let fixed = variant(
        "scenarios/raft-local-read-list-append.toml",
        "read_mode = \"local\"",
        "read_mode = \"read-index\"",
    );
    let o = run_seed(&fixed, s.seed, Trace::hash_only()).unwrap();
    assert!(isolation(&o)
        .consistency
        .iter()
        .all(|m| m.verdict == Verdict::Pass));
}

#[test]
fn async_failover_loses_appends_and_the_history_shows_it() {
    let s = load("scenarios/pb-async-list-append.toml");
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let c = isolation(&o);
    assert_eq!(level(c, "read-uncommitted"), Verdict::Pass);
    assert_eq!(level(c, "read-committed"), Verdict::Fail);
    let witness = c.consistency[1].witness.as_ref().unwrap();
    assert_eq!(witness.anomaly, "incompatible-order");
    let durability = o.checks.iter().find(|c| c.name == "durability").unwrap();
    assert_eq!(
        durability.verdict,
        Verdict::Fail,
        "the lost appends are named too"
    );
    let r = sweep(&s, 1, 20, 2, &|_| {}).unwrap();
    assert!(r.fail >= 15, "{} of 20 seeds fail", r.fail);
    let fixed = variant(
        "scenarios/pb-async-list-append.toml",
        "replication = \"async\"",
        "replication = \"sync\"",
    );
    let o = run_seed(&fixed, s.seed, Trace::hash_only()).unwrap();
    assert_eq!(o.verdict, Verdict::Pass);
}

#[test]
fn consistency_mistakes_are_scenario_errors() {
    let base = std::fs::read_to_string("scenarios/raft-list-append.toml").unwrap();
    let plan = |text: &str| {
        let s = scenario::parse_str(text, "x.toml").unwrap();
        faultline::check::plan(&s)
            .map(|_| ())
            .unwrap_err()
            .to_string()
    };
    let e = plan(&base.replace(
        "consistency = [\"all\"]",
        "consistency = [\"serialisable\"]",
    ));
    assert!(
        e.contains("check.consistency") && e.contains("unknown consistency model `serialisable`"),
        "{e}"
    );
    let e = plan(&base.replace(
        "consistency = [\"all\"]",
        "consistency = [\"all\"]\nisolation = false",
    ));
    assert!(e.contains("switched off"), "{e}");
    let register = std::fs::read_to_string("scenarios/raft-basics.toml").unwrap();
    let e = plan(&format!(
        "{register}\n[check]\nconsistency = [\"serializable\"]\n"
    ));
    assert!(e.contains("list-append or rw-register"), "{e}");
}
