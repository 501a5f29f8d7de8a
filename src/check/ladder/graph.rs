//! Directed graphs over operations, given as edge lists: a topological order or a cycle, and
//! vector clocks (for each operation, how much of each session precedes it).

/// A topological order of nodes `0..n` under `edges`, or one cycle (its nodes in order, each
/// with an edge to the next and the last to the first).
pub(crate) fn topo(n: usize, edges: &[(u32, u32)]) -> Result<Vec<u32>, Vec<u32>> {
    let (start, targets) = adjacency(n, edges);
    let mut indegree = vec![0u32; n];
    for &(_, b) in edges {
        indegree[b as usize] += 1;
    }
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&v| indegree[v as usize] == 0)
        .collect();
    let mut i = 0;
    while i < order.len() {
        let v = order[i] as usize;
        for &w in &targets[start[v]..start[v + 1]] {
            indegree[w as usize] -= 1;
            if indegree[w as usize] == 0 {
                order.push(w);
            }
        }
        i += 1;
    }
    if order.len() == n {
        return Ok(order);
    }
    Err(find_cycle(n, &start, &targets, &indegree))
}

/// Edges as compressed adjacency lists: node `v`'s targets are `targets[start[v]..start[v+1]]`.
fn adjacency(n: usize, edges: &[(u32, u32)]) -> (Vec<usize>, Vec<u32>) {
    let mut start = vec![0usize; n + 1];
    for &(a, _) in edges {
        start[a as usize + 1] += 1;
    }
    for v in 0..n {
        start[v + 1] += start[v];
    }
    let mut fill = start.clone();
    let mut targets = vec![0u32; edges.len()];
    for &(a, b) in edges {
        targets[fill[a as usize]] = b;
        fill[a as usize] += 1;
    }
    (start, targets)
}

/// A cycle among the nodes Kahn's algorithm could not order (those with `indegree > 0`):
/// every such node has a predecessor among them, so walking forward along edges that stay
/// among them must revisit a node.
fn find_cycle(n: usize, start: &[usize], targets: &[u32], indegree: &[u32]) -> Vec<u32> {
    let stuck = |v: usize| indegree[v] > 0;
    // Forward edges may leave the stuck set only towards nodes that were ordered... they
    // cannot: an edge from a stuck node can reach an ordered node only if that node became
    // free, which needs all its predecessors ordered. So follow edges into stuck nodes, which
    // exist unless the node is a dead end; search depth-first for a back edge.
    let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    for root in (0..n).filter(|&v| stuck(v)) {
        if color[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, start[root])];
        color[root] = 1;
        while let Some(&mut (v, ref mut next)) = stack.last_mut() {
            if *next == start[v + 1] {
                color[v] = 2;
                stack.pop();
                continue;
            }
            let w = targets[*next] as usize;
            *next += 1;
            if !stuck(w) {
                continue;
            }
            match color[w] {
                0 => {
                    color[w] = 1;
                    stack.push((w, start[w]));
                }
                1 => {
                    let from = stack.iter().position(|&(u, _)| u == w).unwrap_or(0);
                    return stack[from..].iter().map(|&(u, _)| u as u32).collect();
                }
                _ => {}
            }
        }
    }
    Vec::new()
}

/// Vector clocks along `order` (a topological order of `edges`): `clock(v)[t]` is how many of
/// session `t`'s operations precede `v` or are `v` (sessions' operations are numbered by
/// `pos`, and each session's order must be among the edges). Stored flat, `sessions` per node.
pub(crate) fn vector_clocks(
    order: &[u32],
    edges: &[(u32, u32)],
    sessions: usize,
    session_of: impl Fn(u32) -> (u32, u32),
) -> Vec<u32> {
    let n = order.len();
    let mut reversed: Vec<(u32, u32)> = edges.iter().map(|&(a, b)| (b, a)).collect();
    reversed.sort_unstable();
    let (start, preds) = adjacency(n, &reversed);
    let mut clocks = vec![0u32; n * sessions];
    for &v in order {
        let v = v as usize;
        for &p in &preds[start[v]..start[v + 1]] {
            let p = p as usize;
            for t in 0..sessions {
                let c = clocks[p * sessions + t];
                if c > clocks[v * sessions + t] {
                    clocks[v * sessions + t] = c;
                }
            }
        }
        let (s, pos) = session_of(v as u32);
        let own = &mut clocks[v * sessions + s as usize];
        *own = (*own).max(pos + 1);
    }
    clocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_a_dag_and_finds_a_cycle() {
        assert_eq!(topo(3, &[(0, 1), (1, 2)]), Ok(vec![0, 1, 2]));
        let cycle = topo(4, &[(0, 1), (1, 2), (2, 3), (3, 1)]).unwrap_err();
        let mut sorted = cycle.clone();
        sorted.sort();
        assert_eq!(sorted, vec![1, 2, 3]);
        let edges = [(0, 1), (1, 2), (2, 3), (3, 1)];
        for i in 0..cycle.len() {
            let e = (cycle[i], cycle[(i + 1) % cycle.len()]);
            assert!(edges.contains(&e), "{e:?} is not an edge");
        }
    }

    #[test]
    fn clocks_count_each_sessions_predecessors() {
        // Session 0: ops 0, 1; session 1: ops 2, 3; op 1 -> op 3.
        let edges = [(0, 1), (2, 3), (1, 3)];
        let order = topo(4, &edges).unwrap();
        let c = vector_clocks(&order, &edges, 2, |v| (v / 2, v % 2));
        assert_eq!(&c[6..8], &[2, 2]);
        assert_eq!(&c[4..6], &[0, 1]);
    }
}
