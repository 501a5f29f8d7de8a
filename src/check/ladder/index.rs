//! Lookups the ladder's checkers share: each session's writes of each key by position, the
//! edges of session order, and a broken rule with its witness.

use super::exec::{Exec, INIT};
use crate::check::WitnessRefs;
use std::collections::HashMap;

/// Which operations of each session write each key.
pub(crate) struct Writes {
    by: HashMap<(u32, u32), Vec<(u32, u32)>>,
}

impl Writes {
    /// Indexes `exec`.
    pub fn new(exec: &Exec) -> Writes {
        let mut by: HashMap<(u32, u32), Vec<(u32, u32)>> = HashMap::new();
        for (id, op) in exec.ops.iter().enumerate() {
            for &k in &op.writes {
                by.entry((op.session, k))
                    .or_default()
                    .push((op.pos, id as u32));
            }
        }
        Writes { by }
    }

    /// The last operation of session `t` writing `key` at a position below `bound`.
    pub fn latest_before(&self, t: u32, key: u32, bound: u32) -> Option<u32> {
        let list = self.by.get(&(t, key))?;
        let n = list.partition_point(|&(pos, _)| pos < bound);
        (n > 0).then(|| list[n - 1].1)
    }
}

/// Edges from each operation to the next in its session.
pub(crate) fn session_order(exec: &Exec) -> Vec<(u32, u32)> {
    exec.sessions
        .iter()
        .flat_map(|s| s.windows(2).map(|w| (w[0], w[1])))
        .collect()
}

/// Edges from each writing operation to the next writing operation of its session.
pub(crate) fn write_order(exec: &Exec) -> Vec<(u32, u32)> {
    let mut edges = Vec::new();
    for s in &exec.sessions {
        let mut last: Option<u32> = None;
        for &o in s {
            if !exec.ops[o as usize].writes.is_empty() {
                if let Some(l) = last {
                    edges.push((l, o));
                }
                last = Some(o);
            }
        }
    }
    edges
}

/// Edges from each read's source to the reader.
pub(crate) fn reads_from(exec: &Exec) -> Vec<(u32, u32)> {
    let mut edges = Vec::new();
    for (id, op) in exec.ops.iter().enumerate() {
        for r in &op.reads {
            if r.src != INIT {
                edges.push((r.src, id as u32));
            }
        }
    }
    edges
}

/// A rule of a model that the history breaks: the pattern's name and the witness in words,
/// with the operations it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Broken {
    /// The bad pattern (`WriteCORead`, `stale own read`, …).
    pub pattern: &'static str,
    /// What happened, one line each.
    pub lines: Vec<String>,
    /// The operations named, as history positions, with their relations.
    pub refs: WitnessRefs,
}

impl Broken {
    /// A pattern with its lines.
    pub fn new(pattern: &'static str, lines: Vec<String>) -> Broken {
        Broken {
            pattern,
            lines,
            refs: WitnessRefs::default(),
        }
    }

    /// Names operations `ops` of `exec`, the key one first.
    pub fn about(mut self, exec: &Exec, ops: &[u32]) -> Broken {
        for &o in ops {
            self.refs.add_op(exec.ops[o as usize].entry);
        }
        self
    }

    /// Relates operation `from` of `exec` to `to` by `label`.
    pub fn relating(mut self, exec: &Exec, from: u32, to: u32, label: &str) -> Broken {
        let entry = |o: u32| exec.ops[o as usize].entry;
        self.refs.add_edge(entry(from), entry(to), label);
        self
    }

    /// Relates each operation of `cycle` to the next, the last to the first, by `label`.
    pub fn around(mut self, exec: &Exec, cycle: &[u32], label: &str) -> Broken {
        for (i, &a) in cycle.iter().enumerate() {
            self = self.relating(exec, a, cycle[(i + 1) % cycle.len()], label);
        }
        self
    }
}

/// A cycle of operations `cycle` in words, each step with the reason `why` gives for it.
pub(crate) fn describe_cycle(
    exec: &Exec,
    cycle: &[u32],
    why: impl Fn(u32, u32) -> String,
) -> Vec<String> {
    let mut lines = Vec::with_capacity(cycle.len());
    for (i, &a) in cycle.iter().enumerate() {
        let b = cycle[(i + 1) % cycle.len()];
        lines.push(format!(
            "{} before {} ({})",
            exec.ops[a as usize].label,
            exec.ops[b as usize].label,
            why(a, b)
        ));
    }
    lines
}
