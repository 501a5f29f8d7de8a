//! Message ids in the trace (docs/guide.md, "Traces and determinism"): every message sent has
//! a `send` line with a fresh id, every copy the network makes a `duplicate` line naming the
//! id it copies, and every delivery and drop names the id of a message sent before it; no
//! message has two fates, and the lines agree with the run's message counts.

use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What the trace says happened to the messages of one run, checked line by line.
#[derive(Default)]
struct Fates {
    sent: u64,
    duplicated: u64,
    delivered: u64,
    drops: BTreeMap<String, u64>,
    /// Ids with a send or duplicate line, and their (from, to).
    known: BTreeMap<u64, (String, String)>,
    /// Ids that met their fate (delivered or dropped).
    done: BTreeSet<u64>,
}

fn id(line: &Value) -> u64 {
    line["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no id: {line}"))
}

fn fates(path: &str, seed: u64) -> (Fates, faultline::explore::Outcome) {
    let s = scenario::load(Path::new(path)).unwrap();
    let mut buf = Vec::new();
    let outcome = run_seed(&s, seed, Trace::to_writer(&mut buf)).unwrap();
    let mut f = Fates::default();
    let mut last_id = 0;
    for text in String::from_utf8(buf).unwrap().lines() {
        let line: Value = serde_json::from_str(text).unwrap();
        let node = line["node"].as_str().unwrap_or_default().to_string();
        match line["ev"].as_str().unwrap() {
            "send" | "duplicate" => {
                let id = id(&line);
                assert!(
                    id > last_id,
                    "ids are given out in increasing order: {text}"
                );
                last_id = id;
                let to = line["to"].as_str().unwrap().to_string();
                if line["ev"] == "send" {
                    f.sent += 1;
                    assert!(line["detail"].is_string(), "a send names its message");
                } else {
                    f.duplicated += 1;
                    let of = line["of"].as_u64().unwrap();
                    assert_eq!(
                        f.known.get(&of),
                        Some(&(node.clone(), to.clone())),
                        "a duplicate copies an earlier message on the same link: {text}"
                    );
                }
                f.known.insert(id, (node, to));
            }
            "deliver" | "drop" => {
                let id = id(&line);
                let (_, to) = f
                    .known
                    .get(&id)
                    .unwrap_or_else(|| panic!("fate of a message never sent: {text}"));
                assert_eq!(to, &node, "a message meets its fate at its destination");
                assert!(f.done.insert(id), "a message met two fates: {text}");
                if line["ev"] == "deliver" {
                    f.delivered += 1;
                    assert!(line["i"].is_u64(), "a delivery is a numbered event");
                } else {
                    assert!(line.get("i").is_none(), "a drop is not an event: {text}");
                    let reason = line["reason"].as_str().unwrap().to_string();
                    *f.drops.entry(reason).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    (f, outcome)
}

#[test]
fn every_fate_names_an_earlier_send_and_the_counts_agree() {
    // pb-chaos loses, duplicates and cuts messages, and crashes nodes with messages in flight.
    let (f, outcome) = fates("scenarios/pb-chaos.toml", 1);
    let n = &outcome.output.net;
    assert_eq!(f.sent, n.sent);
    assert_eq!(f.duplicated, n.duplicated);
    assert_eq!(f.delivered, n.delivered);
    let drops = |r: &str| f.drops.get(r).copied().unwrap_or(0);
    assert_eq!(drops("loss"), n.dropped_loss);
    assert_eq!(drops("cut"), n.dropped_cut);
    assert_eq!(drops("crashed"), n.dropped_crashed);
    assert_eq!(f.drops.len(), 3, "only the three reasons: {:?}", f.drops);
    for reason in ["loss", "cut", "crashed"] {
        assert!(drops(reason) > 0, "pb-chaos seed 1 drops by {reason}");
    }
    assert!(f.duplicated > 0);
    // What met no fate was still in flight when the run ended.
    let open = f.known.len() as u64 - f.done.len() as u64;
    assert_eq!(open, n.in_flight);
}

#[test]
fn ids_are_deterministic_and_a_trace_does_not_change_the_hash() {
    let (a, out_a) = fates("scenarios/raft-chaos.toml", 3);
    let (b, out_b) = fates("scenarios/raft-chaos.toml", 3);
    assert_eq!(a.known, b.known);
    assert_eq!(a.done, b.done);
    assert_eq!(out_a.output.trace_hash, out_b.output.trace_hash);
    let s = scenario::load(Path::new("scenarios/raft-chaos.toml")).unwrap();
    let plain = run_seed(&s, 3, Trace::hash_only()).unwrap();
    assert_eq!(plain.output.trace_hash, out_a.output.trace_hash);
}

#[test]
fn crashes_and_pauses_are_on_the_lanes() {
    let s = scenario::load(Path::new("scenarios/pb-chaos.toml")).unwrap();
    let mut buf = Vec::new();
    let outcome = run_seed(&s, 1, Trace::to_writer(&mut buf)).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let crashes = text
        .lines()
        .filter(|l| l.contains("\"ev\":\"crash\""))
        .count();
    let said = outcome
        .output
        .faults
        .iter()
        .filter(|f| f.what.starts_with("crash"))
        .count();
    assert!(
        crashes >= said && said > 0,
        "{crashes} crash lines, {said} crash faults"
    );
}
