//! The Wing–Gong–Lowe search, with Lowe's memoization.
//!
//! Every op has a call event and a return event in a doubly linked list ordered by history
//! position; optional ops (`info`, never completed) return at +infinity, after every real
//! event. The search walks the list from the front: at a call it tries to linearize that op
//! (the model step must succeed and the pair (linearized set, new state) must be new to the
//! cache), and if so lifts the op's two events out of the list, pushes the old state and
//! starts again from the front. Reaching the return of an op not yet linearized means the
//! current order cannot work: it pops the last choice and tries the next op after it. The
//! history is linearizable when every remaining event is the return of an optional op (they
//! may simply never happen), and not linearizable when a return is reached with nothing left
//! to undo.
//!
//! For the witness it keeps the longest linearization found, the op whose return stopped it,
//! and for each op a few of the states in which the search was stuck at its return.

use super::cache::{key_hash, zobrist, Cache};
use super::model::Model;
use super::Budget;
use crate::history::Process;

const NIL: u32 = u32::MAX;
/// States remembered per op for the witness.
const STATES_PER_OP: usize = 4;

/// One op prepared for the search.
#[derive(Clone, Debug)]
pub(crate) struct SearchOp<O> {
    /// The model's op.
    pub op: O,
    /// Who ran it.
    pub process: Process,
    /// History position of its invocation.
    pub call: usize,
    /// History position of its `ok` completion; `None` = +infinity (optional).
    pub ret: Option<usize>,
}

/// Where the search got stuck.
#[derive(Clone, Debug)]
pub(crate) struct Failure<S> {
    /// The longest linearization found (op numbers, in order).
    pub prefix: Vec<usize>,
    /// The state after it.
    pub prefix_state: S,
    /// The op whose return stopped that linearization.
    pub blocked: usize,
    /// States in which the search was stuck at `blocked`'s return, each with the last op
    /// linearized before it (`None`: the initial state).
    pub blocked_states: Vec<(S, Option<usize>)>,
    /// True when there were more such states than `blocked_states` holds.
    pub more_states: bool,
    /// Other ops a reason names, drawn first on the timeline (a refutation without search).
    pub named: Vec<usize>,
}

/// The search's answer.
#[derive(Clone, Debug)]
pub(crate) enum Outcome<S> {
    /// A linearization exists.
    Linearizable,
    /// None exists.
    Violation(Box<Failure<S>>),
    /// The budget ran out first (the reason).
    OutOfBudget(String),
}

struct Events {
    next: Vec<u32>,
    prev: Vec<u32>,
    head: u32,
}

impl Events {
    /// Node `2i` is op `i`'s call, `2i + 1` its return; the head is node `2n`.
    fn new<O>(ops: &[SearchOp<O>]) -> Events {
        let n = ops.len();
        // (position, calls before returns at one position, optional returns by call, node).
        // Positions are unique in a paired history; a completion-only history's op begins
        // at the position just after its process's previous completion, and must begin
        // before whatever completes there.
        let mut order: Vec<(usize, u8, usize, u32)> = Vec::with_capacity(2 * n);
        for (i, op) in ops.iter().enumerate() {
            order.push((op.call, 0, 0, 2 * i as u32));
            let (at, by_call) = op.ret.map_or((usize::MAX, op.call), |r| (r, 0));
            order.push((at, 1, by_call, 2 * i as u32 + 1));
        }
        order.sort_unstable();
        let head = 2 * n as u32;
        let mut next = vec![NIL; 2 * n + 1];
        let mut prev = vec![NIL; 2 * n + 1];
        let mut last = head;
        for &(_, _, _, node) in &order {
            next[last as usize] = node;
            prev[node as usize] = last;
            last = node;
        }
        Events { next, prev, head }
    }

    fn remove(&mut self, n: u32) {
        let (p, x) = (self.prev[n as usize], self.next[n as usize]);
        self.next[p as usize] = x;
        if x != NIL {
            self.prev[x as usize] = p;
        }
    }

    fn restore(&mut self, n: u32) {
        let (p, x) = (self.prev[n as usize], self.next[n as usize]);
        self.next[p as usize] = n;
        if x != NIL {
            self.prev[x as usize] = n;
        }
    }

    fn lift(&mut self, call: u32) {
        self.remove(call);
        self.remove(call + 1);
    }

    fn unlift(&mut self, call: u32) {
        self.restore(call + 1);
        self.restore(call);
    }
}

fn out_of_budget(cache_len: usize, bytes: u64, budget: &Budget<'_>) -> Option<String> {
    if cache_len as u64 >= budget.max_states {
        return Some(format!(
            "the search reached its limit of {} stored states",
            budget.max_states
        ));
    }
    (bytes > budget.max_memory_bytes).then(|| {
        format!(
            "the search's memo reached its memory limit of {} MiB",
            budget.max_memory_bytes >> 20
        )
    })
}

/// Searches for a linearization of `ops` from `model`'s initial state. `states` counts the
/// (linearized set, state) pairs stored.
pub(crate) fn search<M: Model>(
    model: &M,
    ops: &[SearchOp<M::Op>],
    budget: &Budget<'_>,
    states: &mut u64,
) -> Outcome<M::State> {
    let n = ops.len();
    let words = n.div_ceil(64).max(1);
    let mut events = Events::new(ops);
    let mut cache: Cache<M::State> = Cache::new(words);
    let mut bits = vec![0u64; words];
    let mut z = 0u64;
    let mut state = model.init();
    let mut stack: Vec<(u32, M::State)> = Vec::new();
    let mut best: (Vec<usize>, M::State, Option<usize>) = (Vec::new(), state.clone(), None);
    let mut stuck: Vec<Vec<(M::State, Option<usize>)>> = vec![Vec::new(); n];
    let mut more = vec![false; n];
    let mut entry = events.next[events.head as usize];
    let mut steps = 0u64;
    loop {
        steps += 1;
        if steps & 0x3ff == 0 && budget.deadline.is_some_and(|out_of_time| out_of_time()) {
            return Outcome::OutOfBudget("the time budget ran out".into());
        }
        if entry == NIL || (entry % 2 == 1 && ops[entry as usize / 2].ret.is_none()) {
            return Outcome::Linearizable;
        }
        let op = entry as usize / 2;
        if entry % 2 == 0 {
            if let Some(next) = model.step(&state, &ops[op].op) {
                bits[op / 64] |= 1 << (op % 64);
                let hash = key_hash(z ^ zobrist(op), &next);
                if cache.insert(hash, &bits, &next, model.heap_bytes(&next)) {
                    *states += 1;
                    if cache.len() & 0xff == 0 || cache.len() as u64 >= budget.max_states {
                        if let Some(why) = out_of_budget(cache.len(), cache.bytes(), budget) {
                            return Outcome::OutOfBudget(why);
                        }
                    }
                    z ^= zobrist(op);
                    stack.push((entry, std::mem::replace(&mut state, next)));
                    events.lift(entry);
                    if stack.len() > best.0.len() {
                        best = (
                            stack.iter().map(|(e, _)| *e as usize / 2).collect(),
                            state.clone(),
                            None,
                        );
                    }
                    entry = events.next[events.head as usize];
                    continue;
                }
                bits[op / 64] &= !(1 << (op % 64));
            }
            entry = events.next[entry as usize];
        } else {
            // The return of an op not linearized yet: this order cannot work.
            let last = stack.last().map(|(e, _)| *e as usize / 2);
            let seen = &mut stuck[op];
            if !seen.iter().any(|(s, _)| *s == state) {
                if seen.len() < STATES_PER_OP {
                    seen.push((state.clone(), last));
                } else {
                    more[op] = true;
                }
            }
            if best.2.is_none() && stack.len() == best.0.len() {
                best.2 = Some(op);
            }
            let Some((call, previous)) = stack.pop() else {
                let blocked = best.2.unwrap_or(op);
                return Outcome::Violation(Box::new(Failure {
                    prefix: best.0,
                    prefix_state: best.1,
                    blocked,
                    blocked_states: std::mem::take(&mut stuck[blocked]),
                    more_states: more[blocked],
                    named: Vec::new(),
                }));
            };
            state = previous;
            let undone = call as usize / 2;
            bits[undone / 64] &= !(1 << (undone % 64));
            z ^= zobrist(undone);
            events.unlift(call);
            entry = events.next[call as usize];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::register::RegOp;
    use super::super::model::register::Register;
    use super::*;
    use crate::history::Value;

    fn op(op: RegOp, call: usize, ret: Option<usize>) -> SearchOp<RegOp> {
        SearchOp {
            op,
            process: Process::Client(call as u64),
            call,
            ret,
        }
    }

    fn run(ops: &[SearchOp<RegOp>]) -> Outcome<Value> {
        let mut states = 0;
        search(
            &Register::new(&Value::Nil),
            ops,
            &Budget::default(),
            &mut states,
        )
    }

    #[test]
    fn concurrent_ops_may_be_reordered() {
        let ops = [
            op(RegOp::Read(Some(Value::Int(1))), 0, Some(3)),
            op(RegOp::Write(Value::Int(1)), 1, Some(2)),
        ];
        assert!(matches!(run(&ops), Outcome::Linearizable));
    }

    #[test]
    fn real_time_order_is_kept_and_the_blocker_is_found() {
        let ops = [
            op(RegOp::Read(Some(Value::Int(1))), 0, Some(1)),
            op(RegOp::Write(Value::Int(1)), 2, Some(3)),
        ];
        let Outcome::Violation(f) = run(&ops) else {
            panic!("expected a violation")
        };
        assert_eq!(f.blocked, 0);
        assert!(f.prefix.is_empty());
        assert_eq!(f.blocked_states, vec![(Value::Nil, None)]);
    }

    #[test]
    fn optional_ops_may_happen_or_not() {
        let ops = [
            op(RegOp::Write(Value::Int(1)), 0, None),
            op(RegOp::Read(Some(Value::Nil)), 1, Some(2)),
            op(RegOp::Read(Some(Value::Int(1))), 3, Some(4)),
        ];
        assert!(matches!(run(&ops), Outcome::Linearizable));
        assert!(matches!(run(&ops[..2]), Outcome::Linearizable));
    }

    #[test]
    fn a_tiny_state_budget_gives_up() {
        let ops: Vec<_> = (0..6)
            .map(|i| op(RegOp::Write(Value::Int(i)), i as usize, None))
            .chain([op(RegOp::Read(Some(Value::Int(9))), 10, Some(11))])
            .collect();
        let budget = Budget {
            max_states: 3,
            ..Budget::default()
        };
        let mut states = 0;
        let out = search(&Register::new(&Value::Nil), &ops, &budget, &mut states);
        assert!(matches!(out, Outcome::OutOfBudget(_)));
    }
}
