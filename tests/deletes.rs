//! Deletes end to end: the history form of a delete round-trips through EDN and JSON, the
//! checkers read a delete as a write of "absent", workloads refuse delete weights where no
//! delete applies, and `dynamo`'s tombstones — purged too early, the deleted value comes back
//! (dynamo-delete-resurrection.toml), kept long enough, it does not (its twin).

mod support;

use faultline::check::linear::{check, Budget, ModelKind, ModelSpec};
use faultline::check::Verdict;
use faultline::history::{read_history, write_edn, write_json, Func, History, Value};
use faultline::scenario;

const RESURRECTION: &str = "scenarios/dynamo-delete-resurrection.toml";
const TOMBSTONES: &str = "scenarios/dynamo-delete-tombstones.toml";

fn history(text: &str) -> History {
    read_history(text, "h.edn").unwrap_or_else(|e| panic!("{e}"))
}

fn linearizable(model: &str, text: &str) -> Verdict {
    let spec = ModelSpec {
        kind: ModelKind::from_name(model).unwrap(),
        init: Value::Nil,
    };
    check(&history(text), &spec, &Budget::default()).verdict
}

#[test]
fn the_delete_form_round_trips_through_edn_and_json() {
    let text = "\
{:type :invoke, :f :write, :value [3 1], :process 0, :time 1, :index 0}
{:type :ok, :f :write, :value [3 1], :process 0, :time 2, :index 1}
{:type :invoke, :f :delete, :value [3 nil], :process 1, :time 3, :index 2}
{:type :ok, :f :delete, :value [3 nil], :process 1, :time 4, :index 3}
{:type :invoke, :f :delete, :value nil, :process 2, :time 5, :index 4}
{:type :info, :f :delete, :value nil, :process 2, :time 6, :index 5}
";
    let h = history(text);
    assert_eq!(h.ops[2].f, Func::Other("delete".into()));
    assert_eq!(h.ops[4].value, Value::Nil);
    let mut edn = Vec::new();
    write_edn(&h, &mut edn).unwrap();
    let edn = String::from_utf8(edn).unwrap();
    assert!(edn.contains(":f :delete"), "{edn}");
    assert_eq!(history(&edn), h, "EDN round trip");
    let mut json = Vec::new();
    write_json(&h, &mut json).unwrap();
    let json = String::from_utf8(json).unwrap();
    assert!(json.contains("\"f\":\"delete\""), "{json}");
    assert_eq!(read_history(&json, "h.json").unwrap(), h, "JSON round trip");
}

#[test]
fn linearizability_reads_a_delete_as_a_write_of_nil() {
    let op = |p: u32, t: &str, f: &str, v: &str, i: u32| {
        format!("{{:type :{t}, :f :{f}, :value {v}, :process {p}, :time {i}, :index {i}}}\n")
    };
    let base = [
        op(0, "invoke", "write", "1", 0),
        op(0, "ok", "write", "1", 1),
        op(1, "invoke", "delete", "nil", 2),
        op(1, "ok", "delete", "nil", 3),
    ]
    .concat();
    // Write 1, delete, then a read of nil: linearizable.
    let nil = format!(
        "{base}{}{}",
        op(2, "invoke", "read", "nil", 4),
        op(2, "ok", "read", "nil", 5)
    );
    assert_eq!(linearizable("register", &nil), Verdict::Pass);
    // A read of 1 after the delete completed: the deleted value came back.
    let back = format!(
        "{base}{}{}",
        op(2, "invoke", "read", "nil", 4),
        op(2, "ok", "read", "1", 5)
    );
    assert_eq!(linearizable("register", &back), Verdict::Fail);
    // Concurrent with the delete, a read of 1 is fine; a write after the delete is read.
    let overlap = [
        op(0, "invoke", "write", "1", 0),
        op(0, "ok", "write", "1", 1),
        op(1, "invoke", "delete", "nil", 2),
        op(2, "invoke", "read", "nil", 3),
        op(2, "ok", "read", "1", 4),
        op(1, "ok", "delete", "nil", 5),
        op(3, "invoke", "write", "2", 6),
        op(3, "ok", "write", "2", 7),
        op(2, "invoke", "read", "nil", 8),
        op(2, "ok", "read", "2", 9),
    ]
    .concat();
    assert_eq!(linearizable("register", &overlap), Verdict::Pass);
    // The kv form: [k nil] tuples, checked per key.
    let kv = "\
{:type :invoke, :f :write, :value [3 1], :process 0, :time 1, :index 0}
{:type :ok, :f :write, :value [3 1], :process 0, :time 2, :index 1}
{:type :invoke, :f :delete, :value [3 nil], :process 1, :time 3, :index 2}
{:type :ok, :f :delete, :value [3 nil], :process 1, :time 4, :index 3}
{:type :invoke, :f :read, :value [3 nil], :process 2, :time 5, :index 4}
";
    let read = |v: &str| {
        format!("{kv}{{:type :ok, :f :read, :value [3 {v}], :process 2, :time 6, :index 5}}\n")
    };
    assert_eq!(linearizable("kv", &read("nil")), Verdict::Pass);
    assert_eq!(linearizable("kv", &read("1")), Verdict::Fail);
}

#[test]
fn delete_weights_are_refused_where_no_delete_applies() {
    let base = "name = \"x\"\nduration = \"1s\"\n";
    let err = |text: &str| {
        scenario::parse_str(text, "bad.toml")
            .expect_err("refused")
            .to_string()
    };
    // A model without deletes.
    let e = err(&format!(
        "{base}[cluster]\nprotocol = \"raft\"\nnodes = 3\n[workload]\nmodel = \"set\"\ndelete = 1\n"
    ));
    assert!(
        e.contains("workload.delete") && e.contains("has no delete"),
        "{e}"
    );
    let e = err(&format!(
        "{base}[cluster]\nprotocol = \"raft\"\nnodes = 3\n[workload]\nmodel = \"list-append\"\ndelete = 1\n"
    ));
    assert!(e.contains("`delete` does not apply"), "{e}");
    // A protocol that does not serve deletes: the error is at the delete weight.
    let e = err(&format!(
        "{base}[cluster]\nprotocol = \"gossip\"\nnodes = 3\n[workload]\nmodel = \"kv\"\ncas = 0\ndelete = 1\n"
    ));
    assert!(
        e.contains("workload.delete") && e.contains("needs `delete`"),
        "{e}"
    );
    // The shared store serves them.
    let ok = format!(
        "{base}[cluster]\nprotocol = \"raft\"\nnodes = 3\n[workload]\nmodel = \"kv\"\ndelete = 1\n"
    );
    let s = scenario::parse_str(&ok, "ok.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.workload.unwrap().delete, 1);
}

#[test]
fn raft_serves_deletes_through_the_shared_store() {
    let text = "name = \"raft-deletes\"\nduration = \"2s\"\nexpect = \"pass\"\n\
                [cluster]\nprotocol = \"raft\"\nnodes = 3\n\
                [workload]\nmodel = \"kv\"\nkeys = 4\nread = 2\nwrite = 1\ncas = 1\ndelete = 1\n\
                [check]\nconvergence = true\n";
    let s = scenario::parse_str(text, "raft-deletes.toml").unwrap();
    let o = faultline::explore::run_seed(&s, 1, faultline::des::trace::Trace::hash_only()).unwrap();
    let deletes = o
        .output
        .history
        .ops
        .iter()
        .filter(|op| op.f.name() == "delete")
        .count();
    assert!(deletes > 0, "the workload drew deletes");
    for name in ["linearizable", "durability", "convergence"] {
        assert_eq!(support::check(&o, name).0, Verdict::Pass, "{name}");
    }
}

#[test]
fn early_tombstone_expiry_resurrects_a_deleted_value_on_seed_1() {
    let o = support::run(RESURRECTION, 1);
    assert_eq!(o.verdict, Verdict::Fail);
    let (lin, witness) = support::check(&o, "linearizable");
    assert_eq!(lin, Verdict::Fail);
    // Key 23: reads of nil after its delete, then a read of the deleted 5.
    let text = witness.join("\n");
    assert!(
        text.contains("p21 read 5") && text.contains("absent"),
        "{text}"
    );
    // The replicas agree — on the zombie — and seed 1's zombies are overwritten before the
    // final reads.
    assert_eq!(support::check(&o, "convergence").0, Verdict::Pass);
    assert_eq!(support::check(&o, "durability").0, Verdict::Pass);
    // Seed 13: a resurrected value survives to the final read, losing the delete.
    let o = support::run(RESURRECTION, 13);
    let (durable, witness) = support::check(&o, "durability");
    assert_eq!(durable, Verdict::Fail);
    assert!(
        witness.iter().any(
            |w| w.starts_with("delete by process") && w.contains("the deleted value came back")
        ),
        "{witness:?}"
    );
}

#[test]
fn tombstones_kept_past_the_outage_keep_deletes_deleted() {
    for seed in 1..=20 {
        let o = support::run(TOMBSTONES, seed);
        assert_eq!(o.verdict, Verdict::Pass, "seed {seed}");
    }
}

#[test]
fn the_ladder_refuses_histories_with_deletes_naming_why() {
    let text = std::fs::read_to_string(TOMBSTONES).unwrap().replace(
        "consistency = [\"linearizable\"]",
        "consistency = [\"sequential\"]",
    );
    let s = scenario::parse_str(&text, TOMBSTONES).unwrap();
    let o = faultline::explore::run_seed(&s, 1, faultline::des::trace::Trace::hash_only()).unwrap();
    let ladder = o.checks.iter().find(|c| c.name == "ladder").unwrap();
    assert_eq!(ladder.verdict, Verdict::Unknown);
    let reason = &ladder
        .consistency
        .iter()
        .find(|m| m.model == "sequential")
        .unwrap()
        .reason;
    assert!(
        reason.contains("deletes key") && reason.contains("linearizability"),
        "{reason}"
    );
}
