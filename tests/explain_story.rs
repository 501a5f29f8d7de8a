//! `faultline explain`'s story of a failure: on a Raft stale read and a primary-backup lost
//! write it names the witnessed operations with their values, the node that answered and
//! their times, the faults before them and a leadership change, and ends with the verdict and
//! the replay command; it is deterministic; a passing run says so in one line; every shipped
//! `expect = "fail"` scenario gets a short story.

use faultline::check::Verdict;
use faultline::explore::Outcome;
use faultline::history::{fmt_value, OpType};
use faultline::report::story::{story_json, story_text, tell, Kind, Sentence, Story};
use std::process::Command;

fn story(path: &str) -> (Outcome, Story) {
    let scenario = faultline::scenario::load(std::path::Path::new(path)).unwrap();
    tell(&scenario, scenario.seed).unwrap()
}

fn of_kind(s: &Story, kind: Kind) -> Vec<&Sentence> {
    s.sentences.iter().filter(|x| x.kind == kind).collect()
}

/// A time as the story prints it.
fn secs(t: u64) -> String {
    format!(
        "{}.{:03} s",
        t / 1_000_000_000,
        t % 1_000_000_000 / 1_000_000
    )
}

/// Checks what every failure's story must hold, and that the key witnessed operation is
/// told with its value, its node and its time; returns the key operation's completion time.
fn told_key_op(path: &str, outcome: &Outcome, s: &Story) -> u64 {
    assert_eq!(s.verdict, Verdict::Fail, "{path}");
    let n = s.sentences.len();
    assert_eq!(s.sentences[n - 2].kind, Kind::Verdict, "{path}");
    assert_eq!(s.sentences[n - 1].kind, Kind::Replay, "{path}");
    assert_eq!(
        s.sentences[n - 1].text,
        format!("faultline run {path} --seed {}", outcome.output.seed)
    );
    let times: Vec<u64> = s.sentences.iter().map(|x| x.t).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{path}: time order");
    let failing = outcome
        .checks
        .iter()
        .find(|c| c.verdict == Verdict::Fail && !c.refs.ops.is_empty())
        .unwrap_or_else(|| panic!("{path}: a failing check with a structured witness"));
    let h = &outcome.output.history.ops;
    let inv = &h[failing.refs.ops[0] as usize];
    assert_eq!(inv.kind, OpType::Invoke);
    let done = h[inv.index as usize + 1..]
        .iter()
        .find(|o| o.process == inv.process)
        .unwrap();
    let value = match done.kind {
        OpType::Ok if inv.f.name() == "read" => fmt_value(&done.value),
        _ => fmt_value(&inv.value),
    };
    let node = done.node.clone().unwrap();
    let ops = of_kind(s, Kind::Op);
    let key = ops
        .iter()
        .find(|x| x.t == done.time && x.text.contains(&value) && x.text.contains(&node))
        .unwrap_or_else(|| panic!("{path}: the key op ({value} by {node}) is told: {ops:#?}"));
    assert!(
        key.text.contains(&format!("invoked at {}", secs(inv.time))),
        "{}",
        key.text
    );
    done.time
}

#[test]
fn a_raft_stale_read_is_told_with_the_write_it_missed_and_the_new_leader() {
    let path = "scenarios/raft-stale-local-read.toml";
    let (outcome, s) = story(path);
    let at = told_key_op(path, &outcome, &s);
    let text = story_text(&s);
    let ops = of_kind(&s, Kind::Op);
    let read = ops.iter().find(|x| x.text.contains(" reads ")).unwrap();
    assert!(
        read.text.contains(", but the write of ") && read.text.contains(" was acknowledged by n"),
        "the read says which write it missed: {}",
        read.text
    );
    // The isolated old leader served it while another node led a newer term.
    assert!(read.text.contains("still acts as leader of term"), "{text}");
    let faults = of_kind(&s, Kind::Fault);
    assert!(
        faults
            .iter()
            .any(|f| f.t < at && f.text == "the script isolates n2 (the leader)"),
        "{text}"
    );
    assert!(
        of_kind(&s, Kind::Leader)
            .iter()
            .any(|l| l.t < at && l.text.contains("becomes leader in term")),
        "{text}"
    );
    assert!(s.sentences.len() <= 15, "{text}");
}

#[test]
fn a_primary_backup_lost_write_is_told_with_the_crashes_and_the_new_primary() {
    let path = "scenarios/pb-async-lost-write.toml";
    let (outcome, s) = story(path);
    let at = told_key_op(path, &outcome, &s);
    let text = story_text(&s);
    assert!(
        of_kind(&s, Kind::Op)
            .iter()
            .any(|x| x.text.contains("'s write of ") && x.text.contains("is acknowledged by n")),
        "{text}"
    );
    assert!(
        of_kind(&s, Kind::Fault)
            .iter()
            .any(|f| f.t <= at && f.text.starts_with("the script crashes n")),
        "{text}"
    );
    assert!(
        of_kind(&s, Kind::Leader)
            .iter()
            .any(|l| l.text.contains("becomes primary in epoch")),
        "{text}"
    );
    assert!(s.sentences[s.sentences.len() - 2]
        .text
        .starts_with("durability fails"));
}

#[test]
fn a_broken_invariant_is_told_with_the_leaders_of_the_terms_it_names() {
    // Figure 8 on seed 2: Leader Completeness breaks when n4 wins term 47 without n2's
    // committed entry of term 40, and State Machine Safety when n1 applies term 43's entry
    // there. Over 1,200 nemesis cuts compete for the story; the first leaders of terms 40,
    // 43 and 47 are told whatever their distance, before the breaks.
    let (_, s) = story("scenarios/raft-figure8.toml");
    let breaks = of_kind(&s, Kind::Invariant);
    assert_eq!(breaks.len(), 2, "{}", story_text(&s));
    let leaders = of_kind(&s, Kind::Leader);
    for term in [40, 43, 47] {
        let told = leaders
            .iter()
            .find(|l| l.text.ends_with(&format!("becomes leader in term {term}")))
            .unwrap_or_else(|| panic!("term {term}'s leader is not told:\n{}", story_text(&s)));
        assert!(
            told.t <= breaks[0].t,
            "term {term}'s leader comes before the break"
        );
    }
}

#[test]
fn the_story_is_deterministic() {
    for path in [
        "scenarios/raft-figure8.toml",
        "scenarios/pb-async-lost-write.toml",
    ] {
        let (_, a) = story(path);
        let (_, b) = story(path);
        assert_eq!(a, b, "{path}");
        assert_eq!(story_text(&a), story_text(&b), "{path}");
    }
}

#[test]
fn a_passing_run_says_so_in_one_line() {
    let (outcome, s) = story("scenarios/raft-basics.toml");
    assert_eq!(outcome.verdict, Verdict::Pass);
    assert_eq!(s.sentences.len(), 1);
    assert_eq!(s.sentences[0].kind, Kind::Verdict);
    assert!(s.sentences[0].text.starts_with("seed 1 passes"));
    assert_eq!(story_text(&s).lines().count(), 1);
}

#[test]
fn every_failing_scenario_gets_a_short_story() {
    let mut told = 0;
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let path = path.to_string_lossy().into_owned();
        let toml = std::fs::read_to_string(&path).unwrap();
        if !toml.contains("expect = \"fail\"") {
            continue;
        }
        let (outcome, s) = story(&path);
        assert_eq!(s.verdict, outcome.verdict, "{path}");
        let n = s.sentences.len();
        assert_eq!(s.sentences[n - 1].kind, Kind::Replay, "{path}");
        assert!((3..=17).contains(&n), "{path}: {n} sentences");
        let leaders = !of_kind(&s, Kind::Leader).is_empty();
        let protocol = &faultline::scenario::load(std::path::Path::new(&path))
            .unwrap()
            .cluster
            .protocol;
        if ["gossip", "dynamo", "multi-leader"].contains(&protocol.as_str()) {
            assert!(!leaders, "{path}: {protocol} has no single leader");
        }
        told += 1;
    }
    assert!(told >= 40, "{told} failing scenarios");
}

#[test]
fn the_cli_opens_with_the_teaching_text_and_gives_json_on_request() {
    let bin = env!("CARGO_BIN_EXE_faultline");
    let path = "scenarios/pb-async-lost-write.toml";
    let out = Command::new(bin).args(["explain", path]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let teaching = text.find("expect     fail").unwrap();
    let story = text.find("what happened (seed 1,").unwrap();
    assert!(teaching < story, "{text}");
    assert!(text
        .trim_end()
        .ends_with(&format!("replay     faultline run {path} --seed 1")));

    let out = Command::new(bin)
        .args(["explain", path, "--seed", "1", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, s) = self::story(path);
    assert_eq!(v, story_json(&s));
    let first = &v["story"][0];
    assert!(first["t"].is_u64() && first["kind"].is_string() && first["text"].is_string());
    assert_eq!(v["verdict"], "fail");

    // Another seed: its own story, and its own replay command when it fails.
    let out = Command::new(bin)
        .args(["explain", "scenarios/raft-basics.toml", "--seed", "9"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("seed 9 passes: every check holds"), "{text}");
}
