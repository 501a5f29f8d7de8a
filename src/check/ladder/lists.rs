//! List-append histories read as register histories, so that every model of the ladder
//! applies to them unchanged.
//!
//! A replica appends by reading its list and writing the list with one more element: an
//! append is a read-modify-write of a register that holds the whole list. With each element
//! appended once per key (Elle's list-append), a list is named by its last element: a read of
//! `[1 2 3]` names the append of `3` as the write it saw, and that append must itself have
//! read `[1 2]`, the list named by `2`. So each `[:append k e]` becomes `[:r k p] [:w k e]`,
//! where `p` is the element before `e` in any read that shows `e` (`nil`, the initial value,
//! when `e` comes first), and each `[:r k [.. e]]` a read of `e` (of `nil` when empty). An
//! append no read shows wrote a list no one saw, after reading something no one can tell: it
//! becomes a blind write, which constrains the others exactly as the unknown
//! read-modify-write does.
//!
//! This reading fits stores that append to what the replica holds — the strict list-append of
//! a serializable database, and the last-write-wins list of an eventually consistent one
//! (where `[0 1]` and `[0 2]` may both be read: two appends that read `[0]`). What no order
//! can explain is broken for every model: two reads that disagree on what came before an
//! element, an element no operation appended, an element read twice in one list. Checking a
//! read against the earlier ones costs time in proportion to its new elements plus one
//! comparison of lists, not to the square of its length.

use super::exec::{Act, Micro};
use crate::check::linear::model::fmt_value;
use crate::history::Value;
use std::collections::HashMap;

/// The rewritten history's verdicts that need no order.
#[derive(Debug, Default)]
pub(crate) struct Rewritten {
    /// Reads no order can explain, in words.
    pub broken: Vec<String>,
    /// Why the history cannot be decided (an element appended twice to one key).
    pub undecidable: Option<String>,
}

/// Where an element was first seen: the call, its micro-op, and the element's position in
/// the list it read.
type Sighting = (usize, usize, usize);

/// Rewrites each call's list micro-ops (`labels` name the calls) as register micro-ops. A
/// list is named by its last element (unique per key), so the registers hold elements, not
/// whole lists: `[:append k e]` becomes `[:r k p] [:w k e]`, `p` the element before `e`, and
/// `[:r k [.. e]]` a read of `e`.
pub(super) fn as_registers(calls: &mut [Vec<Micro>], labels: &[String]) -> Rewritten {
    let mut out = Rewritten::default();
    // Who appended each element to each key.
    let mut appender: HashMap<(Value, Value), usize> = HashMap::new();
    for (i, micros) in calls.iter().enumerate() {
        for m in micros.iter().filter(|m| m.act == Act::Append) {
            let Some(e) = &m.value else { continue };
            if let Some(j) = appender.insert((m.key.clone(), e.clone()), i) {
                if out.undecidable.is_none() {
                    out.undecidable = Some(format!("{} and {} both append {} to key {}: the checkers need each appended element to be unique per key, so that a list names the appends it saw", labels[j], labels[i], fmt_value(e), fmt_value(&m.key)));
                }
            }
        }
    }
    // The first read that shows each element says what came before it. A later read agrees
    // when, up to the last element it shares with earlier reads, it is that element's first
    // sighting's list, and every element after it is new. A read that contradicts an earlier
    // one, or shows what no one appended, is broken and left unread.
    let mut first: HashMap<(Value, Value), Sighting> = HashMap::new();
    let mut pred: HashMap<(Value, Value), Option<Value>> = HashMap::new();
    let mut unreadable: Vec<(usize, usize)> = Vec::new();
    for i in 0..calls.len() {
        for j in 0..calls[i].len() {
            let m = &calls[i][j];
            let (Act::Read, Some(v)) = (m.act, &m.value) else {
                continue;
            };
            let sighting = |e: &Value| first.get(&(m.key.clone(), e.clone())).copied();
            let (list, why) = match elements(v) {
                Ok(list) => (
                    list,
                    contradiction(&m.key, list, &appender, sighting, calls),
                ),
                Err(()) => (&[][..], Some("that is not a list".to_string())),
            };
            if let Some(why) = why {
                out.broken.push(format!(
                    "{} reads key {} as {}: {why}",
                    labels[i],
                    fmt_value(&m.key),
                    fmt_value(v)
                ));
                unreadable.push((i, j));
                continue;
            }
            for (n, e) in list.iter().enumerate().rev() {
                let slot = (m.key.clone(), e.clone());
                if first.contains_key(&slot) {
                    break; // it and all before it were seen, and agree
                }
                first.insert(slot.clone(), (i, j, n));
                pred.insert(slot, n.checked_sub(1).map(|p| list[p].clone()));
            }
        }
    }
    for (i, j) in unreadable {
        calls[i][j].value = None;
    }
    for micros in calls.iter_mut() {
        let mut rewritten = Vec::with_capacity(micros.len() + 1);
        for m in micros.drain(..) {
            match (m.act, m.value) {
                (Act::Append, Some(e)) => {
                    // What the append read: the element before it, if a read showed it.
                    if let Some(p) = pred.get(&(m.key.clone(), e.clone())) {
                        rewritten.push(Micro {
                            act: Act::Read,
                            key: m.key.clone(),
                            value: Some(p.clone().unwrap_or(Value::Nil)),
                        });
                    }
                    rewritten.push(Micro {
                        act: Act::Write,
                        key: m.key,
                        value: Some(e),
                    });
                }
                (Act::Read, Some(v)) => {
                    let last = elements(&v).ok().and_then(|l| l.last().cloned());
                    rewritten.push(Micro {
                        act: Act::Read,
                        key: m.key,
                        value: Some(last.unwrap_or(Value::Nil)),
                    });
                }
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

/// A list read's elements (`nil` is the empty list).
fn elements(v: &Value) -> Result<&[Value], ()> {
    match v {
        Value::Nil => Ok(&[]),
        Value::List(items) => Ok(items),
        _ => Err(()),
    }
}

/// Why a read of `list` at `key` cannot be explained, if it cannot; `sighting` says where an
/// element was first seen (in `calls`).
fn contradiction(
    key: &Value,
    list: &[Value],
    appender: &HashMap<(Value, Value), usize>,
    sighting: impl Fn(&Value) -> Option<Sighting>,
    calls: &[Vec<Micro>],
) -> Option<String> {
    // The elements not seen before, from the end; then the last one seen before.
    let mut new = std::collections::HashSet::new();
    let mut shared = None;
    for (n, e) in list.iter().enumerate().rev() {
        match sighting(e) {
            Some(s) => {
                shared = Some((n, s));
                break;
            }
            None => {
                if !appender.contains_key(&(key.clone(), e.clone())) {
                    return Some(format!("no operation appended {}", fmt_value(e)));
                }
                if !new.insert(e) {
                    return Some(format!("{} appears twice", fmt_value(e)));
                }
            }
        }
    }
    let (n, (i, j, at)) = shared?;
    let earlier = calls[i][j]
        .value
        .as_ref()
        .and_then(|v| elements(v).ok())
        .unwrap_or(&[]);
    if at != n || earlier[..=at] != list[..=n] {
        return Some(format!(
            "another read shows {} ending {}, and one append makes one list",
            fmt_value(&Value::List(earlier[..=at].to_vec())),
            fmt_value(&list[n])
        ));
    }
    // The new elements after it cannot repeat one before it: those all have sightings.
    None
}

#[cfg(test)]
mod tests {
    use crate::check::ladder::{check, Input, Limits, Model};
    use crate::check::linear::Budget;
    use crate::check::Verdict;
    use crate::history::read_history;

    /// The ladder's verdict on `model` for a completion-only list-append history.
    fn verdict(lines: &[&str], model: Model) -> (Verdict, String) {
        let text: String = lines
            .iter()
            .enumerate()
            .map(|(i, l)| format!("{{:process {i}, :type :ok, :f :txn, :value {l}}}\n"))
            .collect();
        let h = read_history(&text, "t.edn").unwrap();
        let l = check(
            &h,
            &Input::list_append(),
            &[model],
            Limits::default(),
            &Budget::default(),
        )
        .unwrap();
        let r = l.rung(model).unwrap();
        (r.verdict, format!("{} {}", r.reason, r.witness.join(" / ")))
    }

    #[test]
    fn an_append_reads_the_list_before_its_element() {
        // p2 sees [0 1]: the append of 1 read [0], so it saw the append of 0.
        let h = ["[[:append :x 0]]", "[[:append :x 1]]", "[[:r :x [0 1]]]"];
        assert_eq!(verdict(&h, Model::Sequential).0, Verdict::Pass);
        // A session that reads [1] after [0 1] reads an older list: the append of 1 that
        // read nothing is another write than the one that read [0] — impossible.
        let h = [
            "[[:append :x 0]]",
            "[[:append :x 1]]",
            "[[:r :x [0 1]] [:r :x [1]]]",
        ];
        let (v, why) = verdict(&h, Model::ReadYourWrites);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("another read shows [0 1] ending 1"), "{why}");
    }

    #[test]
    fn lists_no_append_explains_break_every_model() {
        let (v, why) = verdict(
            &["[[:append :x 0]]", "[[:r :x [0 9]]]"],
            Model::MonotonicReads,
        );
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("no operation appended 9"), "{why}");
        let (v, why) = verdict(
            &["[[:append :x 0]]", "[[:r :x [0 0]]]"],
            Model::MonotonicReads,
        );
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("appears twice"), "{why}");
        let (v, why) = verdict(&["[[:append :x 0]]", "[[:r :x 5]]"], Model::MonotonicReads);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("not a list"), "{why}");
    }

    #[test]
    fn an_unread_append_is_a_blind_write() {
        // Nobody saw the append of 1: it constrains nothing, and the history is sequential.
        let h = ["[[:append :x 0]]", "[[:append :x 1]]", "[[:r :x [0]]]"];
        assert_eq!(verdict(&h, Model::Sequential).0, Verdict::Pass);
        // Within one transaction, an unread append and then a read of the list without it.
        let h = ["[[:append :x 0]]", "[[:append :x 1] [:r :x [0]]]"];
        let (v, why) = verdict(&h, Model::Causal);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("after writing"), "{why}");
    }

    #[test]
    fn two_appends_that_read_the_same_list_are_causal_not_sequential() {
        let h = [
            "[[:append :x 0]]",
            "[[:r :x [0]] [:append :x 1] [:r :x [0 1]]]",
            "[[:append :x 2] [:r :x [0 2]]]",
        ];
        assert_eq!(verdict(&h, Model::Causal).0, Verdict::Pass);
        assert_eq!(verdict(&h, Model::Sequential).0, Verdict::Fail);
    }

    #[test]
    fn an_element_appended_twice_is_undecidable() {
        let h = ["[[:append :x 0]]", "[[:append :x 0]]", "[[:r :x [0]]]"];
        let (v, why) = verdict(&h, Model::Causal);
        assert_eq!(v, Verdict::Unknown);
        assert!(why.contains("both append 0"), "{why}");
    }
}
