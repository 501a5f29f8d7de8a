//! Protocol tests of `multi-leader` on the hand-driven test kit: local acceptance and
//! asynchronous shipping, durability across crashes, gap re-requests after loss, each
//! conflict rule's outcome for concurrent writes, the arrival-order switch's divergence,
//! the weaker delivery orders, forwarding, and refusals.

use super::{Conflict, Delivery, Msg, MultiLeader, MultiLeaderParams, Route};
use crate::des::time::MILLIS;
use crate::ops::{Datum, MicroOp, Results, Stored, Txn};
use crate::protocol::testkit::{n, read, write, Net};
use crate::protocol::{Protocol, Reply, Role};

type M = Net<MultiLeader>;

fn add(key: u64, delta: i64) -> Txn {
    Txn::one(MicroOp::Add { key, delta })
}

fn ok_none() -> Option<Reply> {
    Some(Reply::Ok(Results(vec![None])))
}

fn params(conflict: Conflict) -> MultiLeaderParams {
    MultiLeaderParams {
        conflict,
        ..MultiLeaderParams::default()
    }
}

fn stored(net: &M, node: u32, key: u64) -> Option<Stored> {
    net.node(n(node))
        .replica_state()
        .and_then(|s| s.get(key).cloned())
}

fn read_int(net: &mut M, node: u32, key: u64) -> Option<i64> {
    match net.request(n(node), read(key)) {
        Some(Reply::Ok(r)) => r.get(0).and_then(Datum::as_int),
        other => panic!("read answered {other:?}"),
    }
}

fn converged(net: &M, count: u32) -> bool {
    let first = net.node(n(0)).replica_state().cloned();
    (1..count).all(|i| net.node(n(i)).replica_state().cloned() == first)
}

/// Two leaders accept concurrent writes of key 0 (n0 writes 1, then n1 writes 2 a
/// millisecond later on the shared test clock) before either ships; then shipping runs.
fn concurrent_writes(p: MultiLeaderParams) -> M {
    let mut net = M::new(3, p);
    assert_eq!(net.request(n(0), write(0, 1)), ok_none());
    net.skip(MILLIS);
    assert_eq!(net.request(n(1), write(0, 2)), ok_none());
    net.advance(500 * MILLIS);
    net
}

#[test]
fn every_node_accepts_writes_and_ships_them() {
    let mut net = M::new(3, MultiLeaderParams::default());
    for i in 0..3 {
        assert_eq!(net.request(n(i), write(i as u64, 10 + i as i64)), ok_none());
        assert_eq!(net.obs(n(i)).role, Role::Peer);
    }
    assert_eq!(read_int(&mut net, 0, 1), None, "not shipped yet");
    net.advance(200 * MILLIS);
    assert!(converged(&net, 3));
    assert_eq!(read_int(&mut net, 0, 1), Some(11));
    assert_eq!(net.obs(n(1)).log_len, 1);
}

#[test]
fn an_update_is_acknowledged_only_once_durable_and_survives_a_crash() {
    let mut net = M::new(3, MultiLeaderParams::default());
    let id = net.client(n(0), write(0, 1));
    assert_eq!(
        net.reply(id),
        None,
        "no answer before the update is durable"
    );
    net.crash(n(0));
    net.restart(n(0));
    net.advance(200 * MILLIS);
    assert_eq!(net.reply(id), None);
    assert_eq!(
        read_int(&mut net, 1, 0),
        None,
        "never durable, never shipped"
    );
    assert_eq!(net.request(n(0), write(0, 2)), ok_none());
    net.crash(n(0));
    net.restart(n(0));
    net.settle();
    assert_eq!(read_int(&mut net, 0, 0), Some(2), "recovered from disk");
    assert_eq!(net.disk(n(0)).log.len(), 1);
    net.advance(200 * MILLIS);
    assert!(converged(&net, 3));
}

#[test]
fn a_lost_shipment_is_requested_again() {
    let mut net = M::new(2, MultiLeaderParams::default());
    assert_eq!(net.request(n(0), write(0, 1)), ok_none());
    assert_eq!(net.request(n(0), write(1, 2)), ok_none());
    net.cut(n(0), &[n(1)], true);
    net.advance(100 * MILLIS); // the shipment is lost
    net.cut(n(0), &[n(1)], false);
    assert_eq!(stored(&net, 1, 0), None);
    // The next heartbeat's head shows the gap; n1 asks from seq 1 and gets both.
    net.advance(100 * MILLIS);
    assert_eq!(stored(&net, 1, 0), Some(Stored::Register(1)));
    assert_eq!(stored(&net, 1, 1), Some(Stored::Register(2)));
    assert_eq!(net.node(n(1)).progress.applied().get(0), 2);
    // A duplicated shipment changes nothing.
    let log = net.node(n(0)).log.clone();
    let before = net.node(n(1)).replica_state().cloned();
    net.on(n(1), |p, ctx| {
        p.on_message(
            ctx,
            n(0),
            Msg::Ship {
                head: 2,
                updates: log,
            },
        )
    });
    assert_eq!(net.node(n(1)).replica_state().cloned(), before);
    assert!(net.msgs.is_empty(), "no gap, no request");
}

#[test]
fn an_update_ahead_of_a_gap_waits_for_it() {
    let mut net = M::new(2, MultiLeaderParams::default());
    net.request(n(0), write(0, 1));
    net.request(n(0), write(0, 2));
    let log = net.node(n(0)).log.clone();
    net.on(n(1), |p, ctx| {
        p.on_message(
            ctx,
            n(0),
            Msg::Ship {
                head: 2,
                updates: vec![log[1].clone()],
            },
        )
    });
    assert_eq!(stored(&net, 1, 0), None, "seq 2 waits for seq 1");
    assert!(
        matches!(net.msgs.back(), Some((_, _, Msg::Request { from: 1 }))),
        "and asks for it"
    );
    net.settle();
    assert_eq!(stored(&net, 1, 0), Some(Stored::Register(2)));
}

/// Ships `node`'s log entries `which` (indices) to `to` directly, as one shipment.
fn ship(net: &mut M, node: u32, to: u32, which: &[usize]) {
    let log = net.node(n(node)).log.clone();
    let head = log.len() as u64;
    let updates = which.iter().map(|&i| log[i].clone()).collect();
    net.on(n(to), |p, ctx| {
        p.on_message(ctx, n(node), Msg::Ship { head, updates })
    });
}

fn delivery(d: Delivery) -> MultiLeaderParams {
    MultiLeaderParams {
        delivery: d,
        ship_interval: 10_000 * MILLIS, // no shipping but by hand
        ..MultiLeaderParams::default()
    }
}

#[test]
fn unordered_delivery_applies_a_later_update_before_an_earlier_one() {
    let mut net = M::new(2, delivery(Delivery::Unordered));
    net.request(n(0), write(0, 1));
    net.request(n(0), write(1, 2));
    ship(&mut net, 0, 1, &[1]);
    assert_eq!(
        stored(&net, 1, 1),
        Some(Stored::Register(2)),
        "applied at once"
    );
    assert_eq!(stored(&net, 1, 0), None, "without the write before it");
    assert!(
        matches!(net.msgs.back(), Some((_, _, Msg::Request { from: 1 }))),
        "and the gap is asked for"
    );
    net.persist_on(n(1));
    assert_eq!(
        net.disk(n(1)).applied.get(0),
        0,
        "the prefix is what persists"
    );
    net.crash(n(1));
    net.restart(n(1));
    ship(&mut net, 0, 1, &[0, 1]);
    net.persist_on(n(1));
    assert_eq!(stored(&net, 1, 0), Some(Stored::Register(1)));
    assert_eq!(stored(&net, 1, 1), Some(Stored::Register(2)));
    assert_eq!(net.disk(n(1)).applied.get(0), 2);
    // Under the default, the later update waits for the earlier.
    let mut net = M::new(2, delivery(Delivery::Causal));
    net.request(n(0), write(0, 1));
    net.request(n(0), write(1, 2));
    ship(&mut net, 0, 1, &[1]);
    assert_eq!(stored(&net, 1, 1), None);
}

#[test]
fn fifo_delivery_applies_a_write_before_the_write_it_followed() {
    for (d, applied) in [(Delivery::Fifo, true), (Delivery::Causal, false)] {
        let mut net = M::new(3, delivery(d));
        net.request(n(1), write(0, 1));
        ship(&mut net, 1, 0, &[0]);
        // n0 has applied n1's write; a client reads it there, then writes key 1.
        assert_eq!(read_int(&mut net, 0, 0), Some(1));
        net.request(n(0), write(1, 2));
        // n0's update reaches n2 before n1's does.
        ship(&mut net, 0, 2, &[0]);
        let seen = stored(&net, 2, 1) == Some(Stored::Register(2));
        assert_eq!(seen, applied, "{d:?}");
        assert_eq!(
            stored(&net, 2, 0),
            None,
            "{d:?}: the write it followed is not there"
        );
        ship(&mut net, 1, 2, &[0]);
        assert_eq!(stored(&net, 2, 0), Some(Stored::Register(1)));
        assert_eq!(stored(&net, 2, 1), Some(Stored::Register(2)), "{d:?}");
    }
}

#[test]
fn lww_keeps_the_later_clock_reading_everywhere() {
    let net = concurrent_writes(params(Conflict::Lww));
    assert!(converged(&net, 3));
    assert_eq!(stored(&net, 2, 0), Some(Stored::Register(2)));
}

#[test]
fn version_vectors_keep_siblings_that_read_the_same_everywhere() {
    let mut net = concurrent_writes(params(Conflict::VersionVector));
    assert!(converged(&net, 3));
    assert_eq!(
        stored(&net, 2, 0),
        Some(Stored::Register(2)),
        "the larger sibling"
    );
    let entry = net.node(n(2)).replica.entries().get(&0).cloned();
    assert!(matches!(entry, Some(super::Entry::Siblings(ref s)) if s.len() == 2));
    // n2's next write has seen both siblings and replaces them.
    assert_eq!(net.request(n(2), write(0, 0)), ok_none());
    net.advance(200 * MILLIS);
    assert!(converged(&net, 3));
    assert_eq!(read_int(&mut net, 0, 0), Some(0));
    let entry = net.node(n(0)).replica.entries().get(&0).cloned();
    assert!(matches!(entry, Some(super::Entry::Siblings(ref s)) if s.len() == 1));
}

#[test]
fn arrival_order_diverges_forever() {
    let p = MultiLeaderParams {
        apply_in_arrival_order: true,
        ..MultiLeaderParams::default()
    };
    let mut net = concurrent_writes(p);
    net.advance(2_000 * MILLIS);
    assert_eq!(
        stored(&net, 0, 0),
        Some(Stored::Register(2)),
        "n0 applied n1's last"
    );
    assert_eq!(
        stored(&net, 1, 0),
        Some(Stored::Register(1)),
        "n1 applied n0's last"
    );
    assert!(!converged(&net, 3));
}

#[test]
fn crdt_counters_keep_every_increment() {
    let mut net = M::new(3, params(Conflict::Crdt));
    for i in 0..3 {
        assert_eq!(net.request(n(i), add(0, 1)), ok_none());
    }
    net.advance(300 * MILLIS);
    assert!(converged(&net, 3));
    assert_eq!(stored(&net, 0, 0), Some(Stored::Counter(3)));
    // LWW on the same counter keeps one.
    let mut net = M::new(3, params(Conflict::Lww));
    for i in 0..3 {
        net.request(n(i), add(0, 1));
    }
    net.advance(300 * MILLIS);
    assert!(converged(&net, 3));
    assert_eq!(stored(&net, 0, 0), Some(Stored::Counter(1)));
}

#[test]
fn random_routing_forwards_and_answers_through_the_asked_node() {
    let p = MultiLeaderParams {
        route: Route::Random,
        ..MultiLeaderParams::default()
    };
    let mut net = M::new(3, p);
    for k in 0..12 {
        let id = net.client(n(0), write(k, k as i64));
        net.settle();
        assert_eq!(net.reply(id), ok_none());
    }
    let logs: Vec<u64> = (0..3).map(|i| net.obs(n(i)).log_len).collect();
    assert!(logs.iter().filter(|l| **l > 0).count() >= 2, "{logs:?}");
}

#[test]
fn what_it_cannot_serve_is_refused_and_does_nothing() {
    let mut net = M::new(2, MultiLeaderParams::default());
    assert_eq!(net.request(n(0), add(0, 1)), ok_none());
    assert_eq!(
        net.request(n(0), write(0, 5)),
        Some(Reply::Fail),
        "key 0 is a counter"
    );
    let cas = Txn::one(MicroOp::Cas {
        key: 3,
        expected: 1,
        new: 2,
    });
    assert_eq!(net.request(n(0), cas), Some(Reply::Fail));
    assert_eq!(net.obs(n(0)).log_len, 1, "refusals log nothing");
    let t = Txn::new(vec![
        MicroOp::Add { key: 0, delta: 2 },
        MicroOp::Read { key: 0 },
    ]);
    assert_eq!(
        net.request(n(0), t),
        Some(Reply::Ok(Results(vec![None, Some(Datum::Int(3))])))
    );
    assert!(MultiLeader::SERVES
        .iter()
        .all(|k| k.name() != "cas" && k.name() != "append"));
}

#[test]
fn a_receiver_that_crashes_before_its_apply_is_durable_asks_again() {
    let mut net = M::new(2, MultiLeaderParams::default());
    assert_eq!(net.request(n(0), write(0, 1)), ok_none());
    let log = net.node(n(0)).log.clone();
    net.on(n(1), |p, ctx| {
        p.on_message(
            ctx,
            n(0),
            Msg::Ship {
                head: 1,
                updates: log,
            },
        )
    });
    assert_eq!(stored(&net, 1, 0), Some(Stored::Register(1)));
    net.crash(n(1)); // before the applied update reached disk
    net.restart(n(1));
    net.settle();
    assert_eq!(stored(&net, 1, 0), None, "the apply was not durable");
    assert_eq!(net.disk(n(1)).applied.get(0), 0);
    net.advance(200 * MILLIS);
    assert_eq!(
        stored(&net, 1, 0),
        Some(Stored::Register(1)),
        "asked again from the heartbeat's head"
    );
    assert_eq!(net.disk(n(1)).applied.get(0), 1);
}

#[test]
fn a_write_that_followed_another_waits_for_it_at_a_third_replica() {
    let mut net = M::new(3, MultiLeaderParams::default());
    assert_eq!(net.request(n(0), write(0, 1)), ok_none());
    let first = net.node(n(0)).log.clone();
    let ship = first.clone();
    net.on(n(1), |p, ctx| {
        p.on_message(
            ctx,
            n(0),
            Msg::Ship {
                head: 1,
                updates: ship,
            },
        )
    });
    net.settle();
    // A client reads n0's write at n1, then writes key 1 there: that write follows it.
    assert_eq!(read_int(&mut net, 1, 0), Some(1));
    assert_eq!(net.request(n(1), write(1, 2)), ok_none());
    let second = net.node(n(1)).log.clone();
    net.on(n(2), |p, ctx| {
        p.on_message(
            ctx,
            n(1),
            Msg::Ship {
                head: 1,
                updates: second,
            },
        )
    });
    assert_eq!(
        stored(&net, 2, 1),
        None,
        "held until what it followed arrives"
    );
    net.on(n(2), |p, ctx| {
        p.on_message(
            ctx,
            n(0),
            Msg::Ship {
                head: 1,
                updates: first,
            },
        )
    });
    assert_eq!(stored(&net, 2, 0), Some(Stored::Register(1)));
    assert_eq!(stored(&net, 2, 1), Some(Stored::Register(2)));
}
