//! Library-level tests of the scenario parser: every kind of bad input gives a one-line error
//! naming the file, the line, the key path and what was expected; no input makes the parser
//! panic. (Positive tests of every section are unit tests in `src/scenario/tests.rs`.)

use faultline::scenario::*;
use proptest::prelude::*;

const FILE: &str = "bad.toml";

/// Lines 1–4; text appended to it starts at line 5.
const BASE: &str = "duration = \"10s\"\n[cluster]\nprotocol = \"phold\"\nnodes = 3\n";

/// Parses `text`, expecting an error; checks it is one line and returns it.
fn error(text: &str) -> String {
    let e = parse_str(text, FILE).expect_err("the scenario should be rejected");
    let shown = e.to_string();
    assert!(!shown.contains('\n'), "not one line: {shown:?}");
    shown
}

/// Checks the error for `text` points at `line` and `key` and says `phrase`.
fn assert_error(text: &str, line: usize, key: &str, phrase: &str) {
    let shown = error(text);
    let prefix = format!("{FILE}:{line}: {key}: ");
    assert!(
        shown.starts_with(&prefix),
        "expected prefix {prefix:?} in {shown:?}"
    );
    assert!(shown.contains(phrase), "expected {phrase:?} in {shown:?}");
}

fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

#[test]
fn malformed_toml() {
    let shown = error(&with("[network\nloss = 0.1\n"));
    assert!(shown.starts_with("bad.toml:5:9: TOML syntax: "), "{shown}");
    let shown = error("duration = \"10s\nx = 1\n");
    assert!(shown.starts_with("bad.toml:1:"), "{shown}");
    assert!(shown.contains("TOML syntax"), "{shown}");
}

#[test]
fn duplicate_key_is_a_syntax_error() {
    let shown = error(&with("[network]\nloss = 0.1\nloss = 0.2\n"));
    assert!(
        shown.starts_with("bad.toml:7:1: TOML syntax: duplicate key"),
        "{shown}"
    );
}

#[test]
fn unknown_top_level_key() {
    let text = format!("colour = \"red\"\n{BASE}");
    assert_error(&text, 1, "colour", "unknown key `colour`; expected");
    assert!(error(&text).contains("`duration`"));
}

#[test]
fn unknown_key_in_network() {
    let text = with("[network]\nloss = 0.1\nlatncy = \"5ms\"\n");
    assert_error(&text, 7, "network.latncy", "unknown key `latncy`; expected");
    assert!(error(&text).contains("`latency`"));
}

#[test]
fn unknown_node_in_fault_target() {
    let text = with("[[faults]]\nat = \"1s\"\nkind = \"crash\"\ntarget = \"n9\"\n");
    assert_error(&text, 8, "faults[0].target", "unknown target `n9`");
    assert!(error(&text).contains("n1, n2, n3"));
}

#[test]
fn unknown_node_in_partition_groups() {
    let text = with(
        "[[faults]]\nat = \"1s\"\nkind = \"heal\"\n\n[[faults]]\nat = \"2s\"\nkind = \"partition\"\n\
         groups = [[\"n1\"],\n  [\"n2\", \"n7\"]]\n",
    );
    assert_error(
        &text,
        13,
        "faults[1].groups[1][1]",
        "unknown node `n7`; the nodes are n1",
    );
}

#[test]
fn node_in_two_partition_groups() {
    let text =
        with("[[faults]]\nat = \"1s\"\nkind = \"partition\"\ngroups = [[\"n1\"], [\"n1\"]]\n");
    assert_error(&text, 8, "faults[0].groups[1][0]", "at most one group");
}

#[test]
fn negative_duration() {
    let text = with("[network]\nreorder_delay = \"-5ms\"\n");
    assert_error(&text, 6, "network.reorder_delay", "negative");
}

#[test]
fn unparsable_duration() {
    let text = format!("settle = \"5 parsecs\"\n{BASE}");
    assert_error(&text, 1, "settle", "is not a duration");
    assert!(error(&text).contains("expected ns, us, ms, s, m or h"));
}

#[test]
fn duration_of_the_wrong_type() {
    let text = with("[workload]\nmodel = \"kv\"\ntimeout = 5\n");
    assert_error(&text, 7, "workload.timeout", "expected a duration string");
}

#[test]
fn loss_above_one() {
    let text = with("[network]\nloss = 1.5\n");
    assert_error(
        &text,
        6,
        "network.loss",
        "expected a probability between 0 and 1",
    );
}

#[test]
fn zero_nodes() {
    let text = "duration = \"10s\"\n[cluster]\nprotocol = \"phold\"\nnodes = 0\n";
    assert_error(text, 4, "cluster.nodes", "expected at least 1");
}

#[test]
fn empty_node_list() {
    let text = "duration = \"10s\"\n[cluster]\nprotocol = \"phold\"\nnodes = []\n";
    assert_error(text, 4, "cluster.nodes", "expected at least one node name");
}

#[test]
fn duplicate_node_names() {
    let text =
        "duration = \"1s\"\n[cluster]\nprotocol = \"phold\"\nnodes = [\"a\", \"b\", \"a\"]\n";
    assert_error(
        text,
        4,
        "cluster.nodes",
        "node `a` is listed twice; expected unique names",
    );
}

#[test]
fn fault_at_or_after_the_end() {
    let text = with("[[faults]]\nat = \"10s\"\nkind = \"heal\"\n");
    assert_error(
        &text,
        6,
        "faults[0].at",
        "after the end of the run (duration = 10s)",
    );
    let text = with("[[faults]]\nat = \"1m\"\nkind = \"heal\"\n");
    assert_error(&text, 6, "faults[0].at", "expected `at` below 10s");
}

#[test]
fn unknown_protocol() {
    let text = "duration = \"10s\"\n[cluster]\nprotocol = \"raft9\"\nnodes = 3\n";
    assert_error(
        text,
        3,
        "cluster.protocol",
        "unknown protocol `raft9`; expected one of: ",
    );
    assert!(error(text).contains("phold"));
}

#[test]
fn protocol_param_of_the_wrong_type() {
    let text = with("[cluster.params]\nmessages_per_node = \"lots\"\n");
    assert_error(&text, 6, "cluster.params.messages_per_node", "invalid type");
    assert!(error(&text).contains("phold"));
}

#[test]
fn unknown_protocol_param() {
    let text = with("[cluster.params]\nmessages_per_node = 3\nspeed = 9\n");
    assert_error(&text, 7, "cluster.params.speed", "unknown field `speed`");
}

#[test]
fn uniform_min_above_max() {
    let text = with("[network]\nlatency = { dist = \"uniform\", min = \"10ms\", max = \"1ms\" }\n");
    assert_error(
        &text,
        6,
        "network.latency",
        "min 10ms is above max 1ms; expected min <= max",
    );
}

#[test]
fn latency_key_for_another_dist() {
    let text = with("[storage]\nwrite_latency = { dist = \"exponential\", min = \"1ms\" }\n");
    assert_error(
        &text,
        6,
        "storage.write_latency",
        "does not apply to dist = \"exponential\"",
    );
}

#[test]
fn cas_weight_with_register_model() {
    let text = with("[workload]\nmodel = \"register\"\ncas = 1\n");
    assert_error(
        &text,
        7,
        "workload.cas",
        "no compare-and-set; expected cas = 0",
    );
}

#[test]
fn all_weights_zero() {
    let text = with("[workload]\nmodel = \"kv\"\nread = 0\nwrite = 0\ncas = 0\n");
    assert_error(&text, 7, "workload.read", "every operation weight is zero");
}

#[test]
fn unknown_workload_model() {
    let text = with("[workload]\nmodel = \"queue\"\n");
    assert_error(
        &text,
        6,
        "workload.model",
        "unknown value `queue`; expected",
    );
}

#[test]
fn unknown_fault_kind() {
    let text = with("[[faults]]\nat = \"1s\"\nkind = \"explode\"\ntarget = \"n1\"\n");
    assert_error(
        &text,
        7,
        "faults[0].kind",
        "unknown fault kind `explode`; expected one of:",
    );
    assert!(error(&text).contains("partition"));
}

#[test]
fn unknown_key_for_the_fault_kind() {
    let text =
        with("[[faults]]\nat = \"1s\"\nkind = \"crash\"\ntarget = \"n1\"\nduration = \"1s\"\n");
    assert_error(
        &text,
        9,
        "faults[0].duration",
        "unknown key `duration` for a `crash` fault; expected one of: at, kind, target, restart_after",
    );
}

#[test]
fn missing_key_for_the_fault_kind() {
    let text = with("[[faults]]\nat = \"1s\"\nkind = \"pause\"\ntarget = \"n1\"\n");
    assert_error(&text, 5, "faults[0].duration", "a `pause` fault needs it");
}

#[test]
fn clock_fault_without_change() {
    let text = with("[[faults]]\nat = \"1s\"\nkind = \"clock\"\ntarget = \"n1\"\n");
    assert_error(
        &text,
        5,
        "faults[0]",
        "expected `jump`, `drift_ppm` or both",
    );
}

#[test]
fn missing_required_keys() {
    assert_error(
        "[cluster]\nprotocol = \"phold\"\nnodes = 1\n",
        1,
        "duration",
        "missing required key",
    );
    assert_error(
        "duration = \"1s\"\n[cluster]\nnodes = 1\n",
        2,
        "cluster.protocol",
        "missing",
    );
    assert_error(
        "duration = \"1s\"\n",
        1,
        "cluster",
        "missing required key `cluster`",
    );
}

#[test]
fn zero_duration() {
    assert_error(
        "duration = \"0\"\n[cluster]\nprotocol = \"phold\"\nnodes = 1\n",
        1,
        "duration",
        "above 0",
    );
}

#[test]
fn durability_without_workload() {
    assert_error(
        &with("[check]\ndurability = true\n"),
        6,
        "check.durability",
        "needs a [workload]",
    );
}

#[test]
fn link_override_to_itself() {
    let text = with("[[network.links]]\nfrom = \"n1\"\nto = \"n1\"\n");
    assert_error(
        &text,
        7,
        "network.links[0].to",
        "expected two different nodes",
    );
}

#[test]
fn nemesis_range_reversed() {
    let text = with("[nemesis]\nkinds = [\"crash\"]\ninterval = [\"3s\", \"1s\"]\n");
    assert_error(
        &text,
        7,
        "nemesis.interval",
        "expected [min, max] with min <= max",
    );
}

#[test]
fn clock_drift_out_of_range() {
    let text = with("[[clocks.nodes]]\nnode = \"n2\"\ndrift_ppm = 2000000\n");
    assert_error(&text, 7, "clocks.nodes[0].drift_ppm", "out of range");
}

#[test]
fn unreadable_file() {
    let path = std::path::Path::new("/nonexistent/faultline/none.toml");
    let shown = load(path).unwrap_err().to_string();
    assert!(
        shown.starts_with("/nonexistent/faultline/none.toml: cannot read: "),
        "{shown}"
    );
    assert!(!shown.contains('\n'));
}

/// A valid scenario touching most sections, for the no-panic tests below.
const VALID: &str = r#"name = "fuzz"
duration = "10s"
[cluster]
protocol = "phold"
nodes = ["a", "b", "c"]
[cluster.params]
messages_per_node = 2
[network]
latency = { dist = "pareto", scale = "1ms", shape = 1.5 }
loss = 0.1
[[network.links]]
from = "a"
to = "b"
reorder = 0.5
[[clocks.nodes]]
node = "c"
drift_ppm = 50
[workload]
model = "kv"
rate = 10.0
targets = ["a"]
[[faults]]
at = "1s"
kind = "partition"
groups = [["a"], ["b", "c"]]
[[faults]]
at = "2s"
kind = "link"
from = "a"
to = "leader"
duration = "1s"
latency = { dist = "uniform", min = "1ms", max = "2ms" }
[nemesis]
kinds = ["crash", "pause"]
interval = ["1s", "2s"]
[limits]
max_events = 100
"#;

#[test]
fn the_fuzz_seed_is_valid() {
    let s = parse_str(VALID, FILE).unwrap();
    assert_eq!(s.name, "fuzz");
    assert_eq!(s.faults.len(), 2);
    assert_eq!(s.faults[1].line, 26);
}

/// Parses without panicking; an error is one line starting with the file name.
fn no_panic(text: &str) {
    if let Err(e) = parse_str(text, FILE) {
        let shown = e.to_string();
        assert!(!shown.contains('\n'), "{shown:?}");
        assert!(shown.starts_with(FILE), "{shown:?}");
    }
}

#[test]
fn every_prefix_of_a_valid_scenario() {
    for (i, _) in VALID.char_indices() {
        no_panic(&VALID[..i]);
    }
}

#[test]
fn every_line_removed_or_doubled() {
    let lines: Vec<&str> = VALID.lines().collect();
    for i in 0..lines.len() {
        let mut removed = lines.clone();
        removed.remove(i);
        no_panic(&removed.join("\n"));
        let mut doubled = lines.clone();
        doubled.insert(i, lines[i]);
        no_panic(&doubled.join("\n"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn garbage_never_panics(text in "[\\[\\]{}=\",.a-z0-9 \n#-]{0,200}") {
        no_panic(&text);
    }

    #[test]
    fn garbled_scenarios_never_panic(
        edits in proptest::collection::vec((0usize..2000, "[\\[\\]{}=\",.a-z0-9 \n-]"), 1..6)
    ) {
        let mut text: Vec<char> = VALID.chars().collect();
        for (at, s) in edits {
            let at = at % text.len();
            text[at] = s.chars().next().unwrap_or(' ');
        }
        no_panic(&text.into_iter().collect::<String>());
    }
}
