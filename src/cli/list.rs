//! `faultline list`, and the teaching text `faultline explain FILE` opens with.

use super::EXIT_PASS;
use crate::des::time::format_duration;
use crate::protocol::registry::PROTOCOLS;
use crate::scenario::{describe, Scenario};

/// Prints what faultline can simulate and check.
pub(super) fn list() -> i32 {
    say!("protocols");
    for p in PROTOCOLS {
        say!("  {:<16} {}", p.name, p.summary);
        for line in p.params.lines() {
            say!("  {:<16}   {line}", "");
        }
    }
    say!("fault kinds ([[faults]] kind = …; targets: a node name, leader, random, minority, majority, all)");
    for (k, what) in [
        (
            "partition",
            "groups = [[…], […]], duration?: cut links between groups (unlisted nodes form one more group)",
        ),
        (
            "isolate",
            "target, duration?: cut the target off from everyone, both ways",
        ),
        (
            "block",
            "from, to, duration?: drop messages in one direction only",
        ),
        ("heal", "remove every partition, isolation and block"),
        (
            "crash",
            "target, restart_after?, permanent?: crash (volatile state and timers lost), restart later (permanent: never)",
        ),
        ("restart", "target: restart a crashed node now"),
        (
            "pause",
            "target, duration: freeze the node; its messages and timers wait",
        ),
        (
            "clock",
            "target, jump?, drift_ppm?, duration?: step the local clock and/or change its drift (back after duration)",
        ),
        (
            "link",
            "from, to, duration, loss?/latency?/duplicate?/reorder?: degrade links for a while",
        ),
    ] {
        say!("  {k:<16} {what}");
    }
    say!("nemesis kinds ([nemesis] kinds = […])");
    say!("  partition isolate crash pause clock link");
    say!("checks ([check])");
    for c in crate::check::CHECKERS {
        say!("  {:<16} {}", c.name(), c.about());
    }
    say!("workload models ([workload] model = …)");
    for w in crate::workload::kinds::WORKLOADS {
        say!("  {:<16} {}", w.name(), w.about());
    }
    say!("consistency models ([check] consistency = […]; check --consistency)");
    let models: Vec<&str> = crate::check::ladder::Model::ALL
        .iter()
        .map(|m| m.name())
        .collect();
    say!("  register histories (ladder check): {}", models.join(" "));
    let levels: Vec<&str> = crate::check::isolation::Level::ALL
        .iter()
        .map(|l| l.name())
        .collect();
    say!("  transactions (isolation check): {}", levels.join(" "));
    say!("latency distributions");
    say!("  constant uniform normal exponential pareto");
    EXIT_PASS
}

/// Prints a scenario's teaching text and set-up.
pub(super) fn explain(s: &Scenario) {
    say!("{} ({})", s.name, s.path);
    say!();
    say!("{}", s.description.trim());
    say!();
    say!(
        "protocol   {} on {} nodes: {}",
        s.cluster.protocol,
        s.cluster.nodes.len(),
        s.cluster.nodes.join(" ")
    );
    if !s.cluster.params.is_empty() {
        say!(
            "params     {}",
            toml::Value::Table(s.cluster.params.clone())
                .to_string()
                .replace('\n', "; ")
        );
    }
    say!(
        "runs       {} of workload + {} settle, seed {}",
        format_duration(s.duration),
        format_duration(s.settle),
        s.seed
    );
    if let Some(w) = &s.workload {
        let mut retry = w
            .retry
            .map(|r| format!(", {}", r.describe()))
            .unwrap_or_default();
        if !w.idempotency_keys {
            retry.push_str(" (each resend a new request: no idempotency keys)");
        }
        if let Some(b) = w.breaker {
            retry.push_str(&format!(
                ", circuit breaker opens after {} unanswered in a row for {}",
                b.failures,
                format_duration(b.open_for)
            ));
        }
        let mix = if w.kind.transactional() {
            format!(
                "transactions of {} to {} micro-ops, {:.0}% reads",
                w.txn_length.0,
                w.txn_length.1,
                w.read_fraction.value * 100.0
            )
        } else {
            format!("weights read {}/write {}/cas {}", w.read, w.write, w.cas)
        };
        say!(
            "workload   {}: {} clients, {} keys, {mix}, {}, timeout {}{retry}{}",
            w.kind.name(),
            w.clients,
            w.keys,
            describe::pace(w.pace),
            format_duration(w.timeout),
            if w.colocated {
                ", clients beside their home nodes"
            } else {
                ""
            }
        );
    }
    for f in &s.faults {
        let what = describe::fault(&f.kind, &s.cluster.nodes);
        say!("fault      at {}: {what}", format_duration(f.at));
    }
    if let Some(n) = &s.nemesis {
        say!(
            "nemesis    {} every {}–{}",
            n.kinds
                .iter()
                .map(|k| format!("{k:?}").to_lowercase())
                .collect::<Vec<_>>()
                .join(" "),
            format_duration(n.interval.0),
            format_duration(n.interval.1)
        );
    }
    say!("expect     {}", describe::expect(s.expect));
}
