//! Structured witnesses (`CheckResult::refs`): each failing checker points at the history
//! entries its witness is about, so the HTML report can highlight them and `explain` can
//! tell them. Checked on shipped teaching scenarios, one per kind of witness: a stale read
//! (linearizability), a lost write (durability), a dependency cycle (isolation) and a broken
//! session guarantee (the consistency ladder).

use faultline::check::{CheckResult, Verdict, WitnessRefs};
use faultline::des::trace::Trace;
use faultline::explore::{run_seed, Outcome};
use faultline::history::{Func, History, OpType};
use faultline::scenario;
use std::path::Path;

fn run(path: &str) -> Outcome {
    let s = scenario::load(Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    run_seed(&s, s.seed, Trace::hash_only()).unwrap()
}

fn failed<'a>(o: &'a Outcome, name: &str) -> &'a CheckResult {
    let c = o
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("check {name} ran"));
    assert_eq!(c.verdict, Verdict::Fail, "{name}: {}", c.summary);
    c
}

/// Every position names an invocation of the history, and every edge joins named ones.
fn assert_points_at_invocations(refs: &WitnessRefs, h: &History) {
    assert!(!refs.ops.is_empty());
    for &i in &refs.ops {
        let op = &h.ops[i as usize];
        assert_eq!(op.kind, OpType::Invoke, "entry {i} is an invocation");
    }
    for e in &refs.edges {
        assert!(
            refs.ops.contains(&e.from) && refs.ops.contains(&e.to),
            "{e:?}"
        );
    }
}

/// The completion of the invocation at position `i`.
fn completion(h: &History, i: u64) -> &faultline::history::Op {
    let invoke = &h.ops[i as usize];
    h.ops[i as usize + 1..]
        .iter()
        .find(|o| o.process == invoke.process)
        .expect("a completion")
}

#[test]
fn a_stale_read_points_at_the_read_and_the_writes_that_make_it_stale() {
    let o = run("scenarios/raft-stale-local-read.toml");
    let h = &o.output.history;
    let refs = &failed(&o, "linearizable").refs;
    assert_points_at_invocations(refs, h);
    let read = &h.ops[refs.ops[0] as usize];
    assert_eq!(read.f, Func::Read, "the key op is the stale read");
    assert_eq!(refs.edges.len(), 2, "{refs:?}");
    for e in &refs.edges {
        assert_eq!((e.from, e.label.as_str()), (refs.ops[0], "conflict"));
        assert_eq!(h.ops[e.to as usize].f, Func::Write);
    }
    // The read returned what the first write wrote; the second write overwrote it.
    let read_value = &completion(h, refs.ops[0]).value;
    assert_eq!(&h.ops[refs.edges[0].to as usize].value, read_value);
}

#[test]
fn a_lost_write_points_at_the_acknowledged_write() {
    let o = run("scenarios/pb-async-lost-write.toml");
    let h = &o.output.history;
    let refs = &failed(&o, "durability").refs;
    assert_points_at_invocations(refs, h);
    let lost = refs.ops[0];
    assert_eq!(h.ops[lost as usize].f, Func::Write);
    assert_eq!(
        completion(h, lost).kind,
        OpType::Ok,
        "the lost write was acknowledged"
    );
}

#[test]
fn an_isolation_cycle_points_at_its_transactions_and_edges() {
    let o = run("scenarios/raft-local-read-list-append.toml");
    let h = &o.output.history;
    let refs = &failed(&o, "isolation").refs;
    assert_points_at_invocations(refs, h);
    assert!(!refs.edges.is_empty());
    for e in &refs.edges {
        assert!(
            ["ww", "wr", "rw", "realtime"].contains(&e.label.as_str()),
            "{e:?}"
        );
    }
    // Each cycle closes: every transaction that an edge leaves is also reached by one.
    for e in &refs.edges {
        assert!(refs.edges.iter().any(|f| f.to == e.from), "{e:?} closes");
    }
}

#[test]
fn a_broken_session_guarantee_points_at_its_operations() {
    let o = run("scenarios/multi-leader-writes-follow-reads.toml");
    let h = &o.output.history;
    let refs = &failed(&o, "ladder").refs;
    assert_points_at_invocations(refs, h);
    assert!(!refs.edges.is_empty(), "{refs:?}");
}

#[test]
fn a_passing_check_names_nothing() {
    let o = run("scenarios/raft-figure8.toml");
    for c in o.checks.iter().filter(|c| c.verdict == Verdict::Pass) {
        assert!(c.refs.is_empty(), "{}: {:?}", c.name, c.refs);
    }
}
