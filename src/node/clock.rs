//! A node's local clock: an offset, a drift in parts per million, and jumps.
//!
//! `local(t) = base_local + (t - base_global) * (1_000_000 + drift_ppm) / 1_000_000`, in exact
//! integer arithmetic (floor). Changing the drift or jumping rebases the clock at the current
//! instant. Protocol timers are durations of local time: they run at the clock's rate, and a
//! jump moves the clock's reading but not timers already pending (like a monotonic timer
//! beside a wall clock that was stepped).

use crate::des::time::Nanos;

const PPM: i128 = 1_000_000;

/// One node's local clock.
#[derive(Clone, Debug)]
pub struct LocalClock {
    base_global: Nanos,
    base_local: Nanos,
    drift_ppm: i64,
}

impl LocalClock {
    /// A clock reading `offset` at global time 0 and running at `1 + drift_ppm / 1e6`.
    /// `drift_ppm` must be above -1,000,000.
    pub fn new(offset: Nanos, drift_ppm: i64) -> LocalClock {
        LocalClock {
            base_global: 0,
            base_local: offset,
            drift_ppm: drift_ppm.max(-999_999),
        }
    }

    /// The reading at global time `now` (which must not precede the last rebase).
    ///
    /// `dt * (PPM + drift) / PPM` (floor) equals `dt + floor(dt * drift / PPM)`, because
    /// `dt * PPM` divides exactly; while `dt * drift` fits in 64 bits (elapsed times up to
    /// about 2.5 hours at 1,000 ppm) that is a 64-bit multiply and a division by a constant,
    /// which the compiler turns into a multiplication. Beyond, the 128-bit form, the same value.
    #[inline]
    pub fn read(&self, now: Nanos) -> Nanos {
        let dt = now.saturating_sub(self.base_global);
        if self.drift_ppm == 0 {
            return self.base_local.saturating_add(dt);
        }
        let skew = i64::try_from(dt)
            .ok()
            .and_then(|dt| dt.checked_mul(self.drift_ppm));
        let local = match skew {
            Some(skew) => {
                i128::from(self.base_local)
                    + i128::from(dt)
                    + i128::from(skew.div_euclid(PPM as i64))
            }
            None => self.read_wide(dt),
        };
        local.clamp(0, i128::from(u64::MAX)) as Nanos
    }

    /// [`LocalClock::read`]'s value in 128-bit arithmetic, for `dt` (time since the last
    /// rebase) too long for the 64-bit form.
    fn read_wide(&self, dt: Nanos) -> i128 {
        i128::from(self.base_local) + i128::from(dt) * (PPM + i128::from(self.drift_ppm)) / PPM
    }

    /// The global time it takes this clock to advance by `local` (rounded up, so a timer
    /// never fires before its local deadline). 64-bit arithmetic while `local * PPM` fits
    /// (local spans up to about 5 hours), else 128-bit; the value is the same.
    #[inline]
    pub fn global_span(&self, local: Nanos) -> Nanos {
        if self.drift_ppm == 0 {
            return local;
        }
        // The rate is positive: the drift is above -1,000,000 ppm.
        let narrow = (PPM as i64).checked_add(self.drift_ppm).and_then(|rate| {
            let rate = rate as u64;
            let x = local.checked_mul(PPM as u64)?.checked_add(rate - 1)?;
            Some((x / rate).min(u64::MAX / 4))
        });
        narrow.unwrap_or_else(|| self.global_span_wide(local))
    }

    /// [`LocalClock::global_span`]'s value in 128-bit arithmetic, for long spans.
    fn global_span_wide(&self, local: Nanos) -> Nanos {
        let rate = PPM + i128::from(self.drift_ppm);
        let g = (i128::from(local) * PPM + rate - 1) / rate;
        g.min(i128::from(u64::MAX / 4)) as Nanos
    }

    /// Steps the clock by `delta` (may be negative; the reading never goes below 0).
    pub fn jump(&mut self, now: Nanos, delta: i64) {
        let cur = self.read(now);
        self.base_local =
            (i128::from(cur) + i128::from(delta)).clamp(0, i128::from(u64::MAX)) as Nanos;
        self.base_global = now;
    }

    /// Changes the drift from `now` on.
    pub fn set_drift(&mut self, now: Nanos, drift_ppm: i64) {
        self.base_local = self.read(now);
        self.base_global = now;
        self.drift_ppm = drift_ppm.max(-999_999);
    }

    /// Current drift in ppm.
    pub fn drift_ppm(&self) -> i64 {
        self.drift_ppm
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::time::{MILLIS, SECS};

    #[test]
    fn drift_and_offset() {
        let c = LocalClock::new(5 * MILLIS, 1000); // +0.1%
        assert_eq!(c.read(0), 5 * MILLIS);
        assert_eq!(c.read(SECS), 5 * MILLIS + SECS + MILLIS);
        let slow = LocalClock::new(0, -500_000);
        assert_eq!(slow.read(SECS), SECS / 2);
        assert_eq!(slow.global_span(SECS / 2), SECS);
    }

    #[test]
    fn timers_never_fire_early() {
        for drift in [-300_000, -7, 0, 13, 250_000] {
            let c = LocalClock::new(0, drift);
            for local in [1, 999, 1_000_003, 7 * SECS] {
                let g = c.global_span(local);
                assert!(c.read(g) >= local, "drift {drift} local {local}");
                assert!(g == 0 || c.read(g - 1) < local || drift > 0);
            }
        }
    }

    #[test]
    fn the_64_bit_forms_agree_with_the_128_bit_ones() {
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for drift in [
            -999_999, -300_000, -7, 1, 1_000, 250_000, 1_000_000, 5_000_000,
        ] {
            let c = LocalClock::new(12_345, drift);
            let mut spans = vec![0, 1, 999_999, 1_000_000, u64::MAX / 4, u64::MAX];
            // Around the edges where the products stop fitting in 64 bits, and at random.
            spans.extend([u64::MAX / 1_000_000, i64::MAX as u64 / drift.unsigned_abs()]);
            spans.extend((0..2_000).map(|i| next() >> (i % 64)));
            for t in spans {
                let wide = c.read_wide(t).clamp(0, i128::from(u64::MAX)) as Nanos;
                assert_eq!(c.read(t), wide, "read drift {drift} t {t}");
                let span = c.global_span_wide(t);
                assert_eq!(c.global_span(t), span, "span drift {drift} t {t}");
            }
        }
    }

    #[test]
    fn jumps_and_drift_changes_rebase() {
        let mut c = LocalClock::new(0, 0);
        c.jump(SECS, -300_000_000);
        assert_eq!(c.read(SECS), 700 * MILLIS);
        assert_eq!(c.read(2 * SECS), 1700 * MILLIS);
        c.set_drift(2 * SECS, 100_000);
        assert_eq!(c.read(3 * SECS), 2800 * MILLIS);
        c.jump(3 * SECS, -10_000_000_000);
        assert_eq!(c.read(3 * SECS), 0, "clamped at zero");
    }
}
