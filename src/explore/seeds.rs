//! Which seeds a sweep runs: a range `first..first + count`, or one shard of it.
//!
//! Shards are interleaved: shard `I` of `N` (1-based) runs the seeds at positions
//! `I - 1, I - 1 + N, I - 1 + 2N, …` of the range, i.e. the seeds with
//! `(seed - first) % N == I - 1`. Interleaving balances the shards (a slow stretch of seeds is
//! spread over all of them), and the shards of a range are disjoint and together cover it.
//!
//! `--shard auto/N` takes the index from the environment of a batch system: a Slurm job array
//! (`SLURM_ARRAY_TASK_ID`, counted from `SLURM_ARRAY_TASK_MIN`, so `--array=0-3` and
//! `--array=1-4` both work) or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, from 0).

use serde::{Deserialize, Serialize};

/// One slice of a seed range: the `index`-th (from 1) of `of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which slice, from 1.
    pub index: u64,
    /// How many slices.
    pub of: u64,
}

/// Most shards a range may be cut into.
pub const MAX_SHARDS: u64 = 1_000_000;

/// Why a `--shard` value cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ShardError {
    /// Not `I/N` or `auto/N`.
    #[error("--shard {0}: expected I/N (e.g. 2/8: the 2nd of 8 slices, counted from 1) or auto/N (the index from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)")]
    Syntax(String),
    /// `N` out of range.
    #[error("--shard {0}: expected a number of shards from 1 to 1,000,000")]
    Count(String),
    /// `I` out of range.
    #[error("--shard {spec}: expected a shard index from 1 to {of}")]
    Index {
        /// The value given.
        spec: String,
        /// The number of shards.
        of: u64,
    },
    /// `auto` without a batch system's index.
    #[error("--shard {0}: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; expected one of them, or give the shard as I/N")]
    NoEnvironment(String),
    /// `auto` with both batch systems' indexes set.
    #[error("--shard {0}: both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are set; expected only one, or give the shard as I/N")]
    Ambiguous(String),
    /// An environment variable that is not a whole number, or out of range.
    #[error("--shard {spec}: {var}={value} {problem}")]
    BadVariable {
        /// The value given to `--shard`.
        spec: String,
        /// The variable.
        var: &'static str,
        /// Its value.
        value: String,
        /// What is wrong, and what was expected.
        problem: String,
    },
}

impl Shard {
    /// Parses `I/N` or `auto/N`; `env` reads an environment variable (for `auto`).
    pub fn parse(spec: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard, ShardError> {
        let (index, of) = spec
            .split_once('/')
            .ok_or_else(|| ShardError::Syntax(spec.into()))?;
        let of: u64 = of
            .trim()
            .parse()
            .map_err(|_| ShardError::Syntax(spec.into()))?;
        if !(1..=MAX_SHARDS).contains(&of) {
            return Err(ShardError::Count(spec.into()));
        }
        let index = match index.trim() {
            "auto" => Self::from_environment(spec, of, env)?,
            i => i.parse().map_err(|_| ShardError::Syntax(spec.into()))?,
        };
        if !(1..=of).contains(&index) {
            return Err(ShardError::Index {
                spec: spec.into(),
                of,
            });
        }
        Ok(Shard { index, of })
    }

    /// The 1-based index a Slurm array task or a Kubernetes indexed pod has.
    fn from_environment(
        spec: &str,
        of: u64,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<u64, ShardError> {
        let number = |var: &'static str, value: &str| -> Result<u64, ShardError> {
            value.trim().parse().map_err(|_| ShardError::BadVariable {
                spec: spec.into(),
                var,
                value: value.into(),
                problem: "is not a whole number; expected the task's index".into(),
            })
        };
        let slurm = env("SLURM_ARRAY_TASK_ID");
        let k8s = env("JOB_COMPLETION_INDEX");
        let position = match (slurm, k8s) {
            (Some(_), Some(_)) => return Err(ShardError::Ambiguous(spec.into())),
            (None, None) => return Err(ShardError::NoEnvironment(spec.into())),
            (Some(id), None) => {
                let id = number("SLURM_ARRAY_TASK_ID", &id)?;
                let min = match env("SLURM_ARRAY_TASK_MIN") {
                    Some(m) => number("SLURM_ARRAY_TASK_MIN", &m)?,
                    None => 0,
                };
                if let Some(count) = env("SLURM_ARRAY_TASK_COUNT") {
                    let count = number("SLURM_ARRAY_TASK_COUNT", &count)?;
                    if count != of {
                        return Err(ShardError::BadVariable {
                            spec: spec.into(),
                            var: "SLURM_ARRAY_TASK_COUNT",
                            value: count.to_string(),
                            problem: format!(
                                "but the sweep is cut into {of} shards; expected --array with {of} tasks"
                            ),
                        });
                    }
                }
                id.checked_sub(min).ok_or_else(|| ShardError::BadVariable {
                    spec: spec.into(),
                    var: "SLURM_ARRAY_TASK_ID",
                    value: id.to_string(),
                    problem: format!("is below SLURM_ARRAY_TASK_MIN={min}"),
                })?
            }
            (None, Some(i)) => number("JOB_COMPLETION_INDEX", &i)?,
        };
        if position >= of {
            let (var, value) = match env("JOB_COMPLETION_INDEX") {
                Some(v) => ("JOB_COMPLETION_INDEX", v),
                None => (
                    "SLURM_ARRAY_TASK_ID",
                    env("SLURM_ARRAY_TASK_ID").unwrap_or_default(),
                ),
            };
            return Err(ShardError::BadVariable {
                spec: spec.into(),
                var,
                value,
                problem: format!("is past the last of {of} shards (counted from the first task)"),
            });
        }
        Ok(position + 1)
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.of)
    }
}

/// The seeds a sweep runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedSet {
    /// First seed of the whole range.
    pub first: u64,
    /// Seeds in the whole range.
    pub count: u64,
    /// The slice of the range this sweep runs, if only one.
    pub shard: Option<Shard>,
}

impl SeedSet {
    /// The whole range `first..first + count`.
    pub fn range(first: u64, count: u64) -> SeedSet {
        SeedSet {
            first,
            count,
            shard: None,
        }
    }

    /// How many seeds this set runs.
    pub fn len(&self) -> u64 {
        match self.shard {
            None => self.count,
            Some(s) => {
                let start = s.index - 1;
                if start >= self.count {
                    0
                } else {
                    (self.count - start).div_ceil(s.of)
                }
            }
        }
    }

    /// Whether the set runs no seed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `k`-th seed the set runs, in seed order (`k < len()`).
    pub fn seed(&self, k: u64) -> u64 {
        match self.shard {
            None => self.first.wrapping_add(k),
            Some(s) => self.first.wrapping_add(s.index - 1 + k * s.of),
        }
    }

    /// Whether the set runs `seed`.
    pub fn contains(&self, seed: u64) -> bool {
        let pos = seed.wrapping_sub(self.first);
        pos < self.count && self.shard.map_or(true, |s| pos % s.of == s.index - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_are_interleaved_disjoint_and_cover_the_range() {
        let mut seen = Vec::new();
        for index in 1..=3 {
            let set = SeedSet {
                first: 10,
                count: 8,
                shard: Some(Shard { index, of: 3 }),
            };
            let seeds: Vec<u64> = (0..set.len()).map(|k| set.seed(k)).collect();
            assert!(seeds.iter().all(|&s| set.contains(s)));
            seen.extend(seeds);
        }
        assert_eq!(
            SeedSet {
                first: 10,
                count: 8,
                shard: Some(Shard { index: 1, of: 3 })
            }
            .len(),
            3
        );
        seen.sort_unstable();
        assert_eq!(seen, (10..18).collect::<Vec<_>>());
    }

    #[test]
    fn shard_values_parse_or_say_what_was_expected() {
        let none = env(&[]);
        assert_eq!(Shard::parse("2/8", &none), Ok(Shard { index: 2, of: 8 }));
        for bad in ["2", "0/8", "9/8", "x/8", "1/0", "auto/8"] {
            let e = Shard::parse(bad, &none).unwrap_err().to_string();
            assert!(e.starts_with(&format!("--shard {bad}: ")), "{e}");
        }
        assert!(Shard::parse("auto/8", &none)
            .unwrap_err()
            .to_string()
            .contains("neither SLURM_ARRAY_TASK_ID"));
    }

    #[test]
    fn auto_reads_slurm_or_kubernetes() {
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0")]);
        assert_eq!(Shard::parse("auto/4", &k8s), Ok(Shard { index: 1, of: 4 }));
        let slurm = env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1")]);
        assert_eq!(
            Shard::parse("auto/4", &slurm),
            Ok(Shard { index: 4, of: 4 })
        );
        let past = env(&[("JOB_COMPLETION_INDEX", "4")]);
        assert!(Shard::parse("auto/4", &past)
            .unwrap_err()
            .to_string()
            .contains("JOB_COMPLETION_INDEX=4 is past the last of 4 shards"));
        let both = env(&[("JOB_COMPLETION_INDEX", "1"), ("SLURM_ARRAY_TASK_ID", "1")]);
        assert!(matches!(
            Shard::parse("auto/4", &both),
            Err(ShardError::Ambiguous(_))
        ));
        let count = env(&[
            ("SLURM_ARRAY_TASK_ID", "1"),
            ("SLURM_ARRAY_TASK_COUNT", "3"),
        ]);
        assert!(Shard::parse("auto/4", &count)
            .unwrap_err()
            .to_string()
            .contains("SLURM_ARRAY_TASK_COUNT=3"));
        let junk = env(&[("JOB_COMPLETION_INDEX", "one")]);
        assert!(Shard::parse("auto/4", &junk)
            .unwrap_err()
            .to_string()
            .contains("is not a whole number"));
    }
}
