//! The shrunk scenario as a file: a header comment (where it came from, the seed, the
//! failure it keeps, the sizes before and after, and what was removed), then the document.
//! The document is the one the last kept run parsed, so `faultline run` reproduces it; the
//! original file's opening comment (its description of the scenario) is kept after the
//! header, marked as the original's.

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
    if s.preamble.is_empty() {
        let _ = writeln!(
            h,
            "# The original file's comments are not copied; its description is kept."
        );
    } else {
        let _ = writeln!(
            h,
            "# The original file's opening comment follows (it describes the original run);"
        );
        let _ = writeln!(h, "# its other comments are not copied.");
        let _ = writeln!(h, "#");
        for line in &s.preamble {
            let _ = writeln!(h, "{line}");
        }
    }
    h.push('\n');
    h.push_str(&s.toml);
    h
}

/// The comment lines `text` opens with (blank lines among them become `#`), up to the first
/// line that is neither; trailing blank ones dropped.
pub fn opening_comment(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text
        .lines()
        .map(str::trim_end)
        .take_while(|l| l.is_empty() || l.starts_with('#'))
        .map(|l| {
            if l.is_empty() {
                "#".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    while lines.last().is_some_and(|l| l == "#") {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::opening_comment;

    #[test]
    fn the_opening_comment_is_the_leading_comment_block() {
        let text = "# Title\n#\n# More.\n\n# after a blank\n\nname = \"x\"\n# later\n";
        assert_eq!(
            opening_comment(text),
            vec!["# Title", "#", "# More.", "#", "# after a blank"]
        );
        assert!(opening_comment("name = \"x\"\n# late\n").is_empty());
    }
}
