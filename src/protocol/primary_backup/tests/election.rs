//! Election tests: votes, persistence before replies, failover, restart, minority primaries,
//! and the two teaching switches' anomalies.

use super::{n, read, write, Net};
use crate::des::time::{MILLIS, SECS};
use crate::protocol::primary_backup::{Msg, PrimaryBackupParams, Replication};
use crate::protocol::{Protocol, Reply, Role};

fn vote_request(epoch: u64, state_epoch: u64, applied_seq: u64) -> Msg {
    Msg::VoteRequest {
        epoch,
        state_epoch,
        applied_seq,
    }
}

/// Votes node `to` sent so far: (epoch, granted).
fn votes_to(net: &Net, to: u32) -> Vec<(u64, bool)> {
    net.msgs
        .iter()
        .filter(|(_, t, _)| *t == n(to))
        .filter_map(|(_, _, m)| match m {
            Msg::Vote { epoch, granted, .. } => Some((*epoch, *granted)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_vote_is_granted_once_per_epoch_only_to_up_to_date_candidates_after_persisting() {
    // Nothing delivered yet: n2 has granted no lease.
    let mut net = Net::new(3, PrimaryBackupParams::default());
    net.msgs.clear();
    net.on(n(2), |p, ctx| {
        p.on_message(ctx, n(1), vote_request(2, 1, 0))
    });
    assert_eq!(
        votes_to(&net, 1),
        vec![],
        "no grant before the vote is durable"
    );
    net.persist_on(n(2));
    assert_eq!(votes_to(&net, 1), vec![(2, true)]);
    assert_eq!(net.disk(n(2)).voted, Some((2, n(1))));
    assert_eq!(net.disk(n(2)).epoch, 2);

    net.on(n(2), |p, ctx| {
        p.on_message(ctx, n(0), vote_request(2, 1, 0))
    });
    assert_eq!(votes_to(&net, 0), vec![(2, false)], "one vote per epoch");
    net.on(n(2), |p, ctx| {
        p.on_message(ctx, n(0), vote_request(3, 0, 9))
    });
    assert_eq!(votes_to(&net, 0)[1], (3, false), "older state epoch");
    net.on(n(2), |p, ctx| {
        p.on_message(ctx, n(0), vote_request(4, 1, 0))
    });
    net.persist_on(n(2));
    assert_eq!(votes_to(&net, 0)[2], (4, true));
}

#[test]
fn a_backup_under_lease_refuses_to_vote() {
    let mut net = Net::new(3, PrimaryBackupParams::default());
    net.settle(); // n2 acked a heartbeat: a lease until 200ms
    net.msgs.clear();
    net.on(n(2), |p, ctx| {
        p.on_message(ctx, n(1), vote_request(2, 1, 0))
    });
    net.persist_on(n(2));
    assert_eq!(votes_to(&net, 1), vec![(2, false)]);
    assert_eq!(
        net.obs(n(2)).term,
        1,
        "a refused request does not change the epoch"
    );
}

#[test]
fn failover_after_a_primary_crash_keeps_acknowledged_writes() {
    let mut net = Net::new(3, PrimaryBackupParams::default());
    net.settle();
    assert_eq!(net.request(n(0), write(1, 10)), Some(Reply::single(None)));
    net.crash(n(0));
    net.advance(SECS);
    let leaders = net.leaders();
    assert_eq!(leaders.len(), 1);
    let p = leaders[0];
    assert!(net.obs(p).term >= 2);
    assert_eq!(net.request(p, read(1)), Some(Reply::single(Some(10))));
    assert_eq!(net.request(p, write(2, 20)), Some(Reply::single(None)));
    let other = if p == n(1) { n(2) } else { n(1) };
    assert_eq!(net.request(other, read(1)), Some(Reply::Redirect(Some(p))));
}

#[test]
fn a_restarted_node_comes_back_as_a_backup_with_its_data() {
    let mut net = Net::new(3, PrimaryBackupParams::default());
    net.settle();
    assert_eq!(net.request(n(0), write(1, 10)), Some(Reply::single(None)));
    net.crash(n(0));
    net.restart(n(0));
    let o = net.obs(n(0));
    assert_eq!((o.role, o.term, o.log_len), (Role::Follower, 1, 1));
    assert_eq!(net.value(n(0), 1), Some(10));
    assert_eq!(net.request(n(0), read(1)), Some(Reply::Redirect(None)));
    net.advance(2 * SECS);
    let leaders = net.leaders();
    assert_eq!(leaders.len(), 1);
    let p = leaders[0];
    assert_eq!(net.request(p, write(2, 20)), Some(Reply::single(None)));
    net.settle();
    for i in 0..3 {
        assert_eq!(net.value(n(i), 2), Some(20), "node {i}");
        assert_eq!(net.obs(n(i)).term, net.obs(p).term);
    }
}

#[test]
fn a_minority_primary_is_replaced_and_steps_down_on_heal() {
    let mut net = Net::new(3, PrimaryBackupParams::default());
    net.settle();
    assert_eq!(net.request(n(0), write(1, 10)), Some(Reply::single(None)));
    net.cut(n(0), &[n(1), n(2)], true);
    net.advance(300 * MILLIS);
    assert_eq!(net.leaders(), vec![n(0)]);
    assert_eq!(
        net.request(n(0), write(1, 99)),
        Some(Reply::Fail),
        "no lease"
    );
    net.advance(SECS);
    let leaders = net.leaders();
    assert_eq!(
        leaders.len(),
        1,
        "the old primary stepped down without a majority"
    );
    let p = leaders[0];
    assert_ne!(p, n(0));
    assert_eq!(net.request(n(0), write(1, 99)), Some(Reply::Redirect(None)));
    assert_eq!(net.request(p, write(1, 11)), Some(Reply::single(None)));
    net.cut(n(0), &[n(1), n(2)], false);
    net.advance(SECS);
    assert_eq!(net.leaders(), vec![p]);
    assert_eq!(net.value(n(0), 1), Some(11));
}

#[test]
fn without_fencing_split_brain_loses_acknowledged_writes() {
    let p = PrimaryBackupParams {
        fencing: false,
        ..PrimaryBackupParams::default()
    };
    let mut net = Net::new(3, p);
    net.settle();
    net.cut(n(0), &[n(1), n(2)], true);
    net.advance(SECS);
    assert_eq!(
        net.leaders(),
        vec![n(0), n(1)],
        "lowest live id on each side"
    );
    assert_eq!(
        net.request(n(0), write(1, 1)),
        Some(Reply::single(None)),
        "acked alone"
    );
    assert_eq!(net.request(n(1), write(2, 2)), Some(Reply::single(None)));
    net.cut(n(0), &[n(1), n(2)], false);
    net.advance(SECS);
    assert_eq!(net.leaders(), vec![n(1)], "the lower epoch stepped down");
    assert_eq!(net.value(n(0), 1), None, "its acknowledged write is lost");
    assert_eq!(net.value(n(0), 2), Some(2));
}

#[test]
fn async_replication_loses_an_acknowledged_write_on_failover() {
    let p = PrimaryBackupParams {
        replication: Replication::Async,
        ..PrimaryBackupParams::default()
    };
    let mut net = Net::new(3, p);
    net.settle();
    let id = net.client(n(0), write(1, 10));
    assert_eq!(net.reply(id), Some(Reply::single(None)));
    net.crash(n(0));
    net.msgs.clear(); // the crash beat the replication messages
    net.advance(SECS);
    let leaders = net.leaders();
    assert_eq!(leaders.len(), 1);
    assert_eq!(net.request(leaders[0], read(1)), Some(Reply::single(None)));
    assert_eq!(net.obs(leaders[0]).term, 2);
}

/// The detector decides when a backup suspects a silent primary: after the mean heartbeat
/// interval plus the margin (`heartbeat`), not after the whole `failover_timeout` (`fixed`).
#[test]
fn the_failure_detector_decides_when_a_silent_primary_is_suspected() {
    use crate::protocol::detector::DetectorKind;
    let run = |detector| {
        let p = PrimaryBackupParams {
            detector,
            ..PrimaryBackupParams::default()
        };
        let mut net = Net::new(3, p);
        net.settle();
        net.advance(1_000 * MILLIS); // twenty heartbeats
        assert!(net.suspicions.is_empty(), "a live primary is not suspected");
        net.crash(n(0));
        net.advance(260 * MILLIS);
        net.suspicions.clone()
    };
    let fast = run(DetectorKind::Heartbeat);
    assert!(
        fast.iter().any(|&(by, of)| by != n(0) && of == n(0)),
        "heartbeat: 50 ms + 100 ms margin + up to 75 ms stagger < 260 ms: {fast:?}"
    );
    assert!(
        run(DetectorKind::Fixed).is_empty(),
        "fixed: 300 ms of silence not yet over"
    );
}
