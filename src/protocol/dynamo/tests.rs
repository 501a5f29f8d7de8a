//! Unit tests of `dynamo` on the hand-driven test kit: quorums, forwarding, timeouts, read
//! repair, sloppy quorums with hinted handoff, siblings, anti-entropy and recovery.

use super::*;
use crate::des::time::MILLIS;
use crate::protocol::testkit::{n, read, write, Net};
use crate::protocol::Reply;

fn params(nn: u32, r: u32, w: u32) -> DynamoParams {
    DynamoParams {
        n: nn,
        r,
        w,
        anti_entropy: None,
        read_repair: ReadRepair::Off,
        ..DynamoParams::default()
    }
}

/// The preference list of `key` in a cluster of `nodes`.
fn pref(nodes: u32, key: u64, len: usize) -> Vec<NodeId> {
    let members: Vec<NodeId> = (0..nodes).map(NodeId).collect();
    Ring::new(&members, DynamoParams::default().vnodes).preference_list(key, len)
}

fn value(reply: Option<Reply>) -> Option<i64> {
    match reply {
        Some(Reply::Ok(results)) => results.get(0).and_then(|d| d.as_int()),
        other => panic!("expected an ok reply, got {other:?}"),
    }
}

#[test]
fn quorum_write_then_read_on_five_nodes() {
    let mut net: Net<Dynamo> = Net::new(5, params(3, 2, 2));
    for key in 0..10 {
        assert_eq!(
            net.request(n(0), write(key, 100 + key as i64)),
            Some(Reply::single(None))
        );
    }
    for key in 0..10 {
        let at = n((key % 5) as u32);
        assert_eq!(value(net.request(at, read(key))), Some(100 + key as i64));
    }
    // Each key is on exactly its preference list.
    for key in 0..10 {
        let holders: Vec<NodeId> = (0..5)
            .map(n)
            .filter(|&m| net.node(m).replica_state().unwrap().register(key).is_some())
            .collect();
        let mut expected = pref(5, key, 3);
        expected.sort();
        assert_eq!(holders, expected, "key {key}");
        // Those nodes, and only they, say they replicate it (what `convergence` compares).
        let owners: Vec<NodeId> = (0..5)
            .map(n)
            .filter(|&m| net.node(m).replicates_key(key))
            .collect();
        assert_eq!(owners, expected, "key {key}");
    }
    assert_eq!(value(net.request(n(1), read(99))), None);
}

#[test]
fn a_write_waits_for_w_durable_acks_and_times_out_without_them() {
    let key = 4;
    let p = pref(5, key, 3);
    let mut net: Net<Dynamo> = Net::new(5, params(3, 2, 3));
    // Cut the last replica off from everyone: two acks of three.
    let others: Vec<NodeId> = (0..5).map(n).filter(|&m| m != p[2]).collect();
    net.cut(p[2], &others, true);
    let id = net.client(p[0], write(key, 7));
    net.deliver_all();
    assert_eq!(
        net.reply(id),
        None,
        "no ack is sent before the write is durable"
    );
    net.settle();
    assert_eq!(net.reply(id), None, "w = 3 needs the cut replica");
    net.advance(600 * MILLIS);
    assert_eq!(net.reply(id), None, "timed out: the client records info");
    assert!(net.node(p[0]).pending.is_empty());
    // With w = 2 the same cut does not matter.
    let mut net: Net<Dynamo> = Net::new(5, params(3, 2, 2));
    net.cut(p[2], &others, true);
    assert_eq!(net.request(p[0], write(key, 7)), Some(Reply::single(None)));
}

#[test]
fn ring_coordination_forwards_to_the_first_trusted_preference_node() {
    let key = 2;
    let p = pref(5, key, 3);
    let outsider = (0..5).map(n).find(|m| !p.contains(m)).unwrap();
    let mut net: Net<Dynamo> = Net::new(5, params(3, 2, 2));
    let id = net.client(outsider, write(key, 5));
    assert!(matches!(net.msgs.back(), Some((_, to, Msg::Forward { .. })) if *to == p[0]));
    net.settle();
    assert_eq!(net.reply(id), Some(Reply::single(None)));
    // Once the first preference node is silent for a while, the next one coordinates.
    net.crash(p[0]);
    net.advance(400 * MILLIS);
    let id = net.client(outsider, write(key, 6));
    assert!(matches!(net.msgs.back(), Some((_, to, Msg::Forward { .. })) if *to == p[1]));
    net.settle();
    assert_eq!(net.reply(id), Some(Reply::single(None)));
}

#[test]
fn overlapping_quorums_read_the_last_write_and_disjoint_ones_may_not() {
    let key = 1;
    let p = pref(3, key, 3);
    for (r, w, fresh) in [(2, 2, true), (1, 3, true), (3, 1, true), (1, 1, false)] {
        let mut params = params(3, r, w);
        params.coordinator = Coordinator::Client;
        let mut net: Net<Dynamo> = Net::new(3, params);
        assert_eq!(net.request(p[0], write(key, 1)), Some(Reply::single(None)));
        // The second write reaches only w replicas before its quorum answers: the others
        // are cut off from the coordinator until the read is done.
        let coord = p[(3 - w as usize) % 3];
        let missed: Vec<NodeId> = p
            .iter()
            .copied()
            .filter(|&m| m != coord)
            .take(3 - w as usize)
            .collect();
        for &m in &missed {
            net.cut(coord, &[m], true);
        }
        net.skip(1_000); // a later clock: the second write's stamp is higher
        assert_eq!(net.request(coord, write(key, 2)), Some(Reply::single(None)));
        net.blocked.clear();
        // A read coordinated by a replica that missed the write, whose first r replies
        // come from the replicas that missed it when they can.
        let reader = missed.first().copied().unwrap_or(p[0]);
        let id = net.client(reader, read(key));
        let got = loop {
            if let Some(reply) = net.reply(id) {
                break value(Some(reply));
            }
            // Deliver stale replicas' traffic first.
            let k = net
                .msgs
                .iter()
                .position(|(from, to, _)| missed.contains(from) || missed.contains(to))
                .unwrap_or(0);
            net.deliver_at(k);
            net.persist();
        };
        assert_eq!(got == Some(2), fresh, "r = {r}, w = {w}: read {got:?}");
    }
}

#[test]
fn sync_read_repair_writes_back_before_answering() {
    let key = 3;
    let p = pref(3, key, 3);
    let mut params = params(3, 2, 2);
    params.read_repair = ReadRepair::Sync;
    params.coordinator = Coordinator::Client;
    let mut net: Net<Dynamo> = Net::new(3, params);
    net.cut(p[0], &[p[2]], true);
    assert_eq!(net.request(p[0], write(key, 9)), Some(Reply::single(None)));
    net.blocked.clear();
    assert_eq!(net.node(p[2]).replica.store().register(key), None);
    // p2 coordinates a read; its own stale copy and p0's reply are the first two.
    net.cut(p[2], &[p[1]], true);
    let id = net.client(p[2], read(key));
    net.deliver_all();
    assert_eq!(
        net.reply(id),
        None,
        "waits for its own repair to be durable"
    );
    net.persist_on(p[2]);
    assert_eq!(value(net.reply(id)), Some(9));
    assert_eq!(net.node(p[2]).replica.store().register(key), Some(9));
    // Async repair answers first and repairs afterwards; off never repairs.
    for (mode, repaired) in [(ReadRepair::Async, true), (ReadRepair::Off, false)] {
        let mut params = params;
        params.read_repair = mode;
        let mut net: Net<Dynamo> = Net::new(3, params);
        net.cut(p[0], &[p[2]], true);
        net.request(p[0], write(key, 9));
        net.blocked.clear();
        net.cut(p[2], &[p[1]], true);
        let id = net.client(p[2], read(key));
        net.deliver_all();
        assert_eq!(value(net.reply(id)), Some(9));
        net.settle();
        let now = net.node(p[2]).replica.store().register(key);
        assert_eq!(now == Some(9), repaired, "{mode:?}");
    }
}

#[test]
fn sloppy_quorum_writes_a_hint_and_hands_it_off() {
    let key = 5;
    let members: Vec<NodeId> = (0..5).map(n).collect();
    let walk = Ring::new(&members, 8).walk(key);
    let mut params = params(3, 2, 3);
    params.sloppy_quorum = true;
    let mut net: Net<Dynamo> = Net::new(5, params);
    net.crash(walk[2]);
    net.advance(400 * MILLIS);
    assert_eq!(
        net.request(walk[0], write(key, 11)),
        Some(Reply::single(None))
    );
    let stand_in = net.node(walk[3]);
    assert_eq!(
        stand_in.replica.hints().len(),
        1,
        "the next node holds a hint"
    );
    assert_eq!(stand_in.replica.store().register(key), None);
    // A strict quorum with w = 3 would not have answered.
    let mut strict: Net<Dynamo> = Net::new(
        5,
        DynamoParams {
            sloppy_quorum: false,
            ..params
        },
    );
    strict.crash(walk[2]);
    strict.advance(400 * MILLIS);
    assert_eq!(strict.request(walk[0], write(key, 11)), None);
    // The owner comes back empty-handed; the holder hands the hint off once it trusts it.
    net.restart(walk[2]);
    net.advance(300 * MILLIS);
    assert_eq!(net.node(walk[2]).replica.store().register(key), Some(11));
    assert!(net.node(walk[3]).replica.hints().is_empty());
    assert!(net.disk(walk[3]).hints.is_empty());
}

#[test]
fn version_vectors_keep_siblings_until_a_write_supersedes_them() {
    let key = 6;
    let p = pref(3, key, 3);
    let mut params = params(3, 1, 1);
    params.versioning = Versioning::VersionVector;
    params.coordinator = Coordinator::Client;
    let mut net: Net<Dynamo> = Net::new(3, params);
    // Two coordinators write concurrently while cut off from each other's replicas.
    net.cut(p[0], &[p[1], p[2]], true);
    assert_eq!(net.request(p[0], write(key, 1)), Some(Reply::single(None)));
    assert_eq!(net.request(p[1], write(key, 2)), Some(Reply::single(None)));
    net.blocked.clear();
    net.settle();
    let id = net.client(p[2], read(key));
    net.settle();
    let got = value(net.reply(id));
    let siblings = net.node(p[2]).replica.get(key).to_vec();
    assert!(got == Some(1) || got == Some(2));
    // p2 held only p1's write (p0 was cut off): its read merged only its own copy with r = 1.
    assert_eq!(siblings.len(), 1);
    // Push p0's version to p1: p1 now holds two siblings.
    let v0 = net.node(p[0]).replica.get(key).to_vec();
    net.on(p[1], |node, ctx| {
        node.on_put(ctx, p[0], 0, key, v0.clone(), None);
    });
    net.settle();
    assert_eq!(
        net.node(p[1]).replica.get(key).len(),
        2,
        "concurrent: siblings"
    );
    // p1 reads (its context now covers both) and writes: the siblings collapse.
    let r = value(net.request(p[1], read(key)));
    assert_eq!(r, version::read_value(net.node(p[1]).replica.get(key)));
    assert_eq!(net.request(p[1], write(key, 3)), Some(Reply::single(None)));
    assert_eq!(net.node(p[1]).replica.get(key).len(), 1);
    assert_eq!(net.node(p[1]).replica.store().register(key), Some(3));
}

#[test]
fn anti_entropy_brings_a_missed_write_to_every_replica() {
    let mut params = params(3, 2, 2);
    params.anti_entropy = Some(200 * MILLIS);
    let mut net: Net<Dynamo> = Net::new(3, params);
    net.cut(n(0), &[n(2)], true);
    net.cut(n(1), &[n(2)], true);
    for key in 0..8 {
        assert_eq!(
            net.request(n(0), write(key, key as i64 * 10)),
            Some(Reply::single(None))
        );
    }
    assert!(net.node(n(2)).replica.store().is_empty());
    net.blocked.clear();
    net.advance(2_000 * MILLIS);
    let stores: Vec<_> = (0..3)
        .map(|i| net.node(n(i)).replica.store().clone())
        .collect();
    assert_eq!(stores[2].len(), 8);
    assert!(stores.iter().all(|s| *s == stores[0]));
}

#[test]
fn a_restarted_replica_recovers_what_it_acknowledged() {
    let key = 8;
    let p = pref(3, key, 3);
    let mut net: Net<Dynamo> = Net::new(3, params(3, 3, 3));
    assert_eq!(net.request(p[0], write(key, 4)), Some(Reply::single(None)));
    for &m in &p {
        net.crash(m);
        net.restart(m);
    }
    assert_eq!(value(net.request(p[1], read(key))), Some(4));
    // A write lost before it was durable was never acknowledged by that replica.
    let id = net.client(p[0], write(key, 5));
    net.deliver_all();
    net.crash(p[0]);
    net.restart(p[0]);
    net.settle();
    assert_eq!(net.reply(id), None);
}

#[test]
fn last_write_wins_follows_the_coordinators_clocks() {
    // Writes stamped by their coordinator's local clock: the later stamp wins wherever it
    // arrives first.
    let key = 9;
    let mut params = params(3, 3, 3);
    params.coordinator = Coordinator::Client;
    let mut net: Net<Dynamo> = Net::new(3, params);
    net.skip(1_000);
    net.request(n(1), write(key, 1));
    net.request(n(2), write(key, 2));
    assert_eq!(value(net.request(n(0), read(key))), Some(2));
    let stamp = net.node(n(0)).replica.get(key)[0].stamp;
    assert_eq!((stamp.ts, stamp.node), (1_000, 2));
}

#[test]
fn refuses_transactions_and_unserved_operations() {
    let mut net: Net<Dynamo> = Net::new(3, params(3, 2, 2));
    let txn = crate::ops::Txn::new(vec![
        crate::ops::MicroOp::Read { key: 1 },
        crate::ops::MicroOp::Read { key: 2 },
    ]);
    assert_eq!(net.request(n(0), txn), Some(Reply::Fail));
    let add = crate::ops::Txn::one(crate::ops::MicroOp::Add { key: 1, delta: 1 });
    assert_eq!(net.request(n(0), add), Some(Reply::Fail));
}

#[test]
fn a_sync_read_answers_what_it_wrote_back_not_a_newer_late_reply() {
    let key = 3;
    let p = pref(3, key, 3);
    let mut params = params(3, 2, 2);
    params.read_repair = ReadRepair::Sync;
    params.coordinator = Coordinator::Client;
    let mut net: Net<Dynamo> = Net::new(3, params);
    // v1 on p0 and p2; v2 (a write still in progress) on p2 alone.
    net.cut(p[1], &[p[0], p[2]], true);
    assert_eq!(net.request(p[0], write(key, 1)), Some(Reply::single(None)));
    net.blocked.clear();
    net.skip(1_000);
    net.cut(p[2], &[p[0], p[1]], true);
    net.client(p[2], write(key, 2));
    net.settle();
    net.blocked.clear();
    // p0 reads: its own v1 and p1's empty reply decide it; p2's v2 comes late, while the
    // repair of p1 is under way.
    let id = net.client(p[0], read(key));
    let get = |net: &Net<Dynamo>, to: NodeId| {
        net.msgs
            .iter()
            .position(|(_, t, m)| *t == to && matches!(m, Msg::Get { .. }))
            .unwrap()
    };
    let k = get(&net, p[1]);
    net.deliver_at(k);
    let k = get(&net, p[2]);
    net.deliver_at(k);
    let from = |net: &Net<Dynamo>, who: NodeId| {
        net.msgs
            .iter()
            .position(|(f, _, m)| *f == who && matches!(m, Msg::GetReply { .. }))
            .unwrap()
    };
    let k = from(&net, p[1]);
    net.deliver_at(k);
    let k = from(&net, p[2]);
    net.deliver_at(k);
    assert_eq!(net.reply(id), None, "waits for p1's repair");
    net.settle();
    assert_eq!(value(net.reply(id)), Some(1), "v2 is on one replica only");
    assert_eq!(
        net.node(p[1]).replica.store().register(key),
        Some(1),
        "written back"
    );
}

#[test]
fn hints_survive_a_crash_of_their_holder() {
    let key = 5;
    let members: Vec<NodeId> = (0..5).map(n).collect();
    let walk = Ring::new(&members, 8).walk(key);
    let mut params = params(3, 2, 2);
    params.sloppy_quorum = true;
    let mut net: Net<Dynamo> = Net::new(5, params);
    net.crash(walk[1]);
    net.advance(400 * MILLIS);
    assert_eq!(
        net.request(walk[0], write(key, 12)),
        Some(Reply::single(None))
    );
    assert_eq!(net.disk(walk[3]).hints.len(), 1, "the hint is durable");
    // The holder crashes and restarts before the owner is back: the hint is still there.
    net.crash(walk[3]);
    net.restart(walk[3]);
    assert_eq!(net.node(walk[3]).replica.hints().len(), 1);
    net.restart(walk[1]);
    net.advance(500 * MILLIS);
    assert_eq!(net.node(walk[1]).replica.store().register(key), Some(12));
    assert!(net.node(walk[3]).replica.hints().is_empty());
}

#[test]
fn anti_entropy_sends_only_the_keys_of_differing_leaves() {
    let mut params = params(2, 1, 2);
    params.anti_entropy = Some(100 * MILLIS);
    let mut net: Net<Dynamo> = Net::new(2, params);
    for key in 0..40 {
        net.request(n(0), write(key, key as i64));
    }
    // n1 misses one write.
    net.cut(n(0), &[n(1)], true);
    let id = net.client(n(0), write(7, 700));
    net.settle();
    assert_eq!(net.reply(id), None, "w = 2 needs n1");
    net.blocked.clear();
    // Let n0 start an exchange, then look at what travels.
    let mut sent = Vec::new();
    for _ in 0..50 {
        if !net.fire_next_timer() {
            break;
        }
        while let Some((from, to, msg)) = net.msgs.front().cloned() {
            if let Msg::AeDiff { entries, .. } | Msg::AeEntries { entries } = &msg {
                sent.push((
                    from,
                    to,
                    entries.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
                ));
            }
            net.deliver();
            while net.persist() {}
        }
        if net.node(n(1)).replica.store().register(7) == Some(700) {
            break;
        }
    }
    assert_eq!(net.node(n(1)).replica.store().register(7), Some(700));
    assert!(!sent.is_empty());
    for (_, _, keys) in &sent {
        assert!(
            keys.len() < 5,
            "only the differing leaf's keys travel: {keys:?}"
        );
        assert!(keys.contains(&7), "{keys:?}");
    }
}
