//! What list-append histories reveal (Elle, §4): every read of a list shows a prefix of the
//! order in which its elements were appended, so the longest read of a key gives its version
//! order, and each element names the one transaction that appended it. From that order come
//! the dependency edges — `ww` between the appenders of consecutive elements, `wr` from the
//! appender of a read's last element to the reader, `rw` from a reader to the appender of the
//! first element it did not see — and the anomalies a single read shows: an element no one
//! appended (garbage), twice (duplicate), by a failed transaction (G1a, dirty update), not as
//! its transaction's last append (G1b), reads that disagree on the order (incompatible order),
//! and transactions whose own reads contradict their own appends (internal, future read).

use super::anomaly::{Anomaly, Kind};
use super::explain::{group, key as key_text, list, name, value as value_text};
use super::graph::{Graph, Rel, Why};
use super::txns::{writers, Mop, Outcome, Txns, Writer};
use super::Inferred;
use crate::check::linear::InputError;
use std::collections::{BTreeMap, HashMap};

/// One read of a key by a committed transaction.
struct Read<'t> {
    txn: u32,
    elems: &'t [u32],
    /// Whether it was the transaction's first look at the key, before any append of its own
    /// (later reads must agree with it: the internal check sees to that).
    external: bool,
}

/// Infers the version orders, edges and read anomalies of a list-append history.
pub(crate) fn infer(t: &Txns) -> Result<Inferred, InputError> {
    let writers = writers(t)?;
    let mut out = Inferred {
        graph: Graph::new(t.txns.len()),
        anomalies: Vec::new(),
    };
    internal(t, &mut out.anomalies);
    // A transaction that ended `info` committed if a committed read saw one of its appends;
    // then its other appends happened too.
    let mut seen_info = vec![false; t.txns.len()];
    for txn in t.txns.iter().filter(|x| x.outcome == Outcome::Ok) {
        for m in &txn.ops {
            if let Mop::Read {
                key,
                value: Some(elems),
            } = m
            {
                for e in elems {
                    if let Some(w) = writers.get(&(*key, *e)) {
                        seen_info[w.txn as usize] = true;
                    }
                }
            }
        }
    }
    // Reads by key, in history order, and the appends of committed transactions.
    let mut reads: BTreeMap<u32, Vec<Read<'_>>> = BTreeMap::new();
    let mut appenders: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
    for (i, txn) in t.txns.iter().enumerate() {
        let committed = match txn.outcome {
            Outcome::Ok => true,
            Outcome::Info => seen_info[i],
            Outcome::Fail => false,
        };
        let mut appended: Vec<u32> = Vec::new();
        let mut looked: Vec<u32> = Vec::new();
        for m in &txn.ops {
            match m {
                Mop::Append { key, value } => {
                    if !appended.contains(key) {
                        appended.push(*key);
                    }
                    if committed {
                        appenders.entry(*key).or_default().push((*value, i as u32));
                    }
                }
                Mop::Read {
                    key,
                    value: Some(elems),
                } => {
                    let external = !appended.contains(key) && !looked.contains(key);
                    looked.push(*key);
                    reads.entry(*key).or_default().push(Read {
                        txn: i as u32,
                        elems,
                        external,
                    })
                }
                _ => {}
            }
        }
    }
    for (&k, rs) in &reads {
        let empty = Vec::new();
        let apps = appenders.get(&k).unwrap_or(&empty);
        key_edges(t, k, rs, apps, &writers, &mut out);
    }
    // Keys appended to but never read still order their unobserved appends after nothing.
    for (&k, apps) in &appenders {
        if !reads.contains_key(&k) {
            key_edges(t, k, &[], apps, &writers, &mut out);
        }
    }
    Ok(out)
}

/// Internal consistency and future reads: within one committed transaction, a read shows
/// what its earlier reads and appends imply, and never an element it appends later.
fn internal(t: &Txns, found: &mut Vec<Anomaly>) {
    for (i, txn) in t.txns.iter().enumerate() {
        if txn.outcome != Outcome::Ok {
            continue;
        }
        // Per key: the list as known (`Some`) or only the suffix this transaction appended.
        let mut known: HashMap<u32, (Option<Vec<u32>>, Vec<u32>)> = HashMap::new();
        for (j, m) in txn.ops.iter().enumerate() {
            match m {
                Mop::Append { key, value } => {
                    let e = known.entry(*key).or_default();
                    match &mut e.0 {
                        Some(list) => list.push(*value),
                        None => e.1.push(*value),
                    }
                }
                Mop::Read {
                    key,
                    value: Some(read),
                } => {
                    let later = txn.ops[j + 1..].iter().find_map(|n| match n {
                        Mop::Append { key: k2, value } if k2 == key && read.contains(value) => {
                            Some(*value)
                        }
                        _ => None,
                    });
                    if let Some(v) = later {
                        found.push(Anomaly::new(
                            Kind::FutureRead,
                            vec![i as u32],
                            format!(
                                "{} read key {} = {}, holding {}, which it appends only later",
                                name(t, i as u32),
                                key_text(t, *key),
                                list(t, read),
                                value_text(t, v)
                            ),
                        ));
                    }
                    let e = known.entry(*key).or_default();
                    let expected = match &e.0 {
                        Some(list) => (list != read).then(|| list.clone()),
                        None => (!read.ends_with(&e.1)).then(|| e.1.clone()),
                    };
                    if let Some(exp) = expected {
                        let what = if e.0.is_some() {
                            format!("expected {}", list(t, &exp))
                        } else {
                            format!("expected it to end with its own appends {}", list(t, &exp))
                        };
                        found.push(Anomaly::new(
                            Kind::Internal,
                            vec![i as u32],
                            format!(
                                "{} read key {} = {}, {what} from its own earlier reads and appends",
                                name(t, i as u32),
                                key_text(t, *key),
                                list(t, read)
                            ),
                        ));
                    }
                    *e = (Some(read.clone()), Vec::new());
                }
                _ => {}
            }
        }
    }
}

/// One key's anomalies and edges.
fn key_edges(
    t: &Txns,
    k: u32,
    reads: &[Read<'_>],
    appenders: &[(u32, u32)],
    writers: &HashMap<(u32, u32), Writer>,
    out: &mut Inferred,
) {
    let kt = key_text(t, k);
    // The version order: the longest read, each element once.
    let mut order: Vec<u32> = Vec::new();
    for r in reads {
        let d = dedup(r.elems);
        if d.len() > order.len() {
            order = d;
        }
    }
    let mut incompatible = vec![false; reads.len()];
    let mut reported_order = false;
    for (ri, r) in reads.iter().enumerate() {
        let me = || name(t, r.txn);
        let d = dedup(r.elems);
        if d.len() != r.elems.len() {
            out.anomalies.push(Anomaly::new(
                Kind::DuplicateElements,
                vec![r.txn],
                format!(
                    "{} read key {kt} = {}: an element appears twice",
                    me(),
                    list(t, r.elems)
                ),
            ));
        }
        if !order.starts_with(&d) {
            incompatible[ri] = true;
            if !reported_order {
                reported_order = true;
                let longest = reads
                    .iter()
                    .find(|o| dedup(o.elems) == order)
                    .map_or(r.txn, |o| o.txn);
                out.anomalies.push(Anomaly::new(
                    Kind::IncompatibleOrder,
                    vec![r.txn, longest],
                    format!(
                        "{} read key {kt} = {}, but {} read {}: the two cannot both be prefixes of one order of appends",
                        me(),
                        list(t, r.elems),
                        name(t, longest),
                        list(t, &order)
                    ),
                ));
            }
        }
        let mut seen_failed: Option<u32> = None;
        for &e in r.elems {
            match writers.get(&(k, e)) {
                None => out.anomalies.push(Anomaly::new(
                    Kind::GarbageRead,
                    vec![r.txn],
                    format!(
                        "{} read key {kt} = {}, but no transaction appended {}",
                        me(),
                        list(t, r.elems),
                        value_text(t, e)
                    ),
                )),
                Some(w) if t.txns[w.txn as usize].outcome == Outcome::Fail => {
                    seen_failed.get_or_insert(e);
                    out.anomalies.push(Anomaly::new(
                        Kind::G1a,
                        vec![w.txn, r.txn],
                        format!(
                            "{} read key {kt} = {}, holding {}, appended by {}, which failed (aborted read)",
                            me(),
                            list(t, r.elems),
                            value_text(t, e),
                            name(t, w.txn)
                        ),
                    ));
                }
                Some(w) => {
                    if let Some(f) = seen_failed.take() {
                        let failed = writers[&(k, f)].txn;
                        out.anomalies.push(Anomaly::new(
                            Kind::DirtyUpdate,
                            vec![failed, w.txn],
                            format!(
                                "key {kt} = {} (read by {}) holds {} of {} after {} of the failed {}: a committed write built on an aborted one",
                                list(t, r.elems),
                                name(t, r.txn),
                                value_text(t, e),
                                name(t, w.txn),
                                value_text(t, f),
                                name(t, failed)
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(&last) = r.elems.last() {
            if let Some(w) = writers.get(&(k, last)) {
                if w.txn != r.txn && !w.last && t.txns[w.txn as usize].outcome != Outcome::Fail {
                    out.anomalies.push(Anomaly::new(
                        Kind::G1b,
                        vec![w.txn, r.txn],
                        format!(
                            "{} read key {kt} = {}, ending with {}, an intermediate append of {} (intermediate read)",
                            me(),
                            list(t, r.elems),
                            value_text(t, last),
                            name(t, w.txn)
                        ),
                    ));
                }
            }
        }
    }
    // Edges. Failed appenders are not part of any order.
    let committed = |e: u32| {
        writers
            .get(&(k, e))
            .filter(|w| t.txns[w.txn as usize].outcome != Outcome::Fail)
            .map(|w| w.txn)
    };
    let why = |v: u32| {
        Some(Why {
            key: k,
            value: Some(v),
        })
    };
    let g = &mut out.graph;
    let mut prev: Option<u32> = None;
    for &e in &order {
        if let Some(w) = committed(e) {
            if let Some(p) = prev {
                g.add(p, w, Rel::Ww, why(e));
            }
            prev = Some(w);
        }
    }
    // Committed appends no read saw come after everything seen.
    let observed: std::collections::HashSet<u32> = order.iter().copied().collect();
    let unseen: Vec<(u32, u32)> = appenders
        .iter()
        .copied()
        .filter(|(v, _)| !observed.contains(v))
        .collect();
    if let Some(p) = prev {
        for &(v, w) in &unseen {
            g.add(p, w, Rel::Ww, why(v));
        }
    }
    let appending: std::collections::HashSet<u32> = appenders.iter().map(|&(_, w)| w).collect();
    let mut by_prefix: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
    for (ri, r) in reads.iter().enumerate() {
        if let Some(w) = r.elems.last().and_then(|&e| committed(e)) {
            g.add(w, r.txn, Rel::Wr, why(*r.elems.last().unwrap_or(&0)));
        }
        if !r.external || incompatible[ri] {
            continue;
        }
        let seen = dedup(r.elems).len();
        match order.get(seen) {
            Some(&next) => {
                if let Some(w) = committed(next) {
                    g.add(r.txn, w, Rel::Rw, why(next));
                }
            }
            None => {
                for &(v, w) in &unseen {
                    g.add(r.txn, w, Rel::Rw, why(v));
                }
            }
        }
        if appending.contains(&r.txn) {
            by_prefix.entry(seen).or_default().push(r.txn);
        }
    }
    for (seen, txns) in by_prefix {
        if txns.len() > 1 {
            let (who, all, other) = group(t, &txns);
            out.anomalies.push(Anomaly::new(
                Kind::LostUpdate,
                txns,
                format!(
                    "{who} {all} read key {kt} = {} and then appended to it: each update is lost to {other}",
                    list(t, &order[..seen.min(order.len())])
                ),
            ));
        }
    }
}

/// `elems` with each element's first occurrence only.
fn dedup(elems: &[u32]) -> Vec<u32> {
    let mut seen = std::collections::HashSet::with_capacity(elems.len());
    elems.iter().copied().filter(|e| seen.insert(*e)).collect()
}
