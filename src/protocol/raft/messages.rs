//! The messages, timers and durable state of `raft`. Plain data: what each field means lives
//! here, what a node does with it lives in `election.rs`, `replication.rs` and `reads.rs`.

use super::log::Entry;
use crate::des::ids::NodeId;

/// A message between nodes (Figure 2, plus pre-vote from dissertation §9.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Pre-vote (§9.6): "would you vote for me in `term`?" — the sender has NOT moved to
    /// `term`, and the receiver does not adopt it.
    PreVote {
        /// The term the sender would stand in (its term + 1).
        term: u64,
        /// Index of the sender's last log entry.
        last_index: u64,
        /// Term of the sender's last log entry.
        last_term: u64,
    },
    /// Answer to a pre-vote. A granted reply carries the asked term; a refusal carries the
    /// voter's own term.
    PreVoteReply {
        /// See above.
        term: u64,
        /// Whether the pre-vote is granted.
        granted: bool,
    },
    /// RequestVote RPC (Figure 2): a candidate asks for a vote in `term`.
    RequestVote {
        /// The candidate's term.
        term: u64,
        /// Index of the candidate's last log entry.
        last_index: u64,
        /// Term of the candidate's last log entry.
        last_term: u64,
    },
    /// RequestVote reply.
    VoteReply {
        /// The voter's current term.
        term: u64,
        /// Whether the vote is granted.
        granted: bool,
    },
    /// AppendEntries RPC (Figure 2); an empty one is a heartbeat.
    AppendEntries {
        /// The leader's term.
        term: u64,
        /// The leader (so followers can redirect clients).
        leader: NodeId,
        /// Index of the entry just before `entries`.
        prev_index: u64,
        /// Term of that entry.
        prev_term: u64,
        /// Entries to store (empty for a heartbeat).
        entries: Vec<Entry>,
        /// The leader's commitIndex.
        commit: u64,
        /// The leader's heartbeat round (echoed; confirms leadership for read-index and
        /// leases, §6.4).
        round: u64,
    },
    /// AppendEntries reply.
    AppendReply {
        /// The follower's current term.
        term: u64,
        /// Whether the consistency check passed and the entries are durably stored.
        success: bool,
        /// On success: the last index known to match the leader (durable).
        match_index: u64,
        /// On failure: the term of the conflicting entry (0: the log is too short).
        conflict_term: u64,
        /// On failure: the first index the follower stores for `conflict_term` (or its
        /// last index + 1 if its log is too short).
        conflict_index: u64,
        /// The `round` of the AppendEntries answered.
        round: u64,
    },
}

impl Msg {
    /// The term the message carries.
    pub fn term(&self) -> u64 {
        match *self {
            Msg::PreVote { term, .. }
            | Msg::PreVoteReply { term, .. }
            | Msg::RequestVote { term, .. }
            | Msg::VoteReply { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::AppendReply { term, .. } => term,
        }
    }
}

/// Timers of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Follower / candidate: no leader heard for a randomized election timeout.
    Election,
    /// Leader: send the next heartbeat round (and check the quorum).
    Heartbeat,
}

/// The durable image: Figure 2's persistent state.
#[derive(Clone, Debug, Default)]
pub struct Durable {
    /// currentTerm (stays 0 with `volatile_vote`).
    pub term: u64,
    /// votedFor in `term` (stays `None` with `volatile_vote`).
    pub voted_for: Option<NodeId>,
    /// The log.
    pub log: Vec<Entry>,
}

/// One durable write.
#[derive(Clone, Debug)]
pub enum Write {
    /// Set currentTerm and votedFor.
    TermVote {
        /// currentTerm.
        term: u64,
        /// votedFor.
        voted_for: Option<NodeId>,
    },
    /// Truncate the log from `from_index`, then append `entries` there.
    Log {
        /// Index of the first entry written.
        from_index: u64,
        /// The entries.
        entries: Vec<Entry>,
    },
}

/// Applies a completed write to the durable image.
pub fn apply_write(d: &mut Durable, write: Write) {
    match write {
        Write::TermVote { term, voted_for } => {
            d.term = term;
            d.voted_for = voted_for;
        }
        Write::Log {
            from_index,
            mut entries,
        } => {
            d.log.truncate((from_index.max(1) - 1) as usize);
            d.log.append(&mut entries);
        }
    }
}
