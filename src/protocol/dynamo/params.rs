//! `[cluster.params]` of `dynamo`: the parameter struct, its defaults, the one-line
//! documentation `faultline list` prints, and the checks that need the cluster size
//! (`1 <= r, w <= n <= nodes`). Owns no protocol behaviour.

use crate::des::time::{Nanos, MILLIS};
use crate::des::words::word_enum;
use crate::protocol::detector::{DetectorConfig, DetectorKind};
use crate::protocol::params_serde::{positive_duration, positive_level, window_size};
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// The parameters, one `key = default  # meaning` per line, as `faultline list` shows them.
pub const PARAMS_DOC: &str = "\
n = 3  # replicas per key: the first n distinct nodes clockwise from the key on the ring (at most the node count)
r = 2  # replies a read waits for (1 to n); r + w > n makes every read quorum meet every write quorum
w = 2  # acknowledgements a write waits for (1 to n); a replica acknowledges once the write is durable
vnodes = 8  # virtual nodes (ring tokens) per node
coordinator = \"ring\"  # \"ring\": the node a client reaches forwards to the key's first reachable preference-list node; \"client\": that node coordinates itself
versioning = \"lww\"  # \"lww\": last write wins by (coordinator's local clock, node); \"version-vector\": concurrent writes are kept as siblings
read_repair = \"async\"  # \"off\"; \"async\": after answering, push the newest version to stale replicas that replied; \"sync\": push it and wait for their acks before answering
sloppy_quorum = false  # true: a write or read skips replicas the failure detector suspects and uses the next healthy nodes on the ring, with hints naming the owner
anti_entropy = \"1s\"  # period of Merkle-tree comparison with one replica sharing a key range, round robin; \"off\" disables it
tombstone_expiry = \"never\"  # a replica purges a delete's tombstone this long after it was stamped (local clock); shorter than a replica's outage plus the repair that reaches it, and the deleted value comes back (Cassandra's gc_grace_seconds)
request_timeout = \"500ms\"  # a coordinator gives up on a request unanswered this long (the client records info)
ping_interval = \"100ms\"  # a node pings peers it has not heard from for this long; also how often hints are handed off
suspect_after = \"300ms\"  # the failure detector suspects a peer not heard from for this long (detector = \"fixed\")
detector = \"fixed\"  # \"fixed\" (silent for suspect_after), \"heartbeat\" (mean interval between messages + detector_margin; Chen et al. 2002), \"phi\" (phi accrual reaches phi_threshold; Hayashibara et al. 2004)
detector_margin = \"100ms\"  # heartbeat detector: the safety margin past the expected message
phi_threshold = 8.0  # phi detector: the suspicion level at which a peer is suspected
phi_min_std = \"20ms\"  # phi detector: the smallest standard deviation of intervals assumed
detector_window = 100  # heartbeat and phi detectors: how many recent intervals they keep";

word_enum! {
    /// Which node coordinates a client request.
    #[derive(Default)]
    pub Coordinator {
        /// The node the client reached forwards the request to the first preference-list
        /// node of the key that the failure detector does not suspect.
        #[default]
        Ring = "ring",
        /// The node the client reached coordinates, whether or not it replicates the key.
        Client = "client",
    }
}

word_enum! {
    /// How versions of one key are ordered.
    #[derive(Default)]
    pub Versioning {
        /// Last write wins: the version with the highest (coordinator local time, node,
        /// sequence) tag. Clock skew loses acknowledged writes.
        #[default]
        Lww = "lww",
        /// Version vectors: concurrent versions are all kept (siblings) until a write whose
        /// context covers them replaces them.
        VersionVector = "version-vector",
    }
}

word_enum! {
    /// What a read does about the stale replicas it heard from.
    #[derive(Default)]
    pub ReadRepair {
        /// Nothing: stale replicas stay stale until anti-entropy or a later write.
        Off = "off",
        /// Answer first, then push the newest version to the stale replicas.
        #[default]
        Async = "async",
        /// Push the newest version to the stale replicas that replied and wait for their
        /// acknowledgements before answering (a write-back, as in ABD).
        Sync = "sync",
    }
}

/// `[cluster.params]` of `dynamo`. See [`PARAMS_DOC`] for the keys and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DynamoParams {
    /// Replicas per key.
    #[serde(deserialize_with = "at_least_one")]
    pub n: u32,
    /// Read quorum.
    #[serde(deserialize_with = "at_least_one")]
    pub r: u32,
    /// Write quorum.
    #[serde(deserialize_with = "at_least_one")]
    pub w: u32,
    /// Ring tokens per node.
    #[serde(deserialize_with = "at_least_one")]
    pub vnodes: u32,
    /// Who coordinates.
    pub coordinator: Coordinator,
    /// How versions are ordered.
    pub versioning: Versioning,
    /// Read repair mode.
    pub read_repair: ReadRepair,
    /// Sloppy quorums with hinted handoff.
    pub sloppy_quorum: bool,
    /// Anti-entropy period (`None`: off).
    #[serde(deserialize_with = "period_or_off")]
    pub anti_entropy: Option<Nanos>,
    /// How long a replica keeps a delete's tombstone after its stamp (`None`: forever).
    #[serde(deserialize_with = "duration_or_never")]
    pub tombstone_expiry: Option<Nanos>,
    /// How long a coordinator waits for its quorum.
    #[serde(deserialize_with = "positive_duration")]
    pub request_timeout: Nanos,
    /// Ping and hand-off period.
    #[serde(deserialize_with = "positive_duration")]
    pub ping_interval: Nanos,
    /// Silence after which a peer is suspected (`detector = "fixed"`).
    #[serde(deserialize_with = "positive_duration")]
    pub suspect_after: Nanos,
    /// Which failure detector decides that a peer is down (for sloppy quorums, forwarding
    /// and hand-off).
    pub detector: DetectorKind,
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

impl Default for DynamoParams {
    fn default() -> Self {
        DynamoParams {
            n: 3,
            r: 2,
            w: 2,
            vnodes: 8,
            coordinator: Coordinator::Ring,
            versioning: Versioning::Lww,
            read_repair: ReadRepair::Async,
            sloppy_quorum: false,
            anti_entropy: Some(1_000 * MILLIS),
            tombstone_expiry: None,
            request_timeout: 500 * MILLIS,
            ping_interval: 100 * MILLIS,
            suspect_after: 300 * MILLIS,
            detector: DetectorKind::Fixed,
            detector_margin: 100 * MILLIS,
            phi_threshold: 8.0,
            phi_min_std: 20 * MILLIS,
            detector_window: 100,
        }
    }
}

impl DynamoParams {
    /// The failure detector each node watches its peers with.
    pub fn detector_config(&self) -> DetectorConfig {
        DetectorConfig {
            kind: self.detector,
            timeout: self.suspect_after,
            margin: self.detector_margin,
            phi_threshold: self.phi_threshold,
            window: self.detector_window as usize,
            min_std: self.phi_min_std,
            acceptable_pause: 0,
        }
    }

    /// Whether every read quorum meets every write quorum: `r + w > n`. (Only for strict
    /// quorums: a sloppy quorum's nodes need not be the preference list's.)
    pub fn quorums_overlap(&self) -> bool {
        self.r + self.w > self.n
    }

    /// Whether two write quorums always meet (`2w > n`): concurrent writes then always have
    /// a replica in common.
    pub fn write_quorums_overlap(&self) -> bool {
        2 * self.w > self.n
    }

    /// Checks the quorum sizes against each other and the cluster size: `1 <= r, w <= n <=
    /// nodes`. The error is `(key, message)`, the key being the one to change.
    pub fn check(&self, nodes: usize) -> Result<(), (&'static str, String)> {
        if self.n as usize > nodes {
            return Err((
                "n",
                format!(
                    "n = {} is more than the {nodes} node(s) of the cluster; expected 1 <= r, w <= n <= nodes",
                    self.n
                ),
            ));
        }
        for (key, v) in [("r", self.r), ("w", self.w)] {
            if v > self.n {
                return Err((
                    key,
                    format!(
                        "{key} = {v} is more than n = {}; expected 1 <= r, w <= n <= nodes",
                        self.n
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Reads a positive integer.
fn at_least_one<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if v == 0 {
        return Err(de::Error::custom(
            "0 is too small; expected an integer of at least 1",
        ));
    }
    Ok(v)
}

/// Reads `"off"` or a positive duration string.
fn period_or_off<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Nanos>, D::Error> {
    let text = String::deserialize(d)?;
    if text == "off" {
        return Ok(None);
    }
    positive_duration(de::value::StrDeserializer::<D::Error>::new(&text)).map(Some)
}

/// Reads `"never"` or a positive duration string.
fn duration_or_never<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Nanos>, D::Error> {
    let text = String::deserialize(d)?;
    if text == "never" {
        return Ok(None);
    }
    positive_duration(de::value::StrDeserializer::<D::Error>::new(&text)).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<DynamoParams, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        DynamoParams::deserialize(toml::Value::Table(table)).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_switches_and_periods() {
        assert_eq!(parse("").unwrap(), DynamoParams::default());
        let p = parse(
            "n = 5\nr = 1\nw = 5\ncoordinator = \"client\"\nversioning = \"version-vector\"\n\
             read_repair = \"sync\"\nsloppy_quorum = true\nanti_entropy = \"off\"",
        )
        .unwrap();
        assert_eq!((p.n, p.r, p.w), (5, 1, 5));
        assert_eq!(p.coordinator, Coordinator::Client);
        assert_eq!(p.versioning, Versioning::VersionVector);
        assert_eq!(p.read_repair, ReadRepair::Sync);
        assert!(p.sloppy_quorum);
        assert_eq!(p.anti_entropy, None);
        assert_eq!(
            parse("anti_entropy = \"250ms\"").unwrap().anti_entropy,
            Some(250 * MILLIS)
        );
    }

    /// Brute force over every pair of subsets: a read quorum of size r and a write quorum of
    /// size w out of n replicas always intersect exactly when r + w > n.
    #[test]
    fn quorum_arithmetic() {
        for n in 1..=6u32 {
            let subsets =
                |k: u32| -> Vec<u32> { (0u32..1 << n).filter(|m| m.count_ones() == k).collect() };
            for r in 1..=n {
                for w in 1..=n {
                    let p = DynamoParams {
                        n,
                        r,
                        w,
                        ..DynamoParams::default()
                    };
                    let always = subsets(r)
                        .iter()
                        .all(|&a| subsets(w).iter().all(|&b| a & b != 0));
                    assert_eq!(p.quorums_overlap(), always, "n = {n}, r = {r}, w = {w}");
                    let writes = subsets(w)
                        .iter()
                        .all(|&a| subsets(w).iter().all(|&b| a & b != 0));
                    assert_eq!(p.write_quorums_overlap(), writes, "n = {n}, w = {w}");
                }
            }
        }
    }

    #[test]
    fn refuses_bad_values_naming_the_key() {
        assert!(parse("quorum = 2").unwrap_err().contains("quorum"));
        assert!(parse("r = 0").unwrap_err().contains("at least 1"));
        assert!(parse("versioning = \"vc\"").unwrap_err().contains("vc"));
        assert!(parse("anti_entropy = \"0ms\"")
            .unwrap_err()
            .contains("longer than zero"));
        assert!(parse("anti_entropy = \"never\"").is_err());
        assert_eq!(DynamoParams::default().tombstone_expiry, None);
        assert_eq!(
            parse("tombstone_expiry = \"never\"")
                .unwrap()
                .tombstone_expiry,
            None
        );
        assert_eq!(
            parse("tombstone_expiry = \"2s\"").unwrap().tombstone_expiry,
            Some(2_000 * MILLIS)
        );
        assert!(parse("tombstone_expiry = \"0s\"").is_err());
        assert!(parse("tombstone_expiry = \"off\"").is_err());
        let p = |n, r, w| DynamoParams {
            n,
            r,
            w,
            ..DynamoParams::default()
        };
        assert_eq!(p(3, 2, 2).check(5), Ok(()));
        assert_eq!(p(5, 5, 1).check(5), Ok(()));
        let (key, msg) = p(6, 2, 2).check(5).unwrap_err();
        assert_eq!(key, "n");
        assert!(msg.contains("n = 6"), "{msg}");
        assert_eq!(p(3, 4, 2).check(5).unwrap_err().0, "r");
        assert_eq!(p(3, 2, 4).check(5).unwrap_err().0, "w");
    }
}
