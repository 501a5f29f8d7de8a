//! Durability of acknowledged writes: every change the cluster acknowledged `ok` must still be
//! visible after `settle`, in the final read of its key. What "visible" means depends on what
//! the key holds:
//!
//! - **Registers** (`write`, `cas`, and `[:w k v]` in transactions): a later write may
//!   legitimately overwrite an acknowledged one, so it counts as lost only when the final
//!   read shows something that cannot have come after it: the key reads as absent, or its
//!   value was written by an operation that completed before it was invoked. A final value
//!   that no operation wrote, or that only a failed operation wrote, is also a violation.
//! - **Lists** (`[:append k v]`): every acknowledged element is in the final list, and every
//!   element of it was appended by some operation that did not fail.
//! - **Sets** (`add` of an element): every acknowledged element is in the final set, and
//!   every element of it was added by some operation that did not fail.
//! - **Counters** (`add` of an amount): the final value is at least the sum of the
//!   acknowledged additions and at most that plus the unknown (`info`) ones.
//!
//! Keys whose final read never succeeded make the verdict `unknown`.

use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::des::time::format_duration;
use crate::history::{Func, Op, OpType, Process, Value};
use crate::ops::Datum;
use crate::scenario::Scenario;
use crate::sim::RunOutput;
use std::collections::BTreeMap;

/// What one operation did to one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// Set a register.
    Write(i64),
    /// Appended to a list.
    Append(i64),
    /// Added an element or an amount (a set or a counter: the final read tells which).
    Add(i64),
}

/// A change with the operation that made it.
struct Effect<'a> {
    invoke: &'a Op,
    done: Option<&'a Op>,
    change: Change,
}

impl Effect<'_> {
    fn outcome(&self) -> Option<OpType> {
        self.done.map(|d| d.kind)
    }
    fn acked(&self) -> bool {
        self.outcome() == Some(OpType::Ok)
    }
    fn failed(&self) -> bool {
        self.outcome() == Some(OpType::Fail)
    }
    fn value(&self) -> i64 {
        match self.change {
            Change::Write(v) | Change::Append(v) | Change::Add(v) => v,
        }
    }
}

/// The changes an invocation makes, by key.
fn changes(op: &Op) -> Vec<(u64, Change)> {
    let key = op.key.as_ref().and_then(Value::as_int).unwrap_or(0) as u64;
    match (&op.f, &op.value) {
        (Func::Write, Value::Int(v)) => vec![(key, Change::Write(*v))],
        (Func::Cas, Value::List(pair)) => pair
            .get(1)
            .and_then(Value::as_int)
            .map(|v| vec![(key, Change::Write(v))])
            .unwrap_or_default(),
        (Func::Other(f), Value::Int(v)) if f == "add" => vec![(key, Change::Add(*v))],
        (Func::Other(f), Value::List(micros)) if f == "txn" => micros
            .iter()
            .filter_map(|m| match m {
                Value::List(p) if p.len() == 3 => {
                    let (k, v) = (p[1].as_int()? as u64, p[2].as_int()?);
                    match &p[0] {
                        Value::Keyword(f) if f == "w" => Some((k, Change::Write(v))),
                        Value::Keyword(f) if f == "append" => Some((k, Change::Append(v))),
                        _ => None,
                    }
                }
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn describe(e: &Effect<'_>) -> String {
    let process = match e.invoke.process {
        Process::Client(p) => format!("process {p}"),
        Process::Nemesis => "nemesis".into(),
    };
    let what = match (e.change, &e.invoke.f) {
        (Change::Write(v), Func::Cas) => format!("cas of {v}"),
        (Change::Write(v), Func::Write) => format!("write of {v}"),
        (Change::Write(v), _) => format!("write of {v} (in a transaction)"),
        (Change::Append(v), _) => format!("append of {v}"),
        (Change::Add(v), _) => format!("add of {v}"),
    };
    match e.done {
        Some(d) => format!(
            "{what} by {process} (invoked {}, {} at {})",
            format_duration(e.invoke.time),
            d.kind.name(),
            format_duration(d.time)
        ),
        None => format!(
            "{what} by {process} (invoked {}, never answered)",
            format_duration(e.invoke.time)
        ),
    }
}

/// Acknowledged writes survive to the final reads.
pub struct Durability;

impl Checker for Durability {
    fn name(&self) -> &'static str {
        "durability"
    }
    fn about(&self) -> &'static str {
        "every change acknowledged ok is visible in the final reads (unless overwritten)"
    }
    fn on_by_default(&self, s: &Scenario) -> bool {
        s.workload.as_ref().is_some_and(|w| w.final_reads)
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match &s.workload {
            None => Err("a [workload] to check; expected false, or add a [workload]"),
            Some(w) if !w.final_reads => Err("final reads; expected workload.final_reads = true"),
            Some(_) => Ok(()),
        }
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        Some(check_durability(input.run))
    }
}

/// Checks that every acknowledged change survived to the final reads.
pub fn check_durability(out: &RunOutput) -> CheckResult {
    let key_name = |k: u64| {
        if out.keyed || out.history.ops.iter().any(|o| o.f.name() == "txn") {
            format!("key {k}")
        } else {
            "the register".to_string()
        }
    };
    let mut by_key: BTreeMap<u64, Vec<Effect<'_>>> = BTreeMap::new();
    for pair in out.history.pairs() {
        for (key, change) in changes(pair.invoke) {
            by_key.entry(key).or_default().push(Effect {
                invoke: pair.invoke,
                done: pair.completion,
                change,
            });
        }
    }
    let mut witness = Vec::new();
    let mut unread = Vec::new();
    let mut acked = 0;
    for (&key, effects) in &by_key {
        let acked_here = effects.iter().filter(|e| e.acked()).count();
        acked += acked_here;
        let Some(Some(last)) = out.final_values.get(key as usize) else {
            if acked_here > 0 {
                unread.push(key_name(key));
            }
            continue;
        };
        let name = key_name(key);
        match (last, effects[0].change) {
            (_, Change::Write(_)) => registers(&name, last.as_ref(), effects, &mut witness),
            (Some(Datum::List(items)), Change::Append(_) | Change::Add(_)) => {
                elements(&name, items, effects, &mut witness)
            }
            (Some(Datum::Int(total)), Change::Add(_)) => {
                counter(&name, *total, effects, &mut witness)
            }
            (None, _) => elements(&name, &[], effects, &mut witness),
            (Some(other), _) => witness.push(format!(
                "the final read of {name} returned {other:?}, which its changes cannot produce"
            )),
        }
    }
    let (verdict, summary) = if !witness.is_empty() {
        (
            Verdict::Fail,
            format!(
                "{} acknowledged change(s) lost or corrupted out of {acked}",
                witness.len()
            ),
        )
    } else if !unread.is_empty() {
        (
            Verdict::Unknown,
            format!("no successful final read of {}", unread.join(", ")),
        )
    } else {
        (
            Verdict::Pass,
            format!("all {acked} acknowledged changes survive in the final reads"),
        )
    };
    CheckResult {
        name: "durability",
        verdict,
        summary,
        witness,
        consistency: Vec::new(),
    }
}

/// A register's final value against its writes.
fn registers(name: &str, last: Option<&Datum>, writes: &[Effect<'_>], witness: &mut Vec<String>) {
    let acked: Vec<&Effect<'_>> = writes.iter().filter(|w| w.acked()).collect();
    let Some(x) = last.and_then(Datum::as_int) else {
        for w in &acked {
            witness.push(format!(
                "{} is lost: the final read of {name} found it absent",
                describe(w)
            ));
        }
        return;
    };
    let Some(writer) = writes.iter().find(|w| w.value() == x) else {
        witness.push(format!(
            "the final read of {name} returned {x}, which no operation wrote"
        ));
        return;
    };
    if writer.failed() {
        witness.push(format!(
            "the final read of {name} returned {x}, written only by a failed {}",
            describe(writer)
        ));
    }
    let writer_done = writer.done.filter(|d| d.kind == OpType::Ok).map(|d| d.time);
    for w in &acked {
        if w.value() != x && writer_done.is_some_and(|t| t < w.invoke.time) {
            witness.push(format!(
                "{} is lost: the final read of {name} returned {x}, from the earlier {}",
                describe(w),
                describe(writer)
            ));
        }
    }
}

/// A list's or set's final elements against the appends or adds.
fn elements(name: &str, items: &[i64], changes: &[Effect<'_>], witness: &mut Vec<String>) {
    for e in changes.iter().filter(|e| e.acked()) {
        if !items.contains(&e.value()) {
            witness.push(format!(
                "{} is lost: the final read of {name} lacks it",
                describe(e)
            ));
        }
    }
    for item in items {
        match changes.iter().find(|e| e.value() == *item) {
            None => witness.push(format!(
                "the final read of {name} holds {item}, which no operation added"
            )),
            Some(e)
                if changes
                    .iter()
                    .filter(|x| x.value() == *item)
                    .all(|x| x.failed()) =>
            {
                witness.push(format!(
                    "the final read of {name} holds {item}, added only by a failed {}",
                    describe(e)
                ))
            }
            Some(_) => {}
        }
    }
}

/// A counter's final value against the additions: at least the acknowledged ones, at most
/// those plus the unknown ones (amounts are positive in faultline's workloads; a negative
/// amount widens the range the other way).
fn counter(name: &str, total: i64, adds: &[Effect<'_>], witness: &mut Vec<String>) {
    let (mut low, mut high) = (0i64, 0i64);
    for e in adds.iter().filter(|e| !e.failed()) {
        let v = e.value();
        let certain = e.acked();
        if v >= 0 {
            high = high.saturating_add(v);
            if certain {
                low = low.saturating_add(v);
            }
        } else {
            low = low.saturating_add(v);
            if certain {
                high = high.saturating_add(v);
            }
        }
    }
    if total < low {
        witness.push(format!(
            "the final read of {name} returned {total}, less than the {low} the acknowledged additions make: some were lost"
        ));
    } else if total > high {
        witness.push(format!(
            "the final read of {name} returned {total}, more than the {high} every addition that may have happened makes: some were applied twice"
        ));
    }
}
