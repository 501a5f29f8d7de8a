//! A node's request queue under a capacity model (`[cluster] service_time`, `queue_limit`):
//! the node serves client requests one at a time, each taking `service_time`, in arrival
//! order; requests that find `queue_limit` others waiting are turned away. Messages between
//! nodes do not queue here: the model is of the front end that clients load, which is what
//! retries, backoff and load shedding act on.

use crate::protocol::ClientRequest;
use std::collections::VecDeque;

/// Client requests at one node: the one in service first, then those waiting.
#[derive(Clone, Debug, Default)]
pub struct ServiceQueue {
    requests: VecDeque<(u32, ClientRequest)>,
}

impl ServiceQueue {
    /// Requests waiting behind the one in service.
    pub fn waiting(&self) -> usize {
        self.requests.len().saturating_sub(1)
    }

    /// Whether nothing is in service.
    pub fn is_idle(&self) -> bool {
        self.requests.is_empty()
    }

    /// Queues client `client`'s request; returns true when it goes into service at once.
    pub fn push(&mut self, client: u32, request: ClientRequest) -> bool {
        self.requests.push_back((client, request));
        self.requests.len() == 1
    }

    /// The request in service finished: returns it, and whether another follows it.
    pub fn finish(&mut self) -> Option<((u32, ClientRequest), bool)> {
        let done = self.requests.pop_front()?;
        Some((done, !self.requests.is_empty()))
    }

    /// Forgets every request (the node crashed); returns how many there were.
    pub fn clear(&mut self) -> usize {
        let n = self.requests.len();
        self.requests.clear();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::ids::RequestId;
    use crate::ops::{MicroOp, Txn};

    fn request(seq: u64) -> ClientRequest {
        ClientRequest {
            id: RequestId { client: 0, seq },
            txn: Txn::one(MicroOp::Read { key: 1 }),
            token: 0,
        }
    }

    #[test]
    fn serves_in_arrival_order_one_at_a_time() {
        let mut q = ServiceQueue::default();
        assert!(q.is_idle());
        assert!(q.push(0, request(1)), "an idle node starts at once");
        assert!(!q.push(1, request(2)));
        assert!(!q.push(2, request(3)));
        assert_eq!(q.waiting(), 2);
        let ((c, r), more) = q.finish().unwrap();
        assert_eq!((c, r.id.seq, more), (0, 1, true));
        assert_eq!(q.waiting(), 1);
        assert_eq!(q.clear(), 2);
        assert!(q.is_idle() && q.finish().is_none());
    }
}
