//! The read modes: read-index (dissertation §6.4), leases (§6.4.1), through the log, and the
//! `local` teaching switch.

use super::*;
use crate::des::time::{MILLIS, SECS};
use crate::protocol::testkit::{n, read, write};
use crate::protocol::Reply;

fn mode(read_mode: super::super::ReadMode) -> RaftParams {
    RaftParams {
        read_mode,
        ..RaftParams::default()
    }
}

#[test]
fn read_index_answers_after_a_majority_acknowledged_a_heartbeat_round() {
    let (mut net, l) = ready(5, RaftParams::default());
    assert_eq!(net.request(l, write(1, 3)), Some(Reply::single(None)));
    net.msgs.clear();
    let id = net.client(l, read(1));
    assert_eq!(net.reply(id), None, "not before the round");
    assert_eq!(net.msgs.len(), 4, "a heartbeat round to every peer");
    for _ in 0..4 {
        net.deliver(); // the followers answer
    }
    net.deliver();
    assert_eq!(net.reply(id), None, "leader + 1 of 5 is no majority");
    net.deliver();
    assert_eq!(
        net.reply(id),
        Some(Reply::single(Some(3))),
        "leader + 2 of 5"
    );
}

#[test]
fn a_leader_cut_off_from_the_majority_answers_no_read_index_read() {
    let (mut net, l) = ready(3, RaftParams::default());
    let others: Vec<_> = (0..3).map(n).filter(|m| *m != l).collect();
    net.cut(l, &others, true);
    let id = net.client(l, read(1));
    net.settle();
    assert_eq!(net.reply(id), None);
    net.advance(SECS);
    assert!(
        matches!(net.reply(id), Some(Reply::Redirect(_))),
        "it stepped down"
    );
}

#[test]
fn local_reads_are_answered_at_once_even_by_a_deposed_leader() {
    let params = RaftParams {
        check_quorum: false,
        ..mode(super::super::ReadMode::Local)
    };
    let (mut net, old) = ready(3, params);
    assert_eq!(net.request(old, write(1, 1)), Some(Reply::single(None)));
    let others: Vec<_> = (0..3).map(n).filter(|m| *m != old).collect();
    net.cut(old, &others, true);
    net.advance(SECS);
    let new = *net.leaders().iter().find(|m| **m != old).unwrap();
    assert_eq!(net.request(new, write(1, 2)), Some(Reply::single(None)));
    let id = net.client(old, read(1));
    assert_eq!(net.reply(id), Some(Reply::single(Some(1))), "a stale read");
}

#[test]
fn lease_reads_are_local_until_the_lease_expires() {
    let (mut net, l) = ready(3, mode(super::super::ReadMode::Lease));
    assert_eq!(net.request(l, write(1, 4)), Some(Reply::single(None)));
    net.advance(60 * MILLIS);
    let id = net.client(l, read(1));
    assert_eq!(
        net.reply(id),
        Some(Reply::single(Some(4))),
        "answered at once"
    );
    let others: Vec<_> = (0..3).map(n).filter(|m| *m != l).collect();
    net.cut(l, &others, true);
    net.advance(50 * MILLIS);
    let id = net.client(l, read(1));
    assert_eq!(
        net.reply(id),
        Some(Reply::single(Some(4))),
        "within the lease"
    );
    net.advance(120 * MILLIS);
    assert_eq!(net.obs(l).role, crate::protocol::Role::Leader);
    let id = net.client(l, read(1));
    net.settle();
    assert_eq!(net.reply(id), None, "the lease expired");
}

#[test]
fn log_reads_are_answered_when_applied() {
    let (mut net, l) = ready(3, mode(super::super::ReadMode::Log));
    assert_eq!(net.request(l, write(1, 4)), Some(Reply::single(None)));
    let len = net.obs(l).log_len;
    assert_eq!(net.request(l, read(1)), Some(Reply::single(Some(4))));
    assert_eq!(net.obs(l).log_len, len + 1, "the read went through the log");
}
