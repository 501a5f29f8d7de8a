//! Faults: resolving targets (`leader`, `random`, `minority`, `majority`, `all`,
//! `leader-minority`, a node) when a fault fires, and the seeded nemesis that draws faults of
//! chosen kinds (with their rates, under swarm testing) at random intervals and durations.
//! This module decides what happens; the engine carries it out and schedules the undo.

pub mod swarm;

use crate::des::ids::NodeId;
use crate::des::rng::Stream;
use crate::des::time::Nanos;
use crate::protocol::{Observation, Role};
use crate::scenario::{FaultKind, LinkSpec, Nemesis, NemesisKind, Target};

/// Resolves `target` to nodes. `observed[i]` is node i's observation if it is up.
/// `leader` picks the up node claiming leadership with the highest term (lowest id on ties);
/// it resolves to nothing when no node leads.
pub fn resolve(target: &Target, observed: &[Option<Observation>], rng: &mut Stream) -> Vec<NodeId> {
    let n = observed.len() as u64;
    match target {
        Target::Node(id) => vec![*id],
        Target::Leader => leader(observed).into_iter().collect(),
        Target::Random => vec![NodeId(rng.below(n) as u32)],
        Target::Minority => random_subset(n, (n.saturating_sub(1) / 2) as usize, rng),
        Target::Majority => random_subset(n, (n / 2 + 1).min(n) as usize, rng),
        Target::All => (0..n as u32).map(NodeId).collect(),
        Target::LeaderMinority => {
            let size = (n.saturating_sub(1) / 2) as usize;
            match leader(observed) {
                Some(l) if size > 0 => {
                    // The leader plus a random subset of the others, drawn among ids 0..n-1
                    // and mapped past the leader.
                    let mut side = random_subset(n - 1, size - 1, rng);
                    for x in &mut side {
                        if x.0 >= l.0 {
                            x.0 += 1;
                        }
                    }
                    side.push(l);
                    side.sort();
                    side
                }
                _ => random_subset(n, size, rng),
            }
        }
    }
}

/// `k` of the nodes `0..n`, a uniform random subset, in id order.
fn random_subset(n: u64, k: usize, rng: &mut Stream) -> Vec<NodeId> {
    let mut all: Vec<NodeId> = (0..n as u32).map(NodeId).collect();
    // Partial Fisher–Yates: the first k entries are a uniform random subset.
    for i in 0..k {
        let j = i + rng.below(n - i as u64) as usize;
        all.swap(i, j);
    }
    let mut chosen = all[..k].to_vec();
    chosen.sort();
    chosen
}

/// The current leader per `observe()`, if any.
pub fn leader(observed: &[Option<Observation>]) -> Option<NodeId> {
    observed
        .iter()
        .enumerate()
        .filter_map(|(i, o)| {
            o.filter(|o| o.role == Role::Leader)
                .map(|o| (o.term, std::cmp::Reverse(i)))
        })
        .max()
        .map(|(_, std::cmp::Reverse(i))| NodeId(i as u32))
}

/// A fault the nemesis decided to inject, and how long it lasts.
#[derive(Clone, Debug)]
pub struct Drawn {
    /// The fault (targets still symbolic where `leader` was drawn).
    pub kind: FaultKind,
    /// How long until it is undone.
    pub duration: Nanos,
}

/// Draws the nemesis's next quiet gap.
pub fn next_gap(spec: &Nemesis, rng: &mut Stream) -> Nanos {
    rng.between(spec.interval.0, spec.interval.1)
}

/// Draws the nemesis's next fault. `link_spec` is the network's default link behaviour
/// (the degraded link keeps its latency but gets `link_loss`).
pub fn draw(spec: &Nemesis, rng: &mut Stream, link_spec: &LinkSpec) -> Drawn {
    let kind = spec.kinds[pick_kind(spec, rng)];
    let duration = rng.between(spec.fault_duration.0, spec.fault_duration.1);
    let who = if spec.targets.is_empty() {
        if rng.chance(spec.target_leader) {
            Target::Leader
        } else {
            Target::Random
        }
    } else {
        spec.targets[rng.below(spec.targets.len() as u64) as usize]
    };
    let kind = match kind {
        NemesisKind::Partition => FaultKind::Isolate(Target::Minority),
        NemesisKind::Isolate => FaultKind::Isolate(who),
        NemesisKind::Crash => FaultKind::Crash {
            target: who,
            restart_after: Some(duration),
            permanent: false,
        },
        NemesisKind::Pause => FaultKind::Pause {
            target: who,
            duration,
        },
        NemesisKind::Clock => {
            let span = spec.max_clock_jump;
            let jump = rng.between(0, 2 * span) as i64 - span as i64;
            FaultKind::Clock {
                target: who,
                jump,
                drift_ppm: None,
            }
        }
        NemesisKind::Power => FaultKind::Crash {
            target: Target::All,
            restart_after: Some(duration),
            permanent: false,
        },
        NemesisKind::Drift => {
            let span = u64::from(spec.max_drift_ppm);
            FaultKind::Clock {
                target: who,
                jump: 0,
                drift_ppm: Some(rng.between(0, 2 * span) as i64 - span as i64),
            }
        }
        NemesisKind::RestartLoop => FaultKind::CrashLoop {
            target: who,
            duration,
            downtime: spec.loop_downtime,
            uptime: spec.loop_uptime,
        },
        NemesisKind::Flap => FaultKind::Flap {
            from: who,
            to: Target::Random,
            duration,
            period: spec.flap_period,
        },
        NemesisKind::PartitionLeader => FaultKind::Isolate(Target::LeaderMinority),
        NemesisKind::Link => FaultKind::Link {
            from: if spec.targets.is_empty() {
                Target::Random
            } else {
                who
            },
            to: Target::Random,
            spec: LinkSpec {
                loss: spec.link_loss,
                ..*link_spec
            },
            duration,
            one_way: false,
        },
    };
    Drawn { kind, duration }
}

/// Which of `spec.kinds` comes next: uniformly, or by `spec.weights` when set.
fn pick_kind(spec: &Nemesis, rng: &mut Stream) -> usize {
    if spec.weights.is_empty() {
        return rng.below(spec.kinds.len() as u64) as usize;
    }
    let total: u64 = spec.weights.iter().map(|&w| u64::from(w)).sum();
    let mut at = rng.below(total.max(1));
    for (i, &w) in spec.weights.iter().enumerate() {
        if at < u64::from(w) {
            return i;
        }
        at -= u64::from(w);
    }
    spec.kinds.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(role: Role, term: u64) -> Option<Observation> {
        Some(Observation {
            role,
            term,
            ..Observation::default()
        })
    }

    #[test]
    fn leader_is_highest_term_leader() {
        let o = vec![
            obs(Role::Leader, 1),
            obs(Role::Follower, 3),
            None,
            obs(Role::Leader, 2),
        ];
        assert_eq!(leader(&o), Some(NodeId(3)));
        assert_eq!(leader(&[obs(Role::Follower, 1)]), None);
    }

    #[test]
    fn leader_minority_is_the_leader_with_followers_making_a_minority() {
        let mut rng = Stream::new(1, "lm");
        for n in 3..10 {
            for leader_at in 0..n {
                let mut o = vec![obs(Role::Follower, 1); n];
                o[leader_at] = obs(Role::Leader, 2);
                let side = resolve(&Target::LeaderMinority, &o, &mut rng);
                assert_eq!(side.len(), (n - 1) / 2, "n = {n}");
                assert!(side.contains(&NodeId(leader_at as u32)));
                assert!(side.windows(2).all(|w| w[0] < w[1]));
            }
            // Without a leader: a random minority.
            let o = vec![obs(Role::Follower, 1); n];
            assert_eq!(
                resolve(&Target::LeaderMinority, &o, &mut rng).len(),
                (n - 1) / 2
            );
        }
    }

    #[test]
    fn minority_is_a_strict_minority_of_distinct_nodes() {
        let mut rng = Stream::new(1, "m");
        for n in 1..9 {
            let o = vec![None; n];
            let m = resolve(&Target::Minority, &o, &mut rng);
            assert_eq!(m.len(), (n - 1) / 2);
            assert!(m.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn majority_and_all() {
        let mut rng = Stream::new(1, "m");
        for n in 1..9 {
            let o = vec![None; n];
            let m = resolve(&Target::Majority, &o, &mut rng);
            assert_eq!(m.len(), n / 2 + 1, "a strict majority of {n}");
            assert!(m.windows(2).all(|w| w[0] < w[1]));
            let all = resolve(&Target::All, &o, &mut rng);
            assert_eq!(all, (0..n as u32).map(NodeId).collect::<Vec<_>>());
        }
    }
}
