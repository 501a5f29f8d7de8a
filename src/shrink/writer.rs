//! The shrunk scenario as a file: a header comment (where it came from, the seed, the
//! failure it keeps, the sizes before and after, and what was removed), then the document.
//! The document is the one the last kept run parsed, so `faultline run` reproduces it.

use super::Shrunk;
use std::fmt::Write as _;

/// The text of the shrunk scenario file.
pub fn render(s: &Shrunk) -> String {
    let mut h = String::new();
    let _ = writeln!(
        h,
        "# Shrunk by `faultline shrink {} --seed {}`: the smallest scenario found that still",
        s.source, s.seed
    );
    let _ = writeln!(h, "# fails the same way, `{}`.", s.signature);
    let _ = writeln!(h, "#");
    let _ = writeln!(h, "# before: {}", s.before.words());
    let _ = writeln!(h, "# after:  {}", s.after.words());
    let _ = writeln!(h, "#");
    let _ = writeln!(h, "# What changed:");
    if s.scripted {
        let _ = writeln!(
            h,
            "#   the faults that fired became a scripted timeline (exact times, resolved targets){}",
            if s.had_nemesis {
                "; [nemesis] removed"
            } else {
                ""
            }
        );
    }
    if let Some(why) = &s.kept_nemesis {
        let _ = writeln!(h, "#   the nemesis was kept: {why}");
    }
    for (key, from, to) in &s.changes {
        let _ = writeln!(h, "#   {key}: {from} -> {to}");
    }
    if s.changes.is_empty() {
        let _ = writeln!(h, "#   nothing else could go without changing the failure");
    }
    let _ = writeln!(h, "#");
    let stopped = match s.stopped {
        Some(super::Stopped::MaxRuns) => " (stopped at --max-runs: the best so far)",
        Some(super::Stopped::Budget) => " (stopped at the time budget: the best so far)",
        None => "",
    };
    let _ = writeln!(h, "# {} runs{stopped}.", s.runs);
    let _ = writeln!(
        h,
        "# The original file's comments are not copied; its description is kept."
    );
    h.push('\n');
    h.push_str(&s.toml);
    h
}
