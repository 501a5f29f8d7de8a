//! What rw-register histories reveal (Elle, §4.2). A register read shows one version, not
//! the order of versions, so the order comes from assumptions, each a switch:
//!
//! - always: the initial version (nil) precedes every written one, and values are unique per
//!   key, so a read names the one write it saw;
//! - `wfr_keys` (writes follow reads): within a transaction, a write to a key follows the
//!   version its first read of that key saw;
//! - `sequential_keys`: each process sees each key's versions in order (a process's later
//!   transaction never sees an older version than its earlier one did or wrote);
//! - `linearizable_keys`: each key is linearizable, so a transaction that began after another
//!   completed sees that one's version or a later one.
//!
//! A key whose assumed order is cyclic is reported (`cyclic-versions`) and gives no ww or rw
//! edges. From the order: `ww` between the writers of consecutive versions, `wr` from a writer
//! to each reader of its version, `rw` from each reader of a version to the writers of the
//! versions right after it. Single reads show G1a (a failed write), G1b (a write its
//! transaction overwrote), garbage (a value no one wrote), internal inconsistency and future
//! reads.

use super::anomaly::{Anomaly, Kind};
use super::explain::{group, key as key_text, name, value as value_text};
use super::graph::{realtime_order, Graph, Rel, Why};
use super::txns::{writers, Mop, Outcome, Txns, Writer};
use super::{Assumptions, Inferred};
use crate::check::linear::InputError;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The version no transaction wrote: the initial nil.
const INIT: u32 = u32::MAX;

/// What one transaction did to one key: the version it first saw or wrote, and the last.
#[derive(Clone, Copy)]
struct Touch {
    first: u32,
    last: u32,
    /// The version its first read saw, when it read before writing.
    external_read: Option<u32>,
    /// The version it installed, if it wrote.
    wrote: Option<u32>,
}

/// Infers version orders, edges and read anomalies of an rw-register history.
pub(crate) fn infer(t: &Txns, assume: Assumptions) -> Result<Inferred, InputError> {
    let writers = writers(t)?;
    let mut out = Inferred {
        graph: Graph::new(t.txns.len()),
        anomalies: Vec::new(),
    };
    let touches = touches(t, &writers, &mut out.anomalies);
    // Version-order edges per key.
    let mut versions: BTreeMap<u32, BTreeSet<(u32, u32)>> = BTreeMap::new();
    for ((k, v), w) in &writers {
        if w.last && t.txns[w.txn as usize].outcome != Outcome::Fail {
            versions.entry(*k).or_default().insert((INIT, *v));
        }
    }
    let mut edge = |k: u32, a: u32, b: u32| {
        if a != b {
            versions.entry(k).or_default().insert((a, b));
        }
    };
    for (i, by_key) in touches.iter().enumerate() {
        if t.txns[i].outcome != Outcome::Ok || !assume.wfr_keys {
            continue;
        }
        for (&k, touch) in by_key {
            if let (Some(r), Some(w)) = (touch.external_read, touch.wrote) {
                edge(k, r, w);
            }
        }
    }
    if assume.sequential_keys {
        let mut last_seen: HashMap<(crate::history::Process, u32), u32> = HashMap::new();
        for (i, by_key) in touches.iter().enumerate() {
            if t.txns[i].outcome != Outcome::Ok {
                continue;
            }
            for (&k, touch) in by_key {
                if let Some(prev) = last_seen.insert((t.txns[i].process, k), touch.last) {
                    edge(k, prev, touch.first);
                }
            }
        }
    }
    if assume.linearizable_keys {
        let mut by_key: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (i, ks) in touches.iter().enumerate() {
            if t.txns[i].outcome == Outcome::Ok {
                for &k in ks.keys() {
                    by_key.entry(k).or_default().push(i as u32);
                }
            }
        }
        for (k, members) in by_key {
            let spans: Vec<(usize, Option<usize>)> = members
                .iter()
                .map(|&i| (t.txns[i as usize].call, t.txns[i as usize].ret))
                .collect();
            for (a, b) in realtime_order(&spans) {
                let (ta, tb) = (members[a as usize], members[b as usize]);
                edge(
                    k,
                    touches[ta as usize][&k].last,
                    touches[tb as usize][&k].first,
                );
            }
        }
    }
    // Readers of each version, per key (external reads of committed transactions).
    // Ordered: the wr edges are added in this order, and the cycle search follows it.
    let mut readers: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for (i, by_key) in touches.iter().enumerate() {
        for (&k, touch) in by_key {
            if let Some(r) = touch.external_read {
                readers.entry((k, r)).or_default().push(i as u32);
            }
        }
    }
    let committed = |k: u32, v: u32| {
        writers
            .get(&(k, v))
            .filter(|w| t.txns[w.txn as usize].outcome != Outcome::Fail)
            .map(|w| w.txn)
    };
    let g = &mut out.graph;
    for (&(k, v), rs) in &readers {
        if let Some(w) = committed(k, v) {
            for &r in rs {
                g.add(
                    w,
                    r,
                    Rel::Wr,
                    Some(Why {
                        key: k,
                        value: Some(v),
                    }),
                );
            }
        }
    }
    for (k, edges) in versions {
        if let Some(cycle) = version_cycle(&edges) {
            let shown: Vec<String> = cycle.iter().map(|&v| version_text(t, v)).collect();
            let involved: Vec<u32> = cycle.iter().filter_map(|&v| committed(k, v)).collect();
            out.anomalies.push(Anomaly::new(
                Kind::CyclicVersions,
                involved,
                format!(
                    "the versions of key {} must follow each other in a cycle ({} -> {}) under the assumed orders: no single order of writes exists",
                    key_text(t, k),
                    shown.join(" -> "),
                    shown[0]
                ),
            ));
            continue;
        }
        for (a, b) in edges {
            let Some(wb) = committed(k, b) else { continue };
            let why = Some(Why {
                key: k,
                value: Some(b),
            });
            if let Some(wa) = committed(k, a) {
                g.add(wa, wb, Rel::Ww, why);
            }
            for &r in readers.get(&(k, a)).map_or(&[][..], |v| &v[..]) {
                g.add(r, wb, Rel::Rw, why);
            }
        }
    }
    lost_updates(t, &touches, &mut out.anomalies);
    Ok(out)
}

fn version_text(t: &Txns, v: u32) -> String {
    if v == INIT {
        "nil".into()
    } else {
        value_text(t, v)
    }
}

/// Per transaction and key, what it saw and wrote; and the anomalies single reads show.
fn touches(
    t: &Txns,
    writers: &HashMap<(u32, u32), Writer>,
    found: &mut Vec<Anomaly>,
) -> Vec<BTreeMap<u32, Touch>> {
    let mut all = Vec::with_capacity(t.txns.len());
    for (i, txn) in t.txns.iter().enumerate() {
        let me = i as u32;
        let mut by_key: BTreeMap<u32, Touch> = BTreeMap::new();
        if txn.outcome != Outcome::Ok {
            all.push(by_key);
            continue;
        }
        for (j, m) in txn.ops.iter().enumerate() {
            match *m {
                Mop::Write { key, value } => {
                    by_key
                        .entry(key)
                        .and_modify(|tc| {
                            tc.last = value;
                            tc.wrote = Some(value);
                        })
                        .or_insert(Touch {
                            first: value,
                            last: value,
                            external_read: None,
                            wrote: Some(value),
                        });
                }
                Mop::Read {
                    key,
                    value: Some(ref r),
                } => {
                    let v = r.first().copied().unwrap_or(INIT);
                    if let Some(tc) = by_key.get(&key) {
                        if tc.last != v {
                            found.push(Anomaly::new(
                                Kind::Internal,
                                vec![me],
                                format!(
                                    "{} read key {} = {}, but its own earlier read or write left {}",
                                    name(t, me),
                                    key_text(t, key),
                                    version_text(t, v),
                                    version_text(t, tc.last)
                                ),
                            ));
                        }
                        continue;
                    }
                    by_key.insert(
                        key,
                        Touch {
                            first: v,
                            last: v,
                            external_read: Some(v),
                            wrote: None,
                        },
                    );
                    if v == INIT {
                        continue;
                    }
                    let later = txn.ops[j + 1..]
                        .iter()
                        .any(|n| matches!(n, Mop::Write { key: k2, value: v2 } if *k2 == key && *v2 == v));
                    let whose = writers.get(&(key, v));
                    let (kind, why) = match whose {
                        _ if later => (Kind::FutureRead, "a value it writes only later".to_string()),
                        None => (Kind::GarbageRead, "a value no transaction wrote".to_string()),
                        Some(w) if t.txns[w.txn as usize].outcome == Outcome::Fail => (
                            Kind::G1a,
                            format!("written by {}, which failed (aborted read)", name(t, w.txn)),
                        ),
                        Some(w) if !w.last && w.txn != me => (
                            Kind::G1b,
                            format!("an intermediate write of {}, which overwrote it (intermediate read)", name(t, w.txn)),
                        ),
                        _ => continue,
                    };
                    let mut involved = vec![me];
                    involved.extend(whose.map(|w| w.txn).filter(|&w| w != me));
                    found.push(Anomaly::new(
                        kind,
                        involved,
                        format!(
                            "{} read key {} = {}, {why}",
                            name(t, me),
                            key_text(t, key),
                            value_text(t, v)
                        ),
                    ));
                }
                _ => {}
            }
        }
        all.push(by_key);
    }
    all
}

/// Two or more committed transactions that read the same version of a key and both wrote it.
fn lost_updates(t: &Txns, touches: &[BTreeMap<u32, Touch>], found: &mut Vec<Anomaly>) {
    let mut groups: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for (i, by_key) in touches.iter().enumerate() {
        for (&k, tc) in by_key {
            if let (Some(r), Some(_)) = (tc.external_read, tc.wrote) {
                groups.entry((k, r)).or_default().push(i as u32);
            }
        }
    }
    for ((k, v), txns) in groups {
        if txns.len() > 1 {
            let (who, all, other) = group(t, &txns);
            found.push(Anomaly::new(
                Kind::LostUpdate,
                txns,
                format!(
                    "{who} {all} read key {} = {} and then wrote it: each update is lost to {other}",
                    key_text(t, k),
                    version_text(t, v)
                ),
            ));
        }
    }
}

/// A cycle among the version-order edges, if any (its versions in order).
fn version_cycle(edges: &BTreeSet<(u32, u32)>) -> Option<Vec<u32>> {
    let mut ids: BTreeMap<u32, NodeIndex> = BTreeMap::new();
    let mut g: DiGraph<u32, ()> = DiGraph::new();
    for &(a, b) in edges {
        for v in [a, b] {
            ids.entry(v).or_insert_with(|| g.add_node(v));
        }
        g.add_edge(ids[&a], ids[&b], ());
    }
    let comp = petgraph::algo::tarjan_scc(&g)
        .into_iter()
        .find(|c| c.len() > 1)?;
    // Walk the component from its first node until a node repeats.
    let inside: BTreeSet<NodeIndex> = comp.iter().copied().collect();
    let mut path = vec![comp[0]];
    loop {
        let at = *path.last()?;
        let next = g.neighbors(at).filter(|n| inside.contains(n)).min()?;
        if let Some(pos) = path.iter().position(|&p| p == next) {
            return Some(path[pos..].iter().map(|&n| g[n]).collect());
        }
        path.push(next);
    }
}
