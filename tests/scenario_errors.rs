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

/// `BASE` and `extra`; with a `[workload]`, on a protocol that serves clients (same lines).
fn with(extra: &str) -> String {
    let base = if extra.contains("[workload]") {
        BASE.replace("\"phold\"", "\"primary-backup\"")
    } else {
        BASE.to_string()
    };
    format!("{base}{extra}")
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
    assert_error(
        &text,
        6,
        "cluster.params.messages_per_node",
        "\"lots\" is text; expected a whole number from 0 to 4,294,967,295",
    );
    assert!(error(&text).contains("phold"));
}

#[test]
fn unknown_protocol_param() {
    let text = with("[cluster.params]\nmessages_per_node = 3\nspeed = 9\n");
    assert_error(&text, 7, "cluster.params.speed", "unknown key `speed`");
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
        "unknown key `duration` for a `crash` fault; expected one of: at, kind, target, restart_after, permanent",
    );
}

#[test]
fn a_permanent_crash_takes_no_restart() {
    let text = with(
        "[[faults]]\nat = \"1s\"\nkind = \"crash\"\ntarget = \"n1\"\nrestart_after = \"1s\"\npermanent = true\n",
    );
    assert_error(
        &text,
        10,
        "faults[0].permanent",
        "a permanent crash never restarts",
    );
    let text = with("[[faults]]\nat = \"1s\"\nkind = \"crash\"\ntarget = \"n1\"\npermanent = 1\n");
    assert!(error(&text).contains("permanent"), "{}", error(&text));
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
fn check_section_mistakes_are_found_by_the_checkers_plan() {
    // `[check]` names checkers; which exist, and what each needs, the check layer knows.
    let planned = |extra: &str| {
        let s = parse_str(&with(extra), FILE).unwrap();
        faultline::check::plan(&s).unwrap_err().to_string()
    };
    let e = planned("[check]\ndurability = true\n");
    assert!(
        e.starts_with("bad.toml:6: check.durability: durability needs a [workload]"),
        "{e}"
    );
    let e = planned("[check]\ndurabilty = false\n");
    assert!(e.starts_with("bad.toml:6: check.durabilty: unknown checker `durabilty`; expected one of `invariants`, `durability`"), "{e}");
    let e = planned("[check]\nengine = false\n");
    assert!(e.contains("the `engine` check always runs"), "{e}");
    let e = error(&with("[check]\ninvariants = \"yes\"\n"));
    assert!(
        e.contains("check.invariants: \"yes\" is text; expected true or false"),
        "{e}"
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
protocol = "primary-backup"
nodes = ["a", "b", "c"]
[cluster.params]
heartbeat = "40ms"
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

/// Parses without panicking; an error is one line per mistake (at most five), each
/// starting with the file name.
fn no_panic(text: &str) {
    if let Err(e) = parse_str(text, FILE) {
        let shown = e.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert!((1..=MAX_ERRORS).contains(&lines.len()), "{shown:?}");
        assert_eq!(lines.len(), e.each().len(), "{shown:?}");
        for line in lines {
            assert!(line.starts_with(&format!("{FILE}:")), "{shown:?}");
        }
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

// ---- plain words, several errors, and sizes that are refused ----------------------------------

/// Words from Rust and serde that must never reach a user.
const JARGON: [&str; 9] = [
    "u32",
    "u64",
    "i64",
    "f64",
    "usize",
    "invalid type",
    "invalid value",
    "wanted string or table",
    "variant",
];

fn plain(text: &str) -> String {
    let shown = error(text);
    for word in JARGON {
        assert!(!shown.contains(word), "`{word}` in {shown:?}");
    }
    shown
}

#[test]
fn errors_speak_the_users_language() {
    let w = |extra: &str| with(&format!("[workload]\nmodel = \"kv\"\n{extra}\n"));
    assert!(plain(&w("clients = \"many\""))
        .contains("\"many\" is text; expected a whole number from 1 to 10,000"));
    assert!(plain(&w("clients = 2.5")).contains("2.5 is not a whole number"));
    assert!(plain(&w("rate = \"fast\"")).contains("a rate in operations per second"));
    assert!(plain(&w("rate = 0"))
        .contains("0 is out of range; expected a rate in operations per second"));
    assert!(plain(&w("final_reads = \"yes\"")).contains("expected true or false"));
    assert!(plain(&w("key_dist = 3")).contains("expected \"uniform\" or \"zipf\""));
    assert!(plain(&format!("expect = 1\n{BASE}"))
        .contains("1 is a whole number; expected \"pass\" or \"fail\""));
    assert!(
        plain(&format!("expect = {{ x = 1 }}\n{BASE}")).contains("expected \"pass\" or \"fail\"")
    );
    assert!(
        plain(&with("[cluster.params]\nmessages_per_node = -1\n")).contains("-1 is out of range")
    );
    assert!(plain(&with("[nemesis]\nkinds = [\"crash\", 7]\n"))
        .contains("expected one of \"partition\""));
    assert!(plain(&format!("seed = \"x\"\n{BASE}")).contains("expected a whole number from 0 to"));
}

#[test]
fn a_duplicate_key_is_named_with_the_line_that_set_it_first() {
    let shown = error(&with("[network]\nloss = 0.1\n# again\nloss = 0.2\n"));
    assert!(
        shown.contains("duplicate key `loss`: line 6 already sets it"),
        "{shown}"
    );
}

#[test]
fn invalid_utf8_names_the_line() {
    let dir = std::env::temp_dir().join(format!("faultline-utf8-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, b"duration = \"1s\"\n[cluster]\nname = \"\xff\"\n").unwrap();
    let shown = load(&path).unwrap_err().to_string();
    assert!(
        shown.contains("bad.toml:3:") && shown.contains("invalid UTF-8"),
        "{shown}"
    );
}

#[test]
fn several_mistakes_are_reported_together_each_on_its_line() {
    let text = format!(
        "expect = \"maybe\"\n{}[network]\nloss = 1.5\nreorder = \"x\"\n[workload]\nmodel = \"kv\"\nclients = 0\n",
        BASE.replace("\"phold\"", "\"primary-backup\"")
    );
    let e = parse_str(&text, FILE).unwrap_err();
    let shown = e.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 4, "{shown}");
    assert!(lines[0].starts_with("bad.toml:1: expect: unknown value `maybe`"));
    assert!(lines[1].starts_with("bad.toml:7: network.loss: 1.5 is out of range"));
    assert!(lines[2].starts_with("bad.toml:8: network.reorder: "));
    assert!(lines[3].starts_with("bad.toml:11: workload.clients: 0 is out of range"));
    assert_eq!(e.line(), Some(1));
    // More than five are cut at five.
    let many: String = (0..8).map(|i| format!("bogus{i} = 1\n")).collect();
    let e = parse_str(&format!("{many}{BASE}"), FILE).unwrap_err();
    assert_eq!(e.each().len(), MAX_ERRORS);
}

#[test]
fn sizes_beyond_the_documented_limits_are_refused() {
    let w = |extra: &str| with(&format!("[workload]\nmodel = \"kv\"\n{extra}\n"));
    assert_error(
        &w("keys = 4000000000"),
        7,
        "workload.keys",
        "expected a whole number from 1 to 1,000,000",
    );
    assert_error(
        &w("clients = 10001"),
        7,
        "workload.clients",
        "from 1 to 10,000",
    );
    let long =
        |d: &str| format!("duration = \"{d}\"\n[cluster]\nprotocol = \"phold\"\nnodes = 3\n");
    for d in ["4294967296s", "100000h", "1000001s"] {
        assert_error(&long(d), 1, "duration", "expected at most 1000000s");
    }
    assert_error(
        &format!("settle = \"2000000s\"\n{BASE}"),
        1,
        "settle",
        "expected at most 1000000s",
    );
    assert_error(
        &with("[[faults]]\nat = \"1s\"\nkind = \"clock\"\ntarget = \"n1\"\njump = \"-9999999s\"\n"),
        9,
        "faults[0].jump",
        "at most 1000000s either way",
    );
    assert_error(
        &with("[clocks]\nmax_drift_ppm = 2000000\n"),
        6,
        "clocks.max_drift_ppm",
        "from 0 to 1,000,000",
    );
    assert_error(
        &with("[limits]\nmemory = \"1KiB\"\n"),
        6,
        "limits.memory",
        "from 1MiB to 1024GiB",
    );
    assert_error(
        "duration = \"1s\"\n[cluster]\nprotocol = \"phold\"\nnodes = 10001\n",
        4,
        "cluster.nodes",
        "at most 10000",
    );
    // The largest values that are allowed still parse.
    let s = parse_str(&long("1000000s"), FILE).unwrap();
    assert_eq!(s.duration, 1_000_000 * 1_000_000_000);
}

#[test]
fn client_pattern_keys_say_what_they_need() {
    let w = |extra: &str| with(&format!("[workload]\nmodel = \"kv\"\n{extra}\n"));
    // Lines: 5 [workload], 6 model, 7 the first extra line.
    assert_error(
        &w("retry_backoff = \"10ms\""),
        7,
        "workload.retry_backoff",
        "expected `retry`",
    );
    assert_error(
        &w("retry = \"50ms\"\nretry_jitter = \"full\""),
        8,
        "workload.retry_jitter",
        "expected `retry_backoff`",
    );
    assert_error(
        &w("retry = \"50ms\"\nretry_backoff = \"10ms\"\nretry_multiplier = 0.5"),
        9,
        "workload.retry_multiplier",
        "from 1 (a constant sleep) to 100",
    );
    assert_error(
        &w("retry = \"50ms\"\nretry_backoff = \"10ms\"\nretry_cap = \"5ms\""),
        9,
        "workload.retry_cap",
        "shorter than the first sleep",
    );
    assert_error(
        &w("retry = \"50ms\"\nretry_backoff = \"10ms\"\nretry_jitter = \"half\""),
        9,
        "workload.retry_jitter",
        "expected one of \"none\", \"full\", \"equal\"",
    );
    assert_error(
        &w("breaker_open = \"1s\""),
        7,
        "workload.breaker_open",
        "expected `breaker`",
    );
    assert_error(&w("breaker = 0"), 7, "workload.breaker", "out of range");
    assert_error(
        &w("idempotency_keys = \"yes\""),
        7,
        "workload.idempotency_keys",
        "expected true or false",
    );
}

#[test]
fn capacity_keys_say_what_they_need() {
    let text = format!("{BASE}queue_limit = 10\n");
    assert_error(&text, 5, "cluster.queue_limit", "expected `service_time`");
    let text = format!("{BASE}service_time = \"0s\"\n");
    assert_error(&text, 5, "cluster.service_time", "the service time is zero");
    let text = format!("{BASE}service_time = \"1ms\"\nqueue_limit = 0\n");
    assert_error(&text, 6, "cluster.queue_limit", "out of range");
}

#[test]
fn whole_cluster_target_names_are_reserved() {
    for name in ["majority", "all"] {
        let text = format!(
            "duration = \"10s\"\n[cluster]\nprotocol = \"phold\"\nnodes = [\"a\", \"{name}\"]\n"
        );
        assert_error(&text, 4, "cluster.nodes", "is reserved for fault targets");
    }
}
