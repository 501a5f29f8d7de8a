//! The event queue: a monotone radix heap with FIFO buckets over events stored in a slab.
//!
//! Events pop in `(time, seq)` order, `seq` being the order they were scheduled: events for
//! the same instant run in the order they were scheduled (DESIGN §3.5). The engine never
//! schedules into the past, which lets a radix heap replace a comparison heap: an entry sits
//! in bucket `b` = the position of the highest bit where its time differs from the last time
//! popped, counted in 6-bit digits (level = highest differing digit, then the entry's digit there;
//! a level-0 bucket holds one exact time). Popping takes from the current level-0 bucket in
//! FIFO order; when it is empty, the lowest non-empty bucket becomes current (level 0) or is
//! redistributed around its smallest time (higher levels), each move descending a level. Entries of
//! equal time always share a bucket and move together in order, and a redistribution only
//! fills buckets that were empty, so insertion order among equal times is preserved exactly.
//! Entries are 16 bytes; events stay put in a slab whose slots are reused, so the hot path
//! does not allocate once warm.

use super::time::Nanos;

const DIGIT_BITS: u32 = 6;
const DIGITS: usize = 1 << DIGIT_BITS;
const LEVELS: usize = 64_usize.div_ceil(DIGIT_BITS as usize);
const BUCKETS: usize = LEVELS * DIGITS;
const WORDS: usize = BUCKETS.div_ceil(64);

/// A deterministic priority queue of events of type `E` for non-decreasing times.
pub struct EventQueue<E> {
    buckets: Vec<Vec<(Nanos, u32)>>,
    /// Smallest time in each bucket (`u64::MAX` when empty), so redistributing needs no scan.
    minimum: Vec<Nanos>,
    nonempty: [u64; WORDS],
    current: usize,
    head: usize,
    last: Nanos,
    len: usize,
    slab: Vec<Option<E>>,
    free: Vec<u32>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

/// Bucket of `time` relative to `last`: level = highest differing digit, then that digit of
/// `time`. Buckets in index order hold ever later times; level-0 buckets hold one exact time.
#[inline]
fn bucket_of(time: Nanos, last: Nanos) -> usize {
    let diff = time ^ last;
    let level = if diff == 0 {
        0
    } else {
        (63 - diff.leading_zeros()) / DIGIT_BITS
    };
    let digit = (time >> (level * DIGIT_BITS)) as usize & (DIGITS - 1);
    level as usize * DIGITS + digit
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            minimum: vec![Nanos::MAX; BUCKETS],
            nonempty: [0; WORDS],
            current: 0,
            head: 0,
            last: 0,
            len: 0,
            slab: Vec::new(),
            free: Vec::new(),
        }
    }

    #[inline]
    fn insert(&mut self, b: usize, time: Nanos, slot: u32) {
        self.buckets[b].push((time, slot));
        self.minimum[b] = self.minimum[b].min(time);
        self.nonempty[b / 64] |= 1 << (b % 64);
    }

    #[inline]
    fn unmark(&mut self, b: usize) {
        self.nonempty[b / 64] &= !(1 << (b % 64));
        self.minimum[b] = Nanos::MAX;
    }

    fn lowest_nonempty(&self) -> Option<usize> {
        self.nonempty
            .iter()
            .enumerate()
            .find(|(_, w)| **w != 0)
            .map(|(i, w)| i * 64 + w.trailing_zeros() as usize)
    }

    /// Schedules `event` at `time`, which must not precede the last time popped.
    #[inline]
    pub fn push(&mut self, time: Nanos, event: E) {
        assert!(
            time >= self.last,
            "event scheduled in the past ({time} < {})",
            self.last
        );
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
        self.insert(bucket_of(time, self.last), time, slot);
        self.len += 1;
    }

    /// Makes the current bucket hold the earliest entries; false when the queue is empty.
    #[inline(always)]
    fn refill(&mut self) -> bool {
        if self.head < self.buckets[self.current].len() {
            return true;
        }
        self.refill_slow()
    }

    /// [`EventQueue::refill`] once the current bucket is used up: takes the next bucket,
    /// redistributing it if it spans more than one time (kept out of line so that the
    /// common case, one more entry in the current bucket, costs a comparison).
    #[inline(never)]
    fn refill_slow(&mut self) -> bool {
        if self.head > 0 {
            self.buckets[self.current].clear();
            self.head = 0;
            self.unmark(self.current);
        }
        let Some(b) = self.lowest_nonempty() else {
            return false;
        };
        if b < DIGITS {
            // A level-0 bucket: one exact time, already in scheduling order.
            self.current = b;
            self.last = self.buckets[b][0].0;
            return true;
        }
        self.last = self.minimum[b];
        self.current = bucket_of(self.last, self.last);
        if self.buckets[b].len() == 1 {
            // The common case with fine-grained times: the lone entry is the earliest, so it
            // becomes the current bucket by swapping vectors instead of moving entries.
            self.buckets.swap(b, self.current);
            self.unmark(b);
            self.minimum[self.current] = self.last;
            self.nonempty[self.current / 64] |= 1 << (self.current % 64);
            return true;
        }
        let mut moving = std::mem::take(&mut self.buckets[b]);
        self.unmark(b);
        for &(time, slot) in &moving {
            self.insert(bucket_of(time, self.last), time, slot);
        }
        moving.clear();
        self.buckets[b] = moving;
        true
    }

    /// Removes and returns the earliest event with its time.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        if !self.refill() {
            return None;
        }
        let (time, slot) = self.buckets[self.current][self.head];
        self.head += 1;
        self.len -= 1;
        let ev = self.slab[slot as usize]
            .take()
            .expect("queued slot holds an event");
        self.free.push(slot);
        Some((time, ev))
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Nanos> {
        if self.refill() {
            Some(self.last)
        } else {
            None
        }
    }

    /// Number of queued events.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is queued.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
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
            while let Some((t, i)) = q.pop() {
                got.push((t, i));
            }
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn interleaved_push_pop_matches_a_sorted_model(
            ops in proptest::collection::vec((any::<bool>(), 0u64..5, 0u32..40), 0..400)
        ) {
            // Pushes are never earlier than the last pop, as in the engine; delays span many
            // bit widths so entries move between buckets.
            let mut q = EventQueue::new();
            let mut model: Vec<(u64, u64)> = Vec::new();
            let mut n = 0u64;
            let mut now = 0u64;
            for (push, small, shift) in ops {
                if push || model.is_empty() {
                    let t = now + (small << (shift % 40)) * u64::from(shift % 3 != 0);
                    q.push(t, n);
                    model.push((t, n));
                    n += 1;
                } else {
                    model.sort();
                    let (mt, mi) = model.remove(0);
                    prop_assert_eq!(q.peek_time(), Some(mt));
                    let (t2, i2) = q.pop().unwrap();
                    prop_assert_eq!((t2, i2), (mt, mi));
                    now = t2;
                }
                prop_assert_eq!(q.len(), model.len());
            }
        }
    }

    #[test]
    #[should_panic(expected = "in the past")]
    fn refuses_the_past() {
        let mut q = EventQueue::new();
        q.push(10, ());
        q.pop();
        q.push(9, ());
    }
}
