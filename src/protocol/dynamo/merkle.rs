//! Merkle trees over a replica's keys (DeCandia et al. 2007, §4.7): a complete binary tree of
//! fixed depth whose leaves are buckets of keys (by a pinned hash of the key) and whose inner
//! nodes hash their two children. Two replicas compare roots; where they differ they descend
//! only into the differing children, so one differing key is found after visiting two nodes
//! per level. Pure data; the exchange itself is `antientropy.rs`.

use crate::des::rng::mix64;
use crate::ops::Key;

/// Depth of the trees anti-entropy builds: `2^DEPTH` leaves.
pub const DEPTH: u32 = 6;

/// A complete binary tree of hashes, stored in heap order (root at 0, children of `i` at
/// `2i + 1` and `2i + 2`, leaves last).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    depth: u32,
    nodes: Vec<u64>,
}

/// The leaf (bucket) of `key` in a tree of depth `depth`.
pub fn leaf_of(key: Key, depth: u32) -> u32 {
    (mix64(key ^ 0x6d65_726b_6c65) % (1u64 << depth)) as u32
}

impl Tree {
    /// Builds the tree of `entries` (key and hash of its value), given in key order.
    pub fn build(depth: u32, entries: impl IntoIterator<Item = (Key, u64)>) -> Tree {
        let leaves = 1usize << depth;
        let inner = leaves - 1;
        let mut nodes = vec![0u64; inner + leaves];
        for (key, hash) in entries {
            let at = inner + leaf_of(key, depth) as usize;
            nodes[at] = mix64(nodes[at].rotate_left(7) ^ mix64(key ^ hash.rotate_left(17)));
        }
        for i in (0..inner).rev() {
            let (l, r) = (nodes[2 * i + 1], nodes[2 * i + 2]);
            nodes[i] = if l == 0 && r == 0 {
                0
            } else {
                mix64(l ^ r.rotate_left(31) ^ 0x0069_6e6e_6572)
            };
        }
        Tree { depth, nodes }
    }

    /// A tree received from a peer; `None` if its size does not fit `depth`.
    pub fn from_hashes(depth: u32, nodes: Vec<u64>) -> Option<Tree> {
        (nodes.len() == (2usize << depth) - 1).then_some(Tree { depth, nodes })
    }

    /// The hashes, to send.
    pub fn hashes(&self) -> &[u64] {
        &self.nodes
    }

    /// The root hash.
    pub fn root(&self) -> u64 {
        self.nodes[0]
    }

    /// The leaves where `self` and `other` differ, and how many tree nodes were compared to
    /// find them (descending only into differing subtrees).
    pub fn diff(&self, other: &Tree) -> (Vec<u32>, usize) {
        let inner = (1usize << self.depth) - 1;
        let mut leaves = Vec::new();
        let mut visited = 0;
        let mut stack = vec![0usize];
        while let Some(i) = stack.pop() {
            visited += 1;
            if self.nodes.get(i) == other.nodes.get(i) {
                continue;
            }
            if i >= inner {
                leaves.push((i - inner) as u32);
            } else {
                stack.push(2 * i + 2);
                stack.push(2 * i + 1);
            }
        }
        leaves.sort_unstable();
        (leaves, visited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(keys: u64, changed: Option<u64>) -> Vec<(Key, u64)> {
        (0..keys)
            .map(|k| (k, if Some(k) == changed { 999 } else { k * 7 }))
            .collect()
    }

    #[test]
    fn equal_stores_give_equal_roots() {
        let a = Tree::build(DEPTH, entries(100, None));
        let b = Tree::build(DEPTH, entries(100, None));
        assert_eq!(a.root(), b.root());
        assert_eq!(a.diff(&b), (vec![], 1), "equal roots: one comparison");
        assert_ne!(a.root(), Tree::build(DEPTH, entries(99, None)).root());
        assert_eq!(Tree::build(DEPTH, []).root(), 0);
    }

    #[test]
    fn one_differing_key_is_found_in_log_levels() {
        for changed in [0, 17, 63, 99] {
            let a = Tree::build(DEPTH, entries(100, None));
            let b = Tree::build(DEPTH, entries(100, Some(changed)));
            let (leaves, visited) = a.diff(&b);
            assert_eq!(leaves, vec![leaf_of(changed, DEPTH)]);
            // One differing node per level and its sibling: at most 2 * depth + 1 nodes.
            assert!(visited <= 2 * DEPTH as usize + 1, "{visited} nodes visited");
        }
        // A key missing on one side is found the same way.
        let a = Tree::build(DEPTH, entries(100, None));
        let mut fewer = entries(100, None);
        fewer.remove(42);
        let (leaves, _) = a.diff(&Tree::build(DEPTH, fewer));
        assert_eq!(leaves, vec![leaf_of(42, DEPTH)]);
    }

    #[test]
    fn trees_from_peers_must_fit_the_depth() {
        let a = Tree::build(3, entries(10, None));
        let back = Tree::from_hashes(3, a.hashes().to_vec()).unwrap();
        assert_eq!(back, a);
        assert!(Tree::from_hashes(3, vec![0; 14]).is_none());
    }
}
