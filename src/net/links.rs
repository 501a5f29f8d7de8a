//! The runtime network: per-directed-link behaviour, cuts (partitions, isolations, one-way
//! blocks), temporary degradations, and each sender's random stream for network decisions.
//!
//! Two representations of reachability are kept on purpose: a dense matrix the hot path
//! reads, and a petgraph graph of open links that connectivity questions (partition sides,
//! the self-check that no message crosses a cut) use. Every change updates both.

use super::latency;
use crate::scenario::{LinkSpec, Network};
use crate::sim::ids::NodeId;
use crate::sim::rng::Stream;
use crate::sim::time::Nanos;
use petgraph::graphmap::DiGraphMap;

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

/// The live network state of a run.
pub struct Links {
    n: usize,
    specs: Vec<LinkSpec>,
    base: Vec<LinkSpec>,
    cut: Vec<bool>,
    cuts_active: usize,
    open: DiGraphMap<u32, ()>,
    streams: Vec<Stream>,
}

impl Links {
    /// Builds the network for `n` nodes from `[network]`, deriving one stream per sender.
    pub fn new(spec: &Network, names: &[String], seed: u64) -> Links {
        let n = names.len();
        let mut specs = vec![spec.default; n * n];
        for o in &spec.links {
            specs[o.from.index() * n + o.to.index()] = o.spec;
        }
        let mut open = DiGraphMap::with_capacity(n, n * n.saturating_sub(1));
        for a in 0..n as u32 {
            open.add_node(a);
        }
        for a in 0..n as u32 {
            for b in 0..n as u32 {
                if a != b {
                    open.add_edge(a, b, ());
                }
            }
        }
        let streams = names
            .iter()
            .map(|name| Stream::new(seed, &format!("net/{name}")))
            .collect();
        Links {
            n,
            base: specs.clone(),
            specs,
            cut: vec![false; n * n],
            cuts_active: 0,
            open,
            streams,
        }
    }

    /// Decides the fate of a message `from → to`, drawing from the sender's stream.
    #[inline]
    pub fn route(&mut self, from: NodeId, to: NodeId) -> Fate {
        let i = from.index() * self.n + to.index();
        if self.cut[i] {
            return Fate::Cut;
        }
        let spec = &self.specs[i];
        let rng = &mut self.streams[from.index()];
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

    /// True if `from → to` is currently cut (hot-path matrix).
    #[inline]
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut[from.index() * self.n + to.index()]
    }

    /// True if any cut exists (lets the delivery audit skip work when the network is whole).
    #[inline]
    pub fn any_cut(&self) -> bool {
        self.cuts_active > 0
    }

    /// The audit: is `from → to` open according to the graph (independent of the matrix)?
    pub fn graph_allows(&self, from: NodeId, to: NodeId) -> bool {
        self.open.contains_edge(from.0, to.0)
    }

    fn set_cut(&mut self, from: usize, to: usize, cut: bool) {
        if from == to {
            return;
        }
        let i = from * self.n + to;
        if self.cut[i] == cut {
            return;
        }
        self.cut[i] = cut;
        if cut {
            self.cuts_active += 1;
            self.open.remove_edge(from as u32, to as u32);
        } else {
            self.cuts_active -= 1;
            self.open.add_edge(from as u32, to as u32, ());
        }
    }

    /// Splits the nodes into `groups` (unlisted nodes form one more group): links between
    /// different groups are cut both ways. Adds to existing cuts.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        let mut group_of = vec![usize::MAX; self.n];
        for (g, members) in groups.iter().enumerate() {
            for m in members {
                group_of[m.index()] = g;
            }
        }
        for a in 0..self.n {
            for b in 0..self.n {
                if group_of[a] != group_of[b] {
                    self.set_cut(a, b, true);
                }
            }
        }
    }

    /// Cuts every link between `side` and the other nodes, both ways.
    pub fn isolate(&mut self, side: &[NodeId]) {
        let rest: Vec<NodeId> = (0..self.n as u32)
            .map(NodeId)
            .filter(|x| !side.contains(x))
            .collect();
        self.partition(&[side.to_vec(), rest]);
    }

    /// Cuts `from → to` for every pair (one direction only).
    pub fn block(&mut self, from: &[NodeId], to: &[NodeId]) {
        for a in from {
            for b in to {
                self.set_cut(a.index(), b.index(), true);
            }
        }
    }

    /// Removes every cut.
    pub fn heal(&mut self) {
        for a in 0..self.n {
            for b in 0..self.n {
                self.set_cut(a, b, false);
            }
        }
    }

    /// Replaces the behaviour of `from → to` (a degradation) until [`Links::restore`].
    pub fn degrade(&mut self, from: NodeId, to: NodeId, spec: LinkSpec) {
        if from != to {
            self.specs[from.index() * self.n + to.index()] = spec;
        }
    }

    /// Restores `from → to` to its configured behaviour.
    pub fn restore(&mut self, from: NodeId, to: NodeId) {
        let i = from.index() * self.n + to.index();
        self.specs[i] = self.base[i];
    }

    /// Restores every link to its configured behaviour.
    pub fn restore_all(&mut self) {
        self.specs.copy_from_slice(&self.base);
    }

    /// Groups of nodes that can all reach each other both ways (strongly connected
    /// components of the open-link graph), each sorted, ordered by their smallest node.
    pub fn sides(&self) -> Vec<Vec<NodeId>> {
        let mut comps: Vec<Vec<NodeId>> = petgraph::algo::kosaraju_scc(&self.open)
            .into_iter()
            .map(|c| {
                let mut v: Vec<NodeId> = c.into_iter().map(NodeId).collect();
                v.sort();
                v
            })
            .collect();
        comps.sort();
        comps
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Latency;
    use crate::sim::rng::Probability;
    use proptest::prelude::*;

    fn net(n: usize) -> Links {
        let spec = LinkSpec {
            latency: Latency::Constant(5),
            loss: Probability::ZERO,
            duplicate: Probability::ZERO,
            reorder: Probability::ZERO,
            reorder_delay: 0,
        };
        let names: Vec<String> = (1..=n).map(|i| format!("n{i}")).collect();
        Links::new(
            &Network {
                default: spec,
                links: vec![],
                client_latency: Latency::Constant(1),
            },
            &names,
            1,
        )
    }

    #[test]
    fn partition_cuts_across_groups_only() {
        let mut l = net(5);
        l.partition(&[vec![NodeId(0), NodeId(1)], vec![NodeId(2)]]);
        assert!(!l.is_cut(NodeId(0), NodeId(1)));
        assert!(l.is_cut(NodeId(0), NodeId(2)));
        assert!(l.is_cut(NodeId(2), NodeId(3)));
        assert!(
            !l.is_cut(NodeId(3), NodeId(4)),
            "unlisted nodes form one group"
        );
        assert_eq!(
            l.sides(),
            vec![
                vec![NodeId(0), NodeId(1)],
                vec![NodeId(2)],
                vec![NodeId(3), NodeId(4)]
            ]
        );
        assert_eq!(l.route(NodeId(0), NodeId(2)), Fate::Cut);
        l.heal();
        assert!(!l.any_cut());
        assert_eq!(
            l.route(NodeId(0), NodeId(2)),
            Fate::Deliver {
                delay: 5,
                dup_delay: None
            }
        );
    }

    #[test]
    fn block_is_one_way() {
        let mut l = net(3);
        l.block(&[NodeId(0)], &[NodeId(1)]);
        assert!(l.is_cut(NodeId(0), NodeId(1)));
        assert!(!l.is_cut(NodeId(1), NodeId(0)));
    }

    proptest! {
        #[test]
        fn matrix_and_graph_always_agree(ops in proptest::collection::vec((0u8..4, 0u32..6, 0u32..6), 0..40)) {
            let mut l = net(6);
            for (op, a, b) in ops {
                match op {
                    0 => l.isolate(&[NodeId(a)]),
                    1 => l.block(&[NodeId(a)], &[NodeId(b)]),
                    2 => l.partition(&[vec![NodeId(a), NodeId(b)]]),
                    _ => l.heal(),
                }
                for x in 0..6 {
                    for y in 0..6 {
                        if x != y {
                            prop_assert_eq!(l.is_cut(NodeId(x), NodeId(y)), !l.graph_allows(NodeId(x), NodeId(y)));
                        }
                    }
                }
                // Partitions are symmetric unless a one-way block was used.
                let cuts = (0..36).filter(|i| l.cut[*i]).count();
                prop_assert_eq!(cuts, l.cuts_active);
            }
        }
    }
}
