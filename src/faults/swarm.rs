//! Swarm testing (Groce et al., ISSTA 2012): with `[nemesis] swarm = true`, each seed first
//! draws its own nemesis from the scenario's — which kinds are on and at what relative rates,
//! the pacing, how many faults may overlap and how often the leader is the target — so one
//! scenario explores many fault mixes, including ones that leave a kind out entirely (a
//! mix without crashes lets partitions run long enough to matter). The draw uses the run's
//! own `swarm` stream, so it is part of the seed and replays exactly.

use crate::des::rng::{Probability, Stream};
use crate::des::time::{format_duration, Nanos};
use crate::scenario::Nemesis;

/// Scale factors for the quiet gap between faults, in quarters.
const INTERVAL_QUARTERS: [u64; 4] = [1, 2, 4, 8];
/// Scale factors for the faults' durations, in quarters.
const DURATION_QUARTERS: [u64; 3] = [2, 4, 8];
/// Chances of aiming at the leader, in quarters.
const LEADER_QUARTERS: [u64; 5] = [0, 1, 2, 3, 4];

/// This seed's nemesis, drawn from the scenario's `spec`, and the draw in words.
pub fn draw(spec: &Nemesis, rng: &mut Stream) -> (Nemesis, String) {
    let mut kinds = Vec::new();
    let mut weights = Vec::new();
    for &kind in &spec.kinds {
        if rng.chance(half()) {
            kinds.push(kind);
            weights.push(1 + rng.below(4) as u32);
        }
    }
    if kinds.is_empty() {
        kinds.push(spec.kinds[rng.below(spec.kinds.len() as u64) as usize]);
        weights.push(1);
    }
    let interval = scale(spec.interval, pick(&INTERVAL_QUARTERS, rng));
    let fault_duration = scale(spec.fault_duration, pick(&DURATION_QUARTERS, rng));
    let overlap = 1 + rng.below(u64::from(spec.overlap.max(3))) as u32;
    let target_leader = if spec.targets.is_empty() {
        let quarters = pick(&LEADER_QUARTERS, rng);
        Probability::new(quarters as f64 / 4.0).expect("a probability")
    } else {
        spec.target_leader
    };
    let mut words: Vec<String> = kinds
        .iter()
        .zip(&weights)
        .map(|(k, w)| format!("{}={w}", k.name()))
        .collect();
    words = vec![format!("kinds {}", words.join(" "))];
    words.push(format!("interval {}", range(interval)));
    words.push(format!("duration {}", range(fault_duration)));
    words.push(format!("overlap {overlap}"));
    if spec.targets.is_empty() {
        words.push(format!("target_leader {}", target_leader.value));
    }
    let drawn = Nemesis {
        kinds,
        weights,
        interval,
        fault_duration,
        overlap,
        target_leader,
        ..spec.clone()
    };
    (drawn, words.join(", "))
}

fn half() -> Probability {
    Probability::new(0.5).expect("a probability")
}

fn pick(choices: &[u64], rng: &mut Stream) -> u64 {
    choices[rng.below(choices.len() as u64) as usize]
}

/// `(lo, hi)` times `quarters / 4`, never below 1 ns.
fn scale((lo, hi): (Nanos, Nanos), quarters: u64) -> (Nanos, Nanos) {
    let s = |x: Nanos| (x / 4 * quarters + x % 4 * quarters / 4).max(1);
    (s(lo), s(hi))
}

fn range((lo, hi): (Nanos, Nanos)) -> String {
    format!("{}-{}", format_duration(lo), format_duration(hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::time::{MILLIS, SECS};
    use crate::scenario::NemesisKind;

    fn spec() -> Nemesis {
        Nemesis {
            kinds: NemesisKind::ALL.to_vec(),
            interval: (SECS, 3 * SECS),
            fault_duration: (500 * MILLIS, 2 * SECS),
            max_clock_jump: 500 * MILLIS,
            link_loss: half(),
            target_leader: half(),
            overlap: 1,
            targets: Vec::new(),
            max_drift_ppm: 100_000,
            loop_downtime: (10 * MILLIS, 100 * MILLIS),
            loop_uptime: (50 * MILLIS, 300 * MILLIS),
            flap_period: (10 * MILLIS, 200 * MILLIS),
            weights: Vec::new(),
            swarm: true,
        }
    }

    #[test]
    fn a_seed_draws_the_same_nemesis_every_time_and_seeds_differ() {
        let a = draw(&spec(), &mut Stream::new(7, "swarm")).1;
        let b = draw(&spec(), &mut Stream::new(7, "swarm")).1;
        assert_eq!(a, b);
        let distinct: std::collections::BTreeSet<String> = (0..50)
            .map(|seed| draw(&spec(), &mut Stream::new(seed, "swarm")).1)
            .collect();
        assert!(
            distinct.len() > 40,
            "{} distinct draws of 50",
            distinct.len()
        );
    }

    #[test]
    fn draws_stay_within_the_scenario() {
        let spec = spec();
        for seed in 0..500 {
            let (n, _) = draw(&spec, &mut Stream::new(seed, "swarm"));
            assert!(!n.kinds.is_empty());
            assert_eq!(n.kinds.len(), n.weights.len());
            assert!(n.kinds.iter().all(|k| spec.kinds.contains(k)));
            assert!(n.weights.iter().all(|w| (1..=4).contains(w)));
            assert!(n.interval.0 >= SECS / 4 && n.interval.1 <= 6 * SECS);
            assert!(n.interval.0 <= n.interval.1);
            assert!(n.fault_duration.0 >= 250 * MILLIS && n.fault_duration.1 <= 4 * SECS);
            assert!((1..=3).contains(&n.overlap));
        }
    }

    #[test]
    fn every_kind_is_sometimes_left_out() {
        let spec = spec();
        for kind in &spec.kinds {
            let left_out = (0..100)
                .filter(|&seed| {
                    !draw(&spec, &mut Stream::new(seed, "swarm"))
                        .0
                        .kinds
                        .contains(kind)
                })
                .count();
            assert!(
                (20..=80).contains(&left_out),
                "{kind:?} left out {left_out} times"
            );
        }
    }
}
