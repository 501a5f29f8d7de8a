//! Engine benchmarks: the PHOLD scenario (deliveries per second) beside the hand-written
//! reference loop of `examples/phold_baseline.rs` on the same workload, the event queue
//! alone, and whole primary-backup seeds (seeds per second, checks included).
//!
//! `cargo bench` runs them all; `cargo bench --bench engine -- phold` one group.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use faultline::des::queue::EventQueue;
use faultline::des::rng::Stream;
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;
use std::hint::black_box;
use std::path::Path;

/// The hand-written PHOLD loop, shared with `cargo run --example phold_baseline`.
#[path = "../examples/phold_baseline.rs"]
#[allow(dead_code)]
mod baseline;

fn phold(c: &mut Criterion) {
    let s = scenario::load(Path::new("scenarios/bench/phold.toml")).expect("phold scenario");
    let deliveries = s
        .limits
        .stop_after_deliveries
        .expect("phold stops after a delivery count");
    let mut g = c.benchmark_group("phold");
    g.sample_size(10);
    g.throughput(Throughput::Elements(deliveries));
    g.bench_function("64 nodes x 16 in flight, 2M deliveries, hashing on", |b| {
        b.iter(|| {
            let o = run_seed(&s, 1, Trace::hash_only()).expect("runs");
            assert_eq!(o.output.net.delivered, deliveries);
            black_box(o.output.trace_hash)
        })
    });
    let w = baseline::Workload::from_scenario(Path::new("scenarios/bench/phold.toml"))
        .expect("phold scenario");
    g.bench_function(
        "hand-written loop: BinaryHeap + ChaCha8, same workload",
        |b| b.iter(|| black_box(baseline::run(&w))),
    );
    g.finish();
}

fn queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("queue");
    const N: u64 = 1_000_000;
    g.throughput(Throughput::Elements(N));
    g.bench_function(
        "hold model: 1024 pending, pop + push 1M with 1-10ms delays",
        |b| {
            b.iter(|| {
                let mut q = EventQueue::new();
                let mut rng = Stream::new(1, "bench");
                for i in 0..1024u64 {
                    q.push(rng.between(1_000_000, 10_000_000), i);
                }
                for _ in 0..N {
                    let (t, v) = q.pop().expect("non-empty");
                    q.push(t + rng.between(1_000_000, 10_000_000), v);
                }
                black_box(q.len())
            })
        },
    );
    g.finish();
}

fn seeds(c: &mut Criterion) {
    let mut g = c.benchmark_group("seeds");
    g.sample_size(10);
    for path in ["scenarios/pb-chaos.toml", "scenarios/pb-sync-crashes.toml"] {
        let s = scenario::load(Path::new(path)).expect("scenario");
        g.throughput(Throughput::Elements(1));
        g.bench_function(path, |b| {
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
    }
    g.finish();
}

criterion_group!(benches, phold, queue, seeds);
criterion_main!(benches);
