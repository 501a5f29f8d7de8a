//! Durability in the log: every write or cas the cluster acknowledged must be an entry of
//! the committed log at the end of the run (protocols with a replicated log only). This is
//! Raft's promise to clients, checked on the protocol's own state rather than through reads,
//! so a later overwrite of the same key cannot mask a lost write.

use super::{CheckInput, CheckResult, Checker, Verdict};
use crate::des::ids::RequestId;
use crate::des::time::format_instant;
use crate::scenario::Scenario;
use crate::sim::{NodeFinal, RunOutput};
use std::collections::BTreeSet;

/// Acknowledged writes are in the committed log (protocols with a log).
pub struct CommittedLog;

impl Checker for CommittedLog {
    fn name(&self) -> &'static str {
        "committed-log"
    }
    fn about(&self) -> &'static str {
        "protocols with a log: every write acknowledged ok is in the committed log at the end"
    }
    fn on_by_default(&self, s: &Scenario) -> bool {
        s.workload.is_some()
    }
    fn needs(&self, s: &Scenario) -> Result<(), &'static str> {
        match s.workload {
            None => {
                Err("a [workload] whose writes to look for; expected false, or add a [workload]")
            }
            Some(_) => Ok(()),
        }
    }
    fn check(&self, input: &CheckInput<'_>) -> Option<CheckResult> {
        check_committed_log(input.run)
    }
}

/// The most complete committed log at the end: of the nodes not crashed, the one whose
/// commit index is highest (the first such in member order).
fn most_complete(out: &RunOutput) -> Option<(&NodeFinal, &[RequestId])> {
    let mut best: Option<(&NodeFinal, &[RequestId])> = None;
    for f in &out.finals {
        if let Some(c) = &f.committed {
            if best.map_or(true, |(_, b)| c.len() > b.len()) {
                best = Some((f, c));
            }
        }
    }
    best
}

/// Checks that every acknowledged write is in the committed log; `None` without a log.
pub fn check_committed_log(out: &RunOutput) -> Option<CheckResult> {
    let (node, requests) = most_complete(out)?;
    let log: BTreeSet<RequestId> = requests.iter().copied().collect();
    let commit = requests.len();
    let lost: Vec<_> = out
        .ops
        .acked_writes
        .iter()
        .filter(|w| !log.contains(&w.request))
        .collect();
    let mut result = CheckResult {
        name: "committed-log",
        verdict: Verdict::Pass,
        summary: format!(
            "all {} acknowledged writes are in {}'s committed log ({commit} client entries)",
            out.ops.acked_writes.len(),
            node.name,
        ),
        witness: Vec::new(),
        consistency: Vec::new(),
        refs: Default::default(),
    };
    if lost.is_empty() {
        return Some(result);
    }
    result.verdict = Verdict::Fail;
    result.summary = format!(
        "{} of {} acknowledged writes are missing from {}'s committed log ({commit} client entries)",
        lost.len(),
        out.ops.acked_writes.len(),
        node.name,
    );
    result.witness = lost
        .iter()
        .take(10)
        .map(|w| {
            let what = &w.txn;
            format!(
                "{what} (client {}, request {}), invoked {} and acknowledged {}, is not committed",
                w.request.client,
                w.request.seq,
                format_instant(w.invoked),
                format_instant(w.acked)
            )
        })
        .collect();
    Some(result)
}
