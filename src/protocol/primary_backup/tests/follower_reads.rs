//! Follower reads: routing (`any`, `sticky`), serving from a replica's applied state, and
//! session tokens that hold a read until the replica has applied the client's latest write.

use super::{n, read, write, Net};
use crate::des::ids::RequestId;
use crate::des::time::MILLIS;
use crate::protocol::primary_backup::{Msg, PrimaryBackupParams, Reads, Replication};
use crate::protocol::Reply;

/// Asynchronous replication (so backups lag by `ship_interval`) with follower reads.
fn lagging(reads: Reads, session_token: bool) -> Net {
    let p = PrimaryBackupParams {
        replication: Replication::Async,
        ship_interval: 50 * MILLIS,
        reads,
        session_token,
        ..PrimaryBackupParams::default()
    };
    let mut net = Net::new(3, p);
    net.settle();
    net
}

/// Request `seq` of client `client`.
fn id(client: u32, seq: u64) -> RequestId {
    RequestId { client, seq }
}

#[test]
fn a_sticky_read_is_served_by_the_clients_own_replica_from_what_it_applied() {
    let mut net = lagging(Reads::Sticky, false);
    let w = net.client(n(0), write(1, 10));
    assert_eq!(
        net.reply(w),
        Some(Reply::single(None)),
        "async: acked at once"
    );
    // Client 1's replica is n1, which has not been shipped the write yet.
    net.client_as(n(0), id(1, 1), read(1));
    assert!(net
        .msgs
        .iter()
        .any(|(from, to, m)| (*from, *to) == (n(0), n(1)) && matches!(m, Msg::Read { .. })));
    net.settle();
    assert_eq!(
        net.reply(id(1, 1)),
        Some(Reply::single(None)),
        "a stale read"
    );
    net.advance(60 * MILLIS);
    assert_eq!(net.value(n(1), 1), Some(10), "the batch was shipped");
    net.client_as(n(2), id(1, 2), read(1));
    net.settle();
    assert_eq!(net.reply(id(1, 2)), Some(Reply::single(Some(10))));
    // Client 0's replica is the primary itself, which serves at once.
    net.client_as(n(1), id(3, 1), read(1));
    net.settle();
    assert_eq!(net.reply(id(3, 1)), Some(Reply::single(Some(10))));
}

#[test]
fn any_draws_a_replica_for_every_read() {
    let mut net = lagging(Reads::Any, false);
    net.client(n(0), write(1, 10));
    let mut answers = Vec::new();
    for seq in 1..=30 {
        net.client_as(n(0), id(1, seq), read(1));
        net.settle();
        answers.push(net.reply(id(1, seq)).expect("answered"));
    }
    let fresh = answers
        .iter()
        .filter(|r| **r == Reply::single(Some(10)))
        .count();
    assert!(fresh > 0, "the primary serves some reads");
    assert!(fresh < 30, "lagging backups serve others");
}

#[test]
fn writes_hand_the_client_their_sequence_number_as_a_token() {
    let mut net = lagging(Reads::Primary, false);
    let a = net.client(n(0), write(1, 10));
    let b = net.client(n(0), write(2, 20));
    assert_eq!((net.token(a), net.token(b)), (Some(1), Some(2)));
    let mut sync = Net::new(3, PrimaryBackupParams::default());
    sync.settle();
    let c = sync.client(n(0), write(1, 10));
    sync.settle();
    assert_eq!(sync.reply(c), Some(Reply::single(None)));
    assert_eq!(
        sync.token(c),
        Some(1),
        "sync: the token comes with the commit"
    );
    let r = sync.client(n(0), read(1));
    sync.settle();
    assert_eq!(sync.token(r), None, "reads hand out no token");
}

#[test]
fn a_session_token_holds_the_read_until_the_replica_applied_that_write() {
    let mut net = lagging(Reads::Sticky, true);
    let w = net.client(n(0), write(1, 10));
    let token = net.token(w).expect("a token");
    net.client_with_token(n(0), id(1, 1), read(1), token);
    net.settle();
    assert_eq!(net.reply(id(1, 1)), None, "n1 waits for seq {token}");
    // A read with no token is not held behind it.
    net.client_with_token(n(0), id(1, 2), read(1), 0);
    net.settle();
    assert_eq!(net.reply(id(1, 2)), Some(Reply::single(None)));
    net.advance(60 * MILLIS);
    assert_eq!(net.reply(id(1, 1)), Some(Reply::single(Some(10))));
}

#[test]
fn without_session_tokens_the_token_a_client_sends_is_ignored() {
    let mut net = lagging(Reads::Sticky, false);
    net.client(n(0), write(1, 10));
    net.client_with_token(n(0), id(1, 1), read(1), 1);
    net.settle();
    assert_eq!(net.reply(id(1, 1)), Some(Reply::single(None)));
}
