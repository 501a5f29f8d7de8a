//! How a witness relates its operations, in words. The relations a sentence can carry are
//! told inline, on the operation they leave: a stale read's `conflict` with the write that
//! overwrote what it read (`, but the write of 19 was acknowledged by n3 at 1.470 s`), a
//! read's `missed` write, a lost write's `lost-to-earlier`. The others (a dependency cycle's
//! `ww`, `wr`, `rw`, `realtime`; a session's order) are told together in one sentence.

use super::ops::Told;
use super::time;
use crate::check::{CheckResult, WitnessEdge};
use crate::history::{Func, History, OpType};

/// At most this many relations go into the witness sentence.
const MAX_EDGES: usize = 6;

/// The clause `e` adds to the sentence of the operation it leaves (`from`), reaching `to`;
/// `Some("")` when it says nothing the story does not (a read's conflict with the write it
/// read from); `None` when the relation is told in the witness sentence instead.
pub(super) fn clause(e: &WitnessEdge, from: &Told<'_>, to: &Told<'_>) -> Option<String> {
    match e.label.as_str() {
        "conflict" => {
            let read = from
                .done
                .filter(|d| d.kind == OpType::Ok && from.invoke.f == Func::Read);
            match read {
                Some(d) if to.invoke.f == Func::Write && to.invoke.value == d.value => {
                    Some(String::new())
                }
                Some(_) => Some(but(to)),
                None => Some(format!(", which conflicts with {}{}", to.noun(), acked(to))),
            }
        }
        "missed" => Some(but(to)),
        "lost-to-earlier" => Some(format!(
            "; it is lost later: the final read finds {} instead",
            to.noun().replacen("the ", "the earlier ", 1)
        )),
        _ => None,
    }
}

/// `, but 19 was acknowledged by n3 at 1.470 s` for a write a read missed.
fn but(w: &Told<'_>) -> String {
    if w.ok() {
        format!(", but {} was{}", w.noun(), acked(w).trim_start_matches(','))
    } else {
        format!(", but {} was invoked at {}", w.noun(), time(w.invoke.time))
    }
}

/// `, acknowledged by n3 at 1.470 s` (or without the node when unknown); empty when it was
/// not acknowledged.
fn acked(w: &Told<'_>) -> String {
    match (w.ok(), w.node()) {
        (true, Some(n)) => format!(", acknowledged by {n} at {}", time(w.time())),
        (true, None) => format!(", acknowledged at {}", time(w.time())),
        _ => String::new(),
    }
}

/// The relations not told inline, in one sentence, if there are any.
pub(super) fn sentence(failing: &[&CheckResult], history: &History) -> Option<String> {
    let name = |i: u64| match Told::find(history, i) {
        Some(t) => format!(
            "{} by {} ({})",
            t.noun().trim_start_matches("the "),
            t.who(),
            time(t.time())
        ),
        None => format!("entry {i}"),
    };
    let edges: Vec<&WitnessEdge> = failing
        .iter()
        .flat_map(|c| c.refs.edges.iter())
        .filter(|e| !matches!(e.label.as_str(), "conflict" | "missed" | "lost-to-earlier"))
        .collect();
    if edges.is_empty() {
        return None;
    }
    let told: Vec<String> = edges
        .iter()
        .take(MAX_EDGES)
        .map(|e| {
            format!(
                "{} \u{2014}{}\u{2192} {}",
                name(e.from),
                e.label,
                name(e.to)
            )
        })
        .collect();
    let more = match edges.len().saturating_sub(MAX_EDGES) {
        0 => String::new(),
        n => format!(" (and {n} more)"),
    };
    Some(format!(
        "the witness relates them: {}{more}",
        told.join("; ")
    ))
}
