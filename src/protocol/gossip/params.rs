//! `[cluster.params]` of `gossip`: the parameter struct, its defaults, the teaching switches
//! and the one-line documentation `faultline list` prints. Owns no protocol behaviour.

use crate::des::time::{Nanos, MILLIS};
use crate::des::words::word_enum;
use crate::protocol::params_serde::positive_duration;
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// The parameters, one `key = default  # meaning` per line, as `faultline list` shows them.
pub const PARAMS_DOC: &str = "\
interval = \"50ms\"  # each node starts a push-pull exchange this often (local time)
fanout = 2  # peers, drawn at random, each exchange goes to
counter = \"crdt\"  # \"crdt\": counters are PN-counters; \"plain\": one integer per key merged by max (teaching: loses concurrent increments)
merge = \"idempotent\"  # \"idempotent\": counter merge takes the maximum per node; \"additive\": adds counts (teaching: double-counts state gossiped again or duplicated)";

word_enum! {
    /// How a key that clients `add` to is replicated.
    #[derive(Default)]
    pub CounterKind {
        /// A PN-counter: per-node increment and decrement counts, merged per node.
        #[default]
        Crdt = "crdt",
        /// Teaching switch: one integer per key, incremented in place and merged by taking
        /// the larger. Two replicas that each add 1 to 5 both hold 6, and merging keeps 6:
        /// **concurrent increments are lost** (durability and convergence fail: the count
        /// ends below the acknowledged additions).
        Plain = "plain",
    }
}

word_enum! {
    /// How counter states are merged (sets and registers always merge as joins).
    #[derive(Default)]
    pub MergeKind {
        /// Pointwise maximum: merging a state twice is merging it once.
        #[default]
        Idempotent = "idempotent",
        /// Teaching switch: merging **adds** the other replica's counts to one's own, as if
        /// a state were a batch of new increments. Push-pull sends every state again each
        /// round, and the network may duplicate a message: each copy is counted again, so
        /// the counters **double-count** and grow without bound (durability and convergence
        /// fail: counts above every addition that may have happened).
        Additive = "additive",
    }
}

/// `[cluster.params]` of `gossip`. See [`PARAMS_DOC`] for the keys and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GossipParams {
    /// Time between a node's push-pull exchanges, in local time.
    #[serde(deserialize_with = "positive_duration")]
    pub interval: Nanos,
    /// How many peers each exchange goes to (all of them if there are fewer).
    #[serde(deserialize_with = "at_least_one")]
    pub fanout: u32,
    /// Counters as PN-counters, or the plain-integer teaching switch.
    pub counter: CounterKind,
    /// Idempotent counter merge, or the additive teaching switch.
    pub merge: MergeKind,
}

impl Default for GossipParams {
    fn default() -> Self {
        GossipParams {
            interval: 50 * MILLIS,
            fanout: 2,
            counter: CounterKind::Crdt,
            merge: MergeKind::Idempotent,
        }
    }
}

/// Reads a whole number of at least 1 (and at most 10,000, the most nodes a cluster has).
fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if v == 0 || v > 10_000 {
        return Err(de::Error::custom(format!(
            "fanout = {v} is out of range; expected a whole number from 1 to 10,000"
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<GossipParams, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        GossipParams::deserialize(toml::Value::Table(table)).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_switches() {
        assert_eq!(parse("").unwrap(), GossipParams::default());
        let p = parse("interval = \"20ms\"\nfanout = 3\ncounter = \"plain\"\nmerge = \"additive\"")
            .unwrap();
        assert_eq!(p.interval, 20 * MILLIS);
        assert_eq!(p.fanout, 3);
        assert_eq!(p.counter, CounterKind::Plain);
        assert_eq!(p.merge, MergeKind::Additive);
    }

    #[test]
    fn rejects_unknown_keys_bad_types_and_bad_values() {
        assert!(parse("fan_out = 2").unwrap_err().contains("fan_out"));
        assert!(parse("fanout = 0").unwrap_err().contains("out of range"));
        assert!(parse("fanout = -1").is_err());
        assert!(parse("interval = \"0ms\"")
            .unwrap_err()
            .contains("longer than zero"));
        assert!(parse("interval = 50").is_err());
        assert!(parse("counter = \"gcounter\"")
            .unwrap_err()
            .contains("\"crdt\" or \"plain\""));
        assert!(parse("merge = \"max\"").unwrap_err().contains("additive"));
    }
}
