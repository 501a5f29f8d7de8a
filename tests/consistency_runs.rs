//! The consistency ladder on simulated runs: each shipped scenario that teaches a rung lands
//! where its comments say, on its own seed (`[check] consistency = ["all"]`).

use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;

/// The ladder's verdict on each model for the scenario at `path`, on its seed.
fn ladder(path: &str) -> Vec<(String, Verdict)> {
    let s = scenario::load(std::path::Path::new(path)).unwrap();
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let check = o
        .checks
        .iter()
        .find(|c| c.name == "ladder")
        .expect("the ladder ran");
    check
        .consistency
        .iter()
        .map(|m| (m.model.to_string(), m.verdict))
        .collect()
}

fn verdict(l: &[(String, Verdict)], model: &str) -> Verdict {
    l.iter()
        .find(|(m, _)| m == model)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {model} in {l:?}"))
}

#[test]
fn raft_local_reads_are_sequential_not_linearizable() {
    let l = ladder("scenarios/raft-local-read-sequential.toml");
    assert_eq!(verdict(&l, "linearizable"), Verdict::Fail);
    for m in [
        "sequential",
        "causal",
        "causal-ccv",
        "pram",
        "read-your-writes",
        "monotonic-reads",
        "consistent-prefix",
    ] {
        assert_eq!(verdict(&l, m), Verdict::Pass, "{m}");
    }
}

#[test]
fn async_primary_backup_breaks_read_your_writes() {
    let l = ladder("scenarios/pb-async-session-guarantees.toml");
    for m in ["read-your-writes", "pram", "causal", "sequential"] {
        assert_eq!(verdict(&l, m), Verdict::Fail, "{m}");
    }
    for m in [
        "monotonic-reads",
        "monotonic-writes",
        "writes-follow-reads",
        "consistent-prefix",
    ] {
        assert_eq!(verdict(&l, m), Verdict::Pass, "{m}");
    }
}

#[test]
fn async_primary_backup_can_be_causal_but_not_sequential() {
    let l = ladder("scenarios/pb-async-causal-not-sequential.toml");
    assert_eq!(verdict(&l, "sequential"), Verdict::Fail);
    for m in [
        "causal",
        "causal-ccv",
        "causal-cc",
        "pram",
        "writes-follow-reads",
    ] {
        assert_eq!(verdict(&l, m), Verdict::Pass, "{m}");
    }
}
