//! Elections: one leader with its no-op (§5.2, §8), the election restriction (§5.4.1), one
//! vote per term (Figure 2), pre-vote (dissertation §9.6), check-quorum (§6.2), leader
//! stickiness (§4.2.3) and term handling (§5.1).

use super::*;
use crate::des::time::{MILLIS, SECS};
use crate::protocol::testkit::n;
use crate::protocol::Role;

#[test]
fn a_single_leader_is_elected_and_commits_its_noop() {
    // §5.2 one leader; §8 it appends a no-op entry of its own term.
    for count in [1, 3, 5] {
        let (mut net, l) = ready(count, RaftParams::default());
        let term = net.obs(l).term;
        let first = net.node(l).log.get(1).cloned().unwrap();
        assert_eq!((first.term, first.request, first.txn), (term, None, None));
        net.advance(100 * MILLIS);
        for i in 0..count {
            let o = net.obs(n(i));
            assert_eq!(
                (o.term, o.log_len, o.commit, o.applied),
                (term, 1, 1, 1),
                "node {i}"
            );
        }
    }
}

#[test]
fn a_candidate_with_a_stale_log_is_refused_unless_the_check_is_skipped() {
    // §5.4.1: a vote goes only to a candidate whose log is at least as up to date.
    for skip in [false, true] {
        let params = RaftParams {
            skip_log_up_to_date_check: skip,
            ..no_pre_vote()
        };
        let mut net = Net::new(3, params);
        send(&mut net, 0, 2, append(2, 0, (0, 0), &[noop(1), noop(2)], 0));
        net.persist_on(n(2));
        net.msgs.clear();
        net.skip(200 * MILLIS); // past leader stickiness
        send(&mut net, 1, 2, request_vote(3, 5, 1)); // longer, but older last term
        send(&mut net, 1, 2, request_vote(3, 1, 2)); // same last term, shorter
        net.persist_on(n(2));
        assert_eq!(
            votes_to(&net, 1),
            vec![(3, skip), (3, skip)],
            "skip = {skip}"
        );
        send(&mut net, 0, 2, request_vote(4, 2, 2)); // as up to date
        net.persist_on(n(2));
        assert_eq!(votes_to(&net, 0), vec![(4, true)]);
    }
}

#[test]
fn one_vote_per_term_survives_a_restart_unless_the_vote_is_volatile() {
    // Figure 2: votedFor is persistent state; with `volatile_vote` it is not.
    for volatile in [false, true] {
        let params = RaftParams {
            volatile_vote: volatile,
            ..no_pre_vote()
        };
        let mut net = Net::new(3, params);
        send(&mut net, 1, 2, request_vote(2, 0, 0));
        net.persist_on(n(2));
        send(&mut net, 0, 2, request_vote(2, 0, 0));
        net.persist_on(n(2));
        assert_eq!(votes_to(&net, 1), vec![(2, true)]);
        assert_eq!(votes_to(&net, 0), vec![(2, false)], "one vote per term");
        net.crash(n(2));
        net.restart(n(2));
        net.msgs.clear();
        net.skip(200 * MILLIS); // a restarted node keeps quiet for election_timeout_min
        send(&mut net, 0, 2, request_vote(2, 0, 0));
        net.persist_on(n(2));
        assert_eq!(
            votes_to(&net, 0),
            vec![(2, volatile)],
            "volatile = {volatile}"
        );
        assert_eq!(net.obs(n(2)).term, 2);
        assert_eq!(net.disk(n(2)).term, if volatile { 0 } else { 2 });
    }
}

#[test]
fn pre_vote_keeps_a_partitioned_node_from_raising_terms() {
    // Dissertation §9.6: without a majority of pre-votes a node does not increase its term.
    for pre_vote in [true, false] {
        let params = RaftParams {
            pre_vote,
            ..RaftParams::default()
        };
        let (mut net, l) = ready(3, params);
        let term = net.obs(l).term;
        let f = if l == n(0) { n(1) } else { n(0) };
        let others: Vec<_> = (0..3).map(n).filter(|m| *m != f).collect();
        net.cut(f, &others, true);
        net.advance(3 * SECS);
        assert_eq!(net.obs(l).role, Role::Leader);
        if pre_vote {
            assert_eq!(net.obs(f).term, term, "pre-vote: no term inflation");
            assert_eq!(
                net.obs(f).role,
                Role::Follower,
                "pre-candidates are followers"
            );
        } else {
            assert!(net.obs(f).term > term + 3, "without pre-vote terms climb");
        }
        net.cut(f, &others, false);
        net.advance(SECS);
        assert_eq!(net.leaders().len(), 1);
        if pre_vote {
            assert_eq!(net.leaders(), vec![l], "the rejoining node did not disrupt");
        }
    }
}

#[test]
fn check_quorum_makes_an_isolated_leader_step_down() {
    // Dissertation §6.2: a leader that hears from no majority within an election timeout.
    for check_quorum in [true, false] {
        let params = RaftParams {
            check_quorum,
            ..RaftParams::default()
        };
        let (mut net, l) = ready(3, params);
        let others: Vec<_> = (0..3).map(n).filter(|m| *m != l).collect();
        net.cut(l, &others, true);
        net.advance(SECS);
        let expect = if check_quorum {
            Role::Follower
        } else {
            Role::Leader
        };
        assert_eq!(net.obs(l).role, expect, "check_quorum = {check_quorum}");
        assert_eq!(net.leaders().iter().filter(|m| **m != l).count(), 1);
    }
}

#[test]
fn steady_reads_do_not_postpone_check_quorum() {
    // §6.2 with §6.4: every read-index read starts a heartbeat round, which re-arms the
    // heartbeat timer; the quorum check must still run, so a cut-off leader that keeps
    // getting reads every 20ms (less than the heartbeat) steps down all the same.
    let (mut net, l) = ready(3, RaftParams::default());
    let others: Vec<_> = (0..3).map(n).filter(|m| *m != l).collect();
    net.cut(l, &others, true);
    for _ in 0..50 {
        net.client(
            l,
            crate::ops::Txn::one(crate::ops::MicroOp::Read { key: 0 }),
        );
        net.advance(20 * MILLIS);
    }
    assert_eq!(
        net.obs(l).role,
        Role::Follower,
        "stepped down within 1s of reads"
    );
}

#[test]
fn a_follower_that_hears_its_leader_ignores_request_vote() {
    // Dissertation §4.2.3 (leader stickiness): no term change, no vote, no answer.
    let (mut net, l) = ready(3, RaftParams::default());
    let term = net.obs(l).term;
    let f = if l == n(0) { 1 } else { 0 };
    net.msgs.clear();
    send(&mut net, 2, f, request_vote(term + 5, 9, term));
    assert_eq!(net.obs(n(f)).term, term);
    assert!(net.msgs.is_empty());
}

#[test]
fn a_reply_to_a_stale_request_confirms_no_read_round() {
    // §6.4: rounds restart at 1 each term, so a rejection of an older leader's request must
    // not echo that leader's round: the current leader would count it as confirming a read.
    let (mut net, l) = ready(3, RaftParams::default());
    let term = net.obs(l).term;
    let f = if l == n(0) { 1 } else { 0 };
    net.msgs.clear();
    let mut stale = append(term - 1, 2, (0, 0), &[], 0);
    if let Msg::AppendEntries { round, .. } = &mut stale {
        *round = 100;
    }
    send(&mut net, 2, f, stale);
    let rounds: Vec<u64> = net
        .msgs
        .iter()
        .filter_map(|(_, _, m)| match m {
            Msg::AppendReply { round, .. } => Some(*round),
            _ => None,
        })
        .collect();
    assert_eq!(rounds, vec![0]);
}

#[test]
fn stale_terms_are_rejected_and_higher_terms_depose_a_leader() {
    // §5.1: a stale-term request is refused with the current term; a higher term makes a
    // leader step down.
    let (mut net, l) = ready(3, RaftParams::default());
    let term = net.obs(l).term;
    let f = if l == n(0) { 1 } else { 0 };
    let len = net.obs(n(f)).log_len;
    net.msgs.clear();
    send(
        &mut net,
        2,
        f,
        append(term - 1, 2, (0, 0), &[noop(term - 1)], 0),
    );
    assert_eq!(acks_to(&net, 2), vec![(term, false, 0, 0, 0)]);
    assert_eq!(net.obs(n(f)).log_len, len, "the log is untouched");
    send(&mut net, 2, f, request_vote(term - 1, 99, term));
    assert_eq!(votes_to(&net, 2), vec![(term, false)]);
    send(
        &mut net,
        2,
        l.0,
        Msg::VoteReply {
            term: term + 1,
            granted: false,
        },
    );
    assert_eq!(net.obs(l).role, Role::Follower);
    assert_eq!(net.obs(l).term, term + 1);
}
