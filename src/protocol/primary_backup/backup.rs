//! The backup side of the data path: applying the primary's writes in sequence order (holding
//! early arrivals of a reordering network until the gap fills), acknowledging them once
//! durable, and catching up by snapshot after a loss, a restart or a new epoch. Never answers
//! clients; never decides who is primary.

use super::{Map, Msg, PrimaryBackup};
use crate::des::ids::NodeId;
use crate::ops::Update;
use crate::protocol::{Context, Role};

type Ctx<'c, 'a> = &'c mut Context<'a, PrimaryBackup>;

/// How many early writes a backup holds before it gives up and asks for a snapshot.
const MAX_AHEAD: usize = 1024;

/// A write that arrived before its predecessors.
#[derive(Clone, Debug)]
pub(super) struct Ahead {
    epoch: u64,
    update: Update,
    from: NodeId,
}

impl PrimaryBackup {
    /// A backup applies write `seq` in order (with fencing: only of its own epoch's history),
    /// persists it and acks once durable. An early write waits for the gap to fill; a full
    /// buffer or an older state makes it ask for a snapshot.
    pub(super) fn on_replicate(
        &mut self,
        ctx: Ctx,
        from: NodeId,
        epoch: u64,
        seq: u64,
        update: Update,
    ) {
        let current = self.accept_primary(ctx, from, epoch);
        if self.role != Role::Follower || (!current && self.params.fencing) {
            return;
        }
        let fits = !self.params.fencing || self.store.state_epoch == epoch;
        let applied = self.store.applied_seq;
        if fits && seq == applied + 1 {
            self.apply_one(
                ctx,
                seq,
                Ahead {
                    epoch,
                    update,
                    from,
                },
            );
            self.apply_ahead(ctx);
            self.serve_waiting_reads(ctx);
        } else if fits && seq <= applied {
            self.reack(ctx, from, epoch, seq);
        } else if fits && self.ahead.len() < MAX_AHEAD {
            self.ahead.insert(
                seq,
                Ahead {
                    epoch,
                    update,
                    from,
                },
            );
        } else {
            self.ask_sync(ctx, from);
        }
    }

    fn apply_one(&mut self, ctx: Ctx, seq: u64, w: Ahead) {
        let write = self.store.apply(w.epoch, seq, w.update);
        self.persist_state(ctx, write, w.epoch, seq, Some(w.from));
    }

    /// Applies the held writes that now follow on, and drops those already covered.
    fn apply_ahead(&mut self, ctx: Ctx) {
        while let Some((&seq, _)) = self.ahead.first_key_value() {
            let next = self.store.applied_seq + 1;
            if seq > next {
                return;
            }
            let w = self.ahead.remove(&seq).expect("first key");
            let fits = !self.params.fencing || w.epoch == self.store.state_epoch;
            if seq == next && fits {
                self.apply_one(ctx, seq, w);
            }
        }
    }

    /// Acknowledges a duplicate write or snapshot again if it is already durable.
    fn reack(&self, ctx: Ctx, to: NodeId, epoch: u64, seq: u64) {
        let (de, ds) = self.durable;
        if de == epoch && ds >= seq {
            ctx.send(to, Msg::ReplicateAck { epoch, seq: ds });
        }
    }

    /// A backup installs its primary's snapshot unless it already holds that much of the
    /// same history, persists it and acks once durable.
    pub(super) fn on_snapshot(&mut self, ctx: Ctx, from: NodeId, epoch: u64, seq: u64, map: Map) {
        if !self.accept_primary(ctx, from, epoch) || self.role != Role::Follower {
            return;
        }
        if self.store.state_epoch == epoch && seq <= self.store.applied_seq {
            self.reack(ctx, from, epoch, seq);
            return;
        }
        self.sync_asked = None;
        self.lag_mark = None;
        ctx.note(|| format!("installs snapshot of epoch {epoch} at seq {seq}"));
        let write = self.store.install(epoch, seq, map);
        self.persist_state(ctx, write, epoch, seq, Some(from));
        self.ahead.retain(|_, w| w.epoch == epoch);
        self.apply_ahead(ctx);
        self.serve_waiting_reads(ctx);
    }

    /// Asks `to` for a snapshot, at most once per two heartbeat intervals.
    pub(super) fn ask_sync(&mut self, ctx: Ctx, to: NodeId) {
        let now = ctx.now();
        let recent = self
            .sync_asked
            .is_some_and(|t| now >= t && now - t < 2 * self.params.heartbeat);
        if recent {
            return;
        }
        self.sync_asked = Some(now);
        ctx.send(to, Msg::SyncRequest { epoch: self.epoch });
    }

    /// On a heartbeat from the current primary: learn the commit point, and ask for a
    /// snapshot if the state is from an older epoch or has lagged for a whole heartbeat.
    pub(super) fn catch_up(
        &mut self,
        ctx: Ctx,
        primary: NodeId,
        epoch: u64,
        seq: u64,
        commit: u64,
    ) {
        if self.store.state_epoch != epoch {
            self.ask_sync(ctx, primary);
            return;
        }
        self.commit = self.commit.max(commit.min(self.store.applied_seq));
        let applied = self.store.applied_seq;
        if applied < seq {
            if self.lag_mark.is_some_and(|m| applied < m) {
                self.ask_sync(ctx, primary);
            }
            self.lag_mark = Some(seq);
        } else {
            self.lag_mark = None;
        }
    }
}
