//! Persistence before send (Figure 2: "updated on stable storage before responding to
//! RPCs"): no vote grant, RequestVote or AppendEntries success leaves a node before the
//! write it depends on completed, and a crash before that loses the vote or entries.

use super::*;
use crate::protocol::testkit::n;
use crate::protocol::Protocol;

fn has_request_vote(net: &Net) -> bool {
    net.msgs
        .iter()
        .any(|(_, _, m)| matches!(m, Msg::RequestVote { .. }))
}

#[test]
fn a_vote_is_granted_only_once_durable_and_lost_with_a_crash_before() {
    let mut net = Net::new(3, no_pre_vote());
    send(&mut net, 1, 2, request_vote(2, 0, 0));
    assert_eq!(
        votes_to(&net, 1),
        vec![],
        "nothing before the write completes"
    );
    net.crash(n(2)); // the write is lost
    net.restart(n(2));
    assert_eq!((net.obs(n(2)).term, net.disk(n(2)).voted_for), (0, None));
    send(&mut net, 0, 2, request_vote(2, 0, 0));
    assert!(
        net.msgs.is_empty(),
        "a restarted node keeps quiet at first (§6.4.1 leases)"
    );
    net.skip(crate::des::time::MILLIS * 150);
    send(&mut net, 0, 2, request_vote(2, 0, 0));
    net.persist_on(n(2));
    assert_eq!(
        votes_to(&net, 0),
        vec![(2, true)],
        "the lost vote was never given"
    );
    assert_eq!(net.disk(n(2)).voted_for, Some(n(0)));
}

#[test]
fn request_vote_is_sent_only_after_the_own_vote_is_durable() {
    let mut net = Net::new(3, no_pre_vote());
    net.on(n(0), |p, ctx| {
        p.on_timer(ctx, super::super::Timer::Election)
    });
    assert_eq!(net.obs(n(0)).term, 1);
    assert!(!has_request_vote(&net));
    net.persist_on(n(0));
    assert!(has_request_vote(&net));
    assert_eq!(
        (net.disk(n(0)).term, net.disk(n(0)).voted_for),
        (1, Some(n(0)))
    );
}

#[test]
fn append_success_waits_for_the_entries_and_a_crash_loses_them() {
    let mut net = Net::new(3, no_pre_vote());
    send(&mut net, 0, 2, append(1, 0, (0, 0), &[noop(1), noop(1)], 0));
    assert_eq!(
        acks_to(&net, 0),
        vec![],
        "no success before the log write completes"
    );
    assert_eq!(net.obs(n(2)).log_len, 2, "in memory already");
    net.crash(n(2));
    net.restart(n(2));
    assert_eq!(net.obs(n(2)).log_len, 0, "the write was lost");
    send(&mut net, 0, 2, append(1, 0, (0, 0), &[noop(1), noop(1)], 0));
    net.persist_on(n(2));
    assert_eq!(acks_to(&net, 0), vec![(1, true, 2, 0, 0)]);
    net.crash(n(2));
    net.restart(n(2));
    assert_eq!(net.terms(n(2)), vec![1, 1], "durable entries survive");
    assert_eq!(net.obs(n(2)).term, 1);
}

#[test]
fn a_leader_counts_itself_only_for_durable_entries() {
    let (mut net, l) = ready(3, RaftParams::default());
    let id = net.client(l, crate::protocol::testkit::write(1, 5));
    // Followers persist and ack; the leader's own write is still in progress.
    let mine: Vec<_> = net.writes.iter().filter(|w| w.0 == l).cloned().collect();
    net.writes.retain(|w| w.0 != l);
    let others: Vec<_> = (0..3).map(n).filter(|m| *m != l).collect();
    net.cut(l, &others[1..], true); // only one follower acks
    net.settle();
    assert_eq!(
        net.obs(l).commit,
        1,
        "1 follower + a non-durable leader is no majority"
    );
    net.writes.extend(mine);
    net.settle();
    assert_eq!(net.obs(l).commit, 2);
    assert_eq!(net.reply(id), Some(crate::protocol::Reply::single(None)));
}
