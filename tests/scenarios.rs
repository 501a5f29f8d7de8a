//! Every shipped scenario meets its `expect` with its own seed (DESIGN §9).

use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::{replay_command, run_seed};
use faultline::scenario::{self, Expect};
use std::path::{Path, PathBuf};

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            toml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn every_scenario_meets_its_expect() {
    let mut files = Vec::new();
    toml_files(Path::new("scenarios"), &mut files);
    assert!(files.len() >= 6, "shipped scenarios: {files:?}");
    let mut wrong = Vec::new();
    for f in &files {
        let s = scenario::load(f).unwrap_or_else(|e| panic!("{e}"));
        let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
        let want = match s.expect {
            Expect::Pass => Verdict::Pass,
            Expect::Fail => Verdict::Fail,
        };
        if o.verdict != want {
            wrong.push(format!(
                "{}: expected {}, got {} ({})",
                f.display(),
                want.name(),
                o.verdict.name(),
                replay_command(&s, s.seed)
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn faultline_test_command_agrees() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_faultline"))
        .args(["test", "scenarios"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .ends_with(" passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn the_readme_lists_every_shipped_scenario() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut files = Vec::new();
    toml_files(Path::new("scenarios"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .map(|f| {
            f.strip_prefix("scenarios")
                .unwrap()
                .to_string_lossy()
                .trim_start_matches('/')
                .to_string()
        })
        .filter(|name| !readme.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's scenario table lacks {missing:?}"
    );
}
