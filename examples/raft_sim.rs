//! The Raft benchmark's workload without criterion: runs `faultline::sim::run` (the
//! simulation alone, no invariant monitor, hash-only trace) on `scenarios/bench/raft.toml`
//! for seeds 1..=N, as `cargo bench --bench raft` does, and prints virtual seconds per wall
//! second. It exists to compare builds under `valgrind --tool=callgrind` (exact instruction
//! counts) and by alternating wall-time runs; docs/performance.md ("Raft") records both.
//!
//! `cargo run --release --example raft_sim [SEEDS] [SCENARIO]` (defaults: 20 seeds,
//! `scenarios/bench/raft.toml`).

use faultline::des::time::SECS;
use faultline::des::trace::Trace;
use std::path::Path;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let seeds: u64 = args
        .next()
        .map_or(20, |a| a.parse().expect("SEEDS: a number"));
    let path = args
        .next()
        .unwrap_or_else(|| "scenarios/bench/raft.toml".to_string());
    let s = faultline::scenario::load(Path::new(&path)).expect("a valid scenario");
    let start = Instant::now();
    let mut combined = 0u64;
    for seed in 1..=seeds {
        let out = faultline::sim::run(&s, seed, Trace::hash_only()).expect("runs");
        combined = combined.rotate_left(7) ^ out.trace_hash;
    }
    let wall = start.elapsed().as_secs_f64();
    let virtual_secs = (seeds * (s.duration + s.settle) / SECS) as f64;
    println!(
        "{seeds} seeds in {wall:.3} s: {:.0} virtual s per wall s (combined hash {combined:016x})",
        virtual_secs / wall
    );
}
