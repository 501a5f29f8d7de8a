//! `dynamo` end to end: the shipped scenarios land where their comments say on their pinned
//! seeds, quorum parameters that do not fit the cluster are refused naming the key, and the
//! teaching switches' safe twins hold.

use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario::{self, Scenario};
use std::path::Path;

fn load(path: &str) -> Scenario {
    scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// Names with their verdicts.
type Verdicts = Vec<(String, Verdict)>;

/// Each check's verdict, and each ladder model's, on `seed`.
fn verdicts(s: &Scenario, seed: u64) -> (Verdicts, Verdicts) {
    let o = run_seed(s, seed, Trace::hash_only()).unwrap();
    let checks = o
        .checks
        .iter()
        .map(|c| (c.name.to_string(), c.verdict))
        .collect();
    let ladder = o
        .checks
        .iter()
        .filter(|c| c.name == "ladder")
        .flat_map(|c| c.consistency.iter())
        .map(|m| (m.model.to_string(), m.verdict))
        .collect();
    (checks, ladder)
}

fn get(list: &[(String, Verdict)], name: &str) -> Verdict {
    list.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {name} in {list:?}"))
}

#[test]
fn r1w1_is_not_even_read_your_writes_on_seed_1() {
    let s = load("scenarios/dynamo-r1w1.toml");
    let (checks, ladder) = verdicts(&s, 1);
    assert_eq!(get(&checks, "linearizable"), Verdict::Fail);
    assert_eq!(get(&checks, "durability"), Verdict::Pass);
    for broken in [
        "linearizable",
        "sequential",
        "causal",
        "pram",
        "read-your-writes",
        "monotonic-reads",
    ] {
        assert_eq!(get(&ladder, broken), Verdict::Fail, "{broken}");
    }
    for held in [
        "writes-follow-reads",
        "monotonic-writes",
        "consistent-prefix",
    ] {
        assert_eq!(get(&ladder, held), Verdict::Pass, "{held}");
    }
}

#[test]
fn a_strict_quorum_without_read_repair_reads_stale_on_seed_1() {
    let s = load("scenarios/dynamo-stale-quorum-no-repair.toml");
    let (checks, ladder) = verdicts(&s, 1);
    assert_eq!(get(&checks, "linearizable"), Verdict::Fail);
    assert_eq!(get(&checks, "durability"), Verdict::Pass);
    assert_eq!(get(&ladder, "causal"), Verdict::Fail);
    assert_eq!(get(&ladder, "pram"), Verdict::Pass);
    // Its twin, on the same seed, is linearizable.
    let twin = load("scenarios/dynamo-stale-quorum-sync-repair.toml");
    let (checks, ladder) = verdicts(&twin, 1);
    assert_eq!(get(&checks, "linearizable"), Verdict::Pass);
    assert!(
        ladder.iter().all(|(_, v)| *v == Verdict::Pass),
        "{ladder:?}"
    );
}

#[test]
fn quorum_sizes_that_do_not_fit_are_refused_naming_the_key() {
    let base = "duration = \"1s\"\n[cluster]\nprotocol = \"dynamo\"\nnodes = 3\n[cluster.params]\n";
    for (params, key, phrase) in [
        (
            "n = 4\n",
            "cluster.params.n",
            "n = 4 is more than the 3 node(s)",
        ),
        ("r = 4\n", "cluster.params.r", "r = 4 is more than n = 3"),
        (
            "n = 2\nw = 3\n",
            "cluster.params.w",
            "w = 3 is more than n = 2",
        ),
        ("r = 0\n", "cluster.params.r", "at least 1"),
    ] {
        let e = scenario::parse_str(&format!("{base}{params}"), "bad.toml")
            .expect_err("refused")
            .to_string();
        assert!(e.contains(key), "{e}");
        assert!(e.contains(phrase), "{e}");
    }
    let ok = scenario::parse_str(&format!("{base}n = 3\nr = 3\nw = 1\n"), "ok.toml");
    assert!(ok.is_ok(), "{:?}", ok.err());
    // Dynamo serves reads and writes only: a cas workload is refused.
    let cas = format!("{base}[workload]\nmodel = \"cas-register\"\n");
    let e = scenario::parse_str(&cas, "bad.toml")
        .expect_err("refused")
        .to_string();
    assert!(e.contains("cas"), "{e}");
}

#[test]
fn lww_under_clock_skew_loses_acknowledged_writes_on_seed_1() {
    let s = load("scenarios/dynamo-lww-clock-skew.toml");
    let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
    let d = o.checks.iter().find(|c| c.name == "durability").unwrap();
    assert_eq!(d.verdict, Verdict::Fail);
    assert_eq!(d.witness.len(), 2, "{:?}", d.witness);
    assert!(
        d.witness[0].starts_with("write of 343 by process 4"),
        "{:?}",
        d.witness
    );
    assert!(d.witness[0].contains("the final read of key 3 returned 340"));
    let get = |name: &str| o.checks.iter().find(|c| c.name == name).unwrap().verdict;
    assert_eq!(get("linearizable"), Verdict::Fail);
    assert_eq!(
        get("convergence"),
        Verdict::Pass,
        "they agree, on the wrong value"
    );
    // Without the skew, the same seed keeps every write.
    let twin = load("scenarios/dynamo-lww-no-skew.toml");
    let o = run_seed(&twin, 1, Trace::hash_only()).unwrap();
    assert!(
        o.checks.iter().all(|c| c.verdict == Verdict::Pass),
        "{:?}",
        o.checks
            .iter()
            .map(|c| (c.name, c.verdict))
            .collect::<Vec<_>>()
    );
}

#[test]
fn sloppy_quorums_stay_available_and_read_stale_on_seed_1() {
    let s = load("scenarios/dynamo-sloppy-quorum.toml");
    let (checks, ladder) = verdicts(&s, 1);
    assert_eq!(get(&checks, "linearizable"), Verdict::Fail);
    assert_eq!(get(&ladder, "sequential"), Verdict::Fail);
    assert_eq!(get(&ladder, "causal"), Verdict::Pass);
    assert_eq!(get(&checks, "durability"), Verdict::Pass);
    let strict = load("scenarios/dynamo-strict-quorum-partition.toml");
    let (checks, ladder) = verdicts(&strict, 1);
    assert!(
        checks.iter().all(|(_, v)| *v == Verdict::Pass),
        "{checks:?}"
    );
    assert!(
        ladder.iter().all(|(_, v)| *v == Verdict::Pass),
        "{ladder:?}"
    );
}

/// The answer to "which models does dynamo with r + w > n and sync read repair keep under a
/// nemesis?": all of the ladder, linearizability included, plus durability and convergence
/// (5,000 seeds of dynamo-chaos.toml pass; this test sweeps a slice of them).
#[test]
fn quorums_with_sync_read_repair_keep_every_model_under_the_nemesis() {
    let s = load("scenarios/dynamo-chaos.toml");
    let swept = faultline::explore::sweep(&s, 1, 40, 2, &|_| {}).unwrap();
    let bad = swept.not_passing();
    assert!(bad.is_empty(), "{} seeds did not pass", bad.len());
    let (checks, ladder) = verdicts(&s, 7);
    for name in [
        "linearizable",
        "durability",
        "convergence",
        "liveness",
        "ladder",
    ] {
        assert_eq!(get(&checks, name), Verdict::Pass, "{name}");
    }
    assert_eq!(ladder.len(), 11, "{ladder:?}");
    assert!(
        ladder.iter().all(|(_, v)| *v == Verdict::Pass),
        "{ladder:?}"
    );
}

#[test]
fn version_vectors_keep_every_model_under_the_nemesis_too() {
    let text = std::fs::read_to_string("scenarios/dynamo-chaos.toml")
        .unwrap()
        .replace(
            "read_repair = \"sync\"",
            "read_repair = \"sync\"\nversioning = \"version-vector\"",
        );
    let s = scenario::parse_str(&text, "dynamo-chaos-vv.toml").unwrap();
    let swept = faultline::explore::sweep(&s, 1, 20, 2, &|_| {}).unwrap();
    assert!(swept.not_passing().is_empty());
}

/// The failure detector is pluggable: with the adaptive detectors the sloppy quorum still
/// finds stand-ins on both sides of the partition (and still reads stale); every detector
/// keeps the strict twin linearizable.
#[test]
fn every_failure_detector_drives_the_sloppy_quorum() {
    for detector in ["fixed", "heartbeat", "phi"] {
        let with = |path: &str, anchor: &str| {
            let text = std::fs::read_to_string(path).unwrap().replace(
                &format!("\n{anchor}\n"),
                &format!("\n{anchor}\ndetector = \"{detector}\"\n"),
            );
            assert!(text.contains("detector = "), "{path}: {anchor}");
            scenario::parse_str(&text, path).unwrap()
        };
        let sloppy = with(
            "scenarios/dynamo-sloppy-quorum.toml",
            "sloppy_quorum = true",
        );
        let o = run_seed(&sloppy, 1, Trace::hash_only()).unwrap();
        assert_eq!(o.verdict, Verdict::Fail, "{detector}");
        assert!(o.output.ops.ok > 400, "{detector}: {} ok", o.output.ops.ok);
        let strict = with(
            "scenarios/dynamo-strict-quorum-partition.toml",
            "sloppy_quorum = false",
        );
        let o = run_seed(&strict, 1, Trace::hash_only()).unwrap();
        assert_eq!(o.verdict, Verdict::Pass, "{detector}");
    }
}
