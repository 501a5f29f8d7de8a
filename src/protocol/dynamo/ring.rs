//! The consistent-hashing ring of `dynamo` (DeCandia et al. 2007, §4.2): every node owns
//! `vnodes` tokens at fixed positions (a pinned hash of the node's index and the token's
//! number), a key sits at the hash of its number, and the key's **preference list** is the
//! first `n` distinct nodes met walking clockwise from it. Owns placement only: which node is
//! up is the failure detector's business (`detector.rs`); skipping suspected nodes is
//! [`Ring::healthy_targets`], given a predicate.

use crate::des::ids::NodeId;
use crate::des::rng::mix64;
use crate::ops::Key;

/// Where a key sits on the ring.
pub fn key_position(key: Key) -> u64 {
    mix64(key ^ 0x6b65_795f_7269_6e67)
}

/// Where token `i` of node `node` sits on the ring.
pub fn token_position(node: NodeId, i: u32) -> u64 {
    mix64(mix64(u64::from(node.0) ^ 0x6e6f_6465) ^ u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The ring: every token, sorted by position (ties by node).
#[derive(Clone, Debug)]
pub struct Ring {
    tokens: Vec<(u64, NodeId)>,
    nodes: usize,
}

impl Ring {
    /// The ring of `members`, each with `vnodes` tokens.
    pub fn new(members: &[NodeId], vnodes: u32) -> Ring {
        let mut tokens: Vec<(u64, NodeId)> = members
            .iter()
            .flat_map(|&m| (0..vnodes.max(1)).map(move |i| (token_position(m, i), m)))
            .collect();
        tokens.sort_unstable();
        Ring {
            tokens,
            nodes: members.len(),
        }
    }

    /// Every node, in the order met walking clockwise from `key` (each once).
    pub fn walk(&self, key: Key) -> Vec<NodeId> {
        let pos = key_position(key);
        let start = self.tokens.partition_point(|&(p, _)| p < pos);
        let mut order: Vec<NodeId> = Vec::with_capacity(self.nodes);
        let len = self.tokens.len();
        for k in 0..len {
            let node = self.tokens[(start + k) % len].1;
            if !order.contains(&node) {
                order.push(node);
                if order.len() == self.nodes {
                    break;
                }
            }
        }
        order
    }

    /// The preference list of `key`: its first `n` distinct nodes clockwise.
    pub fn preference_list(&self, key: Key, n: usize) -> Vec<NodeId> {
        let mut walk = self.walk(key);
        walk.truncate(n);
        walk
    }
}

/// The nodes a sloppy quorum uses for a key whose ring walk is `walk`: each of the first `n`
/// (the preference list) that `healthy` accepts, and for each one it refuses the next healthy
/// node past the preference list, carrying a hint naming the node it stands in for. Fewer
/// than `n` when too few nodes are healthy.
pub fn healthy_targets(
    walk: &[NodeId],
    n: usize,
    healthy: impl Fn(NodeId) -> bool,
) -> Vec<(NodeId, Option<NodeId>)> {
    let n = n.min(walk.len());
    let mut spares = walk[n..].iter().copied().filter(|&m| healthy(m));
    let mut targets = Vec::with_capacity(n);
    for &owner in &walk[..n] {
        if healthy(owner) {
            targets.push((owner, None));
        } else if let Some(spare) = spares.next() {
            targets.push((spare, Some(owner)));
        }
    }
    targets
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(k: u32) -> Vec<NodeId> {
        (0..k).map(NodeId).collect()
    }

    #[test]
    fn preference_lists_are_distinct_nodes_and_stable() {
        for vnodes in [1, 4, 8, 64] {
            let ring = Ring::new(&members(5), vnodes);
            for key in 0..200 {
                let pref = ring.preference_list(key, 3);
                assert_eq!(pref.len(), 3);
                let mut sorted = pref.clone();
                sorted.sort();
                sorted.dedup();
                assert_eq!(sorted.len(), 3, "distinct nodes for key {key}");
                // The same ring built again gives the same lists, and a longer list extends
                // a shorter one.
                assert_eq!(Ring::new(&members(5), vnodes).preference_list(key, 3), pref);
                assert_eq!(ring.preference_list(key, 5)[..3], pref[..]);
                assert_eq!(ring.walk(key).len(), 5);
            }
        }
    }

    #[test]
    fn pinned_positions_and_placement() {
        // Golden values: changing the hash moves every key (and every scenario's run).
        assert_eq!(key_position(0), mix64(0x6b65_795f_7269_6e67));
        let ring = Ring::new(&members(5), 8);
        let lists: Vec<Vec<u32>> = (0..4)
            .map(|k| ring.preference_list(k, 3).iter().map(|m| m.0).collect())
            .collect();
        assert_eq!(lists, [[0, 4, 2], [1, 3, 4], [0, 4, 3], [1, 3, 0]]);
        assert_eq!(token_position(NodeId(1), 2), 5_374_408_369_256_323_903);
    }

    #[test]
    fn adding_a_node_moves_only_some_keys() {
        let small = Ring::new(&members(5), 16);
        let big = Ring::new(&members(6), 16);
        let moved = (0..1000)
            .filter(|&k| small.preference_list(k, 1) != big.preference_list(k, 1))
            .count();
        // About a sixth of the keys move to the new node; none move between old nodes.
        assert!(moved > 50 && moved < 400, "{moved} keys moved");
        for k in 0..1000 {
            let b = big.preference_list(k, 1)[0];
            if b != NodeId(5) {
                assert_eq!(small.preference_list(k, 1)[0], b);
            }
        }
    }

    #[test]
    fn sloppy_targets_skip_failed_nodes() {
        let walk = members(5);
        let all = healthy_targets(&walk, 3, |_| true);
        assert_eq!(
            all,
            vec![(NodeId(0), None), (NodeId(1), None), (NodeId(2), None)]
        );
        let down1 = healthy_targets(&walk, 3, |m| m != NodeId(1));
        assert_eq!(
            down1,
            vec![
                (NodeId(0), None),
                (NodeId(3), Some(NodeId(1))),
                (NodeId(2), None)
            ]
        );
        let down = healthy_targets(&walk, 3, |m| m.0 >= 3);
        assert_eq!(
            down,
            vec![(NodeId(3), Some(NodeId(0))), (NodeId(4), Some(NodeId(1)))]
        );
        // Walks from a ring: the stand-ins are the next nodes clockwise.
        let ring = Ring::new(&members(5), 8);
        let walk = ring.walk(7);
        let t = healthy_targets(&walk, 3, |m| m != walk[0]);
        assert_eq!(t[0], (walk[3], Some(walk[0])));
        assert_eq!(t[1..], [(walk[1], None), (walk[2], None)]);
    }
}
