//! Linearizability checker benchmarks: the whole Knossos corpus; generated kv histories (10
//! processes, 5 keys, 10% info) of 10,000 and 100,000 operations, with the search alone for
//! comparison; unique-value registers of 10^3 to 10^6 ops; 50 clients appending strings to
//! 10 keys (10% unanswered), linearizable and with one corrupted read; and a 200,000-entry
//! kv history with one read changed to a long-overwritten value.

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

/// 50 clients appending unique strings to 10 keys and reading them (`get`, Porcupine's
/// form): each op takes effect when it completes; 10% of appends are never answered and take
/// effect or not at random. `corrupt`: one read in the middle has its last character changed.
fn appenders(ops: usize, corrupt: bool, seed: u64) -> History {
    let (processes, keys) = (50u64, 10usize);
    let mut rng = Stream::new(seed, "bench-appends");
    let mut state = vec![String::new(); keys];
    let mut pending: Vec<Option<(usize, Option<String>)>> = vec![None; processes as usize];
    // A client whose append went unanswered carries on as a new process (Jepsen's way).
    let mut process: Vec<u64> = (0..processes).collect();
    let mut h = History::default();
    let (mut invoked, mut corrupted) = (0, !corrupt);
    let push = |h: &mut History, p: u64, kind: OpType, f: &str, key: usize, value: Value| {
        h.push(Op {
            index: 0,
            process: Process::Client(p),
            kind,
            f: Func::Other(f.into()),
            key: Some(Value::Str(key.to_string())),
            value,
            time: 0,
            node: None,
        });
    };
    while invoked < ops || pending.iter().any(Option::is_some) {
        let p = rng.below(processes) as usize;
        match pending[p].take() {
            None if invoked < ops => {
                let key = rng.below(keys as u64) as usize;
                invoked += 1;
                let append = (rng.below(2) == 0).then(|| format!("x{invoked} "));
                let (f, v) = match &append {
                    Some(a) => ("append", Value::Str(a.clone())),
                    None => ("get", Value::Nil),
                };
                push(&mut h, process[p], OpType::Invoke, f, key, v);
                pending[p] = Some((key, append));
            }
            None => {}
            Some((key, Some(a))) if rng.below(10) == 0 => {
                // Never answered: it took effect or not.
                if rng.below(2) == 0 {
                    state[key].push_str(&a);
                }
                process[p] += processes;
            }
            Some((key, Some(a))) => {
                state[key].push_str(&a);
                push(&mut h, process[p], OpType::Ok, "append", key, Value::Str(a));
            }
            Some((key, None)) => {
                let mut seen = state[key].clone();
                if !corrupted && invoked > ops / 2 && !seen.is_empty() {
                    seen.pop();
                    seen.push('#');
                    corrupted = true;
                }
                push(&mut h, process[p], OpType::Ok, "get", key, Value::Str(seen));
            }
        }
    }
    h
}

/// `h` with the `ok` read at about the middle changed to read the first value written to
/// its key: a value overwritten long before.
fn with_stale_read(h: &History) -> History {
    let mut h = h.clone();
    let middle = h.ops.len() / 2;
    let at = (middle..h.ops.len())
        .find(|&i| h.ops[i].kind == OpType::Ok && h.ops[i].f == Func::Read)
        .expect("a read");
    let key = h.ops[at].key.clone();
    let first = h
        .ops
        .iter()
        .find(|o| o.kind == OpType::Ok && o.f == Func::Write && o.key == key)
        .expect("a write")
        .value
        .clone();
    h.ops[at].value = first;
    h
}

fn fast_path_bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("linearizability without search");
    g.sample_size(10);
    let kv = |init| ModelSpec {
        kind: ModelKind::Kv,
        init,
    };
    let search_only = Budget {
        search_only: true,
        ..Budget::default()
    };
    let h = generated(10_000, 10, 5, 1);
    assert_eq!(
        check(&h, &kv(Value::Int(0)), &search_only).verdict,
        Verdict::Pass
    );
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("generated kv, 10000 ops, search only", |b| {
        b.iter(|| black_box(check(&h, &kv(Value::Int(0)), &search_only).verdict))
    });
    for ops in [1_000usize, 10_000, 100_000, 1_000_000] {
        let h = generated(ops, 10, 1, 2);
        let out = check(&h, &kv(Value::Int(0)), &Budget::default());
        assert!(
            out.reason.contains("decided without search"),
            "{}",
            out.reason
        );
        g.throughput(Throughput::Elements(ops as u64));
        g.bench_function(format!("unique-value register, {ops} ops"), |b| {
            b.iter(|| black_box(check(&h, &kv(Value::Int(0)), &Budget::default()).verdict))
        });
    }
    for (corrupt, verdict) in [(false, Verdict::Pass), (true, Verdict::Fail)] {
        let h = appenders(1_700, corrupt, 3);
        assert_eq!(
            check(&h, &kv(Value::Nil), &Budget::default()).verdict,
            verdict
        );
        g.throughput(Throughput::Elements(1_700));
        let name = if corrupt {
            "one read corrupted"
        } else {
            "linearizable"
        };
        g.bench_function(format!("50 appenders, 10 keys, 1700 ops, {name}"), |b| {
            b.iter(|| black_box(check(&h, &kv(Value::Nil), &Budget::default()).verdict))
        });
    }
    let h = with_stale_read(&generated(100_000, 10, 5, 4));
    assert_eq!(
        check(&h, &kv(Value::Int(0)), &Budget::default()).verdict,
        Verdict::Fail
    );
    g.throughput(Throughput::Elements(h.ops.len() as u64));
    g.bench_function("kv, 200000 entries, one stale read", |b| {
        b.iter(|| black_box(check(&h, &kv(Value::Int(0)), &Budget::default()).verdict))
    });
    g.finish();
}

criterion_group!(benches, corpus_bench, fast_path_bench);
criterion_main!(benches);
