//! Raft benchmarks: virtual seconds simulated per wall second on `scenarios/bench/raft.toml`
//! (5 nodes, 10 clients, 60 s of virtual time, nemesis on; the simulation alone, without the
//! invariant monitor), and seeds per second for a 10-second version of it with the monitor
//! and every check, linearizability included.
//!
//! `cargo bench --bench raft`; criterion's "elem/s" is virtual seconds per wall second in the
//! first group and seeds per second in the second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use faultline::des::time::SECS;
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;
use std::hint::black_box;
use std::path::Path;

fn load() -> scenario::Scenario {
    scenario::load(Path::new("scenarios/bench/raft.toml")).expect("raft bench scenario")
}

fn virtual_time(c: &mut Criterion) {
    let s = load();
    let virtual_secs = (s.duration + s.settle) / SECS;
    let mut g = c.benchmark_group("raft");
    g.sample_size(10);
    g.throughput(Throughput::Elements(virtual_secs));
    g.bench_function(
        "5 nodes, 10 clients, 62 s virtual, nemesis (simulation only)",
        |b| {
            let mut seed = 0;
            b.iter(|| {
                seed += 1;
                let out = faultline::sim::run(&s, seed, Trace::hash_only()).expect("runs");
                black_box(out.trace_hash)
            })
        },
    );
    g.finish();
}

fn seeds(c: &mut Criterion) {
    let mut s = load();
    s.duration = 10 * SECS;
    let mut g = c.benchmark_group("raft-seeds");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1));
    g.bench_function("10 s scenario, all checks incl. linearizability", |b| {
        let mut seed = 0;
        b.iter(|| {
            seed += 1;
            black_box(
                run_seed(&s, seed, Trace::hash_only())
                    .expect("runs")
                    .verdict,
            )
        })
    });
    g.finish();
}

criterion_group!(benches, virtual_time, seeds);
criterion_main!(benches);
