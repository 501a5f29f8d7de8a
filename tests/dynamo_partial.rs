//! `dynamo` with `n` below the node count: convergence compares each key on its preference
//! list (scenarios/dynamo-partial-*.toml), and sloppy quorums lose acknowledged writes when
//! the hint holders die for good (scenarios/dynamo-sloppy-hint-lost.toml) while strict
//! quorums only become unavailable (scenarios/dynamo-strict-hint-safe.toml).

use faultline::check::Verdict;
use faultline::explore::sweep;
use faultline::sim::NodeState;

mod support;
use support::{check, load, run};

#[test]
fn five_nodes_with_three_replicas_per_key_converge() {
    let o = run("scenarios/dynamo-partial-convergence.toml", 1);
    assert_eq!(o.verdict, Verdict::Pass);
    let c = o.checks.iter().find(|c| c.name == "convergence").unwrap();
    assert_eq!(c.verdict, Verdict::Pass, "{}", c.summary);
    assert!(c.summary.contains("partial replication"), "{}", c.summary);
    // Each node says which of the 8 keys it replicates: three nodes per key.
    let finals = &o.output.finals;
    for key in 0..8 {
        let owners = finals
            .iter()
            .filter(|f| f.replicates.as_ref().unwrap().contains(&key))
            .count();
        assert_eq!(owners, 3, "key {key}");
    }
    let quiet = |_: &faultline::explore::SeedResult| {};
    let s = load("scenarios/dynamo-partial-convergence.toml");
    assert_eq!(sweep(&s, 1, 40, 1, &quiet).unwrap().fail, 0);
}

#[test]
fn a_replica_that_missed_writes_still_fails_convergence_on_seed_1() {
    let o = run("scenarios/dynamo-partial-no-repair.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (c, cw) = check(&o, "convergence");
    assert_eq!(c, Verdict::Fail);
    assert_eq!(
        cw[0],
        "key 0 (replicated on n1, n3 and n5): n3 and n5 have 186, n1 has 175"
    );
    assert_eq!(cw.len(), 3, "{cw:?}");
    assert_eq!(check(&o, "durability").0, Verdict::Pass);
    assert_eq!(check(&o, "linearizable").0, Verdict::Pass);
}

#[test]
fn sloppy_quorums_lose_the_writes_of_hint_holders_that_die_on_seed_1() {
    let o = run("scenarios/dynamo-sloppy-hint-lost.toml", 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (d, dw) = check(&o, "durability");
    assert_eq!(d, Verdict::Fail);
    assert!(
        dw[0].starts_with("write of 86 by process 4")
            && dw[0].contains("the final read of key 0 returned 85"),
        "{dw:?}"
    );
    assert_eq!(check(&o, "linearizable").0, Verdict::Fail);
    // The two hint holders crashed for good: not even the end of the workload restarted them.
    let states: Vec<NodeState> = o.output.finals.iter().map(|f| f.state).collect();
    assert_eq!(
        states,
        [
            NodeState::Up,
            NodeState::Crashed,
            NodeState::Crashed,
            NodeState::Up,
            NodeState::Up
        ]
    );
}

#[test]
fn strict_quorums_make_the_same_writes_unavailable_not_lost() {
    let o = run("scenarios/dynamo-strict-hint-safe.toml", 1);
    assert_eq!(o.verdict, Verdict::Pass);
    assert_eq!(check(&o, "durability").0, Verdict::Pass);
    assert_eq!(check(&o, "linearizable").0, Verdict::Pass);
    let quiet = |_: &faultline::explore::SeedResult| {};
    let s = load("scenarios/dynamo-strict-hint-safe.toml");
    assert_eq!(sweep(&s, 1, 40, 1, &quiet).unwrap().fail, 0);
}
