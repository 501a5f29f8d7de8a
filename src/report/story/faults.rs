//! Faults as story sentences: a fired fault's description (`crash n1 (the leader), restart
//! after 1s`) becomes a sentence with its source as subject (`the script crashes n1 (the
//! leader), restart after 1s`), and the nodes it names are found for relevance.

use crate::des::time::{format_approx, parse_duration};
use crate::sim::FiredFault;

/// The fault in one sentence, without its time.
pub(super) fn sentence(f: &FiredFault) -> String {
    approximate_durations(&told(f))
}

/// Exact durations with a fraction (a nemesis draws them to the nanosecond: `restart after
/// 18.076674ms`) as people read them (`18ms`, two significant digits); whole ones (`1s`,
/// `200ms`) as they are. The run's report and trace keep the exact text.
fn approximate_durations(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let end = word.trim_end_matches([',', ')', ';', ':']);
            let (number, rest) = word.split_at(end.len());
            let fractional =
                number.contains('.') && number.starts_with(|c: char| c.is_ascii_digit());
            match parse_duration(number) {
                Ok(n) if fractional => format!("{}{rest}", format_approx(n)),
                _ => word.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The fault in one sentence, durations exact.
fn told(f: &FiredFault) -> String {
    let who = match f.source {
        "script" => "the script",
        "nemesis" => "the nemesis",
        "engine" => "the engine",
        other => other,
    };
    if let Some(rest) = f.what.strip_prefix("end of workload: ") {
        return format!("the workload ends and {who} undoes every fault ({rest})");
    }
    if let Some(what) = f
        .what
        .strip_prefix("heal (")
        .and_then(|w| w.strip_suffix(" ends)"))
    {
        return format!("{who} heals \u{201c}{what}\u{201d}");
    }
    if let Some(what) = f.what.strip_suffix(" ends") {
        return format!("{who}'s \u{201c}{what}\u{201d} ends");
    }
    if let Some(rest) = f.what.strip_prefix("clock of ") {
        return format!("{who} changes the clock of {rest}");
    }
    let (verb, rest) = f.what.split_once(' ').unwrap_or((f.what.as_str(), ""));
    let third = match verb {
        "partition" | "isolate" | "block" | "heal" | "restart" | "pause" | "resume" | "degrade" => {
            format!("{verb}s")
        }
        "crash" => "crashes".to_string(),
        "flap" => "flaps".to_string(),
        "crash-restart" => return format!("{who} starts a crash-restart {rest}"),
        _ => return format!("{who}: {}", f.what),
    };
    if rest.is_empty() {
        format!("{who} {third}")
    } else {
        format!("{who} {third} {rest}")
    }
}

/// Whether the fault is a minor event in a story: an end or heal of an earlier fault, a
/// resume, a degraded or flapping link, a clock change (a crash, a restart, a pause, a
/// partition or an isolation is major).
pub(super) fn is_minor(f: &FiredFault) -> bool {
    let w = f.what.as_str();
    w.ends_with(" ends")
        || [
            "heal",
            "resume",
            "degrade",
            "flap",
            "clock",
            "end of workload",
        ]
        .iter()
        .any(|p| w.starts_with(p))
}

/// The nodes (by index into `names`) the fault's description names.
pub(super) fn nodes_named(f: &FiredFault, names: &[String]) -> Vec<usize> {
    let words: Vec<&str> = f
        .what
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    names
        .iter()
        .enumerate()
        .filter(|(_, n)| words.contains(&n.as_str()))
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fired(source: &'static str, what: &str) -> FiredFault {
        FiredFault {
            time: 0,
            source,
            what: what.into(),
            script: Vec::new(),
        }
    }

    #[test]
    fn faults_read_as_sentences() {
        let f = fired("script", "crash n1 (the leader), restart after 1s");
        assert_eq!(
            sentence(&f),
            "the script crashes n1 (the leader), restart after 1s"
        );
        assert_eq!(
            sentence(&fired("nemesis", "isolate n2 (a random node)")),
            "the nemesis isolates n2 (a random node)"
        );
        assert_eq!(
            sentence(&fired("nemesis", "pause n3 for 1s ends")),
            "the nemesis's \u{201c}pause n3 for 1s\u{201d} ends"
        );
        assert_eq!(
            sentence(&fired("nemesis", "heal (isolate n3 (a random node) ends)")),
            "the nemesis heals \u{201c}isolate n3 (a random node)\u{201d}"
        );
        assert_eq!(
            sentence(&fired("engine", "end of workload: heal network")),
            "the workload ends and the engine undoes every fault (heal network)"
        );
        assert_eq!(
            sentence(&fired(
                "nemesis",
                "crash n5,n6 (a random majority), restart after 18.076674ms"
            )),
            "the nemesis crashes n5,n6 (a random majority), restart after 18ms"
        );
        assert_eq!(
            sentence(&fired("nemesis", "pause n3 for 1.25s, then 2.5ms)")),
            "the nemesis pauses n3 for 1.2s, then 2.5ms)"
        );
        let names: Vec<String> = ["n1", "n2", "n10"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            nodes_named(&fired("script", "partition [n1] | [n10 n3]"), &names),
            vec![0, 2]
        );
    }
}
