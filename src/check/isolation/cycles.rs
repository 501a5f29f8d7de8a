//! The search for dependency cycles of each class (Elle, §4.3): in each strongly connected
//! component, one short cycle per class, found breadth-first from an edge of the kind the class
//! needs, with an automaton that tracks the anti-dependencies (`rw`) the path has taken.
//!
//! First over the data dependencies alone (G0, G1c, G-single, G-nonadjacent, G2-item; a
//! component with a G-single or G-nonadjacent cycle is not searched for the weaker G2-item).
//! Then, when strict serializability is asked for, over the data dependencies plus real-time
//! edges, in the components where the first stage found nothing: one cycle that takes a
//! real-time edge (`G-single-item-realtime`, …) settles the level there. Each start edge is
//! tried only when the rest of the cycle could lead back to it (the topological order of the
//! components over the edges the rest may take rules most out at once). Searching is
//! bounded by a [`Budget`]; a class whose search ran out is reported as not searched to the
//! end.

use super::anomaly::{Anomaly, Class, Kind, Order};
use super::explain;
use super::graph::{Budget, Graph, Rel, Rels};
use super::txns::{Shape, Txns};

/// The classes, in the order they are searched.
const CLASSES: [Class; 5] = [
    Class::G0,
    Class::G1c,
    Class::GSingle,
    Class::GNonadjacent,
    Class::G2Item,
];

/// What the search found.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// One cycle per class and component.
    pub cycles: Vec<Anomaly>,
    /// The kinds whose search ran out of budget.
    pub incomplete: Vec<Kind>,
}

// The automaton state: the number of rw edges taken (0, 1, 2 = two or more), whether the last
// edge was rw, whether a wr edge was taken, whether a realtime edge was taken.
const RW_COUNT: u8 = 0b11;
const LAST_RW: u8 = 0b100;
const SAW_WR: u8 = 0b1000;
const SAW_RT: u8 = 0b1_0000;

fn after(state: u8, rel: Rel) -> u8 {
    match rel {
        Rel::Rw => ((state & RW_COUNT) + 1).min(2) | LAST_RW | (state & (SAW_WR | SAW_RT)),
        Rel::Wr => state & !LAST_RW | SAW_WR,
        Rel::Realtime => state & !LAST_RW | SAW_RT,
        Rel::Ww => state & !LAST_RW,
    }
}

/// Whether `class` may take an edge of kind `rel` in `state` (realtime edges only when
/// `with_order`).
fn allowed(class: Class, with_order: bool, state: u8, rel: Rel) -> bool {
    match rel {
        Rel::Realtime => with_order,
        Rel::Ww => true,
        Rel::Wr => class != Class::G0,
        Rel::Rw => match class {
            Class::G0 | Class::G1c => false,
            Class::GSingle => state & RW_COUNT == 0,
            Class::GNonadjacent => state & LAST_RW == 0,
            Class::G2Item => true,
        },
    }
}

/// Whether a path that started with an edge of kind `first` and ends in `state` closes a
/// cycle of `class` (with `with_order`, one that takes a realtime edge).
fn accepts(class: Class, with_order: bool, first: Rel, state: u8) -> bool {
    if with_order && state & SAW_RT == 0 {
        return false;
    }
    let rws = state & RW_COUNT;
    match class {
        Class::G0 => true,
        Class::G1c => state & SAW_WR != 0,
        Class::GSingle => rws == 1,
        Class::GNonadjacent => rws == 2 && !(first == Rel::Rw && state & LAST_RW != 0),
        Class::G2Item => rws >= 1,
    }
}

/// The edge a cycle of `class` is searched from, and the edges the rest of it may take (for
/// the reachability filter).
fn plan(class: Class, with_order: bool) -> (Rel, Vec<Rel>) {
    let mut rest = match class {
        Class::G0 => vec![Rel::Ww],
        Class::G1c => vec![Rel::Ww, Rel::Wr],
        Class::GSingle => vec![Rel::Ww, Rel::Wr],
        Class::GNonadjacent | Class::G2Item => vec![Rel::Ww, Rel::Wr, Rel::Rw],
    };
    if with_order {
        rest.push(Rel::Realtime);
    }
    let start = match class {
        Class::G0 if with_order => Rel::Realtime,
        Class::G1c if with_order => Rel::Realtime,
        Class::G0 => Rel::Ww,
        Class::G1c => Rel::Wr,
        _ => Rel::Rw,
    };
    (start, rest)
}

/// Searches `graph` for cycles; with `with_order`, also for cycles that need a real-time
/// edge, in the components where the data dependencies alone showed none (there one cycle
/// settles strict serializability).
pub(crate) fn search(
    t: &Txns,
    shape: Shape,
    graph: &Graph,
    with_order: bool,
    budget: &mut Budget,
) -> Found {
    let mut found = Found::default();
    let data = Rels::of(&[Rel::Ww, Rel::Wr, Rel::Rw]);
    let data_comps = graph.components(data);
    for class in CLASSES {
        let rels = match class {
            Class::G0 => Rels::of(&[Rel::Ww]),
            Class::G1c => Rels::of(&[Rel::Ww, Rel::Wr]),
            _ => data,
        };
        let comps = if rels == data {
            data_comps.clone()
        } else {
            graph.components(rels)
        };
        if comps.is_empty() {
            continue;
        }
        let (start, rest) = plan(class, false);
        let topo = graph.topo(Rels::of(&rest));
        for comp in &comps {
            if class == Class::G2Item
                && has_cycle(&found, comp, &[Class::GSingle, Class::GNonadjacent])
            {
                continue;
            }
            search_component(
                t, shape, graph, comp, class, start, &topo, false, budget, &mut found,
            );
        }
    }
    if !with_order {
        return found;
    }
    let comps = graph.components(Rels::of(&[Rel::Ww, Rel::Wr, Rel::Rw, Rel::Realtime]));
    if comps.is_empty() {
        return found;
    }
    let plans: Vec<(Class, Rel, Vec<u32>)> = CLASSES
        .iter()
        .map(|&class| {
            let (start, rest) = plan(class, true);
            (class, start, graph.topo(Rels::of(&rest)))
        })
        .collect();
    for comp in comps {
        if has_cycle(&found, &comp, &CLASSES) {
            continue;
        }
        for (class, start, topo) in &plans {
            if search_component(
                t, shape, graph, &comp, *class, *start, topo, true, budget, &mut found,
            ) {
                break;
            }
        }
    }
    found
}

/// Whether a cycle of one of `classes` was found among `comp`'s transactions.
fn has_cycle(found: &Found, comp: &[u32], classes: &[Class]) -> bool {
    found.cycles.iter().any(|a| {
        matches!(a.kind, Kind::Cycle(c, _) if classes.contains(&c))
            && a.txns.iter().any(|t| comp.binary_search(t).is_ok())
    })
}

/// Tries each edge of kind `start` in `comp` from which the rest of a cycle could lead back
/// (by `topo`) until one closes a cycle of `class`; whether one did.
#[allow(clippy::too_many_arguments)]
fn search_component(
    t: &Txns,
    shape: Shape,
    graph: &Graph,
    comp: &[u32],
    class: Class,
    start: Rel,
    topo: &[u32],
    with_order: bool,
    budget: &mut Budget,
    found: &mut Found,
) -> bool {
    let order = if with_order {
        Order::Realtime
    } else {
        Order::Data
    };
    for (a, b) in graph.edges_in(comp, start) {
        if topo[b as usize] > topo[a as usize] {
            continue;
        }
        let path = graph.path(
            comp,
            (b, after(0, start)),
            a,
            |s, r| allowed(class, with_order, s, r).then(|| after(s, r)),
            |s| accepts(class, with_order, start, s),
            budget,
        );
        if let Some(rest) = path {
            let mut cycle = vec![graph.step(a, start, b)];
            cycle.extend(rest);
            let mut nodes: Vec<u32> = cycle.iter().map(|s| s.from).collect();
            nodes.sort_unstable();
            nodes.dedup();
            if nodes.len() < cycle.len() {
                // Breadth-first search over automaton states may revisit a node; such a walk
                // is not a simple cycle of its class.
                continue;
            }
            let explanation = explain::cycle(t, shape, &cycle);
            found.cycles.push(Anomaly {
                kind: Kind::Cycle(class, order),
                txns: cycle.iter().map(|s| s.from).collect(),
                cycle,
                explanation,
            });
            return true;
        }
        if budget.visits == 0 {
            let kind = Kind::Cycle(class, order);
            if !found.incomplete.contains(&kind) {
                found.incomplete.push(kind);
            }
            return false;
        }
    }
    false
}
