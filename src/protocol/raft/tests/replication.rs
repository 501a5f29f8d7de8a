//! Replication: the AppendEntries consistency check and conflict truncation (§5.3), stale
//! reordered requests, fast back-off, the commit rule (§5.4.2, Figure 8) and the session
//! table (dissertation §6.3).

use super::*;
use crate::des::ids::RequestId;
use crate::des::time::SECS;
use crate::protocol::testkit::{n, read, write};
use crate::protocol::Reply;

#[test]
fn consistency_check_and_conflict_truncation() {
    // §5.3: reject when the log lacks prev; on a conflict drop the entry and all after it.
    let mut net = Net::new(3, no_pre_vote());
    send(
        &mut net,
        0,
        2,
        append(2, 0, (0, 0), &[noop(1), noop(1), noop(2)], 0),
    );
    net.persist_on(n(2));
    net.msgs.clear();
    send(&mut net, 1, 2, append(3, 1, (5, 3), &[noop(3)], 0));
    net.persist_on(n(2)); // the new term is durable before the reply leaves
    assert_eq!(
        acks_to(&net, 1),
        vec![(3, false, 0, 0, 4)],
        "too short: last + 1"
    );
    send(&mut net, 1, 2, append(3, 1, (3, 3), &[noop(3)], 0));
    assert_eq!(
        acks_to(&net, 1)[1],
        (3, false, 0, 2, 3),
        "term 2 starts at 3"
    );
    send(&mut net, 1, 2, append(3, 1, (2, 1), &[noop(3)], 0));
    net.persist_on(n(2));
    assert_eq!(acks_to(&net, 1)[2], (3, true, 3, 0, 0));
    assert_eq!(net.terms(n(2)), vec![1, 1, 3]);
    assert_eq!(net.disk(n(2)).log.len(), 3);
    assert_eq!(
        net.disk(n(2)).log[2].term,
        3,
        "the truncation reached the disk"
    );
}

#[test]
fn a_reordered_older_append_does_not_truncate_newer_matching_entries() {
    // §5.3: "if an existing entry conflicts with a new one" — only then truncate.
    let mut net = Net::new(3, no_pre_vote());
    send(
        &mut net,
        0,
        2,
        append(1, 0, (0, 0), &[noop(1), noop(1), noop(1)], 2),
    );
    send(&mut net, 0, 2, append(1, 0, (0, 0), &[noop(1)], 0));
    net.persist_on(n(2));
    assert_eq!(net.terms(n(2)), vec![1, 1, 1]);
    let acks = acks_to(&net, 0);
    assert_eq!(acks[1], (1, true, 1, 0, 0), "matches only what it carried");
    assert_eq!(net.obs(n(2)).commit, 2, "commitIndex never goes back");
}

#[test]
fn fast_back_off_replaces_a_long_divergent_log() {
    // §5.3: conflict_term/conflict_index let the leader skip a whole term per round trip.
    let params = RaftParams {
        max_batch: 8,
        ..RaftParams::default()
    };
    let (mut net, old) = ready(3, params);
    let others: Vec<_> = (0..3).map(n).filter(|m| *m != old).collect();
    net.cut(old, &others, true);
    for v in 0..40 {
        net.client(old, write(1, v)); // appended, never committed
    }
    net.settle();
    net.advance(SECS);
    let new = *net.leaders().iter().find(|m| **m != old).unwrap();
    for v in 100..110 {
        assert_eq!(net.request(new, write(2, v)), Some(Reply::single(None)));
    }
    net.cut(old, &others, false);
    net.advance(SECS);
    let (a, b) = (net.node(old), net.node(new));
    assert_eq!(a.log.last_index(), b.log.last_index());
    let last = b.log.last_index();
    assert_eq!(
        a.log.get(last).unwrap().chain,
        b.log.get(last).unwrap().chain
    );
    assert_eq!(net.value(old, 2), Some(109));
    assert_eq!(net.value(old, 1), None, "the uncommitted writes are gone");
}

/// Makes n0 leader of term 3 holding [t1, t2] that no one else has, and returns every
/// commitIndex n0 reports while it replicates with `max_batch = 2`.
fn figure_8_commits(by_count: bool) -> Vec<u64> {
    let params = RaftParams {
        max_batch: 2,
        commit_previous_term_by_count: by_count,
        ..no_pre_vote()
    };
    let mut net = Net::new(3, params);
    send(&mut net, 1, 0, append(2, 1, (0, 0), &[noop(1), noop(2)], 0));
    net.persist_on(n(0));
    net.msgs.clear();
    net.on(n(0), |p, ctx| {
        use crate::protocol::Protocol;
        p.on_timer(ctx, super::super::Timer::Election)
    });
    let mut seen = vec![net.obs(n(0)).commit];
    while net.deliver() || net.persist() {
        seen.push(net.obs(n(0)).commit);
    }
    assert_eq!(net.leaders(), vec![n(0)]);
    assert_eq!(net.terms(n(0)), vec![1, 2, 3]);
    seen.dedup();
    seen
}

#[test]
fn an_earlier_term_entry_commits_only_with_one_of_the_current_term() {
    // §5.4.2 / Figure 8: index 2 (term 2) reaches a majority before index 3 (term 3) does,
    // but is committed only together with it; `commit_previous_term_by_count` commits it
    // by counting.
    assert_eq!(figure_8_commits(false), vec![0, 3]);
    assert_eq!(figure_8_commits(true), vec![0, 2, 3]);
}

#[test]
fn the_session_table_applies_a_retried_request_once() {
    // Dissertation §6.3; with `no_dedup` the retry is applied again.
    for no_dedup in [false, true] {
        let params = RaftParams {
            no_dedup,
            ..RaftParams::default()
        };
        let (mut net, l) = ready(3, params);
        let a = RequestId { client: 1, seq: 1 };
        let b = RequestId { client: 2, seq: 1 };
        net.client_as(l, a, write(1, 5));
        net.client_as(l, a, write(1, 5)); // a retry while pending
        net.settle();
        let len = net.obs(l).log_len;
        assert_eq!(len, if no_dedup { 3 } else { 2 }, "no_dedup = {no_dedup}");
        net.client_as(l, b, write(1, 6));
        net.settle();
        net.client_as(l, a, write(1, 5)); // a late retry
        net.settle();
        assert_eq!(net.replies_to(a).last(), Some(&Reply::single(None)));
        let want = if no_dedup { Some(5) } else { Some(6) };
        assert_eq!(net.value(l, 1), want, "no_dedup = {no_dedup}");
        net.advance(SECS);
        for i in 0..3 {
            assert_eq!(net.value(n(i), 1), want, "node {i}");
        }
    }
}

#[test]
fn cas_reads_and_redirects() {
    let (mut net, l) = ready(3, RaftParams::default());
    let cas = |expected, new| {
        crate::ops::Txn::one(crate::ops::MicroOp::Cas {
            key: 7,
            expected,
            new,
        })
    };
    assert_eq!(net.request(l, cas(0, 1)), Some(Reply::Fail), "absent key");
    assert_eq!(net.request(l, write(7, 0)), Some(Reply::single(None)));
    assert_eq!(net.request(l, cas(0, 1)), Some(Reply::single(None)));
    assert_eq!(net.request(l, read(7)), Some(Reply::single(Some(1))));
    let f = if l == n(0) { n(1) } else { n(0) };
    assert_eq!(net.request(f, read(7)), Some(Reply::Redirect(Some(l))));
}
