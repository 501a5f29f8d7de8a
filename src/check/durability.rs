//! Durability of acknowledged writes: every write (or cas) acknowledged `ok` must still be
//! visible after `settle`, in the final read of its key.
//!
//! A later write may legitimately overwrite it, so an acknowledged write `w` counts as lost
//! only when the final read shows something that cannot have come after `w`: the key reads
//! as absent, or its value was written by an operation that completed before `w` was
//! invoked. A final value that no operation wrote, or that only a failed operation wrote, is
//! also a violation. Keys whose final read never succeeded make the verdict `unknown`.

use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::des::time::format_duration;
use crate::history::{Func, Op, OpType, Value};
use crate::ops::Datum;
use crate::scenario::Scenario;
use crate::sim::RunOutput;
use std::collections::BTreeMap;

struct Write<'a> {
    invoke: &'a Op,
    done: Option<&'a Op>,
    value: i64,
}

fn written_value(op: &Op) -> Option<i64> {
    match (&op.f, &op.value) {
        (Func::Write, Value::Int(v)) => Some(*v),
        (Func::Cas, Value::List(pair)) => pair.get(1).and_then(Value::as_int),
        _ => None,
    }
}

fn describe(w: &Write<'_>) -> String {
    let process = match w.invoke.process {
        crate::history::Process::Client(p) => format!("process {p}"),
        crate::history::Process::Nemesis => "nemesis".into(),
    };
    let f = if w.invoke.f == Func::Cas {
        "cas"
    } else {
        "write"
    };
    match w.done {
        Some(d) => format!(
            "{f} of {} by {process} (invoked {}, {} at {})",
            w.value,
            format_duration(w.invoke.time),
            d.kind.name(),
            format_duration(d.time)
        ),
        None => format!(
            "{f} of {} by {process} (invoked {}, never answered)",
            w.value,
            format_duration(w.invoke.time)
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
        "every write acknowledged ok is visible in the final reads (unless overwritten)"
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

/// Checks that every acknowledged write survived to the final reads.
pub fn check_durability(out: &RunOutput) -> CheckResult {
    let key_name = |k: u64| {
        if out.keyed {
            format!("key {k}")
        } else {
            "the register".to_string()
        }
    };
    let mut by_key: BTreeMap<u64, Vec<Write<'_>>> = BTreeMap::new();
    for pair in out.history.pairs() {
        let (invoke, done) = (pair.invoke, pair.completion);
        if let Some(value) = written_value(invoke) {
            by_key
                .entry(invoke.key.unwrap_or(0))
                .or_default()
                .push(Write {
                    invoke,
                    done,
                    value,
                });
        }
    }
    let mut witness = Vec::new();
    let mut unread = Vec::new();
    let mut acked = 0;
    for (key, writes) in &by_key {
        let acked_writes: Vec<&Write<'_>> = writes
            .iter()
            .filter(|w| w.done.is_some_and(|d| d.kind == OpType::Ok))
            .collect();
        acked += acked_writes.len();
        let Some(Some(final_value)) = out
            .final_values
            .get(*key as usize)
            .map(|f| f.as_ref().map(|d| d.as_ref().and_then(Datum::as_int)))
        else {
            if !acked_writes.is_empty() {
                unread.push(key_name(*key));
            }
            continue;
        };
        let Some(x) = final_value else {
            for w in &acked_writes {
                witness.push(format!(
                    "{} is lost: the final read of {} found it absent",
                    describe(w),
                    key_name(*key)
                ));
            }
            continue;
        };
        let Some(writer) = writes.iter().find(|w| w.value == x) else {
            witness.push(format!(
                "the final read of {} returned {x}, which no operation wrote",
                key_name(*key)
            ));
            continue;
        };
        if writer.done.is_some_and(|d| d.kind == OpType::Fail) {
            witness.push(format!(
                "the final read of {} returned {x}, written only by a failed {}",
                key_name(*key),
                describe(writer)
            ));
        }
        let writer_done = writer.done.filter(|d| d.kind == OpType::Ok).map(|d| d.time);
        for w in &acked_writes {
            if w.value != x && writer_done.is_some_and(|t| t < w.invoke.time) {
                witness.push(format!(
                    "{} is lost: the final read of {} returned {x}, from the earlier {}",
                    describe(w),
                    key_name(*key),
                    describe(writer)
                ));
            }
        }
    }
    let (verdict, summary) = if !witness.is_empty() {
        (
            Verdict::Fail,
            format!(
                "{} acknowledged write(s) lost or corrupted out of {acked}",
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
            format!("all {acked} acknowledged writes survive in the final reads"),
        )
    };
    CheckResult {
        name: "durability",
        verdict,
        summary,
        witness,
    }
}
