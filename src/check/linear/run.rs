//! Checking a whole history with one model: split it per key (P-compositionality: a history
//! is linearizable iff each key's sub-history is), prepare each key's ops, search, and
//! combine the per-key answers into one [`Linearizability`].

use super::model::{fmt_value, Model, OpView, Refutation, Shortcut};
use super::prepare::{split, Group};
use super::search::{search, Failure, Outcome, SearchOp};
use super::timeline::process_name;
use super::witness::{build, Witness};
use super::{Budget, InputError, Linearizability};
use crate::check::Verdict;
use crate::history::{History, Value};

enum KeyOutcome {
    Pass,
    /// Linearizable, decided without search.
    Decided,
    Fail(String, Box<Witness>),
    Unknown(String),
}

fn key_prefix(key: &Option<Value>) -> String {
    key.as_ref()
        .map_or(String::new(), |k| format!("key {}: ", fmt_value(k)))
}

/// One key's model and its ops, prepared for the search.
struct Prepared<'g, 'h, M: Model> {
    group: &'g Group<'h>,
    model: M,
    ops: Vec<SearchOp<M::Op>>,
}

/// Turns a key's calls into the model's ops; an op the model cannot run is bad input.
fn prepare_group<'g, 'h, M: Model>(
    mut model: M,
    group: &'g Group<'h>,
) -> Result<Prepared<'g, 'h, M>, InputError> {
    let mut ops = Vec::with_capacity(group.calls.len());
    for (c, failed) in group
        .calls
        .iter()
        .map(|c| (c, false))
        .chain(group.failed.iter().map(|c| (c, true)))
    {
        let view = OpView {
            process: c.process,
            f: c.f,
            value: &c.value,
            known: c.known,
        };
        let op = model.prepare(&view).map_err(|e| InputError::Entry {
            entry: c.entry,
            message: format!(
                "{}{} {} {}: {e}",
                key_prefix(&group.key),
                process_name(c.process),
                c.f.name(),
                fmt_value(&c.value)
            ),
        })?;
        // A failed op did not happen: it had to fit the model, and is dropped.
        if !failed && !model.is_noop(&op) {
            ops.push(SearchOp {
                op,
                process: c.process,
                call: c.call,
                ret: c.ret,
            });
        }
    }
    Ok(Prepared { group, model, ops })
}

fn check_group<M: Model>(
    p: &Prepared<'_, '_, M>,
    budget: &Budget<'_>,
    states: &mut u64,
) -> KeyOutcome {
    let (model, group, ops) = (&p.model, p.group, &p.ops);
    match search(model, ops, budget, states) {
        Outcome::Linearizable => KeyOutcome::Pass,
        Outcome::OutOfBudget(why) => {
            KeyOutcome::Unknown(format!("{}{why}", key_prefix(&group.key)))
        }
        Outcome::Violation(failure) => {
            let witness = build(model, group.key.as_ref(), ops, &failure);
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

/// One key decided without search (see [`Model::decide`]), if the model can.
fn decide<M: Model>(p: &Prepared<'_, '_, M>) -> Option<KeyOutcome> {
    let timed: Vec<_> = p.ops.iter().map(|o| (&o.op, o.call, o.ret)).collect();
    Some(match p.model.decide(&timed)? {
        Shortcut::Linearizable => KeyOutcome::Decided,
        Shortcut::Refuted(r) => refuted(&p.model, p.group, &p.ops, &r),
    })
}

/// A key refuted without search: the refutation's op can never succeed.
fn refuted<M: Model>(
    model: &M,
    group: &Group<'_>,
    ops: &[SearchOp<M::Op>],
    refutation: &Refutation,
) -> KeyOutcome {
    let why = &refutation.why;
    let failure = Failure {
        prefix: Vec::new(),
        prefix_state: model.init(),
        blocked: refutation.op,
        blocked_states: Vec::new(),
        more_states: false,
        named: refutation.involved.clone(),
    };
    let mut witness = build(model, group.key.as_ref(), ops, &failure);
    let stuck = &mut witness.stuck[0];
    stuck.conflicts = vec![why.to_string()];
    stuck.conflict_calls = refutation.involved.iter().map(|&i| ops[i].call).collect();
    let entries = match stuck.completed_at {
        Some(r) => format!("entries {}–{r}", stuck.invoked_at),
        None => format!("entry {}", stuck.invoked_at),
    };
    let reason = format!(
        "{}{} ({entries}) cannot take effect in any order: {why}",
        key_prefix(&group.key),
        stuck.op
    );
    witness.prefix.clear();
    witness.explanation = format!(
        "{} ({entries}) cannot take effect in any order of the history: {why}. (Decided \
         without search: with unique written values each read names the write it read from, \
         and real time settles the rest.)",
        stuck.op
    );
    KeyOutcome::Fail(reason, Box::new(witness))
}

/// Checks `history` with models from `make`, which gets each key's initial value.
pub(crate) fn run<M: Model>(
    history: &History,
    tuples: bool,
    budget: &Budget<'_>,
    init_for: impl Fn(Option<&Value>) -> Value,
    make: impl Fn(&Value) -> Result<M, String>,
) -> Result<Linearizability, InputError> {
    make(&init_for(None)).map_err(InputError::Init)?;
    let split = split(history, tuples)?;
    let mut prepared = Vec::with_capacity(split.groups.len());
    for group in &split.groups {
        let model = make(&init_for(group.key.as_ref()))
            .map_err(|e| InputError::Init(format!("{}{e}", key_prefix(&group.key))))?;
        prepared.push(prepare_group(model, group)?);
    }
    let mut states = 0u64;
    let mut fails: Vec<(String, Box<Witness>)> = Vec::new();
    let mut unknowns: Vec<String> = Vec::new();
    // Decisions without search first, over every key; the search only where none applies.
    let mut cheap: Vec<Option<KeyOutcome>> = if budget.search_only {
        prepared.iter().map(|_| None).collect()
    } else {
        prepared.iter().map(decide).collect()
    };
    let first_refuted = cheap
        .iter()
        .position(|o| matches!(o, Some(KeyOutcome::Fail(..))));
    let mut decided = 0;
    let mut checked = 0;
    for (k, p) in prepared.iter().enumerate() {
        if !budget.all_keys && first_refuted.is_some_and(|f| k != f) {
            continue;
        }
        checked += 1;
        let outcome = match cheap[k].take() {
            Some(o) => o,
            None => check_group(p, budget, &mut states),
        };
        match outcome {
            KeyOutcome::Pass => {}
            KeyOutcome::Decided => decided += 1,
            KeyOutcome::Fail(reason, witness) => {
                fails.push((reason, witness));
                if !budget.all_keys {
                    break;
                }
            }
            KeyOutcome::Unknown(reason) => unknowns.push(reason),
        }
    }
    let keys = split.groups.len();
    let keyed = split.groups.iter().any(|g| g.key.is_some());
    let of_keys = |n: usize| {
        if keyed {
            format!(" ({n} of {keys} key{})", if keys == 1 { "" } else { "s" })
        } else {
            String::new()
        }
    };
    let (verdict, reason, witness) = if let Some((reason, witness)) = fails.first() {
        let more = if checked < keys {
            format!(" (stopped at the first failing key, {checked} of {keys} checked; --all-keys checks every key)")
        } else {
            of_keys(fails.len())
        };
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
            format!(" over {keys} key{}", if keys == 1 { "" } else { "s" })
        } else {
            String::new()
        };
        let how = match (decided, keys) {
            (0, _) => format!("{states} states explored"),
            (d, k) if d == k => "decided without search".to_string(),
            (d, k) => format!("{d} of {k} keys decided without search, {states} states explored"),
        };
        (
            Verdict::Pass,
            format!(
                "linearizable: {ops} ops ({open} without an ok reply, {} failed){key_text}; {how}",
                split.failed
            ),
            None,
        )
    };
    Ok(Linearizability {
        verdict,
        reason,
        witness,
        states_explored: states,
        keys_checked: keys,
    })
}
