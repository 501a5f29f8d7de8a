//! Which links are cut, fault by fault. Each partition, isolation or one-way block is kept as
//! what it is (a group per node, or a pair of node sets) under the identity of the fault that
//! made it, so undoing one fault removes exactly its own cuts and never another's, however
//! faults overlap. A link is cut while any active fault cuts it.
//!
//! Memory grows with the number of active faults times the number of nodes, never with the
//! square of the nodes. Partition sides (the groups of nodes that can all reach each other)
//! are computed from the faults' structure when the cuts change: nodes that every active
//! fault treats alike form one class, and the strongly connected components of the graph of
//! classes give the sides. That graph is dense and implicit (an edge is "not cut"), so its
//! components are found by Tarjan's algorithm asking `is_cut` for edges as it goes, in time
//! quadratic in the classes and memory linear in them.

use crate::des::ids::{FaultId, NodeId};

/// The shape of one fault's cuts.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// Group number per node: links between different groups are cut, both ways.
    Groups(Vec<u32>),
    /// Links from every node marked in `from` to every node marked in `to` are cut.
    Block { from: Vec<bool>, to: Vec<bool> },
}

impl Shape {
    #[inline]
    fn cuts(&self, from: usize, to: usize) -> bool {
        match self {
            Shape::Groups(g) => g[from] != g[to],
            Shape::Block { from: f, to: t } => f[from] && t[to],
        }
    }

    /// A small number describing how this fault treats `node`: nodes with equal signatures
    /// under every fault are interchangeable.
    fn signature(&self, node: usize) -> u64 {
        match self {
            Shape::Groups(g) => u64::from(g[node]),
            Shape::Block { from, to } => u64::from(from[node]) | u64::from(to[node]) << 1,
        }
    }

    /// True when two distinct nodes with this signature are cut from each other.
    fn cuts_within(&self, signature: u64) -> bool {
        matches!(self, Shape::Block { .. } if signature == 3)
    }
}

/// The active cuts of a run.
#[derive(Clone, Debug, Default)]
pub struct Cuts {
    n: usize,
    active: Vec<(FaultId, Shape)>,
    /// The sides as of the last change, once asked for.
    sides: Option<Vec<Vec<NodeId>>>,
}

impl Cuts {
    /// No cuts among `n` nodes.
    pub fn new(n: usize) -> Cuts {
        Cuts {
            n,
            active: Vec::new(),
            sides: None,
        }
    }

    /// True if any fault's cuts are active.
    #[inline]
    pub fn any(&self) -> bool {
        !self.active.is_empty()
    }

    /// True if `from → to` is cut by any active fault.
    #[inline]
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        let (a, b) = (from.index(), to.index());
        a != b && self.active.iter().any(|(_, s)| s.cuts(a, b))
    }

    /// Fault `id` splits the nodes into `groups` (unlisted nodes form one more group): links
    /// between different groups are cut both ways.
    pub fn partition(&mut self, id: FaultId, groups: &[Vec<NodeId>]) {
        let rest = groups.len() as u32;
        let mut group = vec![rest; self.n];
        for (g, members) in groups.iter().enumerate() {
            for m in members {
                group[m.index()] = g as u32;
            }
        }
        self.active.push((id, Shape::Groups(group)));
        self.sides = None;
    }

    /// Fault `id` cuts every link between `side` and the other nodes, both ways.
    pub fn isolate(&mut self, id: FaultId, side: &[NodeId]) {
        self.partition(id, &[side.to_vec()]);
    }

    /// Fault `id` cuts `a → b` for every `a` in `from` and `b` in `to` (one direction).
    pub fn block(&mut self, id: FaultId, from: &[NodeId], to: &[NodeId]) {
        let mark = |nodes: &[NodeId]| {
            let mut v = vec![false; self.n];
            for x in nodes {
                v[x.index()] = true;
            }
            v
        };
        let shape = Shape::Block {
            from: mark(from),
            to: mark(to),
        };
        self.active.push((id, shape));
        self.sides = None;
    }

    /// Undoes fault `id`'s cuts only; true if it had any.
    pub fn remove(&mut self, id: FaultId) -> bool {
        let before = self.active.len();
        self.active.retain(|(f, _)| *f != id);
        let removed = self.active.len() != before;
        if removed {
            self.sides = None;
        }
        removed
    }

    /// Undoes every fault's cuts.
    pub fn clear(&mut self) {
        self.active.clear();
        self.sides = None;
    }

    /// Groups of nodes that can all reach each other both ways (the strongly connected
    /// components of the open links), each sorted, ordered by their smallest node. Computed
    /// once per change of the cuts.
    pub fn sides(&mut self) -> &[Vec<NodeId>] {
        if self.sides.is_none() {
            self.sides = Some(self.compute_sides());
        }
        self.sides.as_deref().unwrap_or_default()
    }

    fn compute_sides(&self) -> Vec<Vec<NodeId>> {
        // Classes: nodes with the same signature under every active fault.
        let mut order: Vec<usize> = (0..self.n).collect();
        let signature = |node: usize| -> Vec<u64> {
            self.active.iter().map(|(_, s)| s.signature(node)).collect()
        };
        let signatures: Vec<Vec<u64>> = (0..self.n).map(signature).collect();
        order.sort_by(|&a, &b| signatures[a].cmp(&signatures[b]).then(a.cmp(&b)));
        let mut classes: Vec<Vec<usize>> = Vec::new();
        for &node in &order {
            match classes.last_mut() {
                Some(c) if signatures[c[0]] == signatures[node] => c.push(node),
                _ => classes.push(vec![node]),
            }
        }
        let cut_within = |c: &[usize]| {
            c.len() > 1
                && self
                    .active
                    .iter()
                    .zip(&signatures[c[0]])
                    .any(|((_, s), &sig)| s.cuts_within(sig))
        };
        // The graph of classes: K → L when links from K's nodes to L's nodes are open.
        let open = |k: usize, l: usize| {
            !self.is_cut(NodeId(classes[k][0] as u32), NodeId(classes[l][0] as u32))
        };
        let mut sides: Vec<Vec<NodeId>> = Vec::new();
        for component in strongly_connected(classes.len(), open) {
            let members = |k: &usize| classes[*k].iter().map(|&x| NodeId(x as u32));
            match component[..] {
                // A class alone whose members are cut from each other: each is its own side.
                [k] if cut_within(&classes[k]) => {
                    sides.extend(members(&k).map(|x| vec![x]));
                }
                _ => {
                    let mut side: Vec<NodeId> = component.iter().flat_map(members).collect();
                    side.sort();
                    sides.push(side);
                }
            }
        }
        sides.sort();
        sides
    }
}

/// Tarjan's bookkeeping for [`strongly_connected`].
struct Tarjan {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    /// The depth-first path: each vertex with the next candidate successor to try.
    path: Vec<(usize, usize)>,
    next: usize,
}

const UNSEEN: usize = usize::MAX;

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = self.next;
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        self.path.push((v, 0));
    }
}

/// The strongly connected components of the graph on `0..n` whose edges `edge(v, w)` reports
/// (Tarjan's algorithm, iterative; each edge is asked about once).
fn strongly_connected(n: usize, edge: impl Fn(usize, usize) -> bool) -> Vec<Vec<usize>> {
    let mut t = Tarjan {
        index: vec![UNSEEN; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        path: Vec::new(),
        next: 0,
    };
    let mut components = Vec::new();
    for root in 0..n {
        if t.index[root] != UNSEEN {
            continue;
        }
        t.visit(root);
        while let Some(&(v, from)) = t.path.last() {
            if let Some(w) = (from..n).find(|&w| w != v && edge(v, w)) {
                t.path.last_mut().expect("on the path").1 = w + 1;
                if t.index[w] == UNSEEN {
                    t.visit(w);
                } else if t.on_stack[w] {
                    t.low[v] = t.low[v].min(t.index[w]);
                }
                continue;
            }
            t.path.pop();
            if let Some(&(u, _)) = t.path.last() {
                t.low[u] = t.low[u].min(t.low[v]);
            }
            if t.low[v] == t.index[v] {
                let mut component = Vec::new();
                while let Some(w) = t.stack.pop() {
                    t.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(v: &[u32]) -> Vec<NodeId> {
        v.iter().map(|&x| NodeId(x)).collect()
    }

    #[test]
    fn partitions_cut_across_groups_and_unlisted_nodes_form_a_group() {
        let mut c = Cuts::new(5);
        c.partition(FaultId(1), &[ids(&[0, 1]), ids(&[2])]);
        assert!(!c.is_cut(NodeId(0), NodeId(1)));
        assert!(c.is_cut(NodeId(0), NodeId(2)));
        assert!(c.is_cut(NodeId(2), NodeId(3)));
        assert!(!c.is_cut(NodeId(3), NodeId(4)));
        assert_eq!(c.sides(), vec![ids(&[0, 1]), ids(&[2]), ids(&[3, 4])]);
    }

    #[test]
    fn removing_one_fault_keeps_the_others() {
        let mut c = Cuts::new(3);
        c.isolate(FaultId(1), &ids(&[0]));
        c.isolate(FaultId(2), &ids(&[0]));
        assert!(c.remove(FaultId(1)));
        assert!(c.is_cut(NodeId(0), NodeId(1)), "fault 2 still isolates n1");
        assert!(!c.remove(FaultId(1)), "already removed");
        assert!(c.remove(FaultId(2)));
        assert!(!c.any());
    }

    #[test]
    fn blocks_are_one_way_and_overlapping_blocks_split_a_class() {
        let mut c = Cuts::new(3);
        c.block(FaultId(1), &ids(&[0]), &ids(&[1]));
        assert!(c.is_cut(NodeId(0), NodeId(1)));
        assert!(!c.is_cut(NodeId(1), NodeId(0)));
        // 0 → 1 cut, 1 → 0 open, but 0 → 2 → 1 keeps them in one side.
        assert_eq!(c.sides(), vec![ids(&[0, 1, 2])]);
        let mut all = Cuts::new(3);
        all.block(FaultId(1), &ids(&[0, 1, 2]), &ids(&[0, 1, 2]));
        assert_eq!(all.sides(), vec![ids(&[0]), ids(&[1]), ids(&[2])]);
    }

    /// Strongly connected components of the open links, by brute force (reachability).
    fn brute_sides(c: &Cuts) -> Vec<Vec<NodeId>> {
        let n = c.n;
        let mut reach = vec![vec![false; n]; n];
        for (a, row) in reach.iter_mut().enumerate() {
            for (b, r) in row.iter_mut().enumerate() {
                *r = a == b || !c.is_cut(NodeId(a as u32), NodeId(b as u32));
            }
        }
        for k in 0..n {
            let via = reach[k].clone();
            for row in reach.iter_mut() {
                if row[k] {
                    for (b, r) in row.iter_mut().enumerate() {
                        *r |= via[b];
                    }
                }
            }
        }
        let mut sides: Vec<Vec<NodeId>> = Vec::new();
        for (a, row) in reach.iter().enumerate() {
            if sides.iter().any(|s| s.contains(&NodeId(a as u32))) {
                continue;
            }
            sides.push(
                (0..n)
                    .filter(|&b| row[b] && reach[b][a])
                    .map(|b| NodeId(b as u32))
                    .collect(),
            );
        }
        sides.sort();
        sides
    }

    proptest! {
        #[test]
        fn cuts_agree_with_per_fault_link_sets_and_sides_with_brute_force(
            ops in proptest::collection::vec((0u8..5, 0u32..6, 0u32..6, 0u32..6), 0..30)
        ) {
            let n = 6;
            let mut cuts = Cuts::new(n);
            // The reference: per fault, the exact set of directed links it cut.
            let mut reference: Vec<(FaultId, Vec<(usize, usize)>)> = Vec::new();
            let set = |pred: &dyn Fn(usize, usize) -> bool| {
                let mut v = Vec::new();
                for a in 0..n {
                    for b in 0..n {
                        if a != b && pred(a, b) {
                            v.push((a, b));
                        }
                    }
                }
                v
            };
            for (step, (op, a, b, c)) in ops.into_iter().enumerate() {
                let id = FaultId(step as u64);
                let (a, b, c) = (a as usize, b as usize, c as usize);
                match op {
                    0 => {
                        cuts.isolate(id, &[NodeId(a as u32)]);
                        reference.push((id, set(&|x, y| (x == a) != (y == a))));
                    }
                    1 => {
                        cuts.block(id, &[NodeId(a as u32), NodeId(c as u32)], &[NodeId(b as u32)]);
                        reference.push((id, set(&|x, y| (x == a || x == c) && y == b)));
                    }
                    2 => {
                        let g = [vec![NodeId(a as u32), NodeId(b as u32)], vec![NodeId(c as u32)]];
                        cuts.partition(id, &g);
                        let group = |x: usize| {
                            if x == c { 1 } else if x == a || x == b { 0 } else { 2 }
                        };
                        reference.push((id, set(&|x, y| group(x) != group(y))));
                    }
                    3 if !reference.is_empty() => {
                        let (victim, _) = reference.remove(a % reference.len());
                        prop_assert!(cuts.remove(victim));
                    }
                    _ => {
                        cuts.clear();
                        reference.clear();
                    }
                }
                for x in 0..n {
                    for y in 0..n {
                        let want = reference.iter().any(|(_, v)| v.contains(&(x, y)));
                        prop_assert_eq!(cuts.is_cut(NodeId(x as u32), NodeId(y as u32)), want);
                    }
                }
                prop_assert_eq!(cuts.any(), !reference.is_empty());
                let brute = brute_sides(&cuts);
                prop_assert_eq!(cuts.sides(), brute.as_slice());
            }
        }
    }
}
