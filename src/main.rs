//! The `faultline` binary: parse arguments, run the subcommand, exit with its code
//! (0 pass, 1 a check failed, 2 bad input or usage, 3 inconclusive).

fn main() {
    std::process::exit(faultline::cli::main());
}
