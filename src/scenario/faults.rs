//! `[[faults]]`: which keys each fault kind takes (checked on the document, so a misspelt
//! key is reported against its kind), and the conversion of each entry into a [`Fault`].

use toml::de::DeValue;

use super::error::ScenarioError;
use super::model::*;
use super::raw::{RawFault, RawLinkKeys};
use super::source::{KeyPath, Source};
use super::validate::{link_spec, positive_duration, Ctx};
use crate::des::ids::NodeId;
use crate::des::time::{format_duration, Nanos};

/// Each fault kind with the keys it takes besides `at` and `kind`.
const KINDS: [(&str, &[&str]); 11] = [
    ("partition", &["groups", "duration"]),
    ("isolate", &["target", "duration"]),
    ("block", &["from", "to", "duration"]),
    ("heal", &[]),
    ("crash", &["target", "restart_after", "permanent"]),
    ("restart", &["target"]),
    ("pause", &["target", "duration"]),
    ("clock", &["target", "jump", "drift_ppm", "duration"]),
    (
        "restart-loop",
        &["target", "duration", "downtime", "uptime"],
    ),
    ("flap", &["from", "to", "duration", "period"]),
    (
        "link",
        &[
            "from",
            "to",
            "duration",
            "one_way",
            "latency",
            "loss",
            "duplicate",
            "reorder",
            "reorder_delay",
        ],
    ),
];

fn kind_names() -> String {
    KINDS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
}

/// Checks, on the document, that every fault with a known string `kind` uses only that
/// kind's keys, and that every string `kind` is known. Other shape errors are left to serde.
pub(crate) fn check_fault_keys(src: &Source<'_>) -> Result<(), ScenarioError> {
    let faults = src.root().iter().find(|(k, _)| k.get_ref() == "faults");
    let Some((_, faults)) = faults else {
        return Ok(());
    };
    let DeValue::Array(faults) = faults.get_ref() else {
        return Ok(());
    };
    for (i, fault) in faults.iter().enumerate() {
        let DeValue::Table(table) = fault.get_ref() else {
            continue;
        };
        let path = KeyPath::root("faults").index(i);
        let kind = table.iter().find(|(k, _)| k.get_ref() == "kind");
        let Some(DeValue::String(kind)) = kind.map(|(_, v)| v.get_ref()) else {
            continue;
        };
        let Some((_, allowed)) = KINDS.iter().find(|k| k.0 == kind) else {
            let msg = format!(
                "unknown fault kind `{kind}`; expected one of: {}",
                kind_names()
            );
            return Err(src.error(&path.key("kind"), msg));
        };
        for (key, _) in table.iter() {
            let key = key.get_ref().as_ref();
            if key != "at" && key != "kind" && !allowed.contains(&key) {
                let mut expected = vec!["at", "kind"];
                expected.extend_from_slice(allowed);
                let msg = format!(
                    "unknown key `{key}` for a `{kind}` fault; expected one of: {}",
                    expected.join(", ")
                );
                return Err(src.error(&path.key(key), msg));
            }
        }
    }
    Ok(())
}

/// Converts every fault, checks it fires before the end of the run, and sorts by time
/// (stable, so faults at the same time keep file order).
pub(crate) fn faults(
    ctx: &Ctx<'_>,
    raw: Vec<RawFault>,
    run: Nanos,
    network: &LinkSpec,
) -> Result<Vec<Fault>, ScenarioError> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, f) in raw.into_iter().enumerate() {
        let path = KeyPath::root("faults").index(i);
        if f.at.0 >= run {
            let msg = format!(
                "a fault at {} is after the end of the run (duration = {}); expected `at` below {}",
                format_duration(f.at.0),
                format_duration(run),
                format_duration(run)
            );
            return Err(ctx.err(&path.key("at"), msg));
        }
        let at = f.at.0;
        let lasts = lasts(ctx, &f, &path)?;
        let kind = fault_kind(ctx, f, &path, network)?;
        out.push(Fault {
            at,
            kind,
            lasts,
            line: ctx.src.line_of(&path),
        });
    }
    out.sort_by_key(|f| f.at);
    Ok(out)
}

/// `duration` of the kinds whose effect it bounds (`partition`, `isolate`, `block`, and
/// `clock` with `drift_ppm`); the other kinds read their own `duration` in [`fault_kind`].
fn lasts(ctx: &Ctx<'_>, f: &RawFault, path: &KeyPath) -> Result<Option<Nanos>, ScenarioError> {
    let Some(d) = f.duration else {
        return Ok(None);
    };
    match f.kind.as_str() {
        "partition" | "isolate" | "block" => {}
        "clock" if f.drift_ppm.is_some() => {}
        "clock" => {
            return Err(ctx.err(
                &path.key("duration"),
                "a clock jump is not undone; expected `duration` only with `drift_ppm` (the drift goes back after it)",
            ))
        }
        _ => return Ok(None),
    }
    positive_duration(ctx, d.0, &path.key("duration")).map(Some)
}

/// A required key of a fault kind.
fn need<T>(
    ctx: &Ctx<'_>,
    v: Option<T>,
    path: &KeyPath,
    kind: &str,
    key: &str,
) -> Result<T, ScenarioError> {
    v.ok_or_else(|| {
        ctx.err(
            &path.key(key),
            format!("missing required key `{key}`; a `{kind}` fault needs it"),
        )
    })
}

/// Refuses `from` and `to` naming the same node.
fn distinct(
    ctx: &Ctx<'_>,
    from: &Target,
    to: &Target,
    path: &KeyPath,
) -> Result<(), ScenarioError> {
    if let (Target::Node(a), Target::Node(b)) = (from, to) {
        if a == b {
            let msg = format!(
                "`from` and `to` are both `{}`; expected two different nodes",
                ctx.nodes[a.index()]
            );
            return Err(ctx.err(&path.key("to"), msg));
        }
    }
    Ok(())
}

fn fault_kind(
    ctx: &Ctx<'_>,
    f: RawFault,
    path: &KeyPath,
    network: &LinkSpec,
) -> Result<FaultKind, ScenarioError> {
    let kind = f.kind.as_str();
    let target = |ctx: &Ctx<'_>| {
        let name = need(ctx, f.target.as_deref(), path, kind, "target")?;
        ctx.target(name, &path.key("target"))
    };
    let ends = |ctx: &Ctx<'_>| {
        let from = need(ctx, f.from.as_deref(), path, kind, "from")?;
        let to = need(ctx, f.to.as_deref(), path, kind, "to")?;
        let from = ctx.target(from, &path.key("from"))?;
        let to = ctx.target(to, &path.key("to"))?;
        distinct(ctx, &from, &to, path)?;
        Ok::<_, ScenarioError>((from, to))
    };
    let duration = |ctx: &Ctx<'_>| {
        let d = need(ctx, f.duration, path, kind, "duration")?;
        positive_duration(ctx, d.0, &path.key("duration"))
    };
    Ok(match kind {
        "partition" => FaultKind::Partition(groups(ctx, f.groups.as_deref(), path)?),
        "isolate" => FaultKind::Isolate(target(ctx)?),
        "block" => {
            let (from, to) = ends(ctx)?;
            FaultKind::Block { from, to }
        }
        "heal" => FaultKind::Heal,
        "crash" => {
            let permanent = f.permanent.unwrap_or(false);
            if permanent && f.restart_after.is_some() {
                return Err(ctx.err(
                    &path.key("permanent"),
                    "a permanent crash never restarts; expected either `permanent = true` or `restart_after`, not both",
                ));
            }
            FaultKind::Crash {
                target: target(ctx)?,
                restart_after: f.restart_after.map(|d| d.0),
                permanent,
            }
        }
        "restart" => FaultKind::Restart(target(ctx)?),
        "pause" => FaultKind::Pause {
            target: target(ctx)?,
            duration: duration(ctx)?,
        },
        "clock" => {
            let target = target(ctx)?;
            if f.jump.is_none() && f.drift_ppm.is_none() {
                return Err(ctx.err(
                    path,
                    "a `clock` fault changes nothing; expected `jump`, `drift_ppm` or both",
                ));
            }
            FaultKind::Clock {
                target,
                jump: f.jump.map_or(0, |j| j.0),
                drift_ppm: f.drift_ppm.map(|p| p.0),
            }
        }
        "restart-loop" => FaultKind::CrashLoop {
            target: target(ctx)?,
            duration: duration(ctx)?,
            downtime: f.downtime.map_or(DEFAULT_LOOP_DOWNTIME, |r| (r.0, r.1)),
            uptime: f.uptime.map_or(DEFAULT_LOOP_UPTIME, |r| (r.0, r.1)),
        },
        "flap" => {
            let (from, to) = ends(ctx)?;
            FaultKind::Flap {
                from,
                to,
                duration: duration(ctx)?,
                period: f.period.map_or(DEFAULT_FLAP_PERIOD, |r| (r.0, r.1)),
            }
        }
        "link" => {
            let (from, to) = ends(ctx)?;
            let keys = RawLinkKeys {
                latency: f.latency,
                loss: f.loss,
                duplicate: f.duplicate,
                reorder: f.reorder,
                reorder_delay: f.reorder_delay,
            };
            FaultKind::Link {
                from,
                to,
                spec: link_spec(network, keys),
                duration: duration(ctx)?,
                one_way: f.one_way.unwrap_or(false),
            }
        }
        other => {
            let msg = format!(
                "unknown fault kind `{other}`; expected one of: {}",
                kind_names()
            );
            return Err(ctx.err(&path.key("kind"), msg));
        }
    })
}

fn groups(
    ctx: &Ctx<'_>,
    groups: Option<&[Vec<String>]>,
    path: &KeyPath,
) -> Result<Vec<Vec<NodeId>>, ScenarioError> {
    let groups = need(ctx, groups, path, "partition", "groups")?;
    let path = path.key("groups");
    if groups.is_empty() {
        return Err(ctx.err(
            &path,
            "no groups; expected a list of node groups such as [[\"n1\"], [\"n2\", \"n3\"]]",
        ));
    }
    let mut seen = vec![None; ctx.nodes.len()];
    let mut out = Vec::with_capacity(groups.len());
    for (g, group) in groups.iter().enumerate() {
        if group.is_empty() {
            return Err(ctx.err(&path.index(g), "empty group; expected at least one node"));
        }
        let mut ids = Vec::with_capacity(group.len());
        for (j, name) in group.iter().enumerate() {
            let at = path.index(g).index(j);
            let id = ctx.node(name, &at)?;
            if let Some(prev) = seen[id.index()].replace(g) {
                let msg = format!(
                    "node `{name}` is already in group {prev}; expected each node in at most one group"
                );
                return Err(ctx.err(&at, msg));
            }
            ids.push(id);
        }
        out.push(ids);
    }
    Ok(out)
}
