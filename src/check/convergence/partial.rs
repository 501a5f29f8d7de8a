//! Convergence under partial replication: when some live node does not replicate every key
//! ([`NodeFinal::replicates`], from [`crate::protocol::Protocol::replicates_key`]), each key
//! is compared across the live nodes that replicate it, and only those. A replica that should
//! hold a key but lacks it while another holds it is a divergence; copies a node keeps of keys
//! it does not replicate (a sloppy quorum's hints) are not compared. Each distinct value of a
//! key is judged for legality as the whole-state comparison does.

use super::{has, judge, keys_with_removes, names, show, MAX_KEYS};
use crate::check::durability::{effects_by_key, key_name};
use crate::check::Verdict;
use crate::ops::{Key, Stored};
use crate::sim::{NodeFinal, NodeState, RunOutput};
use std::collections::BTreeSet;

/// Whether `f` replicates `key` (every key when it does not say).
pub(super) fn replicates(f: &NodeFinal, key: Key) -> bool {
    f.replicates
        .as_ref()
        .map_or(true, |keys| keys.contains(&key))
}

/// The verdict, summary and witness of a per-key comparison of the live replicas of `out`.
pub(super) fn per_key(out: &RunOutput) -> (Verdict, String, Vec<String>) {
    let live: Vec<&NodeFinal> = out
        .finals
        .iter()
        .filter(|f| f.state == NodeState::Up && f.replica.is_some())
        .collect();
    let by_key = effects_by_key(out);
    let removes = keys_with_removes(out);
    let mut keys: BTreeSet<Key> = by_key.keys().copied().collect();
    for f in &live {
        if let (Some(store), Some(own)) = (&f.replica, &f.replicates) {
            keys.extend(store.iter().map(|(k, _)| k).filter(|k| own.contains(k)));
        }
        if let Some(own) = &f.replicates {
            keys.extend(own.iter().copied());
        }
    }
    let mut diverged = Vec::new();
    let mut illegal = Vec::new();
    let mut differing = 0;
    let mut orphans = Vec::new();
    let mut compared = 0;
    for key in keys {
        let owners: Vec<&NodeFinal> = live
            .iter()
            .copied()
            .filter(|f| replicates(f, key))
            .collect();
        let name = key_name(out, key);
        if owners.is_empty() {
            if by_key.contains_key(&key) {
                orphans.push(name);
            }
            continue;
        }
        compared += 1;
        let value = |f: &NodeFinal| f.replica.as_ref().and_then(|s| s.get(key)).cloned();
        // The distinct values, the most common first (the earliest owner's on a tie).
        let mut groups: Vec<(Option<Stored>, Vec<&str>)> = Vec::new();
        for f in &owners {
            let v = value(f);
            match groups.iter_mut().find(|(g, _)| *g == v) {
                Some((_, holders)) => holders.push(f.name.as_str()),
                None => groups.push((v, vec![f.name.as_str()])),
            }
        }
        let most = groups.iter().map(|g| g.1.len()).max().unwrap_or(0);
        let first = groups.iter().position(|g| g.1.len() == most).unwrap_or(0);
        groups[..=first].rotate_right(1);
        if groups.len() > 1 {
            differing += 1;
            if diverged.len() < MAX_KEYS {
                let parts: Vec<String> = groups
                    .iter()
                    .map(|(v, holders)| {
                        format!("{} {} {}", names(holders), has(holders), show(v.as_ref()))
                    })
                    .collect();
                diverged.push(format!(
                    "{name} (replicated on {}): {}",
                    names(&owners.iter().map(|f| f.name.as_str()).collect::<Vec<_>>()),
                    parts.join(", ")
                ));
            }
        }
        if removes.contains(&key) {
            continue;
        }
        let effects = by_key.get(&key).map_or(&[][..], Vec::as_slice);
        for (v, holders) in &groups {
            judge(&name, &names(holders), v.as_ref(), effects, &mut illegal);
        }
    }
    if differing > MAX_KEYS {
        diverged.push(format!(
            "… and {} more key(s) whose replicas differ",
            differing - MAX_KEYS
        ));
    }
    let n = live.len();
    let mut summary = if differing > 0 {
        format!(
            "partial replication: {differing} of the {compared} key(s) differ between the live replicas that hold them after settle"
        )
    } else if !illegal.is_empty() {
        format!(
            "partial replication: the live replicas of each of the {compared} key(s) agree, but on a state the writes cannot produce"
        )
    } else {
        format!(
            "partial replication: the live replicas of each of the {compared} key(s) agree after settle ({n} live node(s), each key compared across the nodes that replicate it), a legal outcome of the acknowledged changes"
        )
    };
    if differing > 0 && !illegal.is_empty() {
        summary.push_str(&format!(
            ", and {} finding(s) show illegal states",
            illegal.len()
        ));
    }
    if !orphans.is_empty() {
        summary.push_str(&format!("; no live replica of {}", orphans.join(", ")));
    }
    if !removes.is_empty() {
        let keys: Vec<String> = removes.iter().map(|&k| key_name(out, k)).collect();
        summary.push_str(&format!(
            "; {} not judged for legality (the history removes elements, whose values it does not record)",
            keys.join(", ")
        ));
    }
    let mut witness = diverged;
    witness.extend(illegal);
    let verdict = if witness.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    (verdict, summary, witness)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{MicroOp, Store, Txn};
    use crate::sim::NodeFinal;

    fn node(name: &str, pairs: &[(Key, i64)], replicates: Option<&[Key]>) -> NodeFinal {
        let mut store = Store::new();
        for &(key, value) in pairs {
            store.apply(&Txn::one(MicroOp::Write { key, value }));
        }
        NodeFinal {
            name: name.into(),
            state: NodeState::Up,
            observation: None,
            committed: None,
            replica: Some(store),
            state_digest: None,
            replicates: replicates.map(|k| k.iter().copied().collect()),
        }
    }

    #[test]
    fn a_node_without_a_list_replicates_every_key() {
        let all = node("n1", &[], None);
        let some = node("n2", &[], Some(&[1, 3]));
        assert!(replicates(&all, 7));
        assert!(replicates(&some, 3) && !replicates(&some, 2));
    }
}
