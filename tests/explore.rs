//! Sweeps you can trust and sweeps that outgrow one machine (`faultline explore`,
//! `faultline merge`): failure groups by signature, `--stop-after` independent of `--jobs`,
//! JSON lines, the determinism sample catching an injected nondeterminism, shards that merge
//! into exactly what one sweep prints (also through GNU parallel), and the errors of shards
//! and merges that do not fit.

mod support;

use faultline::check::Verdict;
use faultline::des::ids::NodeId;
use faultline::des::time::MILLIS;
use faultline::des::trace::Trace;
use faultline::explore::engine::{self, Options};
use faultline::explore::seeds::SeedSet;
use faultline::explore::{run_seed_with, SeedResult};
use faultline::protocol::{ClientRequest, Context, Observation, Protocol, Reply};
use faultline::scenario;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

const BIN: &str = env!("CARGO_BIN_EXE_faultline");

fn faultline(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("faultline-explore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_string_lossy().into_owned()
}

/// Text output without its `speed:` line (wall-clock timing, the one part that differs).
fn comparable_text(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("speed:"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// JSON lines, each parsed, with the summary's `timing` removed.
fn comparable_json(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| {
            let mut v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            if let Some(o) = v.as_object_mut() {
                o.remove("timing");
            }
            v
        })
        .collect()
}

/// A protocol that fails two ways: on some seeds n2 indexes past the end of a vector, on
/// others n3 asserts that it saw two leaders; the rest pass.
struct TwoBugs {
    seen: Vec<u64>,
}

impl Protocol for TwoBugs {
    const NAME: &'static str = "two-bugs";
    type Params = ();
    type Msg = u64;
    type Timer = ();
    type Durable = ();
    type Write = ();

    fn apply_write(_: &mut (), _: ()) {}

    fn start(_: &(), ctx: &mut Context<'_, Self>, _: Option<&()>) -> Self {
        ctx.set_timer((), 10 * MILLIS);
        TwoBugs { seen: Vec::new() }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, _: NodeId, msg: u64) {
        self.seen.push(msg);
        if ctx.id() == NodeId(1) && msg % 97 == 3 {
            let i = self.seen.len() + 5;
            let _ = self.seen[i]; // bug one
        }
        if ctx.id() == NodeId(2) && msg % 89 == 5 {
            panic!("two leaders in term {}", msg / 89); // bug two
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _: ()) {
        let draw = ctx.rng().below(1000);
        ctx.broadcast(draw);
        ctx.set_timer((), 10 * MILLIS);
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        ctx.answer(&request, Reply::Fail);
    }

    fn observe(&self) -> Observation {
        Observation::default()
    }
}

/// Read by [`Drifting`]: every run of it differs from the one before.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// A protocol whose first timer depends on a global counter: deliberately nondeterministic.
struct Drifting;

impl Protocol for Drifting {
    const NAME: &'static str = "drifting";
    type Params = ();
    type Msg = u64;
    type Timer = ();
    type Durable = ();
    type Write = ();

    fn apply_write(_: &mut (), _: ()) {}

    fn start(_: &(), ctx: &mut Context<'_, Self>, _: Option<&()>) -> Self {
        // Strictly growing (no modulo): the second run of a seed always starts later than the
        // first, however the other worker's runs interleave with it.
        let n = RUNS.fetch_add(1, Ordering::Relaxed);
        ctx.set_timer((), 10 * MILLIS + n * (MILLIS / 1000));
        Drifting
    }

    fn on_message(&mut self, _: &mut Context<'_, Self>, _: NodeId, _: u64) {}

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _: ()) {
        ctx.broadcast(1);
        ctx.set_timer((), 10 * MILLIS);
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        ctx.answer(&request, Reply::Fail);
    }

    fn observe(&self) -> Observation {
        Observation::default()
    }
}

const CLUSTER: &str = r#"
duration = "300ms"
settle = "0s"
[cluster]
protocol = "phold"
nodes = 3
"#;

#[test]
fn a_protocol_that_fails_two_ways_gives_two_groups() {
    let s = scenario::parse_str(CLUSTER, "two-bugs.toml").unwrap();
    let run = |seed: u64, trace: Trace<'_>| run_seed_with::<TwoBugs>(&s, (), seed, trace);
    let options = Options::new(SeedSet::range(1, 60), 2);
    let report = engine::run(&options, &run, &mut |_| {}, &|_| {}).unwrap();
    // What each seed did, found independently from its panic message.
    let (mut index, mut leaders) = (Vec::new(), Vec::new());
    for seed in 1..=60 {
        let o = run(seed, Trace::hash_only()).unwrap();
        if let Some(c) = o.checks.iter().find(|c| c.verdict == Verdict::Fail) {
            if c.witness[0].contains("index out of bounds") {
                index.push(seed);
            } else {
                assert!(c.witness[0].contains("two leaders"), "{c:?}");
                leaders.push(seed);
            }
        }
    }
    assert!(!index.is_empty() && !leaders.is_empty(), "both bugs fire");
    assert_eq!(report.groups.len(), 2, "{:#?}", report.groups);
    let group = |needle: &str| {
        report
            .groups
            .iter()
            .find(|g| g.signature.contains(needle))
            .unwrap_or_else(|| panic!("no group for {needle}: {:#?}", report.groups))
    };
    let g = group("index out of bounds");
    assert_eq!((g.count, g.smallest), (index.len() as u64, index[0]));
    assert_eq!(
        g.signature,
        "protocol: two-bugs panicked in on_message on nN (panic: index out of bounds: the len is N but the index is N)"
    );
    let g = group("two leaders");
    assert_eq!((g.count, g.smallest), (leaders.len() as u64, leaders[0]));
    assert_eq!(
        g.signature,
        "protocol: two-bugs panicked in on_message on nN (panic: two leaders in term N)"
    );
    assert_eq!(report.failures_per_check["protocol"], report.sweep.fail);
    assert_eq!(report.sweep.fail, (index.len() + leaders.len()) as u64);
}

#[test]
fn the_determinism_sample_catches_an_injected_nondeterminism() {
    let s = scenario::parse_str(CLUSTER, "drifting.toml").unwrap();
    let run = |seed: u64, trace: Trace<'_>| run_seed_with::<Drifting>(&s, (), seed, trace);
    let mut options = Options::new(SeedSet::range(1, 20), 2);
    options.determinism_sample = 5;
    let mut seen: Vec<SeedResult> = Vec::new();
    let report = engine::run(&options, &run, &mut |r| seen.push(r.clone()), &|_| {}).unwrap();
    assert_eq!(report.determinism_checked, 4, "seeds 5, 10, 15, 20");
    assert_eq!(report.nondeterministic, 4);
    let failed: Vec<u64> = report.sweep.failed.iter().map(|r| r.seed).collect();
    assert_eq!(
        failed,
        [5, 10, 15, 20],
        "only the sampled seeds can be caught"
    );
    for r in &report.sweep.failed {
        assert_eq!(r.checks, ["nondeterministic"]);
        assert_eq!(r.signature, "nondeterministic");
        let p = r.problems.last().unwrap();
        assert!(
            p.starts_with("nondeterministic: run twice, trace hash ")
                && p.contains("first differs at event ")
                && p.contains("run 1: {\"i\":")
                && p.contains("run 2: {\"i\":"),
            "{p}"
        );
    }
    assert_eq!(report.failures_per_check["nondeterministic"], 4);
    assert_eq!(report.groups.len(), 1);
    assert_eq!((report.groups[0].count, report.groups[0].smallest), (4, 5));
    let order: Vec<u64> = seen.iter().map(|r| r.seed).collect();
    assert_eq!(
        order,
        (1..=20).collect::<Vec<_>>(),
        "results come in seed order"
    );
    // Without the sample, nothing is caught.
    options.determinism_sample = 0;
    let report = engine::run(&options, &run, &mut |_| {}, &|_| {}).unwrap();
    assert_eq!((report.sweep.fail, report.determinism_checked), (0, 0));
}

const LOSSY: &str = "scenarios/pb-async-power-failure.toml";

#[test]
fn json_lines_parse_and_carry_every_field() {
    let out = faultline(&["explore", LOSSY, "--seeds", "30", "--json", "--jobs", "2"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let (summary, seeds) = lines.split_last().unwrap();
    assert!(!seeds.is_empty(), "some seeds fail");
    let mut last = 0;
    for s in seeds {
        assert_eq!(s["kind"], "seed");
        let seed = s["seed"].as_u64().unwrap();
        assert!(seed > last, "seed order");
        last = seed;
        assert_eq!(s["verdict"], "fail");
        assert!(!s["checks"].as_array().unwrap().is_empty());
        assert!(s["signature"]
            .as_str()
            .unwrap()
            .starts_with("linearizable: "));
        assert!(!s["problems"].as_array().unwrap().is_empty());
        assert_eq!(
            s["replay"],
            format!("faultline run {LOSSY} --seed {seed}").as_str()
        );
        assert_eq!(s["trace_hash"].as_str().unwrap().len(), 16);
        // The replay reproduces the trace hash.
        if seed == seeds[0]["seed"] {
            let run = faultline(&["run", LOSSY, "--seed", &seed.to_string(), "--json"]);
            let v: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
            assert_eq!(v["trace_hash"], s["trace_hash"]);
        }
    }
    assert_eq!(summary["kind"], "summary");
    assert_eq!(summary["scenario"], LOSSY);
    assert_eq!(summary["scenario_hash"].as_str().unwrap().len(), 16);
    assert_eq!(
        (summary["first"].as_u64(), summary["count"].as_u64()),
        (Some(1), Some(30))
    );
    let (pass, fail, unknown) = (
        summary["pass"].as_u64().unwrap(),
        summary["fail"].as_u64().unwrap(),
        summary["unknown"].as_u64().unwrap(),
    );
    assert_eq!(pass + fail + unknown, 30);
    assert_eq!(fail, seeds.len() as u64);
    assert_eq!(
        summary["failures_per_check"]["linearizable"].as_u64(),
        Some(fail)
    );
    assert_eq!(summary["determinism_sample"], 20);
    assert_eq!(summary["determinism_checked"], 1, "seed 20");
    assert_eq!(summary["nondeterministic"], 0);
    let groups = summary["groups"].as_array().unwrap();
    let total: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(total, fail);
    for g in groups {
        for key in [
            "verdict",
            "signature",
            "checks",
            "count",
            "smallest_seed",
            "replay",
        ] {
            assert!(g.get(key).is_some(), "group lacks {key}: {g}");
        }
        let smallest = seeds
            .iter()
            .find(|s| s["signature"] == g["signature"])
            .unwrap();
        assert_eq!(smallest["seed"], g["smallest_seed"]);
    }
    let t = &summary["timing"];
    for key in ["wall_seconds", "simulation_seconds", "checking_seconds"] {
        assert!(t[key].as_f64().is_some(), "timing lacks {key}: {t}");
    }
}

#[test]
fn stop_after_reports_the_same_seeds_for_any_jobs() {
    let full = faultline(&["explore", LOSSY, "--seeds", "60", "--json"]);
    let failing: Vec<u64> = comparable_json(&stdout(&full))
        .iter()
        .filter(|v| v["kind"] == "seed")
        .map(|v| v["seed"].as_u64().unwrap())
        .collect();
    assert!(failing.len() > 5, "{failing:?}");
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let args = ["explore", LOSSY, "--seeds", "60", "--stop-after", "5"];
        let json = faultline(&[&args[..], &["--jobs", jobs, "--json"]].concat());
        assert_eq!(json.status.code(), Some(1));
        let text = faultline(&[&args[..], &["--jobs", jobs]].concat());
        outputs.push((
            comparable_json(&stdout(&json)),
            comparable_text(&stdout(&text)),
        ));
    }
    assert_eq!(
        outputs[0], outputs[1],
        "--jobs 1 and --jobs 2 report the same"
    );
    let (json, text) = &outputs[0];
    let seeds: Vec<u64> = json
        .iter()
        .filter(|v| v["kind"] == "seed")
        .map(|v| v["seed"].as_u64().unwrap())
        .collect();
    assert_eq!(seeds, failing[..5], "the first five failing seeds");
    let summary = json.last().unwrap();
    assert_eq!(summary["fail"], 5);
    assert_eq!(summary["stopped_at"].as_u64(), Some(failing[4]));
    assert_eq!(
        summary["seeds_run"].as_u64(),
        Some(failing[4]),
        "seeds 1 to the 5th failure"
    );
    assert_eq!(summary["failures_per_check"]["linearizable"], 5);
    assert!(
        text.contains(&format!(
            "stopped after 5 failing seeds (--stop-after 5): the last was seed {}; {} of 60 seeds ran",
            failing[4], failing[4]
        )),
        "{text}"
    );
}

#[test]
fn text_output_lists_groups_with_counts_smallest_seeds_and_replays() {
    let out = faultline(&[
        "explore",
        "scenarios/pb-split-brain.toml",
        "--seeds",
        "20",
        "--jobs",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.starts_with("exploring 20 seeds of scenarios/pb-split-brain.toml from seed 1\n"),
        "{text}"
    );
    assert!(text.contains("failure groups ("), "{text}");
    assert!(
        text.contains(": durability: N acknowledged change(s) lost or corrupted out of N + linearizable: read cannot take effect: it read a value already overwritten\n"),
        "{text}"
    );
    assert!(
        text.contains("         replay: faultline run scenarios/pb-split-brain.toml --seed 1\n"),
        "{text}"
    );
    assert!(
        text.contains("failing seeds per check: durability 20, linearizable 20"),
        "{text}"
    );
    assert!(
        text.contains("determinism: 1 seed divisible by 20 ran twice, every second run identical"),
        "{text}"
    );
    assert!(
        text.contains("\n20 seeds: 0 pass, 20 fail, 0 unknown\n"),
        "{text}"
    );
    let speed = text.lines().last().unwrap();
    assert!(
        speed.starts_with("speed: ")
            && speed.contains(" seeds/s; simulation ")
            && speed.contains(", checking "),
        "{speed}"
    );
}

/// Runs every shard of `LOSSY`'s seeds 1..=60 into files, one `explore` each.
fn shard_files(of: u64, tag: &str) -> Vec<String> {
    (1..=of)
        .map(|i| {
            let spec = format!("{i}/{of}");
            let out = faultline(&[
                "explore", LOSSY, "--seeds", "60", "--shard", &spec, "--json",
            ]);
            assert!(matches!(out.status.code(), Some(0 | 1)), "{}", stderr(&out));
            let path = tmp(&format!("{tag}-{i}-of-{of}.jsonl"));
            std::fs::write(&path, &out.stdout).unwrap();
            path
        })
        .collect()
}

fn assert_merge_equals_unsharded(files: &[String]) {
    let whole_text = faultline(&["explore", LOSSY, "--seeds", "60"]);
    let whole_json = faultline(&["explore", LOSSY, "--seeds", "60", "--json"]);
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged_text = faultline(&args);
    args.push("--json");
    let merged_json = faultline(&args);
    assert_eq!(
        merged_text.status.code(),
        whole_text.status.code(),
        "{}",
        stderr(&merged_text)
    );
    assert_eq!(merged_json.status.code(), Some(1));
    let (a, b) = (
        comparable_text(&stdout(&merged_text)),
        comparable_text(&stdout(&whole_text)),
    );
    assert!(b.contains("failure groups ("), "{b}");
    assert_eq!(a, b, "merged text = unsharded text");
    assert_eq!(
        comparable_json(&stdout(&merged_json)),
        comparable_json(&stdout(&whole_json)),
        "merged JSON = unsharded JSON"
    );
    assert!(stdout(&merged_text)
        .lines()
        .last()
        .unwrap()
        .starts_with("speed: merged "));
}

#[test]
fn sharded_then_merged_equals_one_sweep() {
    let files = shard_files(3, "merge");
    let first = std::fs::read_to_string(&files[0]).unwrap();
    let summary: serde_json::Value = serde_json::from_str(first.lines().last().unwrap()).unwrap();
    assert_eq!(summary["shard"]["index"], 1);
    assert_eq!(summary["shard"]["of"], 3);
    assert_eq!(summary["seeds_run"], 20, "interleaved: seeds 1, 4, …, 58");
    for line in first.lines().filter(|l| l.contains("\"kind\":\"seed\"")) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["seed"].as_u64().unwrap() % 3, 1, "{line}");
    }
    // The order of the files does not matter.
    let mut reversed = files.clone();
    reversed.reverse();
    assert_merge_equals_unsharded(&reversed);
}

#[test]
fn gnu_parallel_runs_the_shards_and_merge_matches_one_sweep() {
    if !support::tool(
        "parallel",
        "gnu_parallel_runs_the_shards_and_merge_matches_one_sweep",
    ) {
        return;
    }
    // The recipe of docs/guide.md ("Exploring seeds"), with this build's binary.
    let dir = tmp("parallel");
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("parallel")
        .args([
            "--will-cite",
            "--halt",
            "never",
            &format!(
                "{BIN} explore {LOSSY} --seeds 60 --shard {{}}/2 --json > {dir}/shard-{{}}.jsonl"
            ),
            ":::",
            "1",
            "2",
        ])
        .output()
        .unwrap();
    // faultline exits 1 when a seed fails; parallel passes on the number of failed jobs.
    assert!(matches!(out.status.code(), Some(0..=2)), "{}", stderr(&out));
    let files = [
        format!("{dir}/shard-1.jsonl"),
        format!("{dir}/shard-2.jsonl"),
    ];
    assert_merge_equals_unsharded(&files);
}

#[test]
fn shards_that_cannot_run_are_refused() {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 8] = [
        (
            &["--shard", "0/2"],
            &[],
            "--shard 0/2: expected a shard index from 1 to 2",
        ),
        (
            &["--shard", "3/2"],
            &[],
            "--shard 3/2: expected a shard index from 1 to 2",
        ),
        (&["--shard", "two"], &[], "--shard two: expected I/N"),
        (
            &["--shard", "1/0"],
            &[],
            "expected a number of shards from 1",
        ),
        (
            &["--shard", "1/61"],
            &[],
            "expected at most as many shards as seeds",
        ),
        (&["--shard", "auto/2"], &[], "neither SLURM_ARRAY_TASK_ID"),
        (
            &["--shard", "auto/2"],
            &[("JOB_COMPLETION_INDEX", "2")],
            "JOB_COMPLETION_INDEX=2 is past the last of 2 shards",
        ),
        (
            &["--shard", "1/2", "--stop-after", "3"],
            &[],
            "a shard cannot know where the whole sweep would stop",
        ),
    ];
    for (args, env, needle) in cases {
        let mut cmd = Command::new(BIN);
        cmd.args(["explore", LOSSY, "--seeds", "60"]).args(args);
        cmd.env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(needle) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
    // auto/N with a Kubernetes index (from 0) and a Slurm array (from its minimum).
    for (var, value, min, shard) in [
        ("JOB_COMPLETION_INDEX", "1", None, "2/2"),
        ("SLURM_ARRAY_TASK_ID", "1", Some("1"), "1/2"),
    ] {
        let mut cmd = Command::new(BIN);
        cmd.args(["explore", LOSSY, "--seeds", "4", "--shard", "auto/2"]);
        cmd.env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("JOB_COMPLETION_INDEX");
        cmd.env(var, value);
        if let Some(m) = min {
            cmd.env("SLURM_ARRAY_TASK_MIN", m);
        }
        let out = cmd.output().unwrap();
        assert!(
            stdout(&out).starts_with(&format!("exploring shard {shard} of 4 seeds of {LOSSY}")),
            "{}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}

#[test]
fn merging_files_that_do_not_belong_together_is_refused() {
    let files = shard_files(2, "bad");
    let other = tmp("other-scenario.jsonl");
    let out = faultline(&[
        "explore",
        "scenarios/pb-split-brain.toml",
        "--seeds",
        "60",
        "--shard",
        "2/2",
        "--json",
    ]);
    std::fs::write(&other, &out.stdout).unwrap();
    let cut = tmp("cut-short.jsonl");
    let text = std::fs::read_to_string(&files[1]).unwrap();
    let without_summary: String = text
        .lines()
        .filter(|l| !l.contains("\"kind\":\"summary\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&cut, without_summary).unwrap();
    let dropped = tmp("dropped-line.jsonl");
    let without_first_seed: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
    std::fs::write(&dropped, without_first_seed).unwrap();
    let garbage = tmp("garbage.jsonl");
    std::fs::write(&garbage, "exploring 60 seeds\n").unwrap();
    let cases: [(Vec<&str>, String); 6] = [
        (
            vec![&files[0]],
            format!("shard(s) 2 of 2 missing (given: 1/2 from {})", files[0]),
        ),
        (
            vec![&files[0], &files[0]],
            format!("{0} and {0} are both shard 1/2", files[0]),
        ),
        (
            vec![&files[0], &other],
            format!(
                "{other}: the scenario is scenarios/pb-split-brain.toml, but {} has {LOSSY}",
                files[0]
            ),
        ),
        (vec![&files[0], &cut], format!("{cut}: no summary line")),
        (vec![&files[0], &dropped], format!("{dropped}: ")),
        (
            vec![&garbage],
            format!("{garbage}: line 1: not a line of `faultline explore --json` output"),
        ),
    ];
    for (files, needle) in cases {
        let out = faultline(&[&["merge"][..], &files[..]].concat());
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{files:?}: {err}");
        assert!(
            err.contains(&needle) && err.lines().count() == 1,
            "{files:?}: expected {needle}\n{err}"
        );
    }
}
