//! The epochs of a string key of puts and appends, as blocks for the zone test (module
//! `blocks`).
//!
//! An *epoch* is a put (or the initial value) with the appends and reads that show it. Its
//! reads must show prefixes of one sequence of appended texts (its longest read's); inside,
//! the put comes first, then the `j`-th append before the reads that show exactly `j`
//! appends. A put or an append no read shows stands alone (one never answered may never have
//! happened, and is dropped).
//!
//! A text appended more than once (Porcupine's kv tests do: a client that restarts its
//! counter) is accepted when real time orders its appends one after another: they then take
//! effect in that order, so an epoch that shows the text `c` times shows `c` consecutive ones
//! of them. Which ones is not fixed, so every matching of occurrences to appends is tried
//! (in practice a handful; past [`MOST_MATCHINGS`] the key goes to the search): the key is
//! linearizable if one matching is.

use super::blocks::{place, short, zone_test, Block, Now, EARLIEST};
use super::pieces::Pieces;
use super::reg_op::RegOp;
use super::{Refutation, Timed};
use crate::history::Value;
use std::collections::HashMap;

/// Most matchings of repeated appended texts tried before leaving the key to the search.
pub(crate) const MOST_MATCHINGS: usize = 4096;

/// Most (matchings × ops) tried: a long key with many repeated texts goes to the search
/// (and its budget) instead of taking minutes here.
const MOST_WORK: usize = 20_000_000;

/// What one read shows: the put its string starts with (`None`: the initial value) and the
/// appended texts after it, in order (indices into [`Pieces::texts`]).
pub(crate) struct Seen {
    pub read: usize,
    pub put: Option<usize>,
    pub texts: Vec<usize>,
}

/// Where each epoch's run of a repeated text starts: `(epoch, first append)` pairs.
type Runs = Vec<(usize, usize)>;

/// One epoch: its put, its reads and the texts its longest read shows.
struct Epoch<'s> {
    put: Option<usize>,
    reads: Vec<&'s Seen>,
    longest: &'s [usize],
}

/// Decides the key from what its reads show: `Ok(())` when linearizable, the op that cannot
/// take effect and why otherwise, `None` when repeated texts allow too many matchings.
pub(crate) fn decide(
    ops: &[Timed<'_, RegOp>],
    pieces: &Pieces<'_>,
    reads: &[Seen],
) -> Option<Result<(), Refutation>> {
    let epochs = match group(ops, reads) {
        Ok(e) => e,
        Err(e) => return Some(Err(e)),
    };
    // A text appended once can be shown by one epoch only.
    let mut shown_in: HashMap<usize, usize> = HashMap::new();
    for (e, epoch) in epochs.iter().enumerate() {
        for &t in epoch.longest {
            let once = pieces.texts[t].1.len() == 1;
            match shown_in.insert(t, e) {
                Some(other) if other != e && once => {
                    let k = pieces.texts[t].1[0];
                    let why = format!(
                        "it shows {} after {}, but {} shows it after {}: an append takes effect once",
                        what_piece(ops, k),
                        base(ops, epoch.put),
                        describe_read(ops, &epochs[other]),
                        base(ops, epochs[other].put),
                    );
                    let other_read = longest_read(&epochs[other]);
                    return Some(Err(
                        Refutation::new(longest_read(epoch), why).with([Some(other_read), Some(k)])
                    ));
                }
                _ => {}
            }
        }
    }
    // The matchings of each repeated text: per epoch that shows it, where its run starts.
    let mut choices: Vec<(usize, Vec<Runs>)> = Vec::new();
    for (t, (text, chain)) in pieces.texts.iter().enumerate() {
        let counts: Vec<(usize, usize)> = epochs
            .iter()
            .enumerate()
            .map(|(e, epoch)| (e, epoch.longest.iter().filter(|&&x| x == t).count()))
            .filter(|&(_, c)| c > 0)
            .collect();
        // A text appended once and shown once per epoch: the check above covers it.
        if counts.is_empty() || chain.len() == 1 && counts.iter().all(|&(_, c)| c == 1) {
            continue;
        }
        if counts.len() > 6 {
            return None;
        }
        let options = runs(chain.len(), &counts);
        if options.is_empty() {
            let (e, _) = counts.iter().max_by_key(|&&(e, c)| (c, e)).copied()?;
            let shown: usize = counts.iter().map(|&(_, c)| c).sum();
            let why = format!(
                "the reads show {} {shown} times in all, but it was appended only {} times",
                short(&Value::Str(text.to_string())),
                chain.len()
            );
            return Some(Err(Refutation::new(longest_read(&epochs[e]), why)));
        }
        choices.push((t, options));
    }
    // Each matching costs a pass over the key's ops: bound the product too.
    let total = choices
        .iter()
        .try_fold(1usize, |n, (_, o)| n.checked_mul(o.len()))
        .filter(|&n| n <= MOST_MATCHINGS && n.saturating_mul(ops.len()) <= MOST_WORK)?;
    let mut first_failure = None;
    let mut pick = vec![0usize; choices.len()];
    for _ in 0..total {
        let mut start: HashMap<(usize, usize), usize> = HashMap::new();
        for ((t, options), &p) in choices.iter().zip(&pick) {
            for &(e, s) in &options[p] {
                start.insert((e, *t), s);
            }
        }
        match blocks(ops, pieces, &epochs, &start).and_then(|b| zone_test(ops, &b)) {
            Ok(()) => return Some(Ok(())),
            Err(e) => {
                first_failure.get_or_insert(e);
            }
        }
        // The next matching, odometer-style.
        for (p, (_, options)) in pick.iter_mut().zip(&choices) {
            *p += 1;
            if *p < options.len() {
                break;
            }
            *p = 0;
        }
    }
    first_failure.map(Err)
}

/// Reads by epoch, in order of each epoch's first read, each epoch's reads checked to show
/// prefixes of its longest read.
fn group<'s>(ops: &[Timed<'_, RegOp>], reads: &'s [Seen]) -> Result<Vec<Epoch<'s>>, Refutation> {
    let mut epochs: Vec<Epoch<'s>> = Vec::new();
    let mut epoch_of: HashMap<Option<usize>, usize> = HashMap::new();
    for seen in reads {
        let e = *epoch_of.entry(seen.put).or_insert_with(|| {
            epochs.push(Epoch {
                put: seen.put,
                reads: Vec::new(),
                longest: &[],
            });
            epochs.len() - 1
        });
        let epoch = &mut epochs[e];
        epoch.reads.push(seen);
        if seen.texts.len() >= epoch.longest.len() {
            epoch.longest = &seen.texts;
        }
    }
    for epoch in &epochs {
        let longest = epoch.longest;
        if let Some(s) = epoch
            .reads
            .iter()
            .find(|s| longest[..s.texts.len()] != s.texts[..])
        {
            let why = format!(
                "its appends are not a prefix of those {} shows, so the two reads see no one order of appends",
                describe_read(ops, epoch)
            );
            return Err(Refutation::new(s.read, why).with([Some(longest_read(epoch))]));
        }
    }
    Ok(epochs)
}

/// The epoch's longest read (the last one showing its longest sequence).
fn longest_read(epoch: &Epoch<'_>) -> usize {
    epoch
        .reads
        .iter()
        .rev()
        .find(|s| s.texts.len() == epoch.longest.len())
        .map_or(0, |s| s.read)
}

/// `the read at entry 12`, for the epoch's longest read.
fn describe_read(ops: &[Timed<'_, RegOp>], epoch: &Epoch<'_>) -> String {
    format!("the read at entry {}", ops[longest_read(epoch)].1)
}

/// Every way to place runs of `counts[i].1` consecutive appends out of `m`, one run per epoch
/// `counts[i].0`, the runs disjoint, in any order of the epochs: `(epoch, first append)`.
fn runs(m: usize, counts: &[(usize, usize)]) -> Vec<Runs> {
    fn go(
        m: usize,
        counts: &[(usize, usize)],
        left: &mut Vec<bool>,
        from: usize,
        so_far: &mut Runs,
        out: &mut Vec<Runs>,
    ) {
        if so_far.len() == counts.len() {
            out.push(so_far.clone());
            return;
        }
        for i in 0..counts.len() {
            if !left[i] {
                continue;
            }
            let (e, c) = counts[i];
            left[i] = false;
            for s in from..=m.saturating_sub(c) {
                if s + c > m {
                    break;
                }
                so_far.push((e, s));
                go(m, counts, left, s + c, so_far, out);
                so_far.pop();
            }
            left[i] = true;
        }
    }
    let mut out = Vec::new();
    go(
        m,
        counts,
        &mut vec![true; counts.len()],
        0,
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// The blocks for one matching (`start[(epoch, text)]`: the first of the text's appends the
/// epoch shows), each placed inside greedily.
fn blocks(
    ops: &[Timed<'_, RegOp>],
    pieces: &Pieces<'_>,
    epochs: &[Epoch<'_>],
    start: &HashMap<(usize, usize), usize>,
) -> Result<Vec<Block>, Refutation> {
    let mut used = vec![false; ops.len()];
    let mut out: Vec<Block> = Vec::new();
    for (e, epoch) in epochs.iter().enumerate() {
        let mut next: HashMap<usize, usize> = HashMap::new();
        let sequence: Vec<usize> = epoch
            .longest
            .iter()
            .map(|&t| {
                let chain = &pieces.texts[t].1;
                let n = next
                    .entry(t)
                    .or_insert_with(|| start.get(&(e, t)).copied().unwrap_or(0));
                let k = chain[*n];
                *n += 1;
                k
            })
            .collect();
        for &k in &sequence {
            used[k] = true;
        }
        out.push(block(ops, epoch, &sequence)?);
    }
    // Pieces no read shows: alone, when they certainly happened.
    for &(k, a) in &pieces.appends {
        if !used[k] && ops[k].2.is_some() {
            let label = format!("the append of {}", short(&Value::Str(a.to_string())));
            let mut block = Block::new(label, Some(k));
            block.ops_in_words = "the append alone".into();
            block.note(ops, k);
            out.push(block);
        }
    }
    let mut starts_epoch = vec![false; ops.len()];
    for p in epochs.iter().filter_map(|e| e.put) {
        starts_epoch[p] = true;
    }
    for &(k, p) in &pieces.puts {
        if !starts_epoch[k] && ops[k].2.is_some() {
            let mut block = Block::new(short(&Value::Str(p.to_string())), Some(k));
            block.ops_in_words = "its put".into();
            block.note(ops, k);
            out.push(block);
        }
    }
    Ok(out)
}

/// `the put of "x"` or `the append of "x"`.
pub(crate) fn what_piece(ops: &[Timed<'_, RegOp>], k: usize) -> String {
    match ops[k].0 {
        RegOp::Write(v) => format!("the put of {}", short(v)),
        RegOp::Append(a) => format!("the append of {}", short(&Value::Str(a.clone()))),
        _ => String::new(),
    }
}

/// `the initial value` or `the put of "x"`.
fn base(ops: &[Timed<'_, RegOp>], put: Option<usize>) -> String {
    put.map_or("the initial value".to_string(), |p| what_piece(ops, p))
}

/// One epoch as a block, its appends being `sequence` (op indices, in order).
fn block(
    ops: &[Timed<'_, RegOp>],
    epoch: &Epoch<'_>,
    sequence: &[usize],
) -> Result<Block, Refutation> {
    let label = format!("{} (with what was appended to it)", base(ops, epoch.put));
    let mut block = Block::new(label, epoch.put);
    // Reads by how many appends they show.
    let mut by_len: Vec<Vec<usize>> = vec![Vec::new(); sequence.len() + 1];
    for s in &epoch.reads {
        by_len[s.texts.len()].push(s.read);
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
    if let Some(p) = epoch.put {
        now = place(ops, p, now, why(p))?;
        block.note(ops, p);
    }
    for (j, level) in by_len.iter().enumerate() {
        let mut after = now;
        if j > 0 {
            let a = sequence[j - 1];
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
    let first = if epoch.put.is_some() { "its put, " } else { "" };
    block.ops_in_words = format!(
        "{first}{} reads and {} appends",
        epoch.reads.len(),
        sequence.len()
    );
    Ok(block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_place_disjoint_consecutive_appends() {
        // One epoch showing 1 of 2 appends: the first or the second.
        assert_eq!(runs(2, &[(0, 1)]), vec![vec![(0, 0)], vec![(0, 1)]]);
        // Two epochs showing one each: either order.
        assert_eq!(
            runs(2, &[(0, 1), (1, 1)]),
            vec![vec![(0, 0), (1, 1)], vec![(1, 0), (0, 1)]]
        );
        // More shown than appended: no way.
        assert!(runs(2, &[(0, 2), (1, 1)]).is_empty());
        assert_eq!(runs(3, &[(0, 3)]), vec![vec![(0, 0)]]);
    }
}
