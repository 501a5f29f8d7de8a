//! Choosing the few events a story tells: every fault and leadership change competes for a
//! fixed number of places, ranked by how near in time it is to the witnessed operations
//! (before them counts more than after), whether it involves a node that served one, and
//! whether it is a major event (a crash, a partition, a new leader) or a minor one (a fault
//! ending, a degraded link, a step-down). Key events (a new leader in a term a broken
//! invariant names) are told whatever their distance.

use crate::des::time::Nanos;

/// One event that may be told.
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    /// Virtual time.
    pub(super) time: Nanos,
    /// Whether it names a node that served a witnessed operation.
    pub(super) involved: bool,
    /// Whether it is a minor event (it counts as three times as far).
    pub(super) minor: bool,
    /// Whether the failure names it (it counts as inside the window).
    pub(super) key: bool,
}

/// The window the witnessed operations span (first invocation to last completion).
#[derive(Clone, Copy, Debug)]
pub(super) struct Window {
    /// Start.
    pub(super) start: Nanos,
    /// End.
    pub(super) end: Nanos,
}

/// How far `c` is from the story's moment: zero inside the window or for a key event; the gap
/// before it; four
/// times the gap after it (an event after the witness rarely explains it, but a crash after
/// an acknowledged write can lose it). Halved for an event that involves a serving node,
/// tripled for a minor one.
fn distance(c: &Candidate, w: Window) -> Nanos {
    let d = if c.key {
        0
    } else if c.time < w.start {
        w.start - c.time
    } else if c.time > w.end {
        (c.time - w.end).saturating_mul(4)
    } else {
        0
    };
    let d = if c.minor { d.saturating_mul(3) } else { d };
    if c.involved {
        d / 2
    } else {
        d
    }
}

/// The indexes of at most `places` candidates to tell, nearest first by [`distance`], ties by
/// time and then position; returned in their original (time) order.
pub(super) fn choose(candidates: &[Candidate], w: Window, places: usize) -> Vec<usize> {
    let mut ranked: Vec<usize> = (0..candidates.len()).collect();
    ranked.sort_by_key(|&i| (distance(&candidates[i], w), candidates[i].time, i));
    ranked.truncate(places);
    ranked.sort_unstable();
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_and_involved_events_win() {
        let c = |time, involved| Candidate {
            time,
            involved,
            minor: false,
            key: false,
        };
        let events = [
            c(100, false), // far before
            c(800, false), // just before
            c(900, true),  // inside
            c(1_500, false),
            c(5_000, true), // long after
            c(500, true),   // before, involved: distance 250
        ];
        let w = Window {
            start: 900,
            end: 1_000,
        };
        // Distances: 800, 100, 0, 2000 (after counts four times), 8000, 200 (involved: half).
        assert_eq!(choose(&events, w, 3), vec![1, 2, 5]);
        assert_eq!(choose(&events, w, 4), vec![0, 1, 2, 5]);
        assert_eq!(choose(&events, w, 5), vec![0, 1, 2, 3, 5]);
        let mut minor = events.clone();
        minor[1].minor = true; // 300: now behind the involved one (200)
        assert_eq!(choose(&minor, w, 2), vec![2, 5]);
        minor[5].involved = false; // 400
        assert_eq!(choose(&minor, w, 2), vec![1, 2]);
        minor[1].time = 700; // minor: 600
        assert_eq!(choose(&minor, w, 2), vec![2, 5]);
        assert_eq!(choose(&events, w, 10), vec![0, 1, 2, 3, 4, 5]);
        let mut keyed = events.clone();
        keyed[0].key = true; // far before, but named by the failure
        assert_eq!(choose(&keyed, w, 2), vec![0, 2]);
    }
}
