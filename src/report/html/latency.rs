//! The latency panel: nearest-rank percentiles of the `ok` operations and a histogram over
//! logarithmic buckets, drawn as inline SVG (no script needed).

use crate::des::time::format_approx as fmt_nanos;
use crate::report::percentiles;
use std::fmt::Write;

/// Buckets of the histogram.
const BUCKETS: usize = 40;
/// Width of the drawing.
const W: f64 = 640.0;
/// Height of the drawing.
const H: f64 = 150.0;

/// The panel's HTML for the latencies `lat` (ns) of `ok` operations.
pub fn panel(lat: &[u64]) -> String {
    let mut s = String::from("<section id=\"latency\"><h2>Latency of ok operations</h2>");
    if lat.is_empty() {
        s.push_str("<p>No operation completed ok.</p></section>");
        return s;
    }
    let p = percentiles(lat);
    let _ = write!(
        s,
        "<table class=\"pct\"><tr><th>ops</th><th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>\
         <tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
        lat.len(),
        fmt_nanos(p.p50),
        fmt_nanos(p.p90),
        fmt_nanos(p.p99),
        fmt_nanos(p.max)
    );
    s.push_str(&histogram(lat));
    s.push_str("</section>");
    s
}

/// A histogram of `lat` over logarithmic buckets from the smallest to the largest value.
fn histogram(lat: &[u64]) -> String {
    let lo = lat.iter().copied().min().unwrap_or(1).max(1) as f64;
    let hi = (lat.iter().copied().max().unwrap_or(1) as f64).max(lo * 1.0001);
    let (llo, lhi) = (lo.ln(), hi.ln());
    let mut counts = [0u64; BUCKETS];
    for &l in lat {
        let x = ((l.max(1) as f64).ln() - llo) / (lhi - llo);
        counts[((x * BUCKETS as f64) as usize).min(BUCKETS - 1)] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bw = W / BUCKETS as f64;
    let mut s = format!(
        "<svg class=\"hist\" width=\"{W}\" height=\"{}\" viewBox=\"0 0 {W} {}\" role=\"img\" aria-label=\"latency histogram\">",
        H + 20.0,
        H + 20.0
    );
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let h = (c as f64 / most) * H;
        let from = (llo + (lhi - llo) * i as f64 / BUCKETS as f64).exp() as u64;
        let to = (llo + (lhi - llo) * (i + 1) as f64 / BUCKETS as f64).exp() as u64;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\"><title>{c} ops, {} to {}</title></rect>",
            i as f64 * bw,
            H - h,
            bw - 1.0,
            fmt_nanos(from),
            fmt_nanos(to)
        );
    }
    let _ = write!(
        s,
        "<text x=\"0\" y=\"{}\">{}</text><text x=\"{W}\" y=\"{}\" text-anchor=\"end\">{} (log scale)</text></svg>",
        H + 15.0,
        fmt_nanos(lo as u64),
        H + 15.0,
        fmt_nanos(hi as u64)
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_histogram_counts_every_latency() {
        let lat: Vec<u64> = (1..=1000).map(|i| i * 1_000).collect();
        let html = panel(&lat);
        assert!(html.contains("<td>1000</td>"));
        let total: u64 = html
            .split("<title>")
            .skip(1)
            .map(|t| t.split(' ').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(total, 1000);
        assert!(panel(&[]).contains("No operation"));
    }
}
