//! Client requests and replies: what workloads ask of a protocol and what it answers. A
//! request carries a transaction ([`Txn`], see [`crate::ops`]); a single read or write is a
//! transaction of one.

use crate::des::ids::{NodeId, RequestId};
use crate::ops::{Datum, Results, Txn};

/// A client request as a protocol sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientRequest {
    /// Identifies the request; reply with the same id.
    pub id: RequestId,
    /// What to do.
    pub txn: Txn,
    /// The client session's token: the highest token any reply to this client carried
    /// ([`crate::protocol::Context::reply_with_token`]), 0 before any. Protocols that give
    /// no tokens ignore it; `primary-backup` uses it for read-your-writes on follower reads.
    pub token: u64,
}

/// A protocol's answer to a client request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reply {
    /// The transaction took effect; the results say what its reads returned.
    Ok(Results),
    /// The transaction certainly did not take effect (a cas whose expected value did not
    /// match, or a request refused before doing anything).
    Fail,
    /// Not the right node: try `Some(node)`, or any other node if `None`. The transaction
    /// did not take effect.
    Redirect(Option<NodeId>),
}

impl Reply {
    /// The reply to a transaction of one micro-op: `value` is what a read returned (`None`:
    /// absent; also what a write returns).
    pub fn single(value: Option<i64>) -> Reply {
        Reply::Ok(Results(vec![value.map(Datum::Int)]))
    }
}
