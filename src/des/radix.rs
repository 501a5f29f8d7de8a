//! A monotone radix heap of `(time, index)` entries with FIFO buckets: the event queue's
//! store for events beyond its near window (see [`super::queue`]).
//!
//! Entries pop in `(time, push order)` order. Times pushed must not precede the last time
//! popped, which lets a radix heap replace a comparison heap: an entry sits in bucket `b` =
//! the position of the highest bit where its time differs from the last time popped, counted
//! in 6-bit digits (level = highest differing digit, then the entry's digit there; a level-0
//! bucket holds one exact time). Popping takes from the current level-0 bucket in FIFO order;
//! when it is empty, the lowest non-empty bucket becomes current (level 0) or is redistributed
//! around its smallest time (higher levels), each move descending a level. Entries of equal
//! time always share a bucket and move together in order, and a redistribution only fills
//! buckets that were empty, so push order among equal times is preserved exactly.

use super::time::Nanos;

const DIGIT_BITS: u32 = 6;
const DIGITS: usize = 1 << DIGIT_BITS;
const LEVELS: usize = 64_usize.div_ceil(DIGIT_BITS as usize);
const BUCKETS: usize = LEVELS * DIGITS;
const WORDS: usize = BUCKETS.div_ceil(64);

/// A deterministic priority queue of `(time, index)` entries for non-decreasing times.
pub struct RadixHeap {
    buckets: Vec<Vec<(Nanos, u32)>>,
    /// Smallest time in each bucket (`u64::MAX` when empty), so redistributing needs no scan.
    minimum: Vec<Nanos>,
    nonempty: [u64; WORDS],
    current: usize,
    head: usize,
    last: Nanos,
    len: usize,
}

impl Default for RadixHeap {
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

impl RadixHeap {
    /// An empty queue.
    pub fn new() -> Self {
        RadixHeap {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            minimum: vec![Nanos::MAX; BUCKETS],
            nonempty: [0; WORDS],
            current: 0,
            head: 0,
            last: 0,
            len: 0,
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

    /// Adds entry `index` at `time`, which must not precede the last time popped.
    #[inline]
    pub fn push(&mut self, time: Nanos, index: u32) {
        assert!(
            time >= self.last,
            "event scheduled in the past ({time} < {})",
            self.last
        );
        self.insert(bucket_of(time, self.last), time, index);
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

    /// [`RadixHeap::refill`] once the current bucket is used up: takes the next bucket,
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

    /// Removes and returns the earliest entry with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Nanos, u32)> {
        if !self.refill() {
            return None;
        }
        let entry = self.buckets[self.current][self.head];
        self.head += 1;
        self.len -= 1;
        Some(entry)
    }

    /// The earliest time held, without moving anything (so later pushes need only be no
    /// earlier than the last time popped, not than this one).
    pub fn min_time(&self) -> Option<Nanos> {
        if let Some(&(time, _)) = self.buckets[self.current].get(self.head) {
            return Some(time);
        }
        // The current bucket is used up (it may still be marked): the minimum is that of
        // the lowest marked bucket above it.
        let from = self.current + 1;
        let mut word = from / 64;
        if word >= WORDS {
            return None;
        }
        let mut bits = self.nonempty[word] & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(self.minimum[word * 64 + bits.trailing_zeros() as usize]);
            }
            word += 1;
            if word == WORDS {
                return None;
            }
            bits = self.nonempty[word];
        }
    }

    /// Number of entries held.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing is held.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn pops_in_time_then_insertion_order(times in proptest::collection::vec(0u64..20, 0..200)) {
            let mut q = RadixHeap::new();
            for (i, t) in times.iter().enumerate() {
                q.push(*t, i as u32);
            }
            let mut expected: Vec<(u64, u32)> = times.iter().copied().zip(0..).collect();
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
            let mut q = RadixHeap::new();
            let mut model: Vec<(u64, u32)> = Vec::new();
            let mut n = 0u32;
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
                    prop_assert_eq!(q.min_time(), Some(mt));
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
        let mut q = RadixHeap::new();
        q.push(10, 0);
        q.pop();
        q.push(9, 1);
    }
}
