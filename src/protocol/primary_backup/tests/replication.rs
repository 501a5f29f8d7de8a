//! Data-path tests: acknowledgement rules, reads, cas, redirects, fencing of old epochs,
//! catch-up by snapshot, and the async teaching switch.

use super::{n, read, write, Net};
use crate::des::time::MILLIS;
use crate::ops::Update;
use crate::protocol::primary_backup::{Msg, PrimaryBackupParams, Replication};
use crate::protocol::{Protocol, Reply};

fn params() -> PrimaryBackupParams {
    PrimaryBackupParams::default()
}

/// A 3-node cluster whose primary holds its lease.
fn ready(p: PrimaryBackupParams) -> Net {
    let mut net = Net::new(3, p);
    net.settle();
    net
}

#[test]
fn sync_write_is_acknowledged_only_after_every_backup_persisted_it() {
    let mut net = ready(params());
    let id = net.client(n(0), write(1, 10));
    net.persist_on(n(0));
    assert_eq!(net.reply(id), None, "own persist is not enough");
    net.deliver_all();
    assert_eq!(net.value(n(1), 1), Some(10), "backups applied in memory");
    assert_eq!(net.reply(id), None, "applied but not persisted");
    net.persist_on(n(1));
    net.deliver_all();
    assert_eq!(
        net.reply(id),
        None,
        "backup 2 is in the sync set and has not acked"
    );
    net.persist_on(n(2));
    net.deliver_all();
    assert_eq!(net.reply(id), Some(Reply::single(None)));
    assert_eq!(net.disk(n(2)).map.register(1), Some(10));
    assert_eq!(net.obs(n(0)).commit, 1);
    assert_eq!(net.request(n(0), read(1)), Some(Reply::single(Some(10))));
    assert_eq!(net.request(n(0), read(2)), Some(Reply::single(None)));
}

#[test]
fn async_write_is_acknowledged_at_once_and_shipped_with_the_next_batch() {
    let p = PrimaryBackupParams {
        replication: Replication::Async,
        ..params()
    };
    let mut net = ready(p);
    let id = net.client(n(0), write(1, 10));
    assert_eq!(net.reply(id), Some(Reply::single(None)));
    let shipped = |net: &Net| {
        net.msgs.iter().any(|(_, to, m)| {
            *to == n(1)
                && matches!(
                    m,
                    Msg::Replicate { seq: 1, update, .. } if *update == Update::write(1, 10)
                )
        })
    };
    assert!(!shipped(&net), "acknowledged before it left the primary");
    assert_eq!(net.value(n(1), 1), None);
    net.advance(p.ship_interval);
    net.settle();
    assert_eq!(net.value(n(1), 1), Some(10), "the batch reached the backup");
}

#[test]
fn cas_applies_only_on_a_match() {
    let mut net = ready(params());
    let cas = |expected, new| {
        crate::ops::Txn::one(crate::ops::MicroOp::Cas {
            key: 5,
            expected,
            new,
        })
    };
    assert_eq!(
        net.request(n(0), cas(0, 1)),
        Some(Reply::Fail),
        "absent key"
    );
    assert_eq!(net.request(n(0), write(5, 1)), Some(Reply::single(None)));
    assert_eq!(net.request(n(0), cas(1, 2)), Some(Reply::single(None)));
    assert_eq!(net.request(n(0), cas(1, 3)), Some(Reply::Fail));
    assert_eq!(net.request(n(0), read(5)), Some(Reply::single(Some(2))));
    assert_eq!(net.value(n(2), 5), Some(2));
}

#[test]
fn non_primary_redirects_to_the_primary() {
    let mut net = ready(params());
    assert_eq!(
        net.request(n(2), write(1, 1)),
        Some(Reply::Redirect(Some(n(0))))
    );
    assert_eq!(net.value(n(2), 1), None);
}

#[test]
fn a_read_waits_for_earlier_writes_to_commit() {
    let mut net = ready(params());
    let w = net.client(n(0), write(1, 10));
    let r = net.client(n(0), read(1));
    assert_eq!((net.reply(w), net.reply(r)), (None, None));
    net.settle();
    let order: Vec<_> = net.replies.iter().map(|(id, _)| *id).collect();
    assert_eq!(order, vec![w, r]);
    assert_eq!(net.reply(r), Some(Reply::single(Some(10))));
}

#[test]
fn primary_without_a_lease_refuses() {
    let mut net = ready(params());
    net.cut(n(0), &[n(1), n(2)], true);
    net.advance(250 * MILLIS);
    assert_eq!(net.request(n(0), read(1)), Some(Reply::Fail));
    assert_eq!(net.request(n(0), write(1, 1)), Some(Reply::Fail));
}

#[test]
fn backup_fences_a_lower_epoch_replicate_unless_fencing_is_off() {
    for fencing in [true, false] {
        let mut net = Net::new(
            3,
            PrimaryBackupParams {
                fencing,
                ..params()
            },
        );
        net.msgs.clear();
        let hb = Msg::Heartbeat {
            epoch: 3,
            sent_at: 0,
            seq: 0,
            commit: 0,
        };
        net.on(n(1), |p, ctx| p.on_message(ctx, n(2), hb));
        assert_eq!(net.obs(n(1)).term, 3);
        net.msgs.clear();
        let old = Msg::Replicate {
            epoch: 1,
            seq: 1,
            update: Update::write(4, 40),
        };
        net.on(n(1), |p, ctx| p.on_message(ctx, n(0), old));
        let fenced = net
            .msgs
            .iter()
            .any(|(_, to, m)| *to == n(0) && *m == Msg::Fenced { epoch: 3 });
        assert!(fenced, "the stale primary is told");
        let applied = if fencing { None } else { Some(40) };
        assert_eq!(net.value(n(1), 4), applied, "fencing = {fencing}");
        net.deliver_all();
        assert_eq!(
            net.obs(n(0)).role,
            crate::protocol::Role::Follower,
            "stepped down"
        );
        assert_eq!(net.obs(n(0)).term, 3);
    }
}

#[test]
fn a_backup_that_missed_writes_catches_up_by_snapshot() {
    let mut net = ready(params());
    net.cut(n(0), &[n(2)], true);
    let id = net.client(n(0), write(1, 10));
    net.settle();
    assert_eq!(net.reply(id), None, "n2 is still in the sync set");
    net.advance(250 * MILLIS);
    assert_eq!(
        net.reply(id),
        Some(Reply::single(None)),
        "n2 left the sync set"
    );
    assert_eq!(net.value(n(2), 1), None);
    net.cut(n(0), &[n(2)], false);
    net.advance(200 * MILLIS);
    assert_eq!(net.value(n(2), 1), Some(10));
    assert_eq!(net.disk(n(2)).map.register(1), Some(10));
    assert_eq!(net.leaders(), vec![n(0)], "no failover meanwhile");
}

#[test]
fn a_backup_holds_early_writes_until_the_gap_fills() {
    let mut net = ready(params());
    let w1 = net.client(n(0), write(1, 10));
    let w2 = net.client(n(0), write(2, 20));
    // Swap the two Replicates to n1: seq 2 arrives first.
    let to_n1: Vec<usize> = (0..net.msgs.len())
        .filter(|&i| net.msgs[i].1 == n(1))
        .collect();
    net.msgs.swap(to_n1[0], to_n1[1]);
    net.settle();
    assert!(net.replies.contains(&(w1, Reply::single(None))));
    assert!(net.replies.contains(&(w2, Reply::single(None))));
    assert_eq!(
        (net.value(n(1), 1), net.value(n(1), 2)),
        (Some(10), Some(20))
    );
    assert_eq!(net.disk(n(1)).applied_seq, 2);
    assert!(net.node(n(1)).sync_asked.is_none(), "no snapshot needed");
}

#[test]
fn the_lease_needs_acks_from_a_majority() {
    let mut net = Net::new(5, params());
    net.msgs.clear(); // the first heartbeats are lost
    net.cut(n(0), &[n(2), n(3), n(4)], true);
    net.advance(60 * MILLIS);
    assert_eq!(net.request(n(0), write(1, 1)), Some(Reply::Fail), "2 of 5");
    net.cut(n(0), &[n(2)], false);
    net.advance(50 * MILLIS);
    assert_eq!(
        net.request(n(0), write(1, 1)),
        Some(Reply::single(None)),
        "3 of 5"
    );
    assert_eq!(net.disk(n(2)).map.register(1), Some(1));
    assert_eq!(net.disk(n(3)).map.register(1), None);
}
