//! The run's trace: a stable 64-bit hash over every event, and optionally JSON lines.
//!
//! The hash identifies a run: same scenario + seed + release gives the same hash. It is a
//! hasher this crate owns (a multiply-xorshift over 64-bit words with a SplitMix finaliser),
//! so it does not depend on the platform or on std's unspecified `DefaultHasher`. Trace lines
//! never contain wall-clock times, paths or unordered dumps (DESIGN §3.9).

use super::rng::mix64;
use std::hash::Hasher;
use std::io::Write;

const K: u64 = 0x9e37_79b9_7f4a_7c15;

/// A stable, platform-independent 64-bit hasher for trace records and message payloads.
#[derive(Clone, Copy, Debug)]
pub struct TraceHasher {
    state: u64,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher {
            state: 0x243f_6a88_85a3_08d3,
        }
    }
}

impl TraceHasher {
    /// Absorbs one word.
    #[inline]
    pub fn word(&mut self, w: u64) {
        self.state = (self.state.rotate_left(23) ^ w).wrapping_mul(K);
    }

    /// The current digest.
    #[inline]
    pub fn digest(&self) -> u64 {
        mix64(self.state)
    }
}

impl Hasher for TraceHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.digest()
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.word(u64::from_le_bytes(w) ^ ((chunk.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.word(u64::from(i));
    }
    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.word(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.word(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.word(i);
    }
    #[inline]
    fn write_u128(&mut self, i: u128) {
        self.word(i as u64);
        self.word((i >> 64) as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.word(i as u64);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.word(i as u64);
    }
    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.word(i as i64 as u64);
    }
}

/// Where trace lines go, if anywhere. Tracing to a sink is the slow path; hashing is always on.
pub struct Trace<'w> {
    hasher: TraceHasher,
    sink: Option<&'w mut dyn Write>,
    /// Per-event digests, kept only when a determinism comparison asks for them.
    pub(crate) digests: Option<Vec<u64>>,
    events: u64,
    error: Option<std::io::Error>,
}

impl<'w> Trace<'w> {
    /// A trace that only hashes.
    pub fn hash_only() -> Self {
        Trace {
            hasher: TraceHasher::default(),
            sink: None,
            digests: None,
            events: 0,
            error: None,
        }
    }

    /// A trace that hashes and writes one JSON object per event to `sink`.
    pub fn to_writer(sink: &'w mut dyn Write) -> Trace<'w> {
        Trace {
            hasher: TraceHasher::default(),
            sink: Some(sink),
            digests: None,
            events: 0,
            error: None,
        }
    }

    /// Also keep the running digest after every event (for `faultline determinism`).
    pub fn keep_digests(mut self) -> Self {
        self.digests = Some(Vec::new());
        self
    }

    /// True when lines are being written (callers skip formatting otherwise).
    #[inline]
    pub fn is_writing(&self) -> bool {
        self.sink.is_some()
    }

    /// Mutable access to the hasher, to absorb one event's fields.
    #[inline]
    pub fn hasher(&mut self) -> &mut TraceHasher {
        &mut self.hasher
    }

    /// Closes one event: counts it and records its digest if asked.
    #[inline]
    pub fn end_event(&mut self) {
        self.events += 1;
        if let Some(d) = &mut self.digests {
            d.push(self.hasher.digest());
        }
    }

    /// Writes one already-formatted JSON line (without newline).
    pub fn write_line(&mut self, line: &str) {
        if let Some(sink) = &mut self.sink {
            if self.error.is_none() {
                if let Err(e) = sink
                    .write_all(line.as_bytes())
                    .and_then(|_| sink.write_all(b"\n"))
                {
                    self.error = Some(e);
                }
            }
        }
    }

    /// The trace hash so far.
    pub fn digest(&self) -> u64 {
        self.hasher.digest()
    }

    /// Number of events absorbed.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The first write error, if writing the trace failed.
    pub fn take_error(&mut self) -> Option<std::io::Error> {
        self.error.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    #[test]
    fn hasher_is_pinned_and_order_sensitive() {
        let mut a = TraceHasher::default();
        a.word(1);
        a.word(2);
        let mut b = TraceHasher::default();
        b.word(2);
        b.word(1);
        assert_ne!(a.digest(), b.digest());
        let mut c = TraceHasher::default();
        ("abc", 7u32, -1i64).hash(&mut c);
        assert_eq!(c.digest(), GOLDEN_TUPLE);
    }

    const GOLDEN_TUPLE: u64 = 373159825692692408;
}
