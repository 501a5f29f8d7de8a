//! Isolation checker benchmarks: a generated strict-serializable list-append history of
//! 100,000 transactions (10 processes, 10 keys active at a time, 4 micro-ops each, a key
//! retired after 32 appends, as Elle's generator does), checked for every level; and the
//! 20,602-entry `huge-scc.edn` from the Elle corpus (a real Jepsen run with one huge
//! strongly connected component), when the corpus is present.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use faultline::check::isolation::{check, Options, Workload};
use faultline::check::Verdict;
use faultline::des::rng::Stream;
use faultline::history::{read_history, read_history_file, History};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::Path;

/// A list-append history run by `processes` clients, each transaction applied atomically at
/// a point between its invocation and its completion: strict serializable by construction.
pub fn list_append(txns: usize, processes: u64, active_keys: u64, seed: u64) -> History {
    let mut rng = Stream::new(seed, "bench-list-append");
    let mut lists: Vec<Vec<u64>> = Vec::new();
    let mut active: Vec<usize> = (0..active_keys as usize).collect();
    lists.resize(active_keys as usize, Vec::new());
    let mut next_value = 0u64;
    let mut text = String::new();
    let mut pending: Vec<Vec<(bool, usize)>> = Vec::new();
    let draw = |rng: &mut Stream, active: &[usize]| -> Vec<(bool, usize)> {
        (0..4)
            .map(|_| {
                (
                    rng.below(2) == 0,
                    active[rng.below(active.len() as u64) as usize],
                )
            })
            .collect()
    };
    let show = |ops: &[(bool, usize)], values: Option<&[String]>| -> String {
        let parts: Vec<String> = ops
            .iter()
            .enumerate()
            .map(|(i, &(read, k))| match (read, values) {
                (true, Some(v)) => format!("[:r {k} {}]", v[i]),
                (true, None) => format!("[:r {k} nil]"),
                (false, Some(v)) => format!("[:append {k} {}]", v[i]),
                (false, None) => format!("[:append {k} ?]"),
            })
            .collect();
        parts.join(" ")
    };
    for p in 0..processes {
        let ops = draw(&mut rng, &active);
        pending.push(ops);
        let _ = writeln!(
            text,
            "{{:process {p}, :type :invoke, :f :txn, :value [PENDING{p}]}}"
        );
    }
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut invoke_line: Vec<usize> = (0..processes as usize).collect();
    for _ in 0..txns {
        let p = rng.below(processes) as usize;
        let ops = std::mem::take(&mut pending[p]);
        // Apply atomically, now.
        let mut values = Vec::with_capacity(ops.len());
        for &(read, k) in &ops {
            if read {
                let l: Vec<String> = lists[k].iter().map(u64::to_string).collect();
                values.push(format!("[{}]", l.join(" ")));
            } else {
                lists[k].push(next_value);
                values.push(next_value.to_string());
                next_value += 1;
                // (A transaction may append to a key it already retired.)
                if let Some(slot) = active
                    .iter()
                    .position(|&a| a == k)
                    .filter(|_| lists[k].len() >= 32)
                {
                    active[slot] = lists.len();
                    lists.push(Vec::new());
                }
            }
        }
        // The invocation carries the appended values, reads unknown.
        let invoked: Vec<String> = ops
            .iter()
            .zip(&values)
            .map(|(&(read, _), v)| if read { "nil".into() } else { v.clone() })
            .collect();
        lines[invoke_line[p]] =
            lines[invoke_line[p]].replace(&format!("PENDING{p}"), &show(&ops, Some(&invoked)));
        lines.push(format!(
            "{{:process {p}, :type :ok, :f :txn, :value [{}]}}",
            show(&ops, Some(&values))
        ));
        let next = draw(&mut rng, &active);
        pending[p] = next;
        invoke_line[p] = lines.len();
        lines.push(format!(
            "{{:process {p}, :type :invoke, :f :txn, :value [PENDING{p}]}}"
        ));
    }
    // Transactions still pending never complete: drop their invocations.
    let open: std::collections::HashSet<usize> = invoke_line.into_iter().collect();
    let text: String = lines
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !open.contains(i))
        .map(|(_, l)| l + "\n")
        .collect();
    read_history(&text, "generated").expect("generated history parses")
}

fn checks(c: &mut Criterion) {
    let mut group = c.benchmark_group("isolation");
    group.sample_size(10);
    let h = list_append(100_000, 10, 10, 1);
    let opts = Options::new(Workload::ListAppend);
    let r = check(&h, &opts).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{:?}", r.anomaly_names());
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("list-append 100k txns, every level", |b| {
        b.iter(|| check(black_box(&h), &opts).unwrap())
    });
    let root = std::env::var_os("FAULTLINE_CORPUS")
        .map_or_else(|| Path::new("../shared/corpus").to_path_buf(), Into::into);
    let huge = root.join("elle/histories/huge-scc.edn");
    match read_history_file(&huge) {
        Ok(h) => {
            group.throughput(Throughput::Elements(h.ops.len() as u64));
            group.bench_function("huge-scc.edn, every level", |b| {
                b.iter(|| check(black_box(&h), &opts).unwrap())
            });
        }
        Err(_) => eprintln!(
            "skipping huge-scc: no corpus at {} (set FAULTLINE_CORPUS)",
            huge.display()
        ),
    }
    group.finish();
}

criterion_group!(benches, checks);
criterion_main!(benches);
