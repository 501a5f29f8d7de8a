//! Gossip membership (scenarios/gossip-membership-*.toml): three of eight nodes die for good;
//! without a failure detector a share of every round goes to them and a short settle ends
//! before every live replica caught up; with one (fixed, heartbeat or phi) each node draws
//! its partners from the peers it trusts, reports its suspicions, and the replicas converge.

use faultline::check::detection::detection;
use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::{run_seed, sweep};
use faultline::scenario::{self, Scenario};

mod support;
use support::{check, load, run};

const PHI: &str = "scenarios/gossip-membership-phi.toml";

/// The phi scenario with `detector = "<kind>"` instead.
fn with_detector(kind: &str) -> Scenario {
    let text = std::fs::read_to_string(PHI).unwrap();
    let changed = text.replace("detector = \"phi\"", &format!("detector = \"{kind}\""));
    assert!(kind == "phi" || text != changed);
    scenario::parse_str(&changed, PHI).unwrap()
}

#[test]
fn without_membership_a_lagging_replica_fails_convergence_on_seed_8() {
    let o = run("scenarios/gossip-membership-none.toml", 8);
    assert_eq!(o.verdict, Verdict::Fail);
    let (c, cw) = check(&o, "convergence");
    assert_eq!(c, Verdict::Fail);
    let summary = &o
        .checks
        .iter()
        .find(|c| c.name == "convergence")
        .unwrap()
        .summary;
    assert!(
        summary.contains("hold 2 different states") && summary.contains("n4 "),
        "{summary}"
    );
    assert!(!cw.is_empty());
    assert!(o.output.suspicions.is_empty(), "no detector, no suspicions");
}

#[test]
fn every_detector_converges_and_reports_the_three_crashes() {
    for kind in ["fixed", "heartbeat", "phi"] {
        let s = with_detector(kind);
        for seed in 8..=17 {
            let o = run_seed(&s, seed, Trace::hash_only()).unwrap();
            assert_eq!(o.verdict, Verdict::Pass, "{kind} seed {seed}");
            let d = detection(&o.output);
            assert_eq!(
                d.crash_detection_ns.len(),
                3,
                "{kind} seed {seed}: every crash suspected"
            );
            assert_eq!(
                d.of_cut_off + d.of_paused,
                0,
                "{kind}: no partitions or pauses"
            );
        }
    }
    // Seed 8 as the phi scenario's header reports it.
    let d = detection(&run(PHI, 8).output);
    let mean = d.mean_detection().unwrap();
    assert_eq!(mean / 1_000_000, 318, "{d:?}");
    assert_eq!(d.of_up, 28, "{d:?}");
}

#[test]
fn membership_turns_a_share_of_failures_into_none() {
    let none = load("scenarios/gossip-membership-none.toml");
    let phi = load(PHI);
    let quiet = |_: &faultline::explore::SeedResult| {};
    let a = sweep(&none, 8, 60, 1, &quiet).unwrap();
    let b = sweep(&phi, 8, 60, 1, &quiet).unwrap();
    assert_eq!(a.fail, 11, "without membership: {} of 60 fail", a.fail);
    assert_eq!(b.fail, 0, "with phi membership: {} of 60 fail", b.fail);
}
