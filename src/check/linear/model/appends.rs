//! Deciding a string key of `put` and `append` ops without search: the kv histories of
//! Porcupine's tests and etcd's (`put "x 9 3 y"`, `append "x 4 4 y"` on string keys), where
//! many concurrent clients make the search explode.
//!
//! When every put value is unique and non-empty, a read's value that splits one way only
//! shows which put (or the initial value) its string starts with and which appended texts
//! followed, in order (module `pieces`). The key's ops then fall into epochs that must each
//! run as one block, and the zone test decides whether the blocks can be ordered (modules
//! `epochs` and `blocks`). A text may be appended more than once when real time orders
//! those appends one after another.
//!
//! Cheap refutations come first, and also run when a split is ambiguous: a read that splits
//! no way; one that holds a piece invoked after it returned, or a text more times than it
//! was appended; without puts, one that lacks an append acknowledged before it began.

use super::blocks::short;
use super::epochs::{self, what_piece, Seen};
use super::pieces::{Pieces, Split};
use super::reg_op::RegOp;
use super::{fmt_value, Refutation, Shortcut, Timed};
use crate::history::Value;

/// The decision for a string key of puts and appends, or `None` when the key is not one (a
/// cas, a write that is not a non-empty string, a repeated put, an empty append, a text
/// appended again by an append that overlaps the first, a read that is not a string or splits
/// several ways, too many matchings of repeated texts) and nothing could be refuted cheaply.
pub(crate) fn decide(ops: &[Timed<'_, RegOp>], init: &Value) -> Option<Shortcut> {
    let init_text = match init {
        Value::Str(s) => s.as_str(),
        Value::Nil => "",
        _ => return None,
    };
    let mut pieces = Pieces::default();
    let mut decidable = true;
    for (i, (op, ..)) in ops.iter().enumerate() {
        match op {
            RegOp::Append(a) if !a.is_empty() => pieces.appends.push((i, a)),
            RegOp::Write(Value::Str(p)) if !p.is_empty() => pieces.puts.push((i, p)),
            RegOp::Append(_) => decidable = false,
            RegOp::Read(_) => {}
            RegOp::Write(_) | RegOp::Cas(..) => return None,
        }
    }
    if !pieces.index(ops) {
        return None;
    }
    let no_puts = pieces.puts.is_empty();
    // `holds[t] == i + 1` when read `i` shows text `t`.
    let mut holds: Vec<usize> = vec![0; pieces.texts.len()];
    let mut reads: Vec<Seen> = Vec::new();
    // Reads that start with a put's value that is also an appended text.
    let mut either: Vec<(usize, usize, Vec<usize>, Vec<usize>)> = Vec::new();
    for (i, (op, call, ret)) in ops.iter().enumerate() {
        let seen = match op {
            RegOp::Read(Some(Value::Str(seen))) => seen,
            RegOp::Read(Some(Value::Nil)) if matches!(init, Value::Nil) => {
                reads.push(Seen {
                    read: i,
                    put: None,
                    texts: Vec::new(),
                });
                continue;
            }
            RegOp::Read(Some(_)) => {
                decidable = false;
                continue;
            }
            _ => continue,
        };
        let shown = || short(&Value::Str(seen.clone()));
        let (put, parts) = match pieces.split(seen, init_text) {
            Split::Never => {
                let what = if no_puts {
                    "the initial value followed by appends"
                } else {
                    "a put or the initial value followed by appends"
                };
                let why = format!("it read {}, which no sequence of {what} builds", shown());
                return Some(Shortcut::Refuted(Refutation::new(i, why)));
            }
            // Ambiguous splits say nothing certain about which pieces are in.
            Split::Ambiguous => {
                decidable = false;
                continue;
            }
            Split::One(put, parts) => (put, parts),
            Split::PutOrAppend {
                put,
                after_put,
                after_init,
            } => {
                either.push((i, put, after_put, after_init));
                continue;
            }
        };
        // The n-th time a text shows, it is at least its n-th append.
        let mut times: Vec<usize> = vec![0; pieces.texts.len()];
        let mut shows = put.into_iter().chain(parts.iter().map(|&t| {
            times[t] += 1;
            pieces.texts[t]
                .1
                .get(times[t] - 1)
                .copied()
                .unwrap_or(usize::MAX)
        }));
        if let Some(k) = shows.find(|&k| k == usize::MAX || ret.is_some_and(|r| r < ops[k].1)) {
            let why = match parts.iter().find(|&&t| times[t] > pieces.texts[t].1.len()) {
                Some(&t) => format!(
                    "it read {}, which holds {} {} times, but it was appended only {} times",
                    shown(),
                    short(&Value::Str(pieces.texts[t].0.to_string())),
                    times[t],
                    pieces.texts[t].1.len()
                ),
                None => format!(
                    "it read {}, which holds {}, invoked only after it returned (entry {})",
                    shown(),
                    what_piece(ops, k),
                    ops[k].1
                ),
            };
            return Some(Shortcut::Refuted(
                Refutation::new(i, why).with([(k != usize::MAX).then_some(k)]),
            ));
        }
        for &t in &parts {
            holds[t] = i + 1;
        }
        if no_puts {
            // Without puts nothing is ever lost: every append acknowledged before the read
            // began (of a text appended once) must be in it.
            let missing = pieces.texts.iter().enumerate().find(|(t, (_, chain))| {
                chain.len() == 1 && ops[chain[0]].2.is_some_and(|r| r < *call) && holds[*t] != i + 1
            });
            if let Some((_, (a, chain))) = missing {
                let why = format!(
                    "it read {}, which lacks {}, appended and acknowledged (entry {}) before this read began",
                    shown(),
                    fmt_value(&Value::Str(a.to_string())),
                    ops[chain[0]].2.unwrap_or_default()
                );
                return Some(Shortcut::Refuted(
                    Refutation::new(i, why).with([Some(chain[0])]),
                ));
            }
        }
        reads.push(Seen {
            read: i,
            put,
            texts: parts,
        });
    }
    if !decidable {
        return None;
    }
    if either.is_empty() {
        return Some(match epochs::decide(ops, &pieces, &reads)? {
            Ok(()) => Shortcut::Linearizable,
            Err(r) => Shortcut::Refuted(r),
        });
    }
    two_readings(ops, &pieces, reads, &either)
}

/// Decides a key some of whose reads start with a put's value that is also an appended text:
/// every such value read as the put everywhere, or as the append everywhere, each
/// combination tried. One that works shows the key linearizable; when none does, a mixed
/// reading might, so the key goes to the search.
fn two_readings(
    ops: &[Timed<'_, RegOp>],
    pieces: &Pieces<'_>,
    reads: Vec<Seen>,
    either: &[(usize, usize, Vec<usize>, Vec<usize>)],
) -> Option<Shortcut> {
    let mut puts: Vec<usize> = either.iter().map(|e| e.1).collect();
    puts.sort_unstable();
    puts.dedup();
    if puts.len() > 4 {
        return None;
    }
    let mut reads = reads;
    let definite = reads.len();
    for mask in 0..1u32 << puts.len() {
        reads.truncate(definite);
        for (read, put, after_put, after_init) in either {
            let bit = puts.binary_search(put).unwrap_or_default();
            let as_put = mask & (1 << bit) != 0;
            reads.push(Seen {
                read: *read,
                put: as_put.then_some(*put),
                texts: if as_put { after_put } else { after_init }.clone(),
            });
        }
        if let Some(Ok(())) = epochs::decide(ops, pieces, &reads) {
            return Some(Shortcut::Linearizable);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refutation `decide` gives, if any.
    fn refuted(ops: &[Timed<'_, RegOp>], init: &Value) -> Option<(usize, String)> {
        match decide(ops, init) {
            Some(Shortcut::Refuted(r)) => Some((r.op, r.why)),
            _ => None,
        }
    }

    #[test]
    fn string_appends_are_refuted_by_what_the_read_shows() {
        let init = Value::Str(String::new());
        let a = |x: &str| RegOp::Append(x.to_string());
        let r = |x: &str| RegOp::Read(Some(Value::Str(x.to_string())));
        let (ax, ay, az) = (a("x1 "), a("y2 "), a("z3 "));
        // A read that no sequence of the appends builds.
        let (rq, rxy, ryx, rx) = (r("x1 q"), r("x1 y2 "), r("y2 x1 "), r("x1 "));
        let h = [(&ax, 0, Some(1)), (&rq, 2, Some(3))];
        assert!(refuted(&h, &init)
            .unwrap()
            .1
            .contains("no sequence of the initial value followed by appends"));
        // Concurrent appends in either order, but one order for every read.
        let h = [
            (&ax, 0, Some(5)),
            (&ay, 1, Some(6)),
            (&rxy, 2, Some(7)),
            (&ryx, 3, Some(8)),
        ];
        assert!(refuted(&h, &init).unwrap().1.contains("not a prefix"));
        let h = [
            (&ax, 0, Some(5)),
            (&ay, 1, Some(6)),
            (&rx, 2, Some(7)),
            (&rxy, 3, Some(8)),
        ];
        assert_eq!(decide(&h, &init), Some(Shortcut::Linearizable));
        // A read that lacks an append acknowledged before it began.
        let h = [(&ax, 0, Some(1)), (&ay, 2, Some(3)), (&rx, 4, Some(5))];
        assert!(refuted(&h, &init).unwrap().1.contains("lacks \"y2 \""));
        // An unanswered append may be missing; one invoked after the read returned may not
        // be present.
        let h = [(&ax, 0, Some(1)), (&ay, 2, None), (&rx, 4, Some(5))];
        assert_eq!(refuted(&h, &init), None);
        let h = [(&rxy, 0, Some(1)), (&ax, 0, Some(3)), (&ay, 2, Some(3))];
        assert!(refuted(&h, &init)
            .unwrap()
            .1
            .contains("invoked only after it returned"));
        // The same string appended twice, one append after the other: both must show.
        let ax2 = a("x1 ");
        let h = [
            (&ax, 0, Some(1)),
            (&ax2, 2, Some(3)),
            (&az, 4, None),
            (&rx, 6, Some(7)),
        ];
        assert!(refuted(&h, &init).unwrap().1.contains("covers it"));
        let rxx = r("x1 x1 ");
        let h = [
            (&ax, 0, Some(1)),
            (&ax2, 2, Some(3)),
            (&az, 4, None),
            (&rxx, 6, Some(7)),
        ];
        assert_eq!(decide(&h, &init), Some(Shortcut::Linearizable));
        let rxxx = r("x1 x1 x1 ");
        let h = [(&ax, 0, Some(1)), (&ax2, 2, Some(3)), (&rxxx, 6, Some(7))];
        assert!(refuted(&h, &init)
            .unwrap()
            .1
            .contains("appended only 2 times"));
        // Appended twice by overlapping appends: left to the search.
        let h = [(&ax, 0, Some(3)), (&ax2, 2, Some(5)), (&rxx, 6, Some(7))];
        assert_eq!(decide(&h, &init), None);
    }

    #[test]
    fn puts_start_epochs_that_run_as_blocks() {
        let init = Value::Nil;
        let put = |x: &str| RegOp::Write(Value::Str(x.to_string()));
        let a = |x: &str| RegOp::Append(x.to_string());
        let r = |x: &str| RegOp::Read(Some(Value::Str(x.to_string())));
        let (p1, p2, ax, rp1x, rp2, rx) = (
            put("p1 "),
            put("p2 "),
            a("x "),
            r("p1 x "),
            r("p2 "),
            r("x "),
        );
        // put p1, append x, read "p1 x ", put p2, read "p2 ": one after another.
        let h = [
            (&p1, 0, Some(1)),
            (&ax, 2, Some(3)),
            (&rp1x, 4, Some(5)),
            (&p2, 6, Some(7)),
            (&rp2, 8, Some(9)),
        ];
        assert_eq!(decide(&h, &init), Some(Shortcut::Linearizable));
        // The read of "p1 x " began after put p2 completed: p1's epoch was over.
        let h = [
            (&p1, 0, Some(1)),
            (&ax, 2, Some(3)),
            (&p2, 4, Some(5)),
            (&rp1x, 6, Some(7)),
        ];
        let (i, why) = refuted(&h, &init).unwrap();
        assert_eq!(i, 2, "{why}");
        assert!(why.contains("covers it"), "{why}");
        // An append seen after the initial value and after a put: it took effect once.
        let h = [
            (&ax, 0, Some(1)),
            (&rx, 2, Some(3)),
            (&p1, 4, Some(5)),
            (&rp1x, 6, Some(7)),
        ];
        assert!(refuted(&h, &init).unwrap().1.contains("takes effect once"));
        // A put invoked after the read that shows it returned.
        let h = [(&rp2, 0, Some(1)), (&p2, 2, Some(3))];
        assert!(refuted(&h, &init)
            .unwrap()
            .1
            .contains("invoked only after it returned"));
        // A value equal to a piece twice: left to the search.
        let (p1b,) = (put("p1 "),);
        let h = [(&p1, 0, Some(1)), (&p1b, 2, Some(3))];
        assert_eq!(decide(&h, &init), None);
    }
}
