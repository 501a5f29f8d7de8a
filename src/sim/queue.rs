//! The event queue: a min-heap ordered by `(time, seq)` over events stored in a slab.
//!
//! `seq` is a global counter, so events scheduled for the same instant run in the order they
//! were scheduled (DESIGN §3.5). Heap entries are small and fixed-size; the events themselves
//! stay put in a slab whose slots are reused, so the hot path does not allocate once warm.

use super::time::Nanos;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy, PartialEq, Eq)]
struct Entry {
    time: Nanos,
    seq: u64,
    slot: u32,
}

impl Ord for Entry {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest (time, seq) first.
        other
            .time
            .cmp(&self.time)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Entry {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A deterministic priority queue of events of type `E`.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry>,
    slab: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slab: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`; returns the sequence number it was given.
    #[inline]
    pub fn push(&mut self, time: Nanos, event: E) -> u64 {
        let slot = match self.free.pop() {
            Some(s) => {
                self.slab[s as usize] = Some(event);
                s
            }
            None => {
                self.slab.push(Some(event));
                (self.slab.len() - 1) as u32
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, slot });
        seq
    }

    /// Removes and returns the earliest event with its time and sequence number.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, u64, E)> {
        let e = self.heap.pop()?;
        let ev = self.slab[e.slot as usize]
            .take()
            .expect("queued slot holds an event");
        self.free.push(e.slot);
        Some((e.time, e.seq, ev))
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(|e| e.time)
    }

    /// Number of queued events.
    #[inline]
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is queued.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Visits every queued event (in no particular order; for accounting only).
    pub fn for_each(&self, mut f: impl FnMut(&E)) {
        for e in self.slab.iter().flatten() {
            f(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn pops_in_time_then_insertion_order(times in proptest::collection::vec(0u64..20, 0..200)) {
            let mut q = EventQueue::new();
            for (i, t) in times.iter().enumerate() {
                q.push(*t, i);
            }
            let mut expected: Vec<(u64, usize)> = times.iter().copied().zip(0..).collect();
            expected.sort();
            let mut got = Vec::new();
            while let Some((t, _, i)) = q.pop() {
                got.push((t, i));
            }
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn interleaved_push_pop_matches_a_sorted_model(ops in proptest::collection::vec((any::<bool>(), 0u64..50), 0..300)) {
            let mut q = EventQueue::new();
            let mut model: Vec<(u64, u64)> = Vec::new();
            let mut n = 0u64;
            for (push, t) in ops {
                if push || model.is_empty() {
                    let seq = q.push(t, n);
                    prop_assert_eq!(seq, n);
                    model.push((t, n));
                    n += 1;
                } else {
                    model.sort();
                    let (mt, mi) = model.remove(0);
                    let (t2, s2, i2) = q.pop().unwrap();
                    prop_assert_eq!((t2, s2, i2), (mt, mi, mi));
                }
                prop_assert_eq!(q.len(), model.len());
            }
        }
    }
}
