//! Gossip end to end: each teaching scenario fails on its pinned seed with the checker and
//! witness its header names, and the safe twins pass a sweep of seeds.

use faultline::check::Verdict;
use faultline::explore::sweep;
use faultline::scenario;

mod support;
use support::{check, load, run};

#[test]
fn plain_counters_lose_increments_on_seed_1() {
    let o = run("scenarios/gossip-plain-counter.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (d, dw) = check(&o, "durability");
    assert_eq!(d, Verdict::Fail);
    assert!(
        dw[0].contains("the final read of key 0 returned 78, less than the 121 the acknowledged additions make"),
        "{dw:?}"
    );
    let (c, cw) = check(&o, "convergence");
    assert_eq!(c, Verdict::Fail);
    assert!(
        cw[0].starts_with("key 0 is 78 on n1, n2, n3, n4 and n5, less than the 121"),
        "the replicas agree, on a count that lost increments: {cw:?}"
    );
}

#[test]
fn additive_merge_double_counts_on_seed_1() {
    let o = run("scenarios/gossip-additive-merge.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (d, dw) = check(&o, "durability");
    assert_eq!(d, Verdict::Fail);
    assert!(
        dw[0].contains("more than the 121 every addition that may have happened makes"),
        "{dw:?}"
    );
    assert_eq!(check(&o, "convergence").0, Verdict::Fail);
}

#[test]
fn lww_under_clock_skew_loses_an_acknowledged_write_on_seed_1() {
    let o = run("scenarios/gossip-lww-skew.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (d, dw) = check(&o, "durability");
    assert_eq!(d, Verdict::Fail);
    assert!(
        dw[0].starts_with("write of 1011 by process 3")
            && dw[0].contains("is lost: the final read of key 0 returned 1009, from the earlier write of 1009 by process 0"),
        "{dw:?}"
    );
    let (l, lw) = check(&o, "ladder");
    assert_eq!(l, Verdict::Fail);
    assert!(lw.iter().any(|w| w.contains("causal-ccv breaks")), "{lw:?}");
    assert_eq!(
        check(&o, "convergence").0,
        Verdict::Pass,
        "the replicas agree: convergence is not durability"
    );
}

#[test]
fn the_safe_twins_pass_a_sweep_of_seeds() {
    for path in [
        "scenarios/gossip-counter.toml",
        "scenarios/gossip-lww.toml",
        "scenarios/gossip-chaos.toml",
    ] {
        let swept = sweep(&load(path), 1, 40, 2, &|_| {}).unwrap();
        let bad = swept.not_passing();
        assert!(
            bad.is_empty(),
            "{path}: {:?}",
            bad.iter().map(|r| r.seed).collect::<Vec<_>>()
        );
    }
    let swept = sweep(&load("scenarios/gossip-orset.toml"), 1, 10, 2, &|_| {}).unwrap();
    assert!(swept.not_passing().is_empty());
}

#[test]
fn the_teaching_scenarios_fail_on_most_seeds() {
    for path in [
        "scenarios/gossip-plain-counter.toml",
        "scenarios/gossip-additive-merge.toml",
        "scenarios/gossip-lww-skew.toml",
    ] {
        let swept = sweep(&load(path), 1, 20, 2, &|_| {}).unwrap();
        let failing = swept
            .not_passing()
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .count();
        assert!(failing >= 18, "{path}: only {failing} of 20 seeds fail");
    }
}

#[test]
fn a_workload_that_needs_cas_is_refused() {
    let text = std::fs::read_to_string("scenarios/gossip-lww.toml")
        .unwrap()
        .replace("cas = 0", "cas = 1");
    let err = scenario::parse_str(&text, "gossip-cas.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("needs `cas`, which protocol `gossip` does not serve (it serves read, write, add, insert, remove)"),
        "{err}"
    );
}
