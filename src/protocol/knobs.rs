//! Swarm testing's protocol knobs: under `[nemesis] swarm = true`, a protocol draws its
//! timing knobs (election timeouts, heartbeats, batch sizes) for each seed within the ranges
//! it declares valid, through [`Knobs`], in [`crate::protocol::Protocol::swarm`]. A key the
//! scenario sets in `[cluster.params]` is pinned: it keeps its value and is never drawn.
//! Knobs are for timing only: a draw never turns a safe configuration into an unsafe one.

use crate::des::rng::Stream;
use crate::des::time::{format_duration, Nanos, MILLIS};

/// The draw of one seed's knobs: the stream, the keys the scenario pinned, and what was
/// drawn so far (for the report and the replay).
pub struct Knobs<'a> {
    rng: &'a mut Stream,
    pinned: &'a toml::Table,
    drawn: Vec<(&'static str, String)>,
}

impl<'a> Knobs<'a> {
    /// Draws from `rng`; the keys of `pinned` (the scenario's `[cluster.params]`) are kept.
    pub fn new(rng: &'a mut Stream, pinned: &'a toml::Table) -> Knobs<'a> {
        Knobs {
            rng,
            pinned,
            drawn: Vec::new(),
        }
    }

    /// Whether the scenario set `key` itself.
    pub fn is_pinned(&self, key: &str) -> bool {
        self.pinned.contains_key(key)
    }

    /// A duration for `key` drawn uniformly from the whole milliseconds in `[lo, hi]`, or
    /// `current` when the key is pinned or there is none.
    pub fn duration(&mut self, key: &'static str, current: Nanos, lo: Nanos, hi: Nanos) -> Nanos {
        let (lo_ms, hi_ms) = (lo.div_ceil(MILLIS), hi / MILLIS);
        if self.is_pinned(key) || lo_ms > hi_ms {
            return current;
        }
        let v = self.rng.between(lo_ms, hi_ms) * MILLIS;
        self.drawn.push((key, format_duration(v)));
        v
    }

    /// A count for `key` drawn uniformly from `[lo, hi]`, or `current` when the key is pinned
    /// or the range is empty.
    pub fn count(&mut self, key: &'static str, current: u64, lo: u64, hi: u64) -> u64 {
        if self.is_pinned(key) || lo > hi {
            return current;
        }
        let v = self.rng.between(lo, hi);
        self.drawn.push((key, v.to_string()));
        v
    }

    /// Forgets every draw (the protocol found the combination invalid and kept its
    /// parameters as they were).
    pub fn discard(&mut self) {
        self.drawn.clear();
    }

    /// What was drawn, as `key = value` words.
    pub fn words(&self) -> Vec<String> {
        self.drawn
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_keys_keep_their_values_and_draws_stay_in_range() {
        let pinned: toml::Table = "heartbeat = \"50ms\"".parse().unwrap();
        let mut rng = Stream::new(3, "swarm");
        let mut k = Knobs::new(&mut rng, &pinned);
        assert_eq!(
            k.duration("heartbeat", 50 * MILLIS, MILLIS, 9 * MILLIS),
            50 * MILLIS
        );
        let v = k.duration("timeout", 0, 100 * MILLIS, 200 * MILLIS);
        assert!((100 * MILLIS..=200 * MILLIS).contains(&v) && v % MILLIS == 0);
        let c = k.count("max_batch", 64, 1, 8);
        assert!((1..=8).contains(&c));
        assert_eq!(
            k.count("empty", 5, 9, 1),
            5,
            "an empty range keeps the value"
        );
        assert_eq!(k.words().len(), 2);
        k.discard();
        assert!(k.words().is_empty());
    }
}
