//! How a client's operation ends: replies, refusals, redirects, retries and timeouts. An
//! operation without an `ok` is recorded `fail` only when no node can still execute it (no
//! copy in flight, every node that got one refused it); otherwise `info`.

use super::{Clients, Next, Outcome};
use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::history::OpType;
use crate::ops::MicroOp;
use crate::protocol::Reply;

impl Clients {
    /// A send of client `c`'s request `seq` reached its node (`delivered`: the node's
    /// protocol got it, so it may execute it).
    pub fn arrived(&mut self, c: usize, seq: u64, node: NodeId, delivered: bool) {
        if !self.waiting_for(c, seq) {
            return;
        }
        let p = self.clients[c].pending.as_mut().expect("pending");
        p.in_flight -= 1;
        if delivered {
            match p.asked.iter_mut().find(|(n, _)| *n == node) {
                Some((_, copies)) => *copies += 1,
                None => p.asked.push((node, 1)),
            }
        }
    }

    /// A reply to client `c` handed it session token `token`: the client keeps the highest
    /// and sends it with every later request (the same session across processes).
    pub fn keep_token(&mut self, c: usize, token: u64) {
        let cl = &mut self.clients[c];
        cl.token = cl.token.max(token);
    }

    /// The retry timer of attempt `attempt` of client `c`'s request `seq` fired: if that
    /// attempt is still the latest and unanswered, resend to the next node.
    pub fn on_retry(&mut self, c: usize, seq: u64, attempt: u32) -> Next {
        if !self.waiting_for(c, seq) {
            return Next::Nothing;
        }
        let nodes = self.nodes;
        let cl = &mut self.clients[c];
        let p = cl.pending.as_mut().expect("pending");
        if p.attempt != attempt {
            return Next::Nothing;
        }
        p.resends += 1;
        self.stats.resends += 1;
        cl.node = NodeId((cl.node.0 + 1) % nodes);
        let node = cl.node;
        self.resend(c, node)
    }

    /// Sends client `c`'s pending request again, to `node`: the same request, or without
    /// idempotency keys a new one (a new id) carrying the same operation.
    fn resend(&mut self, c: usize, node: NodeId) -> Next {
        let cl = &mut self.clients[c];
        let p = cl.pending.as_mut().expect("pending");
        if !self.spec.idempotency_keys {
            cl.seq += 1;
            p.request.id.seq = cl.seq;
        }
        p.attempt += 1;
        p.in_flight += 1;
        self.stats.sends += 1;
        Next::Send {
            node,
            request: p.request.clone(),
            attempt: p.attempt,
        }
    }

    /// A response for request `id` of client `c` arrived from `node` at `now`.
    pub fn on_response(
        &mut self,
        c: usize,
        seq: u64,
        node: NodeId,
        outcome: Outcome,
        now: Nanos,
    ) -> Next {
        if !self.waiting_for(c, seq) {
            return Next::Nothing;
        }
        match outcome {
            Outcome::Reply(Reply::Ok(results)) => {
                let cl = &mut self.clients[c];
                // Without idempotency keys, the send that was answered names the operation.
                cl.pending.as_mut().expect("pending").request.id.seq = seq;
                let txn = &cl.pending.as_ref().expect("pending").request.txn;
                // What the client now knows of each register it touched (a cas expects it).
                for (i, op) in txn.ops().iter().enumerate() {
                    let known = match *op {
                        MicroOp::Read { key } => {
                            Some((key, results.get(i).and_then(|d| d.as_int())))
                        }
                        MicroOp::Write { key, value } => Some((key, Some(value))),
                        MicroOp::Delete { key } => Some((key, None)),
                        MicroOp::Cas { key, new, .. } => Some((key, Some(new))),
                        _ => None,
                    };
                    match known {
                        Some((key, Some(value))) => {
                            cl.seen.insert(key, value);
                        }
                        Some((key, None)) => {
                            cl.seen.remove(&key);
                        }
                        None => {}
                    }
                }
                self.finish(c, (OpType::Ok, true), Some(results), now, Some(node))
            }
            Outcome::Reply(Reply::Fail) => {
                self.finish(c, (OpType::Fail, true), None, now, Some(node))
            }
            Outcome::Refused | Outcome::Overloaded | Outcome::Reply(Reply::Redirect(_)) => {
                // A redirect refuses one copy; the node may still execute a copy it got
                // earlier (as leader, before a step-down). A refusal from a crashed node
                // refused a copy that was never counted.
                let cl = &mut self.clients[c];
                let p = cl.pending.as_mut().expect("pending");
                if matches!(outcome, Outcome::Reply(_)) {
                    if let Some(i) = p.asked.iter().position(|(n, _)| *n == node) {
                        p.asked[i].1 -= 1;
                        if p.asked[i].1 == 0 {
                            p.asked.swap_remove(i);
                        }
                    }
                }
                if node != cl.node {
                    return Next::Nothing; // an older attempt's answer; a newer one is out
                }
                if outcome == Outcome::Overloaded {
                    self.stats.overloaded += 1;
                }
                let refused = matches!(outcome, Outcome::Refused | Outcome::Overloaded);
                if refused {
                    if let Some(sleep) = self.backoff(c) {
                        let p = self.clients[c].pending.as_ref().expect("pending");
                        return Next::ResendAt {
                            at: now + sleep,
                            seq,
                            attempt: p.attempt,
                        };
                    }
                }
                let cl = &mut self.clients[c];
                let p = cl.pending.as_mut().expect("pending");
                let hint = match outcome {
                    Outcome::Reply(Reply::Redirect(hint)) => hint,
                    _ => None,
                };
                let max = self.spec.max_redirects;
                let nodes = self.nodes;
                cl.node = match hint {
                    Some(n) if n.0 < nodes => n,
                    _ => NodeId((node.0 + 1) % nodes),
                };
                if refused || p.redirects >= max {
                    let kind = p.unanswered();
                    return self.finish(c, (kind, false), None, now, Some(node));
                }
                p.redirects += 1;
                let node = cl.node;
                self.resend(c, node)
            }
        }
    }

    /// Client `c`'s request `seq` timed out at `now`: record `info`, continue as a new process.
    pub fn on_timeout(&mut self, c: usize, seq: u64, now: Nanos) -> Next {
        if !self.waiting_for(c, seq) {
            return Next::Nothing;
        }
        let kind = self.clients[c]
            .pending
            .as_ref()
            .expect("pending")
            .unanswered();
        // A silent node may be down or cut off: the next operation tries another.
        let cl = &mut self.clients[c];
        cl.node = NodeId((cl.node.0 + 1) % self.nodes);
        self.finish(c, (kind, false), None, now, None)
    }
}
