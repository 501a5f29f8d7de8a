//! Choosing the next operation: function by weight, key by distribution, fresh write values.

use crate::des::rng::Stream;
use crate::protocol::Command;
use crate::scenario::{KeyDist, Workload};
use std::collections::BTreeMap;

/// The last value a client saw of each key it touched (sparse: memory grows with what the
/// client did, not with the number of keys).
pub type Seen = BTreeMap<u64, i64>;

/// Draws operations for one workload. Written values are unique across the run (1, 2, 3, …)
/// so a lost or phantom write can be named exactly.
#[derive(Clone, Debug)]
pub struct OpGenerator {
    weights: [u64; 3],
    key_cumulative: Vec<u64>,
    next_value: i64,
    last_written: Vec<Option<i64>>,
}

impl OpGenerator {
    /// A generator for `spec`. Zipf weights are fixed-point integers computed once with the
    /// portable `libm::pow`, so key draws are exact integer draws.
    pub fn new(spec: &Workload) -> OpGenerator {
        let keys = spec.keys.max(1) as usize;
        let mut key_cumulative = Vec::with_capacity(keys);
        let mut total = 0u64;
        for k in 0..keys {
            let w = match spec.key_dist {
                KeyDist::Uniform => 1,
                KeyDist::Zipf(s) => ((1e9 / libm::pow((k + 1) as f64, s)) as u64).max(1),
            };
            total += w;
            key_cumulative.push(total);
        }
        OpGenerator {
            weights: [
                u64::from(spec.read),
                u64::from(spec.write),
                u64::from(spec.cas),
            ],
            key_cumulative,
            next_value: 1,
            last_written: vec![None; keys],
        }
    }

    fn key(&self, rng: &mut Stream) -> u64 {
        let total = *self.key_cumulative.last().expect("at least one key");
        let x = rng.below(total);
        self.key_cumulative.partition_point(|c| *c <= x) as u64
    }

    /// The next command for a client whose last observed value of each key is `seen`.
    pub fn next(&mut self, rng: &mut Stream, seen: &Seen) -> Command {
        let key = self.key(rng);
        let total: u64 = self.weights.iter().sum();
        let x = rng.below(total);
        if x < self.weights[0] {
            return Command::Read { key };
        }
        let value = self.next_value;
        self.next_value += 1;
        let k = key as usize;
        if x < self.weights[0] + self.weights[1] {
            self.last_written[k] = Some(value);
            return Command::Write { key, value };
        }
        // Expect what this client last saw, else the last value anyone wrote, else a fresh
        // value (a cas that will fail unless someone wrote it).
        let expected = seen
            .get(&key)
            .copied()
            .or(self.last_written[k])
            .unwrap_or(0);
        self.last_written[k] = Some(value);
        Command::Cas {
            key,
            expected,
            new: value,
        }
    }

    /// Number of keys.
    pub fn keys(&self) -> usize {
        self.key_cumulative.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Model, Pace, Targets};

    fn spec(dist: KeyDist, keys: u32, rwc: [u32; 3]) -> Workload {
        Workload {
            model: Model::Kv,
            clients: 1,
            keys,
            read: rwc[0],
            write: rwc[1],
            cas: rwc[2],
            pace: Pace::Closed,
            timeout: 1,
            key_dist: dist,
            targets: Targets::RoundRobin,
            max_redirects: 3,
            retry: None,
            colocated: true,
            final_reads: true,
        }
    }

    #[test]
    fn weights_and_unique_values() {
        let mut g = OpGenerator::new(&spec(KeyDist::Uniform, 4, [0, 1, 0]));
        let mut rng = Stream::new(1, "g");
        let seen = Seen::new();
        let vals: Vec<i64> = (0..100)
            .map(|_| match g.next(&mut rng, &seen) {
                Command::Write { value, .. } => value,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(vals, (1..=100).collect::<Vec<_>>());
    }

    #[test]
    fn zipf_prefers_low_keys() {
        let mut g = OpGenerator::new(&spec(KeyDist::Zipf(1.2), 10, [1, 0, 0]));
        let mut rng = Stream::new(1, "z");
        let seen = Seen::new();
        let mut counts = [0u32; 10];
        for _ in 0..10_000 {
            counts[g.next(&mut rng, &seen).key() as usize] += 1;
        }
        assert!(counts[0] > 3 * counts[5] && counts[9] > 0, "{counts:?}");
    }

    #[test]
    fn cas_expects_the_last_seen_value() {
        let mut g = OpGenerator::new(&spec(KeyDist::Uniform, 1, [0, 0, 1]));
        let mut rng = Stream::new(1, "c");
        let seen = Seen::from([(0, 41)]);
        assert_eq!(
            g.next(&mut rng, &seen),
            Command::Cas {
                key: 0,
                expected: 41,
                new: 1
            }
        );
    }
}
