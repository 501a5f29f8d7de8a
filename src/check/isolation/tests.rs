//! Unit tests of the isolation checker on small histories written inline.

use super::*;
use crate::history::read_history;

fn report(text: &str, workload: Workload) -> Report {
    let h = read_history(text, "test").expect("parses");
    check(&h, &Options::new(workload)).expect("checks")
}

fn verdict_of(r: &Report, level: &str) -> Verdict {
    r.consistency
        .iter()
        .find(|m| m.model == level)
        .expect("level")
        .verdict
}

#[test]
fn read_skew_is_g_single_explained_edge_by_edge() {
    // T0 appends to x and y; T1 reads x with T0's append but y without it.
    let r = report(
        "{:process 0, :type :ok, :f :txn, :value [[:append :x 1] [:append :y 1]]}\n\
         {:process 1, :type :ok, :f :txn, :value [[:r :x [1]] [:r :y nil]]}\n",
        Workload::ListAppend,
    );
    assert_eq!(r.anomaly_names(), vec!["G-single-item"]);
    assert_eq!(verdict_of(&r, "read-committed"), Verdict::Pass);
    assert_eq!(verdict_of(&r, "snapshot-isolation"), Verdict::Fail);
    assert_eq!(r.strongest, vec!["read-committed"]);
    let f = &r.anomalies[0];
    let rels: Vec<&str> = f.cycle.iter().map(|e| e.rel).collect();
    assert_eq!(rels.len(), 2);
    assert!(rels.contains(&"wr") && rels.contains(&"rw"));
    assert!(
        f.explanation
            .contains("T1 read key :y without 1, which T0 appended (rw)"),
        "{}",
        f.explanation
    );
    assert!(
        f.explanation
            .contains("T1 read T0's append of 1 to key :x (wr)"),
        "{}",
        f.explanation
    );
}

#[test]
fn write_skew_breaks_serializable_but_not_snapshot_isolation() {
    let r = report(
        "{:process 0, :type :ok, :f :txn, :value [[:r :x nil] [:w :y 1]]}\n\
         {:process 1, :type :ok, :f :txn, :value [[:r :y nil] [:w :x 2]]}\n",
        Workload::RwRegister,
    );
    assert_eq!(r.anomaly_names(), vec!["G2-item"]);
    assert_eq!(verdict_of(&r, "snapshot-isolation"), Verdict::Pass);
    assert_eq!(verdict_of(&r, "repeatable-read"), Verdict::Fail);
    assert_eq!(verdict_of(&r, "serializable"), Verdict::Fail);
    assert_eq!(r.strongest, vec!["snapshot-isolation"]);
}

#[test]
fn a_stale_read_is_serializable_but_not_strict() {
    let r = report(
        "{:process 0, :type :invoke, :f :txn, :value [[:append :x 1]]}\n\
         {:process 0, :type :ok, :f :txn, :value [[:append :x 1]]}\n\
         {:process 1, :type :invoke, :f :txn, :value [[:r :x nil]]}\n\
         {:process 1, :type :ok, :f :txn, :value [[:r :x []]]}\n",
        Workload::ListAppend,
    );
    assert_eq!(verdict_of(&r, "serializable"), Verdict::Pass);
    assert_eq!(verdict_of(&r, "strict-serializable"), Verdict::Fail);
    assert_eq!(r.anomaly_names(), vec!["G-single-item-realtime"]);
    assert!(r.anomalies[0]
        .explanation
        .contains("T0 completed before T2 began (realtime)"));
}

#[test]
fn nothing_observed_is_unknown_not_pass() {
    let r = report(
        "{:process 0, :type :ok, :f :txn, :value [[:append :x 1]]}\n",
        Workload::ListAppend,
    );
    assert!(r.consistency.iter().all(|m| m.verdict == Verdict::Unknown));
    assert_eq!(r.verdict(), Verdict::Unknown);
}

#[test]
fn repeated_elements_and_wrong_micro_ops_are_bad_input() {
    let h = read_history(
        "{:process 0, :type :ok, :f :txn, :value [[:append :x 1]]}\n\
         {:process 1, :type :ok, :f :txn, :value [[:append :x 1]]}\n",
        "t",
    )
    .unwrap();
    let e = check(&h, &Options::new(Workload::ListAppend)).unwrap_err();
    assert!(
        e.to_string()
            .contains("element 1 is appended to key :x again"),
        "{e}"
    );
    let h = read_history(
        "{:process 0, :type :ok, :f :txn, :value [[:w :x 1]]}\n",
        "t",
    )
    .unwrap();
    let e = check(&h, &Options::new(Workload::ListAppend)).unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown micro-op :w; expected :r or :append"),
        "{e}"
    );
    let h = read_history("{:process 0, :type :ok, :f :read, :value 1}\n", "t").unwrap();
    let e = check(&h, &Options::new(Workload::RwRegister)).unwrap_err();
    assert!(e.to_string().contains("expected :txn"), "{e}");
}

#[test]
fn an_exhausted_budget_is_unknown_for_the_levels_it_could_not_decide() {
    let text = "{:process 0, :type :ok, :f :txn, :value [[:append :x 1] [:r :y []]]}\n\
                {:process 1, :type :ok, :f :txn, :value [[:append :y 1] [:r :x []]]}\n";
    let h = read_history(text, "t").unwrap();
    let mut opts = Options::new(Workload::ListAppend);
    opts.max_visits = 0;
    let r = check(&h, &opts).unwrap();
    assert_eq!(verdict_of(&r, "read-committed"), Verdict::Pass);
    assert_eq!(verdict_of(&r, "serializable"), Verdict::Unknown);
    assert!(!r.incomplete.is_empty());
    opts.max_visits = DEFAULT_VISITS;
    let r = check(&h, &opts).unwrap();
    assert_eq!(r.anomaly_names(), vec!["G2-item"]);
}

#[test]
fn an_info_transaction_seen_once_is_committed_everywhere() {
    // T0 never answered, but T1 saw its append to x, so its append to y happened too, and
    // T1's read of y without it is an anti-dependency: a cycle.
    let r = report(
        "{:process 0, :type :invoke, :f :txn, :value [[:append :x 1] [:append :y 1]]}\n\
         {:process 1, :type :invoke, :f :txn, :value [[:r :x nil] [:r :y nil]]}\n\
         {:process 1, :type :ok, :f :txn, :value [[:r :x [1]] [:r :y []]]}\n",
        Workload::ListAppend,
    );
    assert_eq!(r.anomaly_names(), vec!["G-single-item"]);
}

#[test]
fn levels_parse_by_name_and_all() {
    assert_eq!(parse_levels(&["all".into()]).unwrap().len(), 6);
    let e = parse_levels(&["serialisable".into()]).unwrap_err();
    assert!(
        e.contains("unknown consistency model `serialisable`") && e.contains("strict-serializable")
    );
    assert!(Level::RepeatableRead.implies(Level::ReadCommitted));
    assert!(!Level::RepeatableRead.implies(Level::SnapshotIsolation));
    assert!(Level::StrictSerializable.implies(Level::SnapshotIsolation));
}
