//! Failure signatures: what kind of failure a seed had, without its values, times or node
//! names, so that a sweep's 180 failing seeds read as the two bugs they are.
//!
//! A seed's signature is the signature of each check with the seed's verdict, in report
//! order, joined by ` + `. A check's signature is `checker: shape`:
//! - `ladder` (typed, from its per-model verdicts): the weakest models that break
//!   (`ladder: weakest broken: causal-cc, read-your-writes`), not every model that breaks;
//! - `isolation` (typed): the weakest level that fails and the anomaly that rules it out
//!   (`isolation: read-committed ruled out by G1c`);
//! - `linearizable`: the kind of op that could not take effect and why, in a few words
//!   (`linearizable: read cannot take effect: it read a value already overwritten`);
//! - every other check (invariants, durability, liveness, panics, …): its one-line summary
//!   with numbers and node names replaced (`durability: N acknowledged change(s) lost or
//!   corrupted out of N`); a panic keeps its (likewise cleaned) message.

use crate::check::ladder::{self, Model};
use crate::check::{CheckResult, Verdict};

/// The signature of a seed whose checks are `checks` and whose overall verdict is `verdict`
/// (the checks with that verdict make it up); `nodes` are the cluster's node names.
pub fn of_checks(checks: &[CheckResult], verdict: Verdict, nodes: &[String]) -> String {
    let parts: Vec<String> = checks
        .iter()
        .filter(|c| c.verdict == verdict)
        .map(|c| of_check(c, nodes))
        .collect();
    parts.join(" + ")
}

/// The signature of one check result.
pub fn of_check(c: &CheckResult, nodes: &[String]) -> String {
    let shape = match (c.name, c.verdict) {
        ("ladder", Verdict::Fail) => ladder_shape(c),
        ("isolation", Verdict::Fail) => isolation_shape(c),
        ("linearizable", Verdict::Fail) => linear_shape(&c.summary, nodes),
        ("protocol", _) => c.witness.first().map(|w| {
            // `raft panicked in on_message on n2 at step 120 (40ms)`: the step and time go.
            let at = c.summary.find(" at step ").unwrap_or(c.summary.len());
            format!("{} ({})", coarse(&c.summary[..at], nodes), coarse(w, nodes))
        }),
        _ => None,
    };
    format!(
        "{}: {}",
        c.name,
        shape.unwrap_or_else(|| coarse(&c.summary, nodes))
    )
}

/// The ladder's weakest broken models, from its per-model verdicts.
fn ladder_shape(c: &CheckResult) -> Option<String> {
    let broken: Vec<Model> = c
        .consistency
        .iter()
        .filter(|m| m.verdict == Verdict::Fail)
        .filter_map(|m| Model::from_name(m.model))
        .collect();
    let weakest: Vec<&str> = broken
        .iter()
        .filter(|&&m| !broken.iter().any(|&o| o != m && ladder::implies(m, o)))
        .map(|m| m.name())
        .collect();
    (!weakest.is_empty()).then(|| format!("weakest broken: {}", weakest.join(", ")))
}

/// The weakest isolation level that fails (levels are listed weakest first) and its anomaly.
fn isolation_shape(c: &CheckResult) -> Option<String> {
    let m = c.consistency.iter().find(|m| m.verdict == Verdict::Fail)?;
    Some(match &m.witness {
        Some(w) => format!("{} ruled out by {}", m.model, w.anomaly),
        None => format!("{} fails", m.model),
    })
}

/// Why an op could not take effect, in the linearizability checker's words, as a class.
const LINEAR_CLASSES: &[(&str, &str)] = &[
    ("was overwritten", "it read a value already overwritten"),
    (
        "which no operation wrote",
        "it saw a value no operation wrote",
    ),
    (
        "was written only after it returned",
        "it read a value from the future",
    ),
    (
        "the spans overlap",
        "two values must hold the register at once",
    ),
    (
        "a span that covers it",
        "another value holds the register for its whole span",
    ),
    (
        "only one of them can have found it",
        "two compare-and-sets replaced the same write",
    ),
    (
        "; but it completed at entry",
        "it completed before an op it must follow",
    ),
];

/// `linearizable: <op kind> cannot take effect: <class>` from the checker's summary
/// (`not linearizable (3 of 4 keys): key 3: p4 read 253 (entries …) cannot take effect in
/// any order: <why>`).
fn linear_shape(summary: &str, nodes: &[String]) -> Option<String> {
    let marker = " cannot take effect in any order";
    let at = summary.find(marker)?;
    let op_part = summary[..at].rsplit(": ").next()?;
    let kind = op_part.split_whitespace().nth(1)?;
    let rest = &summary[at + marker.len()..];
    let why = rest.split_once(": ").map_or(rest, |(_, w)| w);
    let class = LINEAR_CLASSES
        .iter()
        .find(|(needle, _)| why.contains(needle))
        .map_or_else(|| coarse(why, nodes), |(_, class)| class.to_string());
    Some(format!("{kind} cannot take effect: {class}"))
}

/// `text` with node names replaced by `NODE`, hex hashes and every run of digits by `N`, and
/// chains of values (`N → N → N`) collapsed to one `N`.
pub fn coarse(text: &str, nodes: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let hex = word.len() >= 6
            && word.chars().all(|c| c.is_ascii_hexdigit())
            && word.chars().any(|c| c.is_ascii_digit());
        if nodes.iter().any(|n| n == word) {
            out.push_str("NODE");
        } else if hex {
            // A hash or digest (`dfd3aeb9f7e`): one value, however many digit runs it has.
            out.push('N');
        } else {
            let mut in_digits = false;
            for ch in word.chars() {
                if ch.is_ascii_digit() {
                    if !in_digits {
                        out.push('N');
                    }
                    in_digits = true;
                } else {
                    out.push(ch);
                    in_digits = false;
                }
            }
        }
        word.clear();
    };
    for ch in text.chars() {
        if ch.is_alphanumeric() || ch == '_' || ch == '-' {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
    }
    flush(&mut word, &mut out);
    while out.contains("N → N") {
        out = out.replace("N → N", "N");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::isolation::ModelVerdict;

    fn result(name: &'static str, summary: &str, witness: &[&str]) -> CheckResult {
        CheckResult {
            name,
            verdict: Verdict::Fail,
            summary: summary.into(),
            witness: witness.iter().map(|w| w.to_string()).collect(),
            consistency: Vec::new(),
            refs: Default::default(),
        }
    }

    #[test]
    fn numbers_node_names_and_value_chains_are_dropped() {
        let nodes = vec!["alpha".to_string(), "beta".to_string()];
        assert_eq!(
            coarse(
                "9 lost on alpha at 1.5s, 231 → 336 → 365 stays; G1c",
                &nodes
            ),
            "N lost on NODE at N.Ns, N stays; GNc"
        );
        assert_eq!(
            coarse("agree (state dfd3aeb9f7e), not 0c4a2f", &nodes),
            "agree (state N), not N"
        );
        let a = result(
            "durability",
            "9 acknowledged change(s) lost out of 290",
            &[],
        );
        let b = result(
            "durability",
            "12 acknowledged change(s) lost out of 31",
            &[],
        );
        assert_eq!(of_check(&a, &[]), of_check(&b, &[]));
    }

    #[test]
    fn linearizability_groups_by_op_kind_and_reason() {
        let a = "not linearizable (4 of 4 keys): key 0: p4 read 551 (entries 2026–2027) cannot take effect in any order: it read 551, but the write of 551 completed (entry 1717) before the write of 562 began (entry 1744), which completed (entry 1745) before this read began: 551 was overwritten";
        let b = "not linearizable (3 of 4 keys): key 3: p1 read 248 (entries 1065–1067) cannot take effect in any order: it read 248, but the write of 248 completed (entry 757) before the write of 257 began (entry 780), which completed (entry 782) before this read began: 248 was overwritten";
        let c = "not linearizable (3 of 4 keys): key 3: p2 cas 270→402 (entries 1186–1187) cannot take effect in any order: it replaced 270, which cas 270→294 (entry 880) also replaced; 270 was written once, so only one of them can have found it";
        let sig = |s| of_check(&result("linearizable", s, &[]), &[]);
        assert_eq!(sig(a), sig(b));
        assert_eq!(
            sig(a),
            "linearizable: read cannot take effect: it read a value already overwritten"
        );
        assert_eq!(
            sig(c),
            "linearizable: cas cannot take effect: two compare-and-sets replaced the same write"
        );
    }

    #[test]
    fn the_ladder_groups_by_its_weakest_broken_models() {
        let rung = |model, verdict| ModelVerdict {
            model,
            verdict,
            reason: String::new(),
            witness: None,
        };
        let mut c = result("ladder", "strongest that holds: …", &[]);
        c.consistency = vec![
            rung("sequential", Verdict::Fail),
            rung("causal", Verdict::Fail),
            rung("causal-cc", Verdict::Fail),
            rung("pram", Verdict::Fail),
            rung("read-your-writes", Verdict::Fail),
            rung("monotonic-reads", Verdict::Pass),
        ];
        assert_eq!(
            of_check(&c, &[]),
            "ladder: weakest broken: causal-cc, read-your-writes"
        );
    }

    #[test]
    fn a_seed_signature_joins_the_checks_with_its_verdict() {
        let mut unknown = result("liveness", "stalled", &[]);
        unknown.verdict = Verdict::Unknown;
        let checks = vec![
            result("invariants", "broken: Leader Completeness", &[]),
            unknown,
            result("durability", "2 acknowledged change(s) lost", &[]),
        ];
        assert_eq!(
            of_checks(&checks, Verdict::Fail, &[]),
            "invariants: broken: Leader Completeness + durability: N acknowledged change(s) lost"
        );
        assert_eq!(
            of_checks(&checks, Verdict::Unknown, &[]),
            "liveness: stalled"
        );
    }

    #[test]
    fn a_panic_keeps_its_cleaned_message() {
        let a = result(
            "protocol",
            "buggy panicked in on_message on n2 at step 120 (40ms)",
            &["panic: index out of bounds: the len is 3 but the index is 8"],
        );
        let b = result(
            "protocol",
            "buggy panicked in on_message on n1 at step 7 (1.5s)",
            &["panic: index out of bounds: the len is 1 but the index is 6"],
        );
        assert_eq!(of_check(&a, &[]), of_check(&b, &[]));
        assert_eq!(
            of_check(&a, &[]),
            "protocol: buggy panicked in on_message on nN (panic: index out of bounds: the len is N but the index is N)"
        );
    }
}
