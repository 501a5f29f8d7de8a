//! Client operations as story sentences: a witnessed operation (by the `Op::index` of its
//! invocation) with its completion, the node that answered, its value and its times.

use super::time;
use crate::des::time::Nanos;
use crate::history::{fmt_value, Func, History, Op, OpType, Process, Value};

/// One operation: its invocation and, if it completed, its completion.
#[derive(Clone, Copy, Debug)]
pub(super) struct Told<'a> {
    /// The invocation.
    pub(super) invoke: &'a Op,
    /// The completion (`ok`, `fail` or `info`), if the history has one.
    pub(super) done: Option<&'a Op>,
}

impl<'a> Told<'a> {
    /// The operation whose invocation is entry `index` of `history` (any entry of it: a
    /// completion's index finds its invocation), or `None` when there is no such entry.
    pub(super) fn find(history: &'a History, index: u64) -> Option<Told<'a>> {
        let at = usize::try_from(index).ok()?;
        let entry = history.ops.get(at)?;
        let invoke_at = if entry.kind == OpType::Invoke {
            at
        } else {
            history.ops[..at]
                .iter()
                .rposition(|o| o.process == entry.process && o.kind == OpType::Invoke)?
        };
        let invoke = &history.ops[invoke_at];
        let done = history.ops[invoke_at + 1..]
            .iter()
            .find(|o| o.process == invoke.process)
            .filter(|o| o.kind != OpType::Invoke);
        Some(Told { invoke, done })
    }

    /// When the story places it: its completion, or its invocation when it never completed.
    pub(super) fn time(&self) -> Nanos {
        self.done.map_or(self.invoke.time, |d| d.time)
    }

    /// The node that answered, if one did.
    pub(super) fn node(&self) -> Option<&'a str> {
        self.done.and_then(|d| d.node.as_deref())
    }

    /// Whether it was acknowledged (`ok`).
    pub(super) fn ok(&self) -> bool {
        self.done.is_some_and(|d| d.kind == OpType::Ok)
    }

    /// The client's short name: `client p3`.
    pub(super) fn who(&self) -> String {
        match self.invoke.process {
            Process::Client(n) => format!("client p{n}"),
            Process::Nemesis => "the nemesis".into(),
        }
    }

    /// A noun phrase for it: `the write of 591`, `p3's read of key 17`.
    pub(super) fn noun(&self) -> String {
        let key = self.key();
        match &self.invoke.f {
            Func::Write => format!("the write of {}{key}", value(&self.invoke.value)),
            Func::Read => match self.done.filter(|d| d.kind == OpType::Ok) {
                Some(d) => format!("the read of {}{key}", value(&d.value)),
                None => format!("the read{key}"),
            },
            Func::Cas => format!("the cas {}{key}", cas(&self.invoke.value)),
            Func::Other(f) => format!("the {f} {}{key}", value(&self.invoke.value)),
        }
    }

    /// ` at key 17`, or nothing for an unkeyed history.
    fn key(&self) -> String {
        match &self.invoke.key {
            Some(k) => format!(" at key {}", fmt_value(k)),
            None => String::new(),
        }
    }

    /// The sentence telling it, without its time at the front: what the client did, who
    /// answered, and when it was invoked.
    pub(super) fn sentence(&self) -> String {
        let who = self.who();
        let key = self.key();
        let inv = &self.invoke;
        let by = self.node().map(|n| format!(" {n}")).unwrap_or_default();
        let since = format!("invoked at {}", time(inv.time));
        let Some(done) = self.done else {
            return format!(
                "{who} invokes {} and the run ends before any answer",
                self.noun()
            );
        };
        match (done.kind, &inv.f) {
            (OpType::Ok, Func::Read) => {
                let from = self
                    .node()
                    .map(|n| format!(" from {n}"))
                    .unwrap_or_default();
                format!("{who} reads {}{key}{from} ({since})", value(&done.value))
            }
            (OpType::Ok, Func::Write) => format!(
                "{who}'s write of {}{key} is acknowledged by{by} ({since})",
                value(&inv.value)
            ),
            (OpType::Ok, Func::Cas) => format!(
                "{who}'s cas {}{key} is acknowledged by{by} ({since})",
                cas(&inv.value)
            ),
            (OpType::Ok, Func::Other(f)) => format!(
                "{who}'s {f} {}{key} is acknowledged by{by}{} ({since})",
                value(&inv.value),
                returning(&inv.value, &done.value)
            ),
            (OpType::Fail, _) => format!(
                "{who}'s {} fails{} ({since}): it did not happen",
                self.noun().trim_start_matches("the "),
                self.node().map(|n| format!(" at {n}")).unwrap_or_default()
            ),
            (_, _) => format!(
                "{who}'s {} gets no answer ({since}): it may or may not have happened",
                self.noun().trim_start_matches("the ")
            ),
        }
    }
}

/// A value as histories show it (EDN), with long lists shortened to their first two and last
/// three elements (`[393 411 … 447 450 452]`: a list-append read's newest elements are the
/// ones a witness is about), then cut to a readable length.
fn value(v: &Value) -> String {
    const MAX: usize = 120;
    let s = shortened(v);
    if s.chars().count() <= MAX {
        return s;
    }
    let cut: String = s.chars().take(MAX - 1).collect();
    format!("{cut}…")
}

/// [`fmt_value`], lists of more than six elements shortened (see [`value`]).
fn shortened(v: &Value) -> String {
    const LONG: usize = 6;
    match v {
        Value::List(items) => {
            let told: Vec<String> = if items.len() > LONG {
                let head = items[..2].iter().map(shortened);
                let tail = items[items.len() - 3..].iter().map(shortened);
                head.chain(std::iter::once("…".to_string()))
                    .chain(tail)
                    .collect()
            } else {
                items.iter().map(shortened).collect()
            };
            format!("[{}]", told.join(" "))
        }
        other => fmt_value(other),
    }
}

/// A compare-and-set's `[expected new]` as `expected→new`.
fn cas(v: &Value) -> String {
    match v {
        Value::List(pair) if pair.len() == 2 => {
            format!("{}\u{2192}{}", value(&pair[0]), value(&pair[1]))
        }
        other => value(other),
    }
}

/// `, returning …` when a completed operation's value says more than its invocation's (a
/// transaction's reads).
fn returning(invoked: &Value, completed: &Value) -> String {
    if invoked == completed || *completed == Value::Nil {
        String::new()
    } else {
        format!(", returning {}", value(completed))
    }
}
