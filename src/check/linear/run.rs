//! Checking a whole history with one model: split it per key (P-compositionality: a history
//! is linearizable iff each key's sub-history is), prepare each key's ops, search, and
//! combine the per-key answers into one [`Linearizability`].

use super::model::{fmt_value, Model, OpView};
use super::prepare::{split, Group};
use super::search::{search, Outcome, SearchOp};
use super::timeline::process_name;
use super::witness::{build, Witness};
use super::{Budget, Linearizability};
use crate::check::Verdict;
use crate::history::{History, Value};

enum KeyOutcome {
    Pass,
    Fail(String, Box<Witness>),
    Unknown(String),
}

fn key_prefix(key: &Option<Value>) -> String {
    key.as_ref()
        .map_or(String::new(), |k| format!("key {}: ", fmt_value(k)))
}

fn check_group<M: Model>(
    mut model: M,
    group: &Group<'_>,
    budget: &Budget<'_>,
    states: &mut u64,
) -> KeyOutcome {
    let mut ops = Vec::with_capacity(group.calls.len());
    for c in &group.calls {
        let view = OpView {
            process: c.process,
            f: c.f,
            value: &c.value,
            known: c.known,
        };
        let op = match model.prepare(&view) {
            Ok(op) => op,
            Err(e) => {
                return KeyOutcome::Unknown(format!(
                    "{}entry {} ({} {} {}): {e}",
                    key_prefix(&group.key),
                    c.call,
                    process_name(c.process),
                    c.f.name(),
                    fmt_value(&c.value)
                ))
            }
        };
        if !model.is_noop(&op) {
            ops.push(SearchOp {
                op,
                process: c.process,
                call: c.call,
                ret: c.ret,
            });
        }
    }
    match search(&model, &ops, budget, states) {
        Outcome::Linearizable => KeyOutcome::Pass,
        Outcome::OutOfBudget(why) => {
            KeyOutcome::Unknown(format!("{}{why}", key_prefix(&group.key)))
        }
        Outcome::Violation(failure) => {
            let witness = build(&model, group.key.as_ref(), &ops, &failure);
            let stuck = &witness.stuck[0];
            let entries = match stuck.completed_at {
                Some(r) => format!("entries {}–{r}", stuck.invoked_at),
                None => format!("entry {}", stuck.invoked_at),
            };
            let mut reason = format!(
                "{}{} ({entries}) cannot take effect",
                key_prefix(&group.key),
                stuck.op
            );
            let shown: Vec<&str> = stuck
                .conflicts
                .iter()
                .take(2)
                .map(|c| c.split(" (").next().unwrap_or(c))
                .collect();
            if shown.is_empty() {
                reason.push_str(" in any order that lets the later ops happen");
            } else {
                reason.push_str(&format!(": {}", shown.join(" or ")));
            }
            KeyOutcome::Fail(reason, Box::new(witness))
        }
    }
}

/// Checks `history` with models from `make`, which gets each key's initial value.
pub(crate) fn run<M: Model>(
    history: &History,
    tuples: bool,
    budget: &Budget<'_>,
    init_for: impl Fn(Option<&Value>) -> Value,
    make: impl Fn(&Value) -> Result<M, String>,
) -> Linearizability {
    let unknown = |reason: String| Linearizability {
        verdict: Verdict::Unknown,
        reason: format!("unknown: {reason}"),
        witness: None,
        states_explored: 0,
        keys_checked: 0,
    };
    if let Err(e) = make(&init_for(None)) {
        return unknown(format!("bad initial value: {e}"));
    }
    let split = match split(history, tuples) {
        Ok(s) => s,
        Err(e) => return unknown(e),
    };
    let mut states = 0u64;
    let mut fails: Vec<(String, Box<Witness>)> = Vec::new();
    let mut unknowns: Vec<String> = Vec::new();
    for group in &split.groups {
        let model = match make(&init_for(group.key.as_ref())) {
            Ok(m) => m,
            Err(e) => {
                unknowns.push(format!("{}bad initial value: {e}", key_prefix(&group.key)));
                continue;
            }
        };
        match check_group(model, group, budget, &mut states) {
            KeyOutcome::Pass => {}
            KeyOutcome::Fail(reason, witness) => fails.push((reason, witness)),
            KeyOutcome::Unknown(reason) => unknowns.push(reason),
        }
    }
    let keys = split.groups.len();
    let keyed = split.groups.iter().any(|g| g.key.is_some());
    let of_keys = |n: usize| {
        if keyed {
            format!(" ({n} of {keys} keys)")
        } else {
            String::new()
        }
    };
    let (verdict, reason, witness) = if let Some((reason, witness)) = fails.first() {
        let more = of_keys(fails.len());
        (
            Verdict::Fail,
            format!("not linearizable{more}: {reason}"),
            Some((**witness).clone()),
        )
    } else if let Some(reason) = unknowns.first() {
        let more = of_keys(unknowns.len());
        (Verdict::Unknown, format!("unknown{more}: {reason}"), None)
    } else {
        let ops: usize = split.groups.iter().map(|g| g.calls.len()).sum();
        let open = split
            .groups
            .iter()
            .flat_map(|g| &g.calls)
            .filter(|c| c.ret.is_none())
            .count();
        let key_text = if keyed {
            format!(" over {keys} keys")
        } else {
            String::new()
        };
        (
            Verdict::Pass,
            format!(
                "linearizable: {ops} ops ({open} without an ok reply, {} failed){key_text}; {states} states explored",
                split.failed
            ),
            None,
        )
    };
    Linearizability {
        verdict,
        reason,
        witness,
        states_explored: states,
        keys_checked: keys,
    }
}
