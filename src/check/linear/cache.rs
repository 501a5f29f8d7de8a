//! The search's memo of visited (linearized set, model state) pairs.
//!
//! Entries live in flat arenas (the bitsets back to back, the states in a vector) and a hash
//! index maps a 64-bit key hash to the newest entry with that hash; entries with the same hash
//! are chained. The bitset's part of the hash is a Zobrist hash the search keeps up to date
//! one bit at a time, so hashing never scans the bitset. The index is only ever looked up,
//! never iterated, so hash order cannot influence a verdict.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

const NONE: u32 = u32::MAX;

/// A fast, deterministic hasher (the Fx multiply-rotate scheme).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PassHasher {
    hash: u64,
}

impl Hasher for PassHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.hash = (self.hash << 8) | *b as u64;
        }
    }

    fn write_u64(&mut self, i: u64) {
        self.hash = i;
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// MurmurHash3's 64-bit finalizer.
pub(crate) fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The Zobrist key of op `i` (SplitMix64 of `i`).
pub(crate) fn zobrist(i: usize) -> u64 {
    mix((i as u64)
        .wrapping_add(1)
        .wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// The hash of a (bitset, state) pair, given the bitset's Zobrist hash.
pub(crate) fn key_hash<S: Hash>(zobrist: u64, state: &S) -> u64 {
    let mut h = FxHasher::default();
    state.hash(&mut h);
    mix(zobrist ^ h.finish().wrapping_mul(SEED))
}

/// Visited (linearized set, state) pairs.
pub(crate) struct Cache<S> {
    words: usize,
    bits: Vec<u64>,
    states: Vec<S>,
    chain: Vec<u32>,
    index: HashMap<u64, u32, BuildHasherDefault<PassHasher>>,
    heap: u64,
}

impl<S: Eq> Cache<S> {
    /// An empty cache for bitsets of `words` 64-bit words.
    pub fn new(words: usize) -> Cache<S> {
        Cache {
            words,
            bits: Vec::new(),
            states: Vec::new(),
            chain: Vec::new(),
            index: HashMap::default(),
            heap: 0,
        }
    }

    /// Entries stored.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Adds the pair unless present; true when it was new. `heap` is the state's heap bytes.
    pub fn insert(&mut self, hash: u64, bits: &[u64], state: &S, heap: usize) -> bool
    where
        S: Clone,
    {
        let next = self.states.len() as u32;
        let prev = match self.index.entry(hash) {
            Entry::Vacant(slot) => {
                slot.insert(next);
                NONE
            }
            Entry::Occupied(mut slot) => {
                let mut i = *slot.get();
                while i != NONE {
                    let at = i as usize * self.words;
                    if self.states[i as usize] == *state && self.bits[at..at + self.words] == *bits
                    {
                        return false;
                    }
                    i = self.chain[i as usize];
                }
                slot.insert(next)
            }
        };
        self.bits.extend_from_slice(bits);
        self.states.push(state.clone());
        self.chain.push(prev);
        self.heap += heap as u64;
        true
    }

    /// An estimate of the bytes the cache holds.
    pub fn bytes(&self) -> u64 {
        let index_entry = std::mem::size_of::<(u64, u32)>() + 1;
        (self.bits.capacity() * 8
            + self.states.capacity() * std::mem::size_of::<S>()
            + self.chain.capacity() * 4
            + self.index.capacity() * 8 / 7 * index_entry) as u64
            + self.heap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_each_pair_once_even_when_hashes_collide() {
        let mut c: Cache<u8> = Cache::new(2);
        assert!(c.insert(7, &[1, 0], &3, 0));
        assert!(!c.insert(7, &[1, 0], &3, 0));
        assert!(c.insert(7, &[1, 1], &3, 0), "same hash, other bits");
        assert!(c.insert(7, &[1, 0], &4, 0), "same hash, other state");
        assert!(!c.insert(7, &[1, 1], &3, 0));
        assert_eq!(c.len(), 3);
        assert!(c.bytes() > 0);
    }

    #[test]
    fn hashes_are_deterministic_and_spread() {
        assert_eq!(key_hash(zobrist(3), &5u64), key_hash(zobrist(3), &5u64));
        assert_ne!(key_hash(zobrist(3), &5u64), key_hash(zobrist(4), &5u64));
        assert_ne!(zobrist(0) ^ zobrist(1), 0);
    }
}
