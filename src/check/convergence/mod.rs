//! Convergence after settle: once the workload is over, every fault has healed and `settle`
//! has given anti-entropy time to run, every replica that is up holds the same state, and
//! that state is a legal outcome of the writes the clients made. This is the *convergence*
//! half of eventual consistency (Vogels 2009, "Eventually consistent": "if no new updates
//! are made to the object, eventually all accesses will return the last updated value") and
//! of strong eventual consistency (Shapiro, Preguiça, Baquero and Zawirski 2011: replicas
//! that delivered the same updates have equivalent state), judged on the replicas' own state
//! rather than through reads. See `docs/convergence.md`.
//!
//! It reads [`NodeFinal::replica`], the state each running node's protocol exposes through
//! [`crate::protocol::Protocol::replica_state`] when the run ends, and its digest. Crashed
//! and paused nodes are skipped, and the summary says so. Legality, per key, against the
//! history's writes (the same judgements as the durability check, shared with it):
//!
//! - **registers**: absent only if no write was acknowledged; otherwise holding a value some
//!   write that did not fail (`ok` or `info`) wrote. Whether a later acknowledged write
//!   overwrote it is the durability and linearizability checks' question, not this one's;
//! - **lists**: every acknowledged append present, every element appended by an operation
//!   that did not fail, and no element more often than it was appended;
//! - **sets**: every acknowledged insert present, no element that was never inserted. The
//!   shipped workloads never remove; a key whose history removes is not judged (the summary
//!   names it), since a removal's element is not in the history;
//! - **counters**: between the least and the most the additions that did not fail can make
//!   (acknowledged ones certain, unknown ones either way; negative amounts lower the bounds).
//!
//! The verdict is `unknown` when the run stopped before `settle` ended, when no replica was
//! up, or when the protocol exposes no state.
//!
//! **Partial replication** ([`crate::protocol::Protocol::replicates_key`], e.g. `dynamo` with
//! `n` below the node count): each key is compared only across the live nodes that
//! replicate it, and one of them lacking a key the others hold is a divergence
//! ([`partial`]).

mod partial;

use super::durability::{
    counter_finding, describe, effects_by_key, element_findings, key_name, register_findings,
    Change, Effect, Finding,
};
use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::des::time::{format_duration, Nanos};
use crate::history::{OpType, Value};
use crate::ops::{Store, Stored};
use crate::scenario::Scenario;
use crate::sim::{NodeFinal, NodeState, RunOutput, StopReason};
use std::collections::BTreeSet;

/// The most differing keys the witness lists per pair of states.
const MAX_KEYS: usize = 10;
/// Lists and sets longer than this are shown shortened.
const SHOW_ELEMENTS: usize = 12;

/// Replicas agree after settle, on a legal state.
pub struct Convergence;

impl Checker for Convergence {
    fn name(&self) -> &'static str {
        "convergence"
    }
    fn about(&self) -> &'static str {
        "after settle, every replica that is up holds the same state, a legal outcome of the acknowledged writes"
    }
    fn on_by_default(&self, _: &Scenario) -> bool {
        false
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match s.workload {
            None => Err("a [workload] whose writes the replicas' state is judged against; expected false, or add a [workload]"),
            Some(_) => Ok(()),
        }
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        let s = input.scenario;
        Some(check_convergence(input.run, s.duration + s.settle))
    }
}

/// Checks that the replicas up at the end hold one state, legal for the history's writes;
/// `settle_end` is when settle ended (the scenario's `duration + settle`).
pub fn check_convergence(out: &RunOutput, settle_end: Nanos) -> CheckResult {
    let result = |verdict, summary: String, witness| CheckResult {
        name: "convergence",
        verdict,
        summary,
        witness,
        consistency: Vec::new(),
        refs: Default::default(),
    };
    match out.stop {
        StopReason::Completed | StopReason::Quiescent => {}
        StopReason::DeliveryTarget if out.end_time >= settle_end => {}
        stop => {
            let summary = format!(
                "undecided: the run stopped at {}, before settle ended at {} ({})",
                format_duration(out.end_time),
                format_duration(settle_end),
                stop.name()
            );
            return result(Verdict::Unknown, summary, Vec::new());
        }
    }
    let (replicas, skipped) = replicas(&out.finals);
    let skipped_note = if skipped.is_empty() {
        String::new()
    } else {
        format!("; not compared: {}", skipped.join(", "))
    };
    if replicas.is_empty() {
        let exposes_none = out
            .finals
            .iter()
            .any(|f| f.state == NodeState::Up && f.replica.is_none());
        let summary = if exposes_none {
            "undecided: the protocol exposes no replica state to compare".to_string()
        } else {
            format!("undecided: no replica was up at the end{skipped_note}")
        };
        return result(Verdict::Unknown, summary, Vec::new());
    }
    if out
        .finals
        .iter()
        .any(|f| f.state == NodeState::Up && f.replicates.is_some())
    {
        let (verdict, summary, witness) = partial::per_key(out);
        return result(verdict, format!("{summary}{skipped_note}"), witness);
    }
    let groups = group(&replicas);
    let mut witness = Vec::new();
    let reference = &groups[0];
    for other in &groups[1..] {
        differences(out, reference, other, &mut witness);
    }
    let diverged = witness.len();
    let by_key = effects_by_key(out);
    let removes = keys_with_removes(out);
    for g in &groups {
        let on = names(&g.holders);
        let keys: BTreeSet<u64> = by_key
            .keys()
            .copied()
            .chain(g.store.iter().map(|(k, _)| k))
            .filter(|k| !removes.contains(k))
            .collect();
        for key in keys {
            let effects = by_key.get(&key).map_or(&[][..], Vec::as_slice);
            let name = key_name(out, key);
            judge(&name, &on, g.store.get(key), effects, &mut witness);
        }
    }
    let illegal = witness.len() - diverged;
    let acked: usize = by_key.values().flatten().filter(|e| e.acked()).count();
    let unjudged = if removes.is_empty() {
        String::new()
    } else {
        let keys: Vec<String> = removes.iter().map(|&k| key_name(out, k)).collect();
        format!(
            "; {} not judged for legality (the history removes elements, whose values it does not record)",
            keys.join(", ")
        )
    };
    let live = replicas.len();
    let summary = if groups.len() > 1 {
        let states: Vec<String> = groups
            .iter()
            .map(|g| format!("{} {:016x}", names(&g.holders), g.digest))
            .collect();
        let mut s = format!(
            "the {live} live replicas hold {} different states after settle ({})",
            groups.len(),
            states.join("; ")
        );
        if illegal > 0 {
            s.push_str(&format!(", and {illegal} finding(s) show illegal states"));
        }
        s
    } else if illegal > 0 {
        format!(
            "the {live} live replica(s) agree (state {:016x}), but on a state the writes cannot produce: {illegal} finding(s)",
            reference.digest
        )
    } else {
        format!(
            "all {live} live replica(s) hold the same state after settle (digest {:016x}, {} key(s)), a legal outcome of the {acked} acknowledged change(s)",
            reference.digest,
            reference.store.len()
        )
    };
    let verdict = if witness.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    result(
        verdict,
        format!("{summary}{skipped_note}{unjudged}"),
        witness,
    )
}

/// The nodes up at the end with the state they expose, and the others in words.
fn replicas(finals: &[NodeFinal]) -> (Vec<(&str, &Store, u64)>, Vec<String>) {
    let mut up = Vec::new();
    let mut skipped = Vec::new();
    for f in finals {
        match (f.state, &f.replica) {
            (NodeState::Up, Some(store)) => {
                let digest = f.state_digest.unwrap_or_else(|| store.digest());
                up.push((f.name.as_str(), store, digest));
            }
            (NodeState::Up, None) => skipped.push(format!("{} (exposes no state)", f.name)),
            (NodeState::Paused, _) => skipped.push(format!("{} (paused)", f.name)),
            (NodeState::Crashed, _) => skipped.push(format!("{} (crashed)", f.name)),
        }
    }
    (up, skipped)
}

/// One state and the replicas holding it.
struct Group<'a> {
    store: &'a Store,
    digest: u64,
    holders: Vec<&'a str>,
}

/// The distinct states, the one most replicas hold first (the earliest in member order on a
/// tie), then in member order of their first holder.
fn group<'a>(replicas: &[(&'a str, &'a Store, u64)]) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for &(name, store, digest) in replicas {
        match groups
            .iter_mut()
            .find(|g| g.digest == digest && g.store == store)
        {
            Some(g) => g.holders.push(name),
            None => groups.push(Group {
                store,
                digest,
                holders: vec![name],
            }),
        }
    }
    let most = groups.iter().map(|g| g.holders.len()).max().unwrap_or(0);
    let first = groups
        .iter()
        .position(|g| g.holders.len() == most)
        .unwrap_or(0);
    groups[..=first].rotate_right(1);
    groups
}

/// `n1`, `n1 and n2`, `n1, n2 and n3`.
fn names(holders: &[&str]) -> String {
    match holders {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn has(holders: &[&str]) -> &'static str {
    if holders.len() == 1 {
        "has"
    } else {
        "have"
    }
}

/// One witness line per key where `b`'s state differs from `a`'s (at most [`MAX_KEYS`]).
fn differences(out: &RunOutput, a: &Group<'_>, b: &Group<'_>, witness: &mut Vec<String>) {
    let keys: BTreeSet<u64> = a
        .store
        .iter()
        .chain(b.store.iter())
        .map(|(k, _)| k)
        .collect();
    let differing: Vec<u64> = keys
        .into_iter()
        .filter(|&k| a.store.get(k) != b.store.get(k))
        .collect();
    let (an, bn) = (names(&a.holders), names(&b.holders));
    for &key in differing.iter().take(MAX_KEYS) {
        let name = key_name(out, key);
        let (va, vb, note) = show_pair(a.store.get(key), b.store.get(key));
        let mut line = format!(
            "{an} {} {name} = {va}, {bn} {} {name} = {vb}",
            has(&a.holders),
            has(&b.holders)
        );
        if let Some(note) = note {
            line.push_str("; ");
            line.push_str(&note);
        }
        witness.push(line);
    }
    if differing.len() > MAX_KEYS {
        witness.push(format!(
            "… and {} more key(s) where {bn} and {an} differ",
            differing.len() - MAX_KEYS
        ));
    }
}

/// Two values of one key, shown side by side; long lists and sets are shortened to where
/// they differ, with a note saying what was left out.
fn show_pair(a: Option<&Stored>, b: Option<&Stored>) -> (String, String, Option<String>) {
    match (a, b) {
        (Some(Stored::List(x)), Some(Stored::List(y))) if x.len().max(y.len()) > SHOW_ELEMENTS => {
            let common = x.iter().zip(y).take_while(|(p, q)| p == q).count();
            let tail = |v: &[i64]| {
                let rest = &v[common..];
                let mut shown: Vec<String> = Vec::new();
                if common > 0 {
                    shown.push("…".into());
                }
                shown.extend(rest.iter().take(SHOW_ELEMENTS).map(i64::to_string));
                if rest.len() > SHOW_ELEMENTS {
                    shown.push("…".into());
                }
                format!("[{}] ({} elements)", shown.join(" "), v.len())
            };
            let note = (common > 0).then(|| format!("the first {common} elements agree"));
            (tail(x), tail(y), note)
        }
        (Some(Stored::Set(x)), Some(Stored::Set(y))) if x.len().max(y.len()) > SHOW_ELEMENTS => {
            let only = |p: &BTreeSet<i64>, q: &BTreeSet<i64>| {
                let d: Vec<String> = p.difference(q).map(i64::to_string).collect();
                if d.is_empty() {
                    "nothing".to_string()
                } else {
                    d.join(" ")
                }
            };
            let note = format!(
                "only the first holds {}; only the second holds {}",
                only(x, y),
                only(y, x)
            );
            (
                format!("#{{…}} ({} elements)", x.len()),
                format!("#{{…}} ({} elements)", y.len()),
                Some(note),
            )
        }
        _ => (show(a), show(b), None),
    }
}

/// A key's value as the report shows it: `5`, `[1 2]`, `#{1 2}`, or `nothing`.
fn show(v: Option<&Stored>) -> String {
    let items = |it: &mut dyn Iterator<Item = &i64>, len: usize| {
        let all: Vec<&i64> = it.collect();
        let cut = len > SHOW_ELEMENTS;
        let shown: Vec<String> = if cut {
            let (head, tail) = (&all[..5], &all[len - 5..]);
            let mut s: Vec<String> = head.iter().map(|v| v.to_string()).collect();
            s.push("…".into());
            s.extend(tail.iter().map(|v| v.to_string()));
            s
        } else {
            all.iter().map(|v| v.to_string()).collect()
        };
        let count = if cut {
            format!(" ({len} elements)")
        } else {
            String::new()
        };
        (shown.join(" "), count)
    };
    match v {
        None => "nothing".into(),
        Some(Stored::Register(x) | Stored::Counter(x)) => x.to_string(),
        Some(Stored::List(l)) => {
            let (s, n) = items(&mut l.iter(), l.len());
            format!("[{s}]{n}")
        }
        Some(Stored::Set(l)) => {
            let (s, n) = items(&mut l.iter(), l.len());
            format!("#{{{s}}}{n}")
        }
    }
}

/// Judges one key of one state against its effects; witness lines say where (`on`).
fn judge(
    name: &str,
    on: &str,
    held: Option<&Stored>,
    effects: &[Effect<'_>],
    witness: &mut Vec<String>,
) {
    let Some(first) = effects.first() else {
        if let Some(v) = held {
            witness.push(format!(
                "{name} on {on} holds {}, which no operation wrote",
                show(Some(v))
            ));
        }
        return;
    };
    let findings = match (first.change, held) {
        (Change::Write(_) | Change::Delete, None) => register_findings(None, effects),
        (Change::Write(_) | Change::Delete, Some(Stored::Register(x))) => {
            register_findings(Some(*x), effects)
        }
        (Change::Append(_) | Change::Add(_), None) => element_findings(&[], effects),
        (Change::Append(_), Some(Stored::List(items))) => {
            duplicates(name, on, items, effects, witness);
            element_findings(items, effects)
        }
        (Change::Add(_), Some(Stored::Set(items))) => {
            let items: Vec<i64> = items.iter().copied().collect();
            element_findings(&items, effects)
        }
        (Change::Add(_), Some(Stored::Counter(total))) => {
            counter_finding(*total, effects).into_iter().collect()
        }
        (change, Some(v)) => {
            let made = match change {
                Change::Write(_) | Change::Delete => "writes",
                Change::Append(_) => "appends",
                Change::Add(_) => "adds",
            };
            witness.push(format!(
                "{name} on {on} holds {} ({}), which its {made} cannot produce",
                show(Some(v)),
                v.type_name()
            ));
            return;
        }
    };
    for f in findings {
        witness.push(match f {
            Finding::Absent(e) => format!("{} is lost: {name} is absent on {on}", describe(e)),
            Finding::Missing(e) => format!("{} is lost: {name} on {on} lacks it", describe(e)),
            Finding::Unwritten(x) => {
                format!("{name} on {on} holds {x}, which no operation wrote")
            }
            Finding::OnlyFailed(x, e) => format!(
                "{name} on {on} holds {x}, written only by a failed {}",
                describe(e)
            ),
            Finding::TooLow { total, low } => format!(
                "{name} is {total} on {on}, less than the {low} the acknowledged additions make: some were lost"
            ),
            Finding::TooHigh { total, high } => format!(
                "{name} is {total} on {on}, more than the {high} every addition that may have happened makes: some were applied twice"
            ),
        });
    }
}

/// A list element held more often than operations that did not fail appended it.
fn duplicates(name: &str, on: &str, items: &[i64], effects: &[Effect<'_>], out: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for &item in items {
        if !seen.insert(item) {
            continue;
        }
        let held = items.iter().filter(|&&x| x == item).count();
        let appended = effects
            .iter()
            .filter(|e| e.value() == Some(item) && !e.failed())
            .count();
        if appended > 0 && held > appended {
            out.push(format!(
                "{name} on {on} holds {item} {held} times, but it was appended {appended} time(s)"
            ));
        }
    }
}

/// Keys the history removes from (a `remove` operation, or `[:remove k v]` in a
/// transaction).
fn keys_with_removes(out: &RunOutput) -> BTreeSet<u64> {
    let mut keys = BTreeSet::new();
    for op in out.history.ops.iter().filter(|o| o.kind == OpType::Invoke) {
        match (op.f.name(), &op.value) {
            ("remove", _) => {
                keys.insert(op.key.as_ref().and_then(Value::as_int).unwrap_or(0) as u64);
            }
            ("txn", Value::List(micros)) => {
                for m in micros {
                    if let Value::List(p) = m {
                        if matches!(p.first(), Some(Value::Keyword(f)) if f == "remove") {
                            if let Some(k) = p.get(1).and_then(Value::as_int) {
                                keys.insert(k as u64);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    keys
}
