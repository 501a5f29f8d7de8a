//! Multi-leader end to end: each teaching scenario fails on its pinned seed with the checker
//! and witness its header names, the safe twins pass a sweep of seeds, and the chaos
//! scenario passes a sweep too.

use faultline::check::Verdict;
use faultline::explore::sweep;
use faultline::scenario;

mod support;
use support::{check, load, run};

#[test]
fn lww_under_clock_skew_loses_an_acknowledged_write_on_seed_1() {
    let o = run("scenarios/multi-leader-lww-skew.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (d, dw) = check(&o, "durability");
    assert_eq!(d, Verdict::Fail);
    assert!(
        dw[0].starts_with("write of 1011 by process 3")
            && dw[0].contains("is lost: the final read of key 0 returned 1008, from the earlier write of 1008 by process 0"),
        "{dw:?}"
    );
    let (l, lw) = check(&o, "ladder");
    assert_eq!(l, Verdict::Fail);
    assert!(lw.iter().any(|w| w.contains("causal-ccv breaks")), "{lw:?}");
    assert_eq!(
        check(&o, "convergence").0,
        Verdict::Pass,
        "the replicas agree, on the older value"
    );
}

#[test]
fn arrival_order_diverges_on_seed_1() {
    let o = run("scenarios/multi-leader-arrival-order.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (c, cw) = check(&o, "convergence");
    assert_eq!(c, Verdict::Fail);
    assert!(
        cw[0].contains("n2 and n3 have key 0 = 345, n1 has key 0 = 341"),
        "{cw:?}"
    );
}

#[test]
fn switching_leaders_breaks_read_your_writes_on_seed_1() {
    let o = run("scenarios/multi-leader-session-guarantees.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (l, lw) = check(&o, "ladder");
    assert_eq!(l, Verdict::Fail);
    assert!(
        lw.iter().any(|w| w.contains("read-your-writes breaks")),
        "{lw:?}"
    );
    assert!(lw.iter().any(|w| w.contains("causal-cc breaks")), "{lw:?}");
    for holds in [
        "monotonic-writes",
        "writes-follow-reads",
        "consistent-prefix",
    ] {
        assert!(
            !lw.iter().any(|w| w.contains(&format!("{holds} breaks"))),
            "{holds} holds: {lw:?}"
        );
    }
    assert_eq!(check(&o, "durability").0, Verdict::Pass);
}

#[test]
fn the_safe_twins_pass_a_sweep_of_seeds() {
    for path in [
        "scenarios/multi-leader-lww.toml",
        "scenarios/multi-leader-vv-skew.toml",
        "scenarios/multi-leader-arrival-order-safe.toml",
        "scenarios/multi-leader-session-sticky.toml",
        "scenarios/multi-leader-chaos.toml",
    ] {
        let swept = sweep(&load(path), 1, 40, 2, &|_| {}).unwrap();
        let bad = swept.not_passing();
        assert!(
            bad.is_empty(),
            "{path}: {:?}",
            bad.iter().map(|r| r.seed).collect::<Vec<_>>()
        );
    }
}

#[test]
fn the_teaching_scenarios_fail_on_most_seeds() {
    for (path, at_least) in [
        ("scenarios/multi-leader-lww-skew.toml", 18),
        ("scenarios/multi-leader-arrival-order.toml", 10),
        ("scenarios/multi-leader-session-guarantees.toml", 18),
    ] {
        let swept = sweep(&load(path), 1, 20, 2, &|_| {}).unwrap();
        let failing = swept
            .not_passing()
            .iter()
            .filter(|r| r.verdict == Verdict::Fail)
            .count();
        assert!(
            failing >= at_least,
            "{path}: only {failing} of 20 seeds fail"
        );
    }
}

#[test]
fn a_workload_that_needs_cas_is_refused() {
    let text = std::fs::read_to_string("scenarios/multi-leader-lww.toml")
        .unwrap()
        .replace("cas = 0", "cas = 1");
    let err = scenario::parse_str(&text, "multi-leader-cas.toml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("needs `cas`, which protocol `multi-leader` does not serve (it serves read, write, add, insert, remove)"),
        "{err}"
    );
}
