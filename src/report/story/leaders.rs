//! Leadership as a run goes: a step observer that reads each node's role and term from the
//! protocol's `observe()` after every step and records when a node takes or loses the lead.
//! Structured data, not note text: it works for every protocol that reports a
//! [`Role::Leader`], and records nothing for those that have no leader (gossip, dynamo).

use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::protocol::{Protocol, Role};
use crate::sim::Observer;

/// One change of leadership on one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeaderChange {
    /// Virtual time.
    pub time: Nanos,
    /// The node.
    pub node: NodeId,
    /// Its term (epoch, view) after the change.
    pub term: u64,
    /// True when it took the lead, false when it gave it up.
    pub leads: bool,
    /// True when it lost the lead by crashing (the fault that crashed it tells that part).
    pub crashed: bool,
}

/// Records [`LeaderChange`]s (see the module doc).
#[derive(Clone, Debug, Default)]
pub struct LeaderWatch {
    /// Per node: whether it leads now, and in which term.
    now: Vec<Option<(bool, u64)>>,
    /// Every change, in order.
    changes: Vec<LeaderChange>,
    /// Nodes that led at their very first step (before any fault could matter).
    leaders_at_boot: Vec<NodeId>,
    /// The time of the latest step seen (a crash comes with no time of its own; the crash
    /// fault fires after the step before it, at the same or a later time).
    last_time: Nanos,
}

impl LeaderWatch {
    /// A watch over `nodes` nodes.
    pub fn new(nodes: usize) -> LeaderWatch {
        LeaderWatch {
            now: vec![None; nodes],
            ..LeaderWatch::default()
        }
    }

    /// Every change seen, in time order; empty when the protocol has no single leader: no
    /// node ever led, or several led from their first step on (multi-leader, where every
    /// node always leads, so a "change" would say nothing).
    pub fn changes(&self) -> &[LeaderChange] {
        if self.leaders_at_boot.len() > 1 {
            return &[];
        }
        &self.changes
    }
}

impl Observer for LeaderWatch {
    fn after_step<P: Protocol>(&mut self, node: NodeId, p: &P, (time, _): (Nanos, u64)) {
        self.last_time = time;
        let o = p.observe();
        let leads = o.role == Role::Leader;
        let Some(slot) = self.now.get_mut(node.index()) else {
            return;
        };
        let before = *slot;
        *slot = Some((leads, o.term));
        let changed = match before {
            None => {
                if leads && !self.changes.iter().any(|c| c.node == node) {
                    self.leaders_at_boot.push(node);
                }
                leads
            }
            Some((was, term)) => was != leads || (leads && term != o.term),
        };
        if changed {
            self.changes.push(LeaderChange {
                time,
                node,
                term: o.term,
                leads,
                crashed: false,
            });
        }
    }

    fn crashed(&mut self, node: NodeId) {
        let Some(slot) = self.now.get_mut(node.index()) else {
            return;
        };
        if let Some((true, term)) = slot.take() {
            self.changes.push(LeaderChange {
                time: self.last_time,
                node,
                term,
                leads: false,
                crashed: true,
            });
        }
    }
}
