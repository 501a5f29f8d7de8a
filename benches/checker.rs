//! Linearizability checker benchmarks: the whole Knossos corpus, and generated kv histories
//! (10 processes, 5 keys, 10% info) of 10,000 and 100,000 operations.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use faultline::check::linear::{check, Budget, ModelKind, ModelSpec};
use faultline::check::Verdict;
use faultline::des::rng::Stream;
use faultline::history::{
    parse_edn_value, read_history_file, Func, History, Op, OpType, Process, Value,
};
use std::hint::black_box;
use std::path::Path;

/// The Knossos corpus (in `$FAULTLINE_CORPUS` or `../shared/corpus`), or nothing when it is
/// absent (a fresh clone): the corpus benchmark is then skipped with a line saying so.
fn corpus() -> Vec<(History, ModelSpec)> {
    let root = std::env::var_os("FAULTLINE_CORPUS")
        .map_or_else(|| Path::new("../shared/corpus").to_path_buf(), Into::into);
    let dir = root.join("knossos");
    let Ok(manifest) = std::fs::read_to_string(dir.join("manifest.tsv")) else {
        eprintln!(
            "skipping the corpus benchmark: no corpus at {} (set FAULTLINE_CORPUS)",
            dir.display()
        );
        return Vec::new();
    };
    manifest
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let (name, init) = cols[1].split_once("(init=").expect("model(init=…)");
            let init = init.trim_end_matches(')');
            let init = if init == "free" {
                Value::Nil
            } else {
                parse_edn_value(init).expect("init")
            };
            let spec = ModelSpec {
                kind: ModelKind::from_name(name).expect("model"),
                init,
            };
            (
                read_history_file(&dir.join(cols[0])).expect("history"),
                spec,
            )
        })
        .collect()
}

/// A linearizable kv history: each op takes effect atomically at a random instant between its
/// invocation and its completion; 10% of completions are lost (`info`), and those ops take
/// effect or not at random.
fn generated(ops: usize, processes: u64, keys: u64, seed: u64) -> History {
    let mut rng = Stream::new(seed, "bench-history");
    let mut state = vec![0i64; keys as usize];
    let mut pending: Vec<Option<(u64, Func, i64)>> = vec![None; processes as usize];
    let mut applied: Vec<Option<i64>> = vec![None; processes as usize];
    let mut h = History::default();
    let mut next_value = 1;
    let mut invoked = 0;
    let push = |h: &mut History, p: u64, kind: OpType, f: Func, key: u64, value: Value| {
        h.push(Op {
            index: 0,
            process: Process::Client(p),
            kind,
            f,
            key: Some(Value::Int(key as i64)),
            value,
            time: 0,
            node: None,
        });
    };
    while invoked < ops || pending.iter().any(Option::is_some) {
        let p = rng.below(processes) as usize;
        match pending[p] {
            None if invoked < ops => {
                let key = rng.below(keys);
                let (f, v) = if rng.below(2) == 0 {
                    (Func::Read, 0)
                } else {
                    (Func::Write, next_value)
                };
                next_value += 1;
                let value = if f == Func::Write {
                    Value::Int(v)
                } else {
                    Value::Nil
                };
                push(&mut h, p as u64, OpType::Invoke, f.clone(), key, value);
                pending[p] = Some((key, f, v));
                applied[p] = None;
                invoked += 1;
            }
            None => {}
            Some((key, ref f, v)) => {
                let k = key as usize;
                if applied[p].is_none() && rng.below(3) == 0 {
                    // Take effect now (the linearization point), complete later.
                    if *f == Func::Write {
                        state[k] = v;
                    }
                    applied[p] = Some(state[k]);
                    continue;
                }
                let Some(seen) = applied[p] else { continue };
                let info = rng.below(10) == 0;
                let (kind, value) = match (info, f) {
                    (true, Func::Write) => (OpType::Info, Value::Int(v)),
                    (true, _) => (OpType::Info, Value::Nil),
                    (false, Func::Write) => (OpType::Ok, Value::Int(v)),
                    (false, _) => (OpType::Ok, Value::Int(seen)),
                };
                push(&mut h, p as u64, kind, f.clone(), key, value);
                pending[p] = None;
            }
        }
    }
    h
}

fn corpus_bench(c: &mut Criterion) {
    let all = corpus();
    let mut g = c.benchmark_group("linearizability");
    g.sample_size(20);
    if !all.is_empty() {
        g.throughput(criterion::Throughput::Elements(all.len() as u64));
        g.bench_function("knossos corpus (122 histories)", |b| {
            b.iter(|| {
                for (h, spec) in &all {
                    black_box(check(h, spec, &Budget::default()).verdict);
                }
            })
        });
    }
    for ops in [10_000usize, 100_000] {
        let h = generated(ops, 10, 5, 1);
        let spec = ModelSpec {
            kind: ModelKind::Kv,
            init: Value::Int(0),
        };
        assert_eq!(
            check(&h, &spec, &Budget::default()).verdict,
            Verdict::Pass,
            "generated histories are linearizable"
        );
        g.throughput(Throughput::Elements(ops as u64));
        g.bench_function(
            format!("generated kv, {ops} ops, 10 processes, 5 keys, 10% info"),
            |b| b.iter(|| black_box(check(&h, &spec, &Budget::default()).verdict)),
        );
    }
    g.finish();
}

criterion_group!(benches, corpus_bench);
criterion_main!(benches);
