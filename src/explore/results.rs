//! A sweep's results as `faultline explore` prints them, in text or as JSON lines, and as
//! `faultline merge` reads them back.
//!
//! JSON output is one line per failing or unknown seed (`"kind": "seed"`), in seed order, then
//! one summary line (`"kind": "summary"`). Text output lists the smallest failing seeds, the
//! failure groups, failures per check, the determinism sample and the counts. Both are built
//! from a [`Summary`] and the listed seeds' [`SeedRecord`]s, so a merge of shards prints what
//! one unsharded sweep prints; only the timing (the `speed:` line, the summary's `timing`)
//! differs.

use super::engine::{Group, Report, Timing};
use super::seeds::{SeedSet, Shard};
use super::{SeedResult, MAX_LISTED};
use crate::check::Verdict;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Unknown seeds the text lists.
pub const UNKNOWN_SHOWN: usize = 10;

/// One failing or unknown seed, as a JSON line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedRecord {
    /// Always `seed`.
    pub kind: String,
    /// The seed.
    pub seed: u64,
    /// `fail` or `unknown`.
    pub verdict: Verdict,
    /// The checks with that verdict.
    pub checks: Vec<String>,
    /// The failure signature.
    pub signature: String,
    /// Every check that did not pass, in one line each.
    pub problems: Vec<String>,
    /// The command that replays the seed.
    pub replay: String,
    /// The run's trace hash, 16 hex digits.
    pub trace_hash: String,
    /// Under swarm testing, the configuration the seed drew (replaying the seed draws it
    /// again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swarm: Option<String>,
}

impl SeedRecord {
    /// The record of `r`, a seed of `scenario`.
    pub fn of(scenario_path: &str, r: &SeedResult) -> SeedRecord {
        SeedRecord {
            kind: "seed".into(),
            seed: r.seed,
            verdict: r.verdict,
            checks: r.checks.clone(),
            signature: r.signature.clone(),
            problems: r.problems.clone(),
            replay: format!("faultline run {scenario_path} --seed {}", r.seed),
            trace_hash: format!("{:016x}", r.trace_hash),
            swarm: r.swarm.clone(),
        }
    }
}

/// A failure group, as the summary line writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRecord {
    /// `fail` or `unknown`.
    pub verdict: Verdict,
    /// The failure signature.
    pub signature: String,
    /// The checks with that verdict.
    pub checks: Vec<String>,
    /// Seeds in the group.
    pub count: u64,
    /// Its smallest seed.
    pub smallest_seed: u64,
    /// The command that replays the smallest seed.
    pub replay: String,
}

/// Time spent, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimingRecord {
    /// Wall-clock time of the sweep (for a merge: of its slowest shard).
    pub wall_seconds: f64,
    /// Simulating, summed over workers (and shards).
    pub simulation_seconds: f64,
    /// Checking, summed over workers (and shards).
    pub checking_seconds: f64,
}

/// The summary line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Always `summary`.
    pub kind: String,
    /// The faultline version that ran the sweep.
    pub faultline: String,
    /// The scenario file, as given.
    pub scenario: String,
    /// FNV-1a hash of the scenario file's bytes, 16 hex digits.
    pub scenario_hash: String,
    /// First seed of the range.
    pub first: u64,
    /// Seeds in the range (all shards together).
    pub count: u64,
    /// The shard this sweep ran, if only one.
    pub shard: Option<Shard>,
    /// Seeds divisible by this ran twice (0: none).
    pub determinism_sample: u64,
    /// `--stop-after`, if given.
    pub stop_after: Option<u64>,
    /// The seed of the `stop_after`-th failure, when the sweep stopped there.
    pub stopped_at: Option<u64>,
    /// Seeds run.
    pub seeds_run: u64,
    /// Seeds that passed.
    pub pass: u64,
    /// Seeds that failed.
    pub fail: u64,
    /// Seeds whose verdict was unknown.
    pub unknown: u64,
    /// Failing seeds per check.
    pub failures_per_check: BTreeMap<String, u64>,
    /// Seeds run twice for the determinism sample.
    pub determinism_checked: u64,
    /// Of those, how many differed.
    pub nondeterministic: u64,
    /// Failure groups, failures first, the largest first.
    pub groups: Vec<GroupRecord>,
    /// Time spent (not comparable between runs).
    pub timing: Option<TimingRecord>,
}

/// FNV-1a, 64 bits, of `bytes`, as 16 hex digits: the scenario file's identity.
pub fn file_hash(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

impl Summary {
    /// The summary of a sweep `report` of `seeds` of `scenario` (whose file hashes to
    /// `scenario_hash`).
    pub fn of(
        scenario: &Scenario,
        scenario_hash: String,
        seeds: SeedSet,
        determinism_sample: u64,
        stop_after: Option<u64>,
        report: &Report,
        wall_seconds: f64,
    ) -> Summary {
        let s = &report.sweep;
        Summary {
            kind: "summary".into(),
            faultline: env!("CARGO_PKG_VERSION").into(),
            scenario: scenario.path.clone(),
            scenario_hash,
            first: seeds.first,
            count: seeds.count,
            shard: seeds.shard,
            determinism_sample,
            stop_after,
            stopped_at: report.stopped_at,
            seeds_run: s.total(),
            pass: s.pass,
            fail: s.fail,
            unknown: s.unknown,
            failures_per_check: report.failures_per_check.clone(),
            determinism_checked: report.determinism_checked,
            nondeterministic: report.nondeterministic,
            groups: report
                .groups
                .iter()
                .map(|g| group_record(&scenario.path, g))
                .collect(),
            timing: Some(timing_record(wall_seconds, report.timing)),
        }
    }

    /// The seeds the summary's sweep covered.
    pub fn seeds(&self) -> SeedSet {
        SeedSet {
            first: self.first,
            count: self.count,
            shard: self.shard,
        }
    }
}

/// A group as the summary writes it.
pub fn group_record(scenario_path: &str, g: &Group) -> GroupRecord {
    GroupRecord {
        verdict: g.verdict,
        signature: g.signature.clone(),
        checks: g.checks.clone(),
        count: g.count,
        smallest_seed: g.smallest,
        replay: format!("faultline run {scenario_path} --seed {}", g.smallest),
    }
}

/// Timing in seconds.
pub fn timing_record(wall_seconds: f64, t: Timing) -> TimingRecord {
    TimingRecord {
        wall_seconds,
        simulation_seconds: t.simulation.as_secs_f64(),
        checking_seconds: t.checking.as_secs_f64(),
    }
}

/// The line `explore` prints before sweeping (and `merge` before its merged results).
pub fn header(scenario_path: &str, seeds: SeedSet) -> String {
    match seeds.shard {
        None => format!(
            "exploring {} seeds of {scenario_path} from seed {}",
            seeds.count, seeds.first
        ),
        Some(shard) => format!(
            "exploring shard {shard} of {} seeds of {scenario_path} from seed {}: {} seeds (those {} apart from seed {})",
            seeds.count,
            seeds.first,
            seeds.len(),
            shard.of,
            seeds.first.wrapping_add(shard.index - 1)
        ),
    }
}

/// The text report after the header: the smallest failing seeds (`failed`, at most
/// [`MAX_LISTED`]) and unknown ones (`unknowns`), the groups, failures per check, the
/// determinism sample, where the sweep stopped, and the counts. Timing is not part of it.
pub fn text(summary: &Summary, failed: &[SeedRecord], unknowns: &[SeedRecord]) -> String {
    let mut out = String::new();
    for r in failed.iter().take(MAX_LISTED) {
        let _ = writeln!(out, "FAIL seed {}: {}", r.seed, r.problems.join("; "));
        if let Some(swarm) = &r.swarm {
            let _ = writeln!(out, "     swarm: {swarm}");
        }
        let _ = writeln!(out, "     replay: {}", r.replay);
    }
    let listed = failed.len().min(MAX_LISTED) as u64;
    if summary.fail > listed {
        let _ = writeln!(
            out,
            "(the {listed} smallest failing seeds are listed; {} more failed)",
            summary.fail - listed
        );
    }
    for r in unknowns.iter().take(UNKNOWN_SHOWN) {
        let _ = writeln!(out, "UNKNOWN seed {}: {}", r.seed, r.problems.join("; "));
        let _ = writeln!(out, "     replay: {}", r.replay);
    }
    if summary.unknown > UNKNOWN_SHOWN as u64 {
        let _ = writeln!(
            out,
            "(the {UNKNOWN_SHOWN} smallest unknown seeds are listed; {} more were unknown)",
            summary.unknown - UNKNOWN_SHOWN as u64
        );
    }
    for (verdict, title) in [(Verdict::Fail, "failure"), (Verdict::Unknown, "unknown")] {
        let groups: Vec<&GroupRecord> = summary
            .groups
            .iter()
            .filter(|g| g.verdict == verdict)
            .collect();
        if groups.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{title} groups ({} distinct signature{}):",
            groups.len(),
            if groups.len() == 1 { "" } else { "s" }
        );
        for g in groups {
            let seeds = format!("{} seed{}", g.count, if g.count == 1 { "" } else { "s" });
            let _ = writeln!(
                out,
                "  {seeds:>12}, smallest {}: {}",
                g.smallest_seed, g.signature
            );
            let _ = writeln!(out, "         replay: {}", g.replay);
        }
    }
    if !summary.failures_per_check.is_empty() {
        let mut per: Vec<(&String, &u64)> = summary.failures_per_check.iter().collect();
        per.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let per: Vec<String> = per.iter().map(|(c, n)| format!("{c} {n}")).collect();
        let _ = writeln!(out, "failing seeds per check: {}", per.join(", "));
    }
    let _ = writeln!(out, "{}", determinism_line(summary));
    if let (Some(n), Some(seed)) = (summary.stop_after, summary.stopped_at) {
        let _ = writeln!(
            out,
            "stopped after {n} failing seed{} (--stop-after {n}): the last was seed {seed}; {} of {} seeds ran",
            if n == 1 { "" } else { "s" },
            summary.seeds_run,
            summary.count
        );
    }
    let _ = writeln!(
        out,
        "{} seeds: {} pass, {} fail, {} unknown",
        summary.seeds_run, summary.pass, summary.fail, summary.unknown
    );
    out
}

/// What the determinism sample found, in one line.
fn determinism_line(s: &Summary) -> String {
    if s.determinism_sample == 0 {
        return "determinism: not sampled (--determinism-sample 0)".into();
    }
    let which = format!(
        "{} seed{} divisible by {} ran twice",
        s.determinism_checked,
        if s.determinism_checked == 1 { "" } else { "s" },
        s.determinism_sample
    );
    match s.nondeterministic {
        0 if s.determinism_checked == 0 => format!(
            "determinism: no seed is divisible by {}",
            s.determinism_sample
        ),
        0 => format!("determinism: {which}, every second run identical"),
        n => {
            format!("determinism: {which}: {n} NOT deterministic (failure class nondeterministic)")
        }
    }
}

/// The speed line of a sweep: wall time, seeds per second, and simulation apart from checking.
pub fn speed_line(seeds_run: u64, jobs: usize, t: &TimingRecord) -> String {
    let wall = t.wall_seconds.max(1e-9);
    format!(
        "speed: {} wall, {} seeds/s; simulation {}, checking {} (summed over {jobs} worker{})",
        format_seconds(wall),
        rounded(seeds_run as f64 / wall),
        format_seconds(t.simulation_seconds),
        format_seconds(t.checking_seconds),
        if jobs == 1 { "" } else { "s" }
    )
}

/// A rate with about three significant digits: `1234`, `56.7`, `0.89`.
pub fn rounded(rate: f64) -> String {
    if rate >= 100.0 {
        format!("{rate:.0}")
    } else if rate >= 10.0 {
        format!("{rate:.1}")
    } else {
        format!("{rate:.2}")
    }
}

/// The exit code a summary means: 1 when a seed failed, else 3 when one was unknown, else 0.
pub fn exit_code(s: &Summary) -> i32 {
    if s.fail > 0 {
        1
    } else if s.unknown > 0 {
        3
    } else {
        0
    }
}

/// Seconds, rounded for people: `0.42s`, `12.3s`, `4m05s`.
pub fn format_seconds(secs: f64) -> String {
    if secs < 10.0 {
        format!("{secs:.2}s")
    } else if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = secs.round() as u64;
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}
