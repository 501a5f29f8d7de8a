//! Durability of acknowledged writes: every change the cluster acknowledged `ok` must still be
//! visible after `settle`, in the final read of its key. What "visible" means depends on what
//! the key holds:
//!
//! - **Registers** (`write`, `cas`, `delete`, and `[:w k v]` in transactions): a later write
//!   may legitimately overwrite an acknowledged one, so it counts as lost only when the final
//!   read shows something that cannot have come after it: the key reads as absent (and no
//!   delete that did not fail can have come after it), or its value was written by an
//!   operation that completed before it was invoked. A delete is a write of "absent": an
//!   acknowledged delete is lost when the final read returns a value written by an operation
//!   that completed before the delete was invoked — deleted data that came back (Cassandra's
//!   zombie, see the `dynamo` protocol's `tombstone_expiry`). A final value that no operation
//!   wrote, or that only a failed operation wrote, is also a violation.
//! - **Lists** (`[:append k v]`): every acknowledged element is in the final list, and every
//!   element of it was appended by some operation that did not fail.
//! - **Sets** (`add` of an element): every acknowledged element is in the final set, and
//!   every element of it was added by some operation that did not fail.
//! - **Counters** (`add` of an amount): the final value is at least the sum of the
//!   acknowledged additions and at most that plus the unknown (`info`) ones.
//!
//! Keys whose final read never succeeded make the verdict `unknown`.
//!
//! The judgements of what a key's contents say about its changes ([`Finding`]) are shared
//! with the convergence check, which makes them of the replicas' own states.

use super::{CheckInput, CheckResult, Checker, Verdict, WitnessRefs};
use crate::des::time::format_instant;
use crate::history::{Func, Op, OpType, Process, Value};
use crate::ops::Datum;
use crate::scenario::Scenario;
use crate::sim::RunOutput;
use std::collections::BTreeMap;

/// What one operation did to one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Change {
    /// Set a register.
    Write(i64),
    /// Deleted a register (it reads as absent).
    Delete,
    /// Appended to a list.
    Append(i64),
    /// Added an element or an amount (a set or a counter: the final read tells which).
    Add(i64),
}

/// A change with the operation that made it.
pub(super) struct Effect<'a> {
    /// The invocation.
    pub(super) invoke: &'a Op,
    /// Its completion (`None`: never answered).
    pub(super) done: Option<&'a Op>,
    /// What it did to the key.
    pub(super) change: Change,
}

impl Effect<'_> {
    fn outcome(&self) -> Option<OpType> {
        self.done.map(|d| d.kind)
    }
    /// Acknowledged `ok`: it certainly happened.
    pub(super) fn acked(&self) -> bool {
        self.outcome() == Some(OpType::Ok)
    }
    /// Answered `fail`: it certainly did not happen.
    pub(super) fn failed(&self) -> bool {
        self.outcome() == Some(OpType::Fail)
    }
    /// The value written, appended or added (`None` for a delete).
    pub(super) fn value(&self) -> Option<i64> {
        match self.change {
            Change::Write(v) | Change::Append(v) | Change::Add(v) => Some(v),
            Change::Delete => None,
        }
    }

    /// Whether it certainly completed before `later` was invoked (an `ok` answered earlier).
    fn done_before(&self, later: &Effect<'_>) -> bool {
        self.done
            .is_some_and(|d| d.kind == OpType::Ok && d.time < later.invoke.time)
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
        (Func::Other(f), _) if f == "delete" => vec![(key, Change::Delete)],
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

/// The change in words, with its process and outcome.
pub(super) fn describe(e: &Effect<'_>) -> String {
    let process = match e.invoke.process {
        Process::Client(p) => format!("process {p}"),
        Process::Nemesis => "nemesis".into(),
    };
    let what = match (e.change, &e.invoke.f) {
        (Change::Write(v), Func::Cas) => format!("cas of {v}"),
        (Change::Write(v), Func::Write) => format!("write of {v}"),
        (Change::Write(v), _) => format!("write of {v} (in a transaction)"),
        (Change::Delete, _) => "delete".to_string(),
        (Change::Append(v), _) => format!("append of {v}"),
        (Change::Add(v), _) => format!("add of {v}"),
    };
    match e.done {
        Some(d) => format!(
            "{what} by {process} (invoked {}, {} at {})",
            format_instant(e.invoke.time),
            d.kind.name(),
            format_instant(d.time)
        ),
        None => format!(
            "{what} by {process} (invoked {}, never answered)",
            format_instant(e.invoke.time)
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

/// How reports name key `k`: `key 3`, or `the register` for a single unkeyed register.
pub(super) fn key_name(out: &RunOutput, k: u64) -> String {
    if out.keyed || out.history.ops.iter().any(|o| o.f.name() == "txn") {
        format!("key {k}")
    } else {
        "the register".to_string()
    }
}

/// Every change the history's operations made (or may have made), by key, in invocation
/// order.
pub(super) fn effects_by_key(out: &RunOutput) -> BTreeMap<u64, Vec<Effect<'_>>> {
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
    by_key
}

/// Checks that every acknowledged change survived to the final reads.
pub fn check_durability(out: &RunOutput) -> CheckResult {
    let key_name = |k: u64| key_name(out, k);
    let by_key = effects_by_key(out);
    let mut witness = Vec::new();
    let mut refs = WitnessRefs::default();
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
            (_, Change::Write(_) | Change::Delete) => {
                registers(&name, last.as_ref(), effects, &mut witness, &mut refs)
            }
            (Some(Datum::List(items)), Change::Append(_) | Change::Add(_)) => {
                elements(&name, items, effects, &mut witness, &mut refs)
            }
            (Some(Datum::Int(total)), Change::Add(_)) => {
                counter(&name, *total, effects, &mut witness)
            }
            (None, _) => elements(&name, &[], effects, &mut witness, &mut refs),
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
        refs,
    }
}

/// What a key's contents say about the changes made to it: the judgements durability (on
/// the final reads) and convergence (on the replicas' states) share; each words them itself.
pub(super) enum Finding<'e, 'a> {
    /// The key holds nothing although this change was acknowledged.
    Absent(&'e Effect<'a>),
    /// This acknowledged append or add is not among the key's elements.
    Missing(&'e Effect<'a>),
    /// The key holds this value or element, which no operation wrote.
    Unwritten(i64),
    /// The key holds this value or element, which only failed operations (the first one
    /// given) wrote.
    OnlyFailed(i64, &'e Effect<'a>),
    /// A counter below `low`, the sum of the acknowledged additions.
    TooLow {
        /// The counter.
        total: i64,
        /// The least it may be.
        low: i64,
    },
    /// A counter above `high`, the sum of every addition that may have happened.
    TooHigh {
        /// The counter.
        total: i64,
        /// The most it may be.
        high: i64,
    },
}

/// The value or element `x` against the changes that could have put it there: written by
/// some operation that did not fail.
fn origin<'e, 'a>(x: i64, changes: &'e [Effect<'a>]) -> Option<Finding<'e, 'a>> {
    let mut writers = changes.iter().filter(|e| e.value() == Some(x));
    match writers.next() {
        None => Some(Finding::Unwritten(x)),
        Some(first) if first.failed() && writers.all(|e| e.failed()) => {
            Some(Finding::OnlyFailed(x, first))
        }
        Some(_) => None,
    }
}

/// A register holding `value` (`None`: absent) against its writes and deletes: absent only
/// if every acknowledged write may have been followed by a delete (one that did not fail and
/// did not complete before the write began), otherwise written by an operation that did not
/// fail. (Whether a later acknowledged write overwrote it is the durability check's own
/// question.)
pub(super) fn register_findings<'e, 'a>(
    value: Option<i64>,
    writes: &'e [Effect<'a>],
) -> Vec<Finding<'e, 'a>> {
    let deletable = |w: &Effect<'_>| {
        writes
            .iter()
            .any(|d| d.change == Change::Delete && !d.failed() && !d.done_before(w))
    };
    match value {
        None => writes
            .iter()
            .filter(|w| w.acked() && w.change != Change::Delete && !deletable(w))
            .map(Finding::Absent)
            .collect(),
        Some(x) => origin(x, writes).into_iter().collect(),
    }
}

/// A list's or set's elements against the appends or adds: every acknowledged one is
/// present, and every element was put there by an operation that did not fail.
pub(super) fn element_findings<'e, 'a>(
    items: &[i64],
    changes: &'e [Effect<'a>],
) -> Vec<Finding<'e, 'a>> {
    let mut found: Vec<Finding<'e, 'a>> = changes
        .iter()
        .filter(|e| e.acked() && e.value().is_some_and(|v| !items.contains(&v)))
        .map(Finding::Missing)
        .collect();
    found.extend(items.iter().filter_map(|&item| origin(item, changes)));
    found
}

/// A counter's value against the additions: at least the acknowledged ones, at most those
/// plus the unknown (`info`) ones. With negative amounts the bounds are a minimum and a
/// maximum over which uncertain additions happened: an unknown negative amount lowers the
/// least value, an unknown positive one raises the most.
pub(super) fn counter_finding<'e, 'a>(
    total: i64,
    adds: &'e [Effect<'a>],
) -> Option<Finding<'e, 'a>> {
    let (mut low, mut high) = (0i64, 0i64);
    for e in adds.iter().filter(|e| !e.failed()) {
        let Some(v) = e.value() else { continue };
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
        Some(Finding::TooLow { total, low })
    } else if total > high {
        Some(Finding::TooHigh { total, high })
    } else {
        None
    }
}

/// Names the operation a finding is about, if it is about one.
fn note(f: &Finding<'_, '_>, refs: &mut WitnessRefs) {
    match f {
        Finding::Absent(e) | Finding::Missing(e) | Finding::OnlyFailed(_, e) => {
            refs.add_op(e.invoke.index)
        }
        Finding::Unwritten(_) | Finding::TooLow { .. } | Finding::TooHigh { .. } => {}
    }
}

/// A register's final value against its writes.
fn registers(
    name: &str,
    last: Option<&Datum>,
    writes: &[Effect<'_>],
    witness: &mut Vec<String>,
    refs: &mut WitnessRefs,
) {
    let value = last.and_then(Datum::as_int);
    for f in register_findings(value, writes) {
        note(&f, refs);
        witness.push(match f {
            Finding::Absent(w) => format!(
                "{} is lost: the final read of {name} found it absent",
                describe(w)
            ),
            Finding::Unwritten(x) => {
                format!("the final read of {name} returned {x}, which no operation wrote")
            }
            Finding::OnlyFailed(x, w) => format!(
                "the final read of {name} returned {x}, written only by a failed {}",
                describe(w)
            ),
            // Not findings about registers or elements.
            Finding::Missing(_) | Finding::TooLow { .. } | Finding::TooHigh { .. } => continue,
        });
    }
    let Some(x) = value else { return };
    let Some(writer) = writes.iter().find(|w| w.value() == Some(x)) else {
        return;
    };
    for w in writes.iter().filter(|w| w.acked()) {
        if w.value() != Some(x) && writer.done_before(w) {
            let back = if w.change == Change::Delete {
                " (the deleted value came back)"
            } else {
                ""
            };
            refs.add_edge(w.invoke.index, writer.invoke.index, "lost-to-earlier");
            witness.push(format!(
                "{} is lost: the final read of {name} returned {x}, from the earlier {}{back}",
                describe(w),
                describe(writer)
            ));
        }
    }
}

/// A list's or set's final elements against the appends or adds.
fn elements(
    name: &str,
    items: &[i64],
    changes: &[Effect<'_>],
    witness: &mut Vec<String>,
    refs: &mut WitnessRefs,
) {
    for f in element_findings(items, changes) {
        note(&f, refs);
        witness.push(match f {
            Finding::Missing(e) => {
                format!("{} is lost: the final read of {name} lacks it", describe(e))
            }
            Finding::Unwritten(item) => {
                format!("the final read of {name} holds {item}, which no operation added")
            }
            Finding::OnlyFailed(item, e) => format!(
                "the final read of {name} holds {item}, added only by a failed {}",
                describe(e)
            ),
            // Not findings about elements.
            Finding::Absent(_) | Finding::TooLow { .. } | Finding::TooHigh { .. } => continue,
        });
    }
}

/// A counter's final value against the additions.
fn counter(name: &str, total: i64, adds: &[Effect<'_>], witness: &mut Vec<String>) {
    match counter_finding(total, adds) {
        Some(Finding::TooLow { total, low }) => witness.push(format!(
            "the final read of {name} returned {total}, less than the {low} the acknowledged additions make: some were lost"
        )),
        Some(Finding::TooHigh { total, high }) => witness.push(format!(
            "the final read of {name} returned {total}, more than the {high} every addition that may have happened makes: some were applied twice"
        )),
        _ => {}
    }
}
