//! `faultline check HISTORY... --model M [--init V] [--json] [--budget D] [--memory-mb N]`:
//! checks Jepsen or faultline histories for linearizability (transactional models go to
//! `check_isolation`). Exit 0 linearizable, 1 not, 2 bad
//! input, 3 unknown; with several files, the worst (bad input, then not, then unknown).
//! `--html OUT` also writes the HTML report of the (one) history.

use super::{BadInput, EXIT_BAD_INPUT, EXIT_FAIL, EXIT_PASS, EXIT_UNKNOWN};
use crate::check::isolation::{self, Assumptions, Options, Workload};
use crate::check::ladder;
use crate::check::linear::{try_check, Budget, InputError, ModelKind, ModelSpec};
use crate::check::Verdict;
use crate::des::time::parse_duration;
use crate::history::{load_history, parse_edn_literal, HistorySource, Value};
use crate::report::html;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Arguments of `faultline check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// History files: Jepsen EDN, or faultline JSON lines.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The model: register, cas-register, kv, multi-register, mutex, set or counter
    /// (linearizability); list-append or rw-register (transactional isolation).
    #[arg(long)]
    model: String,
    /// Initial state as an EDN literal, e.g. `0`, `nil`, `""` or `{:x 0 :y 0}` (default nil).
    #[arg(long)]
    init: Option<String>,
    /// Print one JSON object per file instead of text.
    #[arg(long)]
    json: bool,
    /// Consistency models to decide: `all`, or a comma-separated list. Register histories
    /// (register, cas-register, kv, multi-register): linearizable, sequential, causal,
    /// causal-ccv, causal-cc, pram, writes-follow-reads, read-your-writes, monotonic-reads,
    /// monotonic-writes, consistent-prefix. Transactions (list-append, rw-register): the
    /// isolation levels read-uncommitted, read-committed, repeatable-read,
    /// snapshot-isolation, serializable, strict-serializable (every one by default), and for
    /// rw-register the register models too (`all` is both).
    #[arg(long)]
    consistency: Option<String>,
    /// rw-register: a transaction's write follows the version its read of the key saw.
    #[arg(long)]
    wfr_keys: bool,
    /// rw-register: each process sees each key's versions in order.
    #[arg(long)]
    sequential_keys: bool,
    /// rw-register: each key is linearizable (real time orders its versions).
    #[arg(long)]
    linearizable_keys: bool,
    /// Cycle-search budget in breadth-first visits (isolation); exhausting it gives unknown.
    #[arg(long, default_value_t = crate::check::isolation::DEFAULT_VISITS)]
    max_visits: u64,
    /// Time budget per file, e.g. `30s` (an exhausted budget gives `unknown`).
    #[arg(long, default_value = "60s")]
    budget: String,
    /// Check every key of a kv history even after one fails (by default the check stops at
    /// the first failing key and says so).
    #[arg(long)]
    all_keys: bool,
    /// Linearizability: run the search on every key, skipping the decisions without search
    /// (the zone test for unique-value registers, the epoch test for string keys, cheap refutations).
    #[arg(long)]
    search_only: bool,
    /// Memory budget per file for the search's cache, in MiB.
    #[arg(long, default_value_t = 2048)]
    memory_mb: u64,
    /// Write a self-contained HTML report (operation timeline with the witness highlighted,
    /// latencies) to this file; one history file only.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
}

fn severity(code: i32) -> u8 {
    match code {
        EXIT_BAD_INPUT => 3,
        EXIT_FAIL => 2,
        EXIT_UNKNOWN => 1,
        _ => 0,
    }
}

/// Checks each file.
pub(super) fn run(args: CheckArgs) -> Result<i32, BadInput> {
    if args.html.is_some() && args.files.len() != 1 {
        return Err(BadInput(format!(
            "--html: one history file per report ({} given)",
            args.files.len()
        )));
    }
    let (levels, models) = match &args.consistency {
        Some(text) => split_models(text)?,
        None => (None, Vec::new()),
    };
    if let Some(workload) = Workload::from_name(&args.model) {
        let opts = isolation_options(&args, workload, levels)?;
        let limit = parse_duration(&args.budget).map_err(|e| BadInput(format!("--budget: {e}")))?;
        let input = match workload {
            Workload::ListAppend => ladder::Input::list_append(),
            Workload::RwRegister => ladder::Input::rw_register(),
        };
        let named = text_names(&args).any(|m| m == "linearizable");
        let models = input.models_for_all(models, named);
        let ladder = (!models.is_empty()).then_some(input);
        return each_file(&args.files, |source| {
            Ok(with_budget(&args, limit, |budget| {
                super::check_isolation::check_one(
                    source,
                    &opts,
                    ladder.as_ref().map(|input| (input, &models[..], budget)),
                    args.json,
                    &args.model,
                    args.html.as_deref(),
                )
            }))
        });
    }
    if levels.is_some()
        && !text_names(&args).all(|n| n == "all" || ladder::Model::from_name(n).is_some())
    {
        return Err(BadInput(format!(
            "--consistency {}: isolation levels apply to transaction histories (--model list-append or rw-register); --model {} is checked against the register models",
            args.consistency.as_deref().unwrap_or_default(),
            args.model
        )));
    }
    let kind = ModelKind::from_name(&args.model).ok_or_else(|| {
        BadInput(format!(
            "--model {}: unknown model; expected one of register, cas-register, kv, multi-register, mutex, set, counter, list-append, rw-register",
            args.model
        ))
    })?;
    let init = match &args.init {
        Some(text) => {
            parse_edn_literal(text).map_err(|e| BadInput(format!("--init {text}: {e}")))?
        }
        None => Value::Nil,
    };
    let limit = parse_duration(&args.budget).map_err(|e| BadInput(format!("--budget: {e}")))?;
    if !models.is_empty() {
        if args.html.is_some() {
            return Err(BadInput(
                "--html: the report shows linearizability and isolation checks; drop --consistency for a register history".into(),
            ));
        }
        let input = ladder::Input::for_model(kind, init)
            .map_err(|e| BadInput(format!("--consistency: {e}")))?;
        return each_file(&args.files, |source| {
            Ok(with_budget(&args, limit, |budget| {
                super::check_ladder::check_one(
                    source,
                    &input,
                    &models,
                    budget,
                    args.json,
                    &args.model,
                )
            }))
        });
    }
    let spec = ModelSpec { kind, init };
    each_file(&args.files, |source| {
        with_budget(&args, limit, |budget| {
            check_one(source, &spec, &args, budget)
        })
    })
}

/// The command line that checks the same way as this one, `--html` and its file left out:
/// what an HTML report shows as the command to rerun.
pub(super) fn command_without_html() -> String {
    let mut words = vec!["faultline".to_string()];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--html" {
            args.next();
        } else if !arg.starts_with("--html=") {
            words.push(shell_word(&arg));
        }
    }
    words.join(" ")
}

/// `word` as a shell reads it back: as is when it is plain, else in single quotes.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=,+@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Writes an HTML report to `path`.
pub(super) fn write_html(path: &std::path::Path, page: &str) -> Result<(), BadInput> {
    std::fs::write(path, page)
        .map_err(|e| BadInput(format!("{}: cannot write the report: {e}", path.display())))
}

/// Reports a history `model` could not read (bad input): the file and line on stderr.
pub(super) fn input_error(source: &HistorySource, e: InputError, model: &str) -> i32 {
    match e {
        InputError::Entry { entry, message } => {
            let what = format!("{message} (checking with --model {model})");
            eprintln!("error: {}", source.error(Some(entry), what));
        }
        InputError::Init(e) => eprintln!("error: {}: {e}", source.file),
    }
    EXIT_BAD_INPUT
}

/// The names `--consistency` gives.
fn text_names(args: &CheckArgs) -> impl Iterator<Item = &str> {
    args.consistency
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
}

/// `--consistency`'s names, split into isolation levels (`None` when it names none) and
/// ladder models; `all` is every one of both.
fn split_models(
    text: &str,
) -> Result<(Option<Vec<isolation::Level>>, Vec<ladder::Model>), BadInput> {
    let mut levels = Vec::new();
    let mut models = Vec::new();
    let mut all = false;
    for name in text.split(',').map(str::trim) {
        if name == "all" {
            all = true;
            models.push(name.to_string());
        } else if ladder::Model::from_name(name).is_some() {
            models.push(name.to_string());
        } else if isolation::Level::from_name(name).is_some() {
            levels.push(name.to_string());
        } else {
            let mut known: Vec<&str> = ladder::Model::ALL.iter().map(|m| m.name()).collect();
            known.extend(isolation::Level::ALL.iter().map(|l| l.name()));
            return Err(BadInput(format!(
                "--consistency {text}: unknown consistency model `{name}`; expected one of {}, or all",
                known.join(", ")
            )));
        }
    }
    let levels = if levels.is_empty() {
        // `all` alone names every isolation level where there are levels, and none elsewhere.
        all.then(|| isolation::Level::ALL.to_vec())
    } else {
        Some(
            isolation::parse_levels(&levels)
                .map_err(|e| BadInput(format!("--consistency {text}: {e}")))?,
        )
    };
    let models = ladder::parse_models(&models)
        .map_err(|e| BadInput(format!("--consistency {text}: {e}")))?;
    Ok((levels, models))
}

/// Calls `f` with the budget `args` give, its time running out `limit` ns from now.
fn with_budget<T>(args: &CheckArgs, limit: u64, f: impl FnOnce(&Budget<'_>) -> T) -> T {
    let deadline = Instant::now() + Duration::from_nanos(limit);
    let out_of_time = move || Instant::now() >= deadline;
    f(&Budget {
        deadline: Some(&out_of_time),
        max_memory_bytes: args.memory_mb.saturating_mul(1 << 20),
        all_keys: args.all_keys,
        search_only: args.search_only,
        ..Budget::default()
    })
}

/// The options `args` give for `workload`, deciding `levels` (every level when `None`).
fn isolation_options(
    args: &CheckArgs,
    workload: Workload,
    levels: Option<Vec<isolation::Level>>,
) -> Result<Options, BadInput> {
    let mut opts = Options::new(workload);
    if let Some(levels) = levels {
        opts.levels = levels;
    }
    opts.assume = Assumptions {
        wfr_keys: args.wfr_keys,
        sequential_keys: args.sequential_keys,
        linearizable_keys: args.linearizable_keys,
    };
    if workload == Workload::ListAppend && opts.assume != Assumptions::default() {
        return Err(BadInput(
            "--wfr-keys, --sequential-keys and --linearizable-keys order rw-register versions; list-append reads show the order".into(),
        ));
    }
    if args.init.is_some() {
        return Err(BadInput(format!(
            "--init does not apply to --model {}: every key starts empty (nil)",
            args.model
        )));
    }
    opts.max_visits = args.max_visits;
    Ok(opts)
}

/// Reads each file and checks it with `check`; the worst exit code (a file that cannot be
/// read is bad input, reported on stderr, and the others are still checked).
fn each_file(
    files: &[PathBuf],
    mut check: impl FnMut(&HistorySource) -> Result<i32, BadInput>,
) -> Result<i32, BadInput> {
    let mut worst = EXIT_PASS;
    for file in files {
        let code = match load_history(file) {
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_BAD_INPUT
            }
            Ok(source) => check(&source)?,
        };
        if severity(code) > severity(worst) {
            worst = code;
        }
    }
    Ok(worst)
}

/// Checks one history that was read and found well formed. Bad input found by the model
/// (an op it has no function for, a value of the wrong shape) is reported on stderr with the
/// file and line, and gives exit code 2; a bad `--init` stops the whole command.
fn check_one(
    source: &HistorySource,
    spec: &ModelSpec,
    args: &CheckArgs,
    budget: &Budget<'_>,
) -> Result<i32, BadInput> {
    let history = &source.history;
    let started = Instant::now();
    let result = match try_check(history, spec, budget) {
        Ok(r) => r,
        Err(InputError::Init(e)) => {
            let init = args.init.as_deref().unwrap_or("nil");
            return Err(BadInput(format!(
                "--init {init}: {e} (the {} model)",
                spec.kind.name()
            )));
        }
        Err(InputError::Entry { entry, message }) => {
            let what = format!("{message} (checking with --model {})", spec.kind.name());
            eprintln!("error: {}", source.error(Some(entry), what));
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let check_ms = started.elapsed().as_secs_f64() * 1000.0;
    let file = &source.file;
    if let Some(path) = &args.html {
        let checks = [result.to_check_result()];
        write_html(
            path,
            &html::history_report(file, &args.model, &command_without_html(), history, &checks),
        )?;
    }
    if args.json {
        let v = serde_json::json!({
            "file": file,
            "model": args.model,
            "verdict": match result.verdict { Verdict::Pass => "linearizable", Verdict::Fail => "not-linearizable", Verdict::Unknown => "unknown" },
            "reason": result.reason,
            "witness": result.witness,
            "refs": result.refs(),
            "ops": history.ops.len(),
            "states_explored": result.states_explored,
            "check_ms": check_ms,
        });
        say!("{v}");
    } else {
        say!(
            "{file} ({} history entries, {check_ms:.1} ms): {}",
            history.ops.len(),
            result.reason
        );
        if let Some(w) = &result.witness {
            say!("{}", w.explanation.trim_end());
            say!("{}", w.timeline.trim_end());
        }
    }
    Ok(super::exit_for(result.verdict))
}
