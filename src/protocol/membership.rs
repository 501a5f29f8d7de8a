//! Membership by failure detection, shared by the protocols that watch every peer (`dynamo`
//! for sloppy quorums, forwarding and hand-off; `gossip` for choosing its exchange partners):
//! whether each member is trusted, on this node's local clock. Any message from a peer counts
//! as a sign of life (the protocol decides whether it also sends pings or heartbeats).
//! `fixed` suspects a peer not heard from for the configured timeout; `heartbeat` and `phi`
//! use the shared adaptive detectors of [`crate::protocol::detector`], one per peer, on the
//! intervals between its messages. [`Membership::newly_suspected`] gives the suspicions to
//! report with [`crate::protocol::Context::suspect`]. Sends nothing and sets no timer.

use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::protocol::detector::{self as shared, DetectorConfig, DetectorKind};

/// When each member was last heard from, on this node's local clock, and (for the adaptive
/// detectors) each member's detector.
#[derive(Clone, Debug)]
pub struct Membership {
    me: NodeId,
    heard: Vec<Nanos>,
    suspect_after: Nanos,
    /// `heartbeat` or `phi`: one shared detector per member; `None` for `fixed`.
    adaptive: Option<Vec<shared::Detector>>,
    /// Whether each member was suspected at the last [`Membership::newly_suspected`].
    suspected: Vec<bool>,
}

impl Membership {
    /// A detector for `members` nodes that trusts everyone as of `now`.
    pub fn new(me: NodeId, members: usize, now: Nanos, config: DetectorConfig) -> Membership {
        let adaptive = (config.kind != DetectorKind::Fixed).then(|| {
            (0..members)
                .map(|_| {
                    let mut d = shared::Detector::new(config);
                    d.reset(now);
                    d
                })
                .collect()
        });
        Membership {
            me,
            heard: vec![now; members],
            suspect_after: config.timeout,
            adaptive,
            suspected: vec![false; members],
        }
    }

    /// A message from `node` arrived at local time `now`.
    pub fn heard(&mut self, node: NodeId, now: Nanos) {
        if let Some(h) = self.heard.get_mut(node.index()) {
            *h = (*h).max(now);
        }
        if let Some(d) = self
            .adaptive
            .as_mut()
            .and_then(|all| all.get_mut(node.index()))
        {
            d.heard(now);
        }
    }

    /// Whether `node` is trusted at local time `now` (this node always is).
    pub fn is_up(&self, node: NodeId, now: Nanos) -> bool {
        if node == self.me {
            return true;
        }
        match &self.adaptive {
            Some(all) => all.get(node.index()).is_some_and(|d| !d.suspects(now)),
            None => self
                .heard
                .get(node.index())
                .is_some_and(|&h| now.saturating_sub(h) <= self.suspect_after),
        }
    }

    /// The members suspected at local time `now` that were not at the previous call, for
    /// the report (`ctx.suspect`); changes nothing the detector decides.
    pub fn newly_suspected(&mut self, now: Nanos) -> Vec<NodeId> {
        let mut fresh = Vec::new();
        for i in 0..self.suspected.len() {
            let node = NodeId(i as u32);
            let down = !self.is_up(node, now);
            if down && !self.suspected[i] {
                fresh.push(node);
            }
            self.suspected[i] = down;
        }
        fresh
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

    fn config(kind: DetectorKind, timeout: Nanos) -> DetectorConfig {
        DetectorConfig {
            kind,
            timeout,
            margin: 20,
            phi_threshold: 8.0,
            window: 10,
            min_std: 5,
            acceptable_pause: 0,
        }
    }

    #[test]
    fn an_adaptive_detector_suspects_by_the_rhythm_of_a_peers_messages() {
        let mut d = Membership::new(NodeId(0), 2, 0, config(DetectorKind::Heartbeat, 500));
        for t in (10..=200).step_by(10) {
            d.heard(NodeId(1), t);
        }
        // Messages every 10: expected at 210, suspected 20 (the margin) later.
        assert!(d.is_up(NodeId(1), 229));
        assert!(!d.is_up(NodeId(1), 230));
        let fixed = Membership::new(NodeId(0), 2, 0, config(DetectorKind::Fixed, 500));
        assert!(fixed.is_up(NodeId(1), 500) && !fixed.is_up(NodeId(1), 501));
    }

    #[test]
    fn a_suspicion_is_reported_once_until_the_peer_is_heard_again() {
        let mut d = Membership::new(NodeId(0), 3, 0, config(DetectorKind::Fixed, 50));
        assert!(d.newly_suspected(40).is_empty());
        assert_eq!(d.newly_suspected(60), [NodeId(1), NodeId(2)]);
        assert!(d.newly_suspected(70).is_empty(), "already reported");
        d.heard(NodeId(1), 80);
        assert!(d.newly_suspected(90).is_empty());
        assert_eq!(d.newly_suspected(200), [NodeId(1)]);
    }

    #[test]
    fn suspects_silence_and_forgives_on_news() {
        let mut d = Membership::new(NodeId(0), 3, 100, config(DetectorKind::Fixed, 50));
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
