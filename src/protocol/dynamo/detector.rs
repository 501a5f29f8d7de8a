//! The failure detector of `dynamo`: a node is suspected when nothing was heard from it for
//! `suspect_after` of local time (any message counts; quiet peers are pinged every
//! `ping_interval`). Kept apart so that other detectors (heartbeat, phi accrual) can replace
//! it behind the same two questions: [`Detector::heard`] and [`Detector::is_up`].

use crate::des::ids::NodeId;
use crate::des::time::Nanos;

/// When each member was last heard from, on this node's local clock.
#[derive(Clone, Debug)]
pub struct Detector {
    me: NodeId,
    heard: Vec<Nanos>,
    suspect_after: Nanos,
}

impl Detector {
    /// A detector for `members` nodes that trusts everyone as of `now`.
    pub fn new(me: NodeId, members: usize, now: Nanos, suspect_after: Nanos) -> Detector {
        Detector {
            me,
            heard: vec![now; members],
            suspect_after,
        }
    }

    /// A message from `node` arrived at local time `now`.
    pub fn heard(&mut self, node: NodeId, now: Nanos) {
        if let Some(h) = self.heard.get_mut(node.index()) {
            *h = (*h).max(now);
        }
    }

    /// Whether `node` is trusted at local time `now` (this node always is).
    pub fn is_up(&self, node: NodeId, now: Nanos) -> bool {
        node == self.me
            || self
                .heard
                .get(node.index())
                .is_some_and(|&h| now.saturating_sub(h) <= self.suspect_after)
    }

    /// Whether nothing was heard from `node` for at least `quiet` (worth a ping).
    pub fn quiet(&self, node: NodeId, now: Nanos, quiet: Nanos) -> bool {
        node != self.me
            && self
                .heard
                .get(node.index())
                .is_some_and(|&h| now.saturating_sub(h) >= quiet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suspects_silence_and_forgives_on_news() {
        let mut d = Detector::new(NodeId(0), 3, 100, 50);
        assert!(d.is_up(NodeId(1), 150));
        assert!(!d.is_up(NodeId(1), 151));
        assert!(d.is_up(NodeId(0), 1_000), "a node trusts itself");
        d.heard(NodeId(1), 200);
        assert!(d.is_up(NodeId(1), 240));
        assert!(d.quiet(NodeId(2), 130, 30) && !d.quiet(NodeId(1), 210, 30));
        // A clock that jumps back does not make a peer suspect.
        assert!(d.is_up(NodeId(1), 10));
        assert!(!d.is_up(NodeId(9), 0), "not a member");
    }
}
