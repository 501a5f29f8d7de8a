//! `[cluster.params]` of `gossip`: the parameter struct, its defaults, the teaching switches,
//! the membership failure detector's tuning and the one-line documentation `faultline list`
//! prints. Owns no protocol behaviour.

use crate::des::time::{Nanos, MILLIS};
use crate::des::words::word_enum;
use crate::protocol::detector::{DetectorConfig, DetectorKind};
use crate::protocol::params_serde::{
    detector_or_none, detector_tuning_doc, positive_duration, positive_level, window_size,
};
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// The parameters, one `key = default  # meaning` per line, as `faultline list` shows them.
pub const PARAMS_DOC: &str = concat!(
    "\
interval = \"50ms\"  # each node starts a push-pull exchange this often (local time)
fanout = 2  # peers, drawn at random, each exchange goes to
counter = \"crdt\"  # \"crdt\": counters are PN-counters; \"plain\": one integer per key merged by max (teaching: loses concurrent increments)
merge = \"idempotent\"  # \"idempotent\": counter merge takes the maximum per node; \"additive\": adds counts (teaching: double-counts state gossiped again or duplicated)
detector = \"none\"  # membership: \"none\" (partners drawn from every peer, nobody suspected), or partners drawn from the peers a failure detector trusts, on the gossip it receives: \"fixed\" (silent for suspect_after), \"heartbeat\" (Chen et al. 2002), \"phi\" (Hayashibara et al. 2004)
suspect_after = \"500ms\"  # fixed detector: the silence after which a peer is suspected (the adaptive ones until they have data)
",
    detector_tuning_doc!()
);

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
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
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
    /// Membership: the failure detector that decides which peers are gossip partners
    /// (`None`: every peer is, and nobody is suspected).
    #[serde(deserialize_with = "detector_or_none")]
    pub detector: Option<DetectorKind>,
    /// `fixed` detector: silence after which a peer is suspected.
    #[serde(deserialize_with = "positive_duration")]
    pub suspect_after: Nanos,
    /// `heartbeat` detector: the margin past the expected message.
    #[serde(deserialize_with = "positive_duration")]
    pub detector_margin: Nanos,
    /// `phi` detector: the suspicion level at which a peer is suspected.
    #[serde(deserialize_with = "positive_level")]
    pub phi_threshold: f64,
    /// `phi` detector: the smallest standard deviation of intervals assumed.
    #[serde(deserialize_with = "positive_duration")]
    pub phi_min_std: Nanos,
    /// `heartbeat` and `phi` detectors: how many recent intervals they keep.
    #[serde(deserialize_with = "window_size")]
    pub detector_window: u32,
}

impl Default for GossipParams {
    fn default() -> Self {
        GossipParams {
            interval: 50 * MILLIS,
            fanout: 2,
            counter: CounterKind::Crdt,
            merge: MergeKind::Idempotent,
            detector: None,
            suspect_after: 500 * MILLIS,
            detector_margin: 100 * MILLIS,
            phi_threshold: 8.0,
            phi_min_std: 20 * MILLIS,
            detector_window: 100,
        }
    }
}

impl GossipParams {
    /// The failure detector each node watches its peers with, if membership is on.
    pub fn detector_config(&self) -> Option<DetectorConfig> {
        self.detector.map(|kind| DetectorConfig {
            kind,
            timeout: self.suspect_after,
            margin: self.detector_margin,
            phi_threshold: self.phi_threshold,
            window: self.detector_window as usize,
            min_std: self.phi_min_std,
            acceptable_pause: 0,
        })
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
        assert!(parse("detector = \"swim\"")
            .unwrap_err()
            .contains("\"none\""));
        assert!(parse("phi_threshold = 0").unwrap_err().contains("above 0"));
        assert!(parse("detector_window = 0")
            .unwrap_err()
            .contains("1 to 10000"));
        assert!(parse("suspect_after = \"0s\"").is_err());
    }

    #[test]
    fn membership_is_off_by_default_and_tuned_like_the_other_detectors() {
        assert_eq!(GossipParams::default().detector_config(), None);
        let p = parse("detector = \"phi\"\nphi_threshold = 12.0\ndetector_window = 20").unwrap();
        let c = p.detector_config().unwrap();
        assert_eq!(c.kind, DetectorKind::Phi);
        assert_eq!((c.phi_threshold, c.window), (12.0, 20));
        assert_eq!(c.timeout, 500 * MILLIS);
        let doc_keys: Vec<&str> = PARAMS_DOC
            .lines()
            .map(|l| l.split(" = ").next().unwrap())
            .collect();
        assert_eq!(
            doc_keys,
            [
                "interval",
                "fanout",
                "counter",
                "merge",
                "detector",
                "suspect_after",
                "detector_margin",
                "phi_threshold",
                "phi_min_std",
                "detector_window"
            ]
        );
    }
}
