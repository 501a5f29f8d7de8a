//! `[workload]` and `[nemesis]`: defaults that depend on the model, weights, pacing, key
//! distribution, client targets, and the random-fault settings.

use super::error::ScenarioError;
use super::model::*;
use super::raw::*;
use super::source::KeyPath;
use super::validate::{positive, positive_duration, prob, Ctx};
use super::values::MAX_NODES;
use crate::sim::time::{MILLIS, SECS};

/// Most clients a workload may have.
const MAX_CLIENTS: u32 = MAX_NODES as u32;

/// Builds `[workload]`.
pub(crate) fn workload(ctx: &Ctx<'_>, raw: RawWorkload) -> Result<Workload, ScenarioError> {
    let path = KeyPath::root("workload");
    let (model, name) = match raw.model {
        RawModel::Register => (Model::Register, "register"),
        RawModel::CasRegister => (Model::CasRegister, "cas-register"),
        RawModel::Kv => (Model::Kv, "kv"),
    };
    let clients = positive(ctx, raw.clients.unwrap_or(3), &path.key("clients"))?;
    if clients > MAX_CLIENTS {
        let msg = format!("{clients} clients is too many; expected at most {MAX_CLIENTS}");
        return Err(ctx.err(&path.key("clients"), msg));
    }
    let single_key = model != Model::Kv;
    let keys = positive(
        ctx,
        raw.keys.unwrap_or(if single_key { 1 } else { 8 }),
        &path.key("keys"),
    )?;
    if single_key && keys != 1 {
        let msg = format!(
            "model \"{name}\" has exactly one key; expected keys = 1 (use model = \"kv\" for {keys} keys)"
        );
        return Err(ctx.err(&path.key("keys"), msg));
    }
    let read = raw.read.unwrap_or(1);
    let write = raw.write.unwrap_or(1);
    let cas = raw
        .cas
        .unwrap_or(if model == Model::Register { 0 } else { 1 });
    if model == Model::Register && cas > 0 {
        return Err(ctx.err(
            &path.key("cas"),
            "model \"register\" has no compare-and-set; expected cas = 0 (or model = \"cas-register\")",
        ));
    }
    if read == 0 && write == 0 && cas == 0 {
        return Err(ctx.err(
            &path.key("read"),
            "every operation weight is zero; expected read, write or cas above 0",
        ));
    }
    let pace = match raw.rate {
        None => Pace::Closed,
        Some(r) if r.is_finite() && r > 0.0 => Pace::Rate(r),
        Some(r) => {
            let msg = format!("rate {r} is invalid; expected operations per second above 0");
            return Err(ctx.err(&path.key("rate"), msg));
        }
    };
    let timeout = positive_duration(ctx, raw.timeout.map_or(SECS, |d| d.0), &path.key("timeout"))?;
    let key_dist = match (raw.key_dist.unwrap_or(RawKeyDist::Uniform), raw.zipf_exponent) {
        (RawKeyDist::Uniform, None) => KeyDist::Uniform,
        (RawKeyDist::Uniform, Some(_)) => {
            return Err(ctx.err(
                &path.key("zipf_exponent"),
                "zipf_exponent only applies to key_dist = \"zipf\"; expected key_dist = \"zipf\" or no zipf_exponent",
            ))
        }
        (RawKeyDist::Zipf, s) => {
            let s = s.unwrap_or(1.0);
            if !(s.is_finite() && s > 0.0) {
                let msg = format!("zipf_exponent {s} is invalid; expected a finite number above 0");
                return Err(ctx.err(&path.key("zipf_exponent"), msg));
            }
            KeyDist::Zipf(s)
        }
    };
    let targets = match raw.targets {
        None => Targets::RoundRobin,
        Some(names) if names.is_empty() => {
            return Err(ctx.err(
                &path.key("targets"),
                "the list is empty; expected node names (or no `targets` for round-robin)",
            ))
        }
        Some(names) => Targets::Nodes(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| ctx.node(n, &path.key("targets").index(i)))
                .collect::<Result<_, _>>()?,
        ),
    };
    let retry = match raw.retry {
        None => None,
        Some(d) => {
            let d = positive_duration(ctx, d.0, &path.key("retry"))?;
            if d >= timeout {
                return Err(ctx.err(
                    &path.key("retry"),
                    "retry must be shorter than the timeout; expected a smaller duration",
                ));
            }
            Some(d)
        }
    };
    Ok(Workload {
        retry,
        colocated: raw.colocated.unwrap_or(true),
        model,
        clients,
        keys,
        read,
        write,
        cas,
        pace,
        timeout,
        key_dist,
        targets,
        max_redirects: raw.max_redirects.unwrap_or(3),
        final_reads: raw.final_reads.unwrap_or(true),
    })
}

/// Builds `[nemesis]`.
pub(crate) fn nemesis(ctx: &Ctx<'_>, raw: RawNemesis) -> Result<Nemesis, ScenarioError> {
    let path = KeyPath::root("nemesis");
    if raw.kinds.is_empty() {
        return Err(ctx.err(
            &path.key("kinds"),
            "the list is empty; expected some of \"partition\", \"isolate\", \"crash\", \"pause\", \"clock\", \"link\"",
        ));
    }
    let mut kinds = Vec::new();
    for (i, k) in raw.kinds.iter().enumerate() {
        if raw.kinds[..i].contains(k) {
            return Err(ctx.err(
                &path.key("kinds").index(i),
                "this kind is listed twice; expected each kind at most once",
            ));
        }
        kinds.push(match k {
            RawNemesisKind::Partition => NemesisKind::Partition,
            RawNemesisKind::Isolate => NemesisKind::Isolate,
            RawNemesisKind::Crash => NemesisKind::Crash,
            RawNemesisKind::Pause => NemesisKind::Pause,
            RawNemesisKind::Clock => NemesisKind::Clock,
            RawNemesisKind::Link => NemesisKind::Link,
        });
    }
    Ok(Nemesis {
        kinds,
        interval: raw.interval.map_or((SECS, 3 * SECS), |r| (r.0, r.1)),
        fault_duration: raw
            .duration
            .map_or((500 * MILLIS, 2 * SECS), |r| (r.0, r.1)),
        max_clock_jump: raw.max_clock_jump.map_or(500 * MILLIS, |d| d.0),
        link_loss: raw.link_loss.map_or(prob(0.5), |p| p.0),
        target_leader: raw.target_leader.map_or(prob(0.3), |p| p.0),
    })
}
