//! Protocols by name. The engine is generic over [`Protocol`]; the registry turns a name from
//! a scenario into one monomorphised call through a [`ProtocolVisitor`], so choosing a
//! protocol costs one match per run and nothing per event.

use super::dynamo::Dynamo;
use super::gossip::Gossip;
use super::multi_leader::MultiLeader;
use super::phold::Phold;
use super::primary_backup::PrimaryBackup;
use super::raft::Raft;
use super::Protocol;

/// Something to do with a protocol type chosen by name at run time.
pub trait ProtocolVisitor {
    /// What the visit returns.
    type Output;
    /// Called with the protocol type registered under the requested name.
    fn visit<P: Protocol>(self) -> Self::Output;
}

/// A registered protocol, as `faultline list` shows it.
#[derive(Clone, Copy, Debug)]
pub struct ProtocolInfo {
    /// The name scenarios use.
    pub name: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// Its `[cluster.params]` keys with defaults, one `key = default  # meaning` per line.
    pub params: &'static str,
}

/// Every registered protocol, in the order `faultline list` shows them.
pub const PROTOCOLS: &[ProtocolInfo] = &[
    ProtocolInfo {
        name: Phold::NAME,
        summary: "PHOLD benchmark: every delivery sends a new message to a random other node",
        params: "messages_per_node = 16  # messages each node puts in flight at start",
    },
    ProtocolInfo {
        name: PrimaryBackup::NAME,
        summary: "primary-backup key-value store: leased primary elected by a majority, epochs",
        params: super::primary_backup::PARAMS_DOC,
    },
    ProtocolInfo {
        name: Raft::NAME,
        summary: "Raft key-value store: elections, log replication, pre-vote, read-index, leases",
        params: super::raft::PARAMS_DOC,
    },
    ProtocolInfo {
        name: Gossip::NAME,
        summary: "gossip: state-based CRDTs (PN-counter, OR-set, LWW-register) by push-pull anti-entropy; always available",
        params: super::gossip::PARAMS_DOC,
    },
    ProtocolInfo {
        name: Dynamo::NAME,
        summary: "Dynamo leaderless key-value store: ring, n/r/w quorums, read repair, hinted handoff, anti-entropy",
        params: super::dynamo::PARAMS_DOC,
    },
    ProtocolInfo {
        name: MultiLeader::NAME,
        summary: "multi-leader: every node accepts writes and ships them asynchronously; conflicts by LWW, version vectors or CRDTs; always available",
        params: super::multi_leader::PARAMS_DOC,
    },
];

/// Runs `visitor` with the protocol registered as `name`; `None` if there is none.
pub fn visit<V: ProtocolVisitor>(name: &str, visitor: V) -> Option<V::Output> {
    match name {
        Phold::NAME => Some(visitor.visit::<Phold>()),
        PrimaryBackup::NAME => Some(visitor.visit::<PrimaryBackup>()),
        Raft::NAME => Some(visitor.visit::<Raft>()),
        Gossip::NAME => Some(visitor.visit::<Gossip>()),
        Dynamo::NAME => Some(visitor.visit::<Dynamo>()),
        MultiLeader::NAME => Some(visitor.visit::<MultiLeader>()),
        _ => None,
    }
}

/// The registered names, for error messages.
pub fn names() -> Vec<&'static str> {
    PROTOCOLS.iter().map(|p| p.name).collect()
}

/// The most nodes the protocol allows ([`Protocol::MAX_NODES`]).
pub struct MaxNodes;

impl ProtocolVisitor for MaxNodes {
    type Output = usize;
    fn visit<P: Protocol>(self) -> usize {
        P::MAX_NODES
    }
}

/// The micro-operation kinds the protocol serves ([`Protocol::SERVES`]).
pub struct Serves;

impl ProtocolVisitor for Serves {
    type Output = &'static [crate::ops::Kind];
    fn visit<P: Protocol>(self) -> &'static [crate::ops::Kind] {
        P::SERVES
    }
}

/// Whether the protocol replicates a log ([`Protocol::HAS_LOG`]).
pub struct HasLog;

impl ProtocolVisitor for HasLog {
    type Output = bool;
    fn visit<P: Protocol>(self) -> bool {
        P::HAS_LOG
    }
}

/// Checks that `params` deserialize into `P::Params`; the error names the offending key.
pub struct ParamsCheck<'a>(pub &'a toml::Table);

impl ProtocolVisitor for ParamsCheck<'_> {
    type Output = Result<(), String>;
    fn visit<P: Protocol>(self) -> Result<(), String> {
        parse_params::<P>(self.0).map(|_| ())
    }
}

/// Checks parameters that parse against the cluster size ([`Protocol::check_params`]):
/// `Err((key, message))`.
pub struct ParamsFit<'a>(pub &'a toml::Table, pub usize);

impl ProtocolVisitor for ParamsFit<'_> {
    type Output = Result<(), (&'static str, String)>;
    fn visit<P: Protocol>(self) -> Self::Output {
        match parse_params::<P>(self.0) {
            Ok(params) => P::check_params(&params, self.1),
            Err(_) => Ok(()),
        }
    }
}

/// Deserializes `[cluster.params]` into the protocol's parameter struct.
pub fn parse_params<P: Protocol>(table: &toml::Table) -> Result<P::Params, String> {
    use serde::Deserialize;
    P::Params::deserialize(toml::Value::Table(table.clone()))
        .map_err(|e| e.message().trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_protocol_is_visitable() {
        struct Name;
        impl ProtocolVisitor for Name {
            type Output = &'static str;
            fn visit<P: Protocol>(self) -> &'static str {
                P::NAME
            }
        }
        for p in PROTOCOLS {
            assert_eq!(visit(p.name, Name), Some(p.name));
        }
        assert_eq!(visit("nope", Name), None);
    }
}
