//! Client requests: redirection, proposing writes (deduplicated by the session table, §6.3)
//! and the four read modes: through the log, read-index (§6.4), lease (§6.4.1) and the
//! `local` teaching switch.

use super::state_machine::Session;
use super::{PendingRead, Raft, ReadMode};
use crate::protocol::{ClientRequest, Context, Reply, Role};

impl Raft {
    /// A client request arrived.
    pub(super) fn client_request(&mut self, ctx: &mut Context<'_, Self>, req: ClientRequest) {
        if self.role != Role::Leader {
            ctx.answer(&req, Reply::Redirect(self.leader));
            return;
        }
        if !req.txn.is_read_only() {
            self.propose(ctx, req);
            return;
        }
        match self.params.read_mode {
            ReadMode::Log => self.propose(ctx, req),
            ReadMode::Local => ctx.answer(&req, Reply::Ok(self.sm.read(&req.txn))),
            ReadMode::Lease if self.lease_valid(ctx) => {
                ctx.answer(&req, Reply::Ok(self.sm.read(&req.txn)));
            }
            ReadMode::Lease | ReadMode::ReadIndex => {
                if self.quorum_lost(ctx) {
                    ctx.answer(&req, Reply::Redirect(None));
                    return;
                }
                // §6.4: readIndex = commitIndex, but not before this term's no-op (so that
                // every entry committed by earlier leaders is included).
                self.reads.push_back(PendingRead {
                    id: req.id,
                    txn: req.txn,
                    index: self.commit.max(self.noop_index),
                    round: self.round + 1,
                });
                self.heartbeat_round(ctx);
            }
        }
    }

    /// §6.4.1: the lease holds and the state machine includes this term's no-op.
    fn lease_valid(&self, ctx: &Context<'_, Self>) -> bool {
        ctx.now() < self.lease_until && self.applied >= self.noop_index
    }

    /// Appends a transaction that writes (or, in log mode, one that only reads) and answers it
    /// when applied. A request
    /// the session table shows applied gets its cached reply; one already pending waits for
    /// its entry; a stale one is ignored.
    fn propose(&mut self, ctx: &mut Context<'_, Self>, req: ClientRequest) {
        match self.sm.session(req.id.client, req.id.seq) {
            Session::Applied(reply) => {
                ctx.answer(&req, reply);
                return;
            }
            Session::Stale => return,
            Session::New => {}
        }
        if !self.params.no_dedup && self.pending.contains_key(&req.id) {
            return;
        }
        let index = self.log.append(self.term, Some(req.id), Some(req.txn));
        let entry = self.log.get(index).expect("just appended").clone();
        self.persist_log(ctx, index, vec![entry]);
        self.pending.insert(req.id, index);
        let me = self.me;
        for p in ctx.members() {
            if *p != me && self.next[p.index()] == index {
                self.send_append(ctx, *p);
            }
        }
    }

    /// Heartbeat-round acknowledgements changed: find the highest round a majority
    /// acknowledged (the leader counts itself), extend the lease from when that round was
    /// sent (§6.4.1), and answer the reads it confirms.
    pub(super) fn update_quorum_round(&mut self, ctx: &mut Context<'_, Self>) {
        let me = self.me.index();
        self.scratch.clear();
        self.scratch.push(self.round);
        for (p, &r) in self.acked_round.iter().enumerate() {
            if p != me {
                self.scratch.push(r);
            }
        }
        self.scratch.sort_unstable_by(|a, b| b.cmp(a));
        let q = self.scratch[self.majority - 1];
        if q <= self.quorum_round {
            return;
        }
        self.quorum_round = q;
        while let Some(&(r, at)) = self.sent_at.front() {
            if r > q {
                break;
            }
            self.sent_at.pop_front();
            if r == q {
                self.lease_until = self.lease_until.max(at + self.params.lease_hold());
            }
        }
        self.serve_reads(ctx);
    }

    /// Answers the waiting reads whose round is confirmed and whose index is applied.
    pub(super) fn serve_reads(&mut self, ctx: &mut Context<'_, Self>) {
        while let Some(r) = self.reads.front() {
            if r.round > self.quorum_round || r.index > self.applied {
                break;
            }
            let r = self.reads.pop_front().expect("front exists");
            ctx.reply(r.id, Reply::Ok(self.sm.read(&r.txn)));
        }
    }
}
