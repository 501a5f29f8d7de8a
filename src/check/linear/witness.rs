//! Turning a failed search into a [`Witness`] a student can follow: the longest linearizable
//! prefix, the op that could not be placed next, the states it met and why it cannot happen
//! in them, and a timeline of the ops around the failure.

use super::model::{fmt_value, Model};
use super::search::{Failure, SearchOp};
use super::timeline::{process_name, render, Bar};
use serde::Serialize;

/// Why a history is not linearizable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// The key whose sub-history fails (for keyed histories), in EDN.
    pub key: Option<String>,
    /// The longest linearizable prefix found, in linearization order (`p3 write 4`).
    pub prefix: Vec<String>,
    /// The model state after that prefix (`the register holds 4`).
    pub prefix_state: String,
    /// The op(s) that could not be placed next.
    pub stuck: Vec<StuckOp>,
    /// The whole story in a few sentences.
    pub explanation: String,
    /// A plain-text timeline of the ops around the failure.
    pub timeline: String,
}

/// An op that could not be placed, and what stopped it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StuckOp {
    /// The op (`p1 read 3`).
    pub op: String,
    /// History position of its invocation.
    pub invoked_at: usize,
    /// History position of its `ok` completion (`None`: no reply).
    pub completed_at: Option<usize>,
    /// The states the search found it in where it is impossible, each with the op that led
    /// there: `the register holds 4 (after p2 write 4)`.
    pub conflicts: Vec<String>,
    /// States where it could take effect, but then no order of the remaining ops works.
    pub dead_ends: Vec<String>,
    /// Why it cannot happen there (`reading 3 needs the register to hold 3`), when the model
    /// can say.
    pub why: Option<String>,
    /// History positions of the invocations whose effects make it impossible: the op after
    /// which each impossible state holds, or the ops a refutation without search names (for
    /// a stale read, the write it read from and the write that overwrote it).
    pub conflict_calls: Vec<usize>,
}

/// The op as `p3 write 4`.
pub(crate) fn label<M: Model>(model: &M, op: &SearchOp<M::Op>) -> String {
    format!("{} {}", process_name(op.process), model.describe_op(&op.op))
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Builds the witness for a failed search over `ops`.
pub(crate) fn build<M: Model>(
    model: &M,
    key: Option<&crate::history::Value>,
    ops: &[SearchOp<M::Op>],
    failure: &Failure<M::State>,
) -> Witness {
    let b = &ops[failure.blocked];
    let b_label = label(model, b);
    let after = |last: Option<usize>| match last {
        Some(i) => format!("after {}", label(model, &ops[i])),
        None => "initially".into(),
    };
    let mut impossible = Vec::new();
    let mut possible = Vec::new();
    let mut conflict_calls = Vec::new();
    for (state, last) in &failure.blocked_states {
        let text = format!("{} ({})", model.describe_state(state), after(*last));
        if model.step(state, &b.op).is_none() {
            if let Some(i) = last {
                if !conflict_calls.contains(&ops[*i].call) {
                    conflict_calls.push(ops[*i].call);
                }
            }
            impossible.push(text);
        } else {
            possible.push(text);
        }
    }
    let why = model.requirement(&b.op);
    let stuck = StuckOp {
        op: b_label.clone(),
        invoked_at: b.call,
        completed_at: b.ret,
        conflicts: impossible.clone(),
        dead_ends: possible.clone(),
        why: why.clone(),
        conflict_calls,
    };

    let key_text = key.map(fmt_value);
    let mut text = String::from("Not linearizable");
    if let Some(k) = &key_text {
        text.push_str(&format!(" (key {k})"));
    }
    let prefix: Vec<String> = failure
        .prefix
        .iter()
        .map(|&i| label(model, &ops[i]))
        .collect();
    let prefix_state = model.describe_state(&failure.prefix_state);
    if prefix.is_empty() {
        text.push_str(&format!(". No op can go first ({prefix_state})."));
    } else {
        let shown = &prefix[prefix.len().saturating_sub(3)..];
        let lead = if shown.len() < prefix.len() {
            "…, "
        } else {
            ""
        };
        text.push_str(&format!(
            ". The longest linearizable prefix has {} op{}: {lead}{}; then {prefix_state}.",
            prefix.len(),
            if prefix.len() == 1 { "" } else { "s" },
            shown.join(", ")
        ));
    }
    let when = match b.ret {
        Some(r) => format!("invoked at entry {}, ok at entry {r}", b.call),
        None => format!("invoked at entry {}", b.call),
    };
    text.push_str(&format!(
        " Next, {b_label} ({when}) had to take effect before it returned, but it cannot"
    ));
    let more = if failure.more_states {
        " (and in other states)"
    } else {
        ""
    };
    if !impossible.is_empty() {
        text.push_str(&format!(
            ": {}{more}, whatever the order of the ops before its return",
            join_or(&impossible)
        ));
        if let Some(w) = &why {
            text.push_str(&format!(", and {w}"));
        }
    }
    if !possible.is_empty() {
        let lead = if impossible.is_empty() { ": " } else { "; " };
        text.push_str(&format!(
            "{lead}when {} it can take effect, but then no order of the remaining ops works",
            join_or(&possible)
        ));
    }
    text.push('.');

    // The timeline: the prefix's last few ops, the stuck op, the ops behind its states, and
    // the ops running while it ran.
    let mut chosen: Vec<usize> = vec![failure.blocked];
    let add = |i: usize, chosen: &mut Vec<usize>| {
        if !chosen.contains(&i) && chosen.len() < 10 {
            chosen.push(i);
        }
    };
    for &i in &failure.named {
        add(i, &mut chosen);
    }
    for (_, last) in &failure.blocked_states {
        if let Some(i) = last {
            add(*i, &mut chosen);
        }
    }
    for &i in failure.prefix.iter().rev().take(3) {
        add(i, &mut chosen);
    }
    let end = b.ret.unwrap_or(usize::MAX);
    let mut concurrent: Vec<usize> = (0..ops.len())
        .filter(|&i| ops[i].call < end && !matches!(ops[i].ret, Some(r) if r <= b.call))
        .collect();
    concurrent.sort_by_key(|&i| ops[i].call.abs_diff(b.call));
    for i in concurrent {
        add(i, &mut chosen);
    }
    let bars: Vec<Bar> = chosen
        .iter()
        .map(|&i| Bar {
            label: model.describe_op(&ops[i].op),
            process: ops[i].process,
            call: ops[i].call,
            ret: ops[i].ret,
            stuck: i == failure.blocked,
        })
        .collect();

    Witness {
        key: key_text,
        prefix,
        prefix_state,
        stuck: vec![stuck],
        explanation: text,
        timeline: render(&bars),
    }
}
