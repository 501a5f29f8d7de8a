//! Log replication (§5.3): heartbeat rounds, AppendEntries with batches and optimistic
//! pipelining, the consistency check and conflict truncation on followers, fast back-off,
//! the leader's commit rule (§5.4.2, Figure 8), and applying committed entries in order.

use super::{Entry, Msg, Raft, Timer};
use crate::des::ids::NodeId;
use crate::protocol::{Context, Role};
use std::collections::btree_map::Entry as Slot;

/// An AppendEntries request, unpacked.
pub(super) struct Append {
    pub term: u64,
    pub leader: NodeId,
    pub prev_index: u64,
    pub prev_term: u64,
    pub entries: Vec<Entry>,
    pub commit: u64,
    pub round: u64,
}

/// An AppendEntries reply of the current term, unpacked.
pub(super) struct AppendAck {
    pub success: bool,
    pub match_index: u64,
    pub conflict_term: u64,
    pub conflict_index: u64,
    pub round: u64,
}

impl Raft {
    /// Sends a new heartbeat round: AppendEntries to every peer from its nextIndex (empty if
    /// it is caught up), numbered so acknowledgements confirm leadership (§6.4).
    pub(super) fn heartbeat_round(&mut self, ctx: &mut Context<'_, Self>) {
        self.round += 1;
        self.sent_at.push_back((self.round, ctx.now()));
        if self.sent_at.len() > 1024 {
            self.sent_at.pop_front();
        }
        for p in ctx.peers() {
            self.send_append(ctx, p);
        }
        ctx.set_timer(Timer::Heartbeat, self.params.heartbeat);
        self.update_quorum_round(ctx);
    }

    /// Sends peer `p` up to `max_batch` entries from its nextIndex, and advances nextIndex
    /// past them (pipelining; a rejection moves it back).
    pub(super) fn send_append(&mut self, ctx: &mut Context<'_, Self>, p: NodeId) {
        let next = self.next[p.index()];
        let prev_index = next - 1;
        let entries = self.log.slice(next, self.params.max_batch).to_vec();
        self.next[p.index()] = next + entries.len() as u64;
        ctx.send(
            p,
            Msg::AppendEntries {
                term: self.term,
                leader: self.me,
                prev_index,
                prev_term: self.log.term_at(prev_index),
                entries,
                commit: self.commit,
                round: self.round,
            },
        );
    }

    /// Follower side of AppendEntries (Figure 2): reject a stale term; accept the sender as
    /// leader; run the consistency check; truncate only on an actual conflict (a stale or
    /// reordered request never deletes matching entries); append what is new; advance
    /// commitIndex to min(leaderCommit, index of the last new entry); reply once durable.
    pub(super) fn on_append(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, a: Append) {
        let mut reply = Msg::AppendReply {
            term: self.term,
            success: false,
            match_index: 0,
            conflict_term: 0,
            conflict_index: 0,
            round: a.round,
        };
        if a.term < self.term {
            // §5.1: tell the stale leader the current term. Round 0 marks the reply as
            // answering no request of the current term's leader: rounds restart each term,
            // so echoing the stale round could "confirm" a later read-index round or lease.
            if let Msg::AppendReply { round, .. } = &mut reply {
                *round = 0;
            }
            ctx.send(from, reply);
            return;
        }
        if self.role != Role::Follower || self.pre_candidate || self.leader != Some(a.leader) {
            self.become_follower(ctx, a.term, Some(a.leader));
        }
        self.heard_leader = Some(ctx.now());
        self.arm_election(ctx);
        let prev = a.prev_index;
        if prev > self.log.last_index() || self.log.term_at(prev) != a.prev_term {
            let (ct, ci) = self.log.conflict(prev);
            if let Msg::AppendReply {
                conflict_term,
                conflict_index,
                ..
            } = &mut reply
            {
                *conflict_term = ct;
                *conflict_index = ci;
            }
            self.send_durable(ctx, from, reply);
            return;
        }
        let count = a.entries.len() as u64;
        let mut entries = a.entries;
        let mut new_from = None;
        for (k, e) in entries.iter().enumerate() {
            let index = prev + 1 + k as u64;
            if index <= self.log.last_index() {
                if self.log.term_at(index) == e.term {
                    continue;
                }
                self.log.truncate_from(index); // §5.3: a conflict; drop it and all after
                self.durable_index = self.durable_index.min(index - 1);
                self.commit = self.commit.min(index - 1);
            }
            new_from = Some(k);
            break;
        }
        if let Some(k) = new_from {
            // Drop the prefix already stored in place: `split_off(0)` would allocate a
            // fresh buffer for the (empty) remainder on every append.
            entries.drain(..k);
            let fresh = entries;
            for e in &fresh {
                self.log.append_entry(e);
            }
            self.persist_log(ctx, prev + 1 + k as u64, fresh);
        }
        let match_index = prev + count;
        let commit = a.commit.min(match_index);
        if commit > self.commit {
            self.commit = commit;
            self.apply(ctx);
        }
        if let Msg::AppendReply {
            success,
            match_index: m,
            ..
        } = &mut reply
        {
            *success = true;
            *m = match_index;
        }
        self.send_durable(ctx, from, reply);
    }

    /// Leader side of an AppendEntries reply of its term.
    pub(super) fn on_append_reply(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        r: AppendAck,
    ) {
        if r.round == 0 {
            return; // a reply to an older leader's request (rounds of a term start at 1)
        }
        let p = from.index();
        self.heard[p] = ctx.now();
        if r.round > self.acked_round[p] {
            self.acked_round[p] = r.round;
            self.update_quorum_round(ctx);
        }
        if r.success {
            self.next[p] = self.next[p].max(r.match_index + 1);
            if r.match_index > self.matched[p] {
                self.matched[p] = r.match_index;
                self.advance_commit(ctx);
            }
        } else {
            // §5.3 fast back-off: skip the follower's whole conflicting term at once.
            let next = match self.log.last_index_of(r.conflict_term) {
                Some(i) if r.conflict_term > 0 => i + 1,
                _ => r.conflict_index,
            };
            self.next[p] = next.clamp(self.matched[p] + 1, self.log.last_index() + 1);
        }
        if self.role == Role::Leader && self.next[p] <= self.log.last_index() {
            self.send_append(ctx, from);
        }
    }

    /// §5.3/§5.4.2 commit rule: the highest index stored on a majority (the leader counting
    /// itself only up to what is durable on its disk) becomes committed if its entry is of
    /// the current term. With `commit_previous_term_by_count` the term is not checked
    /// (Figure 8 anomaly).
    pub(super) fn advance_commit(&mut self, ctx: &mut Context<'_, Self>) {
        let me = self.me.index();
        self.scratch.clear();
        self.scratch
            .push(self.durable_index.min(self.log.last_index()));
        for (p, &m) in self.matched.iter().enumerate() {
            if p != me {
                self.scratch.push(m);
            }
        }
        self.scratch.sort_unstable_by(|a, b| b.cmp(a));
        let n = self.scratch[self.majority - 1];
        if n > self.commit
            && (self.log.term_at(n) == self.term || self.params.commit_previous_term_by_count)
        {
            self.commit = n;
            ctx.note(|| format!("committed up to {n}"));
            self.apply(ctx);
        }
    }

    /// Applies committed entries in order; the leader answers the requests it appended.
    pub(super) fn apply(&mut self, ctx: &mut Context<'_, Self>) {
        let upto = self.commit.min(self.log.last_index());
        while self.applied < upto {
            self.applied += 1;
            let entry = self.log.get(self.applied).expect("applied <= last index");
            let request = entry.request;
            let reply = self.sm.apply(entry);
            if self.role != Role::Leader {
                continue;
            }
            if let Some(id) = request {
                if let Slot::Occupied(o) = self.pending.entry(id) {
                    if *o.get() == self.applied {
                        o.remove();
                        if let Some(reply) = reply {
                            ctx.reply(id, reply.into_owned());
                        }
                    }
                }
            }
        }
        if self.role == Role::Leader {
            self.serve_reads(ctx);
        }
    }
}
