//! Deciding a string key of `put` and `append` ops without search: the kv histories of
//! Porcupine's tests and etcd's (`put "x 9 3 y"`, `append "x 4 4 y"` on string keys), where
//! many concurrent clients make the search explode.
//!
//! With unique pieces (every put value and every appended string distinct and non-empty) a
//! read shows exactly which put (or the initial value) its string starts with and which
//! appends followed, in order, when its value splits one way only. The key's ops then fall
//! into blocks (module `blocks`) that must each run contiguously:
//! - an *epoch*: a put (or the initial value) with the appends and reads that show it. Every
//!   read of an epoch must show a prefix of the appends its longest read shows; inside, the
//!   put comes first, then the `j`-th append before the reads that show exactly `j` appends;
//! - a put no read shows, or an append no read shows, alone (one never answered may never
//!   have happened, and is dropped).
//!
//! and the zone test decides whether the blocks can be ordered. O(n log n) plus the cost of
//! splitting each read (linear in its length times the number of distinct piece lengths).
//!
//! Cheap refutations come first, and also run when a split is ambiguous: a read that splits
//! no way; one that holds a piece invoked after it returned; without puts, one that lacks an
//! append acknowledged before it began.

use super::blocks::{place, short, zone_test, Block, Now, EARLIEST};
use super::register::RegOp;
use super::{fmt_value, Shortcut, Timed};
use crate::history::Value;
use std::collections::HashMap;

/// The decision for a string key of puts and appends, or `None` when the key is not one (a
/// cas, a write that is not a non-empty string, a repeated or empty piece, a read that is not
/// a string or splits several ways) and nothing in it could be refuted cheaply.
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
    if !pieces.index() {
        return None;
    }
    let no_puts = pieces.puts.is_empty();
    // `holds[k] == i + 1` when read `i` shows append `k`.
    let mut holds: Vec<usize> = vec![0; ops.len()];
    let mut reads: Vec<Seen> = Vec::new();
    for (i, (op, call, ret)) in ops.iter().enumerate() {
        let seen = match op {
            RegOp::Read(Some(Value::Str(seen))) => seen,
            RegOp::Read(Some(Value::Nil)) if matches!(init, Value::Nil) => {
                reads.push(Seen {
                    read: i,
                    put: None,
                    appends: Vec::new(),
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
                return Some(Shortcut::Refuted(i, why));
            }
            // Ambiguous splits say nothing certain about which pieces are in.
            Split::Ambiguous => {
                decidable = false;
                continue;
            }
            Split::One(put, parts) => (put, parts),
        };
        if let Some(&k) = put
            .iter()
            .chain(&parts)
            .find(|&&k| ret.is_some_and(|r| r < ops[k].1))
        {
            let why = format!(
                "it read {}, which holds {}, invoked only after it returned (entry {})",
                shown(),
                what_piece(ops, k),
                ops[k].1
            );
            return Some(Shortcut::Refuted(i, why));
        }
        for &k in &parts {
            holds[k] = i + 1;
        }
        if no_puts {
            let missing = pieces
                .appends
                .iter()
                .find(|&&(k, _)| ops[k].2.is_some_and(|r| r < *call) && holds[k] != i + 1);
            if let Some(&(k, a)) = missing {
                let why = format!(
                    "it read {}, which lacks {}, appended and acknowledged (entry {}) before this read began",
                    shown(),
                    fmt_value(&Value::Str(a.to_string())),
                    ops[k].2.unwrap_or_default()
                );
                return Some(Shortcut::Refuted(i, why));
            }
        }
        reads.push(Seen {
            read: i,
            put,
            appends: parts,
        });
    }
    if !decidable {
        return None;
    }
    Some(
        match blocks(ops, &pieces, &reads).and_then(|b| zone_test(ops, &b)) {
            Ok(()) => Shortcut::Linearizable,
            Err((i, why)) => Shortcut::Refuted(i, why),
        },
    )
}

/// What one read shows: the put its string starts with (`None`: the initial value) and the
/// appends after it, in order (op indices).
struct Seen {
    read: usize,
    put: Option<usize>,
    appends: Vec<usize>,
}

/// `the put of "x"` or `the append of "x"`.
fn what_piece(ops: &[Timed<'_, RegOp>], k: usize) -> String {
    match ops[k].0 {
        RegOp::Write(v) => format!("the put of {}", short(v)),
        RegOp::Append(a) => format!("the append of {}", short(&Value::Str(a.clone()))),
        _ => String::new(),
    }
}

/// The blocks of the module comment, each placed inside greedily.
fn blocks(
    ops: &[Timed<'_, RegOp>],
    pieces: &Pieces<'_>,
    reads: &[Seen],
) -> Result<Vec<Block>, (usize, String)> {
    // Reads by epoch, in order of the epoch's first read.
    let mut epochs: Vec<(Option<usize>, Vec<&Seen>)> = Vec::new();
    let mut epoch_of: HashMap<Option<usize>, usize> = HashMap::new();
    for seen in reads {
        let e = *epoch_of.entry(seen.put).or_insert_with(|| {
            epochs.push((seen.put, Vec::new()));
            epochs.len() - 1
        });
        epochs[e].1.push(seen);
    }
    // Which epoch shows each append.
    let mut shown_in: HashMap<usize, (Option<usize>, usize)> = HashMap::new();
    for seen in reads {
        for &k in &seen.appends {
            match shown_in.insert(k, (seen.put, seen.read)) {
                Some((other, at)) if other != seen.put => {
                    let why = format!(
                        "it shows {} after {}, but the read at entry {} shows it after {}: an append takes effect once",
                        what_piece(ops, k),
                        base(ops, seen.put),
                        ops[at].1,
                        base(ops, other),
                    );
                    return Err((seen.read, why));
                }
                _ => {}
            }
        }
    }
    let mut out: Vec<Block> = Vec::new();
    for (put, seen) in &epochs {
        out.push(epoch(ops, *put, seen)?);
    }
    // Pieces no read shows: alone, when they certainly happened.
    for &(k, a) in &pieces.appends {
        if !shown_in.contains_key(&k) && ops[k].2.is_some() {
            let mut block = Block::new(
                format!("the append of {}", short(&Value::Str(a.to_string()))),
                Some(k),
            );
            block.ops_in_words = "the append alone".into();
            block.note(ops, k);
            out.push(block);
        }
    }
    for &(k, p) in &pieces.puts {
        if !epoch_of.contains_key(&Some(k)) && ops[k].2.is_some() {
            let mut block = Block::new(short(&Value::Str(p.to_string())), Some(k));
            block.ops_in_words = "its put".into();
            block.note(ops, k);
            out.push(block);
        }
    }
    Ok(out)
}

/// `the initial value` or `the put of "x"`.
fn base(ops: &[Timed<'_, RegOp>], put: Option<usize>) -> String {
    put.map_or("the initial value".to_string(), |p| what_piece(ops, p))
}

/// One epoch as a block: its reads must show prefixes of one order of appends, and its ops
/// must fit that order.
fn epoch(
    ops: &[Timed<'_, RegOp>],
    put: Option<usize>,
    seen: &[&Seen],
) -> Result<Block, (usize, String)> {
    let longest = seen
        .iter()
        .max_by_key(|s| (s.appends.len(), s.read))
        .map_or(&[][..], |s| &s.appends[..]);
    if let Some(s) = seen
        .iter()
        .find(|s| longest[..s.appends.len()] != s.appends[..])
    {
        let at = seen
            .iter()
            .find(|t| t.appends[..] == *longest)
            .map_or(0, |t| t.read);
        let why = format!(
            "its appends are not a prefix of those the read at entry {} shows, so the two reads see no one order of appends",
            ops[at].1
        );
        return Err((s.read, why));
    }
    let label = match put {
        Some(p) => format!("{} (with what was appended to it)", base(ops, Some(p))),
        None => "the initial value (with what was appended to it)".to_string(),
    };
    let mut block = Block::new(label, put);
    // Reads by how many appends they show.
    let mut by_len: Vec<Vec<usize>> = vec![Vec::new(); longest.len() + 1];
    for s in seen {
        by_len[s.appends.len()].push(s.read);
    }
    let why = |i: usize| {
        move |by: usize| {
            match (ops[i].0, ops[by].0) {
                (RegOp::Append(_), RegOp::Read(_)) => "that read does not show this append",
                (RegOp::Append(_), RegOp::Append(_)) => {
                    "the reads show that append before this one"
                }
                (RegOp::Append(_), _) => "the reads show this append after that put",
                (RegOp::Read(_), RegOp::Read(_)) => "this read shows more appends than that one",
                _ => "this read shows what that op wrote",
            }
            .to_string()
        }
    };
    let mut now: Now = EARLIEST;
    if let Some(p) = put {
        now = place(ops, p, now, why(p))?;
        block.note(ops, p);
    }
    for (j, level) in by_len.iter().enumerate() {
        let mut after = now;
        if j > 0 {
            let a = longest[j - 1];
            after = place(ops, a, now, why(a))?;
            block.note(ops, a);
        }
        let mut end = after;
        for &r in level {
            let point = place(ops, r, after, why(r))?;
            if point.0 > end.0 {
                end = point;
            }
            block.note(ops, r);
        }
        now = end;
    }
    let first = if put.is_some() { "its put, " } else { "" };
    block.ops_in_words = format!("{first}{} reads and {} appends", seen.len(), longest.len());
    Ok(block)
}

/// How a read's string splits into pieces.
enum Split {
    /// No way.
    Never,
    /// Several ways.
    Ambiguous,
    /// One way: the put it starts with (`None`: the initial value) and the appends after it.
    One(Option<usize>, Vec<usize>),
}

/// The put values and appended strings, for splitting reads.
#[derive(Default)]
struct Pieces<'a> {
    appends: Vec<(usize, &'a str)>,
    puts: Vec<(usize, &'a str)>,
    append_of: HashMap<&'a [u8], usize>,
    put_of: HashMap<&'a [u8], usize>,
    append_lengths: Vec<usize>,
    put_lengths: Vec<usize>,
}

impl Pieces<'_> {
    /// Indexes the pieces; false when two are equal.
    fn index(&mut self) -> bool {
        for &(k, a) in &self.appends {
            if self.append_of.insert(a.as_bytes(), k).is_some() {
                return false;
            }
        }
        for &(k, p) in &self.puts {
            if self.put_of.insert(p.as_bytes(), k).is_some()
                || self.append_of.contains_key(p.as_bytes())
            {
                return false;
            }
        }
        self.append_lengths = lengths(&self.appends);
        self.put_lengths = lengths(&self.puts);
        true
    }

    /// Splits `s` into the initial value or a put, then appends.
    fn split(&self, s: &str, init: &str) -> Split {
        let (bytes, n) = (s.as_bytes(), s.len());
        // ways[p]: the number of splits of s[p..] into appends (capped at 2), and the length
        // of the first piece of one.
        let mut ways: Vec<(u8, usize)> = vec![(0, 0); n + 1];
        ways[n] = (1, 0);
        for p in (0..n).rev() {
            for &len in self.append_lengths.iter().take_while(|&&len| p + len <= n) {
                if ways[p + len].0 > 0 && self.append_of.contains_key(&bytes[p..p + len]) {
                    ways[p] = ((ways[p].0 + ways[p + len].0).min(2), len);
                }
            }
        }
        // Where the appends start, and after which put.
        let mut starts: Vec<(usize, Option<usize>)> = Vec::new();
        if s.starts_with(init) {
            starts.push((init.len(), None));
        }
        for &len in self.put_lengths.iter().take_while(|&&len| len <= n) {
            if let Some(&k) = self.put_of.get(&bytes[..len]) {
                starts.push((len, Some(k)));
            }
        }
        let total: u32 = starts.iter().map(|&(p, _)| u32::from(ways[p].0)).sum();
        match total {
            0 => Split::Never,
            1 => {
                let (mut p, put) = starts
                    .into_iter()
                    .find(|&(p, _)| ways[p].0 > 0)
                    .unwrap_or_default();
                let mut parts = Vec::new();
                while p < n {
                    let len = ways[p].1;
                    parts.push(self.append_of[&bytes[p..p + len]]);
                    p += len;
                }
                Split::One(put, parts)
            }
            _ => Split::Ambiguous,
        }
    }
}

/// The distinct lengths of `pieces`, ascending.
fn lengths(pieces: &[(usize, &str)]) -> Vec<usize> {
    let mut lengths: Vec<usize> = pieces.iter().map(|(_, p)| p.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();
    lengths
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refutation `decide` gives, if any.
    fn refuted(ops: &[Timed<'_, RegOp>], init: &Value) -> Option<(usize, String)> {
        match decide(ops, init) {
            Some(Shortcut::Refuted(i, why)) => Some((i, why)),
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
        // The same string appended twice: no refutation is attempted.
        let ax2 = a("x1 ");
        let h = [
            (&ax, 0, Some(1)),
            (&ax2, 2, Some(3)),
            (&az, 4, None),
            (&rx, 6, Some(7)),
        ];
        assert_eq!(refuted(&h, &init), None);
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
