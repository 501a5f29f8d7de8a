//! The transaction dependency graph (Adya): typed edges between transactions — write-write
//! (`ww`), write-read (`wr`), read-write anti-dependencies (`rw`), and the real-time order strict
//! serializability adds (`realtime`: one transaction completed before the other began) — and the search for cycles of each anomaly class in its strongly
//! connected components (petgraph's Tarjan), breadth-first so that each cycle found is a
//! short one.

use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{HashMap, VecDeque};

/// A kind of dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Rel {
    /// `a` wrote a version of a key and `b` wrote the next one.
    Ww,
    /// `b` read a version `a` wrote.
    Wr,
    /// `a` read a version and `b` wrote the next one (an anti-dependency).
    Rw,
    /// `a` completed before `b` began.
    Realtime,
}

impl Rel {
    fn bit(self) -> u8 {
        1 << self as u8
    }

    /// Its short name: `ww`, `wr`, `rw`, `realtime`.
    pub fn name(self) -> &'static str {
        match self {
            Rel::Ww => "ww",
            Rel::Wr => "wr",
            Rel::Rw => "rw",
            Rel::Realtime => "realtime",
        }
    }
}

/// A set of dependency kinds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Rels(u8);

impl Rels {
    /// The set of `rels`.
    pub fn of(rels: &[Rel]) -> Rels {
        Rels(rels.iter().fold(0, |m, r| m | r.bit()))
    }
    fn has(self, r: Rel) -> bool {
        self.0 & r.bit() != 0
    }
}

/// Why an edge exists: the key and, when there is one, the value involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Why {
    /// The key (interned).
    pub key: u32,
    /// The value or element (interned), if one.
    pub value: Option<u32>,
}

/// One step of a cycle: `from` has dependency `rel` on... `to`, because of `why`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    /// The transaction the edge leaves.
    pub from: u32,
    /// The kind.
    pub rel: Rel,
    /// The transaction it reaches.
    pub to: u32,
    /// The key and value behind it (`None` for realtime edges).
    pub why: Option<Why>,
}

/// The dependency graph over transactions `0..n`.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    out: Vec<Vec<(u32, Rel)>>,
    why: HashMap<(u32, u32, Rel), Why>,
    /// Edges of each kind (for reports).
    pub counts: [usize; 4],
}

/// How much searching a check may do before it gives up (`unknown`).
pub(crate) struct Budget {
    /// Breadth-first node visits left.
    pub visits: u64,
}

impl Graph {
    /// A graph of `n` transactions and no edges.
    pub fn new(n: usize) -> Graph {
        Graph {
            out: vec![Vec::new(); n],
            ..Graph::default()
        }
    }

    /// The number of transactions.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Adds `a → b` of kind `rel` (self-edges are dropped; a repeated edge is kept once).
    pub fn add(&mut self, a: u32, b: u32, rel: Rel, why: Option<Why>) {
        if a == b {
            return;
        }
        let slot = &mut self.out[a as usize];
        if slot.contains(&(b, rel)) {
            return;
        }
        slot.push((b, rel));
        self.counts[rel as usize] += 1;
        if let Some(w) = why {
            self.why.insert((a, b, rel), w);
        }
    }

    /// Whether there is any edge of the data kinds (`ww`, `wr`, `rw`).
    pub fn has_data_edges(&self) -> bool {
        self.counts[..3].iter().any(|&c| c > 0)
    }

    /// The strongly connected components with more than one transaction, using edges of
    /// `rels`.
    pub fn components(&self, rels: Rels) -> Vec<Vec<u32>> {
        let g = self.petgraph(rels);
        let mut comps: Vec<Vec<u32>> = petgraph::algo::tarjan_scc(&g)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|c| {
                let mut v: Vec<u32> = c.into_iter().map(|n| n.index() as u32).collect();
                v.sort_unstable();
                v
            })
            .collect();
        comps.sort();
        comps
    }

    /// For each transaction, the topological position of its strongly connected component
    /// over edges of `rels` (0 for a source): a path `b ⇝ a` over those edges exists only if
    /// `topo[b] <= topo[a]`.
    pub fn topo(&self, rels: Rels) -> Vec<u32> {
        let g = self.petgraph(rels);
        let sccs = petgraph::algo::tarjan_scc(&g);
        let n = sccs.len() as u32;
        let mut topo = vec![0; self.len()];
        // tarjan_scc gives the components in reverse topological order.
        for (i, c) in sccs.iter().enumerate() {
            for v in c {
                topo[v.index()] = n - 1 - i as u32;
            }
        }
        topo
    }

    fn petgraph(&self, rels: Rels) -> DiGraph<(), ()> {
        let mut g: DiGraph<(), ()> = DiGraph::with_capacity(self.len(), 0);
        for _ in 0..self.len() {
            g.add_node(());
        }
        for (a, edges) in self.out.iter().enumerate() {
            for &(b, rel) in edges {
                if rels.has(rel) {
                    g.add_edge(NodeIndex::new(a), NodeIndex::new(b as usize), ());
                }
            }
        }
        g
    }

    /// The edges of kind `rel` inside `component` (a sorted list of transactions).
    pub fn edges_in(&self, component: &[u32], rel: Rel) -> Vec<(u32, u32)> {
        let mut out = Vec::new();
        for &a in component {
            for &(b, r) in &self.out[a as usize] {
                if r == rel && component.binary_search(&b).is_ok() {
                    out.push((a, b));
                }
            }
        }
        out
    }

    /// A shortest path from `from` to `to` inside `component`, over edges the automaton
    /// `step(state, rel) -> Some(next state)` allows, starting in state `start` and ending
    /// in a state `accept` approves. `None` when there is none, or the budget ran out.
    pub fn path(
        &self,
        component: &[u32],
        (from, start): (u32, u8),
        to: u32,
        step: impl Fn(u8, Rel) -> Option<u8>,
        accept: impl Fn(u8) -> bool,
        budget: &mut Budget,
    ) -> Option<Vec<Step>> {
        let mut parent: HashMap<(u32, u8), (u32, u8, Rel)> = HashMap::new();
        let mut queue = VecDeque::from([(from, start)]);
        parent.insert((from, start), (u32::MAX, 0, Rel::Ww));
        while let Some((node, state)) = queue.pop_front() {
            if budget.visits == 0 {
                return None;
            }
            budget.visits -= 1;
            for &(next, rel) in &self.out[node as usize] {
                if component.binary_search(&next).is_err() {
                    continue;
                }
                let Some(s) = step(state, rel) else { continue };
                if parent.contains_key(&(next, s)) {
                    continue;
                }
                if next == to {
                    if accept(s) {
                        parent.insert((next, s), (node, state, rel));
                        return Some(self.unwind(&parent, (next, s)));
                    }
                    // A path that passes through its end is not a simple cycle.
                    continue;
                }
                if next == from {
                    continue;
                }
                parent.insert((next, s), (node, state, rel));
                queue.push_back((next, s));
            }
        }
        None
    }

    fn unwind(&self, parent: &HashMap<(u32, u8), (u32, u8, Rel)>, mut at: (u32, u8)) -> Vec<Step> {
        let mut steps = Vec::new();
        while let Some(&(prev, s, rel)) = parent.get(&at) {
            if prev == u32::MAX {
                break;
            }
            steps.push(self.step(prev, rel, at.0));
            at = (prev, s);
        }
        steps.reverse();
        steps
    }

    /// The step `a → b` of kind `rel`, with its reason.
    pub fn step(&self, a: u32, rel: Rel, b: u32) -> Step {
        Step {
            from: a,
            rel,
            to: b,
            why: self.why.get(&(a, b, rel)).copied(),
        }
    }
}

/// The real-time order between the transactions whose `(begin, end)` positions are given
/// (`end` `None`: never completed), as pairs of indices into `spans`: `(a, b)` when `a`
/// ended before `b` began, reduced the way Elle does: each transaction gets pairs only from
/// the completed transactions no other such pair already leads past.
pub(crate) fn realtime_order(spans: &[(usize, Option<usize>)]) -> Vec<(u32, u32)> {
    // At one position a beginning sorts first: a completion-only history's operation
    // begins just before whatever is recorded at its position.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Event {
        Begin(u32),
        End(u32),
    }
    let mut events: Vec<(usize, Event)> = Vec::with_capacity(2 * spans.len());
    for (i, &(begin, end)) in spans.iter().enumerate() {
        events.push((begin, Event::Begin(i as u32)));
        if let Some(e) = end {
            events.push((e, Event::End(i as u32)));
        }
    }
    events.sort();
    // Completed transactions nothing later has superseded yet.
    let mut frontier: Vec<u32> = Vec::new();
    let mut preds: Vec<Vec<u32>> = vec![Vec::new(); spans.len()];
    let mut pairs = Vec::new();
    for (_, e) in events {
        match e {
            Event::Begin(t) => {
                preds[t as usize] = frontier.clone();
                pairs.extend(frontier.iter().map(|&p| (p, t)));
            }
            Event::End(t) => {
                let covered = std::mem::take(&mut preds[t as usize]);
                frontier.retain(|p| !covered.contains(p));
                frontier.push(t);
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realtime_edges_are_a_reduction_of_the_order() {
        // 0 [0,1], 1 [2,3], 2 [4,5], 3 [2,9]: 0→1→2, 0→3, and no 0→2 (covered by 1).
        let mut edges = realtime_order(&[(0, Some(1)), (2, Some(3)), (4, Some(5)), (2, None)]);
        edges.sort();
        assert_eq!(edges, vec![(0, 1), (0, 3), (1, 2)]);
    }

    #[test]
    fn components_and_constrained_paths() {
        let mut g = Graph::new(4);
        g.add(0, 1, Rel::Ww, None);
        g.add(1, 2, Rel::Rw, None);
        g.add(2, 0, Rel::Wr, None);
        g.add(2, 3, Rel::Ww, None);
        assert_eq!(
            g.components(Rels::of(&[Rel::Ww, Rel::Wr, Rel::Rw])),
            vec![vec![0, 1, 2]]
        );
        assert!(g.components(Rels::of(&[Rel::Ww, Rel::Wr])).is_empty());
        let comp = [0, 1, 2];
        let mut budget = Budget { visits: 100 };
        // From 2 back to 1 without another rw: 2 -wr-> 0 -ww-> 1.
        let no_rw = |s: u8, r: Rel| (r != Rel::Rw).then_some(s);
        let p = g
            .path(&comp, (2, 0), 1, no_rw, |_| true, &mut budget)
            .unwrap();
        let rels: Vec<Rel> = p.iter().map(|s| s.rel).collect();
        assert_eq!(rels, vec![Rel::Wr, Rel::Ww]);
        assert!(g
            .path(
                &comp,
                (0, 0),
                2,
                |s, r| (r == Rel::Ww).then_some(s),
                |_| true,
                &mut budget
            )
            .is_none());
    }
}
