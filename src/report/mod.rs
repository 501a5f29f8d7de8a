//! Reports of a run: the readable text summary, the JSON report of DESIGN §7, the
//! self-contained HTML report ([`html`]) and the story of a failure ([`story`]). Reports hold
//! no wall-clock fields; the CLI adds timing separately where it wants to.

pub mod html;
mod json;
pub mod story;
mod text;

pub use json::json_report;
pub use text::text_report;

use crate::des::time::Nanos;

/// Latency percentiles of `ok` operations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Percentiles {
    /// Median.
    pub p50: Nanos,
    /// 90th percentile.
    pub p90: Nanos,
    /// 99th percentile.
    pub p99: Nanos,
    /// Largest.
    pub max: Nanos,
}

/// Nearest-rank percentiles of `latencies` (all zero when empty).
pub fn percentiles(latencies: &[Nanos]) -> Percentiles {
    if latencies.is_empty() {
        return Percentiles::default();
    }
    let mut v = latencies.to_vec();
    v.sort_unstable();
    let at = |p: usize| v[((v.len() * p).div_ceil(100)).clamp(1, v.len()) - 1];
    Percentiles {
        p50: at(50),
        p90: at(90),
        p99: at(99),
        max: *v.last().expect("non-empty"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(
            percentiles(&v),
            Percentiles {
                p50: 50,
                p90: 90,
                p99: 99,
                max: 100
            }
        );
        assert_eq!(
            percentiles(&[7]),
            Percentiles {
                p50: 7,
                p90: 7,
                p99: 7,
                max: 7
            }
        );
        assert_eq!(percentiles(&[]), Percentiles::default());
    }
}
