//! The event queue: a calendar ring of time-sorted lists for the near future, over a radix
//! heap for the rest, with every event stored once in a slab of list nodes.
//!
//! Events pop in `(time, seq)` order, `seq` being the order they were scheduled: events for
//! the same instant run in the order they were scheduled (DESIGN §3.5). The engine never
//! schedules into the past (before the time last popped or peeked), which the structure
//! relies on.
//!
//! Time is cut into *days* of `2^grain` nanoseconds. The ring has one bucket per day for the
//! window of [`RING`] days starting at the current day (the day of the earliest event); each
//! bucket is a singly linked list of slab nodes kept sorted by time, equal times in push
//! order (a push appends when it is the latest of its day, the common case, and otherwise
//! walks the short list from its head). Popping takes the head of the current
//! day's list; when that list is empty, a two-level bitmap finds the next occupied day.
//! An event beyond the window goes to the radix heap ([`super::radix`]); whenever the window
//! moves on, the radix heap's events that now fall inside it move into the ring, before any
//! later push, so the ring always holds exactly the events earlier than the window's end and
//! equal times keep their push order across the two.
//!
//! For a workload whose events are spread finer than a day (a few events per list), a push
//! and a pop each touch one bucket and one slab node, which is what makes this faster than
//! the radix heap alone, where an event moves between buckets several times before it pops.
//! Should a list grow long all the same (many events inside one day, pushed out of order),
//! the day is halved and the ring rebuilt, so a push never walks more than
//! [`WALK_LIMIT`] nodes for long; a burst of events at one instant is left alone, as no day
//! is short enough to split it. When many pushes land beyond the window the day doubles, but
//! not for a while after a halving, so the two cannot take quick turns. The grain changes
//! speed only, never the order of events.

use super::radix::RadixHeap;
use super::time::Nanos;

/// Days in the ring's window.
pub const RING: usize = 1 << 11;
/// The default length of a day, as a power of two of nanoseconds (8.192 µs).
pub const DEFAULT_GRAIN: u32 = 13;
/// Nodes a sorted insertion may walk before the day is judged too coarse and halved.
pub const WALK_LIMIT: u32 = 64;
/// The longest day, as a power of two of nanoseconds (about 17.6 minutes).
pub const MAX_GRAIN: u32 = 40;
/// Far pushes between two looks at whether the day should be longer.
const ADAPT_EVERY: u64 = 1024;
/// The day doubles when more than one push in this many went beyond the window.
const FAR_SHARE: u64 = 16;
/// Looks at the far share (one per [`ADAPT_EVERY`] far pushes) after a halving during which
/// the day may not double again, so that halving and doubling cannot take quick turns.
const HOLD_LOOKS: u32 = 8;
const MASK: usize = RING - 1;
const WORDS: usize = RING / 64;
const NIL: u32 = u32::MAX;

/// One scheduled event in the slab: its time, the next node of its day's list (or, for a
/// free node, of the free list), the event.
struct Node<E> {
    time: Nanos,
    next: u32,
    event: Option<E>,
}

/// The first time past a window of [`RING`] days of `2^grain` nanoseconds from `day`.
#[inline]
fn horizon(day: u64, grain: u32) -> Nanos {
    (day + RING as u64).saturating_mul(1 << grain)
}

/// A deterministic priority queue of events of type `E` for non-decreasing times.
pub struct EventQueue<E> {
    /// Head and tail node of each day's list (`NIL` when empty), by `day % RING`.
    ends: Box<[[u32; 2]; RING]>,
    /// Bit `p` set when the list of ring position `p` is non-empty.
    occupied: [u64; WORDS],
    /// Bit `w` set when `occupied[w]` is non-zero.
    summary: u64,
    /// The day of the earliest event (the window is `day .. day + RING`).
    day: u64,
    /// Days are `2^grain` nanoseconds long.
    grain: u32,
    /// The first time past the window (kept in step with `day` and `grain`).
    horizon: Nanos,
    /// Pushes, and pushes beyond the window, since the day's length was last judged.
    pushes: u64,
    far_pushes: u64,
    /// Looks at the far share left before the day may double again (set by a halving).
    hold: u32,
    /// Events at or beyond the window's end.
    far: RadixHeap,
    /// The earliest time in `far` (`Nanos::MAX` when empty).
    far_min: Nanos,
    nodes: Vec<Node<E>>,
    /// The first node of the free list (linked through `next`; `NIL` when none is free).
    free: u32,
    /// The time last popped or peeked: no push may precede it.
    last: Nanos,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with days of [`DEFAULT_GRAIN`].
    pub fn new() -> Self {
        Self::with_grain(DEFAULT_GRAIN)
    }

    /// An empty queue whose days are `2^grain` nanoseconds (at most 2^40).
    pub fn with_grain(grain: u32) -> Self {
        EventQueue {
            ends: Box::new([[NIL, NIL]; RING]),
            occupied: [0; WORDS],
            summary: 0,
            day: 0,
            grain: grain.min(MAX_GRAIN),
            horizon: horizon(0, grain.min(MAX_GRAIN)),
            pushes: 0,
            far_pushes: 0,
            hold: 0,
            far: RadixHeap::new(),
            far_min: Nanos::MAX,
            nodes: Vec::new(),
            free: NIL,
            last: 0,
            len: 0,
        }
    }

    /// The current length of a day, as a power of two of nanoseconds.
    pub fn grain(&self) -> u32 {
        self.grain
    }

    #[inline]
    fn mark(&mut self, pos: usize) {
        self.occupied[pos / 64] |= 1 << (pos % 64);
        self.summary |= 1 << (pos / 64);
    }

    #[inline]
    fn unmark(&mut self, pos: usize) {
        let w = pos / 64;
        self.occupied[w] &= !(1 << (pos % 64));
        if self.occupied[w] == 0 {
            self.summary &= !(1 << w);
        }
    }

    /// Schedules `event` at `time`, which must not precede the last time popped or peeked.
    #[inline(always)]
    pub fn push(&mut self, time: Nanos, event: E) {
        assert!(
            time >= self.last,
            "event scheduled in the past ({time} < {})",
            self.last
        );
        let node = if self.free != NIL {
            let i = self.free;
            let n = &mut self.nodes[i as usize];
            self.free = n.next;
            n.time = time;
            n.next = NIL;
            n.event = Some(event);
            i
        } else {
            self.nodes.push(Node {
                time,
                next: NIL,
                event: Some(event),
            });
            (self.nodes.len() - 1) as u32
        };
        self.len += 1;
        self.pushes += 1;
        self.place(time, node);
    }

    /// Puts `node` (at `time`) in the ring if it falls inside the window, else in `far`.
    #[inline(always)]
    fn place(&mut self, time: Nanos, node: u32) {
        if time < self.horizon {
            if self.link(time, node) > WALK_LIMIT {
                self.refine(time);
            }
        } else {
            self.far.push(time, node);
            self.far_min = self.far_min.min(time);
            self.count_far();
        }
    }

    /// Links `node` into its day's list after every node of a time no later than `time`;
    /// returns how many nodes it walked past.
    #[inline(always)]
    fn link(&mut self, time: Nanos, node: u32) -> u32 {
        let pos = (time >> self.grain) as usize & MASK;
        let [head, tail] = self.ends[pos];
        if head == NIL {
            self.ends[pos] = [node, node];
            self.mark(pos);
            return 0;
        }
        if self.nodes[tail as usize].time <= time {
            self.nodes[tail as usize].next = node;
            self.ends[pos][1] = node;
            return 0;
        }
        self.link_inside(pos, time, node)
    }

    /// [`EventQueue::link`] when `node` goes before the tail: walks from the head.
    #[inline(never)]
    fn link_inside(&mut self, pos: usize, time: Nanos, node: u32) -> u32 {
        let head = self.ends[pos][0];
        if self.nodes[head as usize].time > time {
            self.nodes[node as usize].next = head;
            self.ends[pos][0] = node;
            return 1;
        }
        let mut prev = head;
        let mut walked = 1;
        loop {
            // The tail is later than `time`, so a later node exists before the list ends.
            let next = self.nodes[prev as usize].next;
            if self.nodes[next as usize].time > time {
                self.nodes[node as usize].next = next;
                self.nodes[prev as usize].next = node;
                return walked;
            }
            prev = next;
            walked += 1;
        }
    }

    /// Halves the day (down to one nanosecond) when a push at `time` walked a long list, so
    /// lists stay short, unless the walk began at an event of that very instant: a burst at
    /// one instant (a resumed node's backlog, say) stays in one list however short the day,
    /// and halving for it would only send every later event beyond the window. After a
    /// halving the day may not double for [`HOLD_LOOKS`] looks at the far share.
    #[cold]
    #[inline(never)]
    fn refine(&mut self, time: Nanos) {
        let head = self.ends[(time >> self.grain) as usize & MASK][0];
        if self.grain == 0 || self.nodes[head as usize].time == time {
            return;
        }
        self.hold = HOLD_LOOKS;
        self.rebuild(self.grain - 1);
    }

    /// Counts a push that went beyond the window; when, over the last [`ADAPT_EVERY`] such
    /// pushes, more than one push in [`FAR_SHARE`] went there, doubles the day so that the
    /// window reaches further (each far event costs a move into the ring besides its push
    /// and pop), unless a recent halving still holds it.
    #[inline]
    fn count_far(&mut self) {
        self.far_pushes += 1;
        if self.far_pushes < ADAPT_EVERY {
            return;
        }
        let crowded_far = self.far_pushes * FAR_SHARE > self.pushes;
        self.far_pushes = 0;
        self.pushes = 0;
        if self.hold > 0 {
            self.hold -= 1;
        } else if crowded_far && self.grain < MAX_GRAIN {
            self.rebuild(self.grain + 1);
        }
    }

    /// Rebuilds the ring and `far` with days of `2^grain` nanoseconds from the events in
    /// their pop order (every link then appends).
    fn rebuild(&mut self, grain: u32) {
        let last = self.last;
        let mut order = Vec::with_capacity(self.len);
        while let Some((time, node)) = self.take_next() {
            order.push((time, node));
        }
        self.last = last;
        self.grain = grain;
        self.far = RadixHeap::new();
        self.far_min = Nanos::MAX;
        self.day = self.last >> self.grain;
        self.horizon = horizon(self.day, self.grain);
        for (time, node) in order {
            self.nodes[node as usize].next = NIL;
            if time < self.horizon {
                self.link(time, node);
            } else {
                self.far.push(time, node);
                self.far_min = self.far_min.min(time);
            }
        }
    }

    /// Unlinks the earliest node, without touching its event (for a pop, into which it is
    /// inlined, and for a rebuild).
    #[inline(always)]
    fn take_next(&mut self) -> Option<(Nanos, u32)> {
        if !self.refill() {
            return None;
        }
        let pos = self.day as usize & MASK;
        let node = self.ends[pos][0];
        let n = &self.nodes[node as usize];
        let (time, next) = (n.time, n.next);
        self.ends[pos][0] = next;
        if next == NIL {
            self.ends[pos][1] = NIL;
            self.unmark(pos);
        }
        Some((time, node))
    }

    /// Makes the current day's list hold the earliest event; false when the queue is empty.
    #[inline(always)]
    fn refill(&mut self) -> bool {
        if self.ends[self.day as usize & MASK][0] != NIL {
            return true;
        }
        self.refill_slow()
    }

    /// [`EventQueue::refill`] once the current day is used up: moves to the next occupied
    /// day of the ring, or, when the ring is empty, to the day of `far`'s earliest event;
    /// then moves into the ring what `far` holds inside the new window.
    #[inline(never)]
    fn refill_slow(&mut self) -> bool {
        if let Some(ahead) = self.next_occupied() {
            self.day += ahead as u64;
        } else if self.far_min != Nanos::MAX {
            self.day = self.far_min >> self.grain;
        } else {
            return false;
        }
        self.horizon = horizon(self.day, self.grain);
        while self.far_min < self.horizon {
            let (time, node) = self.far.pop().expect("far holds its minimum");
            self.link(time, node);
            self.far_min = self.far.min_time().unwrap_or(Nanos::MAX);
        }
        let head = self.ends[self.day as usize & MASK][0];
        self.last = self.nodes[head as usize].time;
        true
    }

    /// How many days ahead of the current (empty) one the next occupied day is, if any.
    #[inline]
    fn next_occupied(&self) -> Option<usize> {
        if self.summary == 0 {
            return None;
        }
        let pos = self.day as usize & MASK;
        let w = pos / 64;
        let bits = self.occupied[w] & (u64::MAX << (pos % 64));
        let found = if bits != 0 {
            w * 64 + bits.trailing_zeros() as usize
        } else {
            // Later words, then around the ring from its start.
            let later = self.summary & (u64::MAX << w << 1);
            let word = if later != 0 {
                later.trailing_zeros() as usize
            } else {
                self.summary.trailing_zeros() as usize
            };
            word * 64 + self.occupied[word].trailing_zeros() as usize
        };
        Some(found.wrapping_sub(pos) & MASK)
    }

    /// Removes and returns the earliest event with its time.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(Nanos, E)> {
        let (time, node) = self.take_next()?;
        self.last = time;
        self.len -= 1;
        let n = &mut self.nodes[node as usize];
        let event = n.event.take().expect("a listed node holds an event");
        n.next = self.free;
        self.free = node;
        Some((time, event))
    }

    /// The time of the earliest event, if any. Later pushes must not precede it.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Nanos> {
        // A refill that moves to a later day records the head's time as the last peeked.
        if !self.refill() {
            return None;
        }
        let head = self.ends[self.day as usize & MASK][0];
        Some(self.nodes[head as usize].time)
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
        for n in &self.nodes {
            if let Some(e) = &n.event {
                f(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn pops_in_time_then_insertion_order(
            times in proptest::collection::vec(0u64..20_000, 0..300),
            grain in 0u32..16,
        ) {
            let mut q = EventQueue::with_grain(grain);
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
            ops in proptest::collection::vec((any::<bool>(), 0u64..5, 0u32..40), 0..400),
            grain in 0u32..20,
        ) {
            // Pushes are never earlier than the last pop, as in the engine; delays span many
            // bit widths, so events land inside the window, beyond it, and in crowded days.
            let mut q = EventQueue::with_grain(grain);
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn long_mixed_runs_match_a_comparison_heap(
            delays in proptest::collection::vec((0u32..4, 0u64..1_000_000), 1..4_000),
            start in 0u64..1_000,
        ) {
            // Thousands of pushes and pops mixing equal times, crowded days, near and far
            // delays (ns to seconds), so the day lengthens and halves at random moments;
            // every pop must match a comparison heap keyed by (time, push order).
            use std::cmp::Reverse;
            use std::collections::BinaryHeap;
            let mut q = EventQueue::new();
            let mut model = BinaryHeap::new();
            let mut now = 0u64;
            for (seq, (kind, x)) in delays.into_iter().enumerate() {
                let delay = match kind {
                    0 => 0,
                    1 => x % 64,
                    2 => x * 10,
                    _ => x * 1_000 + 500_000_000,
                };
                let seq = seq as u64;
                q.push(now + delay, seq);
                model.push(Reverse((now + delay, seq)));
                if seq % 3 != 0 || seq < start {
                    let Reverse(m) = model.pop().unwrap();
                    prop_assert_eq!(q.pop(), Some(m));
                    now = m.0;
                }
            }
            while let Some(Reverse(m)) = model.pop() {
                prop_assert_eq!(q.pop(), Some(m));
            }
            prop_assert_eq!(q.pop(), None);
        }
    }

    #[test]
    fn a_crowded_day_is_split_and_keeps_the_order() {
        // 1,000 events inside one 8 µs day, the latest pushed first and the rest in rising
        // order: every push would walk the whole list to its end; the day is halved until
        // lists are short, and the order is exact.
        let mut q = EventQueue::new();
        q.push(8_000, 0);
        for i in 1..1_000u64 {
            q.push(i * 7, i);
        }
        assert!(q.grain() < DEFAULT_GRAIN);
        let mut last = (0, 0);
        for k in 0..1_000u64 {
            let (t, i) = q.pop().unwrap();
            assert!(k == 0 || (t, i) > last);
            last = (t, i);
        }
        assert!(q.pop().is_none());
    }

    #[test]
    fn the_day_lengthens_for_far_events_and_the_order_stays_exact() {
        // A hold model whose delays (0.1-1 s) all fall beyond a 16.8 ms window, then a burst
        // of events crowded into one day out of order: the day doubles, later halves, and
        // every pop matches a comparison heap keyed by (time, push order).
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut q = EventQueue::new();
        let mut model = BinaryHeap::new();
        let mut seq = 0u64;
        let mut x = 12345u64;
        let mut next = |span: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % span
        };
        for _ in 0..100 {
            let t = 100_000_000 + next(900_000_000);
            q.push(t, seq);
            model.push(Reverse((t, seq)));
            seq += 1;
        }
        for _ in 0..20_000 {
            let Reverse((mt, ms)) = model.pop().unwrap();
            assert_eq!(q.pop(), Some((mt, ms)));
            let t = mt + 100_000_000 + next(900_000_000);
            q.push(t, seq);
            model.push(Reverse((t, seq)));
            seq += 1;
        }
        let lengthened = q.grain();
        assert!(lengthened > DEFAULT_GRAIN, "grain {lengthened}");
        let now = model.peek().unwrap().0 .0;
        q.push(now + 5_000, seq);
        model.push(Reverse((now + 5_000, seq)));
        seq += 1;
        for i in 0..500 {
            q.push(now + i, seq);
            model.push(Reverse((now + i, seq)));
            seq += 1;
        }
        assert!(q.grain() < lengthened);
        while let Some(Reverse(m)) = model.pop() {
            assert_eq!(q.pop(), Some(m));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn a_burst_at_one_instant_leaves_the_day_alone() {
        // A later event, then 300 at one earlier instant of the same day: every push walks
        // past the burst's earlier events, but no day could split them, so the day stays.
        let t = 5 << DEFAULT_GRAIN;
        let mut q = EventQueue::new();
        q.push(t + 100, 0);
        for i in 1..=300u64 {
            q.push(t, i);
        }
        assert_eq!(q.grain(), DEFAULT_GRAIN);
        for i in 1..=300u64 {
            assert_eq!(q.pop(), Some((t, i)));
        }
        assert_eq!(q.pop(), Some((t + 100, 0)));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn the_day_doubles_again_once_a_halving_no_longer_holds_it() {
        // Events crowded into one day halve it; then a hold model whose delays all fall
        // beyond the window lengthens it again past where it was, in the exact order.
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut q = EventQueue::new();
        let mut model = BinaryHeap::new();
        let mut seq = 0u64;
        let mut push = |q: &mut EventQueue<u64>, model: &mut BinaryHeap<_>, t: u64| {
            q.push(t, seq);
            model.push(Reverse((t, seq)));
            seq += 1;
        };
        push(&mut q, &mut model, 8_000);
        for i in 1..1_000u64 {
            push(&mut q, &mut model, i * 7);
        }
        let halved = q.grain();
        assert!(halved < DEFAULT_GRAIN, "grain {halved}");
        let mut x = 99u64;
        for _ in 0..40_000 {
            let Reverse((mt, ms)) = model.pop().unwrap();
            assert_eq!(q.pop(), Some((mt, ms)));
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            push(&mut q, &mut model, mt + 100_000_000 + x % 900_000_000);
        }
        assert!(q.grain() > DEFAULT_GRAIN, "grain {}", q.grain());
        while let Some(Reverse(m)) = model.pop() {
            assert_eq!(q.pop(), Some(m));
        }
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn far_events_wait_beyond_the_window_and_keep_push_order() {
        let mut q = EventQueue::new();
        let far = 10_000_000_000; // 10 s, far beyond a 16.8 ms window
        q.push(far, 0);
        q.push(5, 1);
        q.push(far, 2);
        assert_eq!(q.pop(), Some((5, 1)));
        q.push(far, 3);
        assert_eq!(q.pop(), Some((far, 0)));
        q.push(far, 4);
        assert_eq!(q.pop(), Some((far, 2)));
        assert_eq!(q.pop(), Some((far, 3)));
        assert_eq!(q.pop(), Some((far, 4)));
        assert_eq!(q.pop(), None);
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
