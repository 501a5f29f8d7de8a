use super::*;
use crate::des::rng::Probability;
use crate::workload::spec::{KeyDist, Pace, Targets};

fn spec(kind: &'static dyn WorkloadKind, dist: KeyDist, keys: u32, rwc: [u32; 3]) -> Workload {
    Workload {
        kind,
        clients: 1,
        keys,
        read: rwc[0],
        write: rwc[1],
        cas: rwc[2],
        delete: 0,
        txn_length: (1, 4),
        read_fraction: Probability::new(0.5).unwrap(),
        max_writes_per_key: None,
        pace: Pace::Closed,
        timeout: 1,
        key_dist: dist,
        targets: Targets::RoundRobin,
        max_redirects: 3,
        retry: None,
        idempotency_keys: true,
        breaker: None,
        colocated: true,
        final_reads: true,
    }
}

#[test]
fn weights_and_unique_values() {
    let mut g = Gen::new(&spec(&Kv, KeyDist::Uniform, 4, [0, 1, 0]));
    let mut rng = Stream::new(1, "g");
    let vals: Vec<i64> = (0..100)
        .map(|_| {
            match *Kv
                .next(&mut g, &mut rng, &Seen::new())
                .ops()
                .first()
                .unwrap()
            {
                MicroOp::Write { value, .. } => value,
                other => panic!("{other:?}"),
            }
        })
        .collect();
    assert_eq!(vals, (1..=100).collect::<Vec<_>>());
}

#[test]
fn zipf_prefers_low_keys() {
    let mut g = Gen::new(&spec(&Kv, KeyDist::Zipf(1.2), 10, [1, 0, 0]));
    let mut rng = Stream::new(1, "z");
    let mut counts = [0u32; 10];
    for _ in 0..10_000 {
        counts[Kv.next(&mut g, &mut rng, &Seen::new()).ops()[0].key() as usize] += 1;
    }
    assert!(counts[0] > 3 * counts[5] && counts[9] > 0, "{counts:?}");
}

#[test]
fn cas_expects_the_last_seen_value() {
    let mut g = Gen::new(&spec(&CasRegister, KeyDist::Uniform, 1, [0, 0, 1]));
    let mut rng = Stream::new(1, "c");
    let seen = Seen::from([(0, 41)]);
    assert_eq!(
        CasRegister.next(&mut g, &mut rng, &seen),
        Txn::one(MicroOp::Cas {
            key: 0,
            expected: 41,
            new: 1
        })
    );
}

#[test]
fn list_append_draws_transactions_of_reads_and_fresh_appends_and_retires_keys() {
    let mut s = spec(&ListAppend, KeyDist::Uniform, 3, [0, 0, 0]);
    s.max_writes_per_key = Some(4);
    let mut g = Gen::new(&s);
    let mut rng = Stream::new(1, "la");
    let mut appended = Vec::new();
    let mut lengths = [0u32; 5];
    for _ in 0..200 {
        let t = ListAppend.next(&mut g, &mut rng, &Seen::new());
        lengths[t.ops().len()] += 1;
        for op in t.ops() {
            match *op {
                MicroOp::Append { key, value } => appended.push((key, value)),
                MicroOp::Read { .. } => {}
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(lengths[1..].iter().all(|&n| n > 20), "{lengths:?}");
    let mut values: Vec<i64> = appended.iter().map(|(_, v)| *v).collect();
    values.dedup();
    assert_eq!(
        values.len(),
        appended.len(),
        "every appended value is fresh"
    );
    for key in 0..g.keys_used() {
        let n = appended.iter().filter(|(k, _)| *k == key).count();
        assert!(n <= 4, "key {key} got {n} appends");
    }
    assert!(g.keys_used() > 3, "keys were retired and replaced");
}

#[test]
fn histories_take_jepsen_and_elle_forms() {
    let t = Txn::new(vec![
        MicroOp::Append { key: 1, value: 5 },
        MicroOp::Read { key: 1 },
    ]);
    let (f, key, v) = ListAppend.record(&t, None, false);
    assert_eq!((f.name(), key), ("txn", None));
    assert_eq!(crate::history::fmt_value(&v), "[[:append 1 5] [:r 1 nil]]");
    let done = Results(vec![None, Some(crate::ops::Datum::List(vec![3, 5]))]);
    let (_, _, v) = ListAppend.record(&t, Some(&done), false);
    assert_eq!(
        crate::history::fmt_value(&v),
        "[[:append 1 5] [:r 1 [3 5]]]"
    );
    let (f, key, v) = Kv.record(
        &Txn::one(MicroOp::Cas {
            key: 2,
            expected: 1,
            new: 3,
        }),
        None,
        true,
    );
    assert_eq!(
        (f.name(), key, crate::history::fmt_value(&v)),
        ("cas", Some(2), "[1 3]".to_string())
    );
    let (f, _, v) =
        SetWorkload.record(&Txn::one(MicroOp::Insert { key: 0, value: 9 }), None, false);
    assert_eq!((f.name(), v), ("add", crate::history::Value::Int(9)));
}

#[test]
fn deletes_draw_by_weight_and_a_zero_weight_changes_nothing() {
    // With delete = 0 the draws are exactly those of a spec without the weight.
    let plain = spec(&Kv, KeyDist::Uniform, 4, [2, 1, 1]);
    let draws = |s: &Workload| {
        let mut g = Gen::new(s);
        let mut rng = Stream::new(7, "d");
        (0..200)
            .map(|_| Kv.next(&mut g, &mut rng, &Seen::new()))
            .collect::<Vec<_>>()
    };
    let mut zero = plain.clone();
    zero.delete = 0;
    assert_eq!(draws(&plain), draws(&zero));
    assert!(!Kv.kinds(&zero).contains(&Kind::Delete));
    let mut with = plain.clone();
    with.delete = 2;
    assert!(Kv.kinds(&with).contains(&Kind::Delete));
    let ops = draws(&with);
    let deletes = ops
        .iter()
        .filter(|t| matches!(t.ops()[0], MicroOp::Delete { .. }))
        .count();
    assert!((40..=120).contains(&deletes), "{deletes} of 200");
    // A delete draws no value: written values stay 1, 2, 3, ...
    let values: Vec<i64> = ops
        .iter()
        .filter_map(|t| match t.ops()[0] {
            MicroOp::Write { value, .. } => Some(value),
            MicroOp::Cas { new, .. } => Some(new),
            _ => None,
        })
        .collect();
    assert_eq!(values, (1..=values.len() as i64).collect::<Vec<_>>());
    let (f, key, v) = Kv.record(&Txn::one(MicroOp::Delete { key: 3 }), None, true);
    assert_eq!(
        (f.name(), key, v),
        ("delete", Some(3), crate::history::Value::Nil)
    );
}

#[test]
fn names_are_unique_and_found() {
    for w in WORKLOADS {
        assert_eq!(workload(w.name()).map(|x| x.name()), Some(w.name()));
    }
    assert!(workload("queue").is_none());
}
