//! `[cluster.params]` of `raft`: the parameter struct, its defaults, the one-line
//! documentation `faultline list` prints, and the validation of values (each problem is
//! refused with a one-line message naming it). Owns no protocol behaviour.

use crate::des::time::{Nanos, MILLIS};
use crate::des::words::word_enum;
use crate::protocol::params_serde::positive_duration;
use crate::protocol::Knobs;
use serde::Deserialize;

/// The parameters, one `key = default  # meaning` per line, as `faultline list` shows them.
pub const PARAMS_DOC: &str = "\
election_timeout_min = \"150ms\"  # a follower that hears no leader for a random time in [min, max] (local clock) starts an election
election_timeout_max = \"300ms\"  # upper end of the randomized election timeout
heartbeat = \"50ms\"  # leader heartbeat (AppendEntries) interval; must be below election_timeout_min
pre_vote = true  # ask PreVote for term+1 before standing (dissertation 9.6): a partitioned node does not inflate terms
check_quorum = true  # a leader that has not heard from a majority within election_timeout_max steps down (6.2)
max_batch = 64  # entries per AppendEntries
read_mode = \"read-index\"  # \"log\" (reads go through the log), \"read-index\" (6.4), \"lease\" (6.4.1), \"local\" (teaching: a deposed leader serves stale reads)
lease = \"120ms\"  # read_mode lease: lease from a majority-acknowledged heartbeat round, counted from when it was sent; safe only if lease <= election_timeout_min (teaching: bigger = stale reads)
lease_drift_ppm = 20000  # the leader shortens its lease by this much to cover clock drift; real drift beyond it gives stale reads
commit_previous_term_by_count = false  # teaching (Figure 8): commit earlier-term entries by counting replicas; committed entries can be lost
skip_log_up_to_date_check = false  # teaching: grant votes without the 5.4.1 election restriction; committed entries can be lost
volatile_vote = false  # teaching: currentTerm and votedFor are not persisted; a restarted node can vote twice in a term (two leaders)
no_dedup = false  # teaching: no client session table (6.3); a retried request is applied twice";

word_enum! {
    /// How the leader answers reads.
    #[derive(Default)]
    pub ReadMode {
        /// Reads are appended to the log and answered when applied, like writes.
        Log = "log",
        /// Dissertation §6.4: the leader records its commit index, confirms leadership with a
        /// heartbeat round acknowledged by a majority, waits until it applied that far, and
        /// answers from its state machine.
        #[default]
        ReadIndex = "read-index",
        /// Dissertation §6.4.1: the leader answers locally while its lease holds. Safe only if
        /// `lease <= election_timeout_min` and clock drift stays within `lease_drift_ppm`.
        Lease = "lease",
        /// Teaching switch: whoever believes it is leader answers at once from its own state
        /// machine. Anomaly: a deposed leader serves stale reads (linearizability fails).
        Local = "local",
    }
}

/// `[cluster.params]` of `raft`. See [`PARAMS_DOC`] for the keys and defaults.
///
/// Deserialized through a raw struct (with `deny_unknown_fields` and defaults) and then
/// validated as a whole, so relations between keys (`min < max`, `heartbeat < min`) are
/// refused with a message naming both keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawParams")]
pub struct RaftParams {
    /// Lower bound of the randomized election timeout (local time).
    pub election_timeout_min: Nanos,
    /// Upper bound of the randomized election timeout (local time).
    pub election_timeout_max: Nanos,
    /// Leader heartbeat interval (local time).
    pub heartbeat: Nanos,
    /// Pre-vote phase before elections (dissertation §9.6).
    pub pre_vote: bool,
    /// A leader without a majority heard within an election timeout steps down (§6.2).
    pub check_quorum: bool,
    /// Most entries sent in one AppendEntries.
    pub max_batch: usize,
    /// How reads are served.
    pub read_mode: ReadMode,
    /// Lease length for `read_mode = "lease"`.
    pub lease: Nanos,
    /// The lease is shortened by this many parts per million to cover clock drift.
    pub lease_drift_ppm: u32,
    /// Teaching switch (Figure 8 anomaly): commit entries of earlier terms by counting.
    pub commit_previous_term_by_count: bool,
    /// Teaching switch: grant votes without the §5.4.1 election restriction.
    pub skip_log_up_to_date_check: bool,
    /// Teaching switch: term and vote are not persisted (a node can vote twice in a term).
    pub volatile_vote: bool,
    /// Teaching switch: no client session table (retries are applied again).
    pub no_dedup: bool,
}

impl Default for RaftParams {
    fn default() -> Self {
        RaftParams {
            election_timeout_min: 150 * MILLIS,
            election_timeout_max: 300 * MILLIS,
            heartbeat: 50 * MILLIS,
            pre_vote: true,
            check_quorum: true,
            max_batch: 64,
            read_mode: ReadMode::ReadIndex,
            lease: 120 * MILLIS,
            lease_drift_ppm: 20_000,
            commit_previous_term_by_count: false,
            skip_log_up_to_date_check: false,
            volatile_vote: false,
            no_dedup: false,
        }
    }
}

impl RaftParams {
    /// How long after sending a heartbeat round, acknowledged by a majority, the leader may
    /// serve lease reads: `lease * (1 - lease_drift_ppm / 10^6)`, rounded down.
    pub fn lease_hold(&self) -> Nanos {
        let cut = u128::from(self.lease) * u128::from(self.lease_drift_ppm) / 1_000_000;
        self.lease - cut as Nanos
    }
}

/// The keys as written, before the checks that relate them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawParams {
    #[serde(deserialize_with = "positive_duration")]
    election_timeout_min: Nanos,
    #[serde(deserialize_with = "positive_duration")]
    election_timeout_max: Nanos,
    #[serde(deserialize_with = "positive_duration")]
    heartbeat: Nanos,
    pre_vote: bool,
    check_quorum: bool,
    max_batch: usize,
    read_mode: ReadMode,
    #[serde(deserialize_with = "positive_duration")]
    lease: Nanos,
    lease_drift_ppm: u32,
    commit_previous_term_by_count: bool,
    skip_log_up_to_date_check: bool,
    volatile_vote: bool,
    no_dedup: bool,
}

impl RaftParams {
    /// Swarm testing's draw ([`crate::protocol::Protocol::swarm`]): `heartbeat` in 20–80 ms;
    /// `election_timeout_min` from three heartbeats (at least 100 ms) to 400 ms;
    /// `election_timeout_max` from `election_timeout_min + 20ms` to twice it; `max_batch` in
    /// 1–64. With `read_mode = "lease"` the election timeouts stay as written: the lease's
    /// safety rests on them.
    pub fn swarm(&mut self, k: &mut Knobs<'_>) {
        let before = *self;
        self.heartbeat = k.duration("heartbeat", self.heartbeat, 20 * MILLIS, 80 * MILLIS);
        if self.read_mode != ReadMode::Lease {
            let lo = (3 * self.heartbeat).max(100 * MILLIS);
            let hi = if k.is_pinned("election_timeout_max") {
                self.election_timeout_max.saturating_sub(20 * MILLIS)
            } else {
                400 * MILLIS
            };
            let min = k.duration("election_timeout_min", self.election_timeout_min, lo, hi);
            self.election_timeout_min = min;
            self.election_timeout_max = k.duration(
                "election_timeout_max",
                self.election_timeout_max,
                min + 20 * MILLIS,
                2 * min,
            );
        }
        self.max_batch = k.count("max_batch", self.max_batch as u64, 1, 64) as usize;
        let valid = self.heartbeat < self.election_timeout_min
            && self.election_timeout_min < self.election_timeout_max;
        if !valid {
            *self = before;
            k.discard();
        }
    }
}

impl Default for RawParams {
    fn default() -> Self {
        let d = RaftParams::default();
        RawParams {
            election_timeout_min: d.election_timeout_min,
            election_timeout_max: d.election_timeout_max,
            heartbeat: d.heartbeat,
            pre_vote: d.pre_vote,
            check_quorum: d.check_quorum,
            max_batch: d.max_batch,
            read_mode: d.read_mode,
            lease: d.lease,
            lease_drift_ppm: d.lease_drift_ppm,
            commit_previous_term_by_count: d.commit_previous_term_by_count,
            skip_log_up_to_date_check: d.skip_log_up_to_date_check,
            volatile_vote: d.volatile_vote,
            no_dedup: d.no_dedup,
        }
    }
}

impl TryFrom<RawParams> for RaftParams {
    type Error = String;

    fn try_from(r: RawParams) -> Result<Self, String> {
        if r.election_timeout_min >= r.election_timeout_max {
            return Err("election_timeout_min must be below election_timeout_max".into());
        }
        if r.heartbeat >= r.election_timeout_min {
            return Err("heartbeat must be below election_timeout_min".into());
        }
        if r.max_batch == 0 {
            return Err("max_batch must be at least 1".into());
        }
        if r.lease_drift_ppm >= 1_000_000 {
            return Err(format!(
                "lease_drift_ppm = {} leaves no lease; it must be below 1000000",
                r.lease_drift_ppm
            ));
        }
        Ok(RaftParams {
            election_timeout_min: r.election_timeout_min,
            election_timeout_max: r.election_timeout_max,
            heartbeat: r.heartbeat,
            pre_vote: r.pre_vote,
            check_quorum: r.check_quorum,
            max_batch: r.max_batch,
            read_mode: r.read_mode,
            lease: r.lease,
            lease_drift_ppm: r.lease_drift_ppm,
            commit_previous_term_by_count: r.commit_previous_term_by_count,
            skip_log_up_to_date_check: r.skip_log_up_to_date_check,
            volatile_vote: r.volatile_vote,
            no_dedup: r.no_dedup,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<RaftParams, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        RaftParams::deserialize(toml::Value::Table(table)).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(parse("").unwrap(), RaftParams::default());
        let p = parse(
            "election_timeout_min = \"1s\"\nelection_timeout_max = \"2s\"\nheartbeat = \"100ms\"\n\
             pre_vote = false\nread_mode = \"lease\"\nmax_batch = 1\nno_dedup = true",
        )
        .unwrap();
        assert_eq!(p.election_timeout_min, 1_000 * MILLIS);
        assert_eq!(p.read_mode, ReadMode::Lease);
        assert!(!p.pre_vote && p.no_dedup);
        assert_eq!(RaftParams::default().lease_hold(), 117_600_000);
        for (text, mode) in [("log", ReadMode::Log), ("local", ReadMode::Local)] {
            assert_eq!(
                parse(&format!("read_mode = \"{text}\"")).unwrap().read_mode,
                mode
            );
        }
    }

    #[test]
    fn refuses_bad_values_naming_the_problem() {
        let err = |t: &str| parse(t).unwrap_err();
        assert!(err("heartbeats = \"1s\"").contains("heartbeats"));
        assert!(err("election_timeout_min = \"400ms\"").contains("below election_timeout_max"));
        assert!(err("heartbeat = \"200ms\"").contains("below election_timeout_min"));
        assert!(err("max_batch = 0").contains("max_batch"));
        assert!(err("lease_drift_ppm = 1000000").contains("below"));
        assert!(err("read_mode = \"stale\"").contains("stale"));
        assert!(err("lease = \"0s\"").contains("longer than zero"));
    }
}
