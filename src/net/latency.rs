//! Drawing per-message delays from the scenario's latency distributions.
//!
//! Uniform and constant delays use exact integer draws. Normal, exponential and Pareto need
//! logarithms and roots; they use the pure-Rust `libm` crate (a port of musl's libm) so the
//! same seed gives the same delays on every platform, never the host's C library.

use crate::des::rng::Stream;
use crate::des::time::Nanos;
use crate::scenario::Latency;

/// Draws one delay from `latency` using `rng`. The integer distributions are inlined into
/// the caller (the hot path of every send); the others are drawn out of line.
#[inline(always)]
pub fn sample(latency: &Latency, rng: &mut Stream) -> Nanos {
    match *latency {
        Latency::Constant(d) => d,
        Latency::Uniform { min, max } => rng.between(min, max),
        _ => sample_continuous(latency, rng),
    }
}

/// [`sample`] for the distributions that need floating point.
#[inline(never)]
fn sample_continuous(latency: &Latency, rng: &mut Stream) -> Nanos {
    match *latency {
        Latency::Constant(d) => d,
        Latency::Uniform { min, max } => rng.between(min, max),
        Latency::Normal { mean, stddev } => {
            // Box–Muller, one draw per call (the second variate is discarded for simplicity).
            let u1 = rng.open01();
            let u2 = rng.open01();
            let z = libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2);
            to_nanos(mean as f64 + z * stddev as f64)
        }
        Latency::Exponential { mean } => to_nanos(-libm::log(rng.open01()) * mean as f64),
        Latency::Pareto { scale, shape, cap } => {
            let x = scale as f64 * libm::exp(-libm::log(rng.open01()) / shape);
            to_nanos(x).min(cap)
        }
    }
}

/// The largest delay `latency` can produce, or `None` if unbounded (normal, exponential).
pub fn upper_bound(latency: &Latency) -> Option<Nanos> {
    match *latency {
        Latency::Constant(d) => Some(d),
        Latency::Uniform { max, .. } => Some(max),
        Latency::Pareto { cap, .. } => Some(cap),
        Latency::Normal { .. } | Latency::Exponential { .. } => None,
    }
}

fn to_nanos(x: f64) -> Nanos {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= 1.8e19 {
        u64::MAX / 4
    } else {
        x as Nanos
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::time::MILLIS;

    fn mean_of(l: Latency) -> f64 {
        let mut rng = Stream::new(3, "lat");
        let n = 20_000;
        (0..n).map(|_| sample(&l, &mut rng) as f64).sum::<f64>() / n as f64
    }

    #[test]
    fn distributions_have_their_documented_shape() {
        assert_eq!(mean_of(Latency::Constant(5 * MILLIS)), 5e6);
        let u = mean_of(Latency::Uniform {
            min: MILLIS,
            max: 10 * MILLIS,
        });
        assert!((u - 5.5e6).abs() < 0.1e6, "{u}");
        let e = mean_of(Latency::Exponential { mean: 4 * MILLIS });
        assert!((e - 4e6).abs() < 0.2e6, "{e}");
        let n = mean_of(Latency::Normal {
            mean: 10 * MILLIS,
            stddev: MILLIS,
        });
        assert!((n - 1e7).abs() < 0.1e6, "{n}");
        let mut rng = Stream::new(3, "p");
        let p = Latency::Pareto {
            scale: MILLIS,
            shape: 1.5,
            cap: 50 * MILLIS,
        };
        assert!((0..5000)
            .map(|_| sample(&p, &mut rng))
            .all(|d| (MILLIS..=50 * MILLIS).contains(&d)));
    }

    #[test]
    fn normal_is_truncated_at_zero() {
        let mut rng = Stream::new(3, "n");
        let l = Latency::Normal {
            mean: 0,
            stddev: 10 * MILLIS,
        };
        let draws: Vec<_> = (0..1000).map(|_| sample(&l, &mut rng)).collect();
        assert!(draws.iter().filter(|d| **d == 0).count() > 400);
    }

    #[test]
    fn draws_are_pinned() {
        let mut rng = Stream::new(9, "pin");
        let l = Latency::Exponential { mean: MILLIS };
        let v: Vec<_> = (0..3).map(|_| sample(&l, &mut rng)).collect();
        assert_eq!(v, PINNED);
    }

    const PINNED: [Nanos; 3] = [202463, 2005044, 890676];
}
