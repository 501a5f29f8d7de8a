//! `[cluster.params]` of `primary-backup`: the parameter struct, its defaults, the one-line
//! documentation `faultline list` prints, and the validation of the drift margin (durations
//! are read by the shared helpers in `params_serde`). Owns no protocol behaviour.

use crate::des::time::{Nanos, MILLIS};
use crate::des::words::word_enum;
use crate::protocol::detector::{DetectorConfig, DetectorKind};
use crate::protocol::params_serde::{positive_duration, positive_level, window_size};
use crate::protocol::Knobs;
use serde::de::{self, Deserializer};
use serde::Deserialize;

/// The parameters, one `key = default  # meaning` per line, as `faultline list` shows them.
pub const PARAMS_DOC: &str = "\
replication = \"sync\"  # \"sync\": ack a write once every live backup persisted it; \"async\": ack at once (teaching: loses acknowledged writes on failover)
fencing = true  # epochs, majority votes and leases; false = split-brain teaching switch (loses acknowledged writes when a partition heals; replicas can end different for good)
heartbeat = \"50ms\"  # primary heartbeat interval (local time)
failover_timeout = \"300ms\"  # a backup that has not heard the primary for this long takes over
lease = \"200ms\"  # lease a heartbeat ack grants; also how recently a backup must be heard to stay in the sync set
drift_margin_ppm = 20000  # the primary shortens its lease by this much; safe while every clock drifts at most about half of it
ship_interval = \"30ms\"  # async only: acknowledged writes are shipped to backups in batches this often (the replication lag)
reads = \"primary\"  # who serves reads: \"primary\" (leased, linearizable); \"any\": a replica drawn per read, from its applied state (teaching: breaks read-your-writes and monotonic reads); \"sticky\": the client's own replica (monotonic reads hold; read-your-writes still breaks)
detector = \"fixed\"  # how a backup decides the primary failed: \"fixed\" (silent for failover_timeout), \"heartbeat\" (mean heartbeat interval + detector_margin; Chen et al. 2002), \"phi\" (phi accrual reaches phi_threshold; Hayashibara et al. 2004)
detector_margin = \"100ms\"  # heartbeat detector: the safety margin past the expected heartbeat
phi_threshold = 8.0  # phi detector: the suspicion level at which the primary is suspected
phi_min_std = \"20ms\"  # phi detector: the smallest standard deviation of heartbeat intervals assumed
detector_window = 100  # heartbeat and phi detectors: how many recent heartbeat intervals they keep
session_token = false  # follower reads: the client carries the sequence number of its latest write and a replica waits until it has applied it (restores read-your-writes)";

word_enum! {
    /// How the primary acknowledges writes.
    #[derive(Default)]
    pub Replication {
        /// Acknowledge once every backup in the sync set has applied and persisted the write,
        /// and the primary's own durable write completed.
        #[default]
        Sync = "sync",
        /// Teaching switch: acknowledge at once after applying in memory; ship to backups
        /// afterwards without waiting. A primary crash loses acknowledged writes.
        Async = "async",
    }
}

word_enum! {
    /// Who serves read-only transactions.
    #[derive(Default)]
    pub Reads {
        /// The primary, under its lease, after every earlier write committed: linearizable.
        #[default]
        Primary = "primary",
        /// Follower reads: the node the client asked forwards each read to a replica drawn at
        /// random, which answers from what it has applied. Replication lag breaks
        /// read-your-writes and monotonic reads.
        Any = "any",
        /// Follower reads from the client's own replica (`client mod nodes`), the same one
        /// every time: monotonic reads hold, read-your-writes still breaks.
        Sticky = "sticky",
    }
}

/// `[cluster.params]` of `primary-backup`. See [`PARAMS_DOC`] for the keys and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrimaryBackupParams {
    /// Synchronous or asynchronous acknowledgement of writes.
    pub replication: Replication,
    /// Epoch fencing with majority votes and leases (`true`), or the split-brain teaching
    /// switch (`false`).
    pub fencing: bool,
    /// Heartbeat interval of the primary, in local time.
    #[serde(deserialize_with = "positive_duration")]
    pub heartbeat: Nanos,
    /// Silence from the primary after which a backup takes over.
    #[serde(deserialize_with = "positive_duration")]
    pub failover_timeout: Nanos,
    /// Lease granted by one heartbeat acknowledgement; also the liveness window of the
    /// sync set.
    #[serde(deserialize_with = "positive_duration")]
    pub lease: Nanos,
    /// Safety margin, in parts per million of `lease`, by which the primary ends its lease
    /// early to cover clock drift. Safe while every node's drift stays below
    /// `margin / (2 - margin)` (about half the margin).
    #[serde(deserialize_with = "margin_ppm")]
    pub drift_margin_ppm: u32,
    /// With `replication = "async"`: how often the primary ships the writes it has already
    /// acknowledged to its backups (its replication log is streamed in batches, so backups lag
    /// by up to this much). Ignored with sync replication.
    #[serde(deserialize_with = "positive_duration")]
    pub ship_interval: Nanos,
    /// Who serves read-only transactions.
    pub reads: Reads,
    /// How a backup decides that the primary failed.
    pub detector: DetectorKind,
    /// `heartbeat` detector: the margin past the expected heartbeat.
    #[serde(deserialize_with = "positive_duration")]
    pub detector_margin: Nanos,
    /// `phi` detector: the suspicion level at which the primary is suspected.
    #[serde(deserialize_with = "positive_level")]
    pub phi_threshold: f64,
    /// `phi` detector: the smallest standard deviation of heartbeat intervals assumed.
    #[serde(deserialize_with = "positive_duration")]
    pub phi_min_std: Nanos,
    /// `heartbeat` and `phi` detectors: how many recent heartbeat intervals they keep.
    #[serde(deserialize_with = "window_size")]
    pub detector_window: u32,
    /// Follower reads wait for the client's session token (the sequence number of its
    /// latest acknowledged write): read-your-writes.
    pub session_token: bool,
}

impl Default for PrimaryBackupParams {
    fn default() -> Self {
        PrimaryBackupParams {
            replication: Replication::Sync,
            fencing: true,
            heartbeat: 50 * MILLIS,
            failover_timeout: 300 * MILLIS,
            lease: 200 * MILLIS,
            drift_margin_ppm: 20_000,
            ship_interval: 30 * MILLIS,
            reads: Reads::Primary,
            session_token: false,
            detector: DetectorKind::Fixed,
            detector_margin: 100 * MILLIS,
            phi_threshold: 8.0,
            phi_min_std: 20 * MILLIS,
            detector_window: 100,
        }
    }
}

impl PrimaryBackupParams {
    /// Swarm testing's draw ([`crate::protocol::Protocol::swarm`]): `heartbeat` from 20 ms
    /// to 80 ms (at most half the lease, so acknowledgements renew it); `failover_timeout`
    /// from three heartbeats (at least 100 ms) to 600 ms; `ship_interval` in 5–60 ms. The
    /// lease and drift margin, on which safety rests, stay as written.
    pub fn swarm(&mut self, k: &mut Knobs<'_>) {
        let before = *self;
        let hb_hi = (80 * MILLIS).min(self.lease / 2);
        self.heartbeat = k.duration("heartbeat", self.heartbeat, 20 * MILLIS, hb_hi);
        let lo = (3 * self.heartbeat).max(100 * MILLIS);
        self.failover_timeout =
            k.duration("failover_timeout", self.failover_timeout, lo, 600 * MILLIS);
        self.ship_interval =
            k.duration("ship_interval", self.ship_interval, 5 * MILLIS, 60 * MILLIS);
        if self.heartbeat >= self.failover_timeout || self.heartbeat >= self.lease {
            *self = before;
            k.discard();
        }
    }

    /// The failure detector a backup watches its primary with.
    pub fn detector(&self) -> DetectorConfig {
        DetectorConfig {
            kind: self.detector,
            timeout: self.failover_timeout,
            margin: self.detector_margin,
            phi_threshold: self.phi_threshold,
            window: self.detector_window as usize,
            min_std: self.phi_min_std,
            acceptable_pause: 0,
        }
    }

    /// How long after sending a heartbeat the primary may rely on the acknowledgements it
    /// gets for it: `lease * (1 - drift_margin_ppm / 10^6)`, rounded down.
    pub fn lease_hold(&self) -> Nanos {
        let cut = u128::from(self.lease) * u128::from(self.drift_margin_ppm) / 1_000_000;
        self.lease - cut as Nanos
    }
}

/// Reads the drift margin: an integer number of ppm below 1,000,000.
fn margin_ppm<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if v >= 1_000_000 {
        return Err(de::Error::custom(format!(
            "drift_margin_ppm = {v} leaves no lease; it must be below 1000000"
        )));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PrimaryBackupParams, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        PrimaryBackupParams::deserialize(toml::Value::Table(table)).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_duration_strings() {
        assert_eq!(parse("").unwrap(), PrimaryBackupParams::default());
        let p = parse(
            "replication = \"async\"\nfencing = false\nheartbeat = \"20ms\"\n\
             failover_timeout = \"1.5s\"\nlease = \"100ms\"\ndrift_margin_ppm = 50000",
        )
        .unwrap();
        assert_eq!(p.replication, Replication::Async);
        assert!(!p.fencing);
        assert_eq!(p.heartbeat, 20 * MILLIS);
        assert_eq!(p.failover_timeout, 1_500 * MILLIS);
        assert_eq!(p.lease, 100 * MILLIS);
        assert_eq!(p.lease_hold(), 95 * MILLIS);
        assert_eq!(PrimaryBackupParams::default().lease_hold(), 196 * MILLIS);
        let p = parse("reads = \"sticky\"\nsession_token = true").unwrap();
        assert_eq!((p.reads, p.session_token), (Reads::Sticky, true));
        assert_eq!(parse("reads = \"any\"").unwrap().reads, Reads::Any);
        assert_eq!(PrimaryBackupParams::default().reads, Reads::Primary);
        let p = parse("detector = \"phi\"\nphi_threshold = 10\ndetector_window = 50").unwrap();
        assert_eq!(p.detector().kind, DetectorKind::Phi);
        assert_eq!((p.phi_threshold, p.detector_window), (10.0, 50));
        assert_eq!(p.detector().timeout, p.failover_timeout);
    }

    #[test]
    fn rejects_unknown_keys_bad_types_and_bad_values() {
        assert!(parse("leases = \"1s\"").unwrap_err().contains("leases"));
        assert!(parse("heartbeat = 50")
            .unwrap_err()
            .contains("duration string"));
        assert!(parse("heartbeat = \"50\"")
            .unwrap_err()
            .contains("missing unit"));
        assert!(parse("lease = \"0ms\"")
            .unwrap_err()
            .contains("longer than zero"));
        assert!(parse("failover_timeout = \"-1s\"")
            .unwrap_err()
            .contains("negative"));
        assert!(parse("replication = \"semi\"")
            .unwrap_err()
            .contains("semi"));
        assert!(parse("fencing = \"yes\"").is_err());
        assert!(parse("drift_margin_ppm = 1000000")
            .unwrap_err()
            .contains("below"));
        assert!(parse("drift_margin_ppm = -3").is_err());
        assert!(parse("reads = \"nearest\"")
            .unwrap_err()
            .contains("nearest"));
    }
}
