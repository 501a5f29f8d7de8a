//! `[cluster.params]` of `multi-leader`: the parameter struct, its defaults, the conflict
//! resolution, routing and delivery choices, the teaching switch and the one-line
//! documentation `faultline list` prints. Owns no protocol behaviour.

use crate::des::time::{Nanos, MILLIS};
use crate::des::words::word_enum;
use crate::protocol::params_serde::positive_duration;
use serde::Deserialize;

/// The parameters, one `key = default  # meaning` per line, as `faultline list` shows them.
pub const PARAMS_DOC: &str = "\
ship_interval = \"30ms\"  # each leader ships the updates it accepted to every other node this often (local time); also the heartbeat that lets receivers find gaps
conflict = \"lww\"  # \"lww\": highest (local clock, node) tag wins (clock skew loses writes); \"version-vector\": concurrent writes kept as siblings; \"crdt\": counters and sets merge as CRDTs, registers as LWW
apply_in_arrival_order = false  # teaching: apply each update as it arrives, overwriting blindly (replicas diverge forever)
route = \"local\"  # \"local\": the node a client asks serves it; \"random\": it hands each request to a leader drawn at random (clients switch leaders)
delivery = \"causal\"  # how a receiver orders other leaders' updates: \"causal\": each origin's in log order, each after the updates its leader had applied when it accepted it; \"fifo\": each origin's in log order only (teaching: breaks writes-follow-reads); \"unordered\": each as it arrives (teaching: breaks monotonic writes)";

word_enum! {
    /// How concurrent updates of one key are reconciled.
    #[derive(Default)]
    pub Conflict {
        /// Last writer wins: every update carries the accepting node's local clock reading
        /// and id; the highest tag wins everywhere. Clock skew loses acknowledged writes.
        #[default]
        Lww = "lww",
        /// Every update carries a version vector; concurrent updates are kept as siblings,
        /// which a read resolves deterministically and the next local update supersedes.
        VersionVector = "version-vector",
        /// Counters and sets merge as CRDTs (PN-counter, OR-set); registers as LWW.
        Crdt = "crdt",
    }
}

word_enum! {
    /// Which leader serves a client request.
    #[derive(Default)]
    pub Route {
        /// The node the client asked.
        #[default]
        Local = "local",
        /// A leader drawn at random for every request (a load balancer in front of the
        /// leaders): a client's successive requests land on different leaders.
        Random = "random",
    }
}

word_enum! {
    /// In what order a receiver applies the updates other leaders ship it.
    #[derive(Default)]
    pub Delivery {
        /// Each origin's updates in log order, each only once the updates its leader had
        /// applied when it accepted it are applied here too (causal delivery).
        #[default]
        Causal = "causal",
        /// Each origin's updates in log order, without waiting for other origins' updates
        /// they depend on (independent per-origin channels). Teaching: a write made after
        /// reading another leader's write can be applied before it, so writes-follow-reads
        /// breaks.
        Fifo = "fifo",
        /// Each update as soon as it arrives, even ahead of its origin's earlier ones
        /// (parallel appliers that do not preserve the origin's commit order). Teaching: a
        /// session's later write can be applied before its earlier one, so monotonic writes
        /// breaks.
        Unordered = "unordered",
    }
}

/// `[cluster.params]` of `multi-leader`. See [`PARAMS_DOC`] for the keys and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MultiLeaderParams {
    /// Time between shipments (and heartbeats) of a leader's accepted updates.
    #[serde(deserialize_with = "positive_duration")]
    pub ship_interval: Nanos,
    /// How concurrent updates are reconciled.
    pub conflict: Conflict,
    /// Teaching switch: overwrite blindly in arrival order (no tags, no vectors).
    pub apply_in_arrival_order: bool,
    /// Which leader serves a client request.
    pub route: Route,
    /// In what order a receiver applies other leaders' updates.
    pub delivery: Delivery,
}

impl Default for MultiLeaderParams {
    fn default() -> Self {
        MultiLeaderParams {
            ship_interval: 30 * MILLIS,
            conflict: Conflict::Lww,
            apply_in_arrival_order: false,
            route: Route::Local,
            delivery: Delivery::Causal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<MultiLeaderParams, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        MultiLeaderParams::deserialize(toml::Value::Table(table)).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_switches() {
        assert_eq!(parse("").unwrap(), MultiLeaderParams::default());
        let p = parse(
            "ship_interval = \"10ms\"\nconflict = \"version-vector\"\napply_in_arrival_order = true\nroute = \"random\"",
        )
        .unwrap();
        assert_eq!(p.ship_interval, 10 * MILLIS);
        assert_eq!(p.conflict, Conflict::VersionVector);
        assert!(p.apply_in_arrival_order);
        assert_eq!(p.route, Route::Random);
        assert_eq!(
            parse("conflict = \"crdt\"").unwrap().conflict,
            Conflict::Crdt
        );
        assert_eq!(p.delivery, Delivery::Causal, "causal by default");
        assert_eq!(
            parse("delivery = \"fifo\"").unwrap().delivery,
            Delivery::Fifo
        );
        assert_eq!(
            parse("delivery = \"unordered\"").unwrap().delivery,
            Delivery::Unordered
        );
    }

    #[test]
    fn rejects_unknown_keys_bad_types_and_bad_values() {
        assert!(parse("interval = \"30ms\"")
            .unwrap_err()
            .contains("interval"));
        assert!(parse("ship_interval = \"0ms\"")
            .unwrap_err()
            .contains("longer than zero"));
        assert!(parse("conflict = \"mvr\"")
            .unwrap_err()
            .contains("version-vector"));
        assert!(parse("apply_in_arrival_order = 1").is_err());
        assert!(parse("route = \"sticky\"").unwrap_err().contains("random"));
        assert!(parse("delivery = \"total\"")
            .unwrap_err()
            .contains("unordered"));
    }
}
