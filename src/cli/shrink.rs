//! `faultline shrink FILE [--seed N] [--out SMALL.toml] [--budget 60s] [--max-runs K]
//! [--json]`: shrinks a failing run to a small scenario that fails the same way (see
//! [`crate::shrink`]), showing progress on stderr, and writes it (by default to
//! `<FILE stem>.shrunk.toml` in the current directory).

use super::BadInput;
use crate::des::time::{format_duration, parse_duration};
use crate::shrink::{self, Options, Progress, Stopped};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `faultline shrink`.
#[derive(clap::Args, Debug)]
pub struct ShrinkArgs {
    /// The scenario file.
    file: PathBuf,
    /// The failing seed (default: the scenario's `seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// Where to write the shrunk scenario (default: `<FILE stem>.shrunk.toml` in the current
    /// directory; `-` prints it to stdout).
    #[arg(long, value_name = "SMALL.toml")]
    out: Option<PathBuf>,
    /// Wall-clock budget; when it is spent, the best scenario so far is written.
    #[arg(long, default_value = "60s", value_name = "DURATION")]
    budget: String,
    /// At most this many runs: with it, the result depends only on the inputs.
    #[arg(long, value_name = "K")]
    max_runs: Option<u64>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

/// Runs `faultline shrink`.
pub(super) fn shrink(args: ShrinkArgs) -> Result<i32, BadInput> {
    let budget = parse_duration(&args.budget).map_err(|e| {
        BadInput(format!(
            "--budget `{}`: {e}; expected a duration such as \"60s\"",
            args.budget
        ))
    })?;
    if budget == 0 {
        return Err(BadInput(
            "--budget 0: expected a positive duration such as \"60s\"".into(),
        ));
    }
    if args.max_runs == Some(0) {
        return Err(BadInput("--max-runs 0: expected at least 1 run".into()));
    }
    let seed = match args.seed {
        Some(s) => s,
        None => super::load(&args.file)?.seed,
    };
    let out = args.out.clone().unwrap_or_else(|| default_out(&args.file));
    let deadline = Instant::now() + Duration::from_nanos(budget);
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} shrink {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let mut stop = || Instant::now() >= deadline;
    let mut progress = |p: &Progress| {
        let size = p
            .size
            .map_or_else(String::new, |s| format!(": {}", s.words()));
        bar.set_message(format!("run {} ({}){size}", p.runs, p.phase));
        bar.tick();
    };
    let options = Options {
        seed,
        max_runs: args.max_runs,
    };
    let result = shrink::shrink(&args.file, options, &mut stop, &mut progress);
    bar.finish_and_clear();
    let s = result?;
    let text = s.file_text();
    let dash = out.as_os_str() == "-";
    if dash {
        say!("{text}");
    } else {
        std::fs::write(&out, &text)
            .map_err(|e| BadInput(format!("{}: cannot write: {e}", out.display())))?;
    }
    let stopped = match s.stopped {
        Some(Stopped::MaxRuns) => " (stopped at --max-runs; the best so far)",
        Some(Stopped::Budget) => " (stopped on time at --budget; the best so far)",
        None => "",
    };
    let target = if dash {
        "-".to_string()
    } else {
        out.display().to_string()
    };
    if args.json {
        let report = serde_json::json!({
            "file": s.source,
            "seed": s.seed,
            "signature": s.signature,
            "before": s.before,
            "after": s.after,
            "scripted": s.scripted,
            "kept_nemesis": s.kept_nemesis,
            "changes": s.changes.iter().map(|(k, a, b)| serde_json::json!({"key": k, "from": a, "to": b})).collect::<Vec<_>>(),
            "runs": s.runs,
            "stopped": s.stopped,
            "budget": format_duration(budget),
            "out": target,
        });
        if dash {
            eprintln!("{report}");
        } else {
            say!("{report}");
        }
        return Ok(super::EXIT_PASS);
    }
    let mut summary = vec![
        format!("shrunk    {} --seed {}", s.source, s.seed),
        format!("failure   {}", s.signature),
        format!("before    {}", s.before.words()),
        format!("after     {}", s.after.words()),
        format!("runs      {}{stopped}", s.runs),
    ];
    if let Some(why) = &s.kept_nemesis {
        summary.push(format!("note      {why}"));
    }
    if !dash {
        summary.push(format!("wrote     {target}"));
        summary.push(format!("replay    faultline run {target}"));
    }
    for line in summary {
        if dash {
            eprintln!("{line}");
        } else {
            say!("{line}");
        }
    }
    Ok(super::EXIT_PASS)
}

/// `<stem>.shrunk.toml` in the current directory.
fn default_out(file: &std::path::Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from(format!("{stem}.shrunk.toml"))
}
