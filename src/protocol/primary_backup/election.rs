//! Who is primary: heartbeats and leases, epoch adoption and stepping down, failover with
//! majority votes (fencing on) or by lowest live id (fencing off), and promotion. Never
//! touches the key-value state except to tag it with a new primary's epoch.

use super::{AfterPersist, Msg, Pending, PrimaryBackup, Replication, Timer, Write};
use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::protocol::detector::DetectorKind;
use crate::protocol::{Context, Role};

type Ctx<'c, 'a> = &'c mut Context<'a, PrimaryBackup>;

impl PrimaryBackup {
    /// Whether the primary may serve at local time `now` (always, without fencing).
    pub(super) fn lease_valid(&self, now: Nanos) -> bool {
        !self.params.fencing || now < self.lease_until
    }

    /// Recomputes the lease from the heartbeat acks: the `majority - 1` most recent acked
    /// heartbeats (the primary counts itself) bound it.
    fn recompute_lease(&mut self) {
        let k = self.majority - 1;
        if k == 0 {
            self.lease_until = Nanos::MAX;
            return;
        }
        // The k-th most recent acked heartbeat: linear time, so that large clusters stay
        // affordable (a nested count was quadratic per ack).
        self.scratch.clear();
        self.scratch.extend(self.acked_hb.iter().flatten().copied());
        let kth = (self.scratch.len() >= k).then(|| {
            let (_, kth, _) = self.scratch.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
            *kth
        });
        if let Some(h) = kth {
            let until = h.saturating_add(self.params.lease_hold());
            self.lease_until = self.lease_until.max(until);
        }
    }

    /// Clears the per-backup tables a primary keeps, for a new leadership.
    pub(super) fn reset_leadership(&mut self) {
        self.acked_hb.iter_mut().for_each(|a| *a = None);
        self.matched.iter_mut().for_each(|m| *m = 0);
        self.lease_until = if self.majority <= 1 { Nanos::MAX } else { 0 };
        self.pending.clear();
        self.proposal = None;
        self.votes.clear();
        self.primary = Some(self.me);
        self.sync_asked = None;
        self.lag_mark = None;
        self.ahead.clear();
    }

    /// The heartbeat timer: a primary heartbeats and re-checks commits; without fencing a
    /// backup says it is alive. A backup with fencing lets the timer lapse.
    pub(super) fn tick(&mut self, ctx: Ctx) {
        let epoch = self.epoch;
        match self.role {
            Role::Leader => {
                let now = ctx.now();
                ctx.broadcast(Msg::Heartbeat {
                    epoch,
                    sent_at: now,
                    seq: self.store.applied_seq,
                    commit: self.commit,
                });
                if !self.lease_valid(now) {
                    self.fail_reads(ctx);
                    let since = self.lease_until.max(self.led_since);
                    if now.saturating_sub(since) >= self.params.failover_timeout {
                        ctx.note(|| format!("no majority lease in epoch {epoch} for too long"));
                        self.follow(ctx, epoch, None);
                        return;
                    }
                }
                self.try_commit(ctx);
            }
            _ if !self.params.fencing => ctx.broadcast(Msg::Alive { epoch }),
            _ => return,
        }
        ctx.set_timer(Timer::Tick, self.params.heartbeat);
    }

    fn jitter(&self, ctx: Ctx) -> Nanos {
        ctx.rng().between(0, self.params.failover_timeout / 2)
    }

    /// When (local time) the failure detector suspects the primary if it stays silent, and
    /// how long it waits from the last sign of life.
    fn failover_deadline(&self) -> (Nanos, Nanos) {
        match self.params.detector {
            DetectorKind::Fixed => (
                self.heard_primary + self.params.failover_timeout,
                self.params.failover_timeout,
            ),
            _ => {
                let deadline = self.watch.deadline();
                let last = self.watch.last().unwrap_or(0);
                (deadline, deadline.saturating_sub(last))
            }
        }
    }

    /// The primary was heard from, or a new one must be watched from `now` (`fresh`).
    pub(super) fn primary_heard(&mut self, now: Nanos, fresh: bool) {
        self.heard_primary = now;
        if fresh {
            self.watch.reset(now);
        } else {
            self.watch.heard(now);
        }
    }

    /// Arms the failover check a full timeout (plus jitter) from now.
    pub(super) fn arm_failover(&self, ctx: Ctx) {
        let after = self.params.failover_timeout + self.jitter(ctx);
        ctx.set_timer(Timer::Failover, after);
    }

    /// The failover check of a backup: take over if the primary has been silent too long.
    pub(super) fn on_failover(&mut self, ctx: Ctx) {
        if self.role != Role::Follower {
            return;
        }
        let now = ctx.now();
        let (deadline, wait) = self.failover_deadline();
        if now < deadline {
            // A random share of up to half the wait staggers the backups' takeovers.
            let jitter = ctx.rng().between(0, wait / 2);
            ctx.set_timer(Timer::Failover, deadline - now + jitter);
            return;
        }
        if let Some(primary) = self.primary {
            ctx.suspect(primary);
        }
        if self.params.fencing {
            self.become_candidate(ctx);
        } else {
            self.promote_unfenced(ctx);
        }
    }

    fn become_candidate(&mut self, ctx: Ctx) {
        self.role = Role::Candidate;
        self.primary = None;
        let epoch = self.epoch;
        ctx.note(|| format!("primary of epoch {epoch} silent: candidate"));
        self.on_election_timer(ctx);
    }

    /// A candidate waits out the leases it granted, then starts (or retries) a round.
    pub(super) fn on_election_timer(&mut self, ctx: Ctx) {
        if self.role != Role::Candidate {
            return;
        }
        let wait = self.granted_until.saturating_sub(ctx.now());
        if wait > 0 {
            ctx.set_timer(Timer::Election, wait);
            return;
        }
        let epoch = self.max_seen + 1;
        self.max_seen = epoch;
        self.voted = Some((epoch, self.me));
        self.proposal = Some(epoch);
        self.votes = vec![self.me];
        let candidate = self.me;
        let token = ctx.persist(Write::Vote { epoch, candidate });
        self.after.insert(token, AfterPersist::Campaign { epoch });
        let half = (self.params.failover_timeout / 2).max(1);
        let after = half + ctx.rng().between(0, half);
        ctx.set_timer(Timer::Election, after);
    }

    /// The candidate's own vote is durable: win alone (one node) or ask the others.
    pub(super) fn campaign(&mut self, ctx: Ctx, epoch: u64) {
        if self.role != Role::Candidate || self.proposal != Some(epoch) {
            return;
        }
        if self.votes.len() >= self.majority {
            self.become_primary(ctx, epoch);
            return;
        }
        ctx.note(|| format!("asks for votes in epoch {epoch}"));
        let (state_epoch, applied_seq) = self.store.position();
        ctx.broadcast(Msg::VoteRequest {
            epoch,
            state_epoch,
            applied_seq,
        });
    }

    /// Grants a vote at most once per epoch, to an up-to-date candidate, once this node's
    /// leases expired; the grant is sent only after it is durable.
    pub(super) fn on_vote_request(&mut self, ctx: Ctx, from: NodeId, epoch: u64, pos: (u64, u64)) {
        self.max_seen = self.max_seen.max(epoch);
        if self.voted == Some((epoch, from)) {
            return; // a duplicate: the grant follows its durable write
        }
        let now = ctx.now();
        let voted_epoch = self.voted.map_or(0, |v| v.0);
        let leased =
            self.granted_until > now || (self.role == Role::Leader && self.lease_valid(now));
        let grant = self.params.fencing
            && epoch > self.epoch
            && epoch > voted_epoch
            && !leased
            && pos >= self.store.position();
        if !grant {
            let seen = self.max_seen;
            let granted = false;
            ctx.send(
                from,
                Msg::Vote {
                    epoch,
                    granted,
                    seen,
                },
            );
            return;
        }
        ctx.note(|| format!("votes for {from} in epoch {epoch}"));
        self.follow(ctx, epoch, None);
        self.voted = Some((epoch, from));
        self.primary_heard(now, true);
        let token = ctx.persist(Write::Vote {
            epoch,
            candidate: from,
        });
        self.after
            .insert(token, AfterPersist::GrantVote { to: from, epoch });
    }

    /// Counts a vote; a majority makes this candidate primary.
    pub(super) fn on_vote(&mut self, ctx: Ctx, from: NodeId, epoch: u64, granted: bool, seen: u64) {
        self.max_seen = self.max_seen.max(seen).max(epoch);
        if !granted || self.role != Role::Candidate || self.proposal != Some(epoch) {
            return;
        }
        if !self.votes.contains(&from) {
            self.votes.push(from);
        }
        if self.votes.len() >= self.majority {
            self.become_primary(ctx, epoch);
        }
    }

    /// Without fencing: the lowest-id node heard from recently (this one included) promotes
    /// itself without asking anyone.
    fn promote_unfenced(&mut self, ctx: Ctx) {
        let now = ctx.now();
        let window = self.params.failover_timeout;
        let me = self.me.index();
        let lowest = (0..self.heard.len())
            .find(|&i| i == me || self.heard[i].is_some_and(|t| now.saturating_sub(t) < window));
        if lowest == Some(me) {
            self.become_primary(ctx, self.max_seen + 1);
        } else {
            self.arm_failover(ctx);
        }
    }

    /// Becomes primary of `epoch`: tags the state with the epoch, persists it, queues the
    /// barrier (sync) that must commit before any client is answered, heartbeats at once.
    fn become_primary(&mut self, ctx: Ctx, epoch: u64) {
        self.role = Role::Leader;
        self.epoch = epoch;
        self.max_seen = self.max_seen.max(epoch);
        self.reset_leadership();
        self.led_since = ctx.now();
        self.store.state_epoch = epoch;
        let seq = self.store.applied_seq;
        self.persist_state(ctx, Write::Promote { epoch }, epoch, seq, None);
        match self.params.replication {
            Replication::Sync => {
                let required = self.live_backups(ctx.now());
                let client = None;
                self.pending.push_back(Pending::Write {
                    seq,
                    client,
                    required,
                });
            }
            Replication::Async => self.commit = seq,
        }
        ctx.note(|| format!("becomes primary of epoch {epoch} at seq {seq}"));
        ctx.cancel_timer(Timer::Failover);
        self.tick(ctx);
    }

    /// Follows epoch `epoch` (primary `primary` if known): adopts and persists a newer epoch,
    /// steps down or abandons a candidacy, and asks for a snapshot if the state is older.
    pub(super) fn follow(&mut self, ctx: Ctx, epoch: u64, primary: Option<NodeId>) {
        self.max_seen = self.max_seen.max(epoch);
        if epoch > self.epoch {
            self.epoch = epoch;
            ctx.persist(Write::Epoch(epoch));
        }
        let was = self.role;
        if was == Role::Leader {
            ctx.note(|| format!("steps down; follows epoch {epoch}"));
            self.fail_reads(ctx);
            self.pending.clear();
            self.unshipped.clear();
            self.lease_until = 0;
        }
        self.role = Role::Follower;
        if self.primary != primary {
            self.watch.reset(ctx.now()); // a new primary: its heartbeats start afresh
        }
        self.primary = primary;
        self.proposal = None;
        self.votes.clear();
        if was != Role::Follower {
            self.primary_heard(ctx.now(), true);
            self.arm_failover(ctx);
        }
        if let Some(p) = primary {
            if self.store.state_epoch != epoch {
                self.ask_sync(ctx, p);
            }
        }
    }

    /// A message from a node claiming to be primary of `epoch`. Returns whether it is this
    /// node's current primary (after adopting a newer epoch); an older one is fenced.
    pub(super) fn accept_primary(&mut self, ctx: Ctx, from: NodeId, epoch: u64) -> bool {
        self.max_seen = self.max_seen.max(epoch);
        if epoch < self.epoch {
            let current = self.epoch;
            ctx.send(from, Msg::Fenced { epoch: current });
            return false;
        }
        let leader = self.role == Role::Leader;
        if epoch == self.epoch && leader && from > self.me {
            return false; // two primaries of one epoch (fencing off): the lower id stays
        }
        if epoch > self.epoch || self.role != Role::Follower || self.primary != Some(from) {
            self.follow(ctx, epoch, Some(from));
        }
        self.primary_heard(ctx.now(), false);
        true
    }

    /// A message from a non-primary carrying its `epoch`: adopt a newer one. Returns whether
    /// this node is primary of exactly that epoch (so the message is for it).
    pub(super) fn peer_epoch(&mut self, ctx: Ctx, epoch: u64) -> bool {
        if epoch > self.epoch {
            self.follow(ctx, epoch, None);
            self.primary_heard(ctx.now(), true);
            return false;
        }
        self.role == Role::Leader && epoch == self.epoch
    }

    /// A backup acknowledges its primary's heartbeat; with fencing the ack grants a lease.
    pub(super) fn on_heartbeat(
        &mut self,
        ctx: Ctx,
        from: NodeId,
        epoch: u64,
        sent_at: Nanos,
        seq: u64,
        commit: u64,
    ) {
        if !self.accept_primary(ctx, from, epoch) {
            return;
        }
        if self.params.fencing {
            let until = ctx.now().saturating_add(self.params.lease);
            self.granted_until = self.granted_until.max(until);
        }
        let durable_seq = if self.durable.0 == epoch {
            self.durable.1
        } else {
            0
        };
        ctx.send(
            from,
            Msg::HeartbeatAck {
                epoch,
                sent_at,
                durable_seq,
            },
        );
        self.catch_up(ctx, from, epoch, seq, commit);
    }

    /// The primary records a heartbeat ack: lease, liveness and durable progress.
    pub(super) fn on_heartbeat_ack(
        &mut self,
        ctx: Ctx,
        from: NodeId,
        epoch: u64,
        sent_at: Nanos,
        durable_seq: u64,
    ) {
        if !self.peer_epoch(ctx, epoch) {
            return;
        }
        let i = from.index();
        self.acked_hb[i] = Some(self.acked_hb[i].map_or(sent_at, |t| t.max(sent_at)));
        self.matched[i] = self.matched[i].max(durable_seq);
        self.recompute_lease();
        self.try_commit(ctx);
    }
}
