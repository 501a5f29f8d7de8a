//! The two models that need one total order of operations, found by depth-first search:
//!
//! - sequential consistency (Lamport 1979): one order of all operations, respecting each
//!   session's order, in which every read returns the last write of its key;
//! - consistent prefix (Terry 2013): one order of the writes, respecting each session's order
//!   of its writes, of which every read sees a prefix (a read that reads several keys sees
//!   them all at one point of the order).
//!
//! Both are NP-complete in general, so the search has a budget of visited states and answers
//! `unknown` when it runs out. It prunes with two facts that hold because written values are
//! unique: a read that only reads can run as soon as it matches (running it changes nothing
//! but lets its session go on), and a write must not overwrite a value some read still waiting
//! to run will return.

use super::exec::{Exec, INIT};
use std::collections::{HashMap, HashSet};

/// What a search found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// An order exists.
    Yes,
    /// None does; the witness says where the longest order found got stuck.
    No(Vec<String>),
    /// The budget of states ran out first.
    OutOfBudget,
}

/// Which order to look for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Order {
    /// All operations, each session's in order.
    Sequential,
    /// The writes, each session's in order, with reads seeing prefixes.
    Prefix,
}

struct Search<'e> {
    exec: &'e Exec,
    /// Each chain's operations, in order.
    chains: Vec<Vec<u32>>,
    /// Read-only operations that may run at any point (prefix order only).
    floating: Vec<u32>,
    pos: Vec<u32>,
    store: Vec<u32>,
    done: Vec<bool>,
    /// For each write (operation and key), its reads not yet run; for each key, reads of its
    /// initial value not yet run.
    pending: HashMap<(u32, u32), u32>,
    pending_init: Vec<u32>,
    seen: HashSet<Vec<u32>>,
    budget: u64,
    /// The most operations any order found ran, and where it stood then.
    best: usize,
    best_state: (Vec<u32>, Vec<u32>, Vec<bool>),
}

/// Looks for `order` in `exec`, visiting at most `max_states` states.
pub(crate) fn search(exec: &Exec, order: Order, max_states: u64) -> Found {
    // Deep histories recurse deeply: give the search its own large stack.
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(1 << 30)
            .spawn_scoped(scope, || run(exec, order, max_states))
            .map_or(Found::OutOfBudget, |h| {
                h.join().unwrap_or(Found::OutOfBudget)
            })
    })
}

fn run(exec: &Exec, order: Order, max_states: u64) -> Found {
    let read_only = |o: u32| exec.ops[o as usize].writes.is_empty();
    let chains: Vec<Vec<u32>> = exec
        .sessions
        .iter()
        .map(|s| {
            s.iter()
                .copied()
                .filter(|&o| order == Order::Sequential || !read_only(o))
                .collect()
        })
        .collect();
    let floating = match order {
        Order::Sequential => Vec::new(),
        Order::Prefix => (0..exec.ops.len() as u32)
            .filter(|&o| read_only(o))
            .collect(),
    };
    let mut pending: HashMap<(u32, u32), u32> = HashMap::new();
    let mut pending_init = vec![0u32; exec.keys.len()];
    for op in &exec.ops {
        for r in &op.reads {
            if r.src == INIT {
                pending_init[r.key as usize] += 1;
            } else {
                *pending.entry((r.src, r.key)).or_default() += 1;
            }
        }
    }
    let mut s = Search {
        exec,
        pos: vec![0; chains.len()],
        store: vec![INIT; exec.keys.len()],
        done: vec![false; exec.ops.len()],
        chains,
        floating,
        pending,
        pending_init,
        seen: HashSet::new(),
        budget: max_states,
        best: 0,
        best_state: (Vec::new(), Vec::new(), Vec::new()),
    };
    s.best_state = (s.pos.clone(), s.store.clone(), s.done.clone());
    match s.dfs() {
        Some(true) => Found::Yes,
        Some(false) => Found::No(s.stuck()),
        None => Found::OutOfBudget,
    }
}

impl Search<'_> {
    fn matches(&self, o: u32) -> bool {
        self.exec.ops[o as usize]
            .reads
            .iter()
            .all(|r| self.store[r.key as usize] == r.src)
    }

    fn consume_reads(&mut self, o: u32, undo: bool) {
        let exec = self.exec;
        for r in &exec.ops[o as usize].reads {
            let slot = if r.src == INIT {
                &mut self.pending_init[r.key as usize]
            } else {
                self.pending.entry((r.src, r.key)).or_default()
            };
            if undo {
                *slot += 1;
            } else {
                *slot -= 1;
            }
        }
    }

    /// Runs every read-only operation that matches now; returns them, to be undone.
    fn run_reads(&mut self) -> Vec<(Option<usize>, u32)> {
        let mut ran = Vec::new();
        loop {
            let mut progress = false;
            for c in 0..self.chains.len() {
                while let Some(&o) = self.chains[c].get(self.pos[c] as usize) {
                    if !self.exec.ops[o as usize].writes.is_empty() || !self.matches(o) {
                        break;
                    }
                    self.pos[c] += 1;
                    self.consume_reads(o, false);
                    ran.push((Some(c), o));
                    progress = true;
                }
            }
            for i in 0..self.floating.len() {
                let o = self.floating[i];
                if !self.done[o as usize] && self.matches(o) {
                    self.done[o as usize] = true;
                    self.consume_reads(o, false);
                    ran.push((None, o));
                    progress = true;
                }
            }
            if !progress {
                return ran;
            }
        }
    }

    fn undo_reads(&mut self, ran: Vec<(Option<usize>, u32)>) {
        for (chain, o) in ran.into_iter().rev() {
            self.consume_reads(o, true);
            match chain {
                Some(c) => self.pos[c] -= 1,
                None => self.done[o as usize] = false,
            }
        }
    }

    /// `Some(found)`, or `None` when the budget ran out.
    fn dfs(&mut self) -> Option<bool> {
        let ran = self.run_reads();
        let result = self.branch();
        self.undo_reads(ran);
        result
    }

    /// Where the longest order found got stuck, in words.
    fn stuck(&self) -> Vec<String> {
        let exec = self.exec;
        let (pos, store, done) = &self.best_state;
        let total = self.chains.iter().map(Vec::len).sum::<usize>() + self.floating.len();
        let mut lines = vec![format!(
            "the longest order found runs {} of the {total} operations; then none can run next:",
            self.best
        )];
        let holds = |k: u32| match store[k as usize] {
            INIT => "its initial value".to_string(),
            w => format!("what {} wrote", exec.ops[w as usize].label),
        };
        let heads = self
            .chains
            .iter()
            .zip(pos)
            .filter_map(|(c, &p)| c.get(p as usize));
        let waiting = self.floating.iter().filter(|&&o| !done[o as usize]);
        for &o in heads.chain(waiting).take(6) {
            let op = &exec.ops[o as usize];
            let line = match op.reads.iter().find(|r| store[r.key as usize] != r.src) {
                Some(r) => format!(
                    "{} reads {} of key {}, but the key holds {}",
                    op.label,
                    if r.src == INIT {
                        "the initial value".to_string()
                    } else {
                        format!("what {} wrote", exec.ops[r.src as usize].label)
                    },
                    exec.key_name(r.key),
                    holds(r.key)
                ),
                None => {
                    let k = op
                        .writes
                        .iter()
                        .copied()
                        .find(|&k| self.pending_at(k, store[k as usize], o));
                    match k {
                        Some(k) => format!(
                            "{} would overwrite {} of key {}, which {} has yet to read",
                            op.label,
                            holds(k),
                            exec.key_name(k),
                            self.reader_to_come(k, store[k as usize], o)
                                .map_or("a read".into(), |r| exec.ops[r as usize].label.clone())
                        ),
                        None => format!("{} cannot run", op.label),
                    }
                }
            };
            lines.push(format!("  {line}"));
        }
        lines
    }

    /// Whether an operation other than `o` that has not run (in the longest order found) reads
    /// `src` from `key`.
    fn pending_at(&self, key: u32, src: u32, o: u32) -> bool {
        self.reader_to_come(key, src, o).is_some()
    }

    /// An operation other than `o`, not run in the longest order found, that reads `src`
    /// from `key`.
    fn reader_to_come(&self, key: u32, src: u32, o: u32) -> Option<u32> {
        let (pos, _, done) = &self.best_state;
        let not_run = |x: u32| {
            let op = &self.exec.ops[x as usize];
            if self.floating.contains(&x) {
                !done[x as usize]
            } else {
                let c = op.session as usize;
                self.chains[c]
                    .iter()
                    .position(|&y| y == x)
                    .is_some_and(|i| i >= pos[c] as usize)
            }
        };
        (0..self.exec.ops.len() as u32).find(|&x| {
            x != o
                && not_run(x)
                && self.exec.ops[x as usize]
                    .reads
                    .iter()
                    .any(|r| r.key == key && r.src == src)
        })
    }

    fn branch(&mut self) -> Option<bool> {
        let ran: usize = self.pos.iter().map(|&p| p as usize).sum::<usize>()
            + self
                .floating
                .iter()
                .filter(|&&o| self.done[o as usize])
                .count();
        if ran > self.best {
            self.best = ran;
            self.best_state = (self.pos.clone(), self.store.clone(), self.done.clone());
        }
        let finished = (0..self.chains.len()).all(|c| self.pos[c] as usize == self.chains[c].len());
        if finished && self.floating.iter().all(|&o| self.done[o as usize]) {
            return Some(true);
        }
        let mut key: Vec<u32> = self.pos.clone();
        key.extend_from_slice(&self.store);
        if !self.floating.is_empty() {
            let mut word = 0u32;
            for (i, &o) in self.floating.iter().enumerate() {
                if self.done[o as usize] {
                    word |= 1 << (i % 32);
                }
                if i % 32 == 31 {
                    key.push(word);
                    word = 0;
                }
            }
            key.push(word);
        }
        if !self.seen.insert(key) {
            return Some(false);
        }
        if self.budget == 0 {
            return None;
        }
        self.budget -= 1;
        // Try the sessions' next operations in history order: a history that is linearizable,
        // or nearly, is then ordered at the first try.
        let mut heads: Vec<(u32, usize)> = (0..self.chains.len())
            .filter_map(|c| self.chains[c].get(self.pos[c] as usize).map(|&o| (o, c)))
            .collect();
        heads.sort_unstable();
        for (_, c) in heads {
            let Some(&o) = self.chains[c].get(self.pos[c] as usize) else {
                continue;
            };
            let op = &self.exec.ops[o as usize];
            if op.writes.is_empty() || !self.matches(o) {
                continue;
            }
            self.consume_reads(o, false);
            let blocked = op.writes.iter().any(|&k| {
                let cur = self.store[k as usize];
                if cur == INIT {
                    self.pending_init[k as usize] > 0
                } else {
                    self.pending.get(&(cur, k)).is_some_and(|&n| n > 0)
                }
            });
            if blocked {
                self.consume_reads(o, true);
                continue;
            }
            let old: Vec<u32> = op
                .writes
                .iter()
                .map(|&k| std::mem::replace(&mut self.store[k as usize], o))
                .collect();
            self.pos[c] += 1;
            let result = self.dfs();
            self.pos[c] -= 1;
            for (&k, v) in op.writes.iter().zip(old) {
                self.store[k as usize] = v;
            }
            self.consume_reads(o, true);
            match result {
                Some(true) => return Some(true),
                None => return None,
                Some(false) => {}
            }
        }
        Some(false)
    }
}
