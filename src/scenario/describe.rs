//! Plain-words descriptions of scenario values, with node names, for `faultline explain`.

use super::model::{Expect, FaultKind, Pace, Target};
use crate::des::ids::NodeId;
use crate::des::time::{format_duration, format_signed};

/// A target in the words a scenario file uses.
pub fn target(t: &Target, names: &[String]) -> String {
    match t {
        Target::Node(n) => names[n.index()].clone(),
        Target::Leader => "the leader".into(),
        Target::Random => "a random node".into(),
        Target::Minority => "a random minority".into(),
        Target::Majority => "a random majority".into(),
        Target::All => "every node".into(),
        Target::LeaderMinority => "the leader and a minority".into(),
    }
}

fn group(g: &[NodeId], names: &[String]) -> String {
    let v: Vec<&str> = g.iter().map(|n| names[n.index()].as_str()).collect();
    format!("[{}]", v.join(" "))
}

/// One fault in plain words, as the scenario states it (`isolate the leader`).
pub fn fault(kind: &FaultKind, names: &[String]) -> String {
    fault_with(kind, names, &|_, t| target(t, names))
}

/// One fault in plain words, with each target put in words by `words(slot, target)`: slot 0
/// is the fault's first target (`target` or `from`), slot 1 its second (`to`). The engine uses
/// this to say whom a fault hit when it fired (`isolate n2 (the leader)`), so a fault is
/// described the same way by `explain`, `run` and the trace.
pub fn fault_with(
    kind: &FaultKind,
    names: &[String],
    words: &dyn Fn(usize, &Target) -> String,
) -> String {
    let t = |x: &Target| words(0, x);
    let t2 = |x: &Target| words(1, x);
    match kind {
        FaultKind::Partition(groups) => {
            let g: Vec<String> = groups.iter().map(|g| group(g, names)).collect();
            format!(
                "partition {} (unlisted nodes form one more group)",
                g.join(" | ")
            )
        }
        FaultKind::Isolate(x) => format!("isolate {}", t(x)),
        FaultKind::Block { from, to } => {
            format!("block messages from {} to {}", t(from), t2(to))
        }
        FaultKind::Heal => "heal every partition and block".into(),
        FaultKind::Crash {
            target,
            restart_after,
            permanent,
        } => match (restart_after, permanent) {
            (Some(d), _) => format!("crash {}, restart after {}", t(target), format_duration(*d)),
            (None, true) => format!("crash {} for good (never restarted)", t(target)),
            (None, false) => format!("crash {} (no restart)", t(target)),
        },
        FaultKind::Restart(x) => format!("restart {}", t(x)),
        FaultKind::Pause { target, duration } => {
            format!("pause {} for {}", t(target), format_duration(*duration))
        }
        FaultKind::Clock {
            target,
            jump,
            drift_ppm,
        } => {
            let drift = drift_ppm.map(|d| format!("drift {d} ppm"));
            match drift {
                Some(drift) if *jump == 0 => format!("clock of {}: {drift}", t(target)),
                Some(drift) => format!(
                    "clock of {}: jump {}, {drift}",
                    t(target),
                    format_signed(*jump)
                ),
                None => format!("clock of {}: jump {}", t(target), format_signed(*jump)),
            }
        }
        FaultKind::CrashLoop {
            target,
            duration,
            downtime,
            uptime,
        } => format!(
            "crash-restart loop on {} for {} (down {}, up {})",
            t(target),
            format_duration(*duration),
            range(*downtime),
            range(*uptime)
        ),
        FaultKind::Flap {
            from,
            to,
            duration,
            period,
        } => format!(
            "flap links {} <-> {} for {} (each stretch {})",
            t(from),
            t2(to),
            format_duration(*duration),
            range(*period)
        ),
        FaultKind::Link {
            from,
            to,
            spec,
            duration,
            one_way,
        } => format!(
            "degrade link {} {} {} for {} (loss {})",
            t(from),
            if *one_way { "->" } else { "<->" },
            t2(to),
            format_duration(*duration),
            spec.loss.value
        ),
    }
}

/// A duration range in words: `10ms-100ms`, or one duration when both ends agree.
fn range((lo, hi): (crate::des::time::Nanos, crate::des::time::Nanos)) -> String {
    if lo == hi {
        format_duration(lo)
    } else {
        format!("{}-{}", format_duration(lo), format_duration(hi))
    }
}

/// The pace in words.
pub fn pace(p: Pace) -> String {
    match p {
        Pace::Closed => "closed loop".into(),
        Pace::Rate(r) => format!("{r} ops/s per client"),
    }
}

/// `pass` or `fail`.
pub fn expect(e: Expect) -> &'static str {
    match e {
        Expect::Pass => "pass",
        Expect::Fail => "fail",
    }
}
