//! Grow-only set histories read as register histories, so that every model of the ladder
//! applies to them unchanged.
//!
//! A grow-only set is a register per element, each written once (when the element is
//! inserted) and never changed: element `e` of set `k` is the register `[k e]`, absent
//! (`nil`, the initial value) until `add e` writes `true` into it. A read of the whole set is
//! one operation reading every element's register at once: those it returned are `true`,
//! those inserted by anyone and not returned are still absent. With each element inserted
//! once per set, each such read names its writer, and the ladder's checkers decide the
//! models exactly. An element read that no operation inserted breaks every model.

use super::exec::{Act, Micro};
use super::lists::Rewritten;
use crate::check::linear::model::fmt_value;
use crate::history::Value;
use std::collections::{BTreeMap, HashMap};

/// The most element reads the rewriting makes (a read of a set becomes one read per element
/// ever inserted into it); beyond it the history is left undecided rather than exhaust memory.
const MAX_ELEMENT_READS: usize = 4_000_000;

/// The register of element `e` of set `k`.
fn register(k: &Value, e: &Value) -> Value {
    Value::List(vec![k.clone(), e.clone()])
}

/// Rewrites each call's set micro-ops (`labels` name the calls) as register micro-ops.
pub(super) fn as_registers(calls: &mut [Vec<Micro>], labels: &[String]) -> Rewritten {
    let mut out = Rewritten::default();
    // Every element inserted into each set, with who inserted it; in first-insert order.
    let mut elements: BTreeMap<String, (Value, Vec<Value>)> = BTreeMap::new();
    let mut inserter: HashMap<(Value, Value), usize> = HashMap::new();
    for (i, micros) in calls.iter().enumerate() {
        for m in micros.iter().filter(|m| m.act == Act::Insert) {
            let Some(e) = &m.value else { continue };
            match inserter.insert((m.key.clone(), e.clone()), i) {
                Some(j) => {
                    if out.undecidable.is_none() {
                        out.undecidable = Some(format!("{} and {} both add {} to set {}: the checkers need each element inserted once per set, so that a read of it names its writer", labels[j], labels[i], fmt_value(e), fmt_value(&m.key)));
                    }
                }
                None => elements
                    .entry(fmt_value(&m.key))
                    .or_insert_with(|| (m.key.clone(), Vec::new()))
                    .1
                    .push(e.clone()),
            }
        }
    }
    let reads: usize = calls
        .iter()
        .flatten()
        .filter(|m| m.act == Act::Read && m.value.is_some())
        .map(|m| {
            elements
                .get(&fmt_value(&m.key))
                .map_or(0, |(_, es)| es.len())
        })
        .sum();
    if reads > MAX_ELEMENT_READS {
        out.undecidable.get_or_insert_with(|| {
            format!("the set reads come to {reads} element reads (each read of a set reads every element ever inserted into it); the ladder decides up to {MAX_ELEMENT_READS}")
        });
        return out;
    }
    for (i, micros) in calls.iter_mut().enumerate() {
        let mut rewritten = Vec::with_capacity(micros.len());
        for m in micros.drain(..) {
            match (m.act, m.value) {
                (Act::Insert, Some(e)) => rewritten.push(Micro {
                    act: Act::Write,
                    key: register(&m.key, &e),
                    value: Some(Value::Bool(true)),
                }),
                (Act::Read, Some(v)) => {
                    let got: &[Value] = match &v {
                        Value::Nil => &[],
                        Value::List(items) => items,
                        other => {
                            out.broken.push(format!(
                                "{} reads set {} as {}, which is not a set",
                                labels[i],
                                fmt_value(&m.key),
                                fmt_value(other)
                            ));
                            continue;
                        }
                    };
                    if let Some(e) = got
                        .iter()
                        .find(|e| !inserter.contains_key(&(m.key.clone(), (*e).clone())))
                    {
                        out.broken.push(format!(
                            "{} reads set {} as {}: no operation added {}",
                            labels[i],
                            fmt_value(&m.key),
                            fmt_value(&v),
                            fmt_value(e)
                        ));
                        continue;
                    }
                    let Some((_, all)) = elements.get(&fmt_value(&m.key)) else {
                        continue;
                    };
                    rewritten.extend(all.iter().map(|e| Micro {
                        act: Act::Read,
                        key: register(&m.key, e),
                        value: Some(if got.contains(e) {
                            Value::Bool(true)
                        } else {
                            Value::Nil
                        }),
                    }));
                }
                (Act::Insert, None) | (Act::Read, None) => {}
                (act, value) => rewritten.push(Micro {
                    act,
                    key: m.key,
                    value,
                }),
            }
        }
        *micros = rewritten;
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::check::ladder::{check, Input, Limits, Model, Shape};
    use crate::check::linear::{Budget, ModelKind, ModelSpec};
    use crate::check::Verdict;
    use crate::history::{read_history, Value};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The ladder's verdict on `model` for a completion-only set history: `(process, op)`.
    fn verdict(ops: &[(u32, &str)], model: Model) -> (Verdict, String) {
        let text: String = ops
            .iter()
            .map(|(p, op)| format!("{{:process {p}, :type :ok, {op}}}\n"))
            .collect();
        let h = read_history(&text, "t.edn").unwrap();
        let input = Input {
            shape: Shape::Set,
            init: Value::Nil,
            linear: Some(ModelSpec {
                kind: ModelKind::Set,
                init: Value::List(Vec::new()),
            }),
            sessions: None,
        };
        let l = check(&h, &input, &[model], Limits::default(), &Budget::default()).unwrap();
        let r = l.rung(model).unwrap();
        (r.verdict, format!("{} {}", r.reason, r.witness.join(" / ")))
    }

    #[test]
    fn a_read_sees_each_element_it_returns_and_not_the_others() {
        let h = [
            (0, ":f :add, :value 1"),
            (1, ":f :add, :value 2"),
            (2, ":f :read, :value #{1}"),
            (2, ":f :read, :value #{1 2}"),
        ];
        assert_eq!(verdict(&h, Model::Sequential).0, Verdict::Pass);
        // Losing 1 after seeing it breaks monotonic reads.
        let h = [
            (0, ":f :add, :value 1"),
            (1, ":f :add, :value 2"),
            (2, ":f :read, :value #{1}"),
            (2, ":f :read, :value #{2}"),
        ];
        let (v, why) = verdict(&h, Model::MonotonicReads);
        assert_eq!(v, Verdict::Fail, "{why}");
        assert!(why.contains("[:set 1]"), "{why}");
        assert_eq!(verdict(&h, Model::ReadYourWrites).0, Verdict::Pass);
    }

    #[test]
    fn a_session_that_misses_its_own_insert_breaks_read_your_writes() {
        let h = [(0, ":f :add, :value 1"), (0, ":f :read, :value #{}")];
        assert_eq!(verdict(&h, Model::ReadYourWrites).0, Verdict::Fail);
        assert_eq!(verdict(&h, Model::MonotonicReads).0, Verdict::Pass);
    }

    #[test]
    fn two_readers_seeing_two_inserts_in_opposite_orders_are_causal_not_sequential() {
        let h = [
            (0, ":f :add, :value 1"),
            (1, ":f :add, :value 2"),
            (2, ":f :read, :value #{1}"),
            (2, ":f :read, :value #{1 2}"),
            (3, ":f :read, :value #{2}"),
            (3, ":f :read, :value #{1 2}"),
        ];
        assert_eq!(verdict(&h, Model::Causal).0, Verdict::Pass);
        assert_eq!(verdict(&h, Model::Sequential).0, Verdict::Fail);
    }

    /// A random set history: `(session, Some(element))` adds, `(session, None)` reads of a
    /// random subset (as a bit mask) of the elements added anywhere.
    fn random_history(rng: &mut ChaCha8Rng) -> Vec<(u32, Result<u32, u32>)> {
        let n = rng.random_range(2..=7);
        let sessions = rng.random_range(1..=3);
        let mut next = 0;
        (0..n)
            .map(|_| {
                let s = rng.random_range(0..sessions);
                if rng.random_bool(0.45) {
                    next += 1;
                    (s, Ok(next))
                } else {
                    (s, Err(rng.random_range(0..16u32)))
                }
            })
            .collect()
    }

    /// The elements a read's mask selects among those added.
    fn seen(h: &[(u32, Result<u32, u32>)], mask: u32) -> Vec<u32> {
        let added: Vec<u32> = h.iter().filter_map(|(_, o)| o.ok()).collect();
        added
            .iter()
            .enumerate()
            .filter(|(i, _)| mask >> (i % 4) & 1 == 1 && *i < 4)
            .map(|(_, &e)| e)
            .collect()
    }

    /// The set-level definitions, straight: sequential by every order; the session
    /// guarantees by what each read must contain (a grow-only set's adds commute, so only
    /// visibility matters).
    fn reference(h: &[(u32, Result<u32, u32>)], model: Model) -> bool {
        let reads: Vec<(usize, Vec<u32>)> = h
            .iter()
            .enumerate()
            .filter_map(|(i, (_, o))| o.err().map(|m| (i, seen(h, m))))
            .collect();
        let read_of = |i: usize| reads.iter().find(|(j, _)| *j == i).map(|(_, r)| r.clone());
        let adder = |e: u32| h.iter().position(|(_, o)| *o == Ok(e)).unwrap();
        let earlier = |i: usize| (0..i).filter(move |&j| h[j].0 == h[i].0);
        // A session reading an element it adds only later breaks every model.
        if reads
            .iter()
            .any(|(i, r)| r.iter().any(|&e| adder(e) > *i && h[adder(e)].0 == h[*i].0))
        {
            return false;
        }
        match model {
            Model::Sequential => {
                let ids: Vec<u32> = (0..h.len() as u32).collect();
                let before = |a: u32, b: u32| a < b && h[a as usize].0 == h[b as usize].0;
                super::super::reference::orders(&ids, &before, &mut |order| {
                    let mut have: Vec<u32> = Vec::new();
                    order.iter().all(|&o| match h[o as usize].1 {
                        Ok(e) => {
                            have.push(e);
                            true
                        }
                        Err(_) => {
                            let mut want = read_of(o as usize).unwrap();
                            let mut got = have.clone();
                            want.sort_unstable();
                            got.sort_unstable();
                            want == got
                        }
                    })
                })
            }
            Model::ReadYourWrites => reads
                .iter()
                .all(|(i, r)| earlier(*i).all(|j| h[j].1.map_or(true, |e| r.contains(&e)))),
            Model::MonotonicReads => reads.iter().all(|(i, r)| {
                earlier(*i).all(|j| read_of(j).map_or(true, |p| p.iter().all(|e| r.contains(e))))
            }),
            Model::MonotonicWrites => reads.iter().all(|(_, r)| {
                r.iter()
                    .all(|&e| earlier(adder(e)).all(|j| h[j].1.map_or(true, |x| r.contains(&x))))
            }),
            Model::WritesFollowReads => reads.iter().all(|(_, r)| {
                r.iter().all(|&e| {
                    earlier(adder(e))
                        .all(|j| read_of(j).map_or(true, |p| p.iter().all(|x| r.contains(x))))
                })
            }),
            _ => unreachable!(),
        }
    }

    #[test]
    fn sets_agree_with_their_set_level_definitions() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for case in 0..10_000 {
            let h = random_history(&mut rng);
            let ops: Vec<(u32, String)> = h
                .iter()
                .map(|&(s, o)| match o {
                    Ok(e) => (s, format!(":f :add, :value {e}")),
                    Err(m) => {
                        let items: Vec<String> =
                            seen(&h, m).iter().map(|e| e.to_string()).collect();
                        (s, format!(":f :read, :value #{{{}}}", items.join(" ")))
                    }
                })
                .collect();
            let ops: Vec<(u32, &str)> = ops.iter().map(|(s, o)| (*s, o.as_str())).collect();
            for model in [
                Model::Sequential,
                Model::ReadYourWrites,
                Model::MonotonicReads,
                Model::MonotonicWrites,
                Model::WritesFollowReads,
            ] {
                let (got, why) = verdict(&ops, model);
                let want = if reference(&h, model) {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                };
                assert_eq!(got, want, "case {case}: {} on {ops:?}: {why}", model.name());
            }
        }
    }

    #[test]
    fn elements_no_one_added_break_every_model_and_repeats_are_undecidable() {
        let h = [(0, ":f :add, :value 1"), (1, ":f :read, :value #{1 7}")];
        let (v, why) = verdict(&h, Model::MonotonicWrites);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("no operation added 7"), "{why}");
        let h = [
            (0, ":f :add, :value 1"),
            (1, ":f :add, :value 1"),
            (2, ":f :read, :value #{1}"),
        ];
        let (v, why) = verdict(&h, Model::Causal);
        assert_eq!(v, Verdict::Unknown);
        assert!(why.contains("both add 1"), "{why}");
    }
}
