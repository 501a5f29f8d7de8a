//! What makes a history well formed, and how its invocations pair with their completions.
//!
//! A history is well formed when its client entries take one of two forms:
//!
//! - **Paired** (Jepsen's usual form): each client process alternates `invoke` and one
//!   completion (`ok`, `fail` or `info`) of the same function. A completion with no invocation
//!   before it, or a second invocation while the first is still open, is malformed. An
//!   invocation may stay open at the end (the client never heard back).
//! - **Completion-only** (as Elle's test histories are written): no client entry is an
//!   `invoke`. Each completion stands for an operation whose invocation time is unknown; it is
//!   taken to have been invoked right after its process's previous completion (at the start,
//!   for a process's first operation). That is the earliest it can have begun, so the
//!   history's real-time order claims nothing the file does not say.
//!
//! Nemesis entries are ignored by both rules: a history of only nemesis entries is well formed,
//! and so is an empty one (a run whose clients did nothing). A history *file* with no entries
//! is refused by the reader instead: it is almost always a mistake.

use super::{History, Op, OpType, Process};
use std::collections::BTreeMap;

/// Why a history is not well formed: the entry (history position) at fault, and what was
/// expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// The position of the offending entry, from 0.
    pub entry: usize,
    /// What was wrong and what was expected, on one line.
    pub message: String,
}

/// How a well-formed history's client entries are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Invocations followed by completions.
    Paired,
    /// Completions only (no client `invoke`).
    CompletionOnly,
}

/// One client operation: its invocation, when it began, and its completion if any.
#[derive(Clone, Copy, Debug)]
pub struct Pair<'h> {
    /// The invocation entry (for a completion-only history, the completion itself).
    pub invoke: &'h Op,
    /// The history position at which the operation began. For a completion-only history it is
    /// the position just after the process's previous completion (0 for its first operation):
    /// the operation began before whatever is recorded at that position.
    pub call: usize,
    /// The completion, if the history has one.
    pub completion: Option<&'h Op>,
}

impl History {
    /// The form of the history's client entries, if any client entry is an invocation.
    pub fn form(&self) -> Form {
        let invokes = self
            .ops
            .iter()
            .any(|o| o.kind == OpType::Invoke && o.process != Process::Nemesis);
        if invokes || self.ops.iter().all(|o| o.process == Process::Nemesis) {
            Form::Paired
        } else {
            Form::CompletionOnly
        }
    }

    /// Checks the history is well formed (see the module documentation). `place` names an
    /// entry in messages (`line 12` for a file, `entry 12` in memory).
    pub fn check_well_formed(&self, place: &dyn Fn(usize) -> String) -> Result<Form, Malformed> {
        let form = self.form();
        if form == Form::CompletionOnly {
            return Ok(form);
        }
        let mut open: BTreeMap<Process, usize> = BTreeMap::new();
        for (i, op) in self.ops.iter().enumerate() {
            let Process::Client(p) = op.process else {
                continue;
            };
            let bad = |message: String| Err(Malformed { entry: i, message });
            match (op.kind, open.get(&op.process).copied()) {
                (OpType::Invoke, None) => {
                    open.insert(op.process, i);
                }
                (OpType::Invoke, Some(j)) => {
                    return bad(format!(
                        "process {p} invokes :{} while its :{} from {} has not completed; \
                         expected a completion (:ok, :fail or :info) first, since a process \
                         runs one operation at a time",
                        op.f.name(),
                        self.ops[j].f.name(),
                        place(j)
                    ))
                }
                (kind, None) => {
                    return bad(format!(
                        "process {p} completes (:{}) an operation it never invoked; expected \
                         an :invoke by process {p} before it (or a history of completions only)",
                        kind.name()
                    ))
                }
                (kind, Some(j)) => {
                    let invoked = &self.ops[j];
                    if invoked.f != op.f {
                        return bad(format!(
                            "process {p} completes (:{}) with :f :{} but invoked :f :{} at {}; \
                             expected the same function",
                            kind.name(),
                            op.f.name(),
                            invoked.f.name(),
                            place(j)
                        ));
                    }
                    if let (Some(done), Some(asked)) = (&op.key, &invoked.key) {
                        if done != asked {
                            return bad(format!(
                                "process {p} completes an operation on key {} that it invoked \
                                 on key {} at {}; expected the same key",
                                crate::history::fmt_value(done),
                                crate::history::fmt_value(asked),
                                place(j)
                            ));
                        }
                    }
                    open.remove(&op.process);
                }
            }
        }
        Ok(form)
    }

    /// Pairs each client operation's invocation with its completion (if any), in the order the
    /// operations began. Nemesis entries are skipped. Meant for well-formed histories; on
    /// others it pairs what it can (an orphan completion is dropped, a repeated invocation
    /// leaves the earlier one open).
    pub fn pairs(&self) -> Vec<Pair<'_>> {
        let mut out: Vec<Pair<'_>> = Vec::new();
        if self.form() == Form::CompletionOnly {
            let mut next_call: BTreeMap<Process, usize> = BTreeMap::new();
            for (i, op) in self.ops.iter().enumerate() {
                if op.process == Process::Nemesis {
                    continue;
                }
                let call = next_call.insert(op.process, i + 1).unwrap_or(0);
                out.push(Pair {
                    invoke: op,
                    call,
                    completion: Some(op),
                });
            }
            out.sort_by_key(|p| (p.call, p.invoke.index));
            return out;
        }
        let mut open: BTreeMap<Process, usize> = BTreeMap::new();
        for (i, op) in self.ops.iter().enumerate() {
            if op.process == Process::Nemesis {
                continue;
            }
            match op.kind {
                OpType::Invoke => {
                    open.insert(op.process, out.len());
                    out.push(Pair {
                        invoke: op,
                        call: i,
                        completion: None,
                    });
                }
                _ => {
                    if let Some(k) = open.remove(&op.process) {
                        out[k].completion = Some(op);
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Func, Value};

    fn op(process: Process, kind: OpType, f: Func) -> Op {
        Op {
            index: 0,
            process,
            kind,
            f,
            key: None,
            value: Value::Nil,
            time: 0,
            node: None,
        }
    }

    fn history(ops: Vec<Op>) -> History {
        let mut h = History::default();
        for o in ops {
            h.push(o);
        }
        h
    }

    fn entry(i: usize) -> String {
        format!("entry {i}")
    }

    use OpType::{Info, Invoke};
    const DONE: OpType = OpType::Ok;
    const P0: Process = Process::Client(0);
    const P1: Process = Process::Client(1);

    #[test]
    fn empty_and_nemesis_only_histories() {
        assert_eq!(
            History::default().check_well_formed(&entry),
            Ok(Form::Paired)
        );
        let nemesis = history(vec![op(Process::Nemesis, Info, Func::Other("kill".into()))]);
        assert_eq!(nemesis.check_well_formed(&entry), Ok(Form::Paired));
        assert!(nemesis.pairs().is_empty());
    }

    #[test]
    fn orphan_completions_double_invokes_and_mismatched_functions_are_malformed() {
        let orphan = history(vec![
            op(P0, Invoke, Func::Read),
            op(P0, DONE, Func::Read),
            op(P1, DONE, Func::Write),
        ]);
        let err = orphan.check_well_formed(&entry).unwrap_err();
        assert_eq!(err.entry, 2);
        assert!(err.message.contains("never invoked"), "{}", err.message);

        let twice = history(vec![
            op(P0, Invoke, Func::Read),
            op(P0, Invoke, Func::Write),
        ]);
        let err = twice.check_well_formed(&entry).unwrap_err();
        assert_eq!(err.entry, 1);
        assert!(err.message.contains("from entry 0"), "{}", err.message);

        let mismatch = history(vec![op(P0, Invoke, Func::Read), op(P0, DONE, Func::Write)]);
        let err = mismatch.check_well_formed(&entry).unwrap_err();
        assert!(err.message.contains("same function"), "{}", err.message);
    }

    #[test]
    fn open_invocations_at_the_end_are_fine() {
        let h = history(vec![
            op(P0, Invoke, Func::Write),
            op(Process::Nemesis, Info, Func::Other("start".into())),
            op(P1, Invoke, Func::Read),
            op(P1, Info, Func::Read),
        ]);
        assert_eq!(h.check_well_formed(&entry), Ok(Form::Paired));
        let pairs = h.pairs();
        assert_eq!(pairs.len(), 2);
        assert!(pairs[0].completion.is_none());
        assert_eq!(
            (pairs[1].call, pairs[1].completion.map(|c| c.index)),
            (2, Some(3))
        );
    }

    #[test]
    fn completion_only_ops_begin_after_their_process_previous_completion() {
        let h = history(vec![
            op(P0, DONE, Func::Write),
            op(P1, DONE, Func::Read),
            op(P0, DONE, Func::Read),
        ]);
        assert_eq!(h.check_well_formed(&entry), Ok(Form::CompletionOnly));
        let calls: Vec<(usize, u64)> = h.pairs().iter().map(|p| (p.call, p.invoke.index)).collect();
        assert_eq!(calls, vec![(0, 0), (0, 1), (1, 2)]);
    }
}
