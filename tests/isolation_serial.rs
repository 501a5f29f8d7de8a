//! The isolation checker against brute force: on thousands of small random transaction
//! histories, its `serializable` and `strict-serializable` verdicts are compared with a search
//! over every serial order of the committed transactions (for strict serializability, every
//! order that respects real time), replaying each order and checking every read.
//!
//! List-append reads show the order of appends, so there the checker must agree exactly
//! (`unknown` only when no transaction observed another, where every order works). An
//! rw-register read shows one version and not their order, so there the checker is sound but
//! not complete: it may pass a history no serial order explains, never fail one that some
//! order does.
//!
//! Histories are drawn from a fixed seed: half are replays of a random serial order (so
//! serializable, and strict serializable when the real-time intervals allow), half have one
//! read changed to what the key held at another point; some transactions fail or end `info`.

use faultline::check::isolation::{check, Level, Options, Workload};
use faultline::check::Verdict;
use faultline::history::read_history;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum End {
    Ok,
    Fail,
    Info,
}

#[derive(Clone, Debug)]
enum Mop {
    /// Append (list-append) or write (rw-register) `value` to `key`.
    Put(u32, u32),
    /// Read `key`: the list, or the register as a list of at most one value.
    Get(u32, Vec<u32>),
}

#[derive(Clone, Debug)]
struct Txn {
    ops: Vec<Mop>,
    end: End,
    call: u32,
    ret: u32,
}

type State = BTreeMap<u32, Vec<u32>>;

fn apply(state: &mut State, m: &Mop, lists: bool) {
    if let Mop::Put(k, v) = m {
        let cell = state.entry(*k).or_default();
        if !lists {
            cell.clear();
        }
        cell.push(*v);
    }
}

/// Runs `t` on `state`; whether every read saw what it says.
fn replay(state: &mut State, t: &Txn, lists: bool) -> bool {
    for m in &t.ops {
        match m {
            Mop::Get(k, seen) => {
                if state.get(k).map_or(&[][..], |v| &v[..]) != &seen[..] {
                    return false;
                }
            }
            put => apply(state, put, lists),
        }
    }
    true
}

/// Whether some serial order of the committed transactions (and any subset of the `info`
/// ones) explains every read; with `strict`, an order that respects real time.
fn brute_force(txns: &[Txn], lists: bool, strict: bool) -> bool {
    let members: Vec<usize> = (0..txns.len())
        .filter(|&i| txns[i].end != End::Fail)
        .collect();
    let infos: Vec<usize> = members
        .iter()
        .copied()
        .filter(|&i| txns[i].end == End::Info)
        .collect();
    for mask in 0..(1u32 << infos.len()) {
        let chosen: Vec<usize> = members
            .iter()
            .copied()
            .filter(|i| match infos.iter().position(|j| j == i) {
                Some(p) => mask & (1 << p) != 0,
                None => true,
            })
            .collect();
        let mut used = vec![false; txns.len()];
        if search(
            txns,
            &chosen,
            &mut used,
            &mut State::new(),
            lists,
            strict,
            chosen.len(),
        ) {
            return true;
        }
    }
    false
}

fn search(
    txns: &[Txn],
    chosen: &[usize],
    used: &mut [bool],
    state: &mut State,
    lists: bool,
    strict: bool,
    left: usize,
) -> bool {
    if left == 0 {
        return true;
    }
    for &i in chosen {
        if used[i] {
            continue;
        }
        // Real time: every chosen committed transaction that completed before i began goes
        // first (an info transaction never completed).
        if strict
            && chosen.iter().any(|&j| {
                !used[j] && j != i && txns[j].end == End::Ok && txns[j].ret < txns[i].call
            })
        {
            continue;
        }
        let mut next = state.clone();
        // An info transaction's reads are unknown: it only writes.
        let ok = if txns[i].end == End::Info {
            txns[i].ops.iter().for_each(|m| apply(&mut next, m, lists));
            true
        } else {
            replay(&mut next, &txns[i], lists)
        };
        if !ok {
            continue;
        }
        used[i] = true;
        if search(txns, chosen, used, &mut next, lists, strict, left - 1) {
            return true;
        }
        used[i] = false;
    }
    false
}

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn below(&mut self, n: u32) -> u32 {
        (self.rng.next_u64() % n as u64) as u32
    }

    /// A random history: transactions run in a random serial order (reads record the state),
    /// then maybe one read is changed, and real-time intervals are drawn.
    fn history(&mut self, lists: bool) -> Vec<Txn> {
        let n = 2 + self.below(4) as usize;
        let keys = 1 + self.below(3);
        let mut next_value = vec![1u32; keys as usize];
        let mut txns: Vec<Txn> = (0..n)
            .map(|_| {
                let len = 1 + self.below(3);
                let ops = (0..len)
                    .map(|_| {
                        let k = self.below(keys);
                        if self.below(2) == 0 {
                            let v = next_value[k as usize];
                            next_value[k as usize] += 1;
                            Mop::Put(k, v)
                        } else {
                            Mop::Get(k, Vec::new())
                        }
                    })
                    .collect();
                let end = match self.below(12) {
                    0 => End::Fail,
                    1 => End::Info,
                    _ => End::Ok,
                };
                Txn {
                    ops,
                    end,
                    call: 0,
                    ret: 0,
                }
            })
            .collect();
        // Serial execution in a random order; failed transactions write nothing.
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, self.below(i as u32 + 1) as usize);
        }
        let mut state = State::new();
        let mut snapshots: Vec<State> = vec![state.clone()];
        for &i in &order {
            let end = txns[i].end;
            let mut local = state.clone();
            for m in &mut txns[i].ops {
                match m {
                    Mop::Get(k, seen) => *seen = local.get(k).cloned().unwrap_or_default(),
                    put => apply(&mut local, put, lists),
                }
            }
            if end != End::Fail && !(end == End::Info && self.below(2) == 0) {
                state = local;
            }
            snapshots.push(state.clone());
        }
        // Half the time, one committed read sees the key as it was at another point.
        if self.below(2) == 0 {
            let reads: Vec<(usize, usize)> = (0..n)
                .filter(|&i| txns[i].end == End::Ok)
                .flat_map(|i| {
                    txns[i]
                        .ops
                        .iter()
                        .enumerate()
                        .filter(|(_, m)| matches!(m, Mop::Get(..)))
                        .map(move |(j, _)| (i, j))
                        .collect::<Vec<_>>()
                })
                .collect();
            if !reads.is_empty() {
                let (i, j) = reads[self.below(reads.len() as u32) as usize];
                let at = &snapshots[self.below(snapshots.len() as u32) as usize];
                if let Mop::Get(k, seen) = &mut txns[i].ops[j] {
                    *seen = at.get(k).cloned().unwrap_or_default();
                }
            }
        }
        // Real time: intervals in the serial order, overlapping at random.
        let mut t = 0;
        for &i in &order {
            t += self.below(3);
            txns[i].call = t;
            txns[i].ret = t + 1 + self.below(3);
        }
        txns
    }
}

/// The history as Jepsen EDN: invocations and completions in time order.
fn edn(txns: &[Txn], lists: bool) -> String {
    let mut events: Vec<(u32, u8, usize)> = Vec::new();
    for (i, t) in txns.iter().enumerate() {
        events.push((t.call, 0, i));
        if t.end != End::Info {
            events.push((t.ret, 1, i));
        }
    }
    // At one instant, beginnings come first: the transactions overlap.
    events.sort_by_key(|&(time, kind, i)| (time, kind, i));
    let mut out = String::new();
    for (_, kind, i) in events {
        let t = &txns[i];
        let done = kind == 1;
        let ops: Vec<String> = t
            .ops
            .iter()
            .map(|m| match m {
                Mop::Put(k, v) if lists => format!("[:append {k} {v}]"),
                Mop::Put(k, v) => format!("[:w {k} {v}]"),
                Mop::Get(k, seen) if done && t.end == End::Ok => {
                    if lists {
                        let s: Vec<String> = seen.iter().map(|v| v.to_string()).collect();
                        format!("[:r {k} [{}]]", s.join(" "))
                    } else {
                        format!(
                            "[:r {k} {}]",
                            seen.last().map_or("nil".to_string(), |v| v.to_string())
                        )
                    }
                }
                Mop::Get(k, _) => format!("[:r {k} nil]"),
            })
            .collect();
        let ty = match (done, t.end) {
            (false, _) => "invoke",
            (true, End::Ok) => "ok",
            (true, End::Fail) => "fail",
            (true, End::Info) => "info",
        };
        out.push_str(&format!(
            "{{:process {i}, :type :{ty}, :f :txn, :value [{}]}}\n",
            ops.join(" ")
        ));
    }
    out
}

fn verdicts(text: &str, workload: Workload) -> (Verdict, Verdict) {
    let h = read_history(text, "generated").expect("generated history parses");
    let mut opts = Options::new(workload);
    opts.levels = vec![Level::Serializable, Level::StrictSerializable];
    let r = check(&h, &opts).unwrap_or_else(|e| panic!("{e}\n{text}"));
    (r.consistency[0].verdict, r.consistency[1].verdict)
}

/// Runs `cases` histories of one workload; returns how many were (serializable, strict)
/// by brute force, so the test can show both kinds were exercised.
fn compare(lists: bool, cases: usize, seed: u64) -> (usize, usize, usize) {
    let workload = if lists {
        Workload::ListAppend
    } else {
        Workload::RwRegister
    };
    let mut gen = Gen {
        rng: ChaCha8Rng::seed_from_u64(seed),
    };
    let (mut ser, mut strict, mut incomplete) = (0, 0, 0);
    for case in 0..cases {
        let txns = gen.history(lists);
        let text = edn(&txns, lists);
        let (got_ser, got_strict) = verdicts(&text, workload);
        for (got, want, name) in [
            (got_ser, brute_force(&txns, lists, false), "serializable"),
            (
                got_strict,
                brute_force(&txns, lists, true),
                "strict-serializable",
            ),
        ] {
            ser += usize::from(want && name == "serializable");
            strict += usize::from(want && name != "serializable");
            let agrees = match (got, want) {
                (Verdict::Fail, false) | (Verdict::Pass, true) | (Verdict::Unknown, true) => true,
                // rw-register cannot always see what no serial order explains.
                (Verdict::Pass | Verdict::Unknown, false) if !lists => {
                    incomplete += 1;
                    true
                }
                _ => false,
            };
            assert!(
                agrees,
                "case {case}: checker says {name} {got:?}, brute force says {want}\n{text}"
            );
        }
    }
    (ser, strict, incomplete)
}

#[test]
fn list_append_verdicts_equal_brute_force() {
    let (ser, strict, _) = compare(true, 10_000, 1);
    // Both outcomes are well represented.
    assert!(ser > 3_000 && ser < 9_000, "{ser} serializable");
    assert!(
        strict > 2_000 && strict < ser,
        "{strict} strict serializable"
    );
}

#[test]
fn rw_register_never_fails_a_serializable_history() {
    let (ser, _, incomplete) = compare(false, 10_000, 2);
    assert!(ser > 3_000 && ser < 9_000, "{ser} serializable");
    // Most non-serializable register histories are still caught.
    assert!(incomplete < (20_000 - ser) / 2, "{incomplete} missed");
}
