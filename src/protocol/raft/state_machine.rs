//! The replicated state machine — the shared store of [`crate::ops`] — and its client
//! session table (dissertation §6.3). Applying a committed entry happens here and nowhere
//! else.

use super::log::Entry;
use crate::ops::{Results, Store, Txn};
use crate::protocol::Reply;
use std::borrow::Cow;
use std::collections::btree_map::Entry as Slot;
use std::collections::BTreeMap;

/// The applied state: the store and, per client, the last applied request.
#[derive(Clone, Debug, Default)]
pub struct StateMachine {
    store: Store,
    /// Per client: the sequence number of its last applied request and the reply it got.
    sessions: BTreeMap<u32, (u64, Reply)>,
    /// Teaching switch `no_dedup`: bypass the session table.
    no_dedup: bool,
}

/// What the session table says about a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Session {
    /// Not applied yet.
    New,
    /// The client's last applied request: its cached reply.
    Applied(Reply),
    /// Older than the client's last applied request (the client has moved on).
    Stale,
}

impl StateMachine {
    /// An empty state machine; `no_dedup` disables the session table.
    pub fn new(no_dedup: bool) -> Self {
        StateMachine {
            no_dedup,
            ..StateMachine::default()
        }
    }

    /// The applied store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The reads of a read-only transaction, answered from the applied state.
    pub fn read(&self, txn: &Txn) -> Results {
        self.store.read_all(txn)
    }

    /// Looks `request` up in the session table (always `New` with `no_dedup`).
    pub fn session(&self, client: u32, seq: u64) -> Session {
        if self.no_dedup {
            return Session::New;
        }
        match self.sessions.get(&client) {
            Some((last, reply)) if seq == *last => Session::Applied(reply.clone()),
            Some((last, _)) if seq < *last => Session::Stale,
            _ => Session::New,
        }
    }

    /// Applies a committed entry; returns the reply owed to its client (`None` for a no-op
    /// or a stale duplicate). A duplicate of the client's last request is not applied again
    /// and gets the cached reply (§6.3). The reply is borrowed from the session table when
    /// it is cached there, so a follower, which answers no client, copies nothing.
    pub fn apply(&mut self, entry: &Entry) -> Option<Cow<'_, Reply>> {
        let txn = entry.txn.as_ref()?;
        let dedup = entry.request.filter(|_| !self.no_dedup);
        if let Some(r) = dedup {
            match self.sessions.get(&r.client).map(|(last, _)| *last) {
                Some(last) if r.seq == last => {
                    return self
                        .sessions
                        .get(&r.client)
                        .map(|(_, reply)| Cow::Borrowed(reply))
                }
                Some(last) if r.seq < last => return None,
                _ => {}
            }
        }
        let reply = match self.store.apply_results(txn) {
            Ok(results) => Reply::Ok(results),
            Err(_) => Reply::Fail,
        };
        let Some(r) = dedup else {
            return Some(Cow::Owned(reply));
        };
        let slot = match self.sessions.entry(r.client) {
            Slot::Occupied(o) => {
                let slot = o.into_mut();
                *slot = (r.seq, reply);
                slot
            }
            Slot::Vacant(v) => v.insert((r.seq, reply)),
        };
        Some(Cow::Borrowed(&slot.1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::ids::RequestId;
    use crate::ops::MicroOp;

    fn entry(client: u32, seq: u64, op: MicroOp) -> Entry {
        Entry {
            term: 1,
            request: Some(RequestId { client, seq }),
            txn: Some(Txn::one(op)),
            chain: 0,
        }
    }

    fn apply(sm: &mut StateMachine, e: &Entry) -> Option<Reply> {
        sm.apply(e).map(Cow::into_owned)
    }

    fn read(sm: &StateMachine, key: u64) -> Reply {
        Reply::Ok(sm.read(&Txn::one(MicroOp::Read { key })))
    }

    #[test]
    fn cas_and_duplicates_with_and_without_sessions() {
        let cas = MicroOp::Cas {
            key: 1,
            expected: 0,
            new: 5,
        };
        let mut sm = StateMachine::new(false);
        assert_eq!(
            apply(&mut sm, &entry(1, 1, cas)),
            Some(Reply::Fail),
            "absent key"
        );
        let w = MicroOp::Write { key: 1, value: 0 };
        assert_eq!(apply(&mut sm, &entry(1, 2, w)), Some(Reply::single(None)));
        assert_eq!(apply(&mut sm, &entry(2, 1, cas)), Some(Reply::single(None)));
        assert_eq!(read(&sm, 1), Reply::single(Some(5)));
        // §6.3: the retried write is not applied again; the cached reply is returned.
        assert_eq!(apply(&mut sm, &entry(1, 2, w)), Some(Reply::single(None)));
        assert_eq!(read(&sm, 1), Reply::single(Some(5)));
        assert_eq!(apply(&mut sm, &entry(1, 1, w)), None, "stale");
        let mut raw = StateMachine::new(true);
        apply(&mut raw, &entry(1, 2, w));
        apply(&mut raw, &entry(2, 1, cas));
        apply(&mut raw, &entry(1, 2, w));
        assert_eq!(
            read(&raw, 1),
            Reply::single(Some(0)),
            "no_dedup: applied twice"
        );
    }
}
