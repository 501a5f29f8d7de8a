//! Causal consistency in the three variants of Bouajjani, Enea, Guerraoui and Hamza, "On
//! Verifying Causal Consistency" (POPL 2017), decided for histories whose written values are
//! unique by the bad patterns of the paper (§4): the causal order `co` is session order and
//! reads-from, closed transitively, and it is represented by vector clocks.
//!
//! - CC (causal consistency): `co` is acyclic (CyclicCO); no read of a key's initial value has
//!   a write of the key in its causal past (WriteCOInitRead); no read of `w` has a write of the
//!   key causally between `w` and itself (WriteCORead). (ThinAirRead is found when the history
//!   is read.)
//! - CCv (causal convergence): CC, and the conflict order — `w1` before `w2` when `w1` is in
//!   the causal past of a read of `w2` — together with `co` is acyclic (CyclicCF): one
//!   arbitration order on which all replicas converge.
//! - CM (causal memory): CC, and for each session the happens-before relation `hb`, `co` closed
//!   under "a write of `x` `hb`-before a read of `x` from `w` by the session is `hb`-before
//!   `w`", is acyclic (CyclicHB) and puts no write of `x` before a read of `x`'s initial value
//!   by the session (WriteHBInitRead).

use super::exec::{Exec, INIT};
use super::graph::{topo, vector_clocks};
use super::index::{describe_cycle, reads_from, session_order, Broken, Writes};

/// The causal order, as one vector clock per operation.
pub(crate) struct CausalOrder {
    clocks: Vec<u32>,
    sessions: usize,
}

/// Why `a` comes before `b` in a cycle of `co` (and extra edges).
fn co_reason(exec: &Exec, a: u32, b: u32) -> String {
    let (oa, ob) = (&exec.ops[a as usize], &exec.ops[b as usize]);
    if ob.reads.iter().any(|r| r.src == a) {
        "it read from it".into()
    } else if oa.session == ob.session {
        "session order".into()
    } else {
        format!(
            "both write {}, and the first was visible where the second was read",
            common_key(exec, a, b)
        )
    }
}

fn common_key(exec: &Exec, a: u32, b: u32) -> String {
    let (oa, ob) = (&exec.ops[a as usize], &exec.ops[b as usize]);
    oa.writes
        .iter()
        .find(|k| ob.writes.contains(k))
        .map_or_else(|| "a key".into(), |&k| exec.key_name(k))
}

impl CausalOrder {
    /// The causal order of `exec`, or the CyclicCO pattern.
    pub fn build(exec: &Exec) -> Result<CausalOrder, Broken> {
        let mut edges = session_order(exec);
        edges.extend(reads_from(exec));
        CausalOrder::with_edges(exec, &edges).map_err(|cycle| {
            let mut lines =
                vec!["the causal order (session order and reads-from) has a cycle:".to_string()];
            lines.extend(describe_cycle(exec, &cycle, |a, b| co_reason(exec, a, b)));
            Broken::new("CyclicCO", lines).around(exec, &cycle, "causal")
        })
    }

    fn with_edges(exec: &Exec, edges: &[(u32, u32)]) -> Result<CausalOrder, Vec<u32>> {
        let order = topo(exec.ops.len(), edges)?;
        let sessions = exec.session_count();
        let clocks = vector_clocks(&order, edges, sessions, |v| {
            let op = &exec.ops[v as usize];
            (op.session, op.pos)
        });
        Ok(CausalOrder { clocks, sessions })
    }

    /// Operations of session `t` at positions below this bound precede `op` (not counting
    /// `op` itself).
    pub fn bound(&self, exec: &Exec, op: u32, t: u32) -> u32 {
        let c = self.clocks[op as usize * self.sessions + t as usize];
        if exec.ops[op as usize].session == t {
            c - 1
        } else {
            c
        }
    }

    /// Whether `a` precedes `b`.
    pub fn before(&self, exec: &Exec, a: u32, b: u32) -> bool {
        let oa = &exec.ops[a as usize];
        a != b && self.clocks[b as usize * self.sessions + oa.session as usize] > oa.pos
    }
}

/// The writes of `key` in the past of `op` under `order` that matter: the last one of each
/// session (the others precede it in session order).
fn latest_writes<'a>(
    exec: &'a Exec,
    order: &'a CausalOrder,
    writes: &'a Writes,
    op: u32,
    key: u32,
) -> impl Iterator<Item = u32> + 'a {
    (0..exec.session_count() as u32)
        .filter_map(move |t| writes.latest_before(t, key, order.bound(exec, op, t)))
}

/// CC: WriteCOInitRead and WriteCORead (CyclicCO is found when `co` is built); an operation
/// that reads several keys must see them in one order.
pub(crate) fn check_cc(exec: &Exec, co: &CausalOrder, writes: &Writes) -> Result<(), Broken> {
    for (id, op) in exec.ops.iter().enumerate() {
        let id = id as u32;
        if op.reads.len() > 1 {
            joint_reads(exec, co, writes, id)?;
        }
        for r in &op.reads {
            for w in latest_writes(exec, co, writes, id, r.key) {
                if r.src == INIT {
                    return Err(Broken::new(
                        "WriteCOInitRead",
                        vec![
                            format!(
                                "{} reads key {}'s initial value,",
                                op.label,
                                exec.key_name(r.key)
                            ),
                            format!(
                                "but {} wrote it before, in causal order",
                                exec.ops[w as usize].label
                            ),
                        ],
                    )
                    .relating(exec, id, w, "missed"));
                }
                if w != r.src && co.before(exec, r.src, w) {
                    return Err(Broken::new("WriteCORead", vec![
                        format!("{} reads what {} wrote,", op.label, exec.ops[r.src as usize].label),
                        format!("but {} overwrote key {} causally after that write and before the read", exec.ops[w as usize].label, exec.key_name(r.key)),
                    ])
                    .about(exec, &[id])
                    .relating(exec, r.src, id, "wr")
                    .relating(exec, id, w, "missed"));
                }
            }
        }
    }
    Ok(())
}

/// An operation that reads several keys must see them all in one order of its causal past:
/// the writes of each key in that past (the last of each session, and the sources) with "a
/// write before the one the read returns" edges and `co` among them must be acyclic.
fn joint_reads(exec: &Exec, co: &CausalOrder, writes: &Writes, id: u32) -> Result<(), Broken> {
    let op = &exec.ops[id as usize];
    let mut nodes: Vec<u32> = Vec::new();
    let mut edges: Vec<(u32, u32)> = Vec::new();
    let index = |nodes: &mut Vec<u32>, w: u32| -> u32 {
        match nodes.iter().position(|&n| n == w) {
            Some(i) => i as u32,
            None => {
                nodes.push(w);
                (nodes.len() - 1) as u32
            }
        }
    };
    for r in op.reads.iter().filter(|r| r.src != INIT) {
        let to = index(&mut nodes, r.src);
        for w in latest_writes(exec, co, writes, id, r.key) {
            if w != r.src {
                let from = index(&mut nodes, w);
                edges.push((from, to));
            }
        }
    }
    for (i, &a) in nodes.iter().enumerate() {
        for (j, &b) in nodes.iter().enumerate() {
            if i != j && co.before(exec, a, b) {
                edges.push((i as u32, j as u32));
            }
        }
    }
    match topo(nodes.len(), &edges) {
        Ok(_) => Ok(()),
        Err(cycle) => {
            let cycle: Vec<u32> = cycle.iter().map(|&i| nodes[i as usize]).collect();
            let mut lines = vec![format!(
                "{} reads several keys, and no order of its causal past explains them all:",
                op.label
            )];
            lines.extend(describe_cycle(exec, &cycle, |a, b| {
                if co.before(exec, a, b) {
                    "causal order".to_string()
                } else {
                    format!(
                        "{} saw the second while the first was in its past",
                        op.label
                    )
                }
            }));
            Err(Broken::new("WriteCORead", lines)
                .about(exec, &[id])
                .around(exec, &cycle, "before"))
        }
    }
}

/// CCv: CC, and no cycle in the conflict order with `co` (CyclicCF).
pub(crate) fn check_ccv(exec: &Exec, co: &CausalOrder, writes: &Writes) -> Result<(), Broken> {
    check_cc(exec, co, writes)?;
    let mut edges = session_order(exec);
    edges.extend(reads_from(exec));
    for (id, op) in exec.ops.iter().enumerate() {
        for r in op.reads.iter().filter(|r| r.src != INIT) {
            for w in latest_writes(exec, co, writes, id as u32, r.key) {
                if w != r.src {
                    edges.push((w, r.src));
                }
            }
        }
    }
    match topo(exec.ops.len(), &edges) {
        Ok(_) => Ok(()),
        Err(cycle) => {
            let mut lines = vec!["no single order of the writes explains every read: causal order with \"a write seen before a read of another write of its key comes first\" has a cycle:".to_string()];
            lines.extend(describe_cycle(exec, &cycle, |a, b| co_reason(exec, a, b)));
            Err(Broken::new("CyclicCF", lines).around(exec, &cycle, "before"))
        }
    }
}

/// CM: CC, and each session's happens-before is acyclic and shows it no overwritten initial
/// value (CyclicHB, WriteHBInitRead). The relation is saturated for each session: `hb`-pasts
/// are downward closed in session order, so vector clocks hold them; edges are added until
/// none is new, which ends because there are finitely many.
pub(crate) fn check_cm(
    exec: &Exec,
    co: &CausalOrder,
    writes: &Writes,
    max_rounds: usize,
) -> Result<Result<(), Broken>, String> {
    if let Err(b) = check_cc(exec, co, writes) {
        return Ok(Err(b));
    }
    let mut base = session_order(exec);
    base.extend(reads_from(exec));
    for (s, ops) in exec.sessions.iter().enumerate() {
        let mut edges = base.clone();
        let mut seen = std::collections::HashSet::new();
        let mut rounds = 0;
        loop {
            rounds += 1;
            if rounds > max_rounds {
                return Err(format!(
                    "session {s}'s happens-before did not settle within {max_rounds} rounds"
                ));
            }
            let hb = match CausalOrder::with_edges(exec, &edges) {
                Ok(hb) => hb,
                Err(cycle) => {
                    let mut lines = vec![format!("the reads of {}'s session cannot be explained by one order: its happens-before has a cycle:", exec.ops[ops[0] as usize].label.split(' ').next().unwrap_or(""))];
                    lines.extend(describe_cycle(exec, &cycle, |a, b| co_reason(exec, a, b)));
                    return Ok(Err(Broken::new("CyclicHB", lines).around(
                        exec,
                        &cycle,
                        "happens-before",
                    )));
                }
            };
            let mut added = false;
            for &id in ops {
                let op = &exec.ops[id as usize];
                for r in &op.reads {
                    for w in latest_writes(exec, &hb, writes, id, r.key) {
                        if r.src == INIT {
                            return Ok(Err(Broken::new("WriteHBInitRead", vec![
                                format!("{} reads key {}'s initial value,", op.label, exec.key_name(r.key)),
                                format!("but {} must come before it in any order its session can see", exec.ops[w as usize].label),
                            ]).relating(exec, id, w, "missed")));
                        }
                        if w != r.src && seen.insert((w, r.src)) {
                            edges.push((w, r.src));
                            added = true;
                        }
                    }
                }
            }
            if !added {
                break;
            }
        }
    }
    Ok(Ok(()))
}
