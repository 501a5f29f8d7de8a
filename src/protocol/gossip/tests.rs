//! Protocol tests of `gossip` on the hand-driven test kit: anti-entropy convergence, the
//! durability of acknowledged updates across crashes, partitions healing, refusals, and the
//! two teaching switches' anomalies, and membership (partners drawn from trusted peers).

use super::{CounterKind, Gossip, GossipParams, MergeKind, Msg};
use crate::des::time::MILLIS;
use crate::ops::{Datum, MicroOp, Results, Stored, Txn};
use crate::protocol::detector::DetectorKind;
use crate::protocol::testkit::{n, read, write, Net};
use crate::protocol::{Protocol, Reply, Role};

type G = Net<Gossip>;

fn add(key: u64, delta: i64) -> Txn {
    Txn::one(MicroOp::Add { key, delta })
}

fn insert(key: u64, value: i64) -> Txn {
    Txn::one(MicroOp::Insert { key, value })
}

fn remove(key: u64, value: i64) -> Txn {
    Txn::one(MicroOp::Remove { key, value })
}

fn ok_none() -> Option<Reply> {
    Some(Reply::Ok(Results(vec![None])))
}

/// Boots `count` nodes and lets their incarnation writes complete.
fn cluster(count: u32, params: GossipParams) -> G {
    let mut net = G::new(count, params);
    net.settle();
    net
}

fn read_int(net: &mut G, node: u32, key: u64) -> Option<i64> {
    match net.request(n(node), read(key)) {
        Some(Reply::Ok(r)) => r.get(0).and_then(Datum::as_int),
        other => panic!("read answered {other:?}"),
    }
}

fn stored(net: &G, node: u32, key: u64) -> Option<Stored> {
    net.node(n(node))
        .replica_state()
        .and_then(|s| s.get(key).cloned())
}

/// Every node's materialized store is the same.
fn converged(net: &G, count: u32) -> bool {
    let first = net.node(n(0)).replica_state().cloned();
    (1..count).all(|i| net.node(n(i)).replica_state().cloned() == first)
}

#[test]
fn every_node_serves_at_once_and_anti_entropy_converges() {
    let mut net = cluster(5, GossipParams::default());
    for i in 0..5 {
        assert_eq!(net.request(n(i), add(0, 1)), ok_none(), "n{i} serves alone");
        assert_eq!(net.obs(n(i)).role, Role::Peer);
    }
    assert_eq!(
        read_int(&mut net, 0, 0),
        Some(1),
        "before gossip: only its own add"
    );
    net.advance(2_000 * MILLIS);
    assert!(converged(&net, 5));
    for i in 0..5 {
        assert_eq!(stored(&net, i, 0), Some(Stored::Counter(5)));
    }
}

#[test]
fn an_update_is_acknowledged_only_once_durable_and_survives_a_crash() {
    let mut net = cluster(3, GossipParams::default());
    let id = net.client(n(0), add(0, 1));
    assert_eq!(net.reply(id), None, "no answer before the write is durable");
    net.crash(n(0));
    net.restart(n(0));
    net.settle();
    assert_eq!(net.reply(id), None);
    assert_eq!(
        read_int(&mut net, 0, 0),
        None,
        "unacknowledged and lost: allowed"
    );
    assert_eq!(net.request(n(0), add(0, 2)), ok_none());
    net.crash(n(0));
    net.restart(n(0));
    net.settle();
    assert_eq!(
        read_int(&mut net, 0, 0),
        Some(2),
        "acknowledged: recovered from disk"
    );
}

#[test]
fn requests_wait_for_the_incarnation_to_be_durable() {
    let mut net = G::new(2, GossipParams::default());
    let id = net.client(n(0), insert(0, 4));
    assert!(net.replies.is_empty());
    net.persist_on(n(0)); // the incarnation, then the insert
    assert_eq!(
        net.reply(id),
        None,
        "served after the incarnation: its write is pending"
    );
    net.settle();
    assert_eq!(net.reply(id), ok_none());
    assert_eq!(net.disk(n(0)).life, 1);
    net.crash(n(0));
    net.restart(n(0));
    net.settle();
    assert_eq!(net.disk(n(0)).life, 2, "a new life, so new tags");
}

#[test]
fn partitions_heal_into_one_state_and_duplicates_do_no_harm() {
    let mut net = cluster(4, GossipParams::default());
    let (left, right) = ([n(0), n(1)], [n(2), n(3)]);
    for a in left {
        net.cut(a, &right, true);
    }
    assert_eq!(net.request(n(0), add(1, 3)), ok_none());
    assert_eq!(net.request(n(3), add(1, -1)), ok_none());
    assert_eq!(net.request(n(1), insert(2, 10)), ok_none());
    assert_eq!(net.request(n(2), insert(2, 20)), ok_none());
    net.advance(1_000 * MILLIS);
    assert_eq!(
        stored(&net, 1, 1),
        Some(Stored::Counter(3)),
        "each side converged"
    );
    assert_eq!(stored(&net, 2, 1), Some(Stored::Counter(-1)));
    for a in left {
        net.cut(a, &right, false);
    }
    net.advance(1_000 * MILLIS);
    assert!(converged(&net, 4));
    assert_eq!(stored(&net, 0, 1), Some(Stored::Counter(2)));
    assert_eq!(
        stored(&net, 0, 2),
        Some(Stored::Set([10, 20].into_iter().collect()))
    );
    // A duplicated push changes nothing.
    let state = std::sync::Arc::new(net.node(n(0)).replica.keys().clone());
    let before = net.node(n(1)).replica_state().cloned();
    for _ in 0..2 {
        net.on(n(1), |p, ctx| {
            p.on_message(ctx, n(0), Msg::Push(state.clone()))
        });
    }
    assert_eq!(net.node(n(1)).replica_state().cloned(), before);
}

#[test]
fn or_set_remove_and_lww_register_through_gossip() {
    let mut net = cluster(3, GossipParams::default());
    assert_eq!(net.request(n(0), insert(0, 7)), ok_none());
    net.advance(1_000 * MILLIS);
    assert_eq!(
        net.request(n(1), remove(0, 7)),
        ok_none(),
        "n1 removes what it saw"
    );
    net.advance(1_000 * MILLIS);
    assert!(converged(&net, 3));
    assert_eq!(stored(&net, 2, 0), Some(Stored::Set(Default::default())));
    // Registers: the later write (by the shared test clock) wins everywhere.
    assert_eq!(net.request(n(0), write(5, 1)), ok_none());
    net.skip(MILLIS);
    assert_eq!(net.request(n(2), write(5, 2)), ok_none());
    net.advance(1_000 * MILLIS);
    assert!(converged(&net, 3));
    assert_eq!(read_int(&mut net, 1, 5), Some(2));
}

#[test]
fn what_gossip_cannot_serve_is_refused_and_does_nothing() {
    let mut net = cluster(2, GossipParams::default());
    assert_eq!(net.request(n(0), add(0, 1)), ok_none());
    assert_eq!(
        net.request(n(0), insert(0, 1)),
        Some(Reply::Fail),
        "key 0 is a counter"
    );
    let cas = Txn::one(MicroOp::Cas {
        key: 3,
        expected: 1,
        new: 2,
    });
    assert_eq!(net.request(n(0), cas), Some(Reply::Fail));
    let mixed = Txn::new(vec![
        MicroOp::Add { key: 4, delta: 1 },
        MicroOp::Write { key: 0, value: 1 },
    ]);
    assert_eq!(net.request(n(0), mixed), Some(Reply::Fail));
    assert_eq!(
        read_int(&mut net, 0, 4),
        None,
        "the whole transaction did nothing"
    );
    // A transaction's read sees its own earlier update.
    let t = Txn::new(vec![
        MicroOp::Add { key: 0, delta: 2 },
        MicroOp::Read { key: 0 },
    ]);
    assert_eq!(
        net.request(n(0), t),
        Some(Reply::Ok(Results(vec![None, Some(Datum::Int(3))])))
    );
    assert!(Gossip::SERVES
        .iter()
        .all(|k| k.name() != "cas" && k.name() != "append"));
}

#[test]
fn plain_counters_lose_concurrent_increments() {
    let params = GossipParams {
        counter: CounterKind::Plain,
        ..GossipParams::default()
    };
    let mut net = cluster(3, params);
    for i in 0..3 {
        assert_eq!(net.request(n(i), add(0, 1)), ok_none());
    }
    net.advance(2_000 * MILLIS);
    assert!(converged(&net, 3), "they agree...");
    assert_eq!(
        stored(&net, 0, 0),
        Some(Stored::Counter(1)),
        "...on 1 of 3 increments"
    );
    // The CRDT keeps all three.
    let mut net = cluster(3, GossipParams::default());
    for i in 0..3 {
        net.request(n(i), add(0, 1));
    }
    net.advance(2_000 * MILLIS);
    assert_eq!(stored(&net, 0, 0), Some(Stored::Counter(3)));
}

#[test]
fn additive_merge_double_counts() {
    let params = GossipParams {
        merge: MergeKind::Additive,
        ..GossipParams::default()
    };
    let mut net = cluster(3, params);
    assert_eq!(net.request(n(0), add(0, 1)), ok_none());
    net.advance(500 * MILLIS);
    let counts: Vec<Option<Stored>> = (0..3).map(|i| stored(&net, i, 0)).collect();
    assert!(
        counts
            .iter()
            .all(|c| matches!(c, Some(Stored::Counter(v)) if *v > 1)),
        "one increment, counted many times: {counts:?}"
    );
}

/// Fires `firings` timers (of any node), settling after each; counts the pushes `from` sent
/// meanwhile to `to` (to anyone if `None`).
fn pushes(net: &mut G, firings: usize, from: u32, to: Option<u32>) -> usize {
    let mut count = 0;
    for _ in 0..firings {
        net.fire_next_timer();
        count += net
            .msgs
            .iter()
            .filter(|(f, t, m)| {
                *f == n(from) && to.map_or(true, |to| *t == n(to)) && matches!(m, Msg::Push(_))
            })
            .count();
        net.settle();
    }
    count
}

fn with_membership(fanout: u32) -> GossipParams {
    GossipParams {
        fanout,
        detector: Some(DetectorKind::Fixed),
        suspect_after: 1_000 * MILLIS,
        ..GossipParams::default()
    }
}

#[test]
fn membership_stops_choosing_a_dead_peer_and_reports_it() {
    // Without membership a dead peer keeps its share of the rounds: fanout 1 of 3 peers.
    let mut plain = cluster(
        4,
        GossipParams {
            fanout: 1,
            ..GossipParams::default()
        },
    );
    plain.advance(300 * MILLIS);
    plain.crash(n(3));
    let wasted = pushes(&mut plain, 400, 0, Some(3));
    assert!(
        (20..=55).contains(&wasted),
        "about a third of n0's ~100 rounds: {wasted}"
    );
    assert!(plain.suspicions.is_empty(), "no detector, no suspicions");
    // With a fixed detector each survivor suspects n3 once, then only probes it: with 2
    // trusted peers and 1 suspected, with probability 1 / 3 a round, on top of its partner.
    let mut net = cluster(4, with_membership(1));
    net.advance(300 * MILLIS);
    net.crash(n(3));
    net.advance(1_500 * MILLIS);
    for i in 0..3 {
        assert_eq!(
            net.suspicions
                .iter()
                .filter(|s| **s == (n(i), n(3)))
                .count(),
            1,
            "n{i} reported n3 once: {:?}",
            net.suspicions
        );
    }
    let probes = pushes(&mut net, 400, 0, Some(3));
    assert!((15..=55).contains(&probes), "probes only: {probes}");
    assert!(
        net.suspicions.iter().all(|&(_, of)| of == n(3)),
        "live peers keep gossiping, so nobody suspects them: {:?}",
        net.suspicions
    );
}

#[test]
fn a_node_that_suspects_everyone_still_probes_and_recovers() {
    let mut net = cluster(3, with_membership(2));
    net.advance(300 * MILLIS);
    // n0 is cut off from both peers long enough to suspect them.
    net.cut(n(0), &[n(1), n(2)], true);
    net.advance(2_000 * MILLIS);
    assert!(net.suspicions.contains(&(n(0), n(1))) && net.suspicions.contains(&(n(0), n(2))));
    // Suspecting everyone, n0 still pushes to one of them every round (a third of the
    // timer firings are its own).
    let probes = pushes(&mut net, 90, 0, None);
    assert!((25..=35).contains(&probes), "{probes}");
    // After the heal an update on n0 reaches everyone.
    net.cut(n(0), &[n(1), n(2)], false);
    assert_eq!(net.request(n(0), add(7, 5)), ok_none());
    net.advance(1_000 * MILLIS);
    assert!(converged(&net, 3));
    assert_eq!(stored(&net, 2, 7), Some(Stored::Counter(5)));
}

#[test]
fn without_suspicions_membership_draws_exactly_as_without_it() {
    // No crash, no cut: nobody is suspected (the timeout is far above the gossip interval),
    // so both clusters send the same pushes to the same peers.
    let trace = |params: GossipParams| {
        let mut net = cluster(5, params);
        let mut sent = Vec::new();
        for _ in 0..200 {
            net.fire_next_timer();
            sent.extend(net.msgs.iter().map(|(f, t, _)| (*f, *t)));
            net.settle();
        }
        (sent, net.suspicions.clone())
    };
    let (with, suspicions) = trace(with_membership(2));
    assert!(suspicions.is_empty());
    assert_eq!(with, trace(GossipParams::default()).0);
}
