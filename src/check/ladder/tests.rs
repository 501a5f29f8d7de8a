//! The ladder's checkers against the brute-force references on random small histories, and
//! the hierarchy of models on every one of them.

use super::exec::{Exec, LOp, Read, INIT};
use super::sessions::Guarantee;
use super::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random history of up to `max_ops` operations over 1–3 sessions and 1–2 keys: writes,
/// reads, and now and then an operation that reads two keys, writes two, or reads and writes. Reads take
/// their value from any write of the key (or the initial value) except their own session's
/// later ones.
fn random_exec(rng: &mut ChaCha8Rng, max_ops: usize) -> Exec {
    let sessions = rng.random_range(1..=3usize);
    let keys = rng.random_range(1..=2u32);
    let n = rng.random_range(2..=max_ops);
    let mut exec = Exec {
        keys: (0..keys).map(|k| Value::Int(k.into())).collect(),
        ..Exec::default()
    };
    exec.sessions = vec![Vec::new(); sessions];
    let mut shapes = Vec::new();
    for id in 0..n {
        let s = rng.random_range(0..sessions);
        let pos = exec.sessions[s].len() as u32;
        exec.sessions[s].push(id as u32);
        let roll = rng.random_range(0..12);
        let k1 = rng.random_range(0..keys);
        let k2 = (k1 + 1) % keys;
        let (reads, writes): (Vec<u32>, Vec<u32>) = match roll {
            0..=3 => (vec![], vec![k1]),
            4..=7 => (vec![k1], vec![]),
            8 if keys > 1 => (vec![k1, k2], vec![]),
            // A transaction writing both keys, and one reading a key and writing both.
            9 if keys > 1 => (vec![], vec![k1, k2]),
            10 if keys > 1 => (vec![k1], vec![k1, k2]),
            _ => (vec![k1], vec![if rng.random_bool(0.5) { k1 } else { k2 }]),
        };
        shapes.push(reads.clone());
        exec.ops.push(LOp {
            session: s as u32,
            pos,
            reads: Vec::new(),
            writes,
            label: format!("o{id}"),
            entry: id as u64,
        });
    }
    for (id, keys_read) in shapes.iter().enumerate() {
        let me = exec.ops[id].clone();
        for &k in keys_read {
            let candidates: Vec<u32> = (0..n as u32)
                .filter(|&w| {
                    let o = &exec.ops[w as usize];
                    w as usize != id
                        && o.writes_key(k)
                        && !(o.session == me.session && o.pos > me.pos)
                })
                .collect();
            let src = if candidates.is_empty() || rng.random_bool(0.2) {
                INIT
            } else {
                candidates[rng.random_range(0..candidates.len())]
            };
            exec.ops[id].reads.push(Read { key: k, src });
        }
    }
    exec
}

fn decide(exec: &Exec, m: Model) -> Verdict {
    Prepared::new(exec, Limits::default()).decide(m).verdict
}

fn reference(exec: &Exec, m: Model) -> bool {
    use super::reference::*;
    let rules = |own_writes, earlier_reads, writer_prefix, writer_reads| Rules {
        own_writes,
        earlier_reads,
        writer_prefix,
        writer_reads,
    };
    match m {
        Model::Sequential => sequential(exec),
        Model::ConsistentPrefix => consistent_prefix(exec),
        Model::CausalCc => causal_cc(exec),
        Model::Causal => causal_memory(exec),
        Model::CausalCcv => causal_convergence(exec),
        Model::ReadYourWrites => session(exec, rules(true, false, false, false)),
        Model::MonotonicReads => session(exec, rules(false, true, false, false)),
        Model::MonotonicWrites => session(exec, rules(false, false, true, false)),
        Model::WritesFollowReads => session(exec, rules(false, false, false, true)),
        Model::Pram => session(exec, rules(true, true, true, false)),
        Model::Linearizable => unreachable!("not checked here"),
    }
}

fn describe(exec: &Exec) -> String {
    let mut out = String::new();
    for (s, ops) in exec.sessions.iter().enumerate() {
        out += &format!("session {s}:");
        for &o in ops {
            let op = &exec.ops[o as usize];
            out += &format!(" [o{o}");
            for r in &op.reads {
                let src = if r.src == INIT {
                    "init".to_string()
                } else {
                    format!("o{}", r.src)
                };
                out += &format!(" r{}<-{src}", r.key);
            }
            for w in &op.writes {
                out += &format!(" w{w}");
            }
            out += "]";
        }
        out += "\n";
    }
    out
}

/// Every model's checker agrees with its brute-force reference on 10,000 random histories.
#[test]
fn every_checker_agrees_with_its_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let models: Vec<Model> = Model::ALL
        .into_iter()
        .filter(|&m| m != Model::Linearizable)
        .collect();
    let mut breaks = vec![0usize; models.len()];
    for case in 0..10_000 {
        let exec = random_exec(&mut rng, 7);
        for (i, &m) in models.iter().enumerate() {
            let expected = reference(&exec, m);
            let got = decide(&exec, m);
            assert_eq!(
                got == Verdict::Pass,
                expected,
                "case {case}: {} says {got:?}, the reference {expected}\n{}",
                m.name(),
                describe(&exec)
            );
            breaks[i] += usize::from(!expected);
        }
    }
    // The random histories exercise both verdicts of every model.
    for (m, b) in models.iter().zip(&breaks) {
        println!("{}: {b} breaks", m.name());
        assert!(
            *b > 50 && *b < 9_950,
            "{} broke on {b} of 10,000 histories",
            m.name()
        );
    }
}

/// Lipton and Sandberg's PRAM, by serializations of all writes and each session's operations,
/// is at least as strong as PRAM taken as the three guarantees together: a history PRAM by
/// serializations is `pram` here (the converse fails when a session's read did not see a write
/// that its own later write must follow).
#[test]
fn pram_by_serialization_implies_pram() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let mut stricter = 0;
    for case in 0..10_000 {
        let exec = random_exec(&mut rng, 7);
        let serial = super::reference::pram_serialization(&exec);
        let ours = decide(&exec, Model::Pram) == Verdict::Pass;
        assert!(
            !serial || ours,
            "case {case}: PRAM by serialization, not pram\n{}",
            describe(&exec)
        );
        stricter += usize::from(ours && !serial);
    }
    assert!(stricter > 0, "the two never differed");
}

/// On every random history, a model that holds makes every model it implies hold.
#[test]
fn verdicts_respect_the_hierarchy() {
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for case in 0..10_000 {
        let exec = random_exec(&mut rng, 8);
        for &(strong, weak) in IMPLIES.iter().filter(|(s, _)| *s != Model::Linearizable) {
            if decide(&exec, strong) == Verdict::Pass {
                assert_eq!(
                    decide(&exec, weak),
                    Verdict::Pass,
                    "case {case}: {} holds but {} does not\n{}",
                    strong.name(),
                    weak.name(),
                    describe(&exec)
                );
            }
        }
    }
}

#[test]
fn guarantee_names_match_models() {
    assert!(implies(Model::Linearizable, Model::MonotonicReads));
    assert!(!implies(Model::MonotonicReads, Model::Pram));
    assert_eq!(
        parse_models(&["all".into()]).unwrap().len(),
        Model::ALL.len()
    );
    assert!(parse_models(&["causl".into()])
        .unwrap_err()
        .contains("unknown consistency model `causl`"));
    let _ = Guarantee::Pram;
}
