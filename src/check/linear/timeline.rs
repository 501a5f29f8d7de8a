//! A plain-text timeline of a few ops: one row per process, each op a bar from its
//! invocation to its completion along history positions (compressed to the positions that
//! matter, and stretched so every label fits).
//!
//! ```text
//! entry  0          1   2          5          6
//! p0     |--write 0--|
//! p1                    |==read 3=============|
//! p2                        |--write 4--|
//! ```

use crate::history::Process;

/// One op to draw.
#[derive(Clone, Debug)]
pub(crate) struct Bar {
    /// What to write inside the bar (`write 3`).
    pub label: String,
    /// Its row.
    pub process: Process,
    /// History position of the invocation.
    pub call: usize,
    /// History position of the `ok` completion; `None`: no reply (drawn open-ended).
    pub ret: Option<usize>,
    /// The op that could not be placed (drawn with `=`).
    pub stuck: bool,
}

/// The process's short name: `p3`, `nemesis`.
pub(crate) fn process_name(p: Process) -> String {
    match p {
        Process::Client(n) => format!("p{n}"),
        Process::Nemesis => "nemesis".into(),
    }
}

/// Draws `bars` (any order) as a timeline; empty input gives an empty string.
pub(crate) fn render(bars: &[Bar]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let mut bars: Vec<&Bar> = bars.iter().collect();
    bars.sort_by_key(|b| (b.call, b.process));
    // Columns: the events involved — (position, 0) for a start, (position, 1) for an end, so
    // that an op that begins and ends at one position (completion-only histories) still has
    // two columns — spaced so each bar's label fits between its ends.
    let start = |b: &Bar| (b.call, 0u8);
    let end = |b: &Bar| b.ret.map(|r| (r, 1u8));
    let mut positions: Vec<(usize, u8)> = bars
        .iter()
        .flat_map(|b| std::iter::once(start(b)).chain(end(b)))
        .collect();
    positions.sort_unstable();
    positions.dedup();
    let width = |b: &Bar| b.label.chars().count() + 5;
    let mut column: Vec<usize> = Vec::with_capacity(positions.len());
    for (k, &event) in positions.iter().enumerate() {
        let mut x = if k == 0 {
            0
        } else {
            column[k - 1] + 1 + positions[k - 1].0.to_string().len()
        };
        for b in bars.iter().filter(|b| end(b) == Some(event)) {
            let from = column[positions.binary_search(&start(b)).unwrap_or(0)];
            x = x.max(from + width(b));
        }
        column.push(x);
    }
    let col = |event: (usize, u8)| column[positions.binary_search(&event).unwrap_or(0)];
    let open_end = bars
        .iter()
        .filter(|b| b.ret.is_none())
        .map(|b| col(start(b)) + width(b) + 2)
        .max()
        .unwrap_or(0);
    let right = open_end.max(column.last().copied().unwrap_or(0) + 1);
    // Rows: one per process, more when a process's bars would overlap.
    let mut lanes: Vec<(Process, usize, Vec<char>)> = Vec::new();
    for b in &bars {
        let (x1, x2) = (col(start(b)), end(b).map_or(right, col));
        let lane = match lanes
            .iter()
            .position(|(p, end, _)| *p == b.process && *end < x1)
        {
            Some(i) => i,
            None => {
                lanes.push((b.process, 0, vec![' '; right + 1]));
                lanes.len() - 1
            }
        };
        let (_, end, row) = &mut lanes[lane];
        *end = x2;
        let fill = if b.stuck { '=' } else { '-' };
        for c in row.iter_mut().take(x2 + 1).skip(x1) {
            *c = fill;
        }
        row[x1] = '|';
        row[x2] = if b.ret.is_some() { '|' } else { '>' };
        for (i, ch) in b.label.chars().enumerate() {
            row[x1 + 3 + i] = ch;
        }
    }
    lanes.sort_by_key(|(p, _, _)| *p);
    let names: Vec<String> = lanes.iter().map(|(p, _, _)| process_name(*p)).collect();
    let pad = names.iter().map(|n| n.len()).max().unwrap_or(0).max(5) + 2;
    let mut axis = vec![' '; right + 12];
    let mut free = 0;
    for (k, &(pos, _)) in positions.iter().enumerate() {
        let text = pos.to_string();
        if column[k] >= free && (k == 0 || positions[k - 1].0 != pos) {
            for (i, ch) in text.chars().enumerate() {
                axis[column[k] + i] = ch;
            }
            free = column[k] + text.len() + 1;
        }
    }
    let mut out = format!("{:pad$}{}\n", "entry", trim(&axis));
    for (name, (_, _, row)) in names.iter().zip(&lanes) {
        out.push_str(&format!("{name:pad$}{}\n", trim(row)));
    }
    let mut legend = Vec::new();
    if bars.iter().any(|b| b.stuck) {
        legend.push("`==` the op that could not be placed");
    }
    if bars.iter().any(|b| b.ret.is_none()) {
        legend.push("`-->` no ok reply: it may take effect any time after it starts, or never");
    }
    if !legend.is_empty() {
        out.push_str(&format!("({})\n", legend.join("; ")));
    }
    out
}

fn trim(row: &[char]) -> String {
    row.iter().collect::<String>().trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, p: u64, call: usize, ret: Option<usize>, stuck: bool) -> Bar {
        Bar {
            label: label.into(),
            process: Process::Client(p),
            call,
            ret,
            stuck,
        }
    }

    #[test]
    fn draws_bars_in_process_rows() {
        let text = render(&[
            bar("write 0", 0, 0, Some(1), false),
            bar("read 3", 1, 2, Some(4), true),
            bar("write 4", 2, 3, None, false),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("entry  0"), "{text}");
        assert!(lines[1].starts_with("p0     |--write 0--|"), "{text}");
        assert!(lines[2].contains("|==read 3"), "{text}");
        assert!(lines[2].ends_with('|'), "{text}");
        assert!(
            lines[3].contains("|--write 4") && lines[3].ends_with('>'),
            "{text}"
        );
        assert!(lines[4].contains("could not be placed"), "{text}");
        // The read's bar spans the write's start: the write began while the read ran.
        assert!(lines[3].find('|') > lines[2].find('|'));
        assert!(lines[3].find('|') < lines[2].rfind('|'));
    }

    #[test]
    fn an_op_that_begins_and_ends_at_one_position_has_a_bar() {
        let text = render(&[
            bar("write 1", 0, 0, Some(0), false),
            bar("read 1", 1, 1, Some(1), true),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[1].contains("|--write 1--|"), "{text}");
        assert!(lines[2].contains("|==read 1==|"), "{text}");
    }

    #[test]
    fn empty_input_draws_nothing() {
        assert_eq!(render(&[]), "");
    }
}
