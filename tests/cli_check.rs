//! `faultline check` end to end: verdicts and exit codes, JSON with `check_ms`, several
//! files (the worst code wins), `--init`, malformed histories, a simulated run's history, and
//! every history shipped in `histories/` against the verdict its comment states.

use std::process::{Command, Output};

/// The hand-made histories shipped with the repository.
const H: &str = "histories";

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
    let good = format!("{H}/cas-register-race.edn");
    let bad = format!("{H}/cas-register-lost-update.edn");
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
        text.contains("not linearizable")
            && text.contains("p1 cas 0→2")
            && text.contains("|==cas 0→2==|"),
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
    let bad = format!("{H}/register-stale-read.edn");
    let out = faultline(&["check", &bad, "--model", "register", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "not-linearizable");
    assert!(v["check_ms"].as_f64().unwrap() >= 0.0);
    assert!(v["witness"]["explanation"]
        .as_str()
        .unwrap()
        .contains("cannot"));
    let multi = format!("{H}/multi-register-txn.edn");
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
    let good = format!("{H}/cas-register-race.edn");
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
    // Fourteen unanswered concurrent writes, then a read of a value only written after the
    // read completed (so no cheap refutation applies: the value was written): proving it
    // non-linearizable means trying about 2^14 subsets of the writes.
    let mut text = String::new();
    for p in 0..14 {
        text.push_str(&format!(
            "{{:type :invoke, :f :write, :value {p}, :process {p}}}\n"
        ));
    }
    text.push_str("{:type :invoke, :f :read, :value nil, :process 99}\n{:type :ok, :f :read, :value 999, :process 99}\n");
    text.push_str("{:type :invoke, :f :write, :value 999, :process 98}\n");
    // A value written twice: the real-time refutation needs unique values.
    text.push_str("{:type :invoke, :f :write, :value 0, :process 97}\n");
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

/// Splits a command line from a history's comment into words (double quotes group words).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[test]
fn shipped_histories_meet_the_verdict_their_comment_states() {
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(H).unwrap().flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if !path.extension().is_some_and(|e| e == "edn" || e == "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let comment = |prefix: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("{}: no `{prefix}` line", path.display()))
                .trim()
                .to_string()
        };
        let command = words(&comment("; faultline "));
        let expect = comment("; expect:");
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let out = faultline(&[&args[..], &["--json"]].concat());
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        if v.get("weakest_broken").is_some() {
            // A history on the consistency ladder: `; expect: fail`, `; strongest: a b` and
            // `; weakest-broken: c d` (the models, strongest first).
            assert_eq!(v["verdict"], expect.as_str(), "{}", path.display());
            for (field, line) in [
                ("strongest", "; strongest:"),
                ("weakest_broken", "; weakest-broken:"),
            ] {
                let got: Vec<&str> = v[field]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap())
                    .collect();
                assert_eq!(got.join(" "), comment(line), "{}: {field}", path.display());
            }
            // Verdicts respect the hierarchy.
            let verdict = |m: &str| {
                v["consistency"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["model"] == m)
                    .map(|r| r["verdict"].as_str().unwrap().to_string())
            };
            for &(strong, weak) in faultline::check::ladder::IMPLIES {
                if verdict(strong.name()).as_deref() == Some("pass") {
                    assert_eq!(
                        verdict(weak.name()).as_deref(),
                        Some("pass"),
                        "{}: {} holds, {} not",
                        path.display(),
                        strong.name(),
                        weak.name()
                    );
                }
            }
            let code = if expect == "pass" { 0 } else { 1 };
            assert_eq!(out.status.code(), Some(code), "{}", path.display());
            checked += 1;
            continue;
        }
        if v.get("consistency").is_some() {
            // An isolation history: `; expect: fail G-single-item,lost-update` (the verdict,
            // then every anomaly found) and `; strongest: read-committed`.
            let (verdict, anomalies) = expect.split_once(' ').unwrap_or((&expect, ""));
            assert_eq!(v["verdict"], verdict, "{}", path.display());
            let mut found: Vec<String> = v["anomalies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["anomaly"].as_str().unwrap().to_string())
                .collect();
            found.dedup();
            let wanted: Vec<String> = anomalies
                .split(',')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect();
            assert_eq!(found, wanted, "{}", path.display());
            let strongest: Vec<String> = v["strongest"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            assert_eq!(
                strongest.join(" "),
                comment("; strongest:"),
                "{}",
                path.display()
            );
            // With `--consistency all`, the ladder too: `; ladder-strongest:` and
            // `; ladder-weakest-broken:` when the file states them.
            for (field, line) in [
                ("ladder_strongest", "; ladder-strongest:"),
                ("ladder_weakest_broken", "; ladder-weakest-broken:"),
            ] {
                if text.lines().any(|l| l.starts_with(line)) {
                    let got: Vec<&str> = v[field]
                        .as_array()
                        .unwrap_or_else(|| panic!("{}: no {field}", path.display()))
                        .iter()
                        .map(|s| s.as_str().unwrap())
                        .collect();
                    assert_eq!(got.join(" "), comment(line), "{}: {field}", path.display());
                }
            }
            let code = match verdict {
                "pass" => 0,
                "fail" => 1,
                _ => 3,
            };
            assert_eq!(out.status.code(), Some(code), "{}", path.display());
            checked += 1;
            continue;
        }
        assert_eq!(v["verdict"], expect.as_str(), "{}", path.display());
        let code = if expect == "linearizable" { 0 } else { 1 };
        assert_eq!(out.status.code(), Some(code), "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 6, "only {checked} shipped histories");
}

/// Runs `check` on `text` with `args`, expecting bad input: exit 2, nothing on stdout and
/// one line on stderr that names the file and `line` and contains every one of `words`.
fn refused(name: &str, text: &str, args: &[&str], line: usize, words: &[&str]) {
    let path = tmp(name, text);
    let out = faultline(&[&["check", &path][..], args].concat());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(out.stdout.is_empty(), "{name}: judged anyway");
    assert_eq!(err.trim_end().lines().count(), 1, "{name}: {err}");
    assert!(
        err.contains(&format!("{name}:{line}: ")),
        "{name}: wrong place: {err}"
    );
    for w in words {
        assert!(err.contains(w), "{name}: `{w}` not in: {err}");
    }
}

#[test]
fn malformed_histories_are_bad_input_naming_file_and_line() {
    let inv = |p: u32, f: &str, v: &str| {
        format!("{{:process {p}, :type :invoke, :f :{f}, :value {v}}}\n")
    };
    let ok =
        |p: u32, f: &str, v: &str| format!("{{:process {p}, :type :ok, :f :{f}, :value {v}}}\n");
    let reg = ["--model", "register"];
    refused("empty.edn", "", &reg, 1, &["no entries"]);
    refused("blank.edn", "\n   \n\t\n", &reg, 1, &["no entries"]);
    refused("blank.json", "\n\n", &reg, 1, &["no entries"]);
    // A completion with no invocation before it (in a history that has invocations).
    let orphan = [
        inv(0, "write", "1"),
        ok(0, "write", "1"),
        ok(1, "read", "1"),
    ]
    .concat();
    refused(
        "orphan.edn",
        &orphan,
        &reg,
        3,
        &["never invoked", "process 1"],
    );
    // A process that invokes again before its previous op completed.
    let twice = [inv(0, "write", "1"), inv(0, "read", "nil")].concat();
    refused(
        "twice.edn",
        &twice,
        &reg,
        2,
        &["from line 1", "one operation at a time"],
    );
    // A completion of another function than the one invoked.
    let mismatch = [inv(0, "write", "1"), ok(0, "read", "1")].concat();
    refused("mismatch.edn", &mismatch, &reg, 2, &["same function"]);
    // A value of the wrong shape for the model: a cas whose value is not a pair.
    let cas = [inv(0, "cas", "3"), ok(0, "cas", "3")].concat();
    let casm = ["--model", "cas-register"];
    refused(
        "cas.edn",
        &cas,
        &casm,
        1,
        &["cas value is 3", "[expected new]"],
    );
    // A function the model does not have.
    let frob = ["\n\n", &inv(0, "frob", "3"), &ok(0, "frob", "3")].concat();
    refused(
        "frob.edn",
        &frob,
        &reg,
        3,
        &["no `frob` operation", ":read, :write or :delete"],
    );
    // Even an op that failed (and so did not happen) must be one the model has.
    let failed = [
        inv(0, "frob", "3"),
        "{:process 0, :type :fail, :f :frob, :value 3}\n".to_string(),
    ]
    .concat();
    refused(
        "failed-frob.edn",
        &failed,
        &reg,
        1,
        &["no `frob` operation"],
    );
    // A keyed model given ops without keys.
    let nokey = [inv(0, "write", "3"), ok(0, "write", "3")].concat();
    refused(
        "nokey.edn",
        &nokey,
        &["--model", "kv"],
        1,
        &["no key", "[key value]"],
    );
    // The same in the JSON form.
    let json = "{\"process\": 0, \"type\": \"invoke\", \"f\": \"write\", \"value\": 1}\n\
                {\"process\": 1, \"type\": \"ok\", \"f\": \"write\", \"value\": 1}\n";
    refused("orphan.json", json, &reg, 2, &["never invoked"]);
}

#[test]
fn init_must_be_a_value_not_a_bare_symbol() {
    let path = format!("{H}/register-concurrent.edn");
    for bad in ["zero", "O", "free"] {
        let out = faultline(&["check", &path, "--model", "register", "--init", bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {err}");
        assert!(
            err.contains(&format!("--init {bad}")) && err.contains("bare symbol"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    // An initial value that does not fit the model is bad input too.
    let out = faultline(&["check", &path, "--model", "mutex", "--init", "7"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--init 7") && err.contains("mutex"), "{err}");
}

#[test]
fn completion_only_and_nemesis_only_histories_are_accepted() {
    // Elle's form: completions with no invocations. Each op may have begun any time after its
    // process's previous one completed, so p1's read of nil may come before p0's write.
    let only_ok = "{:process 0, :type :ok, :f :write, :value 1}\n\
                   {:process 1, :type :ok, :f :read, :value nil}\n";
    let path = tmp("only-ok.edn", only_ok);
    let out = faultline(&["check", &path, "--model", "register"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Within one process, order is kept: p0 reads nil after its own write of 1 completed.
    let own = "{:process 0, :type :ok, :f :write, :value 1}\n\
               {:process 0, :type :ok, :f :read, :value nil}\n";
    let path = tmp("own.edn", own);
    let out = faultline(&["check", &path, "--model", "register"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let nemesis = "{:process :nemesis, :type :info, :f :start, :value nil}\n\
                   {:process :nemesis, :type :info, :f :stop, :value nil}\n";
    let path = tmp("nemesis.edn", nemesis);
    let out = faultline(&["check", &path, "--model", "register"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_verdict_is_printed_once() {
    let out = faultline(&[
        "check",
        &format!("{H}/register-stale-read.edn"),
        "--model",
        "register",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert_eq!(first.matches("linearizable").count(), 1, "{first}");
}

#[test]
fn transaction_histories_refuse_what_does_not_fit_naming_file_and_line() {
    let la = ["--model", "list-append"];
    let txn = |p: u32, v: &str| format!("{{:process {p}, :type :ok, :f :txn, :value {v}}}\n");
    // A register history is not a transaction history.
    refused(
        "not-txn.edn",
        "{:process 0, :type :ok, :f :write, :value 1}\n",
        &la,
        1,
        &["expected :txn"],
    );
    // An rw-register micro-op in a list-append history.
    let text = txn(0, "[[:append :x 1]]") + &txn(1, "[[:w :x 2]]");
    refused(
        "wrong-mop.edn",
        &text,
        &la,
        2,
        &["unknown micro-op :w", ":append"],
    );
    // The same element appended twice.
    let text = txn(0, "[[:append :x 1]]") + &txn(1, "[[:append :x 1]]");
    refused(
        "dup.edn",
        &text,
        &la,
        2,
        &["appended to key :x again (first by T0)"],
    );
    // A read that is not a list.
    let text = txn(0, "[[:r :x 3]]");
    refused("read.edn", &text, &la, 1, &["expected a list"]);
    // A micro-op that is not a triple.
    let text = txn(0, "[[:append :x]]");
    refused(
        "short.edn",
        &text,
        &["--model", "rw-register"],
        1,
        &["not [f key value]"],
    );
}

#[test]
fn isolation_options_are_checked() {
    let g = format!("{H}/isolation-G-single.edn");
    let code = |args: &[&str]| {
        faultline(&[&["check", &g][..], args].concat())
            .status
            .code()
    };
    assert_eq!(code(&["--model", "list-append"]), Some(1));
    assert_eq!(
        code(&["--model", "list-append", "--consistency", "read-committed"]),
        Some(0)
    );
    assert_eq!(
        code(&["--model", "list-append", "--consistency", "serialisable"]),
        Some(2)
    );
    assert_eq!(code(&["--model", "list-append", "--wfr-keys"]), Some(2));
    assert_eq!(code(&["--model", "list-append", "--init", "0"]), Some(2));
    assert_eq!(
        code(&["--model", "register", "--consistency", "all"]),
        Some(2)
    );
    let out = faultline(&[
        "check",
        &g,
        "--model",
        "list-append",
        "--consistency",
        "bogus",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown consistency model `bogus`"), "{err}");
    // Text output: the ladder, the strongest level, the anomaly with its cycle in words.
    let out = faultline(&["check", &g, "--model", "list-append"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("read-committed       holds"), "{text}");
    assert!(text.contains("serializable         BREAKS"), "{text}");
    assert!(
        text.contains("strongest level that holds: read-committed"),
        "{text}"
    );
    assert!(text.contains("(rw)") && text.contains("(wr)"), "{text}");
}

#[test]
fn every_command_in_the_check_lessons_runs() {
    for (lesson, least) in [
        ("docs/lessons/isolation.md", 20),
        ("docs/lessons/linearizability.md", 7),
        ("docs/lessons/consistency-models.md", 11),
    ] {
        let text = std::fs::read_to_string(lesson).unwrap();
        let mut ran = 0;
        for line in text.lines() {
            let Some(cmd) = line.strip_prefix("$ faultline ") else {
                continue;
            };
            if !cmd.contains("histories/") {
                continue; // a file the reader makes themselves
            }
            let args = words(cmd);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = faultline(&args);
            let code = out.status.code();
            assert!(
                matches!(code, Some(0 | 1 | 3)),
                "{lesson}: `faultline {cmd}` exited {code:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
        assert!(ran >= least, "only {ran} commands in {lesson}");
    }
}

/// One EDN entry with the key in a `:key` field (Porcupine's and etcd's form).
fn line(p: u32, ty: &str, f: &str, k: &str, v: &str) -> String {
    format!("{{:process {p}, :type :{ty}, :f :{f}, :key \"{k}\", :value {v}}}\n")
}

#[test]
fn kv_histories_with_a_key_field_and_string_values_are_read() {
    // Porcupine's and etcd's form: the key in :key (a string here), get/put/append on strings.
    let ok_history = [
        line(0, "invoke", "put", "4", "\"x\""),
        line(0, "ok", "put", "4", "\"x\""),
        line(1, "invoke", "append", "4", "\"y\""),
        line(1, "ok", "append", "4", "\"y\""),
        line(2, "invoke", "get", "4", "nil"),
        line(2, "ok", "get", "4", "\"xy\""),
        line(0, "invoke", "append", "7", "\"a\""),
        line(0, "ok", "append", "7", "\"a\""),
    ]
    .concat();
    let path = tmp("kv-key-field.edn", &ok_history);
    let out = faultline(&["check", &path, "--model", "kv", "--init", "\"\"", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "linearizable", "{v}");
    // A get that misses the append completed before it began.
    let bad = ok_history.replace(":value \"xy\"", ":value \"x\"");
    let path = tmp("kv-key-field-bad.edn", &bad);
    let out = faultline(&["check", &path, "--model", "kv", "--init", "\"\""]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("key \"4\""), "{text}");
    // The same keys in JSON lines.
    let json = "{\"type\":\"invoke\",\"f\":\"put\",\"process\":0,\"key\":\"k1\",\"value\":\"x\"}\n\
                {\"type\":\"ok\",\"f\":\"put\",\"process\":0,\"key\":\"k1\",\"value\":\"x\"}\n\
                {\"type\":\"invoke\",\"f\":\"get\",\"process\":1,\"key\":\"k1\",\"value\":null}\n\
                {\"type\":\"ok\",\"f\":\"get\",\"process\":1,\"key\":\"k1\",\"value\":\"x\"}\n";
    let path = tmp("kv-key-field.json", json);
    assert_eq!(
        faultline(&["check", &path, "--model", "kv"]).status.code(),
        Some(0)
    );
    // A key that is neither an integer, a string nor a keyword is bad input.
    refused(
        "kv-key-list.edn",
        "{:process 0, :type :invoke, :f :get, :key [1 2], :value nil}\n",
        &["--model", "kv"],
        1,
        &[":key is [1 2]", "an integer, a string or a keyword"],
    );
}

#[test]
fn a_read_of_a_value_never_written_is_refuted_without_search() {
    let mut h = String::new();
    // 10 processes writing unique values to a register, with reads; one read returns 999.
    for i in 0..200u32 {
        let p = i % 10;
        if i % 3 == 0 {
            h += &format!("{{:process {p}, :type :invoke, :f :read, :value nil}}\n");
            // The last write (i - 1), except one read of a value no one wrote.
            let v = match i {
                0 => "nil".to_string(),
                150 => "999".to_string(),
                _ => (i - 1).to_string(),
            };
            h += &format!("{{:process {p}, :type :ok, :f :read, :value {v}}}\n");
        } else {
            h += &format!("{{:process {p}, :type :invoke, :f :write, :value {i}}}\n");
            h += &format!("{{:process {p}, :type :ok, :f :write, :value {i}}}\n");
        }
    }
    let path = tmp("unproduced.edn", &h);
    let out = faultline(&["check", &path, "--model", "register", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "not-linearizable", "{v}");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("read 999, which no operation wrote"),
        "{v}"
    );
    assert_eq!(v["states_explored"], 0, "no search: {v}");
}

#[test]
fn kv_checks_stop_at_the_first_failing_key_unless_all_keys() {
    // Keys 1 and 2 both have a stale read.
    let mut h = String::new();
    for k in [1, 2] {
        h += &format!("{{:process 0, :type :invoke, :f :write, :value [{k} 1]}}\n");
        h += &format!("{{:process 0, :type :ok, :f :write, :value [{k} 1]}}\n");
        h += &format!("{{:process 0, :type :invoke, :f :write, :value [{k} 2]}}\n");
        h += &format!("{{:process 0, :type :ok, :f :write, :value [{k} 2]}}\n");
        h += &format!("{{:process 1, :type :invoke, :f :read, :value [{k} nil]}}\n");
        h += &format!("{{:process 1, :type :ok, :f :read, :value [{k} 1]}}\n");
    }
    let path = tmp("two-bad-keys.edn", &h);
    let out = faultline(&["check", &path, "--model", "kv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text.contains("stopped at the first failing key, 1 of 2 checked"),
        "{text}"
    );
    let out = faultline(&["check", &path, "--model", "kv", "--all-keys"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("(2 of 2 keys)"), "{text}");
}

#[test]
fn unique_values_and_append_only_keys_are_decided_without_search() {
    // Key "a": unique writes, a concurrent read. Key "b": appends read back in one order,
    // and a get of the absent key as "" (Porcupine's form), with no --init.
    let history = [
        line(0, "invoke", "put", "a", "1"),
        line(1, "invoke", "get", "a", "nil"),
        line(0, "ok", "put", "a", "1"),
        line(1, "ok", "get", "a", "1"),
        line(2, "invoke", "get", "b", "nil"),
        line(2, "ok", "get", "b", "\"\""),
        line(0, "invoke", "append", "b", "\"x1 \""),
        line(1, "invoke", "append", "b", "\"y2 \""),
        line(0, "ok", "append", "b", "\"x1 \""),
        line(2, "invoke", "get", "b", "nil"),
        line(1, "ok", "append", "b", "\"y2 \""),
        line(2, "ok", "get", "b", "\"y2 x1 \""),
    ]
    .concat();
    let path = tmp("decided.edn", &history);
    let out = faultline(&["check", &path, "--model", "kv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("decided without search"), "{text}");
    let out = faultline(&["check", &path, "--model", "kv", "--search-only"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("states explored"), "{text}");
    // A read that shows the appends in the other order than a later one: refuted, with why.
    let bad = history.clone()
        + &line(3, "invoke", "get", "b", "nil")
        + &line(3, "ok", "get", "b", "\"x1 y2 \"");
    let path = tmp("decided-bad.edn", &bad);
    let out = faultline(&["check", &path, "--model", "kv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("not a prefix"), "{text}");
    let out = faultline(&["check", &path, "--model", "kv", "--search-only"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_refutation_without_search_draws_the_ops_it_names() {
    // write 1, then write 2, then a read of 1: the timeline shows both writes and the read.
    let out = faultline(&[
        "check",
        "histories/register-stale-read.edn",
        "--model",
        "register",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for bar in ["write 1", "write 2", "==read 1=="] {
        assert!(text.contains(bar), "{bar} missing:\n{text}");
    }
}
