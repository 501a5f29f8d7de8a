//! The consistency ladder's checkers on large generated histories (issue: causal and the
//! session guarantees on 100,000 operations of 10 processes in under 5 s each; sequential
//! consistency on 1,000 operations of 10 processes decided or `unknown` within its budget).
//!
//! The histories come from a toy replicated store: one global log of writes, each process
//! reading from its own prefix of it, which grows now and then (replication lag); a process's
//! own write brings its prefix up to date. Such a history is sequentially consistent, and so
//! causal, PRAM and every session guarantee hold — the checkers must do all their work. The
//! same store with lists, sets and counters measures the ladder on those data types.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use faultline::check::ladder::{check, Input, Limits, Model};
use faultline::check::linear::{Budget, ModelKind};
use faultline::history::{Func, History, Op, OpType, Process, Value};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `ops` operations of `processes` processes over `keys` keys, as described above.
fn lagging_replicas(ops: usize, processes: usize, keys: i64, seed: u64) -> History {
    replicas(ops, processes, keys, seed, false)
}

/// The same, but now and then a process's prefix shrinks (it fails over to a replica further
/// behind): not sequentially consistent, so the search must refute it.
fn replicas(ops: usize, processes: usize, keys: i64, seed: u64, regress: bool) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log: Vec<(i64, i64)> = Vec::new();
    let mut view = vec![0usize; processes];
    let mut h = History::default();
    let push = |h: &mut History, p: usize, kind, f: Func, k: i64, v: Value| {
        h.push(Op {
            index: 0,
            process: Process::Client(p as u64),
            kind,
            f,
            key: Some(Value::Int(k)),
            value: v,
            time: 0,
            node: None,
        });
    };
    for i in 0..ops {
        let p = rng.random_range(0..processes);
        let k = rng.random_range(0..keys);
        if rng.random_bool(0.5) {
            let v = i as i64 + 1;
            log.push((k, v));
            view[p] = log.len();
            push(&mut h, p, OpType::Invoke, Func::Write, k, Value::Int(v));
            push(&mut h, p, OpType::Ok, Func::Write, k, Value::Int(v));
        } else {
            let seen = log[..view[p]].iter().rev().find(|(key, _)| *key == k);
            let v = seen.map_or(Value::Nil, |&(_, v)| Value::Int(v));
            push(&mut h, p, OpType::Invoke, Func::Read, k, Value::Nil);
            push(&mut h, p, OpType::Ok, Func::Read, k, v);
        }
        // Replication: the prefix grows by up to 20 writes (or, rarely, shrinks).
        view[p] = (view[p] + rng.random_range(0..20)).min(log.len());
        if regress && rng.random_bool(0.01) {
            view[p] = view[p].saturating_sub(30);
        }
    }
    h
}

/// What a replica's log holds for each kind of data: lists, sets or counters.
#[derive(Clone, Copy)]
enum Data {
    Lists,
    Sets,
    Counters,
}

/// The lagging-replica store again, with lists (append a unique element, read the list), sets
/// (add a unique element, read the set) or counters (add 1, read the count).
fn lagging_data(data: Data, ops: usize, processes: usize, keys: i64, seed: u64) -> History {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut log: Vec<(i64, i64)> = Vec::new();
    let mut view = vec![0usize; processes];
    let mut h = History::default();
    let push = |h: &mut History, p: usize, kind, f: Func, v: Value| {
        h.push(Op {
            index: 0,
            process: Process::Client(p as u64),
            kind,
            f,
            key: None,
            value: v,
            time: 0,
            node: None,
        });
    };
    let name = |f: &str| Func::Other(f.into());
    for i in 0..ops {
        let p = rng.random_range(0..processes);
        let k = rng.random_range(0..keys);
        let seen: Vec<i64> = log[..view[p]]
            .iter()
            .filter(|(key, _)| *key == k)
            .map(|&(_, e)| e)
            .collect();
        let list = |items: Vec<i64>| Value::List(items.into_iter().map(Value::Int).collect());
        if rng.random_bool(0.5) {
            let e = i as i64 + 1;
            log.push((k, e));
            view[p] = log.len();
            let (f, v) = match data {
                Data::Lists => (
                    name("txn"),
                    Value::List(vec![Value::List(vec![
                        Value::Keyword("append".into()),
                        Value::Int(k),
                        Value::Int(e),
                    ])]),
                ),
                Data::Sets => (name("add"), Value::List(vec![Value::Int(k), Value::Int(e)])),
                Data::Counters => (name("add"), Value::List(vec![Value::Int(k), Value::Int(1)])),
            };
            push(&mut h, p, OpType::Invoke, f.clone(), v.clone());
            push(&mut h, p, OpType::Ok, f, v);
        } else {
            let (f, asked, got) = match data {
                Data::Lists => {
                    let r = |v| {
                        Value::List(vec![Value::List(vec![
                            Value::Keyword("r".into()),
                            Value::Int(k),
                            v,
                        ])])
                    };
                    (name("txn"), r(Value::Nil), r(list(seen)))
                }
                Data::Sets => (
                    Func::Read,
                    Value::List(vec![Value::Int(k), Value::Nil]),
                    Value::List(vec![Value::Int(k), list(seen)]),
                ),
                Data::Counters => (
                    Func::Read,
                    Value::List(vec![Value::Int(k), Value::Nil]),
                    Value::List(vec![Value::Int(k), Value::Int(seen.len() as i64)]),
                ),
            };
            push(&mut h, p, OpType::Invoke, f.clone(), asked);
            push(&mut h, p, OpType::Ok, f, got);
        }
        view[p] = (view[p] + rng.random_range(0..20)).min(log.len());
    }
    h
}

fn data_bench(c: &mut Criterion) {
    for (data, label, ops, keys, input) in [
        (
            Data::Lists,
            "list-append",
            100_000,
            100,
            Input::list_append(),
        ),
        (
            Data::Counters,
            "counter",
            100_000,
            100,
            Input::for_model(ModelKind::Counter, Value::Nil).unwrap(),
        ),
        (
            Data::Sets,
            "set",
            10_000,
            50,
            Input::for_model(ModelKind::Set, Value::Nil).unwrap(),
        ),
    ] {
        let h = lagging_data(data, ops, 10, keys, 5);
        let mut g = c.benchmark_group(format!("ladder on {label}, {ops} ops, 10 processes"));
        g.sample_size(10);
        g.throughput(Throughput::Elements(ops as u64));
        for m in [
            Model::Causal,
            Model::Pram,
            Model::ReadYourWrites,
            Model::MonotonicReads,
            Model::WritesFollowReads,
        ] {
            let verdict = check(&h, &input, &[m], Limits::default(), &Budget::default())
                .unwrap()
                .rungs[0]
                .verdict;
            eprintln!("{label} {}: {}", m.name(), verdict.name());
            g.bench_function(m.name(), |b| {
                b.iter(|| check(&h, &input, &[m], Limits::default(), &Budget::default()).unwrap())
            });
        }
        g.finish();
    }
}

fn one(h: &History, model: Model, limits: Limits) -> faultline::check::Verdict {
    let input = Input::for_model(ModelKind::Kv, Value::Nil).unwrap();
    let ladder = check(h, &input, &[model], limits, &Budget::default()).unwrap();
    ladder.rungs[0].verdict
}

fn ladder_bench(c: &mut Criterion) {
    let big = lagging_replicas(100_000, 10, 100, 1);
    let mut g = c.benchmark_group("consistency ladder, 100000 ops, 10 processes");
    g.sample_size(10);
    g.throughput(Throughput::Elements(100_000));
    for m in [
        Model::Causal,
        Model::CausalCc,
        Model::CausalCcv,
        Model::Pram,
        Model::ReadYourWrites,
        Model::MonotonicReads,
        Model::MonotonicWrites,
        Model::WritesFollowReads,
        Model::ConsistentPrefix,
    ] {
        g.bench_function(m.name(), |b| b.iter(|| one(&big, m, Limits::default())));
    }
    g.finish();
    let small = lagging_replicas(1_000, 10, 10, 2);
    let mut g = c.benchmark_group("sequential consistency, 1000 ops, 10 processes");
    g.sample_size(10);
    g.bench_function("sequential", |b| {
        b.iter(|| one(&small, Model::Sequential, Limits::default()))
    });
    let big_sc = lagging_replicas(100_000, 10, 100, 3);
    g.bench_function("sequential, 100000 ops", |b| {
        b.iter(|| one(&big_sc, Model::Sequential, Limits::default()))
    });
    let broken = replicas(1_000, 10, 10, 4, true);
    let verdict = one(&broken, Model::Sequential, Limits::default());
    eprintln!(
        "sequential on the shrinking-prefix history: {}",
        verdict.name()
    );
    g.bench_function("sequential, 1000 ops, prefixes shrink", |b| {
        b.iter(|| one(&broken, Model::Sequential, Limits::default()))
    });
    g.finish();
}

criterion_group!(benches, ladder_bench, data_bench);
criterion_main!(benches);
