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
    assert_eq!(
        crate::check::linear::model::fmt_value(&v),
        "[[:append 1 5] [:r 1 nil]]"
    );
    let done = Results(vec![None, Some(crate::ops::Datum::List(vec![3, 5]))]);
    let (_, _, v) = ListAppend.record(&t, Some(&done), false);
    assert_eq!(
        crate::check::linear::model::fmt_value(&v),
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
        (f.name(), key, crate::check::linear::model::fmt_value(&v)),
        ("cas", Some(2), "[1 3]".to_string())
    );
    let (f, _, v) =
        SetWorkload.record(&Txn::one(MicroOp::Insert { key: 0, value: 9 }), None, false);
    assert_eq!((f.name(), v), ("add", crate::history::Value::Int(9)));
}

#[test]
fn names_are_unique_and_found() {
    for w in WORKLOADS {
        assert_eq!(workload(w.name()).map(|x| x.name()), Some(w.name()));
    }
    assert!(workload("queue").is_none());
}
