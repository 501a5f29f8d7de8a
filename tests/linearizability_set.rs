//! The `set` model against a brute-force checker on 10,000 random small histories (≤ 7 ops,
//! with `fail` and `info` completions): identical verdicts. The brute force tries every subset
//! of the ops without an ok reply and every order consistent with real time.

use faultline::check::linear::{check, Budget, ModelKind, ModelSpec};
use faultline::check::Verdict;
use faultline::history::{Func, History, Op, OpType, Process, Value};
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum SetOp {
    Add(u8),
    Read(Option<u8>),
}

struct Call {
    op: SetOp,
    invoke: usize,
    ret: usize,
    required: bool,
}

fn elements(mask: u8) -> Value {
    Value::List(
        (0..3)
            .filter(|e| mask >> e & 1 == 1)
            .map(|e| Value::Int(e as i64))
            .collect(),
    )
}

/// Decodes a random tape into a history and the calls the brute force needs.
fn generate(tape: &[u32]) -> (History, Vec<Call>) {
    let mut h = History::default();
    let mut calls: Vec<Call> = Vec::new();
    let Some((&first, tape)) = tape.split_first() else {
        return (h, calls);
    };
    let procs = 1 + first % 3;
    let mut running: Vec<Option<usize>> = vec![None; procs as usize];
    let mut invoked = 0;
    let mut added = 0u8;
    let push = |h: &mut History, p: u32, kind: OpType, f: Func, value: Value| {
        h.push(Op {
            index: 0,
            process: Process::Client(u64::from(p)),
            kind,
            f,
            key: None,
            value,
            time: 0,
            node: None,
        });
    };
    for &t in tape {
        let p = t % procs;
        let (a, b) = ((t >> 8) % 10, ((t >> 16) % 8) as u8);
        match running[p as usize] {
            None if invoked < 7 => {
                invoked += 1;
                let op = if a < 5 {
                    SetOp::Add(b % 3)
                } else {
                    SetOp::Read(None)
                };
                if let SetOp::Add(e) = op {
                    added |= 1 << e;
                }
                match op {
                    SetOp::Add(e) => push(
                        &mut h,
                        p,
                        OpType::Invoke,
                        Func::Other("add".into()),
                        Value::Int(e.into()),
                    ),
                    SetOp::Read(_) => push(&mut h, p, OpType::Invoke, Func::Read, Value::Nil),
                }
                running[p as usize] = Some(calls.len());
                calls.push(Call {
                    op,
                    invoke: h.ops.len() - 1,
                    ret: usize::MAX,
                    required: false,
                });
            }
            None => {}
            Some(c) => {
                running[p as usize] = None;
                let kind = [
                    OpType::Ok,
                    OpType::Ok,
                    OpType::Ok,
                    OpType::Ok,
                    OpType::Ok,
                    OpType::Ok,
                    OpType::Fail,
                    OpType::Info,
                ][(a % 8) as usize];
                let call = &mut calls[c];
                let (f, value) = match call.op {
                    SetOp::Add(e) => (Func::Other("add".into()), Value::Int(e.into())),
                    SetOp::Read(_) if kind == OpType::Ok => {
                        // Mostly what has been added so far, sometimes anything.
                        let m = if b < 5 { added } else { b % 8 };
                        call.op = SetOp::Read(Some(m));
                        (Func::Read, elements(m))
                    }
                    SetOp::Read(_) => (Func::Read, Value::Nil),
                };
                push(&mut h, p, kind, f, value);
                match kind {
                    OpType::Ok => {
                        call.ret = h.ops.len() - 1;
                        call.required = true;
                    }
                    OpType::Fail => call.ret = usize::MAX - 1, // marks "dropped"
                    _ => {}
                }
            }
        }
    }
    (h, calls)
}

fn orders(calls: &[&Call], placed: &mut Vec<bool>, state: u8) -> bool {
    if placed.iter().all(|p| *p) {
        return true;
    }
    (0..calls.len()).any(|c| {
        let free =
            !placed[c] && (0..calls.len()).all(|d| placed[d] || calls[d].ret > calls[c].invoke);
        if !free {
            return false;
        }
        let next = match calls[c].op {
            SetOp::Add(e) => Some(state | 1 << e),
            SetOp::Read(Some(m)) => (m == state).then_some(state),
            SetOp::Read(None) => Some(state),
        };
        next.is_some_and(|s| {
            placed[c] = true;
            let ok = orders(calls, placed, s);
            placed[c] = false;
            ok
        })
    })
}

fn brute(calls: &[Call]) -> bool {
    let live: Vec<&Call> = calls.iter().filter(|c| c.ret != usize::MAX - 1).collect();
    let required: Vec<&Call> = live.iter().copied().filter(|c| c.required).collect();
    let optional: Vec<&Call> = live.iter().copied().filter(|c| !c.required).collect();
    (0u32..1 << optional.len()).any(|mask| {
        let mut chosen = required.clone();
        chosen.extend(
            (0..optional.len())
                .filter(|b| mask >> b & 1 == 1)
                .map(|b| optional[b]),
        );
        orders(&chosen, &mut vec![false; chosen.len()], 0)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn set_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..30)) {
        let (h, calls) = generate(&tape);
        let spec = ModelSpec { kind: ModelKind::Set, init: Value::Nil };
        let out = check(&h, &spec, &Budget::default());
        let want = if brute(&calls) { Verdict::Pass } else { Verdict::Fail };
        prop_assert_eq!(out.verdict, want, "{}\n{:#?}", out.reason, h.ops);
    }
}

#[test]
fn random_set_histories_are_a_mix_of_good_and_bad() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut counts = [0; 2];
    for _ in 0..2000 {
        let tape: Vec<u32> = (0..25)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u32
            })
            .collect();
        let (_, calls) = generate(&tape);
        counts[brute(&calls) as usize] += 1;
    }
    assert!(counts.iter().all(|c| *c > 200), "(fail, pass) = {counts:?}");
}
