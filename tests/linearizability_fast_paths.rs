//! The linearizability checker's decisions without search (the zone test for registers with
//! unique written values and cas, the epoch test for string keys of puts and appends) agree with the
//! search on random histories too big for a brute force: 10,000 each, of 10 to 40 ops on up
//! to 6 processes, with `info` and `fail` outcomes, about half of them made non-linearizable
//! by corrupting one read. Register histories are also checked in Elle's completion-only form.

use faultline::check::linear::{check, Budget, ModelKind, ModelSpec};
use faultline::check::Verdict;
use faultline::history::{read_history, Value};

/// A xorshift generator: the cases are the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 16) % n
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Ok,
    Info,
    Fail,
}

/// One generated op: `write` (a unique value, or an appended string), `cas` (to a unique
/// value) or `read`.
struct GenOp {
    process: u64,
    write: bool,
    /// A cas: what it expected (`None`: nil).
    cas: Option<Option<i64>>,
    /// With appends: a put of `"p{value} "` instead of an append (or of `"a{value} "`, a
    /// text the process appended before, when `value` repeats one).
    put: bool,
    key: u64,
    /// Written value (its number); for a read, filled with what it saw.
    value: i64,
    seen: String,
    call: u64,
    point: u64,
    ret: u64,
    outcome: Outcome,
}

/// Ops of `procs` processes, each running ops back to back; each op takes effect at a point
/// inside its interval (an `info` write half the time, a `fail` write never). Times of
/// different processes never tie. `keys` keys; `appends`: writes append `"a{n} "` to a
/// string instead of writing `n`.
fn generate(rng: &mut Rng, keys: u64, appends: bool) -> Vec<GenOp> {
    let procs = 2 + rng.below(5);
    let total = 10 + rng.below(31);
    let mut ops: Vec<GenOp> = Vec::new();
    let mut clock: Vec<u64> = (0..procs).map(|_| rng.below(3)).collect();
    let mut alive: Vec<bool> = vec![true; procs as usize];
    // Each process's last appended text: now and then appended again, as Porcupine's kv
    // clients do when they restart their counters.
    let mut last_append: Vec<Option<i64>> = vec![None; procs as usize];
    for n in 0..total {
        let p = rng.below(procs) as usize;
        if !alive[p] {
            continue;
        }
        let call = clock[p];
        let point = call + 1 + rng.below(10);
        let ret = point + 1 + rng.below(10);
        clock[p] = ret + 1 + rng.below(4);
        let write = rng.below(2) == 0;
        let cas = (write && !appends && rng.below(3) == 0).then_some(None);
        let put = write && appends && rng.below(4) == 0;
        let mut value = 11 + n as i64;
        if write && appends {
            match last_append[p] {
                Some(v) if rng.below(5) == 0 => value = v,
                _ if !put => last_append[p] = Some(value),
                _ => {}
            }
        }
        let outcome = match rng.below(10) {
            0 => Outcome::Info,
            1 if write => Outcome::Fail,
            _ => Outcome::Ok,
        };
        if outcome == Outcome::Info {
            // A crashed client: its process issues nothing more.
            alive[p] = false;
        }
        ops.push(GenOp {
            process: p as u64,
            write,
            cas,
            put,
            key: rng.below(keys),
            value,
            seen: String::new(),
            call: call * 8 + p as u64,
            point: point * 8 + p as u64,
            ret: ret * 8 + p as u64,
            outcome,
        });
    }
    // What each read saw: apply the effective writes in point order.
    let mut order: Vec<usize> = (0..ops.len()).collect();
    order.sort_by_key(|&i| ops[i].point);
    let mut state: Vec<Option<String>> = vec![None; keys as usize];
    let mut produced: Vec<i64> = Vec::new();
    for i in order {
        let op = &ops[i];
        let key = op.key as usize;
        if op.cas.is_some() {
            // Expect what the key holds (it succeeds) or, now and then, something else.
            let now: Option<i64> = state[key].as_ref().map(|v| v.parse().unwrap());
            let expected = match rng.below(4) {
                0 if !produced.is_empty() => {
                    Some(produced[rng.below(produced.len() as u64) as usize])
                }
                _ => now,
            };
            let takes = expected == now
                && match op.outcome {
                    Outcome::Ok => true,
                    Outcome::Fail => false,
                    Outcome::Info => rng.below(2) == 0,
                };
            let op = &mut ops[i];
            op.cas = Some(expected);
            if expected != now && op.outcome == Outcome::Ok {
                op.outcome = Outcome::Fail;
            }
            if takes {
                state[key] = Some(op.value.to_string());
                produced.push(op.value);
            }
            continue;
        }
        let effective = match op.outcome {
            Outcome::Ok => true,
            Outcome::Fail => false,
            Outcome::Info => rng.below(2) == 0,
        };
        if op.write && effective {
            let next = if op.put {
                put_text(&ops, op)
            } else if appends {
                format!("{}a{} ", state[key].clone().unwrap_or_default(), op.value)
            } else {
                op.value.to_string()
            };
            produced.push(op.value);
            state[key] = Some(next);
        } else if !op.write {
            ops[i].seen = state[key].clone().unwrap_or_default();
        }
    }
    ops
}

/// A put's value: `"p{value} "`, or `"a{value} "` when it repeats an appended text.
fn put_text(ops: &[GenOp], op: &GenOp) -> String {
    let appended = ops.iter().any(|o| o.write && !o.put && o.value == op.value);
    if appended {
        format!("a{} ", op.value)
    } else {
        format!("p{} ", op.value)
    }
}

/// Corrupts one `ok` read half the time: a register read gets some other written value (or
/// the initial nil); an append read loses or swaps a piece.
fn corrupt(rng: &mut Rng, ops: &mut [GenOp], appends: bool) {
    if rng.below(2) == 0 {
        return;
    }
    let reads: Vec<usize> = (0..ops.len())
        .filter(|&i| !ops[i].write && ops[i].outcome == Outcome::Ok)
        .collect();
    let writes: Vec<i64> = ops.iter().filter(|o| o.write).map(|o| o.value).collect();
    if reads.is_empty() {
        return;
    }
    let r = reads[rng.below(reads.len() as u64) as usize];
    if !appends {
        let pick = rng.below(writes.len() as u64 + 1) as usize;
        ops[r].seen = writes.get(pick).map_or(String::new(), i64::to_string);
        return;
    }
    let mut pieces: Vec<String> = ops[r]
        .seen
        .split_inclusive(' ')
        .map(str::to_string)
        .collect();
    if pieces.len() >= 2 {
        let i = rng.below(pieces.len() as u64 - 1) as usize;
        if rng.below(2) == 0 {
            pieces.swap(i, i + 1);
        } else {
            pieces.remove(i);
        }
    } else if let Some(&w) = writes.get(rng.below(writes.len().max(1) as u64) as usize) {
        pieces = vec![format!("a{w} ")];
    }
    ops[r].seen = pieces.concat();
}

/// The ops as an EDN history, entries in time order; `completions_only` leaves out the
/// invocations (Elle's form).
fn history_text(ops: &[GenOp], appends: bool, completions_only: bool) -> String {
    let mut events: Vec<(u64, usize, bool)> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        events.push((op.call, i, false));
        // Half the `info` ops are recorded as such, the others never complete.
        if op.outcome != Outcome::Info || op.value % 2 == 0 {
            events.push((op.ret, i, true));
        }
    }
    events.sort_unstable();
    let mut text = String::new();
    for (_, i, done) in events {
        let op = &ops[i];
        let (f, value) = match (op.write, appends) {
            _ if op.cas.is_some() => {
                let expected = op
                    .cas
                    .flatten()
                    .map_or("nil".to_string(), |e| e.to_string());
                ("cas", format!("[{expected} {}]", op.value))
            }
            (true, true) if op.put => ("put", format!("\"{}\"", put_text(ops, op))),
            (true, true) => ("append", format!("\"a{} \"", op.value)),
            (true, false) => ("write", op.value.to_string()),
            (false, _) if !done || op.outcome != Outcome::Ok => ("read", "nil".to_string()),
            (false, _) if op.seen.is_empty() => ("read", "nil".to_string()),
            (false, true) => ("read", format!("\"{}\"", op.seen)),
            (false, false) => ("read", op.seen.clone()),
        };
        let kind = match (done, op.outcome) {
            (false, _) => "invoke",
            (true, Outcome::Ok) => "ok",
            (true, Outcome::Fail) => "fail",
            (true, Outcome::Info) => "info",
        };
        if completions_only && !done {
            continue;
        }
        text += &format!(
            "{{:process {}, :type :{kind}, :f :{f}, :key {}, :value {value}}}\n",
            op.process, op.key
        );
    }
    text
}

fn verdicts(text: &str, kind: ModelKind) -> (Verdict, Verdict, String) {
    let h = read_history(text, "generated").unwrap();
    let spec = ModelSpec {
        kind,
        init: Value::Nil,
    };
    let fast = check(&h, &spec, &Budget::default());
    let search_only = Budget {
        search_only: true,
        ..Budget::default()
    };
    let slow = check(&h, &spec, &search_only);
    (fast.verdict, slow.verdict, fast.reason)
}

/// Runs 10,000 cases and returns (pass, fail) counts; every case must agree, and the fast
/// path must have decided it without search.
fn agree(seed: u64, keys: u64, appends: bool, completions_only: bool) -> (usize, usize) {
    let mut rng = Rng(seed);
    let mut counts = (0, 0);
    for case in 0..10_000 {
        let mut ops = generate(&mut rng, keys, appends);
        corrupt(&mut rng, &mut ops, appends);
        let text = history_text(&ops, appends, completions_only);
        if text.is_empty() {
            continue;
        }
        let (fast, slow, reason) = verdicts(&text, ModelKind::Kv);
        assert_ne!(
            slow,
            Verdict::Unknown,
            "case {case}: the search gave up\n{text}"
        );
        assert_eq!(fast, slow, "case {case}: {reason}\n{text}");
        if fast == Verdict::Pass {
            assert!(
                reason.contains("decided without search"),
                "case {case}: {reason}\n{text}"
            );
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    counts
}

#[test]
fn the_zone_test_agrees_with_the_search_on_unique_value_registers() {
    let (pass, fail) = agree(0x9e37_79b9_7f4a_7c15, 1, false, false);
    assert!(pass > 2_000 && fail > 2_000, "{pass} pass, {fail} fail");
}

#[test]
fn the_zone_test_agrees_with_the_search_on_kv_and_completion_only_histories() {
    let (pass, fail) = agree(0x2545_f491_4f6c_dd1d, 3, false, true);
    assert!(pass > 2_000 && fail > 2_000, "{pass} pass, {fail} fail");
}

#[test]
fn the_append_order_test_agrees_with_the_search() {
    let (pass, fail) = agree(0x1234_5678_9abc_def1, 2, true, false);
    assert!(pass > 2_000 && fail > 1_000, "{pass} pass, {fail} fail");
}
