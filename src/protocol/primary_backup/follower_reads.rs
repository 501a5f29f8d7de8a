//! Follower reads (`reads = "any"` or `"sticky"`): which replica serves a read-only
//! transaction (with `any`, one this node heard from recently, so a side cut off from the
//! primary still reads), forwarding it there, and serving it from that replica's applied state with no
//! lease and no wait for commits. With `session_token = true` a replica holds a read until it
//! has applied the write the client's token names (read-your-writes). Writes never come here:
//! they go to the primary as always (`replication.rs`).

use super::{Msg, PrimaryBackup, Reads};
use crate::des::ids::{NodeId, RequestId};
use crate::ops::Txn;
use crate::protocol::{ClientRequest, Context, Reply};

type Ctx<'c, 'a> = &'c mut Context<'a, PrimaryBackup>;

/// How many reads a replica holds for their tokens; past this the oldest is answered `Fail`.
const MAX_WAITING: usize = 1024;

/// A read held until the replica has applied the write its token names.
#[derive(Clone, Debug)]
pub(super) struct WaitingRead {
    /// The node the client asked, which answers it.
    proxy: NodeId,
    id: RequestId,
    txn: Txn,
    token: u64,
}

impl PrimaryBackup {
    /// The replica that serves this client's reads: drawn at random for every read among
    /// this node and the replicas it heard from within `lease` (`any`), or the client's own
    /// replica, the same one every time, reachable or not (`sticky`).
    fn read_replica(&mut self, ctx: Ctx, client: u32) -> NodeId {
        let n = ctx.members().len() as u32;
        if self.params.reads == Reads::Sticky {
            return NodeId(client % n);
        }
        let now = ctx.now();
        let lease = self.params.lease;
        let me = self.me;
        let heard = &self.heard;
        self.scratch_nodes.clear();
        self.scratch_nodes.extend((0..n).map(NodeId).filter(|&m| {
            m == me || heard[m.index()].is_some_and(|t| now.saturating_sub(t) < lease)
        }));
        let pick = ctx.rng().below(self.scratch_nodes.len() as u64) as usize;
        self.scratch_nodes[pick]
    }

    /// A read-only request under follower reads, at whichever node the client asked (any
    /// role): serve it here or forward it to the replica chosen for it, which answers
    /// through this node.
    pub(super) fn route_read(&mut self, ctx: Ctx, request: ClientRequest) {
        let replica = self.read_replica(ctx, request.id.client);
        let token = if self.params.session_token {
            request.token
        } else {
            0
        };
        if replica == self.me {
            self.serve_read(ctx, self.me, request.id, request.txn, token);
        } else {
            let read = Msg::Read {
                id: request.id,
                txn: request.txn,
                token,
            };
            ctx.send(replica, read);
        }
    }

    /// Serves a read for `proxy` from this replica's applied state once it has applied the
    /// write `token` names (at once when `token` is 0).
    pub(super) fn serve_read(
        &mut self,
        ctx: Ctx,
        proxy: NodeId,
        id: RequestId,
        txn: Txn,
        token: u64,
    ) {
        if self.store.applied_seq >= token {
            let results = self.store.map.read_all(&txn);
            self.answer_read(ctx, proxy, id, Reply::Ok(results));
            return;
        }
        if self.waiting.len() >= MAX_WAITING {
            if let Some(oldest) = self.waiting.pop_front() {
                self.answer_read(ctx, oldest.proxy, oldest.id, Reply::Fail);
            }
        }
        ctx.note(|| format!("holds a read until it applies seq {token}"));
        self.waiting.push_back(WaitingRead {
            proxy,
            id,
            txn,
            token,
        });
    }

    /// Answers a read at the node the client asked: directly, or through it.
    fn answer_read(&self, ctx: Ctx, proxy: NodeId, id: RequestId, reply: Reply) {
        if proxy == self.me {
            ctx.reply(id, reply);
        } else {
            ctx.send(proxy, Msg::ReadReply { id, reply });
        }
    }

    /// Serves, in arrival order, the held reads whose tokens this replica has now applied.
    pub(super) fn serve_waiting_reads(&mut self, ctx: Ctx) {
        let applied = self.store.applied_seq;
        if !self.waiting.iter().any(|w| w.token <= applied) {
            return;
        }
        let waiting = std::mem::take(&mut self.waiting);
        for w in waiting {
            if w.token <= applied {
                let results = self.store.map.read_all(&w.txn);
                self.answer_read(ctx, w.proxy, w.id, Reply::Ok(results));
            } else {
                self.waiting.push_back(w);
            }
        }
    }
}
