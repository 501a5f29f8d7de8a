//! Failure detectors a protocol can plug in to decide when a silent peer is suspected:
//! a fixed timeout, Chen et al.'s adaptive heartbeat timeout (2002), and Hayashibara et
//! al.'s phi accrual detector (SRDS 2004). A protocol keeps one [`Detector`] per monitored
//! peer, calls [`Detector::heard`] on every message from it, and asks
//! [`Detector::deadline`] when to suspect it (a local-clock instant; it re-arms a timer there
//! and, when the timer fires with no new arrival, suspects). Nothing here sends or sets
//! timers.
//!
//! Determinism (DESIGN §3): no platform float function decides anything. The phi detector
//! turns its threshold into a number of standard deviations once, with `+ − × ÷` only; each
//! deadline is then `last + mean + z·σ` with `σ` from `f64::sqrt`, which IEEE 754 specifies
//! exactly. Phi uses the tail of the logistic approximation to the normal distribution
//! (Bowling et al., 2009): `phi(y) = (1.5976·y + 0.070566·y³) / ln 10` for `y = (Δ − mean)/σ`.

use crate::des::time::Nanos;
use crate::des::words::word_enum;
use std::collections::VecDeque;

word_enum! {
    /// Which failure detector a protocol uses.
    #[derive(Default)]
    pub DetectorKind {
        /// Suspect after a fixed silence (`timeout`).
        #[default]
        Fixed = "fixed",
        /// Chen et al.: suspect when the next heartbeat is `margin` later than expected from
        /// the mean of recent inter-arrival times (the fixed timeout until two arrivals).
        Heartbeat = "heartbeat",
        /// Hayashibara et al.: suspect when phi, the suspicion level computed from the
        /// distribution of recent inter-arrival times, reaches `phi_threshold`.
        Phi = "phi",
    }
}

/// How a detector is tuned. Protocols fill it from their `[cluster.params]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DetectorConfig {
    /// Which detector.
    pub kind: DetectorKind,
    /// `fixed`: the silence that makes a peer suspected; the others use it until they have
    /// seen two arrivals.
    pub timeout: Nanos,
    /// `heartbeat`: the safety margin added to the expected arrival.
    pub margin: Nanos,
    /// `phi`: the suspicion level that makes a peer suspected (8 is a common choice: about
    /// one mistake in 10^8 heartbeats if arrivals were normally distributed).
    pub phi_threshold: f64,
    /// `heartbeat` and `phi`: how many recent inter-arrival times they keep.
    pub window: usize,
    /// `phi`: the smallest standard deviation assumed (very regular heartbeats would make
    /// any delay look like a failure).
    pub min_std: Nanos,
    /// `phi`: a pause the detector tolerates on top of the distribution (Akka's
    /// acceptable heartbeat pause).
    pub acceptable_pause: Nanos,
}

/// One peer's failure detector state.
#[derive(Clone, Debug)]
pub struct Detector {
    config: DetectorConfig,
    /// The phi threshold as a number of standard deviations above the mean.
    z: f64,
    last: Option<Nanos>,
    intervals: VecDeque<Nanos>,
    sum: u128,
    sum_squares: u128,
}

impl Detector {
    /// A detector that has heard nothing yet.
    pub fn new(config: DetectorConfig) -> Detector {
        Detector {
            config,
            z: deviations_for(config.phi_threshold),
            last: None,
            intervals: VecDeque::with_capacity(config.window.min(1024)),
            sum: 0,
            sum_squares: 0,
        }
    }

    /// Forgets every arrival (a new peer to watch, or a restart), counting from `now`.
    pub fn reset(&mut self, now: Nanos) {
        self.last = Some(now);
        self.intervals.clear();
        self.sum = 0;
        self.sum_squares = 0;
    }

    /// A message from the peer arrived at local time `now`.
    pub fn heard(&mut self, now: Nanos) {
        if let Some(last) = self.last {
            let gap = now.saturating_sub(last);
            if gap > 0 && self.config.kind != DetectorKind::Fixed {
                if self.intervals.len() >= self.config.window.max(1) {
                    let old = self.intervals.pop_front().unwrap_or(0);
                    self.sum -= u128::from(old);
                    self.sum_squares -= u128::from(old) * u128::from(old);
                }
                self.intervals.push_back(gap);
                self.sum += u128::from(gap);
                self.sum_squares += u128::from(gap) * u128::from(gap);
            }
        }
        if self.last.map_or(true, |l| now >= l) {
            self.last = Some(now);
        }
    }

    /// The local time of the last arrival (or reset), if any.
    pub fn last(&self) -> Option<Nanos> {
        self.last
    }

    /// The local time from which the peer is suspected if nothing more arrives.
    pub fn deadline(&self) -> Nanos {
        let last = self.last.unwrap_or(0);
        let n = self.intervals.len() as u128;
        if self.config.kind == DetectorKind::Fixed || n == 0 {
            return last.saturating_add(self.config.timeout);
        }
        let mean = self.sum / n;
        let wait = match self.config.kind {
            DetectorKind::Heartbeat => (mean as Nanos).saturating_add(self.config.margin),
            _ => {
                let variance = (self.sum_squares / n).saturating_sub(mean * mean);
                let std = (variance as f64).sqrt().max(self.config.min_std as f64);
                let spread = (self.z * std) as Nanos;
                (mean as Nanos)
                    .saturating_add(spread)
                    .saturating_add(self.config.acceptable_pause)
            }
        };
        last.saturating_add(wait)
    }

    /// Whether the peer is suspected at local time `now`.
    pub fn suspects(&self, now: Nanos) -> bool {
        now >= self.deadline()
    }
}

/// The `y` at which `phi(y) = threshold` for the logistic tail
/// `phi(y) = (1.5976·y + 0.070566·y³) / ln 10`, found by bisection (the cubic increases).
fn deviations_for(threshold: f64) -> f64 {
    const LN_10: f64 = std::f64::consts::LN_10;
    let target = threshold.max(0.0) * LN_10;
    let g = |y: f64| 1.5976 * y + 0.070566 * y * y * y;
    let (mut lo, mut hi) = (0.0_f64, 64.0_f64);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if g(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::time::MILLIS;

    fn config(kind: DetectorKind) -> DetectorConfig {
        DetectorConfig {
            kind,
            timeout: 300 * MILLIS,
            margin: 100 * MILLIS,
            phi_threshold: 8.0,
            window: 10,
            min_std: 10 * MILLIS,
            acceptable_pause: 0,
        }
    }

    /// A detector that heard a heartbeat every `every` from 0 to `until`.
    fn steady(kind: DetectorKind, every: Nanos, until: Nanos) -> Detector {
        let mut d = Detector::new(config(kind));
        let mut t = 0;
        while t <= until {
            d.heard(t);
            t += every;
        }
        d
    }

    #[test]
    fn fixed_suspects_after_the_timeout_of_silence() {
        let d = steady(DetectorKind::Fixed, 50 * MILLIS, 1_000 * MILLIS);
        assert_eq!(d.deadline(), 1_300 * MILLIS);
        assert!(!d.suspects(1_299 * MILLIS));
        assert!(d.suspects(1_300 * MILLIS));
    }

    #[test]
    fn heartbeat_expects_the_mean_interval_plus_the_margin() {
        let d = steady(DetectorKind::Heartbeat, 50 * MILLIS, 1_000 * MILLIS);
        assert_eq!(d.deadline(), 1_000 * MILLIS + 50 * MILLIS + 100 * MILLIS);
        let fresh = Detector::new(config(DetectorKind::Heartbeat));
        assert_eq!(
            fresh.deadline(),
            300 * MILLIS,
            "the timeout until it has data"
        );
    }

    #[test]
    fn phi_waits_the_mean_plus_z_deviations_and_adapts_to_jitter() {
        let z = deviations_for(8.0);
        // phi(z) = 8 for the logistic tail: 1.5976 z + 0.070566 z^3 = 8 ln 10.
        let g = 1.5976 * z + 0.070566 * z * z * z;
        assert!((g - 8.0 * std::f64::consts::LN_10).abs() < 1e-9, "{g}");
        assert!((4.0..6.0).contains(&z), "{z}");
        // Regular heartbeats: sigma is the floor, 10 ms.
        let d = steady(DetectorKind::Phi, 50 * MILLIS, 1_000 * MILLIS);
        let wait = d.deadline() - 1_000 * MILLIS;
        assert_eq!(wait, 50 * MILLIS + (z * (10 * MILLIS) as f64) as Nanos);
        // Jittery heartbeats (alternately 20 ms and 80 ms apart): a wider spread, a later
        // deadline for the same mean.
        let mut j = Detector::new(config(DetectorKind::Phi));
        let mut t = 0;
        for k in 0..20 {
            j.heard(t);
            t += if k % 2 == 0 { 20 * MILLIS } else { 80 * MILLIS };
        }
        let last = j.last().unwrap();
        assert!(j.deadline() - last > wait, "more jitter, more patience");
        // A higher threshold waits longer.
        let mut strict = config(DetectorKind::Phi);
        strict.phi_threshold = 12.0;
        assert!(deviations_for(12.0) > z);
        let mut s = Detector::new(strict);
        for k in 0..=20 {
            s.heard(k * 50 * MILLIS);
        }
        assert!(s.deadline() > d.deadline());
    }

    #[test]
    fn the_window_forgets_old_intervals_and_reset_forgets_everything() {
        let mut d = steady(DetectorKind::Heartbeat, 200 * MILLIS, 2_000 * MILLIS);
        let mut t = 2_000 * MILLIS;
        for _ in 0..10 {
            t += 20 * MILLIS;
            d.heard(t);
        }
        assert_eq!(
            d.deadline(),
            t + 20 * MILLIS + 100 * MILLIS,
            "only the last 10 count"
        );
        d.reset(5_000 * MILLIS);
        assert_eq!(d.deadline(), 5_300 * MILLIS);
    }
}
