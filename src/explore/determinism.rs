//! Running a seed twice and naming the first event where the two runs differ: what
//! `faultline determinism` prints, and what a sweep's determinism sample reports for a seed
//! whose second run did not match its first.

use super::Outcome;
use crate::des::trace::Trace;
use crate::sim::RunError;

/// Where two runs of one seed part ways.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The first event (from 0) whose running trace hash differs.
    pub event: usize,
    /// That event's trace line in the first run (or a note that the run had no such event).
    pub first: String,
    /// That event's trace line in the second run.
    pub second: String,
}

/// How two runs of one seed compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Every event matched: `events` of them, ending in trace hash `hash`.
    Identical {
        /// Events in each run.
        events: usize,
        /// The trace hash.
        hash: u64,
    },
    /// The runs differ.
    Differs(Difference),
}

/// The trace line of event `index` in a JSON-lines trace.
fn event_line(trace: &[u8], index: usize) -> String {
    let needle = format!("{{\"i\":{index},");
    String::from_utf8_lossy(trace)
        .lines()
        .find(|l| l.starts_with(&needle))
        .unwrap_or("(the run has no such event)")
        .to_string()
}

/// The first position where two digest lists differ (a shorter list differs where it ends).
fn first_mismatch(a: &[u64], b: &[u64]) -> Option<usize> {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or((a.len() != b.len()).then(|| a.len().min(b.len())))
}

/// Runs `seed` twice with `run`, keeping every event's digest, and compares them event by
/// event; when they differ, runs it twice more with a full trace to show the first differing
/// event of each.
pub fn compare(
    run: &(dyn Fn(u64, Trace<'_>) -> Result<Outcome, RunError> + Sync),
    seed: u64,
) -> Result<Comparison, RunError> {
    let a = run(seed, Trace::hash_only().keep_digests())?;
    let b = run(seed, Trace::hash_only().keep_digests())?;
    let (da, db) = (
        a.output.digests.unwrap_or_default(),
        b.output.digests.unwrap_or_default(),
    );
    let at = match first_mismatch(&da, &db) {
        None if a.output.trace_hash == b.output.trace_hash => {
            return Ok(Comparison::Identical {
                events: da.len(),
                hash: a.output.trace_hash,
            })
        }
        None => da.len(),
        Some(i) => i,
    };
    let mut trace_c = Vec::new();
    let c = run(seed, Trace::to_writer(&mut trace_c).keep_digests())?;
    let mut trace_d = Vec::new();
    let d = run(seed, Trace::to_writer(&mut trace_d).keep_digests())?;
    let (dc, dd) = (
        c.output.digests.unwrap_or_default(),
        d.output.digests.unwrap_or_default(),
    );
    Ok(Comparison::Differs(match first_mismatch(&dc, &dd) {
        Some(i) => Difference {
            event: i,
            first: event_line(&trace_c, i),
            second: event_line(&trace_d, i),
        },
        None => {
            let note = "(two more runs, with a full trace, did not differ)".to_string();
            Difference {
                event: at,
                first: note.clone(),
                second: note,
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_mismatch_is_where_digests_or_lengths_differ() {
        assert_eq!(first_mismatch(&[1, 2, 3], &[1, 2, 3]), None);
        assert_eq!(first_mismatch(&[1, 2, 3], &[1, 5, 3]), Some(1));
        assert_eq!(first_mismatch(&[1, 2], &[1, 2, 3]), Some(2));
        let trace = b"{\"i\":0,\"t\":1}\n{\"i\":1,\"t\":2}\n";
        assert_eq!(event_line(trace, 1), "{\"i\":1,\"t\":2}");
        assert_eq!(event_line(trace, 7), "(the run has no such event)");
    }
}
