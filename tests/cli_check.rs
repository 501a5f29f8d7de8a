//! `faultline check` end to end: verdicts and exit codes, JSON with `check_ms`, several
//! files (the worst code wins), `--init`, malformed histories, and a simulated run's history.

use std::process::{Command, Output};

const K: &str = "../shared/corpus/knossos";

fn faultline(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(args)
        .output()
        .unwrap()
}

fn tmp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("faultline-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn verdicts_and_exit_codes() {
    let good = format!("{K}/cas-register/good/memstress3-0.edn");
    let bad = format!("{K}/cas-register/bad/rethink-fail-minimal.edn");
    assert_eq!(
        faultline(&["check", &good, "--model", "cas-register", "--init", "0"])
            .status
            .code(),
        Some(0)
    );
    let out = faultline(&["check", &bad, "--model", "cas-register", "--init", "0"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("NOT linearizable")
            && text.contains("p1 read 3")
            && text.contains("|==read 3==|"),
        "{text}"
    );
    // Several files: the worst code wins.
    assert_eq!(
        faultline(&[
            "check",
            &good,
            &bad,
            "--model",
            "cas-register",
            "--init",
            "0"
        ])
        .status
        .code(),
        Some(1)
    );
    let broken = tmp(
        "broken.edn",
        "{:type :invoke, :f :read, :process 0}\n{:type :okay, :f :read, :process 0}\n",
    );
    let out = faultline(&["check", &good, &broken, "--model", "cas-register"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.edn:2") && err.contains(":okay"),
        "{err}"
    );
}

#[test]
fn json_output_has_verdict_witness_and_check_ms() {
    let bad = format!("{K}/cas-register/bad/bad-analysis.edn");
    let out = faultline(&[
        "check",
        &bad,
        "--model",
        "cas-register",
        "--init",
        "0",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "not-linearizable");
    assert!(v["check_ms"].as_f64().unwrap() >= 0.0);
    assert!(v["witness"]["explanation"]
        .as_str()
        .unwrap()
        .contains("cannot"));
    let multi = format!("{K}/multi-register/good/multi-register.edn");
    let out = faultline(&[
        "check",
        &multi,
        "--model",
        "multi-register",
        "--init",
        "{:x 0 :y 0}",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn bad_usage_exits_2() {
    let good = format!("{K}/cas-register/good/memstress3-0.edn");
    assert_eq!(
        faultline(&["check", &good, "--model", "queue"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        faultline(&["check", &good, "--model", "register", "--init", "{:x"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        faultline(&["check", &good, "--model", "register", "--budget", "soon"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_tiny_budget_gives_unknown_not_a_hang() {
    // Fourteen unanswered concurrent writes, then a read of a value nobody wrote: proving it
    // non-linearizable means trying about 2^14 subsets of the writes.
    let mut text = String::new();
    for p in 0..14 {
        text.push_str(&format!(
            "{{:type :invoke, :f :write, :value {p}, :process {p}}}\n"
        ));
    }
    text.push_str("{:type :invoke, :f :read, :value nil, :process 99}\n{:type :ok, :f :read, :value 999, :process 99}\n");
    let hard = tmp("hard.edn", &text);
    let out = faultline(&["check", &hard, "--model", "register", "--budget", "1ns"]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = faultline(&["check", &hard, "--model", "register", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["verdict"], "not-linearizable",
        "with the default budget it is decided"
    );
}

#[test]
fn simulated_histories_check_the_same_from_a_file() {
    // The async primary-backup run's own history, written as EDN and checked from the file:
    // not linearizable, and the witness names the lost write (591 on key 17).
    let dir = std::env::temp_dir().join(format!("faultline-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("async.edn").to_string_lossy().into_owned();
    faultline(&[
        "run",
        "scenarios/pb-async-lost-write.toml",
        "--history",
        &path,
    ]);
    let out = faultline(&["check", &path, "--model", "kv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("key 17") && text.contains("591"), "{text}");
}
