//! `faultline merge`: shards' JSON results combined into the results of one sweep.
//!
//! The shards must belong together: the same faultline version, scenario file (path and
//! content hash), seed range, determinism sample, and shard count; every shard from 1 to N
//! exactly once; each file complete (its seed lines, then its summary line, with as many
//! seed lines as the summary counts failing and unknown seeds, each seed in its shard).
//! Anything else is a [`MergeError`] that names the file and what is missing or mismatched.

use super::engine::{sort_groups, Group};
use super::results::{group_record, SeedRecord, Summary, TimingRecord};
use super::seeds::Shard;
use crate::check::Verdict;
use std::collections::BTreeMap;

/// Why shard files cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    /// A line that is not a seed or summary line of `faultline explore --json`.
    #[error("{file}: line {line}: not a line of `faultline explore --json` output: {problem}")]
    Line {
        /// The file.
        file: String,
        /// The line number, from 1.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// No summary line.
    #[error("{0}: no summary line; expected the complete output of `faultline explore --json` (was the shard cut short?)")]
    NoSummary(String),
    /// More than one summary line.
    #[error(
        "{0}: more than one summary line; expected the output of one `faultline explore --json`"
    )]
    TwoSummaries(String),
    /// Seed lines missing or extra.
    #[error("{file}: {lines} seed line(s), but its summary counts {counted} failing or unknown seeds; expected the complete output of `faultline explore --json`")]
    Incomplete {
        /// The file.
        file: String,
        /// Seed lines found.
        lines: u64,
        /// Failing and unknown seeds its summary counts.
        counted: u64,
    },
    /// A seed line for a seed outside the file's shard.
    #[error("{file}: seed {seed} is not in shard {shard} of seeds {first}..{end}")]
    Stray {
        /// The file.
        file: String,
        /// The seed.
        seed: u64,
        /// The file's shard.
        shard: Shard,
        /// First seed of the range.
        first: u64,
        /// One past the last seed of the range.
        end: u64,
    },
    /// Two files disagree on what sweep they belong to.
    #[error("{file}: {what} is {value}, but {other_file} has {other_value}; expected shards of one sweep")]
    Mismatch {
        /// The file that disagrees with the first.
        file: String,
        /// What they disagree on.
        what: &'static str,
        /// Its value there.
        value: String,
        /// The first file.
        other_file: String,
        /// Its value there.
        other_value: String,
    },
    /// The same shard twice.
    #[error("{file} and {other_file} are both shard {shard}; expected each shard once")]
    Duplicate {
        /// The second file.
        file: String,
        /// The first file.
        other_file: String,
        /// The shard.
        shard: Shard,
    },
    /// Shards missing.
    #[error(
        "shard(s) {missing} of {of} missing (given: {given}); expected every shard from 1 to {of}"
    )]
    Missing {
        /// The missing shards' indexes.
        missing: String,
        /// The shard count.
        of: u64,
        /// The shards given, with their files.
        given: String,
    },
    /// A shard that stopped early.
    #[error("{0}: the sweep stopped early (--stop-after); stopped shards cannot be merged")]
    Stopped(String),
    /// No file.
    #[error("no results to merge; expected the JSON files of every shard")]
    Nothing,
}

/// One shard's results, read from its file.
#[derive(Clone, Debug)]
pub struct ShardResults {
    /// The file's name, for messages.
    pub file: String,
    /// Its summary line.
    pub summary: Summary,
    /// Its seed lines.
    pub records: Vec<SeedRecord>,
}

/// Reads one file of `faultline explore --json` output.
pub fn read(file: &str, text: &str) -> Result<ShardResults, MergeError> {
    let mut summary = None;
    let mut records: Vec<SeedRecord> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |problem: String| MergeError::Line {
            file: file.into(),
            line: i + 1,
            problem,
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        match v.get("kind").and_then(|k| k.as_str()) {
            Some("seed") => {
                records.push(serde_json::from_value(v).map_err(|e| bad(e.to_string()))?)
            }
            Some("summary") => {
                if summary.is_some() {
                    return Err(MergeError::TwoSummaries(file.into()));
                }
                summary = Some(serde_json::from_value(v).map_err(|e| bad(e.to_string()))?);
            }
            _ => return Err(bad("expected \"kind\": \"seed\" or \"summary\"".into())),
        }
    }
    let summary: Summary = summary.ok_or_else(|| MergeError::NoSummary(file.into()))?;
    let counted = summary.fail + summary.unknown;
    if records.len() as u64 != counted {
        return Err(MergeError::Incomplete {
            file: file.into(),
            lines: records.len() as u64,
            counted,
        });
    }
    let seeds = summary.seeds();
    let shard = summary.shard.unwrap_or(Shard { index: 1, of: 1 });
    if let Some(r) = records.iter().find(|r| !seeds.contains(r.seed)) {
        return Err(MergeError::Stray {
            file: file.into(),
            seed: r.seed,
            shard,
            first: seeds.first,
            end: seeds.first.wrapping_add(seeds.count),
        });
    }
    if summary.stopped_at.is_some() {
        return Err(MergeError::Stopped(file.into()));
    }
    Ok(ShardResults {
        file: file.into(),
        summary,
        records,
    })
}

/// The merged results: the summary of the whole sweep, and every failing or unknown seed in
/// seed order.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The summary, as one unsharded sweep would write it (timing aside).
    pub summary: Summary,
    /// Every seed line, in seed order.
    pub records: Vec<SeedRecord>,
}

impl Merged {
    /// The failing seeds, in seed order.
    pub fn failed(&self) -> Vec<SeedRecord> {
        self.of_verdict(Verdict::Fail)
    }

    /// The unknown seeds, in seed order.
    pub fn unknowns(&self) -> Vec<SeedRecord> {
        self.of_verdict(Verdict::Unknown)
    }

    fn of_verdict(&self, v: Verdict) -> Vec<SeedRecord> {
        self.records
            .iter()
            .filter(|r| r.verdict == v)
            .cloned()
            .collect()
    }
}

/// Checks that `shards` are the complete, non-overlapping shards of one sweep and merges them.
pub fn merge(shards: Vec<ShardResults>) -> Result<Merged, MergeError> {
    let first = shards.first().ok_or(MergeError::Nothing)?;
    let s0 = &first.summary;
    let of = s0.shard.map_or(1, |s| s.of);
    type Field = (&'static str, fn(&Summary) -> String);
    let fields: [Field; 7] = [
        ("the faultline version", |s| s.faultline.clone()),
        ("the scenario", |s| s.scenario.clone()),
        ("the scenario file's hash", |s| s.scenario_hash.clone()),
        ("the first seed", |s| s.first.to_string()),
        ("the number of seeds", |s| s.count.to_string()),
        ("the number of shards", |s| {
            s.shard.map_or(1, |sh| sh.of).to_string()
        }),
        ("--determinism-sample", |s| s.determinism_sample.to_string()),
    ];
    let mut by_index: BTreeMap<u64, &str> = BTreeMap::new();
    for sh in &shards {
        for (what, get) in &fields {
            let (value, other_value) = (get(&sh.summary), get(s0));
            if value != other_value {
                return Err(MergeError::Mismatch {
                    file: sh.file.clone(),
                    what,
                    value,
                    other_file: first.file.clone(),
                    other_value,
                });
            }
        }
        let shard = sh.summary.shard.unwrap_or(Shard { index: 1, of: 1 });
        if let Some(other) = by_index.insert(shard.index, &sh.file) {
            return Err(MergeError::Duplicate {
                file: sh.file.clone(),
                other_file: other.into(),
                shard,
            });
        }
    }
    let missing: Vec<String> = (1..=of)
        .filter(|i| !by_index.contains_key(i))
        .take(20)
        .map(|i| i.to_string())
        .collect();
    if !missing.is_empty() {
        let given: Vec<String> = by_index
            .iter()
            .map(|(i, f)| format!("{i}/{of} from {f}"))
            .collect();
        return Err(MergeError::Missing {
            missing: missing.join(", "),
            of,
            given: given.join(", "),
        });
    }
    Ok(combine(shards))
}

/// Sums checked shards.
fn combine(shards: Vec<ShardResults>) -> Merged {
    let mut summary = shards[0].summary.clone();
    summary.shard = None;
    summary.stopped_at = None;
    let (first, path) = (summary.first, summary.scenario.clone());
    let mut groups: BTreeMap<(Verdict, String), Group> = BTreeMap::new();
    let mut per_check: BTreeMap<String, u64> = BTreeMap::new();
    let mut timing = TimingRecord {
        wall_seconds: 0.0,
        simulation_seconds: 0.0,
        checking_seconds: 0.0,
    };
    let mut records = Vec::new();
    let (mut run, mut pass, mut fail, mut unknown, mut checked, mut nondet) = (0, 0, 0, 0, 0, 0);
    for sh in shards {
        let s = &sh.summary;
        run += s.seeds_run;
        pass += s.pass;
        fail += s.fail;
        unknown += s.unknown;
        checked += s.determinism_checked;
        nondet += s.nondeterministic;
        for (c, n) in &s.failures_per_check {
            *per_check.entry(c.clone()).or_default() += n;
        }
        for g in &s.groups {
            let earlier = |a: u64, b: u64| a.wrapping_sub(first) < b.wrapping_sub(first);
            groups
                .entry((g.verdict, g.signature.clone()))
                .and_modify(|m| {
                    m.count += g.count;
                    if earlier(g.smallest_seed, m.smallest) {
                        m.smallest = g.smallest_seed;
                    }
                })
                .or_insert_with(|| Group {
                    verdict: g.verdict,
                    signature: g.signature.clone(),
                    checks: g.checks.clone(),
                    count: g.count,
                    smallest: g.smallest_seed,
                });
        }
        if let Some(t) = s.timing {
            timing.wall_seconds = timing.wall_seconds.max(t.wall_seconds);
            timing.simulation_seconds += t.simulation_seconds;
            timing.checking_seconds += t.checking_seconds;
        }
        records.extend(sh.records);
    }
    records.sort_by_key(|r| r.seed.wrapping_sub(first));
    let mut groups: Vec<Group> = groups.into_values().collect();
    sort_groups(&mut groups, first);
    summary.seeds_run = run;
    summary.pass = pass;
    summary.fail = fail;
    summary.unknown = unknown;
    summary.determinism_checked = checked;
    summary.nondeterministic = nondet;
    summary.failures_per_check = per_check;
    summary.groups = groups.iter().map(|g| group_record(&path, g)).collect();
    summary.timing = Some(timing);
    Merged { summary, records }
}
