//! Structured witnesses: which operations of the history a checker's witness is about, and
//! how they relate, so a picture can highlight them and a story can tell them. The text
//! witness (`CheckResult::witness`) stays the words; these are the pointers.

use serde::Serialize;

/// The operations a witness is about, for pictures and stories (empty on pass, and for
/// checkers whose witness is not about client operations, such as protocol invariants).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WitnessRefs {
    /// Position in `History::ops` of the invocation entry of each operation the witness
    /// names, the key one first (the operation that cannot be placed, the stale read, the
    /// lost write, a transaction in a cycle…). No position appears twice.
    pub ops: Vec<u64>,
    /// Relations between them: a dependency cycle's edges (`ww`, `wr`, `rw`, `realtime`),
    /// a read to the write it missed (`missed`), …
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edges: Vec<WitnessEdge>,
}

/// One relation between two witnessed operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WitnessEdge {
    /// Position in `History::ops` of the invocation the relation leaves.
    pub from: u64,
    /// Position in `History::ops` of the invocation it reaches.
    pub to: u64,
    /// What relates them (`ww`, `wr`, `rw`, `realtime`, `missed`, …).
    pub label: String,
}

impl WitnessRefs {
    /// No operations and no relations.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty() && self.edges.is_empty()
    }

    /// Names operation `op` (its invocation's position) unless already named.
    pub fn add_op(&mut self, op: u64) {
        if !self.ops.contains(&op) {
            self.ops.push(op);
        }
    }

    /// Adds a relation (unless already there), naming both ends.
    pub fn add_edge(&mut self, from: u64, to: u64, label: impl Into<String>) {
        self.add_op(from);
        self.add_op(to);
        let edge = WitnessEdge {
            from,
            to,
            label: label.into(),
        };
        if !self.edges.contains(&edge) {
            self.edges.push(edge);
        }
    }

    /// Adds everything `other` names that this does not.
    pub fn merge(&mut self, other: &WitnessRefs) {
        for &op in &other.ops {
            self.add_op(op);
        }
        for e in &other.edges {
            self.add_edge(e.from, e.to, e.label.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_named_once_and_edges_name_both_ends() {
        let mut r = WitnessRefs::default();
        assert!(r.is_empty());
        r.add_op(4);
        r.add_edge(4, 9, "wr");
        r.add_edge(9, 4, "rw");
        r.add_edge(9, 4, "rw");
        assert_eq!(r.ops, vec![4, 9]);
        assert_eq!(r.edges.len(), 2);
        assert_eq!(r.edges[1].label, "rw");
        assert!(!r.is_empty());
        let mut other = WitnessRefs::default();
        other.add_edge(2, 4, "missed");
        other.merge(&r);
        assert_eq!(other.ops, vec![2, 4, 9]);
        assert_eq!(other.edges.len(), 3);
    }
}
