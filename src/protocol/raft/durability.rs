//! The durability queue (Figure 2: persistent state is on stable storage before responding
//! to RPCs): starting term/vote and log writes, tracking the durable prefix of the log, and
//! holding back messages and the campaign until the writes they depend on have completed.

use super::{Entry, Msg, Raft, Role, Write};
use crate::des::ids::NodeId;
use crate::protocol::Context;

/// An action that must wait until a durable write has completed.
#[derive(Debug)]
pub(super) enum Deferred {
    /// Send `msg` to `to` (a vote reply or an AppendEntries reply).
    Send { to: NodeId, msg: Msg },
    /// The candidate's own vote is durable: ask for votes.
    Campaign,
}

impl Raft {
    /// Starts a write of currentTerm and votedFor (nothing with `volatile_vote`).
    pub(super) fn persist_term_vote(&mut self, ctx: &mut Context<'_, Self>) {
        if self.params.volatile_vote {
            return;
        }
        self.issued = ctx.persist(Write::TermVote {
            term: self.term,
            voted_for: self.voted_for,
        });
    }

    /// Starts a log write: truncate from `from`, then append `entries` (already in memory).
    pub(super) fn persist_log(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: u64,
        entries: Vec<Entry>,
    ) {
        let last = from + entries.len() as u64 - 1;
        self.durable_index = self.durable_index.min(from - 1);
        self.issued = ctx.persist(Write::Log {
            from_index: from,
            entries,
        });
        self.log_writes.push_back((self.issued, from, last));
    }

    /// Sends `msg` once every write issued so far is durable (Figure 2: persistent state is
    /// updated on stable storage before responding to RPCs).
    pub(super) fn send_durable(&mut self, ctx: &mut Context<'_, Self>, to: NodeId, msg: Msg) {
        if self.done >= self.issued {
            ctx.send(to, msg);
        } else {
            self.after
                .push_back((self.issued, self.term, Deferred::Send { to, msg }));
        }
    }

    /// A durable write completed: advance the durable prefix and run what waited on it.
    pub(super) fn persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        self.done = self.done.max(token);
        let mut moved = false;
        while let Some(&(t, _, last)) = self.log_writes.front() {
            if t > token {
                break;
            }
            self.log_writes.pop_front();
            self.durable_index = last;
            moved = true;
        }
        if moved {
            // Later writes in progress may truncate below what just reached the disk.
            for &(_, from, _) in &self.log_writes {
                self.durable_index = self.durable_index.min(from - 1);
            }
            self.durable_index = self.durable_index.min(self.log.last_index());
            if self.role == Role::Leader {
                self.advance_commit(ctx);
            }
        }
        while let Some(&(t, term, _)) = self.after.front() {
            if t > token {
                break;
            }
            let (_, _, action) = self.after.pop_front().expect("front exists");
            if term != self.term {
                continue; // stale: the node has moved on to another term
            }
            match action {
                Deferred::Send { to, msg } => ctx.send(to, msg),
                Deferred::Campaign => self.campaign(ctx),
            }
        }
    }
}
