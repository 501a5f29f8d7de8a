//! The simulation lessons run as written: every `$ faultline …` line of
//! docs/lessons/eventual-consistency.md and docs/lessons/cap-and-quorums.md runs from the
//! repository's root without a usage error, and a line marked `# → PASS` or `# → FAIL` ends
//! with that verdict (exit code 0 or 1).

use std::process::Command;

/// Runs every command of `lesson`; returns how many ran.
fn run_lesson(lesson: &str) -> usize {
    let text = std::fs::read_to_string(lesson).unwrap();
    let mut ran = 0;
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("$ faultline ") else {
            continue;
        };
        let (cmd, comment) = rest.split_once('#').unwrap_or((rest, ""));
        let args: Vec<&str> = cmd.split_whitespace().collect();
        let out = Command::new(env!("CARGO_BIN_EXE_faultline"))
            .args(&args)
            .output()
            .unwrap();
        let code = out.status.code();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            matches!(code, Some(0 | 1)),
            "{lesson}: `faultline {cmd}` exited {code:?}: {stderr}"
        );
        let want = if comment.contains("→ PASS") {
            Some(0)
        } else if comment.contains("→ FAIL") {
            Some(1)
        } else {
            None
        };
        if let Some(want) = want {
            assert_eq!(code, Some(want), "{lesson}: `faultline {cmd}`");
        }
        ran += 1;
    }
    ran
}

#[test]
fn every_command_in_the_eventual_consistency_lesson_runs_as_written() {
    assert!(run_lesson("docs/lessons/eventual-consistency.md") >= 10);
}

#[test]
fn every_command_in_the_cap_and_quorums_lesson_runs_as_written() {
    assert!(run_lesson("docs/lessons/cap-and-quorums.md") >= 14);
}

/// The worked example of docs/protocols.md ("Writing your own protocol") is the code of
/// examples/solo.rs, which `cargo test` compiles: the page cannot drift from the API.
#[test]
fn the_protocol_guide_shows_the_compiled_example() {
    let page = std::fs::read_to_string("docs/protocols.md").unwrap();
    let example = std::fs::read_to_string("examples/solo.rs").unwrap();
    let start = page
        .find("```rust\nuse faultline::")
        .expect("the example block");
    let block = &page[start + "```rust\n".len()..];
    let block = &block[..block.find("```").unwrap()];
    assert!(block.contains("impl Protocol for Solo"), "{block}");
    assert!(
        example.contains(block),
        "docs/protocols.md's example differs from examples/solo.rs"
    );
}
