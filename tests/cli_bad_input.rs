//! Bad input through the real binary: exit code 2, one line naming the problem, no panic.

use std::path::PathBuf;
use std::process::Command;

const BASE: &str = r#"name = "t"
duration = "2s"

[cluster]
protocol = "phold"
nodes = 3
"#;

fn scenario_file(tag: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("faultline-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `faultline run` on `text`; asserts exit 2 and a single stderr line containing every
/// needle; returns that line.
fn rejects(tag: &str, text: &str, needles: &[&str]) -> String {
    let path = scenario_file(tag, text);
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .arg("run")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{tag}: stderr {stderr}");
    assert!(!stderr.contains("panicked"), "{tag}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{tag}: expected one line, got {stderr}");
    for n in needles {
        assert!(lines[0].contains(n), "{tag}: `{}` lacks `{n}`", lines[0]);
    }
    assert!(
        lines[0].contains(&format!("{tag}.toml")),
        "{tag}: names the file: {}",
        lines[0]
    );
    lines[0].to_string()
}

#[test]
fn malformed_toml() {
    rejects("malformed", "name = \"t\nduration = 2s", &["TOML"]);
}

#[test]
fn unknown_key() {
    let line = rejects(
        "unknown-key",
        &format!("{BASE}colour = \"red\"\n"),
        &["colour"],
    );
    assert!(line.contains(":7"), "{line}");
}

#[test]
fn unknown_node_in_a_fault() {
    let text = format!("{BASE}\n[[faults]]\nat = \"1s\"\nkind = \"crash\"\ntarget = \"n9\"\n");
    rejects("unknown-node", &text, &["faults[0].target", "n9", ":11"]);
}

#[test]
fn negative_duration() {
    rejects(
        "negative",
        &BASE.replace("\"2s\"", "\"-2s\""),
        &["duration", "negative", ":2"],
    );
}

#[test]
fn unparsable_duration() {
    rejects(
        "unparsable",
        &BASE.replace("\"2s\"", "\"2 parsecs\""),
        &["duration", ":2"],
    );
}

#[test]
fn loss_out_of_range() {
    rejects(
        "loss",
        &format!("{BASE}\n[network]\nloss = 1.5\n"),
        &["network.loss", "between 0 and 1", ":9"],
    );
}

#[test]
fn zero_nodes() {
    rejects(
        "zero-nodes",
        &BASE.replace("nodes = 3", "nodes = 0"),
        &["cluster.nodes", ":6"],
    );
}

#[test]
fn fault_after_the_end_of_the_run() {
    let text = format!("{BASE}\n[[faults]]\nat = \"5s\"\nkind = \"heal\"\n");
    rejects("late-fault", &text, &["faults[0].at", "2s"]);
}

#[test]
fn unknown_protocol() {
    rejects(
        "unknown-protocol",
        &BASE.replace("\"phold\"", "\"paxos-ish\""),
        &["cluster.protocol", "paxos-ish", "phold"],
    );
}

#[test]
fn protocol_parameter_of_the_wrong_type() {
    let text = format!("{BASE}\n[cluster.params]\nmessages_per_node = \"lots\"\n");
    rejects(
        "param-type",
        &text,
        &["cluster.params", "messages_per_node"],
    );
}

#[test]
fn missing_file_and_usage_errors_exit_2() {
    let bin = env!("CARGO_BIN_EXE_faultline");
    let out = Command::new(bin)
        .args(["run", "/nonexistent/x.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.toml"));
    let out = Command::new(bin).args(["run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(bin).args(["frobnicate"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Runs the binary with `args`; returns (exit code, stdout, stderr).
fn faultline(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn explore_refuses_sweeps_it_cannot_run() {
    let path = scenario_file("explore-limits", BASE);
    let path = path.to_str().unwrap();
    let max = u64::MAX.to_string();
    for (args, needle) in [
        (vec!["--seeds", max.as_str()], "from 1 to 1,000,000,000"),
        (vec!["--seeds", "0"], "from 1 to 1,000,000,000"),
        (
            vec!["--seed", max.as_str(), "--seeds", "2"],
            "past the largest seed",
        ),
        (vec!["--jobs", "0"], "from 1 to 256"),
    ] {
        let mut all = vec!["explore", path];
        all.extend(args);
        let (code, _, err) = faultline(&all);
        assert_eq!(code, Some(2), "{all:?}: {err}");
        assert!(
            err.contains(needle) && !err.contains("panicked"),
            "{all:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn a_run_past_its_memory_budget_is_unknown_not_a_crash() {
    // A Raft cluster whose logs and history outgrow a 1 MiB budget within seconds.
    let text = r#"duration = "60s"
[cluster]
protocol = "raft"
nodes = 3
[workload]
model = "kv"
clients = 20
rate = 100
[limits]
memory = "1MiB"
"#;
    let path = scenario_file("memory-budget", text);
    let (code, out, err) = faultline(&["run", path.to_str().unwrap()]);
    assert_eq!(code, Some(3), "{out}{err}");
    assert!(out.contains("memory limit reached"), "{out}");
    assert!(out.contains("verdict   UNKNOWN"), "{out}");
}

#[test]
fn ten_thousand_nodes_run_in_memory_that_grows_with_nodes_not_links() {
    let text = r#"duration = "10s"
[cluster]
protocol = "phold"
nodes = 10000
[limits]
stop_after_deliveries = 50000
"#;
    let path = scenario_file("ten-thousand", text);
    let (code, out, err) = faultline(&["run", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("delivery target reached"), "{out}");
}

#[test]
fn unknown_checker_in_the_check_section() {
    let line = rejects(
        "unknown-checker",
        &format!("{BASE}[check]\nlinearisable = true\n"),
        &["check.linearisable", "unknown checker", "`linearizable`"],
    );
    assert!(line.contains(":8:"), "{line}");
}
