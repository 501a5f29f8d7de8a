//! Terms, roles and elections: the election timer, pre-vote (dissertation §9.6), RequestVote
//! with one vote per term and the election restriction (§5.4.1), leader stickiness (§4.2.3),
//! becoming leader with a no-op (§8), stepping down, and check-quorum (§6.2).

use super::{Deferred, Msg, Raft, Reply, Timer};
use crate::des::ids::NodeId;
use crate::protocol::{Context, Role};

impl Raft {
    /// (Re)arms the election timer with a fresh random timeout in [min, max] (§5.2), on the
    /// local clock, drawn from this node's own stream.
    pub(super) fn arm_election(&mut self, ctx: &mut Context<'_, Self>) {
        let t = ctx.rng().between(
            self.params.election_timeout_min,
            self.params.election_timeout_max,
        );
        ctx.set_timer(Timer::Election, t);
    }

    /// Whether the current leader was heard within `election_timeout_min` (§4.2.3, §9.6),
    /// or the node restarted less than that ago.
    fn heard_leader_recently(&self, ctx: &Context<'_, Self>) -> bool {
        ctx.now() < self.quiet_until
            || self.leader.is_some()
                && self
                    .heard_leader
                    .is_some_and(|h| ctx.now() < h + self.params.election_timeout_min)
    }

    /// Figure 2: a message with a higher term makes the node adopt it and become follower.
    pub(super) fn adopt_higher_term(&mut self, ctx: &mut Context<'_, Self>, term: u64) {
        if term > self.term {
            self.become_follower(ctx, term, None);
        }
    }

    /// Becomes follower in `term` (≥ the current term), following `leader` if known. A new
    /// term clears the vote, and is persisted. A leader drops its pending client requests
    /// (they may still commit; the clients time out or retry) and redirects waiting reads.
    pub(super) fn become_follower(
        &mut self,
        ctx: &mut Context<'_, Self>,
        term: u64,
        leader: Option<NodeId>,
    ) {
        if term > self.term {
            self.term = term;
            self.voted_for = None;
            self.persist_term_vote(ctx);
        }
        let was = self.role;
        self.role = Role::Follower;
        self.pre_candidate = false;
        self.leader = leader;
        if was == Role::Leader {
            ctx.note(|| format!("stepped down in term {term}"));
            ctx.cancel_timer(Timer::Heartbeat);
            self.pending.clear();
            for r in std::mem::take(&mut self.reads) {
                ctx.reply(r.id, Reply::Redirect(leader));
            }
            self.lease_until = 0;
        }
        if was != Role::Follower {
            self.arm_election(ctx);
        }
    }

    /// The election timer fired: start a pre-vote round, or an election.
    pub(super) fn on_election_timeout(&mut self, ctx: &mut Context<'_, Self>) {
        if self.role == Role::Leader {
            return;
        }
        if self.params.pre_vote {
            // A candidate whose election timed out (a split vote) campaigns again through
            // pre-vote too; pre-candidates count as followers.
            self.role = Role::Follower;
            self.pre_candidate = true;
            self.leader = None;
            self.votes.fill(false);
            self.votes[self.me.index()] = true;
            self.arm_election(ctx);
            ctx.broadcast(Msg::PreVote {
                term: self.term + 1,
                last_index: self.log.last_index(),
                last_term: self.log.last_term(),
            });
            if self.vote_count() >= self.majority {
                self.start_election(ctx);
            }
        } else {
            self.start_election(ctx);
        }
    }

    /// Becomes candidate of a new term, votes for itself, and asks for votes once that vote
    /// is durable (§5.2; Figure 2 persistence before send).
    fn start_election(&mut self, ctx: &mut Context<'_, Self>) {
        self.term += 1;
        self.role = Role::Candidate;
        self.pre_candidate = false;
        self.voted_for = Some(self.me);
        self.leader = None;
        self.votes.fill(false);
        self.persist_term_vote(ctx);
        self.arm_election(ctx);
        let term = self.term;
        ctx.note(|| format!("candidate in term {term}"));
        if self.done >= self.issued {
            self.campaign(ctx);
        } else {
            self.after
                .push_back((self.issued, self.term, Deferred::Campaign));
        }
    }

    /// The candidate's vote for itself is durable: send RequestVote.
    pub(super) fn campaign(&mut self, ctx: &mut Context<'_, Self>) {
        if self.role != Role::Candidate {
            return;
        }
        self.votes[self.me.index()] = true;
        ctx.broadcast(Msg::RequestVote {
            term: self.term,
            last_index: self.log.last_index(),
            last_term: self.log.last_term(),
        });
        if self.vote_count() >= self.majority {
            self.become_leader(ctx);
        }
    }

    /// §5.4.1 election restriction, for votes and pre-votes alike: the candidate's last
    /// entry is at least as up to date as ours (always true with the teaching switch).
    fn election_restriction_allows(&self, last_term: u64, last_index: u64) -> bool {
        self.params.skip_log_up_to_date_check || self.log.is_behind(last_term, last_index)
    }

    /// §9.6: grant a pre-vote for `term` if it is above ours, the candidate's log is up to
    /// date, and no live leader was heard within the minimum election timeout. The voter's
    /// own term does not change.
    pub(super) fn on_pre_vote(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        term: u64,
        last_index: u64,
        last_term: u64,
    ) {
        let granted = term > self.term
            && self.role != Role::Leader
            && !self.heard_leader_recently(ctx)
            && self.election_restriction_allows(last_term, last_index);
        let term = if granted { term } else { self.term };
        ctx.send(from, Msg::PreVoteReply { term, granted });
    }

    /// A pre-vote answer: a majority of grants starts the real election.
    pub(super) fn on_pre_vote_reply(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        term: u64,
        granted: bool,
    ) {
        if !granted {
            self.adopt_higher_term(ctx, term);
            return;
        }
        if self.pre_candidate && self.role == Role::Follower && term == self.term + 1 {
            self.votes[from.index()] = true;
            if self.vote_count() >= self.majority {
                self.start_election(ctx);
            }
        }
    }

    /// RequestVote (Figure 2, §5.2, §5.4.1): one vote per term, only for a candidate whose
    /// log is at least as up to date; the grant is sent once the vote is durable. A follower
    /// that heard its leader within the minimum election timeout ignores the request (§4.2.3).
    pub(super) fn on_request_vote(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        term: u64,
        last_index: u64,
        last_term: u64,
    ) {
        if term < self.term {
            let msg = Msg::VoteReply {
                term: self.term,
                granted: false,
            };
            self.send_durable(ctx, from, msg);
            return;
        }
        if self.role == Role::Follower && self.heard_leader_recently(ctx) {
            return;
        }
        self.adopt_higher_term(ctx, term);
        let granted = self.role == Role::Follower
            && self.voted_for.map_or(true, |v| v == from)
            && self.election_restriction_allows(last_term, last_index);
        if granted {
            if self.voted_for != Some(from) {
                self.voted_for = Some(from);
                self.persist_term_vote(ctx);
            }
            self.arm_election(ctx);
            ctx.note(|| format!("voted for {from} in term {term}"));
        }
        let msg = Msg::VoteReply {
            term: self.term,
            granted,
        };
        self.send_durable(ctx, from, msg);
    }

    /// A vote answer (higher terms were adopted already).
    pub(super) fn on_vote_reply(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        term: u64,
        granted: bool,
    ) {
        if self.role == Role::Candidate && term == self.term && granted {
            self.votes[from.index()] = true;
            if self.vote_count() >= self.majority {
                self.become_leader(ctx);
            }
        }
    }

    /// Won the election: reset the per-peer state, append a no-op of this term (§8) and send
    /// the first heartbeat round.
    fn become_leader(&mut self, ctx: &mut Context<'_, Self>) {
        let now = ctx.now();
        self.role = Role::Leader;
        self.leader = Some(self.me);
        let next = self.log.last_index() + 1;
        self.next.fill(next);
        self.matched.fill(0);
        self.heard.fill(now);
        self.acked_round.fill(0);
        self.round = 0;
        self.quorum_round = 0;
        self.sent_at.clear();
        self.lease_until = 0;
        self.led_since = now;
        self.pending.clear();
        self.reads.clear();
        ctx.cancel_timer(Timer::Election);
        let term = self.term;
        ctx.note(|| format!("became leader term {term}"));
        self.noop_index = self.log.append(term, None, None);
        let noop = self
            .log
            .get(self.noop_index)
            .expect("just appended")
            .clone();
        self.persist_log(ctx, self.noop_index, vec![noop]);
        self.heartbeat_round(ctx);
    }

    /// Heartbeat timer: check the quorum (§6.2), then send the next round.
    pub(super) fn on_heartbeat_timer(&mut self, ctx: &mut Context<'_, Self>) {
        if self.role != Role::Leader {
            return;
        }
        if self.quorum_lost(ctx) {
            return;
        }
        self.heartbeat_round(ctx);
    }

    /// §6.2 check-quorum: a leader that has not heard from a majority within
    /// `election_timeout_max` steps down (and returns true). Run before every heartbeat
    /// round, including the extra rounds reads start, so steady reads cannot postpone it.
    pub(super) fn quorum_lost(&mut self, ctx: &mut Context<'_, Self>) -> bool {
        let now = ctx.now();
        let window = self.params.election_timeout_max;
        if !self.params.check_quorum || now < self.led_since + window {
            return false;
        }
        let me = self.me.index();
        let active = 1
            + (0..self.heard.len())
                .filter(|&p| p != me && now < self.heard[p] + window)
                .count();
        if active >= self.majority {
            return false;
        }
        ctx.note(|| "check-quorum: no majority heard".to_string());
        let term = self.term;
        self.become_follower(ctx, term, None);
        true
    }
}
