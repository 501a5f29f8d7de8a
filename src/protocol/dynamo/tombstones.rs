//! Tombstone garbage collection: every `ping_interval` tick a node with `tombstone_expiry`
//! set drops the tombstones stamped at least that long ago by its local clock (the replica
//! does the dropping, `replica.rs`) and persists the keys that changed. Owns only the timing;
//! what a tombstone is lives in `version.rs`.
//!
//! Purging is what makes deletes cheap to keep, and what makes them fragile: a replica that
//! missed the delete (down, partitioned, its hint lost) still holds the old value, and once
//! every other replica has purged the tombstone nothing outranks it any more, so
//! anti-entropy or read repair copies it back. Cassandra's `gc_grace_seconds` is the same
//! knob, with the same advice: longer than any outage plus the repair that ends it.

use super::Dynamo;
use crate::protocol::Context;

impl Dynamo {
    /// Purges the tombstones past `tombstone_expiry` (nothing without one).
    pub(super) fn purge_tombstones(&mut self, ctx: &mut Context<'_, Self>) {
        let Some(expiry) = self.params.tombstone_expiry else {
            return;
        };
        if !self.replica.has_tombstones() {
            return;
        }
        for write in self.replica.purge(ctx.now(), expiry) {
            self.persist(ctx, write, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{DynamoParams, ReadRepair};
    use super::*;
    use crate::des::time::MILLIS;
    use crate::ops::{MicroOp, Txn};
    use crate::protocol::testkit::{n, read, write, Net};
    use crate::protocol::{Protocol, Reply};

    fn delete(key: u64) -> Txn {
        Txn::one(MicroOp::Delete { key })
    }

    fn params(expiry: Option<u64>) -> DynamoParams {
        DynamoParams {
            anti_entropy: Some(200 * MILLIS),
            read_repair: ReadRepair::Off,
            tombstone_expiry: expiry,
            ..DynamoParams::default()
        }
    }

    fn value(reply: Option<Reply>) -> Option<i64> {
        match reply {
            Some(Reply::Ok(results)) => results.get(0).and_then(|d| d.as_int()),
            other => panic!("expected an ok reply, got {other:?}"),
        }
    }

    /// Writes 7 to key 3 everywhere, cuts n2 off, deletes the key on n0 and n1, waits
    /// `outage`, heals, and lets anti-entropy run for two seconds.
    fn delete_across_an_outage(expiry: Option<u64>, outage: u64) -> Net<Dynamo> {
        let mut net: Net<Dynamo> = Net::new(3, params(expiry));
        assert_eq!(net.request(n(0), write(3, 7)), Some(Reply::single(None)));
        net.cut(n(2), &[n(0), n(1)], true);
        assert_eq!(net.request(n(0), delete(3)), Some(Reply::single(None)));
        net.advance(outage);
        net.blocked.clear();
        net.advance(2_000 * MILLIS);
        net
    }

    #[test]
    fn a_delete_writes_a_tombstone_that_reads_as_absent() {
        let mut net: Net<Dynamo> = Net::new(3, params(None));
        assert_eq!(net.request(n(0), write(3, 7)), Some(Reply::single(None)));
        assert_eq!(value(net.request(n(1), read(3))), Some(7));
        assert_eq!(net.request(n(1), delete(3)), Some(Reply::single(None)));
        assert_eq!(value(net.request(n(2), read(3))), None);
        for i in 0..3 {
            let node = net.node(n(i));
            let set = node.replica.get(3);
            assert!(set.len() == 1 && set[0].is_tombstone(), "n{i}: {set:?}");
            assert_eq!(node.replica_state().unwrap().register(3), None);
        }
        // A write after the delete is newer than its tombstone.
        assert_eq!(net.request(n(2), write(3, 8)), Some(Reply::single(None)));
        assert_eq!(value(net.request(n(0), read(3))), Some(8));
    }

    #[test]
    fn a_tombstone_kept_past_the_outage_deletes_the_missed_copy() {
        let net = delete_across_an_outage(None, 1_000 * MILLIS);
        for i in 0..3 {
            let node = net.node(n(i));
            assert_eq!(node.replica_state().unwrap().register(3), None, "n{i}");
            assert!(node.replica.get(3)[0].is_tombstone(), "n{i} keeps it");
        }
        // Long enough: purged everywhere once every replica had it, nothing comes back.
        let net = delete_across_an_outage(Some(900 * MILLIS), 300 * MILLIS);
        for i in 0..3 {
            let node = net.node(n(i));
            assert_eq!(node.replica_state().unwrap().register(3), None, "n{i}");
            assert!(node.replica.get(3).is_empty(), "n{i} purged it");
            assert!(!node.replica.has_tombstones());
        }
    }

    #[test]
    fn a_tombstone_purged_before_the_outage_ends_resurrects_the_value() {
        let mut net = delete_across_an_outage(Some(300 * MILLIS), 1_000 * MILLIS);
        for i in 0..3 {
            let store = net.node(n(i)).replica_state().unwrap();
            assert_eq!(store.register(3), Some(7), "n{i}: the deleted 7 is back");
        }
        assert_eq!(value(net.request(n(0), read(3))), Some(7));
        // The purge was durable: a restarted node does not get the tombstone back.
        net.crash(n(0));
        net.restart(n(0));
        assert_eq!(net.disk(n(0)).data[&3][0].value, Some(7));
    }
}
