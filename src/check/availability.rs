//! CAP reporting (DESIGN §6): for each partition window and each side of it, the fraction of
//! operations the cluster answered (`ok`, or a definite `fail` such as a cas mismatch; not
//! refusals, redirects that ran out, or silence), counted by the side the operation's client sits on (its home
//! node). Shown beside the consistency verdicts, it makes the trade-off visible: a CP
//! protocol keeps the majority side available and refuses the minority; an AP one serves
//! both sides and pays in consistency.

use crate::des::time::Nanos;
use crate::sim::RunOutput;
use serde::Serialize;

/// Operations of one side during one window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SideAvailability {
    /// The side's nodes, by name.
    pub nodes: Vec<String>,
    /// Operations the cluster answered (`ok`, or a definite `fail` such as a cas whose
    /// expected value did not match).
    pub ok: u64,
    /// Operations invoked by clients on this side during the window.
    pub total: u64,
}

/// Availability per side during one partition window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WindowAvailability {
    /// When the cut began (ns of virtual time).
    pub start_ns: Nanos,
    /// When it changed or healed.
    pub end_ns: Nanos,
    /// Each side, ordered by its smallest node.
    pub sides: Vec<SideAvailability>,
}

/// Availability per partition window and side, plus (ok, total) outside every window.
pub fn availability(out: &RunOutput) -> (Vec<WindowAvailability>, (u64, u64)) {
    let mut outside = (0, 0);
    let mut windows: Vec<WindowAvailability> = out
        .partitions
        .iter()
        .map(|w| WindowAvailability {
            start_ns: w.start,
            end_ns: w.end,
            sides: w
                .sides
                .iter()
                .map(|s| SideAvailability {
                    nodes: s.iter().map(|n| out.nodes[n.index()].clone()).collect(),
                    ok: 0,
                    total: 0,
                })
                .collect(),
        })
        .collect();
    for o in &out.ops.outcomes {
        let ok = u64::from(o.answered);
        let window = out
            .partitions
            .iter()
            .position(|w| w.start <= o.invoked && o.invoked < w.end);
        let Some(wi) = window else {
            outside.0 += ok;
            outside.1 += 1;
            continue;
        };
        if let Some(si) = out.partitions[wi]
            .sides
            .iter()
            .position(|s| s.contains(&o.home))
        {
            let side = &mut windows[wi].sides[si];
            side.ok += ok;
            side.total += 1;
        }
    }
    (windows, outside)
}

/// `answered/total (pct%)`, or `no ops`.
pub fn ratio(ok: u64, total: u64) -> String {
    match (ok * 100).checked_div(total) {
        None => "no ops".into(),
        Some(pct) => format!("{ok}/{total} answered ({pct}%)"),
    }
}
