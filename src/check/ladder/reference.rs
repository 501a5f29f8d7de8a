//! Brute-force references for the ladder's checkers, straight from each model's definition:
//! every order, every serialization, every arbitration, on histories small enough to try them
//! all. The property tests compare them with the checkers.

use super::exec::{Exec, INIT};

/// Calls `visit` with every order of `nodes` that respects `before` (a strict order given as a
/// predicate); stops when `visit` returns true and returns whether one did.
pub fn orders(
    nodes: &[u32],
    before: &dyn Fn(u32, u32) -> bool,
    visit: &mut dyn FnMut(&[u32]) -> bool,
) -> bool {
    fn go(
        rest: &mut Vec<u32>,
        acc: &mut Vec<u32>,
        before: &dyn Fn(u32, u32) -> bool,
        visit: &mut dyn FnMut(&[u32]) -> bool,
    ) -> bool {
        if rest.is_empty() {
            return visit(acc);
        }
        for i in 0..rest.len() {
            let v = rest[i];
            if rest.iter().any(|&u| u != v && before(u, v)) {
                continue;
            }
            rest.remove(i);
            acc.push(v);
            let found = go(rest, acc, before, visit);
            acc.pop();
            rest.insert(i, v);
            if found {
                return true;
            }
        }
        false
    }
    go(&mut nodes.to_vec(), &mut Vec::new(), before, visit)
}

/// Whether `o`'s reads return what they did when run after exactly the writes in `prefix`, in
/// that order.
fn valid_after(exec: &Exec, prefix: &[u32], o: u32) -> bool {
    exec.ops[o as usize].reads.iter().all(|r| {
        let last = prefix
            .iter()
            .rev()
            .find(|&&w| w != o && exec.ops[w as usize].writes_key(r.key));
        last.copied().unwrap_or(INIT) == r.src
    })
}

/// Whether a session reads what its own later operation writes (no model allows it).
pub fn reads_own_future(exec: &Exec) -> bool {
    exec.ops.iter().any(|o| {
        o.reads.iter().any(|r| {
            r.src != INIT
                && exec.ops[r.src as usize].session == o.session
                && exec.ops[r.src as usize].pos > o.pos
        })
    })
}

fn session_before(exec: &Exec, a: u32, b: u32) -> bool {
    let (x, y) = (&exec.ops[a as usize], &exec.ops[b as usize]);
    x.session == y.session && x.pos < y.pos
}

fn all_ops(exec: &Exec) -> Vec<u32> {
    (0..exec.ops.len() as u32).collect()
}

fn writes_of(exec: &Exec) -> Vec<u32> {
    all_ops(exec)
        .into_iter()
        .filter(|&o| !exec.ops[o as usize].writes.is_empty())
        .collect()
}

/// Sequential consistency: some order of all operations respecting sessions makes every read
/// valid.
pub fn sequential(exec: &Exec) -> bool {
    orders(
        &all_ops(exec),
        &|a, b| session_before(exec, a, b),
        &mut |order| (0..order.len()).all(|i| valid_after(exec, &order[..i], order[i])),
    )
}

/// Consistent prefix: some order of the writes respecting sessions in which every read-only
/// operation matches some prefix, and every writing operation's reads match where it is.
pub fn consistent_prefix(exec: &Exec) -> bool {
    if reads_own_future(exec) {
        return false;
    }
    let writes = writes_of(exec);
    orders(&writes, &|a, b| session_before(exec, a, b), &mut |order| {
        (0..order.len()).all(|i| valid_after(exec, &order[..i], order[i]))
            && exec
                .ops
                .iter()
                .enumerate()
                .filter(|(_, o)| o.writes.is_empty())
                .all(|(id, _)| (0..=order.len()).any(|i| valid_after(exec, &order[..i], id as u32)))
    })
}

/// The causal order: session order and reads-from, transitively closed; `None` if cyclic.
fn causal_order(exec: &Exec) -> Option<Vec<Vec<bool>>> {
    let n = exec.ops.len();
    let mut co = vec![vec![false; n]; n];
    for (a, row) in co.iter_mut().enumerate() {
        for (b, cell) in row.iter_mut().enumerate() {
            *cell = session_before(exec, a as u32, b as u32)
                || exec.ops[b].reads.iter().any(|r| r.src == a as u32);
        }
    }
    for k in 0..n {
        for a in 0..n {
            for b in 0..n {
                if co[a][k] && co[k][b] {
                    co[a][b] = true;
                }
            }
        }
    }
    (0..n).all(|a| !co[a][a]).then_some(co)
}

/// The operations causally before `o`, and `o`.
fn causal_hist(co: &[Vec<bool>], o: usize) -> Vec<u32> {
    (0..co.len())
        .filter(|&a| a == o || co[a][o])
        .map(|a| a as u32)
        .collect()
}

/// Whether each operation in `checked` is valid at its place in `order`.
fn valid_in(exec: &Exec, order: &[u32], checked: &dyn Fn(u32) -> bool) -> bool {
    (0..order.len()).all(|i| !checked(order[i]) || valid_after(exec, &order[..i], order[i]))
}

/// CC: for each operation, some serialization of its causal history respecting `co` makes it
/// valid.
pub fn causal_cc(exec: &Exec) -> bool {
    let Some(co) = causal_order(exec) else {
        return false;
    };
    (0..exec.ops.len()).all(|o| {
        orders(
            &causal_hist(&co, o),
            &|a, b| co[a as usize][b as usize],
            &mut |order| valid_in(exec, order, &|x| x == o as u32),
        )
    })
}

/// CM: for each operation, some serialization of its causal history respecting `co` makes it
/// and its session's earlier operations valid.
pub fn causal_memory(exec: &Exec) -> bool {
    let Some(co) = causal_order(exec) else {
        return false;
    };
    (0..exec.ops.len()).all(|o| {
        let me = &exec.ops[o];
        orders(
            &causal_hist(&co, o),
            &|a, b| co[a as usize][b as usize],
            &mut |order| {
                valid_in(exec, order, &|x| {
                    let op = &exec.ops[x as usize];
                    op.session == me.session && op.pos <= me.pos
                })
            },
        )
    })
}

/// CCv: some order of all operations respecting `co` makes each operation valid in its
/// restriction to that operation's causal history.
pub fn causal_convergence(exec: &Exec) -> bool {
    let Some(co) = causal_order(exec) else {
        return false;
    };
    orders(
        &all_ops(exec),
        &|a, b| co[a as usize][b as usize],
        &mut |order| {
            (0..exec.ops.len()).all(|o| {
                let hist: Vec<u32> = order
                    .iter()
                    .copied()
                    .filter(|&x| x == o as u32 || co[x as usize][o])
                    .collect();
                valid_in(exec, &hist, &|x| x == o as u32)
            })
        },
    )
}

/// Which rules make writes visible to a session's reads.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules {
    /// The session's earlier writes.
    pub own_writes: bool,
    /// What the session's earlier reads saw.
    pub earlier_reads: bool,
    /// With a write, the earlier writes of its session.
    pub writer_prefix: bool,
    /// With a write, what its session read before it (and it comes first).
    pub writer_reads: bool,
}

/// A session guarantee given by `rules`: for each session, some order of the writes respecting
/// every session's order of writes, with each read's smallest visible set under the rules,
/// makes each read return the last visible write of its key (and, with `writer_reads`, puts
/// what a visible write's session read before it first).
pub fn session(exec: &Exec, rules: Rules) -> bool {
    if reads_own_future(exec) {
        return false;
    }
    let writes = writes_of(exec);
    (0..exec.session_count()).all(|s| {
        // Visible sets per operation of the session, in order (independent of the order).
        let mut vis: Vec<(u32, Vec<bool>)> = Vec::new();
        let mut carried = vec![false; exec.ops.len()];
        for &o in &exec.sessions[s] {
            let op = &exec.ops[o as usize];
            let mut v = vec![false; exec.ops.len()];
            for r in op.reads.iter().filter(|r| r.src != INIT) {
                v[r.src as usize] = true;
            }
            if rules.earlier_reads {
                for (i, c) in carried.iter().enumerate() {
                    v[i] |= *c;
                }
            }
            if rules.own_writes {
                for &w in &exec.sessions[s] {
                    if exec.ops[w as usize].pos < op.pos && !exec.ops[w as usize].writes.is_empty()
                    {
                        v[w as usize] = true;
                    }
                }
            }
            // An operation that writes is performed where what its write requires is
            // visible, and reads there: seed the closure with its own write.
            let seeded = !op.writes.is_empty() && (rules.writer_prefix || rules.writer_reads);
            v[o as usize] |= seeded;
            loop {
                let mut changed = false;
                for w in 0..exec.ops.len() {
                    if !v[w] {
                        continue;
                    }
                    let wo = &exec.ops[w];
                    for &x in &exec.sessions[wo.session as usize] {
                        let xo = &exec.ops[x as usize];
                        if rules.writer_prefix
                            && xo.pos < wo.pos
                            && !xo.writes.is_empty()
                            && !v[x as usize]
                        {
                            v[x as usize] = true;
                            changed = true;
                        }
                        if rules.writer_reads && xo.pos <= wo.pos {
                            for r in xo.reads.iter().filter(|r| r.src != INIT) {
                                if !v[r.src as usize] {
                                    v[r.src as usize] = true;
                                    changed = true;
                                }
                            }
                        }
                    }
                }
                if !changed {
                    break;
                }
            }
            if seeded {
                v[o as usize] = false;
            }
            for r in op.reads.iter().filter(|r| r.src != INIT) {
                carried[r.src as usize] = true;
            }
            if rules.earlier_reads {
                for (i, x) in v.iter().enumerate() {
                    carried[i] |= *x;
                }
            }
            vis.push((o, v));
        }
        orders(&writes, &|a, b| session_before(exec, a, b), &mut |order| {
            let rank = |w: u32| order.iter().position(|&x| x == w).unwrap_or(usize::MAX);
            vis.iter().all(|(o, v)| {
                let op = &exec.ops[*o as usize];
                let reads_ok = op.reads.iter().all(|r| {
                    let last = order
                        .iter()
                        .rev()
                        .find(|&&w| v[w as usize] && exec.ops[w as usize].writes_key(r.key));
                    last.copied().unwrap_or(INIT) == r.src
                });
                let follows_ok = !rules.writer_reads
                    || (0..exec.ops.len()).filter(|&w| v[w]).all(|w| {
                        let wo = &exec.ops[w];
                        exec.sessions[wo.session as usize]
                            .iter()
                            .filter(|&&x| exec.ops[x as usize].pos <= wo.pos)
                            .all(|&x| {
                                exec.ops[x as usize]
                                    .reads
                                    .iter()
                                    .filter(|r| r.src != INIT)
                                    .all(|r| rank(r.src) < rank(w as u32))
                            })
                    });
                // An operation that reads and writes does both at one point.
                let atomic_ok = op.writes.is_empty()
                    || op
                        .reads
                        .iter()
                        .filter(|r| r.src != INIT)
                        .all(|r| rank(r.src) < rank(*o));
                reads_ok && follows_ok && atomic_ok
            })
        })
    })
}

/// PRAM as Lipton and Sandberg define it: for each session, some order of every write and of
/// the session's own operations, respecting every session's order, in which the session's
/// operations are valid.
pub fn pram_serialization(exec: &Exec) -> bool {
    (0..exec.session_count() as u32).all(|s| {
        let nodes: Vec<u32> = all_ops(exec)
            .into_iter()
            .filter(|&o| {
                exec.ops[o as usize].session == s || !exec.ops[o as usize].writes.is_empty()
            })
            .collect();
        orders(&nodes, &|a, b| session_before(exec, a, b), &mut |order| {
            valid_in(exec, order, &|x| exec.ops[x as usize].session == s)
        })
    })
}
