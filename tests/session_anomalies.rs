//! Session anomalies under replication lag, one per guarantee the textbooks name (Terry et
//! al. 1994; Terry 2013 for consistent prefix): each failing scenario fails on its pinned seed
//! with exactly that model of the consistency ladder broken and the others it checks holding,
//! and each safe twin passes a sweep of seeds.

use faultline::check::Verdict;
use faultline::explore::sweep;

mod support;
use support::{check, load, run};

/// The ladder's witness lines of `path` on `seed`, after asserting that the run fails on the
/// ladder with `broken` the only model of those listed that breaks.
fn only_broken(path: &str, seed: u64, broken: &str, hold: &[&str]) -> Vec<String> {
    let o = run(path, seed);
    assert_eq!(o.verdict, Verdict::Fail, "{path} seed {seed}");
    let (l, lw) = check(&o, "ladder");
    assert_eq!(l, Verdict::Fail);
    assert!(
        lw.iter().any(|w| w.contains(&format!("{broken} breaks"))),
        "{lw:?}"
    );
    for holds in hold {
        assert!(
            !lw.iter().any(|w| w.contains(&format!("{holds} breaks"))),
            "{holds} holds: {lw:?}"
        );
    }
    assert_eq!(
        check(&o, "convergence").0,
        Verdict::Pass,
        "the replicas converge"
    );
    lw
}

#[test]
fn unordered_delivery_breaks_monotonic_writes_on_seed_3() {
    let lw = only_broken(
        "scenarios/multi-leader-monotonic-writes.toml",
        3,
        "monotonic-writes",
        &["read-your-writes", "monotonic-reads"],
    );
    assert!(
        lw.iter().any(|w| w.contains("p2 txn [[:r 121 nil] [:r 119 959]] reads key 121's initial value")),
        "{lw:?}"
    );
    assert!(
        lw.iter()
            .any(|w| w.contains("its session wrote it before a write this operation saw")),
        "{lw:?}"
    );
}

#[test]
fn fifo_delivery_breaks_writes_follow_reads_on_seed_3() {
    let lw = only_broken(
        "scenarios/multi-leader-writes-follow-reads.toml",
        3,
        "writes-follow-reads",
        &["read-your-writes", "monotonic-reads", "monotonic-writes"],
    );
    assert!(
        lw.iter().any(|w| w.contains("p2 txn [[:r 121 957] [:r 119 nil]] reads key 119's initial value")),
        "{lw:?}"
    );
}

#[test]
fn concurrent_leaders_break_consistent_prefix_on_seed_3() {
    let lw = only_broken(
        "scenarios/multi-leader-consistent-prefix.toml",
        3,
        "consistent-prefix",
        &[
            "causal-ccv",
            "pram",
            "writes-follow-reads",
            "read-your-writes",
            "monotonic-reads",
            "monotonic-writes",
        ],
    );
    // n2's client read key 1 unwritten after key 2 was written; n1's the reverse.
    assert!(
        lw.iter().any(|w| w.contains("p1 txn [[:w 2 4]] would overwrite its initial value of key 2, which p0 txn [[:r 2 nil] [:r 0 10] [:w 0 12]] has yet to read")),
        "{lw:?}"
    );
    assert!(
        lw.iter()
            .any(|w| w.contains("which p1 txn [[:r 1 nil] [:w 2 7]] has yet to read")),
        "{lw:?}"
    );
}

#[test]
fn the_safe_twins_pass_a_sweep_of_seeds() {
    for path in [
        "scenarios/multi-leader-monotonic-writes-fifo.toml",
        "scenarios/multi-leader-writes-follow-reads-causal.toml",
        "scenarios/pb-consistent-prefix.toml",
    ] {
        let swept = sweep(&load(path), 1, 30, 2, &|_| {}).unwrap();
        let bad = swept.not_passing();
        assert!(bad.is_empty(), "{path}: {bad:?}");
    }
}
