//! Fuzzing the input paths: the scenario reader (and, when a mutant still parses, a bounded run
//! of it with every report), the EDN and JSON history readers (and, when a mutant still reads,
//! the linearizability check under every model), and `--init` literals.
//!
//! Inputs are seeded from the shipped scenarios, the shipped histories and histories the
//! simulator writes, then mutated by a seeded random stream: byte flips, insertions and
//! deletions, lines dropped, doubled, swapped or spliced from another file, numbers and
//! durations replaced by boundary values. Every case must end without a panic, with either a
//! result or an error naming the file (one line per mistake), and within the limits the
//! scenario or the check sets.
//!
//! `cargo test` runs a few hundred cases (`FAULTLINE_FUZZ_CASES=N` for N).
//! `FAULTLINE_FUZZ_SECONDS=N` runs for N seconds instead (`.ci/run` gives it about a minute)
//! and `FAULTLINE_FUZZ_SEED` picks another stream. A failing case prints the input and how to replay it; it then belongs in
//! `tests/fuzz-regressions/`, whose files are replayed first on every run.

use faultline::check::linear::{try_check, Budget, ModelKind, ModelSpec};
use faultline::des::rng::Stream;
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::history::{parse_edn_literal, read_history, write_edn, write_json, History};
use faultline::report::{json_report, text_report};
use faultline::scenario::{self, describe, Scenario};
use faultline::sim::panics;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A case that runs longer than this has escaped every bound (see the loop).
const HANG: Duration = Duration::from_secs(120);

/// Values that sit on boundaries the parsers and the engine must handle.
const NUMBERS: [&str; 14] = [
    "0",
    "-1",
    "1",
    "255",
    "65536",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "99999999999999999999999",
    "1e309",
    "0.0000001",
    "nan",
    "-0",
];
const DURATIONS: [&str; 10] = [
    "\"0\"",
    "\"1ns\"",
    "\"1000000s\"",
    "\"1000001s\"",
    "\"4294967296s\"",
    "\"100000h\"",
    "\"-1s\"",
    "\"1.5ns\"",
    "\"18446744073709551615ns\"",
    "\"2h\"",
];

fn files(dir: &str, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.extension().is_some_and(|e| e == ext));
    out.sort();
    out
}

fn scenario_seeds() -> Vec<String> {
    let mut paths = files("scenarios", "toml");
    paths.extend(files("scenarios/bench", "toml"));
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect()
}

/// The shipped histories, and the EDN and JSON histories of two simulated runs.
fn history_seeds() -> Vec<String> {
    let mut out: Vec<String> = files("histories", "edn")
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for path in [
        "scenarios/pb-async-lost-write.toml",
        "scenarios/raft-basics.toml",
    ] {
        let mut s = scenario::load(Path::new(path)).unwrap();
        s.duration = s.duration.min(2_000_000_000);
        let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
        let short = History {
            ops: o.output.history.ops.into_iter().take(120).collect(),
            sessions: o.output.history.sessions,
        };
        let (mut edn, mut json) = (Vec::new(), Vec::new());
        write_edn(&short, &mut edn).unwrap();
        write_json(&short, &mut json).unwrap();
        out.push(String::from_utf8(edn).unwrap());
        out.push(String::from_utf8(json).unwrap());
    }
    out
}

/// One mutation of `text`, drawn from `rng`; `other` is another seed to splice from.
fn mutate(text: &str, other: &str, rng: &mut Stream) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let pick = |rng: &mut Stream, n: usize| rng.below(n.max(1) as u64) as usize;
    match rng.below(10) {
        0 if !text.is_empty() => {
            let mut bytes = text.as_bytes().to_vec();
            let at = pick(rng, bytes.len());
            bytes[at] = rng.below(256) as u8;
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        1 => {
            let mut bytes = text.as_bytes().to_vec();
            let at = pick(rng, bytes.len() + 1);
            let alphabet = b"[]{}=\",.:#\n\\ 0-9azAZ_";
            let b = alphabet[pick(rng, alphabet.len())];
            bytes.insert(at.min(bytes.len()), b);
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        2 if !text.is_empty() => {
            let at = pick(rng, text.len());
            let len = pick(rng, 40);
            let mut bytes = text.as_bytes().to_vec();
            bytes.drain(at..(at + len).min(bytes.len()));
            return String::from_utf8_lossy(&bytes).into_owned();
        }
        3 if !lines.is_empty() => {
            let at = pick(rng, lines.len());
            lines.remove(at);
        }
        4 if !lines.is_empty() => {
            let at = pick(rng, lines.len());
            let line = lines[at].clone();
            lines.insert(at, line);
        }
        5 if lines.len() > 1 => {
            let (a, b) = (pick(rng, lines.len()), pick(rng, lines.len()));
            lines.swap(a, b);
        }
        6 => {
            let donor: Vec<&str> = other.lines().collect();
            if !donor.is_empty() {
                let line = donor[pick(rng, donor.len())].to_string();
                let at = pick(rng, lines.len() + 1);
                lines.insert(at.min(lines.len()), line);
            }
        }
        7 | 8 => {
            // Replace a number or a quoted duration with a boundary value.
            let durations = rng.below(2) == 0;
            let mut spots = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                for (j, c) in l.char_indices() {
                    let start = j == 0 || !l[..j].ends_with(|c: char| c.is_ascii_alphanumeric());
                    if start
                        && (if durations {
                            c == '"'
                        } else {
                            c.is_ascii_digit()
                        })
                    {
                        spots.push((i, j));
                    }
                }
            }
            if !spots.is_empty() {
                let (i, j) = spots[pick(rng, spots.len())];
                let l = &lines[i];
                let end = if durations {
                    l[j + 1..].find('"').map_or(l.len(), |k| j + k + 2)
                } else {
                    l[j..]
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
                        .map_or(l.len(), |k| j + k)
                };
                let new = if durations {
                    DURATIONS[pick(rng, DURATIONS.len())]
                } else {
                    NUMBERS[pick(rng, NUMBERS.len())]
                };
                lines[i] = format!("{}{new}{}", &l[..j], &l[end..]);
            }
        }
        _ => {
            let cut = pick(rng, text.len() + 1);
            let cut = (0..=cut)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            return text[..cut].to_string();
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// Errors are one line per mistake, each naming the file.
fn well_formed_error(shown: &str, file: &str) -> Result<(), String> {
    let lines: Vec<&str> = shown.lines().collect();
    if lines.is_empty() || lines.len() > scenario::MAX_ERRORS {
        return Err(format!("{} error lines: {shown:?}", lines.len()));
    }
    match lines.iter().find(|l| !l.starts_with(&format!("{file}:"))) {
        Some(bad) => Err(format!("error line without the file: {bad:?}")),
        None => Ok(()),
    }
}

/// A scenario input: parse it; if it parses, run it within tight limits and render every
/// report of it.
fn scenario_case(text: &str) -> Result<bool, String> {
    let mut s: Scenario = match scenario::parse_str(text, "fuzz.toml") {
        Ok(s) => s,
        Err(e) => return well_formed_error(&e.to_string(), "fuzz.toml").map(|()| false),
    };
    s.limits.max_events = s.limits.max_events.min(30_000);
    s.limits.memory = s.limits.memory.min(64 << 20);
    s.limits.check_states = s.limits.check_states.min(20_000);
    for f in &s.faults {
        let _ = describe::fault(&f.kind, &s.cluster.nodes);
    }
    match run_seed(&s, s.seed, Trace::hash_only()) {
        Ok(o) => {
            let _ = text_report(&s, &o);
            let _ = json_report(&s, &o).to_string();
            Ok(true)
        }
        Err(e) => {
            let shown = e.to_string();
            if shown.contains('\n') || shown.is_empty() {
                return Err(format!("run error not one line: {shown:?}"));
            }
            Ok(false)
        }
    }
}

/// A history input: read it; if it reads, check it with every model within a small budget.
fn history_case(text: &str, name: &str) -> Result<bool, String> {
    let h = match read_history(text, name) {
        Ok(h) => h,
        Err(e) => return well_formed_error(&e.to_string(), name).map(|()| false),
    };
    let budget = Budget {
        max_states: 20_000,
        max_memory_bytes: 64 << 20,
        deadline: None,
        all_keys: true,
        search_only: false,
    };
    for kind in ModelKind::ALL {
        for init in [
            faultline::history::Value::Nil,
            faultline::history::Value::Int(0),
        ] {
            let _ = try_check(&h, &ModelSpec { kind, init }, &budget);
        }
    }
    Ok(true)
}

/// An `--init` literal: parse it and use it as every model's initial value.
fn init_case(text: &str, h: &History) -> Result<bool, String> {
    match parse_edn_literal(text) {
        Err(e) if e.is_empty() => Err("empty error".into()),
        Err(_) => Ok(false),
        Ok(init) => {
            let budget = Budget {
                max_states: 5_000,
                ..Budget::default()
            };
            for kind in ModelKind::ALL {
                let spec = ModelSpec {
                    kind,
                    init: init.clone(),
                };
                let _ = try_check(h, &spec, &budget);
            }
            Ok(true)
        }
    }
}

/// Runs one case, turning a panic into a failure.
fn guarded(run: impl FnOnce() -> Result<bool, String>) -> Result<bool, String> {
    match panics::catch(run) {
        Ok(r) => r,
        Err(caught) => Err(format!("panicked: {caught}")),
    }
}

#[test]
fn fuzzed_inputs_never_panic_and_errors_name_the_file() {
    let budget = std::env::var("FAULTLINE_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs);
    let seed = std::env::var("FAULTLINE_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let cases_without_budget = std::env::var("FAULTLINE_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300u64);
    panics::install_hook();

    let mut failures = Vec::new();
    for path in files("tests/fuzz-regressions", "toml") {
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        if let Err(why) = guarded(|| scenario_case(&text)) {
            failures.push(format!("{}: {why}", path.display()));
        }
    }
    for ext in ["edn", "json"] {
        for path in files("tests/fuzz-regressions", ext) {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            if let Err(why) = guarded(|| history_case(&text, "fuzz.edn")) {
                failures.push(format!("{}: {why}", path.display()));
            }
        }
    }

    let scenarios = scenario_seeds();
    let histories = history_seeds();
    let literals: Vec<String> = [
        "0",
        "nil",
        ":free",
        ":held",
        "{:x 0 :y 0}",
        "[1 2]",
        "\"s\"",
        "true",
        "[]",
        "-7",
        "{1 2, 3 4}",
        "#{1 2}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let small = read_history(&histories[0], "seed.edn").unwrap();
    let mut rng = Stream::new(seed, "fuzz");
    let started = Instant::now();
    let (mut runs, mut accepted, mut case) = ([0u64; 3], [0u64; 3], 0u64);
    loop {
        let done = match budget {
            Some(b) => started.elapsed() >= b,
            None => case >= cases_without_budget,
        };
        if done || failures.len() >= 5 {
            break;
        }
        case += 1;
        let target = (case % 3) as usize;
        let (pool, name) = match target {
            0 => (&scenarios, "fuzz.toml"),
            1 => (&histories, "fuzz.edn"),
            _ => (&literals, "--init"),
        };
        let a = &pool[rng.below(pool.len() as u64) as usize];
        let b = &pool[rng.below(pool.len() as u64) as usize];
        let mut text = mutate(a, b, &mut rng);
        for _ in 0..rng.below(3) {
            text = mutate(&text, b, &mut rng);
        }
        let case_started = Instant::now();
        let result = match target {
            0 => guarded(|| scenario_case(&text)),
            1 => guarded(|| history_case(&text, name)),
            _ => guarded(|| init_case(&text, &small)),
        };
        // A hang detector, not a speed test: every case is bounded by the limits set above,
        // so one that runs for minutes has found a loop those limits do not cover.
        let result = match result {
            Ok(_) if case_started.elapsed() > HANG => Err(format!(
                "took {:.0}s: the limits did not bound it",
                case_started.elapsed().as_secs_f64()
            )),
            other => other,
        };
        runs[target] += 1;
        accepted[target] += u64::from(result == Ok(true));
        if let Err(why) = result {
            failures.push(format!(
                "case {case} (FAULTLINE_FUZZ_SEED={seed}), {name}: {why}\n--- input ---\n{text}\n---"
            ));
        }
    }
    // Written straight to stderr so the figures show in a passing run.
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "fuzz: {} scenarios ({} parsed and ran), {} histories ({} read and checked), {} --init literals ({} accepted) in {:.1}s (seed {seed})",
        runs[0],
        accepted[0],
        runs[1],
        accepted[1],
        runs[2],
        accepted[2],
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
