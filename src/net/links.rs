//! The runtime network: per-directed-link behaviour (the configured default, per-link
//! overrides, and temporary degradations), the cuts made by faults, and each sender's random
//! stream for network decisions.
//!
//! State is sparse: the default behaviour once, overrides and degradations only for the
//! links they name, cuts per fault (module `cuts`). Memory grows with what the scenario asks
//! for, never with the square of the node count. Every degradation and cut carries the
//! identity of the fault that made it, so undoing a fault removes only its own effect.

use super::cuts::Cuts;
use super::latency;
use crate::des::ids::{FaultId, NodeId};
use crate::des::rng::{Probability, Stream};
use crate::des::time::Nanos;
use crate::scenario::{LinkSpec, Network};

/// What the network decided for one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Deliver after `delay`, and a duplicate after `dup_delay` if set.
    Deliver {
        /// Delay of the message.
        delay: Nanos,
        /// Delay of a duplicate copy, if the network duplicated it.
        dup_delay: Option<Nanos>,
    },
    /// Lost to random loss.
    Lost,
    /// The link is cut.
    Cut,
}

/// A link degraded by a fault until that fault is undone.
#[derive(Clone, Copy, Debug)]
struct Degraded {
    id: FaultId,
    to: u32,
    spec: LinkSpec,
}

/// The live network state of a run.
pub struct Links {
    default: LinkSpec,
    /// Per sender: configured overrides `(to, spec)`, sorted by `to`.
    overrides: Vec<Vec<(u32, LinkSpec)>>,
    /// Per sender: active degradations, oldest first (the newest wins).
    degraded: Vec<Vec<Degraded>>,
    /// Per sender: true when it has any override or degradation (the hot path's shortcut).
    special: Vec<bool>,
    cuts: Cuts,
    streams: Vec<Stream>,
}

impl Links {
    /// Builds the network for the nodes `names` from `[network]`, deriving one stream per
    /// sender.
    pub fn new(spec: &Network, names: &[String], seed: u64) -> Links {
        let n = names.len();
        let mut overrides: Vec<Vec<(u32, LinkSpec)>> = vec![Vec::new(); n];
        for o in &spec.links {
            overrides[o.from.index()].push((o.to.0, o.spec));
        }
        for list in &mut overrides {
            list.sort_by_key(|(to, _)| *to);
        }
        let special = overrides.iter().map(|l| !l.is_empty()).collect();
        let streams = names
            .iter()
            .map(|name| Stream::new(seed, &format!("net/{name}")))
            .collect();
        Links {
            default: spec.default,
            overrides,
            degraded: vec![Vec::new(); n],
            special,
            cuts: Cuts::new(n),
            streams,
        }
    }

    /// The behaviour of `from → to` now: the newest active degradation, else the configured
    /// override, else the default.
    #[inline]
    pub fn spec(&self, from: NodeId, to: NodeId) -> &LinkSpec {
        let i = from.index();
        if !self.special[i] {
            return &self.default;
        }
        special_spec(&self.default, &self.overrides[i], &self.degraded[i], to)
    }

    /// Decides the fate of a message `from → to`, drawing from the sender's stream.
    #[inline(always)]
    pub fn route(&mut self, from: NodeId, to: NodeId) -> Fate {
        if self.cuts.any() && self.cuts.is_cut(from, to) {
            return Fate::Cut;
        }
        let i = from.index();
        let spec = if self.special[i] {
            special_spec(&self.default, &self.overrides[i], &self.degraded[i], to)
        } else {
            &self.default
        };
        let rng = &mut self.streams[from.index()];
        if Probability::all_zero([spec.loss, spec.reorder, spec.duplicate]) {
            // A faultless link (PHOLD's, most scenarios' default): only the delay is drawn.
            return Fate::Deliver {
                delay: latency::sample(&spec.latency, rng),
                dup_delay: None,
            };
        }
        if rng.chance(spec.loss) {
            return Fate::Lost;
        }
        let mut delay = latency::sample(&spec.latency, rng);
        if rng.chance(spec.reorder) {
            delay += spec.reorder_delay;
        }
        let dup_delay = if rng.chance(spec.duplicate) {
            Some(latency::sample(&spec.latency, rng))
        } else {
            None
        };
        Fate::Deliver { delay, dup_delay }
    }

    /// True if `from → to` is currently cut.
    #[inline]
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cuts.any() && self.cuts.is_cut(from, to)
    }

    /// True if any fault's cuts are active.
    #[inline]
    pub fn any_cut(&self) -> bool {
        self.cuts.any()
    }

    /// The cuts, for faults to add to and undo.
    pub fn cuts_mut(&mut self) -> &mut Cuts {
        &mut self.cuts
    }

    /// Groups of nodes that can all reach each other both ways, each sorted, ordered by their
    /// smallest node (computed once per change of the cuts).
    pub fn sides(&mut self) -> &[Vec<NodeId>] {
        self.cuts.sides()
    }

    /// Fault `id` replaces the behaviour of `from → to` until [`Links::restore`]`(id)`.
    pub fn degrade(&mut self, id: FaultId, from: NodeId, to: NodeId, spec: LinkSpec) {
        if from == to {
            return;
        }
        let i = from.index();
        self.degraded[i].push(Degraded { id, to: to.0, spec });
        self.special[i] = true;
    }

    /// Undoes fault `id`'s degradations only.
    pub fn restore(&mut self, id: FaultId) {
        for (i, list) in self.degraded.iter_mut().enumerate() {
            if list.is_empty() {
                continue;
            }
            list.retain(|d| d.id != id);
            self.special[i] = !list.is_empty() || !self.overrides[i].is_empty();
        }
    }

    /// Undoes every degradation and every cut.
    pub fn restore_all(&mut self) {
        for (i, list) in self.degraded.iter_mut().enumerate() {
            list.clear();
            self.special[i] = !self.overrides[i].is_empty();
        }
        self.cuts.clear();
    }
}

/// The behaviour of a link from a sender with overrides or degradations (its lists).
fn special_spec<'a>(
    default: &'a LinkSpec,
    overrides: &'a [(u32, LinkSpec)],
    degraded: &'a [Degraded],
    to: NodeId,
) -> &'a LinkSpec {
    if let Some(d) = degraded.iter().rev().find(|d| d.to == to.0) {
        return &d.spec;
    }
    match overrides.binary_search_by_key(&to.0, |(t, _)| *t) {
        Ok(k) => &overrides[k].1,
        Err(_) => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::rng::Probability;
    use crate::scenario::{Latency, LinkOverride};

    fn spec(ms: u64) -> LinkSpec {
        LinkSpec {
            latency: Latency::Constant(ms),
            loss: Probability::ZERO,
            duplicate: Probability::ZERO,
            reorder: Probability::ZERO,
            reorder_delay: 0,
        }
    }

    fn net(n: usize, links: Vec<LinkOverride>) -> Links {
        let names: Vec<String> = (1..=n).map(|i| format!("n{i}")).collect();
        let network = Network {
            default: spec(5),
            links,
            client_latency: Latency::Constant(1),
        };
        Links::new(&network, &names, 1)
    }

    fn delay(l: &mut Links, a: u32, b: u32) -> Option<Nanos> {
        match l.route(NodeId(a), NodeId(b)) {
            Fate::Deliver { delay, .. } => Some(delay),
            _ => None,
        }
    }

    #[test]
    fn overrides_apply_to_their_direction_only() {
        let o = LinkOverride {
            from: NodeId(0),
            to: NodeId(2),
            spec: spec(9),
        };
        let mut l = net(3, vec![o]);
        assert_eq!(delay(&mut l, 0, 2), Some(9));
        assert_eq!(delay(&mut l, 2, 0), Some(5));
        assert_eq!(delay(&mut l, 0, 1), Some(5));
    }

    #[test]
    fn overlapping_degradations_each_undo_only_their_own() {
        let mut l = net(3, vec![]);
        l.degrade(FaultId(1), NodeId(0), NodeId(1), spec(50));
        l.degrade(FaultId(2), NodeId(0), NodeId(1), spec(70));
        assert_eq!(delay(&mut l, 0, 1), Some(70), "the newest wins");
        l.restore(FaultId(2));
        assert_eq!(delay(&mut l, 0, 1), Some(50), "fault 1 is still active");
        l.degrade(FaultId(3), NodeId(0), NodeId(1), spec(90));
        l.restore(FaultId(1));
        assert_eq!(
            delay(&mut l, 0, 1),
            Some(90),
            "restoring fault 1 keeps fault 3"
        );
        l.restore(FaultId(3));
        assert_eq!(delay(&mut l, 0, 1), Some(5));
    }

    #[test]
    fn cuts_route_to_cut_until_their_fault_is_undone() {
        let mut l = net(3, vec![]);
        l.cuts_mut().isolate(FaultId(4), &[NodeId(2)]);
        assert_eq!(l.route(NodeId(0), NodeId(2)), Fate::Cut);
        assert!(l.is_cut(NodeId(2), NodeId(1)));
        l.cuts_mut().remove(FaultId(4));
        assert!(!l.any_cut());
        assert_eq!(delay(&mut l, 0, 2), Some(5));
    }

    #[test]
    fn a_large_cluster_costs_memory_per_node_not_per_link() {
        // 10,000 nodes: a dense link matrix would hold 10^8 entries.
        let mut l = net(10_000, vec![]);
        l.cuts_mut().isolate(FaultId(1), &[NodeId(17)]);
        assert!(l.is_cut(NodeId(17), NodeId(9_999)));
        assert_eq!(l.sides().len(), 2);
    }
}
