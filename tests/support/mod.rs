//! Test support shared by the integration tests: where the external checker corpus is, and
//! the visible skip when it is absent (DESIGN §9); and running a shipped scenario on one seed
//! and reading one check's verdict.
//!
//! The corpus (`knossos/`, `elle/`, `causal/`, each with a `manifest.tsv`) is not part of the
//! repository. It is looked for in `$FAULTLINE_CORPUS` when that is set, else in
//! `../shared/corpus` beside the repository. When it is absent, a test that needs it prints one
//! line saying what it skips and how to point at a corpus, and passes; with
//! `FAULTLINE_REQUIRE_CORPUS=1` (as `.ci/run` sets) its absence is a failure instead.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::PathBuf;

/// The corpus folder named `part` (`knossos`, `elle`, `causal`), or `None` after printing the
/// skip line for `test` when it is absent. Panics when it is absent and
/// `FAULTLINE_REQUIRE_CORPUS=1`.
pub fn corpus(part: &str, test: &str) -> Option<PathBuf> {
    let root = match std::env::var_os("FAULTLINE_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    let dir = root.join(part);
    if dir.join("manifest.tsv").is_file() {
        return Some(dir);
    }
    let required = std::env::var("FAULTLINE_REQUIRE_CORPUS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "FAULTLINE_REQUIRE_CORPUS=1 but the {part} corpus is not at {} \
         (set FAULTLINE_CORPUS to the folder that holds knossos/, elle/ and causal/)",
        dir.display()
    );
    // Written to stderr directly, not through eprintln!, so the test harness does not capture
    // it: the skip must be visible in a passing run.
    let _ = writeln!(
        std::io::stderr(),
        "SKIP {test}: no {part} corpus at {} (set FAULTLINE_CORPUS=/path/to/corpus to run it; \
         FAULTLINE_REQUIRE_CORPUS=1 makes this a failure)",
        dir.display()
    );
    None
}

/// The scenario at `path`, or a panic with its error.
pub fn load(path: &str) -> faultline::scenario::Scenario {
    faultline::scenario::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the scenario at `path` on `seed`.
pub fn run(path: &str, seed: u64) -> faultline::explore::Outcome {
    faultline::explore::run_seed(&load(path), seed, faultline::des::trace::Trace::hash_only())
        .unwrap()
}

/// The verdict and witness of check `name` in `o`.
pub fn check(
    o: &faultline::explore::Outcome,
    name: &str,
) -> (faultline::check::Verdict, Vec<String>) {
    let c = o
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("{name} runs"));
    (c.verdict, c.witness.clone())
}

/// Whether the external program `name` runs here (`name --version` succeeds). When it does
/// not, prints one SKIP line for `test` to stderr and returns false; with
/// `FAULTLINE_REQUIRE_CORPUS=1` (as `.ci/run` sets, which also installs it) its absence is a
/// failure instead.
pub fn tool(name: &str, test: &str) -> bool {
    let found = std::process::Command::new(name)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if found {
        return true;
    }
    let required = std::env::var("FAULTLINE_REQUIRE_CORPUS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "FAULTLINE_REQUIRE_CORPUS=1 but `{name}` is not installed (.ci/run installs it: apt-get install -y {name})"
    );
    let _ = writeln!(
        std::io::stderr(),
        "SKIP {test}: `{name}` is not installed (apt-get install -y {name} to run it; \
         FAULTLINE_REQUIRE_CORPUS=1 makes this a failure)"
    );
    false
}
