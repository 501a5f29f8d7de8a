//! Step 1 of shrinking: the faults a run fired become a scripted `[[faults]]` timeline.
//! Each [`FiredFault`] carries the scripted faults that redo it (targets resolved to the
//! nodes they hit, a nemesis fault's end made explicit as a `duration` or `restart_after`);
//! this module writes them as TOML tables, and pins the protocol knobs a swarm seed drew into
//! `[cluster.params]`, so that the result no longer depends on the nemesis.

use crate::des::time::{format_duration, format_signed, Nanos};
use crate::scenario::{Fault, FaultKind, Latency, LinkSpec, Target};
use crate::sim::FiredFault;
use toml::{Table, Value};

/// The `[[faults]]` tables of every scripted fault behind `fired` (in firing order), with
/// node names from `nodes`. Entries that would change nothing (a zero-length cut, a clock
/// fault without jump or drift) are left out.
pub fn timeline(fired: &[FiredFault], nodes: &[String]) -> Vec<Value> {
    fired
        .iter()
        .flat_map(|f| f.script.iter())
        .filter(|f| f.lasts != Some(0))
        .filter(|f| {
            !matches!(
                f.kind,
                FaultKind::Clock {
                    jump: 0,
                    drift_ppm: None,
                    ..
                }
            )
        })
        .map(|f| Value::Table(fault_table(f, nodes)))
        .collect()
}

/// One scripted fault as the table a scenario file would hold.
pub fn fault_table(f: &Fault, nodes: &[String]) -> Table {
    let mut t = Table::new();
    let dur = |n: Nanos| Value::String(format_duration(n));
    let name = |x: &Target| Value::String(target(x, nodes));
    let range = |(lo, hi): (Nanos, Nanos)| Value::Array(vec![dur(lo), dur(hi)]);
    t.insert("at".into(), dur(f.at));
    let kind = match &f.kind {
        FaultKind::Partition(groups) => {
            let groups = groups
                .iter()
                .map(|g| Value::Array(g.iter().map(|n| name(&Target::Node(*n))).collect()))
                .collect();
            t.insert("groups".into(), Value::Array(groups));
            "partition"
        }
        FaultKind::Isolate(x) => {
            t.insert("target".into(), name(x));
            "isolate"
        }
        FaultKind::Block { from, to } => {
            t.insert("from".into(), name(from));
            t.insert("to".into(), name(to));
            "block"
        }
        FaultKind::Heal => "heal",
        FaultKind::Crash {
            target: x,
            restart_after,
            permanent,
        } => {
            t.insert("target".into(), name(x));
            if let Some(d) = restart_after {
                t.insert("restart_after".into(), dur(*d));
            }
            if *permanent {
                t.insert("permanent".into(), Value::Boolean(true));
            }
            "crash"
        }
        FaultKind::Restart(x) => {
            t.insert("target".into(), name(x));
            "restart"
        }
        FaultKind::Pause {
            target: x,
            duration,
        } => {
            t.insert("target".into(), name(x));
            t.insert("duration".into(), dur(*duration));
            "pause"
        }
        FaultKind::Clock {
            target: x,
            jump,
            drift_ppm,
        } => {
            t.insert("target".into(), name(x));
            if *jump != 0 {
                t.insert("jump".into(), Value::String(format_signed(*jump)));
            }
            if let Some(p) = drift_ppm {
                t.insert("drift_ppm".into(), Value::Integer(*p));
            }
            "clock"
        }
        FaultKind::CrashLoop {
            target: x,
            duration,
            downtime,
            uptime,
        } => {
            t.insert("target".into(), name(x));
            t.insert("duration".into(), dur(*duration));
            t.insert("downtime".into(), range(*downtime));
            t.insert("uptime".into(), range(*uptime));
            "restart-loop"
        }
        FaultKind::Flap {
            from,
            to,
            duration,
            period,
        } => {
            t.insert("from".into(), name(from));
            t.insert("to".into(), name(to));
            t.insert("duration".into(), dur(*duration));
            t.insert("period".into(), range(*period));
            "flap"
        }
        FaultKind::Link {
            from,
            to,
            spec,
            duration,
            one_way,
        } => {
            t.insert("from".into(), name(from));
            t.insert("to".into(), name(to));
            t.insert("duration".into(), dur(*duration));
            if *one_way {
                t.insert("one_way".into(), Value::Boolean(true));
            }
            link_keys(&mut t, spec);
            "link"
        }
    };
    t.insert("kind".into(), Value::String(kind.into()));
    if let Some(d) = f.lasts {
        t.insert("duration".into(), dur(d));
    }
    t
}

/// A link's behaviour as `latency`, `loss`, `duplicate`, `reorder` and `reorder_delay`.
fn link_keys(t: &mut Table, spec: &LinkSpec) {
    t.insert("latency".into(), latency(&spec.latency));
    t.insert("loss".into(), Value::Float(spec.loss.value));
    t.insert("duplicate".into(), Value::Float(spec.duplicate.value));
    t.insert("reorder".into(), Value::Float(spec.reorder.value));
    t.insert(
        "reorder_delay".into(),
        Value::String(format_duration(spec.reorder_delay)),
    );
}

/// A latency distribution as a scenario writes it.
pub fn latency(l: &Latency) -> Value {
    let dur = |n: Nanos| Value::String(format_duration(n));
    let mut t = Table::new();
    let dist = match *l {
        Latency::Constant(v) => return dur(v),
        Latency::Uniform { min, max } => {
            t.insert("min".into(), dur(min));
            t.insert("max".into(), dur(max));
            "uniform"
        }
        Latency::Normal { mean, stddev } => {
            t.insert("mean".into(), dur(mean));
            t.insert("stddev".into(), dur(stddev));
            "normal"
        }
        Latency::Exponential { mean } => {
            t.insert("mean".into(), dur(mean));
            "exponential"
        }
        Latency::Pareto { scale, shape, cap } => {
            t.insert("scale".into(), dur(scale));
            t.insert("shape".into(), Value::Float(shape));
            t.insert("cap".into(), dur(cap));
            "pareto"
        }
    };
    t.insert("dist".into(), Value::String(dist.into()));
    Value::Table(t)
}

/// A target as a scenario names it.
fn target(t: &Target, nodes: &[String]) -> String {
    match t {
        Target::Node(n) => nodes[n.index()].clone(),
        Target::Leader => "leader".into(),
        Target::Random => "random".into(),
        Target::Minority => "minority".into(),
        Target::Majority => "majority".into(),
        Target::All => "all".into(),
        Target::LeaderMinority => "leader-minority".into(),
    }
}

/// The protocol knobs a swarm seed drew, from the run's words for its draw
/// (`kinds …, overlap 2; election_timeout = 180ms, max_batch = 3`): every `key = value`
/// after the `;`, a whole number as an integer and anything else (a duration) as a string.
pub fn swarm_knobs(words: &str) -> Table {
    let mut t = Table::new();
    let Some((_, knobs)) = words.split_once("; ") else {
        return t;
    };
    for pair in knobs.split(", ") {
        if let Some((k, v)) = pair.split_once(" = ") {
            let value = v
                .parse::<i64>()
                .map_or_else(|_| Value::String(v.to_string()), Value::Integer);
            t.insert(k.trim().to_string(), value);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::ids::NodeId;

    #[test]
    fn knobs_are_read_back_typed() {
        let t = swarm_knobs(
            "kinds crash=2, interval 1s-2s, overlap 2; election_timeout = 180ms, max_batch = 3",
        );
        assert_eq!(t["election_timeout"].as_str(), Some("180ms"));
        assert_eq!(t["max_batch"].as_integer(), Some(3));
        assert!(swarm_knobs("kinds crash=1, overlap 1").is_empty());
    }

    #[test]
    fn a_timed_isolation_keeps_its_end() {
        let nodes = vec!["n1".to_string(), "n2".to_string()];
        let f = Fault {
            at: 1_500_000,
            kind: FaultKind::Isolate(Target::Node(NodeId(1))),
            lasts: Some(2_000_000_000),
            line: 0,
        };
        let t = fault_table(&f, &nodes);
        assert_eq!(t["at"].as_str(), Some("1.5ms"));
        assert_eq!(t["target"].as_str(), Some("n2"));
        assert_eq!(t["duration"].as_str(), Some("2s"));
        assert_eq!(t["kind"].as_str(), Some("isolate"));
    }
}
