//! Seeded random streams: one master seed, one independent ChaCha8 stream per labelled component.
//!
//! A stream's seed is `derive_seed(master, label)`, a mixing function this crate owns and pins
//! with golden values, so that adding a node or a client never shifts anyone else's draws.
//! All draws that decide events use exact integer arithmetic (`below`, `chance`); the float
//! helpers are only for the documented latency distributions, which use the portable `libm`.

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finaliser: a bijective avalanche mix of one 64-bit word.
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Derives the 32-byte ChaCha8 seed of the stream named `label` under `master`.
///
/// The label's bytes are absorbed eight at a time (little-endian, zero-padded, length
/// folded in) into a SplitMix64 chain started from the master seed; four further steps
/// give the four seed words.
pub fn derive_seed(master: u64, label: &str) -> [u8; 32] {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes = label.as_bytes();
    let mut h = mix64(master ^ GAMMA) ^ (bytes.len() as u64).wrapping_mul(GAMMA);
    for chunk in bytes.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        h = mix64(h.wrapping_add(GAMMA) ^ u64::from_le_bytes(w));
    }
    let mut seed = [0u8; 32];
    for (i, out) in seed.chunks_mut(8).enumerate() {
        h = h.wrapping_add(GAMMA);
        out.copy_from_slice(&mix64(h ^ i as u64).to_le_bytes());
    }
    seed
}

/// A probability fixed at parse time as an integer threshold, so deciding an event is an
/// exact comparison of one 64-bit draw.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Probability {
    /// The probability as written in the scenario (for display only).
    pub value: f64,
    threshold: u64,
}

impl Probability {
    /// Never.
    pub const ZERO: Probability = Probability {
        value: 0.0,
        threshold: 0,
    };

    /// Builds a probability from `p` in `[0, 1]`; `None` outside that range or for NaN.
    pub fn new(p: f64) -> Option<Probability> {
        if !(0.0..=1.0).contains(&p) {
            return None;
        }
        // p * 2^64, computed exactly enough: IEEE multiplication by a power of two is exact.
        let scaled = p * 18_446_744_073_709_551_616.0;
        let threshold = if scaled >= 18_446_744_073_709_551_615.0 {
            u64::MAX
        } else {
            scaled as u64
        };
        Some(Probability {
            value: p,
            threshold,
        })
    }

    /// True when this probability can never fire.
    pub fn is_zero(&self) -> bool {
        self.threshold == 0
    }

    /// True when all of `ps` are zero: one branch instead of one per probability, for the
    /// network's per-message loss, reorder and duplicate draws (none of which draws when zero).
    #[inline(always)]
    pub fn all_zero(ps: [Probability; 3]) -> bool {
        ps[0].threshold | ps[1].threshold | ps[2].threshold == 0
    }
}

/// Bytes of ChaCha8 output a [`Stream`] takes at a time: one 256-byte batch of four blocks,
/// what the generator produces per call.
const BATCH: usize = 256;

/// One component's random stream (pinned ChaCha8).
///
/// Draws come out of a batch of the generator's bytes, read eight at a time little-endian:
/// exactly the words `ChaCha8Rng::next_u64` would return, in the same order (the golden
/// values below pin them), without a call into the generator per draw.
#[derive(Clone)]
pub struct Stream {
    inner: ChaCha8Rng,
    batch: [u8; BATCH],
    /// Offset of the next unread byte of `batch` (`BATCH` when it is used up).
    at: usize,
}

/// The generator and the read offset; not the 256 bytes of the batch.
impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("inner", &self.inner)
            .field("at", &self.at)
            .finish_non_exhaustive()
    }
}

impl Stream {
    /// The stream named `label` under `master`.
    pub fn new(master: u64, label: &str) -> Stream {
        Stream {
            inner: ChaCha8Rng::from_seed(derive_seed(master, label)),
            batch: [0; BATCH],
            at: BATCH,
        }
    }

    /// The next raw 64-bit draw.
    #[inline(always)]
    pub fn next_u64(&mut self) -> u64 {
        if self.at == BATCH {
            self.refill();
        }
        let word: [u8; 8] = self.batch[self.at..self.at + 8]
            .try_into()
            .expect("eight bytes");
        self.at += 8;
        u64::from_le_bytes(word)
    }

    #[cold]
    #[inline(never)]
    fn refill(&mut self) {
        self.inner.fill_bytes(&mut self.batch);
        self.at = 0;
    }

    /// A uniform integer in `0..n` (Lemire's multiply-and-reject; exact and unbiased).
    /// `n` must be positive.
    #[inline(always)]
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let mut m = u128::from(self.next_u64()) * u128::from(n);
        if (m as u64) < n {
            let floor = n.wrapping_neg() % n;
            while (m as u64) < floor {
                m = u128::from(self.next_u64()) * u128::from(n);
            }
        }
        (m >> 64) as u64
    }

    /// A uniform integer in `lo..=hi`.
    #[inline(always)]
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        match (hi - lo).checked_add(1) {
            Some(span) => lo + self.below(span),
            None => self.next_u64(),
        }
    }

    /// True with probability `p`. Draws nothing when `p` is zero, so a knob left at zero
    /// does not consume the stream.
    #[inline]
    pub fn chance(&mut self, p: Probability) -> bool {
        if p.threshold == 0 {
            return false;
        }
        p.threshold == u64::MAX || self.next_u64() < p.threshold
    }

    /// A uniform float in the open interval (0, 1), from 53 random bits.
    #[inline]
    pub fn open01(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_seeds_are_pinned() {
        // If these change, every recorded seed in the world replays differently.
        let s = derive_seed(42, "node/n1");
        assert_eq!(u64::from_le_bytes(s[..8].try_into().unwrap()), GOLDEN_N1);
        let mut st = Stream::new(42, "node/n1");
        assert_eq!(st.next_u64(), GOLDEN_N1_FIRST);
        let mut st = Stream::new(0, "");
        assert_eq!(st.next_u64(), GOLDEN_EMPTY_FIRST);
    }

    const GOLDEN_N1: u64 = 6926387927871379476;
    const GOLDEN_N1_FIRST: u64 = 2078616728212501445;
    const GOLDEN_EMPTY_FIRST: u64 = 11515546377207783864;

    #[test]
    fn draws_are_the_generators_own_u64s() {
        // The batch must return exactly ChaCha8Rng::next_u64's words, across many batches.
        let mut st = Stream::new(9, "node/n3");
        let mut raw = ChaCha8Rng::from_seed(derive_seed(9, "node/n3"));
        for _ in 0..1_000 {
            assert_eq!(st.next_u64(), raw.next_u64());
        }
    }

    #[test]
    fn labels_give_independent_streams() {
        assert_ne!(derive_seed(1, "a"), derive_seed(1, "b"));
        assert_ne!(derive_seed(1, "a"), derive_seed(2, "a"));
        assert_ne!(derive_seed(1, "abcdefgh"), derive_seed(1, "abcdefgh\0"));
    }

    #[test]
    fn below_stays_in_range_and_between_is_inclusive() {
        let mut s = Stream::new(7, "t");
        for n in 1..50 {
            assert!(s.below(n) < n);
        }
        let mut seen = [false; 3];
        for _ in 0..200 {
            seen[(s.between(5, 7) - 5) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
    }

    #[test]
    fn probability_edges() {
        let mut s = Stream::new(7, "p");
        assert!(Probability::new(1.5).is_none());
        assert!(Probability::new(-0.1).is_none());
        let never = Probability::new(0.0).unwrap();
        let always = Probability::new(1.0).unwrap();
        assert!((0..100).all(|_| !s.chance(never) && s.chance(always)));
        let half = Probability::new(0.5).unwrap();
        let hits = (0..10_000).filter(|_| s.chance(half)).count();
        assert!((4_500..5_500).contains(&hits), "{hits}");
    }
}
