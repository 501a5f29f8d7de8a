//! Splitting a read's string into the pieces that built it: a put's value (or the initial
//! value), then appended texts.

use super::reg_op::RegOp;
use super::Timed;
use std::collections::HashMap;

/// How a read's string splits into pieces.
pub(crate) enum Split {
    /// No way.
    Never,
    /// Several ways.
    Ambiguous,
    /// One way: the put it starts with (`None`: the initial value) and the appended texts
    /// after it (indices into [`Pieces::texts`]).
    One(Option<usize>, Vec<usize>),
    /// Two ways, because a put's value equals an appended text: the put followed by
    /// `after_put`, or the initial value followed by `after_init`.
    PutOrAppend {
        put: usize,
        after_put: Vec<usize>,
        after_init: Vec<usize>,
    },
}

/// The put values and appended strings, for splitting reads.
#[derive(Default)]
pub(crate) struct Pieces<'a> {
    /// Every append op, with its text.
    pub appends: Vec<(usize, &'a str)>,
    /// Every put op, with its value.
    pub puts: Vec<(usize, &'a str)>,
    /// Each distinct appended text with its ops, in the order real time puts them (a text
    /// appended more than once is accepted only when each of its appends completed before
    /// the next began).
    pub texts: Vec<(&'a str, Vec<usize>)>,
    /// Text id by text.
    append_of: HashMap<&'a [u8], usize>,
    put_of: HashMap<&'a [u8], usize>,
    append_lengths: Vec<usize>,
    put_lengths: Vec<usize>,
}

impl Pieces<'_> {
    /// Indexes the pieces; false when a put repeats a put, or a text is appended more than
    /// once by appends that real time does not order one after another. (A put may equal an
    /// appended text: a read that starts with it then splits two ways, and is ambiguous.)
    pub fn index(&mut self, ops: &[Timed<'_, RegOp>]) -> bool {
        for &(k, a) in &self.appends {
            let id = *self.append_of.entry(a.as_bytes()).or_insert_with(|| {
                self.texts.push((a, Vec::new()));
                self.texts.len() - 1
            });
            self.texts[id].1.push(k);
        }
        let before = |a: usize, b: usize| ops[a].2.is_some_and(|r| r < ops[b].1);
        for (_, chain) in &mut self.texts {
            chain.sort_by_key(|&k| ops[k].1);
            if !chain.windows(2).all(|w| before(w[0], w[1])) {
                return false;
            }
        }
        for &(k, p) in &self.puts {
            if self.put_of.insert(p.as_bytes(), k).is_some() {
                return false;
            }
        }
        self.append_lengths = lengths(&self.appends);
        self.put_lengths = lengths(&self.puts);
        true
    }

    /// Splits `s` into the initial value or a put, then appends.
    pub fn split(&self, s: &str, init: &str) -> Split {
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
        let parse = |mut p: usize| {
            let mut parts = Vec::new();
            while p < n {
                let len = ways[p].1;
                parts.push(self.append_of[&bytes[p..p + len]]);
                p += len;
            }
            parts
        };
        let one: Vec<(usize, Option<usize>)> = starts
            .into_iter()
            .filter(|&(p, _)| ways[p].0 == 1)
            .collect();
        match (total, one.as_slice()) {
            (0, _) => Split::Never,
            (1, &[(p, put)]) => Split::One(put, parse(p)),
            // A put whose value is also an appended text: the string starts either with that
            // put, or with the initial value and that append.
            (2, &[(p, None), (q, Some(put))]) | (2, &[(q, Some(put)), (p, None)]) => {
                Split::PutOrAppend {
                    put,
                    after_put: parse(q),
                    after_init: parse(p),
                }
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
