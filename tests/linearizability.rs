//! The linearizability checker: hand-made edge cases, and a property test against a
//! brute-force checker (every subset of the unknown ops, every order consistent with real
//! time) on random small histories.

use faultline::check::linear::{check, Budget, Linearizability, ModelKind, ModelSpec};
use faultline::check::Verdict;
use faultline::history::{Func, History, Op, OpType, Process, Value};
use proptest::prelude::*;
use std::collections::BTreeMap;

// ---- building histories ----------------------------------------------------------------

fn func(name: &str) -> Func {
    match name {
        "read" => Func::Read,
        "write" => Func::Write,
        "cas" => Func::Cas,
        other => Func::Other(other.into()),
    }
}

fn entry(process: Process, kind: OpType, f: Func, key: Option<u64>, value: Value) -> Op {
    let (index, time, node) = (0, 0, None);
    let key = key.map(|k| Value::Int(k as i64));
    Op {
        index,
        process,
        kind,
        f,
        key,
        value,
        time,
        node,
    }
}

/// Values in a little EDN: `nil 3 :x "s" [1 [2]]` (strings without spaces).
fn values(text: &str) -> Vec<Value> {
    let mut stack: Vec<Vec<Value>> = vec![Vec::new()];
    for token in text
        .replace('[', " [ ")
        .replace(']', " ] ")
        .split_whitespace()
    {
        let v = match token {
            "[" => {
                stack.push(Vec::new());
                continue;
            }
            "]" => Value::List(stack.pop().unwrap()),
            "nil" => Value::Nil,
            t if t.starts_with(':') => Value::Keyword(t[1..].into()),
            t if t.starts_with('"') => Value::Str(t.trim_matches('"').into()),
            t => Value::Int(t.parse().unwrap()),
        };
        stack.last_mut().unwrap().push(v);
    }
    stack.pop().unwrap()
}

/// One entry per line: `p1 invoke write 3`, `p2 ok read nil`, `p1 invoke cas 1 2` (several
/// values make a list), `p1 ok write @3 5` (key 3), `nemesis info kill`.
fn hist(text: &str) -> History {
    let mut h = History::default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let mut w = line.splitn(4, ' ');
        let (p, kind, f) = (w.next().unwrap(), w.next().unwrap(), w.next().unwrap());
        let mut rest = w.next().unwrap_or("");
        let process = match p {
            "nemesis" => Process::Nemesis,
            p => Process::Client(p[1..].parse().unwrap()),
        };
        let kind = match kind {
            "invoke" => OpType::Invoke,
            "ok" => OpType::Ok,
            "fail" => OpType::Fail,
            _ => OpType::Info,
        };
        let mut key = None;
        if let Some(k) = rest.strip_prefix('@') {
            let (k, tail) = k.split_once(' ').unwrap_or((k, ""));
            (key, rest) = (Some(k.parse().unwrap()), tail);
        }
        let mut vals = values(rest);
        let value = match vals.len() {
            0 => Value::Nil,
            1 => vals.remove(0),
            _ => Value::List(vals),
        };
        h.push(entry(process, kind, func(f), key, value));
    }
    h
}

fn spec(kind: &str, init: Value) -> ModelSpec {
    ModelSpec {
        kind: ModelKind::from_name(kind).unwrap(),
        init,
    }
}

fn run(kind: &str, init: Value, h: &History) -> Linearizability {
    check(h, &spec(kind, init), &Budget::default())
}

fn verdict(kind: &str, init: Value, text: &str) -> Verdict {
    run(kind, init, &hist(text)).verdict
}

fn xy(x: i64, y: i64) -> Value {
    let kw = |s: &str| Value::Keyword(s.into());
    Value::Map(vec![(kw("x"), Value::Int(x)), (kw("y"), Value::Int(y))])
}

// ---- edge cases ------------------------------------------------------------------------

#[test]
fn a_read_of_a_value_never_written_fails() {
    let h = hist("p1 invoke write 1\n p1 ok write 1\n p2 invoke read\n p2 ok read 5");
    let out = run("register", Value::Nil, &h);
    assert_eq!(out.verdict, Verdict::Fail);
    let w = out.witness.unwrap();
    assert_eq!(w.stuck[0].op, "p2 read 5");
    // Refuted before any search: nothing wrote 5, so no prefix is needed to show it.
    assert!(w.prefix.is_empty(), "{w:?}");
    assert!(w.explanation.contains("which no operation wrote"), "{w:?}");
    assert_eq!(out.states_explored, 0);
}

#[test]
fn a_failed_write_that_was_read_fails() {
    let text = "p1 invoke write 1\n p1 fail write 1\n p2 invoke read\n p2 ok read 1";
    assert_eq!(verdict("register", Value::Nil, text), Verdict::Fail);
}

#[test]
fn an_info_write_counts_only_after_its_invocation() {
    let before = "p2 invoke read\n p2 ok read 1\n p1 invoke write 1\n p1 info write 1";
    assert_eq!(verdict("register", Value::Nil, before), Verdict::Fail);
    let after = "p1 invoke write 1\n p1 info write 1\n p2 invoke read\n p2 ok read 1";
    assert_eq!(verdict("register", Value::Nil, after), Verdict::Pass);
    let unread = "p1 invoke write 1\n p1 info write 1\n p2 invoke read\n p2 ok read nil";
    assert_eq!(verdict("register", Value::Nil, unread), Verdict::Pass);
    let pending =
        "p1 invoke write 1\n p2 invoke read\n p2 ok read 1\n p3 invoke read\n p3 ok read 1";
    assert_eq!(verdict("register", Value::Nil, pending), Verdict::Pass);
    // Once read, it happened: a later read cannot see the old value again.
    let flip = format!("{after}\n p3 invoke read\n p3 ok read nil");
    assert_eq!(verdict("register", Value::Nil, &flip), Verdict::Fail);
}

#[test]
fn concurrent_cas_chains() {
    let chain = "p1 invoke cas 0 1\n p2 invoke cas 1 2\n p3 invoke cas 2 3\n
                 p3 ok cas 2 3\n p1 ok cas 0 1\n p2 ok cas 1 2";
    let cas = |text: &str| verdict("cas-register", Value::Int(0), text);
    assert_eq!(cas(chain), Verdict::Pass);
    assert_eq!(
        cas(&format!("{chain}\n p4 invoke read\n p4 ok read 3")),
        Verdict::Pass
    );
    assert_eq!(
        cas(&format!("{chain}\n p4 invoke read\n p4 ok read 2")),
        Verdict::Fail
    );
    let both_from_0 = "p1 invoke cas 0 1\n p2 invoke cas 0 2\n p1 ok cas 0 1\n p2 ok cas 0 2";
    assert_eq!(cas(both_from_0), Verdict::Fail);
    let reset = format!("p3 invoke write 0\n{both_from_0}\n p3 ok write 0");
    assert_eq!(cas(&reset), Verdict::Pass);
    assert_eq!(
        cas("p1 invoke cas 0 1\n p1 info cas 0 1\n p2 invoke cas 1 2\n p2 ok cas 1 2"),
        Verdict::Pass
    );
    assert_eq!(
        cas("p2 invoke cas 1 2\n p2 ok cas 1 2\n p1 invoke cas 0 1\n p1 info cas 0 1"),
        Verdict::Fail
    );
}

#[test]
fn empty_and_nemesis_only_histories_pass() {
    for kind in ModelKind::ALL {
        let out = check(
            &History::default(),
            &ModelSpec {
                kind,
                init: Value::Nil,
            },
            &Budget::default(),
        );
        assert_eq!(out.verdict, Verdict::Pass, "{kind:?}");
    }
    let h = hist("nemesis info start\n nemesis info kill\n nemesis info stop");
    let out = run("cas-register", Value::Int(0), &h);
    assert_eq!((out.verdict, out.keys_checked), (Verdict::Pass, 0));
}

#[test]
fn the_witness_names_the_op_and_the_states_it_met() {
    let h = hist(
        "p0 invoke write 0\n p0 ok write 0\n p1 invoke read\n p2 invoke write 4\n
         p1 ok read 3\n p2 ok write 4\n p3 invoke read\n p3 ok read 4\n p4 invoke write 3\n
         p5 invoke write 0",
    );
    // (3 is written, and 0 twice, so no cheap refutation applies: the search must find
    // this one.)
    let out = run("cas-register", Value::Nil, &h);
    assert_eq!(out.verdict, Verdict::Fail);
    let w = out.witness.clone().unwrap();
    let stuck = &w.stuck[0];
    assert_eq!(
        (stuck.op.as_str(), stuck.invoked_at, stuck.completed_at),
        ("p1 read 3", 2, Some(4))
    );
    let conflicts = stuck.conflicts.join("; ");
    assert!(conflicts.contains("holds 4 (after p2 write 4)"), "{w:?}");
    assert!(conflicts.contains("holds 0 (after p0 write 0)"), "{w:?}");
    assert!(
        w.explanation.contains("p1 read 3") && w.explanation.contains("hold 3"),
        "{w:?}"
    );
    assert!(w.timeline.contains("|==read 3==|"), "{}", w.timeline);
    assert!(w.timeline.contains("write 4"), "{}", w.timeline);
    assert!(
        out.reason.starts_with("not linearizable: p1 read 3"),
        "{}",
        out.reason
    );
    let r = out.to_check_result();
    assert_eq!((r.name, r.verdict), ("linearizable", Verdict::Fail));
    assert_eq!(r.witness[0], w.explanation);
    assert_eq!(run("cas-register", Value::Nil, &h), out, "deterministic");
}

#[test]
fn nil_reads_are_strict_only_when_the_register_starts_nil() {
    let text = "p1 invoke write 1\n p1 ok write 1\n p2 invoke read\n p2 ok read nil";
    assert_eq!(verdict("register", Value::Nil, text), Verdict::Fail);
    assert_eq!(verdict("register", Value::Int(0), text), Verdict::Pass);
}

#[test]
fn mutex_histories() {
    let ok = "p1 invoke acquire\n p1 ok acquire\n p2 invoke acquire\n p1 invoke release\n
              p1 ok release\n p2 ok acquire";
    assert_eq!(verdict("mutex", Value::Nil, ok), Verdict::Pass);
    let double = "p1 invoke acquire\n p1 ok acquire\n p2 invoke acquire\n p2 ok acquire";
    let out = run("mutex", Value::Keyword("free".into()), &hist(double));
    assert_eq!(out.verdict, Verdict::Fail);
    assert!(out
        .witness
        .unwrap()
        .explanation
        .contains("the lock is held"));
    let lost_release = "p1 invoke acquire\n p1 ok acquire\n p1 invoke release\n p1 info release\n
                        p2 invoke acquire\n p2 ok acquire";
    assert_eq!(verdict("mutex", Value::Nil, lost_release), Verdict::Pass);
}

#[test]
fn kv_splits_per_key_and_reports_the_failing_key() {
    let h = hist(
        "p1 invoke write @1 5\n p1 ok write @1 5\n p2 invoke write @2 6\n p2 ok write @2 6\n
         p3 invoke read @1\n p3 ok read @1 5\n p3 invoke read @2\n p3 ok read @2 5",
    );
    let out = run("kv", Value::Nil, &h);
    assert_eq!((out.verdict, out.keys_checked), (Verdict::Fail, 2));
    let w = out.witness.unwrap();
    assert_eq!(
        (w.key.as_deref(), w.stuck[0].op.as_str()),
        (Some("2"), "p3 read 5")
    );
    // Jepsen's independent form: [key value] tuples, here with strings and appends.
    let j = hist(
        r#"p1 invoke append [:a "x"]
           p1 ok append [:a "x"]
           p2 invoke put [:b "y"]
           p2 ok put [:b "y"]
           p1 invoke append [:a "z"]
           p3 invoke get [:a nil]
           p3 ok get [:a "xz"]
           p1 info append [:a "z"]"#,
    );
    let out = run("kv", Value::Nil, &j);
    assert_eq!(
        (out.verdict, out.keys_checked),
        (Verdict::Pass, 2),
        "{}",
        out.reason
    );
}

#[test]
fn set_and_multi_register_histories() {
    let added = "p1 invoke add 1\n p2 invoke read\n p2 ok read [1]\n p1 ok add 1";
    assert_eq!(verdict("set", Value::Nil, added), Verdict::Pass);
    let lost = format!("{added}\n p2 invoke read\n p2 ok read []");
    assert_eq!(verdict("set", Value::Nil, &lost), Verdict::Fail);
    let torn = hist(
        "p1 invoke txn [[:write :x 1] [:write :y 1]]\n p1 ok txn [[:write :x 1] [:write :y 1]]\n
         p2 invoke txn [[:read :x nil] [:read :y nil]]\n p2 ok txn [[:read :x 1] [:read :y 0]]",
    );
    let out = run("multi-register", xy(0, 0), &torn);
    assert_eq!(out.verdict, Verdict::Fail);
    assert!(
        out.reason.contains("txn [:read :x 1] [:read :y 0]"),
        "{}",
        out.reason
    );
}

#[test]
fn budgets_give_unknown_never_a_guess() {
    // Twelve concurrent writes that may or may not have happened, then an impossible read
    // (of a value written only after it returned, and 0 is written twice, so no cheap
    // refutation applies).
    let mut text: String = (0..12)
        .map(|p| format!("p{p} invoke write {p}\n"))
        .collect();
    text.push_str("p99 invoke read\n p99 ok read 77\n p98 invoke write 77\n p97 invoke write 0\n");
    let (h, spec) = (hist(&text), spec("register", Value::Nil));
    let tiny = Budget {
        max_states: 10,
        ..Budget::default()
    };
    let out = check(&h, &spec, &tiny);
    assert_eq!(out.verdict, Verdict::Unknown);
    assert!(out.reason.contains("10 stored states"), "{}", out.reason);
    let no_memory = Budget {
        max_memory_bytes: 1,
        ..Budget::default()
    };
    assert_eq!(check(&h, &spec, &no_memory).verdict, Verdict::Unknown);
    let out_of_time = || true;
    let late = Budget {
        deadline: Some(&out_of_time),
        ..Budget::default()
    };
    let out = check(&h, &spec, &late);
    assert!(
        out.verdict == Verdict::Unknown && out.reason.contains("time"),
        "{}",
        out.reason
    );
    assert_eq!(check(&h, &spec, &Budget::default()).verdict, Verdict::Fail);
}

#[test]
fn ops_a_model_does_not_know_make_the_verdict_unknown() {
    let out = run(
        "register",
        Value::Nil,
        &hist("p1 invoke cas 1 2\n p1 ok cas 1 2"),
    );
    assert_eq!(out.verdict, Verdict::Unknown);
    assert!(out.reason.contains("no `cas` operation"), "{}", out.reason);
}

// ---- brute force -------------------------------------------------------------------------

/// Every subset of the ops without an ok reply, every order consistent with real time.
fn brute(kind: &str, init: &Value, h: &History) -> bool {
    let mut open: BTreeMap<Process, usize> = BTreeMap::new();
    let mut pairs: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, op) in h
        .ops
        .iter()
        .enumerate()
        .filter(|(_, o)| o.process != Process::Nemesis)
    {
        if op.kind == OpType::Invoke {
            open.insert(op.process, pairs.len());
            pairs.push((i, None));
        } else if let Some(k) = open.remove(&op.process) {
            pairs[k].1 = Some(i);
        }
    }
    // (invoke, ok completion or None, return position)
    let mut required = Vec::new();
    let mut optional = Vec::new();
    for (i, done) in pairs {
        match done.map(|j| (j, h.ops[j].kind)) {
            Some((_, OpType::Fail)) => {}
            Some((j, OpType::Ok)) => required.push((i, Some(j), j)),
            _ => optional.push((i, None, usize::MAX)),
        }
    }
    (0u32..1 << optional.len()).any(|mask| {
        let mut ops = required.clone();
        ops.extend(
            (0..optional.len())
                .filter(|b| mask >> b & 1 == 1)
                .map(|b| optional[b]),
        );
        let start = match kind {
            "mutex" => Value::Bool(false),
            "kv" => Value::Map(vec![]),
            _ => init.clone(),
        };
        orders(kind, init, h, &ops, &mut vec![false; ops.len()], start)
    })
}

fn orders(
    kind: &str,
    init: &Value,
    h: &History,
    ops: &[(usize, Option<usize>, usize)],
    placed: &mut Vec<bool>,
    state: Value,
) -> bool {
    if placed.iter().all(|&p| p) {
        return true;
    }
    (0..ops.len()).any(|c| {
        let free = !placed[c] && (0..ops.len()).all(|d| placed[d] || ops[d].2 > ops[c].0);
        let next = if free {
            spec_step(
                kind,
                init,
                &state,
                &h.ops[ops[c].0],
                ops[c].1.map(|j| &h.ops[j]),
            )
        } else {
            None
        };
        next.is_some_and(|s| {
            placed[c] = true;
            let found = orders(kind, init, h, ops, placed, s);
            placed[c] = false;
            found
        })
    })
}

/// The sequential specs, written independently of the checker's models. `state` is the
/// register's value, the lock (`Bool`), or a map of keys to values (kv, multi-register).
fn spec_step(kind: &str, init: &Value, state: &Value, inv: &Op, ok: Option<&Op>) -> Option<Value> {
    let read_ok = |cur: &Value, start: &Value, got: Option<&Value>| match got {
        None => true,
        Some(Value::Nil) if *start != Value::Nil => true,
        Some(v) => v == cur,
    };
    let reg = |cur: &Value, start: &Value, f: &Func, v: &Value, got: Option<&Value>| match (f, v) {
        (Func::Read, _) => read_ok(cur, start, got).then(|| cur.clone()),
        (Func::Write, v) => Some(v.clone()),
        (Func::Cas, Value::List(p)) => (*cur == p[0]).then(|| p[1].clone()),
        _ => None,
    };
    let get = |m: &Value, k: &Value| match m {
        Value::Map(e) => e
            .iter()
            .find(|(x, _)| x == k)
            .map_or(Value::Nil, |(_, v)| v.clone()),
        _ => Value::Nil,
    };
    let set = |m: &Value, k: &Value, v: Value| {
        let Value::Map(mut e) = m.clone() else {
            return Value::Map(vec![(k.clone(), v)]);
        };
        e.retain(|(x, _)| x != k);
        e.push((k.clone(), v));
        e.sort_by_key(|(x, _)| format!("{x:?}"));
        Value::Map(e)
    };
    match kind {
        "register" | "cas-register" => reg(state, init, &inv.f, &inv.value, ok.map(|o| &o.value)),
        "mutex" => match (inv.f.name(), state) {
            ("acquire", Value::Bool(false)) => Some(Value::Bool(true)),
            ("release", Value::Bool(true)) => Some(Value::Bool(false)),
            _ => None,
        },
        "kv" => {
            let k = inv.key.clone().unwrap();
            let v = reg(
                &get(state, &k),
                &Value::Nil,
                &inv.f,
                &inv.value,
                ok.map(|o| &o.value),
            )?;
            Some(set(state, &k, v))
        }
        _ => {
            let Value::List(micros) = &ok.unwrap_or(inv).value else {
                return None;
            };
            let mut s = state.clone();
            for m in micros {
                let Value::List(m) = m else { return None };
                let cur = get(&s, &m[1]);
                match &m[0] {
                    Value::Keyword(f) if f == "write" => s = set(&s, &m[1], m[2].clone()),
                    _ if ok.is_some() && !read_ok(&cur, &get(init, &m[1]), Some(&m[2])) => {
                        return None
                    }
                    _ => {}
                }
            }
            Some(s)
        }
    }
}

// ---- random histories --------------------------------------------------------------------

/// A random history of at most 8 ops over 1–4 processes, decoded from a tape of random
/// numbers: ops with random values and outcomes; `ok` reads return the initial value, a value
/// some op wrote, or a random one.
///
/// A kind ending in `-unique` (`register-unique`, `kv-unique`) writes a fresh value each
/// time (from 11), as faultline's own clients do, so the checker's real-time refutations
/// apply; its reads still return a written value, the initial one, or one never written.
fn generate(kind: &str, tape: &[u32]) -> History {
    let unique = kind.ends_with("-unique");
    let kind = kind.trim_end_matches("-unique");
    let Some((&first, tape)) = tape.split_first() else {
        return History::default();
    };
    let procs = 1 + first % 4;
    let (mut h, mut invoked) = (History::default(), 0);
    let mut running: Vec<Option<Op>> = vec![None; procs as usize];
    let mut written: Vec<(Option<Value>, u32)> = Vec::new();
    let start = match kind {
        "cas-register" | "multi-register" => Value::Int(0),
        _ => Value::Nil,
    };
    for &t in tape {
        let p = (t % procs) as usize;
        let (a, b, c) = ((t >> 8) % 8, (t >> 12) % 3, (t >> 16) % 4);
        let int = |x: u32| Value::Int(x as i64);
        let reg = if c % 2 == 0 { ":x" } else { ":y" };
        match running[p].take() {
            None if invoked < 8 => {
                invoked += 1;
                let b = if unique { 10 + invoked } else { b };
                let text = match (kind, a % 4) {
                    ("mutex", x) => ["acquire", "release"][x as usize % 2].to_string(),
                    ("multi-register", 0 | 1) => format!("txn [[:read {reg} nil]]"),
                    ("multi-register", 2) => format!("txn [[:write {reg} {b}]]"),
                    ("multi-register", _) => format!("txn [[:write :x {b}] [:write :y {b}]]"),
                    (_, 0 | 1) => "read".into(),
                    ("register", _) | (_, 3) => format!("write {b}"),
                    ("kv", _) if a != 2 => format!("write {b}"),
                    _ => format!("cas {} {b}", c % 3),
                };
                let key = if kind == "kv" {
                    format!("@{} ", c / 2)
                } else {
                    String::new()
                };
                let (f, rest) = text.split_once(' ').unwrap_or((&text, ""));
                let op = hist(&format!("p{p} invoke {f} {key}{rest}")).ops.remove(0);
                if text.starts_with("write") || text.starts_with("cas") || text.contains(":write") {
                    written.push((op.key.clone(), b));
                }
                h.push(op.clone());
                running[p] = Some(op);
            }
            None => {}
            Some(op) => {
                let done =
                    [OpType::Ok, OpType::Fail, OpType::Info][[0, 0, 0, 0, 0, 1, 2, 2][a as usize]];
                let mut value = op.value.clone();
                let seen: Vec<u32> = written
                    .iter()
                    .filter(|(k, _)| *k == op.key)
                    .map(|(_, v)| *v)
                    .collect();
                let got = match (t >> 16) as usize % (seen.len() + 2) {
                    0 => int(b),
                    1 => start.clone(),
                    i => int(seen[i - 2]),
                };
                match &mut value {
                    _ if done != OpType::Ok => {}
                    Value::List(ms) if kind == "multi-register" => {
                        if let Value::List(m) = &mut ms[0] {
                            if m[0] == Value::Keyword("read".into()) {
                                m[2] = got;
                            }
                        }
                    }
                    v if op.f == Func::Read => *v = got,
                    _ => {}
                }
                let key = op.key.as_ref().and_then(Value::as_int).map(|k| k as u64);
                h.push(entry(op.process, done, op.f.clone(), key, value));
            }
        }
    }
    h
}

fn init_for(kind: &str) -> Value {
    match kind {
        "multi-register" => xy(0, 0),
        "cas-register" => Value::Int(0),
        _ => Value::Nil,
    }
}

fn agrees(kind: &str, tape: &[u32]) -> Result<(), TestCaseError> {
    let h = generate(kind, tape);
    let kind = kind.trim_end_matches("-unique");
    let init = init_for(kind);
    let out = check(&h, &spec(kind, init.clone()), &Budget::default());
    let expected = if brute(kind, &init, &h) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    prop_assert_eq!(out.verdict, expected, "{}\n{:#?}", out.reason, h.ops);
    prop_assert_eq!(out.witness.is_some(), expected == Verdict::Fail);
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(10_000))]
    #[test]
    fn register_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..40)) {
        agrees("register", &tape)?;
    }

    #[test]
    fn cas_register_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..40)) {
        agrees("cas-register", &tape)?;
    }

    #[test]
    fn mutex_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..40)) {
        agrees("mutex", &tape)?;
    }

    #[test]
    fn kv_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..40)) {
        agrees("kv", &tape)?;
    }

    #[test]
    fn register_with_unique_values_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..40)) {
        agrees("register-unique", &tape)?;
    }

    #[test]
    fn kv_with_unique_values_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..40)) {
        agrees("kv-unique", &tape)?;
    }

    #[test]
    fn multi_register_agrees_with_brute_force(tape in prop::collection::vec(any::<u32>(), 0..40)) {
        agrees("multi-register", &tape)?;
    }
}

#[test]
fn random_histories_are_a_mix_of_good_and_bad() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for kind in ["register", "cas-register", "mutex", "kv", "multi-register"] {
        let mut counts = [0usize; 2];
        for _ in 0..2000 {
            let tape: Vec<u32> = (0..30)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x >> 32) as u32
                })
                .collect();
            let out = check(
                &generate(kind, &tape),
                &spec(kind, init_for(kind)),
                &Budget::default(),
            );
            counts[(out.verdict == Verdict::Pass) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| c > 200),
            "{kind}: {counts:?} (fail, pass)"
        );
    }
}

// ---- completion-only histories ------------------------------------------------------------

/// `h` without its invocations (Elle's completion-only form; `fail` completions stay, and are
/// dropped by the checker as usual).
fn completions_only(h: &History) -> History {
    let mut out = History::default();
    for op in h.ops.iter().filter(|o| o.kind != OpType::Invoke) {
        out.push(op.clone());
    }
    out
}

/// The documented reading of a completion-only history as a paired one: each op's invocation
/// stands right after its process's previous completion (at the start for its first op).
fn paired_reading(h: &History) -> History {
    let invoke_of = |op: &Op| {
        entry(
            op.process,
            OpType::Invoke,
            op.f.clone(),
            op.key.as_ref().and_then(Value::as_int).map(|k| k as u64),
            op.value.clone(),
        )
    };
    let mut out = History::default();
    let mut next: BTreeMap<Process, Vec<&Op>> = BTreeMap::new();
    for op in &h.ops {
        next.entry(op.process).or_default().push(op);
    }
    for ops in next.values_mut() {
        ops.reverse();
    }
    for ops in next.values() {
        if let Some(first) = ops.last() {
            out.push(invoke_of(first));
        }
    }
    for op in &h.ops {
        out.push(op.clone());
        let queue = next.get_mut(&op.process).expect("seen");
        queue.pop();
        if let Some(following) = queue.last() {
            out.push(invoke_of(following));
        }
    }
    out
}

proptest! {
    #![proptest_config(config(3_000))]
    #[test]
    fn completion_only_histories_read_as_invoked_after_the_previous_completion(
        tape in prop::collection::vec(any::<u32>(), 0..40),
        kind in prop::sample::select(vec!["register", "cas-register", "kv"]),
    ) {
        let only = completions_only(&generate(kind, &tape));
        let init = init_for(kind);
        let out = check(&only, &spec(kind, init.clone()), &Budget::default());
        let paired = paired_reading(&only);
        let expected = if brute(kind, &init, &paired) { Verdict::Pass } else { Verdict::Fail };
        prop_assert_eq!(out.verdict, expected, "{}\n{:#?}", out.reason, only.ops);
    }
}

// ---- string appends ----------------------------------------------------------------------

/// A string-append op for the brute force: `Some(s)` appends `s`; `None` reads `seen`.
#[derive(Clone, Debug)]
struct Appendy {
    append: Option<String>,
    seen: String,
    call: usize,
    ret: Option<usize>,
}

/// Whether some order of `ops` (each ok op exactly once, each unanswered append at most once)
/// that respects real time explains every read.
fn brute_appends(ops: &[Appendy], used: &mut Vec<bool>, state: &str) -> bool {
    if ops
        .iter()
        .zip(used.iter())
        .all(|(o, &u)| u || o.ret.is_none())
    {
        return true;
    }
    for i in 0..ops.len() {
        if used[i] {
            continue;
        }
        // Everything that completed before i began must already be placed.
        let blocked = (0..ops.len())
            .any(|j| !used[j] && j != i && ops[j].ret.is_some_and(|r| r < ops[i].call));
        if blocked {
            continue;
        }
        let next = match &ops[i].append {
            Some(s) => format!("{state}{s}"),
            None if ops[i].seen == state => state.to_string(),
            None => continue,
        };
        used[i] = true;
        if brute_appends(ops, used, &next) {
            used[i] = false;
            return true;
        }
        used[i] = false;
    }
    false
}

#[test]
fn string_appends_agree_with_brute_force() {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let (mut fails, mut passes) = (0, 0);
    for case in 0..10_000 {
        let n = 2 + next(5) as usize;
        // Random intervals on a small clock; appends of unique strings, reads of what the
        // key held after a random prefix of a random order of the appends.
        let mut ops: Vec<Appendy> = Vec::new();
        let mut appended: Vec<String> = Vec::new();
        for i in 0..n {
            let call = next(8) as usize;
            let ret = (next(6) != 0).then(|| call + 1 + next(4) as usize);
            if next(2) == 0 {
                appended.push(format!("a{i} "));
                ops.push(Appendy {
                    append: Some(format!("a{i} ")),
                    seen: String::new(),
                    call,
                    ret,
                });
            } else {
                let ret = Some(ret.unwrap_or(call + 1));
                ops.push(Appendy {
                    append: None,
                    seen: String::new(),
                    call,
                    ret,
                });
            }
        }
        for op in ops.iter_mut() {
            if op.append.is_none() {
                let take = next(appended.len() as u64 + 1) as usize;
                let mut parts: Vec<String> = appended.clone();
                for k in (1..parts.len()).rev() {
                    parts.swap(k, next(k as u64 + 1) as usize);
                }
                op.seen = parts[..take].concat();
            }
        }
        // As a history: invocations and completions in time order (at one instant,
        // invocations first); each op on its own process.
        let mut events: Vec<(usize, u8, usize)> = Vec::new();
        for (i, o) in ops.iter().enumerate() {
            events.push((o.call, 0, i));
            if let Some(r) = o.ret {
                events.push((r, 1, i));
            }
        }
        events.sort();
        let mut text = String::new();
        for (_, kind, i) in events {
            let o = &ops[i];
            let (f, v) = match (&o.append, kind) {
                (Some(s), _) => ("append", format!("\"{s}\"")),
                (None, 0) => ("get", "nil".to_string()),
                (None, _) => ("get", format!("\"{}\"", o.seen)),
            };
            let ty = if kind == 0 { "invoke" } else { "ok" };
            text += &format!("{{:process {i}, :type :{ty}, :f :{f}, :key \"k\", :value {v}}}\n");
        }
        // Real time in the brute force is history order, as the checker sees it.
        let mut pos = vec![(0, None); n];
        for (p, line) in text.lines().enumerate() {
            let i: usize = line["{:process ".len()..]
                .split(',')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            if line.contains(":invoke") {
                pos[i].0 = p;
            } else {
                pos[i].1 = Some(p);
            }
        }
        let placed: Vec<Appendy> = ops
            .iter()
            .zip(&pos)
            .map(|(o, &(call, ret))| Appendy {
                call,
                ret,
                ..o.clone()
            })
            .collect();
        let want = brute_appends(&placed, &mut vec![false; n], "");
        let h = faultline::history::read_history(&text, "appends").unwrap();
        let out = check(
            &h,
            &spec("kv", Value::Str(String::new())),
            &Budget::default(),
        );
        let got = out.verdict == Verdict::Pass;
        assert_eq!(got, want, "case {case}: {}\n{text}", out.reason);
        if want {
            passes += 1;
        } else {
            fails += 1;
        }
    }
    assert!(
        passes > 1_000 && fails > 1_000,
        "{passes} pass, {fails} fail"
    );
}
