//! The primary side of the data path: serving clients (reads behind pending writes, writes
//! with sequence numbers), the sync set, commits, and answering snapshot requests. The backup
//! side lives in `backup.rs`; who is primary is decided in `election.rs`.

use super::{Msg, Pending, PrimaryBackup, Reads, Replication, Timer};
use crate::des::ids::{NodeId, RequestId};
use crate::des::time::Nanos;
use crate::ops::Applied;
use crate::ops::{Results, Update};
use crate::protocol::{ClientRequest, Context, Reply, Role};

type Ctx<'c, 'a> = &'c mut Context<'a, PrimaryBackup>;

impl PrimaryBackup {
    /// Whether backup `b` was heard from within `lease` (is in the sync set).
    fn is_live(&self, b: NodeId, now: Nanos) -> bool {
        self.heard[b.index()].is_some_and(|t| now.saturating_sub(t) < self.params.lease)
    }

    /// The sync set: backups heard from within `lease`, in member order.
    pub(super) fn live_backups(&self, now: Nanos) -> Vec<NodeId> {
        (0..self.heard.len())
            .map(|i| NodeId(i as u32))
            .filter(|&b| b != self.me && self.is_live(b, now))
            .collect()
    }

    /// A client request: a read under follower reads goes to its replica; otherwise
    /// redirect unless primary, refuse without a lease, else serve.
    pub(super) fn serve(&mut self, ctx: Ctx, request: ClientRequest) {
        if self.params.reads != Reads::Primary && request.txn.is_read_only() {
            self.route_read(ctx, request);
            return;
        }
        if self.role != Role::Leader {
            let to = if self.role == Role::Follower {
                self.primary
            } else {
                None
            };
            ctx.answer(&request, Reply::Redirect(to));
            return;
        }
        if !self.lease_valid(ctx.now()) {
            ctx.answer(&request, Reply::Fail);
            return;
        }
        if request.txn.is_read_only() {
            let results = self.store.map.read_all(&request.txn);
            if self.pending.is_empty() {
                ctx.answer(&request, Reply::Ok(results));
            } else {
                let client = request.id;
                self.pending.push_back(Pending::Read { client, results });
            }
            return;
        }
        // The primary decides the transaction (a cas that finds another value aborts it)
        // and replicates only its effects.
        match self.store.map.apply(&request.txn) {
            Applied::Done { results, update } => match update {
                Some(update) => self.write(ctx, request.id, results, update),
                None => ctx.answer(&request, Reply::Ok(results)),
            },
            Applied::Aborted(_) => ctx.answer(&request, Reply::Fail),
        }
    }

    /// Persists and ships one transaction's effects (already applied to the primary's state)
    /// to every backup; answers at once (async) or queues the answer (sync) until the sync
    /// set as of now has it.
    fn write(&mut self, ctx: Ctx, client: RequestId, results: Results, update: Update) {
        let epoch = self.epoch;
        let seq = self.store.applied_seq + 1;
        let write = self.store.applied(epoch, seq, update.clone());
        self.persist_state(ctx, write, epoch, seq, None);
        let replicate = Msg::Replicate { epoch, seq, update };
        match self.params.replication {
            Replication::Async => {
                // Acknowledge now; the write reaches the backups with the next batch.
                if self.unshipped.is_empty() {
                    ctx.set_timer(Timer::Ship, self.params.ship_interval);
                }
                self.unshipped.push(replicate);
                self.commit = seq;
                ctx.reply_with_token(client, Reply::Ok(results), seq);
            }
            Replication::Sync => {
                ctx.broadcast(replicate);
                let required = self.live_backups(ctx.now());
                let client = Some((client, Reply::Ok(results)));
                self.pending.push_back(Pending::Write {
                    seq,
                    client,
                    required,
                });
            }
        }
    }

    /// Async: ships the batch of acknowledged writes to every backup, in order.
    pub(super) fn ship(&mut self, ctx: Ctx) {
        let batch = std::mem::take(&mut self.unshipped);
        if self.role == Role::Leader {
            for msg in batch {
                ctx.broadcast(msg);
            }
        }
    }

    /// Whether write `seq` may be acknowledged now: durable here, acked by every backup of
    /// its sync set still live, and (fencing) under a lease and on a majority.
    fn committable(&self, now: Nanos, seq: u64, required: &[NodeId]) -> bool {
        if self.durable.0 != self.epoch || self.durable.1 < seq {
            return false;
        }
        let missing = |b: &NodeId| self.is_live(*b, now) && self.matched[b.index()] < seq;
        if required.iter().any(missing) {
            return false;
        }
        if !self.params.fencing {
            return true;
        }
        let me = self.me.index();
        let acks = (0..self.matched.len())
            .filter(|&i| i != me && self.matched[i] >= seq)
            .count();
        self.lease_valid(now) && 1 + acks >= self.majority
    }

    /// Answers, in order, every pending request that can be answered now.
    pub(super) fn try_commit(&mut self, ctx: Ctx) {
        if self.role != Role::Leader {
            return;
        }
        let now = ctx.now();
        while let Some(front) = self.pending.front() {
            match front {
                Pending::Read { client, results } => {
                    let reply = if self.lease_valid(now) {
                        Reply::Ok(results.clone())
                    } else {
                        Reply::Fail
                    };
                    ctx.reply(*client, reply);
                }
                Pending::Write {
                    seq,
                    client,
                    required,
                } => {
                    if !self.committable(now, *seq, required) {
                        return;
                    }
                    if let Some((c, reply)) = client {
                        // The token names the write: a session token for follower reads.
                        ctx.reply_with_token(*c, reply.clone(), *seq);
                    }
                    self.commit = self.commit.max(*seq);
                }
            }
            self.pending.pop_front();
        }
    }

    /// Refuses every queued read (reads have no effect, so `Fail` is always truthful).
    pub(super) fn fail_reads(&mut self, ctx: Ctx) {
        if !self
            .pending
            .iter()
            .any(|p| matches!(p, Pending::Read { .. }))
        {
            return;
        }
        let queue = std::mem::take(&mut self.pending);
        for p in queue {
            match p {
                Pending::Read { client, .. } => ctx.reply(client, Reply::Fail),
                write => self.pending.push_back(write),
            }
        }
    }

    /// The primary records that `from` durably holds its history up to `seq`.
    pub(super) fn on_replicate_ack(&mut self, ctx: Ctx, from: NodeId, epoch: u64, seq: u64) {
        if !self.peer_epoch(ctx, epoch) {
            return;
        }
        let i = from.index();
        self.matched[i] = self.matched[i].max(seq);
        self.try_commit(ctx);
    }

    /// The primary sends its whole state to a backup that asked.
    pub(super) fn on_sync_request(&mut self, ctx: Ctx, from: NodeId, epoch: u64) {
        if epoch > self.epoch {
            self.peer_epoch(ctx, epoch);
            return;
        }
        if self.role != Role::Leader {
            return;
        }
        let snapshot = Msg::Snapshot {
            epoch: self.epoch,
            seq: self.store.applied_seq,
            map: self.store.map.clone(),
        };
        ctx.send(from, snapshot);
    }
}
