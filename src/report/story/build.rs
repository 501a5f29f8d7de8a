//! Putting a story together from a checked run: gathering the candidate events, telling the
//! witnessed operations, choosing what fits and ending with the verdict and replay command.

use super::leaders::LeaderChange;
use super::ops::Told;
use super::select::{choose, Candidate, Window};
use super::{edges, faults, invariants};
use super::{Kind, Sentence, Story};
use crate::check::invariants::Violation;
use crate::check::{CheckResult, Verdict};
use crate::explore::{replay_command, Outcome};
use crate::scenario::Scenario;

/// At most this many witnessed operations are told.
const MAX_OPS: usize = 6;
/// A story aims at about this many sentences in all.
const SENTENCES: usize = 15;
/// Faults and leadership changes told, whatever the operations take: at least this many…
const MIN_CONTEXT: usize = 4;
/// …and at most this many.
const MAX_CONTEXT: usize = 12;

/// The story of `outcome` (a run of `scenario`), with the leadership changes a
/// [`super::LeaderWatch`] saw (empty for a protocol without a single leader) and the
/// invariant monitor's violations (told when the `invariants` check failed).
pub fn build(
    scenario: &Scenario,
    outcome: &Outcome,
    leaders: &[LeaderChange],
    violations: &[Violation],
) -> Story {
    let out = &outcome.output;
    let mut story = Story {
        scenario: scenario.name.clone(),
        seed: out.seed,
        verdict: outcome.verdict,
        sentences: Vec::new(),
        left_out: 0,
        ops_left_out: 0,
    };
    let end = out.end_time;
    if outcome.verdict == Verdict::Pass {
        story.sentences.push(Sentence {
            t: end,
            kind: Kind::Verdict,
            text: format!(
                "seed {} passes: every check holds ({})",
                out.seed,
                names(&outcome.checks)
            ),
        });
        return story;
    }
    let failing: Vec<&CheckResult> = outcome
        .checks
        .iter()
        .filter(|c| c.verdict == outcome.verdict)
        .collect();

    // The witnessed operations: the first failing check's first, each once.
    let mut indexes: Vec<u64> = Vec::new();
    for c in &failing {
        for &i in &c.refs.ops {
            if !indexes.contains(&i) {
                indexes.push(i);
            }
        }
    }
    let told: Vec<Told<'_>> = indexes
        .iter()
        .filter_map(|&i| Told::find(&out.history, i))
        .collect();
    story.ops_left_out = told.len().saturating_sub(MAX_OPS);
    let told = &told[..told.len().min(MAX_OPS)];
    // The nodes that served a witnessed operation or took part in a broken invariant.
    let mut serving: Vec<&str> = told.iter().filter_map(|t| t.node()).collect();
    // The broken invariants, when that check failed: they anchor the story like operations.
    let broken: Vec<Sentence> = if failing.iter().any(|c| c.name == "invariants") {
        violations
            .iter()
            .map(|v| Sentence {
                t: v.time,
                kind: Kind::Invariant,
                text: invariants::sentence(v, &out.nodes),
            })
            .collect()
    } else {
        Vec::new()
    };
    // The moments the failure is about: the operations, the breaks, a panic.
    let moments: Vec<_> = broken
        .iter()
        .map(|b| b.t)
        .chain(out.panic.as_ref().map(|p| p.time))
        .collect();
    let starts = told.iter().map(|t| t.invoke.time);
    let ends = told.iter().map(|t| t.time());
    let window = match (
        starts.chain(moments.iter().copied()).min(),
        ends.chain(moments.iter().copied()).max(),
    ) {
        (Some(start), Some(end)) => Window { start, end },
        _ => Window { start: end, end },
    };
    let mut key_terms: Vec<u64> = Vec::new();
    for v in violations.iter().filter(|_| !broken.is_empty()) {
        serving.extend(v.nodes.iter().map(|n| out.nodes[n.index()].as_str()));
        key_terms.extend(terms_named(&v.detail));
    }

    // The faults and leadership changes, as candidates.
    let words = leader_words(&scenario.cluster.protocol);
    let mut events: Vec<(Candidate, Sentence)> = Vec::new();
    for f in &out.faults {
        let named = faults::nodes_named(f, &out.nodes);
        let involved = named
            .iter()
            .any(|&i| serving.contains(&out.nodes[i].as_str()));
        events.push((
            Candidate {
                time: f.time,
                involved,
                minor: faults::is_minor(f),
                key: false,
            },
            Sentence {
                t: f.time,
                kind: Kind::Fault,
                text: faults::sentence(f),
            },
        ));
    }
    for c in leaders.iter().filter(|c| !c.crashed) {
        let node = out.nodes[c.node.index()].as_str();
        let text = if c.leads && c.time == 0 {
            format!(
                "{node} is {} from the start ({} {})",
                words.0, words.1, c.term
            )
        } else if c.leads {
            format!("{node} becomes {} in {} {}", words.0, words.1, c.term)
        } else {
            format!("{node} steps down as {} ({} {})", words.0, words.1, c.term)
        };
        events.push((
            Candidate {
                time: c.time,
                involved: serving.contains(&node),
                minor: !c.leads,
                // The first leader of a term a broken invariant names: the plot of the break.
                key: c.leads && key_terms.contains(&c.term) && first_of_term(leaders, c),
            },
            Sentence {
                t: c.time,
                kind: Kind::Leader,
                text,
            },
        ));
    }
    events.sort_by_key(|(c, s)| (c.time, s.kind == Kind::Leader));
    let witness_edges = edges::sentence(&failing, &out.history);
    let fixed = told.len() + broken.len() + 2 + usize::from(witness_edges.is_some());
    let places = SENTENCES
        .saturating_sub(fixed)
        .clamp(MIN_CONTEXT, MAX_CONTEXT);
    let candidates: Vec<Candidate> = events.iter().map(|(c, _)| c.clone()).collect();
    let chosen = choose(&candidates, window, places);
    story.left_out = events.len() - chosen.len();
    let mut sentences: Vec<Sentence> = chosen.iter().map(|&i| events[i].1.clone()).collect();
    sentences.extend(broken);

    // The operations, each with the relations the witness gives it that a sentence can carry.
    for t in told {
        let mut text = t.sentence();
        for e in failing.iter().flat_map(|c| c.refs.edges.iter()) {
            if e.from != t.invoke.index {
                continue;
            }
            if let Some(clause) =
                Told::find(&out.history, e.to).and_then(|to| edges::clause(e, t, &to))
            {
                text.push_str(&clause);
            }
        }
        if let Some(n) = t.node() {
            text.push_str(&stale_leader(leaders, &out.nodes, n, t.time(), words));
        }
        sentences.push(Sentence {
            t: t.time(),
            kind: Kind::Op,
            text,
        });
    }
    if let Some(text) = witness_edges {
        sentences.push(Sentence {
            t: window.end,
            kind: Kind::Witness,
            text,
        });
    }
    // Stable: at equal times, faults and leaders come before the operations they explain.
    sentences.sort_by_key(|s| s.t);
    sentences.push(Sentence {
        t: end,
        kind: Kind::Verdict,
        text: verdict_line(outcome.verdict, &failing),
    });
    if outcome.verdict == Verdict::Fail {
        sentences.push(Sentence {
            t: end,
            kind: Kind::Replay,
            text: replay_command(scenario, out.seed),
        });
    }
    story.sentences = sentences;
    story
}

/// The checks' names, space-separated.
fn names(checks: &[CheckResult]) -> String {
    let n: Vec<&str> = checks.iter().map(|c| c.name).collect();
    n.join(" ")
}

/// The verdict in one sentence: the first failing check's summary, and the others' names.
fn verdict_line(verdict: Verdict, failing: &[&CheckResult]) -> String {
    let what = if verdict == Verdict::Fail {
        "fails"
    } else {
        "is inconclusive"
    };
    let Some(first) = failing.first() else {
        return format!("the run {what}");
    };
    let mut line = format!("{} {what}: {}", first.name, first.summary);
    if failing.len() > 1 {
        let others: Vec<&str> = failing[1..].iter().map(|c| c.name).collect();
        line.push_str(&format!(" (also {what}: {})", others.join(", ")));
    }
    line
}

/// The terms an invariant monitor's detail names: every number after the word `term`
/// (`n4 became leader of term 47 without the entry of term 40 at index 24 that n2 committed`
/// names 47 and 40).
fn terms_named(detail: &str) -> Vec<u64> {
    detail
        .split("term ")
        .skip(1)
        .filter_map(|rest| {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// True when `c` is the first time any node took the lead in `c.term`.
fn first_of_term(leaders: &[LeaderChange], c: &LeaderChange) -> bool {
    leaders
        .iter()
        .find(|o| o.leads && o.term == c.term)
        .is_some_and(|o| o == c)
}

/// The role and epoch words of a protocol: (`primary`, `epoch`) or (`leader`, `term`).
fn leader_words(protocol: &str) -> (&'static str, &'static str) {
    match protocol {
        "primary-backup" => ("primary", "epoch"),
        _ => ("leader", "term"),
    }
}

/// `; n1 still leads term 2 by its own lights, but n3 leads term 3` when `node` served an
/// operation at `at` as a leader deposed elsewhere; empty otherwise.
fn stale_leader(
    leaders: &[LeaderChange],
    names: &[String],
    node: &str,
    at: crate::des::time::Nanos,
    words: (&str, &str),
) -> String {
    let mut now: Vec<Option<u64>> = vec![None; names.len()];
    for c in leaders.iter().take_while(|c| c.time <= at) {
        now[c.node.index()] = c.leads.then_some(c.term);
    }
    let Some(i) = names.iter().position(|n| n == node) else {
        return String::new();
    };
    let Some(mine) = now[i] else {
        return String::new();
    };
    let newer = now
        .iter()
        .enumerate()
        .filter_map(|(j, t)| t.filter(|&t| t > mine).map(|t| (t, j)))
        .max();
    match newer {
        Some((term, j)) => format!(
            "; {node} still acts as {} of {} {mine}, but {} leads {} {term}",
            words.0, words.1, names[j], words.1
        ),
        None => String::new(),
    }
}
