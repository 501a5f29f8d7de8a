//! Counter histories on the ladder (Jepsen's counter test: `add 1`, `read` the count, per key
//! or on one counter).
//!
//! Adds commute, so a read is explained by *which* adds it saw (its visible set), never by
//! their order, and with every add `+1` only *how many* of a kind matters. That makes several
//! models exact in closed form, at any size:
//!
//! - every model: a read sees between none and all of the adds that could have taken effect
//!   before it (every add of the key but its own session's later ones; `info` adds count);
//! - `read-your-writes`: at least its session's earlier adds of the key;
//! - `monotonic-reads`: a session's reads of a key never go down (each later visible set
//!   contains the earlier one and fits among the adds available to it);
//! - `monotonic-writes`, `consistent-prefix`: nothing more than the bounds (any count is a
//!   union of sessions' prefixes, and a prefix of one order of the adds);
//! - `pram` on a history of one counter: beyond its own earlier adds, what a session's reads
//!   see of the others never goes down and fits among them.
//! - `sequential`: a search over the sessions' interleavings (the count is a function of how
//!   far each session has run), with a budget and an honest `unknown`.
//!
//! The others (`writes-follow-reads`, the causal variants, `pram` when not settled above) are not
//! decided directly: the hierarchy decides them when it can (a sequential history is causal;
//! a history breaking monotonic reads is not), and they are `unknown` otherwise. Adds other
//! than `+1` leave every model below linearizability `unknown`.

use super::exec::session_key;
use super::{plain_rung, Limits, Model, Rung};
use crate::check::linear::model::fmt_value;
use crate::check::linear::prepare::{keyed_adds, split};
use crate::check::linear::InputError;
use crate::check::Verdict;
use crate::history::{History, Value};
use std::collections::{HashMap, HashSet};

/// One operation that took effect (or may have: an `info` add).
#[derive(Clone, Debug)]
struct Op {
    session: u32,
    key: u32,
    /// An add (of 1); otherwise a read.
    add: bool,
    /// What a read returned.
    read: i64,
    label: String,
}

/// A counter history, ready for the checks.
#[derive(Debug, Default)]
pub(super) struct Counters {
    ops: Vec<Op>,
    /// Each session's operations, in order.
    sessions: Vec<Vec<u32>>,
    keys: Vec<Value>,
    /// Each key's initial count.
    init: Vec<i64>,
    /// Whether each session may be left unrun (an `info` add's own session).
    optional: Vec<bool>,
    /// Why the models cannot be decided, if they cannot.
    undecidable: Option<String>,
}

/// Reads a counter history; `init` is the initial count (an integer, `nil` for 0, or a map
/// from key to count).
pub(super) fn prepare(
    history: &History,
    init: &Value,
    sessions: Option<&[u32]>,
) -> Result<Counters, InputError> {
    let split = split(history, keyed_adds(history))?;
    let calls = split.calls_in_order();
    let mut out = Counters::default();
    let mut key_ids: HashMap<Option<&Value>, u32> = HashMap::new();
    let mut session_ids: HashMap<(u8, u64), u32> = HashMap::new();
    for (i, (key, c)) in calls.iter().enumerate() {
        let entry = c.entry;
        let bad = |message: String| InputError::Entry { entry, message };
        let add = match c.f.name() {
            "add" => true,
            "read" => false,
            other => {
                return Err(bad(format!(
                    "{other} is not an operation of a counter; expected add or read"
                )))
            }
        };
        let value = match (&c.value, add, c.known) {
            (Value::Int(v), _, _) => Some(*v),
            (_, false, false) => None,
            (other, _, _) => {
                return Err(bad(format!(
                    "{} {}: expected an integer",
                    c.f.name(),
                    fmt_value(other)
                )))
            }
        };
        let who = match c.process {
            crate::history::Process::Client(p) => format!("p{p}"),
            crate::history::Process::Nemesis => "nemesis".into(),
        };
        let shown_key = key
            .map(|k| format!(" {}", fmt_value(k)))
            .unwrap_or_default();
        let label = match value {
            Some(v) => format!("{who} {}{shown_key} {v}", c.f.name()),
            None => format!("{who} {}{shown_key} ?", c.f.name()),
        };
        if add && value != Some(1) && out.undecidable.is_none() {
            out.undecidable = Some(format!("{label}: the ladder decides counters whose every add is 1 (then a read says how many adds it saw)"));
        }
        // An info read saw nothing; an info add may have happened, at an unknown time.
        let Some(value) = value.filter(|_| c.known || add) else {
            continue;
        };
        let next_key = key_ids.len() as u32;
        let k = *key_ids.entry(*key).or_insert_with(|| {
            out.keys
                .push(key.cloned().unwrap_or(Value::Keyword("counter".into())));
            next_key
        });
        let skey = if c.known {
            session_key(c.process, sessions)
        } else {
            (2, i as u64)
        };
        let next_session = session_ids.len() as u32;
        let s = *session_ids.entry(skey).or_insert_with(|| {
            out.sessions.push(Vec::new());
            out.optional.push(!c.known);
            next_session
        });
        out.sessions[s as usize].push(out.ops.len() as u32);
        out.ops.push(Op {
            session: s,
            key: k,
            add,
            read: if add { 0 } else { value },
            label,
        });
    }
    for k in &out.keys {
        let start = match init {
            Value::Map(entries) => entries
                .iter()
                .find(|(name, _)| name == k)
                .map_or(Value::Nil, |(_, v)| v.clone()),
            v => v.clone(),
        };
        out.init.push(match start {
            Value::Nil => 0,
            Value::Int(n) => n,
            other => {
                return Err(InputError::Init(format!(
                    "{}: expected an integer count",
                    fmt_value(&other)
                )))
            }
        });
    }
    Ok(out)
}

/// One read's place: its position in its session, and what was available to it.
struct ReadFacts {
    op: u32,
    /// Adds of its key its session made before it.
    own_before: i64,
    /// Adds of its key by other sessions (that may have taken effect).
    others: i64,
}

impl Counters {
    /// Every read, in session order, with what bounds it.
    fn reads(&self) -> Vec<ReadFacts> {
        let mut total: HashMap<(u32, u32), i64> = HashMap::new();
        for o in self.ops.iter().filter(|o| o.add) {
            *total.entry((o.session, o.key)).or_default() += 1;
        }
        let per_key = |k: u32| -> i64 {
            total
                .iter()
                .filter(|((_, key), _)| *key == k)
                .map(|(_, n)| n)
                .sum()
        };
        let key_totals: Vec<i64> = (0..self.keys.len() as u32).map(per_key).collect();
        let mut out = Vec::new();
        for session in &self.sessions {
            let mut own: HashMap<u32, i64> = HashMap::new();
            for &id in session {
                let o = &self.ops[id as usize];
                if o.add {
                    *own.entry(o.key).or_default() += 1;
                    continue;
                }
                let mine = total.get(&(o.session, o.key)).copied().unwrap_or(0);
                out.push(ReadFacts {
                    op: id,
                    own_before: own.get(&o.key).copied().unwrap_or(0),
                    others: key_totals[o.key as usize] - mine,
                });
            }
        }
        out
    }

    fn name(&self, key: u32) -> String {
        fmt_value(&self.keys[key as usize])
    }

    /// A read no model explains: below the initial count, or above all it could have seen.
    fn impossible(&self, reads: &[ReadFacts]) -> Option<Vec<String>> {
        reads.iter().find_map(|r| {
            let o = &self.ops[r.op as usize];
            let init = self.init[o.key as usize];
            let most = init + r.own_before + r.others;
            if o.read < init {
                Some(vec![format!(
                    "{}: below key {}'s initial count {init}, and every add is 1",
                    o.label,
                    self.name(o.key)
                )])
            } else if o.read > most {
                Some(vec![format!(
                    "{}, but at most {} adds to key {} can have taken effect before it (from {init}: {} of its session's, {} of others')",
                    o.label, r.own_before + r.others, self.name(o.key), r.own_before, r.others
                )])
            } else {
                None
            }
        })
    }

    fn read_your_writes(&self, reads: &[ReadFacts]) -> Option<Vec<String>> {
        reads.iter().find_map(|r| {
            let o = &self.ops[r.op as usize];
            let least = self.init[o.key as usize] + r.own_before;
            (o.read < least).then(|| {
                vec![format!(
                    "{}, but its session had added to key {} {} times before (from {}): it must see at least {least}",
                    o.label, self.name(o.key), r.own_before, self.init[o.key as usize]
                )]
            })
        })
    }

    fn monotonic_reads(&self, reads: &[ReadFacts]) -> Option<Vec<String>> {
        let mut last: HashMap<(u32, u32), u32> = HashMap::new();
        for r in reads {
            let o = &self.ops[r.op as usize];
            if let Some(&prev) = last.get(&(o.session, o.key)) {
                let p = &self.ops[prev as usize];
                if o.read < p.read {
                    return Some(vec![
                        format!("{},", p.label),
                        format!(
                            "then {}: a later read of key {} saw fewer adds",
                            o.label,
                            self.name(o.key)
                        ),
                    ]);
                }
            }
            last.insert((o.session, o.key), r.op);
        }
        None
    }

    /// Whether every session adds to one key at most: then what a session sees of one key
    /// never brings in another key's adds (monotonic writes pulls in only the same key's),
    /// and PRAM is decided key by key.
    fn one_key_per_adder(&self) -> bool {
        self.sessions.iter().all(|ops| {
            let mut keys = ops
                .iter()
                .map(|&id| &self.ops[id as usize])
                .filter(|o| o.add)
                .map(|o| o.key);
            keys.next().map_or(true, |first| keys.all(|k| k == first))
        })
    }

    /// PRAM key by key: what each session's reads of a key see of the others' adds to it
    /// never goes down. Necessary always; sufficient when [`Self::one_key_per_adder`].
    fn pram_per_key(&self, reads: &[ReadFacts]) -> Option<Vec<String>> {
        if let Some(w) = self.read_your_writes(reads) {
            return Some(w);
        }
        let mut last: HashMap<(u32, u32), (u32, i64)> = HashMap::new();
        for r in reads {
            let o = &self.ops[r.op as usize];
            let of_others = o.read - self.init[o.key as usize] - r.own_before;
            if let Some(&(prev, was)) = last.get(&(o.session, o.key)) {
                if of_others < was {
                    let p = &self.ops[prev as usize];
                    return Some(vec![
                        format!("{}: it sees {was} of the other sessions' adds,", p.label),
                        format!("then {}: with its session's own adds counted, it sees only {of_others} of theirs", o.label),
                    ]);
                }
            }
            last.insert((o.session, o.key), (r.op, of_others));
        }
        None
    }

    /// Sequential consistency by search: `Ok(true)` when an order exists, `Ok(false)` when
    /// none does, `Err` when the budget ran out.
    fn sequential(&self, max_states: u64) -> Result<bool, u64> {
        let n = self.sessions.len();
        let mut pos = vec![0u32; n];
        let mut count: Vec<i64> = self.init.clone();
        let mut seen: HashSet<Vec<u32>> = HashSet::new();
        let mut states = 0u64;
        self.search(&mut pos, &mut count, &mut seen, &mut states, max_states)
    }

    fn search(
        &self,
        pos: &mut Vec<u32>,
        count: &mut Vec<i64>,
        seen: &mut HashSet<Vec<u32>>,
        states: &mut u64,
        max_states: u64,
    ) -> Result<bool, u64> {
        // Reads that match now run now: a read changes nothing.
        let mut ran: Vec<usize> = Vec::new();
        loop {
            let mut progressed = false;
            for (s, ops) in self.sessions.iter().enumerate() {
                while let Some(&id) = ops.get(pos[s] as usize) {
                    let o = &self.ops[id as usize];
                    if o.add || o.read != count[o.key as usize] {
                        break;
                    }
                    pos[s] += 1;
                    ran.push(s);
                    progressed = true;
                }
            }
            if !progressed {
                break;
            }
        }
        let undo = |pos: &mut Vec<u32>, ran: &[usize]| {
            for &s in ran {
                pos[s] -= 1;
            }
        };
        // Done when every session has run, but for `info` adds that need not have happened.
        let done = self
            .sessions
            .iter()
            .enumerate()
            .all(|(s, ops)| pos[s] as usize == ops.len() || self.optional[s]);
        if done {
            undo(pos, &ran);
            return Ok(true);
        }
        if !seen.insert(pos.clone()) {
            undo(pos, &ran);
            return Ok(false);
        }
        *states += 1;
        if *states > max_states {
            return Err(*states);
        }
        for s in 0..self.sessions.len() {
            let Some(&id) = self.sessions[s].get(pos[s] as usize) else {
                continue;
            };
            let o = &self.ops[id as usize];
            if !o.add {
                continue;
            }
            pos[s] += 1;
            count[o.key as usize] += 1;
            let found = self.search(pos, count, seen, states, max_states);
            count[o.key as usize] -= 1;
            pos[s] -= 1;
            match found {
                Ok(false) => {}
                other => {
                    undo(pos, &ran);
                    return other;
                }
            }
        }
        undo(pos, &ran);
        Ok(false)
    }
}

/// What a direct check of one model found: `Ok(None)` holds, `Ok(Some(witness))` breaks,
/// `Err(why)` unknown.
type Found = Result<Option<Vec<String>>, String>;

/// The rung of each of `models` (linearizable excluded). A model counters do not decide
/// directly is settled through those they do: it holds when the history is sequential, and
/// breaks when a model it implies breaks; otherwise it is `unknown`.
pub(super) fn decide(c: &Counters, models: &[Model], limits: Limits) -> Vec<Rung> {
    let reads = c.reads();
    let impossible = c.impossible(&reads);
    let sequential = std::cell::OnceCell::new();
    let direct = |m: Model| -> Option<Found> {
        Some(Ok(match m {
            Model::ReadYourWrites => c.read_your_writes(&reads),
            Model::MonotonicReads => c.monotonic_reads(&reads),
            Model::MonotonicWrites | Model::ConsistentPrefix => None,
            Model::Pram => match c.pram_per_key(&reads) {
                Some(w) => Some(w),
                None if c.one_key_per_adder() => None,
                None => return None,
            },
            Model::Sequential => {
                return Some(
                    sequential
                        .get_or_init(|| match c.sequential(limits.max_states) {
                            Ok(true) => Ok(None),
                            Ok(false) => Ok(Some(vec!["no order of all operations that respects each session gives every read the count it returned".to_string()])),
                            Err(states) => Err(format!("the search gave up after {states} states (limits.check_states)")),
                        })
                        .clone(),
                )
            }
            _ => return None,
        }))
    };
    let held = |m: Model, verdict: Verdict, reason: String, witness: Vec<String>| Rung {
        model: m.name(),
        verdict,
        reason,
        pattern: (verdict == Verdict::Fail).then_some(m.name()),
        witness,
        refs: crate::check::WitnessRefs::default(),
    };
    let holds = |m: Model| {
        plain_rung(
            m,
            Verdict::Pass,
            format!(
                "holds over {} operations in {} sessions",
                c.ops.len(),
                c.sessions.len()
            ),
        )
    };
    models
        .iter()
        .filter(|&&m| m != Model::Linearizable)
        .map(|&m| {
            if let Some(why) = &c.undecidable {
                return plain_rung(m, Verdict::Unknown, why.clone());
            }
            if let Some(w) = &impossible {
                let mut r = plain_rung(m, Verdict::Fail, "a read no order of operations can explain".into());
                r.pattern = Some("impossible read");
                r.witness = w.clone();
                return r;
            }
            match direct(m) {
                Some(Ok(None)) => holds(m),
                Some(Ok(Some(w))) => held(m, Verdict::Fail, format!("breaks: {}", w[0]), w),
                Some(Err(why)) => plain_rung(m, Verdict::Unknown, why),
                None => {
                    let weaker = Model::ALL
                        .iter()
                        .filter(|&&w| w != m && super::implies(m, w))
                        .find_map(|&w| match direct(w) {
                            Some(Ok(Some(witness))) => Some((w, witness)),
                            _ => None,
                        });
                    if let Some((w, witness)) = weaker {
                        return held(m, Verdict::Fail, format!("breaks because {} breaks: {}", w.name(), witness[0]), witness);
                    }
                    match direct(Model::Sequential) {
                        Some(Ok(None)) => plain_rung(m, Verdict::Pass, "holds because sequential holds".into()),
                        _ => plain_rung(
                            m,
                            Verdict::Unknown,
                            "not decided on counters: it holds when the history is sequential and breaks when a session guarantee it implies breaks, and neither is so".into(),
                        ),
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::check::ladder::{check, Input, Limits, Model};
    use crate::check::linear::{Budget, ModelKind};
    use crate::check::Verdict;
    use crate::history::{read_history, Value};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// A completion-only counter history: `(process, None)` adds 1, `(process, Some(v))` reads v.
    fn text(ops: &[(u32, Option<i64>)]) -> String {
        ops.iter()
            .map(|(p, o)| match o {
                None => format!("{{:process {p}, :type :ok, :f :add, :value 1}}\n"),
                Some(v) => format!("{{:process {p}, :type :ok, :f :read, :value {v}}}\n"),
            })
            .collect()
    }

    fn verdict_of(text: &str, model: Model) -> (Verdict, String) {
        let h = read_history(text, "t.edn").unwrap();
        let input = Input::for_model(ModelKind::Counter, Value::Nil).unwrap();
        let l = check(&h, &input, &[model], Limits::default(), &Budget::default()).unwrap();
        let r = l.rung(model).unwrap();
        (r.verdict, format!("{} {}", r.reason, r.witness.join(" / ")))
    }

    fn verdict(ops: &[(u32, Option<i64>)], model: Model) -> (Verdict, String) {
        verdict_of(&text(ops), model)
    }

    #[test]
    fn reads_that_count_the_adds_in_one_order_are_sequential() {
        let h = [(0, None), (1, Some(1)), (0, None), (1, Some(2))];
        for m in [Model::Sequential, Model::Causal, Model::WritesFollowReads] {
            assert_eq!(verdict(&h, m).0, Verdict::Pass, "{}", m.name());
        }
    }

    #[test]
    fn each_guarantee_breaks_on_its_own_anomaly() {
        // A session that misses its own add.
        let (v, why) = verdict(&[(0, None), (0, Some(0))], Model::ReadYourWrites);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("at least 1"), "{why}");
        // A count that goes down.
        let h = [(0, None), (1, Some(1)), (1, Some(0))];
        let (v, why) = verdict(&h, Model::MonotonicReads);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("saw fewer adds"), "{why}");
        assert_eq!(verdict(&h, Model::ReadYourWrites).0, Verdict::Pass);
        // Causal breaks through the hierarchy.
        assert_eq!(verdict(&h, Model::Causal).0, Verdict::Fail);
        // PRAM on one counter: p0 sees p1's add, adds, and reads 1 again: each of
        // read-your-writes and monotonic reads holds alone.
        let h = [(1, None), (0, Some(1)), (0, None), (0, Some(1))];
        assert_eq!(verdict(&h, Model::ReadYourWrites).0, Verdict::Pass);
        assert_eq!(verdict(&h, Model::MonotonicReads).0, Verdict::Pass);
        let (v, why) = verdict(&h, Model::Pram);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("only 0 of theirs"), "{why}");
    }

    #[test]
    fn a_count_beyond_every_add_breaks_every_model() {
        let (v, why) = verdict(&[(0, None), (1, Some(2))], Model::MonotonicWrites);
        assert_eq!(v, Verdict::Fail);
        assert!(why.contains("at most 1 adds"), "{why}");
        let (v, _) = verdict(&[(0, Some(-1))], Model::ConsistentPrefix);
        assert_eq!(v, Verdict::Fail);
    }

    #[test]
    fn an_info_add_may_count_and_other_deltas_are_unknown() {
        let h = "{:process 0, :type :invoke, :f :add, :value 1}\n{:process 0, :type :info, :f :add, :value 1}\n{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 1}\n";
        assert_eq!(verdict_of(h, Model::Sequential).0, Verdict::Pass);
        let h = "{:process 0, :type :ok, :f :add, :value 3}\n{:process 1, :type :ok, :f :read, :value 3}\n";
        let (v, why) = verdict_of(h, Model::Sequential);
        assert_eq!(v, Verdict::Unknown);
        assert!(why.contains("every add is 1"), "{why}");
    }

    /// The definitions, straight: some visible set of adds (of any key) per read, never its
    /// own session's later ones, holding as many adds of its key as it read, under each
    /// model's rules; sequential by every order of all operations. `h` is `(process, key,
    /// read)`.
    fn reference(h: &[(u32, u32, Option<i64>)], m: Model) -> bool {
        let adds: Vec<usize> = (0..h.len()).filter(|&i| h[i].2.is_none()).collect();
        let reads: Vec<usize> = (0..h.len()).filter(|&i| h[i].2.is_some()).collect();
        if m == Model::Sequential {
            let ids: Vec<u32> = (0..h.len() as u32).collect();
            let before = |a: u32, b: u32| a < b && h[a as usize].0 == h[b as usize].0;
            return super::super::reference::orders(&ids, &before, &mut |order| {
                let mut n = [0i64; 2];
                order.iter().all(|&o| {
                    let (_, k, read) = h[o as usize];
                    match read {
                        None => {
                            n[k as usize] += 1;
                            true
                        }
                        Some(v) => v == n[k as usize],
                    }
                })
            });
        }
        let earlier = |a: usize, b: usize| a < b && h[a].0 == h[b].0;
        // Every choice of visible sets (bit masks over `adds`), one per read.
        let choices: Vec<Vec<u32>> = reads
            .iter()
            .map(|&r| {
                (0..1u32 << adds.len())
                    .filter(|mask| {
                        let seen: Vec<usize> = (0..adds.len())
                            .filter(|i| mask >> i & 1 == 1)
                            .map(|i| adds[i])
                            .collect();
                        seen.iter().filter(|&&a| h[a].1 == h[r].1).count() as i64 == h[r].2.unwrap()
                            && seen.iter().all(|&a| !(h[a].0 == h[r].0 && a > r))
                    })
                    .collect()
            })
            .collect();
        let has = |mask: u32, a: usize| mask >> adds.iter().position(|&x| x == a).unwrap() & 1 == 1;
        let ok = |pick: &[u32]| -> bool {
            reads.iter().enumerate().all(|(i, &r)| {
                let v = pick[i];
                let ryw = adds.iter().all(|&a| !earlier(a, r) || has(v, a));
                let mr = reads
                    .iter()
                    .enumerate()
                    .all(|(j, &q)| !earlier(q, r) || pick[j] & !v == 0);
                let mw = adds
                    .iter()
                    .all(|&a| !has(v, a) || adds.iter().all(|&b| !earlier(b, a) || has(v, b)));
                match m {
                    Model::ReadYourWrites => ryw,
                    Model::MonotonicReads => mr,
                    Model::MonotonicWrites | Model::ConsistentPrefix => true,
                    Model::Pram => ryw && mr && mw,
                    _ => unreachable!(),
                }
            })
        };
        let mut pick = vec![0u32; reads.len()];
        fn go(
            i: usize,
            choices: &[Vec<u32>],
            pick: &mut Vec<u32>,
            ok: &dyn Fn(&[u32]) -> bool,
        ) -> bool {
            if i == choices.len() {
                return ok(pick);
            }
            choices[i].iter().any(|&c| {
                pick[i] = c;
                go(i + 1, choices, pick, ok)
            })
        }
        go(0, &choices, &mut pick, &ok)
    }

    /// `h` as a completion-only history: one counter, or two keys in the independent form.
    fn keyed_text(h: &[(u32, u32, Option<i64>)], keyed: bool) -> String {
        h.iter()
            .map(|&(p, k, read)| {
                let (f, v) = match read {
                    None => ("add", 1),
                    Some(v) => ("read", v),
                };
                if keyed {
                    format!("{{:process {p}, :type :ok, :f :{f}, :value [{k} {v}]}}\n")
                } else {
                    format!("{{:process {p}, :type :ok, :f :{f}, :value {v}}}\n")
                }
            })
            .collect()
    }

    /// Random counter histories, on one key or two: each model's verdict equals the
    /// definition's, and is `unknown` only for PRAM when a session adds to both keys.
    #[test]
    fn counters_agree_with_the_definitions() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for case in 0..10_000 {
            let keys = if case % 2 == 0 { 1 } else { 2 };
            let sessions = rng.random_range(1..=3u32);
            let n = rng.random_range(2..=7);
            let h: Vec<(u32, u32, Option<i64>)> = (0..n)
                .map(|_| {
                    let p = rng.random_range(0..sessions);
                    let k = rng.random_range(0..keys);
                    let read = rng.random_bool(0.5).then(|| rng.random_range(0..=3));
                    (p, k, read)
                })
                .collect();
            let text = keyed_text(&h, keys == 2);
            for m in [
                Model::Sequential,
                Model::ReadYourWrites,
                Model::MonotonicReads,
                Model::MonotonicWrites,
                Model::ConsistentPrefix,
                Model::Pram,
            ] {
                let (got, why) = verdict_of(&text, m);
                let want = if reference(&h, m) {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                };
                if got == Verdict::Unknown && m == Model::Pram {
                    let mixed = (0..sessions).any(|p| {
                        let ks: Vec<u32> = h
                            .iter()
                            .filter(|o| o.0 == p && o.2.is_none())
                            .map(|o| o.1)
                            .collect();
                        ks.iter().any(|&k| k != ks[0])
                    });
                    assert!(mixed, "case {case}: pram unknown on {h:?}: {why}");
                    continue;
                }
                assert_eq!(got, want, "case {case}: {} on {h:?}: {why}", m.name());
            }
        }
    }
}
