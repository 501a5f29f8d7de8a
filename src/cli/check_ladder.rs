//! `faultline check FILE --model M --consistency all|NAME,...`: where a register history sits
//! on the consistency ladder (linearizable, sequential, causal, PRAM, the session guarantees,
//! consistent prefix), drawn as a ladder with each model's verdict, the strongest that hold,
//! the weakest that break, and a witness for each break. Exit 0 when every model asked for
//! holds, 1 when one breaks, 2 bad input, 3 when one is unknown.

use crate::check::ladder::{self, Input, Ladder, Limits, Model};
use crate::check::linear::Budget;
use crate::check::Verdict;
use crate::history::HistorySource;
use std::time::Instant;

/// The ladder's verdicts as the `consistency` list of `--json`.
pub(super) fn json_rungs(l: &Ladder) -> Vec<serde_json::Value> {
    l.rungs
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or_default())
        .collect()
}

/// Checks one history on the ladder; returns the exit code.
pub(super) fn check_one(
    source: &HistorySource,
    input: &Input,
    models: &[Model],
    budget: &Budget<'_>,
    json: bool,
    model: &str,
) -> i32 {
    let started = Instant::now();
    let result = match ladder::check(&source.history, input, models, Limits::default(), budget) {
        Ok(l) => l,
        Err(e) => return super::check::input_error(source, e, model),
    };
    let check_ms = started.elapsed().as_secs_f64() * 1000.0;
    if json {
        let v = serde_json::json!({
            "file": source.file,
            "model": model,
            "verdict": result.verdict(),
            "consistency": json_rungs(&result),
            "strongest": result.strongest,
            "weakest_broken": result.weakest_broken,
            "ops": source.history.ops.len(),
            "check_ms": check_ms,
        });
        say!("{v}");
    } else {
        say!(
            "{} ({} history entries, {check_ms:.1} ms):",
            source.file,
            source.history.ops.len()
        );
        print_ladder(&result);
    }
    super::exit_for(result.verdict())
}

/// The ladder in text: one line per model, indented by how far down it sits, then the
/// strongest that hold, the weakest that break, and each break's witness.
pub(super) fn print_ladder(l: &Ladder) {
    for r in &l.rungs {
        let indent = Model::from_name(r.model).map_or(0, ladder::depth) * 2;
        let mark = r.verdict.mark();
        let name = format!("{:indent$}{}", "", r.model);
        say!("  {name:<27} {mark:<8} {}", r.reason);
    }
    let list = |names: &[&str]| {
        if names.is_empty() {
            "none of those checked".to_string()
        } else {
            names.join(", ")
        }
    };
    say!("strongest that holds: {}", list(&l.strongest));
    say!("weakest that breaks: {}", list(&l.weakest_broken));
    for r in l
        .rungs
        .iter()
        .filter(|r| r.verdict == Verdict::Fail && !r.witness.is_empty())
    {
        say!(
            "why {} breaks{}:",
            r.model,
            r.pattern.map(|p| format!(" ({p})")).unwrap_or_default()
        );
        for line in &r.witness {
            say!("    {line}");
        }
    }
}
