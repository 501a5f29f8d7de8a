//! Failure detectors compared (scenarios/pb-detector-*.toml): the same pauses, latency spike
//! and crashes under the fixed, heartbeat and phi detectors. Every run stays safe; the faster
//! detectors notice crashes sooner and suspect live nodes more often.

use faultline::check::detection::detection;
use faultline::check::Verdict;
use faultline::des::time::Nanos;
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;

/// Over seeds 1-20: (mean crash detection time, false suspicions, crashes detected).
fn sweep(detector: &str) -> (Nanos, usize, usize) {
    let path = format!("scenarios/pb-detector-{detector}.toml");
    let s = scenario::load(std::path::Path::new(&path)).unwrap();
    let (mut times, mut false_suspicions) = (Vec::new(), 0);
    for seed in 1..=20 {
        let o = run_seed(&s, seed, Trace::hash_only()).unwrap();
        assert_eq!(o.verdict, Verdict::Pass, "{detector} seed {seed}");
        let d = detection(&o.output);
        false_suspicions += d.false_suspicions();
        times.extend(d.crash_detection_ns);
    }
    let mean = times.iter().sum::<Nanos>() / times.len() as Nanos;
    (mean, false_suspicions, times.len())
}

#[test]
fn faster_detection_costs_false_suspicions_and_never_safety() {
    let fixed = sweep("fixed");
    let heartbeat = sweep("heartbeat");
    let phi = sweep("phi");
    for (name, (_, _, detected)) in [("fixed", fixed), ("heartbeat", heartbeat), ("phi", phi)] {
        assert_eq!(
            detected, 40,
            "{name}: both crashes of every run are suspected"
        );
    }
    // Fixed waits failover_timeout (300 ms) plus a stagger; the adaptive ones about half.
    assert!(fixed.0 > 300_000_000, "{fixed:?}");
    assert!(heartbeat.0 * 3 / 2 < fixed.0, "{heartbeat:?} vs {fixed:?}");
    assert!(phi.0 * 3 / 2 < fixed.0, "{phi:?} vs {fixed:?}");
    // And pay with more false suspicions of the paused or slow primary.
    assert!(heartbeat.1 > 2 * fixed.1, "{heartbeat:?} vs {fixed:?}");
    assert!(phi.1 > 2 * fixed.1, "{phi:?} vs {fixed:?}");
}
