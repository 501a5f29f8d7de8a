//! Durability in the log: every write or cas the cluster acknowledged must be an entry of
//! the committed log at the end of the run (protocols with a replicated log only). This is
//! Raft's promise to clients, checked on the protocol's own state rather than through reads,
//! so a later overwrite of the same key cannot mask a lost write.

use super::{CheckResult, Verdict};
use crate::des::time::format_duration;
use crate::protocol::Command;
use crate::sim::RunOutput;

/// Checks that every acknowledged write is in the committed log; `None` without a log.
pub fn check_committed_log(out: &RunOutput) -> Option<CheckResult> {
    let log = out.committed_log.as_ref()?;
    let lost: Vec<_> = out
        .ops
        .acked_writes
        .iter()
        .filter(|w| !log.requests.contains(&w.request))
        .collect();
    let mut result = CheckResult {
        name: "committed-log",
        verdict: Verdict::Pass,
        summary: format!(
            "all {} acknowledged writes are in {}'s committed log ({} entries)",
            out.ops.acked_writes.len(),
            log.node,
            log.commit
        ),
        witness: Vec::new(),
    };
    if lost.is_empty() {
        return Some(result);
    }
    result.verdict = Verdict::Fail;
    result.summary = format!(
        "{} of {} acknowledged writes are missing from {}'s committed log ({} entries)",
        lost.len(),
        out.ops.acked_writes.len(),
        log.node,
        log.commit
    );
    result.witness = lost
        .iter()
        .take(10)
        .map(|w| {
            let what = match w.command {
                Command::Write { key, value } => format!("write of {value} to key {key}"),
                Command::Cas { key, expected, new } => {
                    format!("cas {expected}->{new} on key {key}")
                }
                Command::Read { key } => format!("read of key {key}"),
            };
            format!(
                "{what} (client {}, request {}), invoked {} and acknowledged {}, is not committed",
                w.request.client,
                w.request.seq,
                format_duration(w.invoked),
                format_duration(w.acked)
            )
        })
        .collect();
    Some(result)
}
