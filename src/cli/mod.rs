//! The command line (DESIGN §7). The only layer that reads the wall clock, touches files
//! named by the user, or prints progress. Exit codes: 0 pass, 1 a check failed, 2 bad input
//! or usage, 3 inconclusive.

/// Prints a line to stdout, ignoring write errors: output cut short by a closed pipe (e.g.
/// `faultline list | head`) must not panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod check;
mod check_isolation;
mod check_ladder;
mod determinism;
mod explain;
mod explore;
mod list;
mod merge;
mod run;
mod shrink;
mod test;

use clap::{Parser, Subcommand};

/// Exit code: every check passed.
pub const EXIT_PASS: i32 = 0;
/// Exit code: a check failed (or, for `test`, a scenario did not meet its `expect`).
pub const EXIT_FAIL: i32 = 1;
/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: i32 = 2;
/// Exit code: inconclusive (a limit was reached).
pub const EXIT_UNKNOWN: i32 = 3;

/// faultline: a deterministic distributed-systems simulator.
#[derive(Parser, Debug)]
#[command(name = "faultline", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run one scenario with one seed and check it.
    Run(run::RunArgs),
    /// Run scenario files and compare each verdict with its `expect`.
    Test(test::TestArgs),
    /// Shrink a failing seed to a small scenario that fails the same way.
    Shrink(shrink::ShrinkArgs),
    /// Run many seeds of a scenario (or one shard of them) and group the failing seeds.
    Explore(explore::ExploreArgs),
    /// Combine the `explore --json` results of every shard of a sweep.
    Merge(merge::MergeArgs),
    /// Check histories (Jepsen EDN or faultline JSON): linearizability, or transactional isolation.
    Check(check::CheckArgs),
    /// Run a seed twice and compare the traces event by event.
    Determinism(determinism::DeterminismArgs),
    /// List protocols, fault kinds, checks and workload models.
    List,
    /// Print a scenario's teaching text and set-up, then the story of its run: the few
    /// events that led to a failure, or one line saying it passes.
    Explain(explain::ExplainArgs),
}

/// A bad-input error: printed as one line, exit code 2.
pub(crate) struct BadInput(pub String);

impl<E: std::fmt::Display> From<E> for BadInput {
    fn from(e: E) -> Self {
        BadInput(e.to_string())
    }
}

/// Exit code: faultline itself failed (a bug); the message says so.
pub const EXIT_INTERNAL: i32 = 101;

/// Parses `std::env::args`, runs the command and returns the exit code. A panic in protocol
/// code is caught by the run and reported like a failed check; any other panic (a bug in
/// faultline) is reported in one line with exit code 101.
pub fn main() -> i32 {
    crate::sim::panics::install_hook();
    match crate::sim::panics::catch(dispatch) {
        Ok(code) => code,
        Err(caught) => {
            eprintln!(
                "internal error (a bug in faultline; please report it with the command line): {caught}"
            );
            EXIT_INTERNAL
        }
    }
}

fn dispatch() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_PASS
            };
        }
    };
    let result = match cli.command {
        Command::Run(a) => run::run(a),
        Command::Test(a) => test::test(a),
        Command::Explore(a) => explore::explore(a),
        Command::Shrink(a) => shrink::shrink(a),
        Command::Merge(a) => merge::run(a),
        Command::Check(a) => check::run(a),
        Command::Determinism(a) => determinism::determinism(a),
        Command::List => Ok(list::list()),
        Command::Explain(a) => explain::explain(a),
    };
    match result {
        Ok(code) => code,
        Err(BadInput(msg)) => {
            for line in msg.lines() {
                eprintln!("error: {line}");
            }
            EXIT_BAD_INPUT
        }
    }
}

/// Loads a scenario, and checks its `[check]` section against the checkers, or reports why
/// not.
pub(crate) fn load(path: &std::path::Path) -> Result<crate::scenario::Scenario, BadInput> {
    let scenario = crate::scenario::load(path).map_err(|e| BadInput(e.to_string()))?;
    crate::check::plan(&scenario).map_err(|e| BadInput(e.to_string()))?;
    Ok(scenario)
}

/// The exit code for a verdict.
pub(crate) fn exit_for(v: crate::check::Verdict) -> i32 {
    match v {
        crate::check::Verdict::Pass => EXIT_PASS,
        crate::check::Verdict::Fail => EXIT_FAIL,
        crate::check::Verdict::Unknown => EXIT_UNKNOWN,
    }
}
