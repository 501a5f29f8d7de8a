//! `faultline test [PATHS]`: runs each scenario file with its own seed and compares the
//! verdict with its `expect`; one line per scenario; exit 0 only if all match.

use super::{BadInput, EXIT_BAD_INPUT, EXIT_FAIL, EXIT_PASS};
use crate::check::Verdict;
use crate::des::trace::Trace;
use crate::explore::{replay_command, run_seed};
use crate::scenario::Expect;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `faultline test`.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// Scenario files or folders (searched recursively for `*.toml`); default `scenarios`.
    paths: Vec<PathBuf>,
}

/// Every `.toml` file under `paths`, sorted, folders searched recursively.
pub fn scenario_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, BadInput> {
    let mut out = Vec::new();
    fn walk(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), BadInput> {
        if p.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| BadInput(format!("{}: cannot read folder: {e}", p.display())))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            entries.sort();
            for e in entries {
                if e.is_dir() || e.extension().is_some_and(|x| x == "toml") {
                    walk(&e, out)?;
                }
            }
            Ok(())
        } else if p.exists() {
            out.push(p.to_path_buf());
            Ok(())
        } else {
            Err(BadInput(format!("{}: no such file or folder", p.display())))
        }
    }
    for p in paths {
        walk(p, &mut out)?;
    }
    Ok(out)
}

/// Runs the scenarios.
pub(super) fn test(args: TestArgs) -> Result<i32, BadInput> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths
    };
    let files = scenario_files(&paths)?;
    let (mut passed, mut failed, mut bad) = (0, 0, 0);
    for file in &files {
        let started = Instant::now();
        let scenario = match crate::scenario::load(file) {
            Ok(s) => s,
            Err(e) => {
                say!("ERROR {}  {e}", file.display());
                bad += 1;
                continue;
            }
        };
        let outcome = match run_seed(&scenario, scenario.seed, Trace::hash_only()) {
            Ok(o) => o,
            Err(e) => {
                say!("ERROR {}  {e}", file.display());
                bad += 1;
                continue;
            }
        };
        let expected = match scenario.expect {
            Expect::Pass => Verdict::Pass,
            Expect::Fail => Verdict::Fail,
        };
        let secs = started.elapsed().as_secs_f64();
        if outcome.verdict == expected {
            passed += 1;
            say!(
                "ok    {}  (expect {}, seed {}, {secs:.2}s)",
                file.display(),
                expected.name(),
                scenario.seed
            );
        } else {
            failed += 1;
            say!(
                "FAIL  {}  expected {}, got {}; replay: {}",
                file.display(),
                expected.name(),
                outcome.verdict.name(),
                replay_command(&scenario, scenario.seed)
            );
            for c in outcome.checks.iter().filter(|c| c.verdict != Verdict::Pass) {
                say!("        {}: {} {}", c.name, c.verdict.name(), c.summary);
            }
        }
    }
    say!("{passed} passed, {} failed", failed + bad);
    Ok(if bad > 0 {
        EXIT_BAD_INPUT
    } else if failed > 0 {
        EXIT_FAIL
    } else {
        EXIT_PASS
    })
}
