//! The nemesis's schedule: overlapping faults (`[nemesis] overlap`), each undone by its own
//! heal, and every verdict of the shipped chaos scenario kept while they overlap.

mod support;

use faultline::check::Verdict;
use faultline::explore::Outcome;

/// `scenarios/raft-chaos.toml` with extra `[nemesis]` keys, run on `seed`.
fn chaos_with(nemesis_keys: &str, seed: u64) -> Outcome {
    let text = std::fs::read_to_string("scenarios/raft-chaos.toml")
        .unwrap()
        .replace("[nemesis]\n", &format!("[nemesis]\n{nemesis_keys}\n"));
    let s = faultline::scenario::parse_str(&text, "chaos.toml").unwrap();
    faultline::explore::run_seed(&s, seed, faultline::des::trace::Trace::hash_only()).unwrap()
}

/// The nemesis's fault lines that start a fault (not its ends, heals, restarts or resumes).
fn starts(o: &Outcome) -> Vec<&str> {
    o.output
        .faults
        .iter()
        .filter(|f| f.source == "nemesis")
        .map(|f| f.what.as_str())
        .filter(|w| !is_end(w) && !w.starts_with("resume"))
        .collect()
}

/// Whether a nemesis fault line ends a fault (a heal, a restart, a restored link).
fn is_end(what: &str) -> bool {
    what.ends_with("ends") || what.starts_with("heal (") || what.starts_with("restart")
}

/// Whether a nemesis fault line starts a fault that lasts (an isolation, a crash, a degraded
/// link).
fn is_lasting_start(what: &str) -> bool {
    !is_end(what)
        && (what.starts_with("isolate") || what.starts_with("crash") || what.starts_with("degrade"))
}

/// The most lasting nemesis faults active at once, and how many were still active when the
/// workload ended (the engine's end-of-workload heal undoes those).
fn active(o: &Outcome) -> (usize, usize) {
    let (mut now, mut most) = (0usize, 0usize);
    for f in &o.output.faults {
        if f.source == "engine" && f.what.starts_with("end of workload") {
            return (most, now);
        }
        if f.source != "nemesis" {
            continue;
        }
        if is_end(&f.what) {
            now = now.checked_sub(1).expect("an end without its start");
        } else if is_lasting_start(&f.what) {
            now += 1;
        }
        most = most.max(now);
    }
    (most, now)
}

#[test]
fn overlap_lets_more_faults_be_active_at_once() {
    let (mut one, mut three, mut most_one, mut most_three) = (0, 0, 0, 0);
    for seed in 1..=5 {
        let a = chaos_with("overlap = 1", seed);
        let b = chaos_with("overlap = 3", seed);
        one += starts(&a).len();
        three += starts(&b).len();
        most_one = most_one.max(active(&a).0);
        most_three = most_three.max(active(&b).0);
    }
    assert_eq!(most_one, 1, "overlap 1: one fault at a time");
    assert!(
        (2..=3).contains(&most_three),
        "overlap 3: {most_three} at once"
    );
    assert!(
        three > one + one / 2,
        "overlap 3 drew {three} faults, overlap 1 {one}"
    );
}

#[test]
fn overlapping_faults_undo_cleanly() {
    for seed in 1..=20 {
        let o = chaos_with("overlap = 3", seed);
        // Every end matches a start (`active` panics otherwise), and at most the bound is
        // left for the end-of-workload heal.
        let (most, left) = active(&o);
        assert!(
            most <= 3 && left <= 3,
            "seed {seed}: {most} at once, {left} left"
        );
        // The cluster recovers and nothing is lost: liveness and every check pass.
        assert_eq!(o.verdict, Verdict::Pass, "seed {seed}");
    }
}

#[test]
fn overlap_is_bounded() {
    let text = std::fs::read_to_string("scenarios/raft-chaos.toml")
        .unwrap()
        .replace("[nemesis]\n", "[nemesis]\noverlap = 17\n");
    let e = faultline::scenario::parse_str(&text, "chaos.toml").unwrap_err();
    let message = e.to_string();
    assert!(message.contains("nemesis.overlap"), "{message}");
}
