//! The CLI end to end: `run` outputs (JSON report, EDN/JSON history, trace), `explore`,
//! `test` with a mismatching scenario, `list` and `explain`.

use std::process::{Command, Output};

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .unwrap()
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("faultline-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn run_json_report_has_the_promised_fields() {
    let out = faultline(&["run", "scenarios/pb-split-brain.toml", "--json"]);
    assert_eq!(out.status.code(), Some(1), "split brain fails");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "scenario",
        "seed",
        "version",
        "trace_hash",
        "verdict",
        "checks",
        "events",
        "messages",
        "ops",
        "latency_ns",
        "faults",
        "replay",
        "wall_ms",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["verdict"], "fail");
    assert_eq!(
        v["replay"],
        "faultline run scenarios/pb-split-brain.toml --seed 1"
    );
    let durability = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "durability")
        .unwrap();
    assert_eq!(durability["verdict"], "fail");
    assert!(durability["witness"][0]
        .as_str()
        .unwrap()
        .contains("is lost"));
    assert!(v["latency_ns"]["p99"].as_u64().unwrap() >= v["latency_ns"]["p50"].as_u64().unwrap());
}

#[test]
fn run_writes_histories_and_traces() {
    let (edn, json, trace) = (tmp("h.edn"), tmp("h.json"), tmp("t.jsonl"));
    let out = faultline(&[
        "run",
        "scenarios/pb-sync-crashes.toml",
        "--history",
        &edn,
        "--trace",
        &trace,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let edn_text = std::fs::read_to_string(&edn).unwrap();
    assert!(edn_text.lines().count() > 100);
    assert!(edn_text
        .lines()
        .all(|l| l.starts_with("{:type :") && l.contains(":process ") && l.ends_with('}')));
    assert!(
        edn_text.contains(":type :info") || edn_text.contains(":type :fail"),
        "crashes cause failures"
    );
    let trace_text = std::fs::read_to_string(&trace).unwrap();
    assert!(trace_text
        .lines()
        .any(|l| l.contains("\"ev\":\"fault\"") && l.contains("crash")));
    faultline(&["run", "scenarios/pb-sync-crashes.toml", "--history", &json]);
    let first: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&json)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["type"], "invoke");
    assert!(first["key"].is_u64());
}

#[test]
fn explore_prints_failing_seeds_with_replay_commands() {
    let out = faultline(&[
        "explore",
        "scenarios/pb-split-brain.toml",
        "--seeds",
        "5",
        "--seed",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for seed in 10..15 {
        assert!(
            text.contains(&format!(
                "replay: faultline run scenarios/pb-split-brain.toml --seed {seed}"
            )),
            "{text}"
        );
    }
    assert!(text.contains("5 seeds: 0 pass, 5 fail"), "{text}");
    let out = faultline(&[
        "explore",
        "scenarios/pb-split-brain-fenced.toml",
        "--seeds",
        "5",
        "--jobs",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn test_command_reports_a_scenario_that_misses_its_expect() {
    let path = tmp("wrong-expect.toml");
    let text = std::fs::read_to_string("scenarios/pb-split-brain.toml")
        .unwrap()
        .replace("expect = \"fail\"", "expect = \"pass\"");
    std::fs::write(&path, text).unwrap();
    let out = faultline(&["test", &path, "scenarios/pb-split-brain-fenced.toml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL") && stdout.contains("expected pass, got fail"),
        "{stdout}"
    );
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn list_and_explain() {
    let out = faultline(&["list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for word in [
        "phold",
        "primary-backup",
        "replication",
        "partition",
        "nemesis",
        "durability",
        "cas-register",
        "pareto",
        "raft",
        "commit_previous_term_by_count",
        "invariants",
        "liveness",
        "linearizable",
    ] {
        assert!(text.contains(word), "list lacks {word}");
    }
    let out = faultline(&["explain", "scenarios/pb-split-brain.toml"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("split brain"));
    let out = faultline(&["explain", "scenarios/raft-partitions.toml"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "fault      at 2s: isolate the leader",
        "fault      at 5s: partition [n1 n2] | [n3 n4 n5]",
        "retry after 200ms, clients beside their home nodes",
        "expect     pass",
    ] {
        assert!(text.contains(line), "explain lacks {line:?}:\n{text}");
    }
}

#[test]
fn limits_give_an_honest_unknown_and_exit_3() {
    let base = std::fs::read_to_string("scenarios/bench/phold.toml").unwrap();
    for (tag, limits) in [
        ("events", "max_events = 5000"),
        ("backlog", "max_in_flight = 100"),
    ] {
        let path = tmp(&format!("limit-{tag}.toml"));
        std::fs::write(
            &path,
            base.replace("stop_after_deliveries = 2_000_000", limits),
        )
        .unwrap();
        let out = faultline(&["run", &path, "--json"]);
        assert_eq!(out.status.code(), Some(3), "{tag}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["verdict"], "unknown", "{tag}");
        assert!(
            v["stop"].as_str().unwrap().contains("limit"),
            "{tag}: {}",
            v["stop"]
        );
    }
}

#[test]
fn test_command_reports_a_broken_scenario_file_with_exit_2() {
    let path = tmp("broken.toml");
    std::fs::write(
        &path,
        "duration = \"1s\"\n[cluster]\nprotocol = \"phold\"\nnodes = 0\n",
    )
    .unwrap();
    let out = faultline(&["test", &path]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(
        stdout.contains("ERROR") && stdout.contains("cluster.nodes"),
        "{stdout}"
    );
}

#[test]
fn a_fault_is_described_the_same_way_by_explain_run_and_the_trace() {
    let bin = env!("CARGO_BIN_EXE_faultline");
    let path = "scenarios/raft-partitions.toml";
    let explain = std::process::Command::new(bin)
        .args(["explain", path])
        .output()
        .unwrap();
    let explain = String::from_utf8_lossy(&explain.stdout).to_string();
    assert!(explain.contains("at 2s: isolate the leader"), "{explain}");
    let dir = std::env::temp_dir().join(format!("faultline-describe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("t.jsonl");
    let run = std::process::Command::new(bin)
        .args(["run", path, "--trace", trace.to_str().unwrap()])
        .output()
        .unwrap();
    let run = String::from_utf8_lossy(&run.stdout).to_string();
    let fired = run
        .lines()
        .find(|l| l.contains("script   isolate"))
        .unwrap_or_else(|| panic!("{run}"))
        .to_string();
    let what = fired.split("script   ").nth(1).unwrap().trim();
    assert!(
        what.starts_with("isolate n") && what.ends_with("(the leader)"),
        "{what}"
    );
    assert!(!run.contains("(Leader)"), "no Debug output: {run}");
    let lines = std::fs::read_to_string(&trace).unwrap();
    assert!(
        lines.contains(&format!("\"script: {what}\"")),
        "the trace line says the same: {what}"
    );
}
