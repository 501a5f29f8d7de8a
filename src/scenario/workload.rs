//! `[workload]` and `[nemesis]`: defaults that depend on the model, weights, pacing, key
//! distribution, client targets, and the random-fault settings.

use super::error::ScenarioError;
use super::model::*;
use super::raw::*;
use super::source::KeyPath;
use super::validate::{positive_duration, prob, Ctx};
use crate::des::time::{Nanos, MILLIS, SECS};
use crate::protocol::registry::{visit, Serves};
use crate::workload::breaker::BreakerPolicy;
use crate::workload::retry::{Jitter, RetryPolicy};

/// Builds `[workload]` for a cluster running `protocol`.
pub(crate) fn workload(
    ctx: &Ctx<'_>,
    raw: RawWorkload,
    protocol: &str,
) -> Result<Workload, ScenarioError> {
    let path = KeyPath::root("workload");
    let kind = raw.model.0;
    let name = kind.name();
    let clients = raw.clients.map_or(3, |c| c.count() as u32);
    let default_keys = match (kind.single_key(), kind.transactional(), kind.keyed(2)) {
        (true, ..) => 1,
        (_, true, _) => 3,
        (_, _, true) if name == "kv" => 8,
        _ => 1,
    };
    let keys = raw.keys.map_or(default_keys, |k| k.count() as u32);
    if kind.single_key() && keys != 1 {
        let msg = format!(
            "model \"{name}\" has exactly one key; expected keys = 1 (use model = \"kv\" for {keys} keys)"
        );
        return Err(ctx.err(&path.key("keys"), msg));
    }
    // Keys that apply to one family of workloads only.
    let single_only = [
        ("read", raw.read.is_some()),
        ("write", raw.write.is_some()),
        ("cas", raw.cas.is_some()),
        ("delete", raw.delete.is_some()),
    ];
    let txn_only = [
        ("txn_length", raw.txn_length.is_some()),
        ("read_fraction", raw.read_fraction.is_some()),
        ("max_writes_per_key", raw.max_writes_per_key.is_some()),
    ];
    let (wrong, family) = if kind.transactional() {
        (
            &single_only[..],
            "transactional workloads use txn_length and read_fraction",
        )
    } else {
        (
            &txn_only[..],
            "single-operation workloads use read, write, cas and delete weights",
        )
    };
    if let Some((key, _)) = wrong.iter().find(|(_, given)| *given) {
        let msg = format!("`{key}` does not apply to model \"{name}\"; {family}");
        return Err(ctx.err(&path.key(key), msg));
    }
    let weight =
        |w: Option<super::raw::Weight>, default: u32| w.map_or(default, |w| w.count() as u32);
    let has_cas = matches!(name, "cas-register" | "kv");
    let read = weight(raw.read, u32::from(!kind.transactional()));
    let write = weight(raw.write, u32::from(!kind.transactional()));
    let cas = weight(raw.cas, u32::from(has_cas));
    if !has_cas && cas > 0 {
        let msg = format!(
            "model \"{name}\" has no compare-and-set; expected cas = 0 (or model = \"cas-register\" or \"kv\")"
        );
        return Err(ctx.err(&path.key("cas"), msg));
    }
    let delete = weight(raw.delete, 0);
    let has_delete = matches!(name, "register" | "cas-register" | "kv");
    if !has_delete && delete > 0 {
        let msg = format!(
            "model \"{name}\" has no delete; expected delete = 0 (deletes apply to the register models: \"register\", \"cas-register\" and \"kv\")"
        );
        return Err(ctx.err(&path.key("delete"), msg));
    }
    if !kind.transactional() && read == 0 && write == 0 && cas == 0 {
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
    let retry = retry_policy(ctx, &raw, timeout)?;
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
    let breaker = match (raw.breaker, raw.breaker_open) {
        (None, Some(_)) => {
            return Err(ctx.err(
                &path.key("breaker_open"),
                "breaker_open applies to a circuit breaker; expected `breaker` (unanswered operations in a row that open it) too",
            ))
        }
        (None, None) => None,
        (Some(n), open) => Some(BreakerPolicy {
            failures: n.count() as u32,
            open_for: positive_duration(
                ctx,
                open.map_or(SECS, |d| d.0),
                &path.key("breaker_open"),
            )?,
        }),
    };
    let spec = Workload {
        retry,
        idempotency_keys: raw.idempotency_keys.unwrap_or(true),
        breaker,
        colocated: raw.colocated.unwrap_or(true),
        kind,
        clients,
        keys,
        read,
        write,
        cas,
        delete,
        txn_length: raw.txn_length.map_or((1, 4), |t| (t.0, t.1)),
        read_fraction: raw.read_fraction.map_or(prob(0.5), |p| p.0),
        max_writes_per_key: match raw.max_writes_per_key {
            Some(m) => Some(m.count() as u32),
            None if kind.transactional() => Some(32),
            None => None,
        },
        pace,
        timeout,
        key_dist,
        targets,
        max_redirects: raw.max_redirects.map_or(3, |m| m.count() as u32),
        final_reads: raw.final_reads.unwrap_or(true),
    };
    let serves = visit(protocol, Serves).unwrap_or(&[]);
    if let Some(missing) = kind.kinds(&spec).into_iter().find(|k| !serves.contains(k)) {
        let served: Vec<&str> = serves.iter().map(|k| k.name()).collect();
        let served = if served.is_empty() {
            "nothing: it has no clients".to_string()
        } else {
            served.join(", ")
        };
        let msg = format!(
            "workload \"{name}\" needs `{missing}`, which protocol `{protocol}` does not serve (it serves {served})"
        );
        // A delete weight the protocol cannot serve is the `delete` key's fault.
        let at = if missing == crate::ops::Kind::Delete {
            "delete"
        } else {
            "model"
        };
        return Err(ctx.err(&path.key(at), msg));
    }
    Ok(spec)
}

/// The retry policy of `[workload]`: `retry` (the attempt timeout) and the keys that shape
/// the backoff, which need it.
fn retry_policy(
    ctx: &Ctx<'_>,
    raw: &RawWorkload,
    timeout: Nanos,
) -> Result<Option<RetryPolicy>, ScenarioError> {
    let path = KeyPath::root("workload");
    let given = |needs: &str, keys: &[(&'static str, bool)]| -> Result<(), ScenarioError> {
        match keys.iter().find(|(_, given)| *given) {
            Some((key, _)) => Err(ctx.err(&path.key(key), format!("`{key}` {needs}"))),
            None => Ok(()),
        }
    };
    let Some(first) = raw.retry else {
        given(
            "shapes retries, but clients never resend; expected `retry` (the attempt timeout, such as \"50ms\") too",
            &[
                ("retry_backoff", raw.retry_backoff.is_some()),
                ("retry_multiplier", raw.retry_multiplier.is_some()),
                ("retry_cap", raw.retry_cap.is_some()),
                ("retry_jitter", raw.retry_jitter.is_some()),
                ("retry_limit", raw.retry_limit.is_some()),
            ],
        )?;
        return Ok(None);
    };
    let first = positive_duration(ctx, first.0, &path.key("retry"))?;
    if first >= timeout {
        return Err(ctx.err(
            &path.key("retry"),
            "retry must be shorter than the timeout; expected a smaller duration",
        ));
    }
    let mut policy = RetryPolicy::fixed(first);
    policy.limit = raw.retry_limit.map(|l| l.count() as u32);
    let Some(backoff) = raw.retry_backoff else {
        given(
            "shapes the backoff sleep, but there is none; expected `retry_backoff` (the first sleep before a resend, such as \"25ms\") too",
            &[
                ("retry_multiplier", raw.retry_multiplier.is_some()),
                ("retry_cap", raw.retry_cap.is_some()),
                ("retry_jitter", raw.retry_jitter.is_some()),
            ],
        )?;
        return Ok(Some(policy));
    };
    policy.backoff = positive_duration(ctx, backoff.0, &path.key("retry_backoff"))?;
    if let Some(m) = raw.retry_multiplier {
        if !(1.0..=100.0).contains(&m.0) {
            return Err(ctx.err(
                &path.key("retry_multiplier"),
                "the multiplier scales each sleep from the last; expected a number from 1 (a constant sleep) to 100, such as 2",
            ));
        }
        policy.multiplier = m.0;
    }
    if let Some(cap) = raw.retry_cap {
        if cap.0 < policy.backoff {
            return Err(ctx.err(
                &path.key("retry_cap"),
                "the cap is shorter than the first sleep (`retry_backoff`); expected a duration at least as long",
            ));
        }
        policy.cap = cap.0;
    }
    policy.jitter = raw.retry_jitter.unwrap_or(Jitter::None);
    Ok(Some(policy))
}

/// The nemesis kinds' names, quoted, for error messages.
fn kind_names() -> String {
    let names: Vec<String> = NemesisKind::ALL
        .iter()
        .map(|k| format!("\"{}\"", k.name()))
        .collect();
    names.join(", ")
}

/// Builds `[nemesis]`.
pub(crate) fn nemesis(ctx: &Ctx<'_>, raw: RawNemesis) -> Result<Nemesis, ScenarioError> {
    let path = KeyPath::root("nemesis");
    if raw.kinds.is_empty() {
        return Err(ctx.err(
            &path.key("kinds"),
            format!("the list is empty; expected some of {}", kind_names()),
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
            RawNemesisKind::Power => NemesisKind::Power,
            RawNemesisKind::Drift => NemesisKind::Drift,
            RawNemesisKind::RestartLoop => NemesisKind::RestartLoop,
            RawNemesisKind::Flap => NemesisKind::Flap,
            RawNemesisKind::PartitionLeader => NemesisKind::PartitionLeader,
        });
    }
    let mut targets = Vec::new();
    for (i, name) in raw.targets.iter().flatten().enumerate() {
        targets.push(ctx.target(name, &path.key("targets").index(i))?);
    }
    if raw.targets.as_ref().is_some_and(Vec::is_empty) {
        return Err(ctx.err(
            &path.key("targets"),
            "the list is empty; expected targets such as [\"leader\", \"random\"], or no `targets` key",
        ));
    }
    if raw.targets.is_some() && raw.target_leader.is_some() {
        return Err(ctx.err(
            &path.key("target_leader"),
            "`target_leader` and `targets` both choose targets; expected one of them (put \"leader\" in `targets`)",
        ));
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
        overlap: raw.overlap.map_or(1, |o| o.count() as u32),
        targets,
        max_drift_ppm: raw.max_drift_ppm.map_or(100_000, |p| p.count() as u32),
        loop_downtime: raw
            .loop_downtime
            .map_or(DEFAULT_LOOP_DOWNTIME, |r| (r.0, r.1)),
        loop_uptime: raw.loop_uptime.map_or(DEFAULT_LOOP_UPTIME, |r| (r.0, r.1)),
        flap_period: raw.flap_period.map_or(DEFAULT_FLAP_PERIOD, |r| (r.0, r.1)),
        weights: Vec::new(),
        swarm: raw.swarm.unwrap_or(false),
    })
}
