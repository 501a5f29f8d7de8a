//! The session guarantees of Terry, Demers, Petersen, Spreitzer, Theimer and Welch, "Session
//! Guarantees for Weakly Consistent Replicated Data" (PDIS 1994), and PRAM (Lipton and
//! Sandberg 1988), taken as all three of read-your-writes, monotonic reads and monotonic
//! writes together (Brzezinski, Sobaniec and Wawrzyniak 2004).
//!
//! Each session sees its reads through a visibility set per read and one order of the writes
//! (the order a replica applies them in, which respects each session's order of its writes):
//! a read of a key returns the last visible write of it in that order, or the initial value
//! when none is visible. A read's own source is visible; each guarantee adds what else must be:
//!
//! - read-your-writes: the session's earlier writes;
//! - monotonic reads: whatever the session's earlier reads saw;
//! - monotonic writes: with a write, the earlier writes of the session that made it;
//! - writes-follow-reads: with a write, whatever its session had read before making it, and
//!   that comes first in the order.
//!
//! An operation of the session that both reads and writes (a cas, a transaction, an append to
//! a list) does both at one point: the writes it read come before its own in the order, and
//! since a write is performed where what monotonic writes and writes-follow-reads require of
//! it is already visible, so are its reads (its session's earlier writes; what its session
//! read before it).
//!
//! The smallest visibility sets are the best choice (more visible writes only constrain more),
//! so each check computes them and asks whether one order of writes explains every read: an
//! acyclic graph of "must come before" edges.

use super::exec::{Exec, Read, INIT};
use super::graph::topo;
use super::index::{describe_cycle, write_order, Broken, Writes};
use std::collections::HashMap;

/// A session guarantee, or PRAM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guarantee {
    /// Read your writes.
    ReadYourWrites,
    /// Monotonic reads.
    MonotonicReads,
    /// Monotonic writes.
    MonotonicWrites,
    /// Writes follow reads.
    WritesFollowReads,
    /// Pipelined RAM: read-your-writes, monotonic reads and monotonic writes at once.
    Pram,
}

/// One "must come before" edge, with the read that requires it.
type Edge = (u32, u32, u32);

/// Checks `g` on every session.
pub(crate) fn check(exec: &Exec, writes: &Writes, g: Guarantee) -> Result<(), Broken> {
    let base = write_order(exec);
    let followers = if g == Guarantee::WritesFollowReads {
        Some(Follows::new(exec))
    } else {
        None
    };
    for s in 0..exec.session_count() as u32 {
        let mut edges: Vec<Edge> = Vec::new();
        // An operation of the session that reads and writes does both at one point: what it
        // read comes before its write.
        for &id in &exec.sessions[s as usize] {
            let op = &exec.ops[id as usize];
            if !op.writes.is_empty() {
                edges.extend(
                    op.reads
                        .iter()
                        .filter(|r| r.src != INIT)
                        .map(|r| (r.src, id, id)),
                );
            }
        }
        match g {
            Guarantee::ReadYourWrites => read_your_writes(exec, writes, s, &mut edges)?,
            Guarantee::MonotonicReads => monotonic_reads(exec, s, &mut edges)?,
            Guarantee::MonotonicWrites => monotonic_writes(exec, writes, s, &mut edges)?,
            Guarantee::Pram => pram(exec, writes, s, &mut edges)?,
            Guarantee::WritesFollowReads => followers
                .as_ref()
                .map_or(Ok(()), |f| f.check(exec, s, &mut edges))?,
        }
        one_order(exec, &base, &edges, g)?;
    }
    Ok(())
}

/// What a read that must return `src` while `w` is visible requires: `w` first, or, for a read
/// of the initial value, that no write be visible.
fn require(
    exec: &Exec,
    edges: &mut Vec<Edge>,
    reader: u32,
    read: Read,
    w: u32,
    (pattern, why): (&'static str, &str),
) -> Result<(), Broken> {
    let Read { key, src } = read;
    if w == src {
        return Ok(());
    }
    if src == INIT {
        let op = &exec.ops[reader as usize];
        return Err(Broken::new(
            pattern,
            vec![
                format!(
                    "{} reads key {}'s initial value,",
                    op.label,
                    exec.key_name(key)
                ),
                format!(
                    "but {} is visible to it ({why})",
                    exec.ops[w as usize].label
                ),
            ],
        )
        .relating(exec, reader, w, "missed"));
    }
    edges.push((w, src, reader));
    Ok(())
}

fn read_your_writes(
    exec: &Exec,
    writes: &Writes,
    s: u32,
    edges: &mut Vec<Edge>,
) -> Result<(), Broken> {
    for &id in &exec.sessions[s as usize] {
        let op = &exec.ops[id as usize];
        for r in &op.reads {
            if let Some(w) = writes.latest_before(s, r.key, op.pos) {
                require(
                    exec,
                    edges,
                    id,
                    *r,
                    w,
                    ("read-your-writes", "its session wrote it earlier"),
                )?;
            }
            same_operation(exec, edges, id, *r, "read-your-writes")?;
        }
    }
    Ok(())
}

/// An operation sees all its sources at once: a source of another read that writes this
/// read's key is visible to it.
fn same_operation(
    exec: &Exec,
    edges: &mut Vec<Edge>,
    id: u32,
    r: Read,
    pattern: &'static str,
) -> Result<(), Broken> {
    let op = &exec.ops[id as usize];
    for other in op.reads.iter().filter(|o| o.src != INIT && o.src != r.src) {
        if exec.ops[other.src as usize].writes_key(r.key) {
            require(
                exec,
                edges,
                id,
                r,
                other.src,
                (pattern, "this operation read another key from it"),
            )?;
        }
    }
    Ok(())
}

fn monotonic_reads(exec: &Exec, s: u32, edges: &mut Vec<Edge>) -> Result<(), Broken> {
    // For each key, the last write of each session the session has seen so far, this
    // operation's own sources included (an operation sees all its sources at once).
    let mut seen: HashMap<u32, HashMap<u32, u32>> = HashMap::new();
    for &id in &exec.sessions[s as usize] {
        let op = &exec.ops[id as usize];
        // A write seen is seen whole: every key its operation wrote.
        for r in op.reads.iter().filter(|r| r.src != INIT) {
            let src = &exec.ops[r.src as usize];
            for &k in &src.writes {
                let slot = seen
                    .entry(k)
                    .or_default()
                    .entry(src.session)
                    .or_insert(r.src);
                if exec.ops[*slot as usize].pos < src.pos {
                    *slot = r.src;
                }
            }
        }
        for r in &op.reads {
            if let Some(by) = seen.get(&r.key) {
                let mut ws: Vec<u32> = by.values().copied().collect();
                ws.sort_unstable();
                for w in ws {
                    require(
                        exec,
                        edges,
                        id,
                        *r,
                        w,
                        (
                            "monotonic-reads",
                            "its session read it, earlier or in this operation",
                        ),
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn monotonic_writes(
    exec: &Exec,
    writes: &Writes,
    s: u32,
    edges: &mut Vec<Edge>,
) -> Result<(), Broken> {
    for &id in &exec.sessions[s as usize] {
        let op = &exec.ops[id as usize];
        for r in &op.reads {
            // An operation that writes is performed where its session's earlier writes are,
            // and reads there.
            if !op.writes.is_empty() {
                if let Some(w) = writes.latest_before(s, r.key, op.pos) {
                    require(
                        exec,
                        edges,
                        id,
                        *r,
                        w,
                        (
                            "monotonic-writes",
                            "its session wrote it earlier, and this operation writes too",
                        ),
                    )?;
                }
            }
            for other in op.reads.iter().filter(|o| o.src != INIT && o.src != r.src) {
                let src = &exec.ops[other.src as usize];
                if let Some(w) = writes.latest_before(src.session, r.key, src.pos + 1) {
                    require(
                        exec,
                        edges,
                        id,
                        *r,
                        w,
                        (
                            "monotonic-writes",
                            "its session wrote it before a write this operation saw",
                        ),
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn pram(exec: &Exec, writes: &Writes, s: u32, edges: &mut Vec<Edge>) -> Result<(), Broken> {
    // Visible: for each session, its operations below this bound.
    let mut bound = vec![0u32; exec.session_count()];
    for &id in &exec.sessions[s as usize] {
        let op = &exec.ops[id as usize];
        bound[s as usize] = bound[s as usize].max(op.pos);
        for r in op.reads.iter().filter(|r| r.src != INIT) {
            let src = &exec.ops[r.src as usize];
            bound[src.session as usize] = bound[src.session as usize].max(src.pos + 1);
        }
        for r in &op.reads {
            for (t, &b) in bound.iter().enumerate() {
                let b = if t as u32 == s { b.min(op.pos) } else { b };
                if let Some(w) = writes.latest_before(t as u32, r.key, b) {
                    require(
                        exec,
                        edges,
                        id,
                        *r,
                        w,
                        (
                            "pram",
                            "its session wrote it, saw it, or saw a later write of its writer",
                        ),
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Writes-follow-reads: for each write, what its session read before making it.
struct Follows {
    /// For each operation, the first operation at or after it in its session that writes.
    next_write: Vec<Option<u32>>,
}

/// The writes visible by writes-follow-reads from some sources: closed under "what a visible
/// write's session read before making it is visible". It grows as sources are added.
struct Closure {
    /// The visible writes, in the order they joined.
    members: Vec<u32>,
    is_member: std::collections::HashSet<u32>,
    /// Per session, how many of its operations' reads have been taken in.
    scanned: Vec<u32>,
}

impl Closure {
    fn new(exec: &Exec) -> Closure {
        Closure {
            members: Vec::new(),
            is_member: std::collections::HashSet::new(),
            scanned: vec![0; exec.session_count()],
        }
    }

    /// Adds `srcs` and what they bring, pushing the "seen before written" edges met.
    fn extend(
        &mut self,
        exec: &Exec,
        follows: &Follows,
        srcs: impl IntoIterator<Item = u32>,
        edges: &mut Vec<Edge>,
    ) {
        let mut queue: Vec<u32> = Vec::new();
        for src in srcs {
            if self.is_member.insert(src) {
                self.members.push(src);
                queue.push(src);
            }
        }
        while let Some(w) = queue.pop() {
            let op = &exec.ops[w as usize];
            let session = &exec.sessions[op.session as usize];
            let t = op.session as usize;
            while self.scanned[t] <= op.pos {
                let reader = session[self.scanned[t] as usize];
                self.scanned[t] += 1;
                let Some(next) = follows.next_write[reader as usize] else {
                    continue;
                };
                for r in exec.ops[reader as usize]
                    .reads
                    .iter()
                    .filter(|r| r.src != INIT)
                {
                    edges.push((r.src, next, reader));
                    if self.is_member.insert(r.src) {
                        self.members.push(r.src);
                        queue.push(r.src);
                    }
                }
            }
        }
    }
}

impl Follows {
    fn new(exec: &Exec) -> Follows {
        let mut next_write = vec![None; exec.ops.len()];
        for ops in &exec.sessions {
            let mut next = None;
            for &o in ops.iter().rev() {
                if !exec.ops[o as usize].writes.is_empty() {
                    next = Some(o);
                }
                next_write[o as usize] = next;
            }
        }
        Follows { next_write }
    }

    fn check(&self, exec: &Exec, s: u32, edges: &mut Vec<Edge>) -> Result<(), Broken> {
        let ops = &exec.sessions[s as usize];
        let srcs = ops
            .iter()
            .flat_map(|&o| exec.ops[o as usize].reads.iter().map(|r| r.src))
            .filter(|&s| s != INIT);
        Closure::new(exec).extend(exec, self, srcs, edges);
        // What an operation that writes sees: its session's reads so far and theirs; for
        // each key, the latest such write of each session (earlier ones are before it).
        let mut so_far = Closure::new(exec);
        let mut latest: HashMap<u32, HashMap<u32, u32>> = HashMap::new();
        let mut ignored = Vec::new();
        for &id in ops {
            let op = &exec.ops[id as usize];
            let joined = so_far.members.len();
            let srcs = op.reads.iter().map(|r| r.src).filter(|&s| s != INIT);
            so_far.extend(exec, self, srcs, &mut ignored);
            ignored.clear();
            for &w in &so_far.members[joined..] {
                let wo = &exec.ops[w as usize];
                for &k in &wo.writes {
                    let slot = latest.entry(k).or_default().entry(wo.session).or_insert(w);
                    if exec.ops[*slot as usize].pos < wo.pos {
                        *slot = w;
                    }
                }
            }
            if !op.writes.is_empty() && !op.reads.is_empty() {
                for r in &op.reads {
                    let Some(by) = latest.get(&r.key) else {
                        continue;
                    };
                    let mut ws: Vec<u32> = by.values().copied().filter(|&w| w != id).collect();
                    ws.sort_unstable();
                    for w in ws {
                        require(
                            exec,
                            edges,
                            id,
                            *r,
                            w,
                            (
                                "writes-follow-reads",
                                "its session read it, or a write made after reading it, before this operation wrote",
                            ),
                        )?;
                    }
                }
            }
            // An operation that reads several keys sees the closure of all its sources at once.
            if op.reads.len() < 2 {
                continue;
            }
            let mut own = Closure::new(exec);
            own.extend(
                exec,
                self,
                op.reads.iter().map(|r| r.src).filter(|&s| s != INIT),
                &mut ignored,
            );
            ignored.clear();
            for r in &op.reads {
                for &w in &own.members {
                    if exec.ops[w as usize].writes_key(r.key) {
                        require(
                            exec,
                            edges,
                            id,
                            *r,
                            w,
                            (
                                "writes-follow-reads",
                                "a write it saw was made after its session read it",
                            ),
                        )?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// Whether one order of the writes respects every session's order of its writes and `edges`.
fn one_order(exec: &Exec, base: &[(u32, u32)], edges: &[Edge], g: Guarantee) -> Result<(), Broken> {
    let mut all: Vec<(u32, u32)> = base.to_vec();
    all.extend(edges.iter().map(|&(a, b, _)| (a, b)));
    let Err(cycle) = topo(exec.ops.len(), &all) else {
        return Ok(());
    };
    let reader: HashMap<(u32, u32), u32> = edges.iter().map(|&(a, b, r)| ((a, b), r)).collect();
    let mut lines = vec!["no order of the writes explains what the session read:".to_string()];
    lines.extend(describe_cycle(exec, &cycle, |a, b| {
        match reader.get(&(a, b)) {
            Some(&r) if r == b => "it read the first and then wrote, in one operation".to_string(),
            Some(&r) if exec.ops[r as usize].reads.iter().any(|x| x.src == b) => {
                format!(
                    "{} read the second while the first was visible",
                    exec.ops[r as usize].label
                )
            }
            Some(&r) => format!(
                "{} read the first before its session wrote the second",
                exec.ops[r as usize].label
            ),
            None => "its session wrote them in this order".to_string(),
        }
    }));
    let mut broken = Broken::new(name(g), lines);
    for (i, &a) in cycle.iter().enumerate() {
        let b = cycle[(i + 1) % cycle.len()];
        broken = match reader.get(&(a, b)) {
            Some(&r) if r != b => broken.relating(exec, a, b, "visible").about(exec, &[r]),
            Some(_) => broken.relating(exec, a, b, "read-then-wrote"),
            None => broken.relating(exec, a, b, "session"),
        };
    }
    Err(broken)
}

fn name(g: Guarantee) -> &'static str {
    match g {
        Guarantee::ReadYourWrites => "read-your-writes",
        Guarantee::MonotonicReads => "monotonic-reads",
        Guarantee::MonotonicWrites => "monotonic-writes",
        Guarantee::WritesFollowReads => "writes-follow-reads",
        Guarantee::Pram => "pram",
    }
}
