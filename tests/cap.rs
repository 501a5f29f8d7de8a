//! CAP per side: each partition window's sides with their availability and the strongest
//! consistency models their reads kept (`check::cap`), on shipped scenarios.

use faultline::check::cap::{consistency_by_window, describe};
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;

/// Each window's sides as `(nodes, description)` for the scenario text on its seed.
fn sides(text: &str, path: &str) -> Vec<Vec<(String, String)>> {
    let s = scenario::parse_str(text, path).unwrap();
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    consistency_by_window(&s, &o.output)
        .iter()
        .map(|w| {
            w.sides
                .iter()
                .map(|side| (side.nodes.join(" "), describe(side)))
                .collect()
        })
        .collect()
}

#[test]
fn follower_reads_keep_the_minority_available_and_sequential_and_the_majority_linearizable() {
    let path = "scenarios/pb-follower-reads-partition.toml";
    let text = std::fs::read_to_string(path).unwrap();
    let got = sides(&text, path);
    assert_eq!(
        got,
        [[
            ("n1 n2".to_string(), "sequential".to_string()),
            ("n3 n4 n5".to_string(), "linearizable".to_string()),
        ]]
    );
    // With reads from the primary only, the minority answers no read at all.
    let primary = text.replace("reads = \"any\"", "reads = \"primary\"");
    let got = sides(&primary, path);
    assert_eq!(got[0][0].1, "no reads answered");
    assert_eq!(got[0][1].1, "linearizable");
}

#[test]
fn raft_is_linearizable_on_the_side_that_answers() {
    let path = "scenarios/raft-partitions.toml";
    let text = std::fs::read_to_string(path).unwrap() + "\n[check]\nconsistency = [\"all\"]\n";
    let windows = sides(&text, path);
    assert_eq!(windows.len(), 2);
    for window in windows {
        for (nodes, kept) in &window {
            if nodes.split(' ').count() >= 3 {
                assert_eq!(kept, "linearizable", "{window:?}");
            } else {
                assert!(
                    kept == "linearizable" || kept == "no reads answered",
                    "{window:?}"
                );
            }
        }
    }
}

#[test]
fn without_the_ladder_or_a_partition_nothing_is_judged() {
    let s = scenario::load(std::path::Path::new("scenarios/raft-partitions.toml")).unwrap();
    let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
    assert!(consistency_by_window(&s, &o.output).is_empty(), "no ladder");
    let s = scenario::load(std::path::Path::new("scenarios/pb-follower-reads-any.toml")).unwrap();
    let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
    assert!(
        consistency_by_window(&s, &o.output).is_empty(),
        "no partition"
    );
}
