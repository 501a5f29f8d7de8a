//! Coalescing: a dense nemesis cuts the same node off again and again, each cut starting
//! a little after (or before) the last one ended. A run of consecutive `[[faults]]` entries
//! that cut off the same nodes (the same `isolate` target, or the same `partition` groups,
//! each with a `duration`) can become one entry from the first's start to the last's end.
//! First every run is merged at once; if that does not fail the same way, each run alone,
//! latest first (a late change disturbs less of the run before it).

use super::ddmin::Outcome;
use super::passes::{fault_list, with_faults, Shrinker};
use crate::des::time::{format_duration, parse_duration, Nanos};
use toml::{Table, Value};

impl Shrinker<'_> {
    /// Merges runs of cuts of the same nodes; true if any merge was kept.
    pub fn coalesce(&mut self) -> bool {
        self.oracle.phase = "coalesce";
        let list = fault_list(&self.doc);
        let runs = runs(&list);
        if runs.is_empty() {
            return false;
        }
        let all = merged(&list, &runs);
        let mut changed = match self.try_faults(all) {
            Outcome::Fails => true,
            Outcome::Stop => return false,
            Outcome::Passes => false,
        };
        if !changed {
            for run in runs.iter().rev() {
                let list = fault_list(&self.doc);
                match self.try_faults(merged(&list, std::slice::from_ref(run))) {
                    Outcome::Fails => changed = true,
                    Outcome::Stop => break,
                    Outcome::Passes => {}
                }
            }
        }
        changed
    }

    /// Tests the document with `faults` as its `[[faults]]`, keeping it if it fails alike.
    fn try_faults(&mut self, faults: Vec<Value>) -> Outcome {
        let candidate = with_faults(&self.doc, faults);
        let out = self.oracle.test(&candidate);
        if out == Outcome::Fails {
            self.doc = candidate;
        }
        out
    }
}

/// What an entry cuts off, if it is a timed cut: its kind and target or groups, its start
/// and its end.
fn cut(v: &Value) -> Option<(String, Nanos, Nanos)> {
    let t = v.as_table()?;
    let kind = t.get("kind")?.as_str()?;
    let whom = match kind {
        "isolate" => t.get("target")?.to_string(),
        "partition" => t.get("groups")?.to_string(),
        _ => return None,
    };
    let at = parse_duration(t.get("at")?.as_str()?).ok()?;
    let lasts = parse_duration(t.get("duration")?.as_str()?).ok()?;
    Some((format!("{kind} {whom}"), at, at + lasts))
}

/// The runs (index ranges, at least two entries long) of consecutive entries that cut off
/// the same nodes.
fn runs(list: &[Value]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < list.len() {
        let Some((key, ..)) = cut(&list[i]) else {
            i += 1;
            continue;
        };
        let mut j = i + 1;
        while j < list.len() && cut(&list[j]).is_some_and(|(k, ..)| k == key) {
            j += 1;
        }
        if j - i >= 2 {
            out.push(i..j);
        }
        i = j;
    }
    out
}

/// `list` with each of `runs` made one entry: the first's, lasting to the latest end.
fn merged(list: &[Value], runs: &[std::ops::Range<usize>]) -> Vec<Value> {
    let mut out = Vec::with_capacity(list.len());
    let mut i = 0;
    while i < list.len() {
        let Some(run) = runs.iter().find(|r| r.start == i) else {
            out.push(list[i].clone());
            i += 1;
            continue;
        };
        let spans: Vec<(Nanos, Nanos)> = list[run.clone()]
            .iter()
            .filter_map(cut)
            .map(|(_, a, b)| (a, b))
            .collect();
        let start = spans.iter().map(|s| s.0).min().unwrap_or(0);
        let end = spans.iter().map(|s| s.1).max().unwrap_or(start);
        let mut first: Table = list[i].as_table().cloned().unwrap_or_default();
        first.insert("at".into(), Value::String(format_duration(start)));
        first.insert(
            "duration".into(),
            Value::String(format_duration(end - start)),
        );
        out.push(Value::Table(first));
        i = run.end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn isolate(target: &str, at: &str, lasts: &str) -> Value {
        let mut t = Table::new();
        t.insert("at".into(), Value::String(at.into()));
        t.insert("kind".into(), Value::String("isolate".into()));
        t.insert("target".into(), Value::String(target.into()));
        t.insert("duration".into(), Value::String(lasts.into()));
        Value::Table(t)
    }

    #[test]
    fn runs_of_the_same_cut_become_one_entry_to_the_latest_end() {
        let list = vec![
            isolate("n1", "10ms", "30ms"),
            isolate("n2", "20ms", "50ms"),
            isolate("n2", "40ms", "100ms"),
            isolate("n2", "60ms", "10ms"),
            isolate("n1", "200ms", "5ms"),
        ];
        let r = runs(&list);
        assert_eq!(r, vec![1..4]);
        let m = merged(&list, &r);
        assert_eq!(m.len(), 3);
        assert_eq!(m[1]["at"].as_str(), Some("20ms"));
        assert_eq!(m[1]["duration"].as_str(), Some("120ms"));
        assert_eq!(m[2]["at"].as_str(), Some("200ms"));
    }
}
