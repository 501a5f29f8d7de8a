//! `[workload]` and `[nemesis]`: defaults that depend on the model, weights, pacing, key
//! distribution, client targets, and the random-fault settings.

use super::error::ScenarioError;
use super::model::*;
use super::raw::*;
use super::source::KeyPath;
use super::validate::{positive_duration, prob, Ctx};
use crate::des::time::{MILLIS, SECS};

/// Builds `[workload]`.
pub(crate) fn workload(ctx: &Ctx<'_>, raw: RawWorkload) -> Result<Workload, ScenarioError> {
    let path = KeyPath::root("workload");
    let (model, name) = match raw.model {
        RawModel::Register => (Model::Register, "register"),
        RawModel::CasRegister => (Model::CasRegister, "cas-register"),
        RawModel::Kv => (Model::Kv, "kv"),
    };
    let clients = raw.clients.map_or(3, |c| c.count() as u32);
    let single_key = model != Model::Kv;
    let keys = raw
        .keys
        .map_or(if single_key { 1 } else { 8 }, |k| k.count() as u32);
    if single_key && keys != 1 {
        let msg = format!(
            "model \"{name}\" has exactly one key; expected keys = 1 (use model = \"kv\" for {keys} keys)"
        );
        return Err(ctx.err(&path.key("keys"), msg));
    }
    let weight =
        |w: Option<super::raw::Weight>, default: u32| w.map_or(default, |w| w.count() as u32);
    let read = weight(raw.read, 1);
    let write = weight(raw.write, 1);
    let cas = weight(raw.cas, if model == Model::Register { 0 } else { 1 });
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
    let pace = raw.rate.map_or(Pace::Closed, |r| Pace::Rate(r.0));
    let timeout = positive_duration(ctx, raw.timeout.map_or(SECS, |d| d.0), &path.key("timeout"))?;
    let key_dist = match (raw.key_dist.unwrap_or(RawKeyDist::Uniform), raw.zipf_exponent) {
        (RawKeyDist::Uniform, None) => KeyDist::Uniform,
        (RawKeyDist::Uniform, Some(_)) => {
            return Err(ctx.err(
                &path.key("zipf_exponent"),
                "zipf_exponent only applies to key_dist = \"zipf\"; expected key_dist = \"zipf\" or no zipf_exponent",
            ))
        }
        (RawKeyDist::Zipf, s) => KeyDist::Zipf(s.map_or(1.0, |s| s.0)),
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
        max_redirects: raw.max_redirects.map_or(3, |m| m.count() as u32),
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
