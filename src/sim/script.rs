//! Fired faults as a script says them again: each fault the engine carries out is recorded
//! with the `[[faults]]` entries that redo it exactly, its targets resolved to the nodes it
//! hit (a crash of `all` becomes one crash per node, an isolated minority a partition), so
//! that `faultline shrink` can replace the nemesis by a fixed timeline.

use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::scenario::{Fault, FaultKind, Target};

/// The scripted faults at `at` that redo `kind`, which hit `hit` (slot 0 its first target,
/// slot 1 its second, as in [`crate::scenario::describe::fault_with`]). Restarts and
/// repeating faults give none here: a restart is recorded where it is asked for, and a
/// repeating fault's turns are recorded one by one.
pub(super) fn scripted(kind: &FaultKind, hit: &[&[NodeId]], at: Nanos) -> Vec<Fault> {
    let slot = |i: usize| hit.get(i).copied().unwrap_or_default();
    let node = |n: NodeId| Target::Node(n);
    let kinds: Vec<FaultKind> = match kind {
        FaultKind::Partition(groups) => vec![FaultKind::Partition(groups.clone())],
        FaultKind::Isolate(_) => match slot(0) {
            [] => Vec::new(),
            [one] => vec![FaultKind::Isolate(node(*one))],
            side => vec![FaultKind::Partition(vec![side.to_vec()])],
        },
        FaultKind::Block { .. } => pairs(slot(0), slot(1))
            .map(|(a, b)| FaultKind::Block {
                from: node(a),
                to: node(b),
            })
            .collect(),
        FaultKind::Heal => vec![FaultKind::Heal],
        FaultKind::Crash {
            restart_after,
            permanent,
            ..
        } => slot(0)
            .iter()
            .map(|&n| FaultKind::Crash {
                target: node(n),
                restart_after: *restart_after,
                permanent: *permanent,
            })
            .collect(),
        FaultKind::Pause { duration, .. } => slot(0)
            .iter()
            .map(|&n| FaultKind::Pause {
                target: node(n),
                duration: *duration,
            })
            .collect(),
        FaultKind::Clock {
            jump, drift_ppm, ..
        } => slot(0)
            .iter()
            .map(|&n| FaultKind::Clock {
                target: node(n),
                jump: *jump,
                drift_ppm: *drift_ppm,
            })
            .collect(),
        FaultKind::Link {
            spec,
            duration,
            one_way,
            ..
        } => pairs(slot(0), slot(1))
            .map(|(a, b)| FaultKind::Link {
                from: node(a),
                to: node(b),
                spec: *spec,
                duration: *duration,
                one_way: *one_way,
            })
            .collect(),
        FaultKind::Restart(_) | FaultKind::CrashLoop { .. } | FaultKind::Flap { .. } => Vec::new(),
    };
    kinds.into_iter().map(|kind| at_time(kind, at)).collect()
}

/// A scripted fault of `kind` at `at`, lasting until a heal.
pub(super) fn at_time(kind: FaultKind, at: Nanos) -> Fault {
    Fault {
        at,
        kind,
        lasts: None,
        line: 0,
    }
}

/// Every `(a, b)` of two different nodes with `a` in `from` and `b` in `to`.
fn pairs<'a>(from: &'a [NodeId], to: &'a [NodeId]) -> impl Iterator<Item = (NodeId, NodeId)> + 'a {
    from.iter()
        .flat_map(move |&a| to.iter().map(move |&b| (a, b)))
        .filter(|(a, b)| a != b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_targets_become_the_nodes_they_hit() {
        let crash = FaultKind::Crash {
            target: Target::All,
            restart_after: Some(5),
            permanent: false,
        };
        let hit = [NodeId(0), NodeId(2)];
        let s = scripted(&crash, &[&hit], 7);
        assert_eq!(s.len(), 2);
        assert!(s.iter().all(|f| f.at == 7));
        assert!(matches!(
            s[1].kind,
            FaultKind::Crash {
                target: Target::Node(NodeId(2)),
                restart_after: Some(5),
                ..
            }
        ));
        let side = [NodeId(1), NodeId(2)];
        let iso = scripted(&FaultKind::Isolate(Target::Minority), &[&side], 0);
        assert_eq!(iso[0].kind, FaultKind::Partition(vec![side.to_vec()]));
        assert!(scripted(&FaultKind::Isolate(Target::Leader), &[&[]], 0).is_empty());
        let block = FaultKind::Block {
            from: Target::All,
            to: Target::All,
        };
        let all = [NodeId(0), NodeId(1)];
        assert_eq!(
            scripted(&block, &[&all, &all], 0).len(),
            2,
            "self pairs left out"
        );
    }
}
