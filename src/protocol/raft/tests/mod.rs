//! Unit tests of `raft` on the shared hand-driven harness ([`crate::protocol::testkit`]),
//! each citing the section of the Raft paper (or Ongaro's dissertation) it checks.

mod election;
mod persistence;
mod random;
mod reads;
mod replication;

use super::{Entry, Msg, Raft, RaftParams};
use crate::des::ids::NodeId;
use crate::des::time::SECS;
use crate::protocol::testkit::n;

/// A cluster of `raft` nodes driven by hand.
pub(super) type Net = crate::protocol::testkit::Net<Raft>;

impl crate::protocol::testkit::Net<Raft> {
    /// The node's applied value of `key`.
    pub fn value(&self, node: NodeId, key: u64) -> Option<i64> {
        let read = crate::ops::Txn::one(crate::ops::MicroOp::Read { key });
        self.node(node)
            .sm
            .read(&read)
            .get(0)
            .and_then(|d| d.as_int())
    }

    /// The terms of the node's log, in order.
    pub fn terms(&self, node: NodeId) -> Vec<u64> {
        let p = self.node(node);
        (1..=p.log.last_index()).map(|i| p.log.term_at(i)).collect()
    }
}

/// Default parameters without pre-vote (for hand-driven elections).
pub(super) fn no_pre_vote() -> RaftParams {
    RaftParams {
        pre_vote: false,
        ..RaftParams::default()
    }
}

/// A cluster of `count` nodes that has elected its one leader and settled.
pub(super) fn ready(count: u32, params: RaftParams) -> (Net, NodeId) {
    let mut net = Net::new(count, params);
    net.advance(SECS);
    let leaders = net.leaders();
    assert_eq!(leaders.len(), 1, "one leader: {leaders:?}");
    (net, leaders[0])
}

/// A no-op entry of `term` (the receiver computes chains).
pub(super) fn noop(term: u64) -> Entry {
    Entry {
        term,
        request: None,
        txn: None,
        chain: 0,
    }
}

/// An AppendEntries from `leader`.
pub(super) fn append(
    term: u64,
    leader: u32,
    prev: (u64, u64),
    entries: &[Entry],
    commit: u64,
) -> Msg {
    Msg::AppendEntries {
        term,
        leader: n(leader),
        prev_index: prev.0,
        prev_term: prev.1,
        entries: entries.to_vec(),
        commit,
        round: 0,
    }
}

/// A RequestVote for `term` with a last log entry at `(last_index, last_term)`.
pub(super) fn request_vote(term: u64, last_index: u64, last_term: u64) -> Msg {
    Msg::RequestVote {
        term,
        last_index,
        last_term,
    }
}

/// Delivers `msg` from `from` to `to` directly.
pub(super) fn send(net: &mut Net, from: u32, to: u32, msg: Msg) {
    net.on(n(to), |p, ctx| {
        use crate::protocol::Protocol;
        p.on_message(ctx, n(from), msg)
    });
}

/// The vote replies to `to` in flight: (term, granted).
pub(super) fn votes_to(net: &Net, to: u32) -> Vec<(u64, bool)> {
    net.msgs
        .iter()
        .filter(|(_, t, _)| *t == n(to))
        .filter_map(|(_, _, m)| match m {
            Msg::VoteReply { term, granted } => Some((*term, *granted)),
            _ => None,
        })
        .collect()
}

/// The AppendEntries replies to `to` in flight: (term, success, match, conflict term,
/// conflict index).
pub(super) fn acks_to(net: &Net, to: u32) -> Vec<(u64, bool, u64, u64, u64)> {
    net.msgs
        .iter()
        .filter(|(_, t, _)| *t == n(to))
        .filter_map(|(_, _, m)| match *m {
            Msg::AppendReply {
                term,
                success,
                match_index,
                conflict_term,
                conflict_index,
                ..
            } => Some((term, success, match_index, conflict_term, conflict_index)),
            _ => None,
        })
        .collect()
}
