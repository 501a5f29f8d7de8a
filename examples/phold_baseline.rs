//! The reference floor for faultline's engine speed: PHOLD written by hand as the smallest
//! event loop that can run it. A `std::collections::BinaryHeap` of plain structs ordered by
//! `(time, sequence)`, one `ChaCha8Rng`, and nothing else: no network model, no clocks, no
//! trace hash, no accounting. docs/performance.md compares `faultline run
//! scenarios/bench/phold.toml` with it (the target is at least 0.8 of its speed).
//!
//! It takes its parameters from the scenario file, so the two always run the same workload:
//! the node count, the messages each node puts in flight, the uniform latency bounds and the
//! number of deliveries. Every delivery sends one message to a uniformly random other node
//! after a uniform delay, exactly as the `phold` protocol does over the default link.
//!
//! `cargo run --release --example phold_baseline [SCENARIO]` (default
//! `scenarios/bench/phold.toml`) prints deliveries per second; `benches/engine.rs` runs the
//! same loop under criterion (`cargo bench --bench engine -- phold`).

use faultline::scenario::{self, Latency};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::time::Instant;

/// What the baseline needs to know about a PHOLD scenario.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    /// Number of nodes.
    pub nodes: u32,
    /// Messages each node puts in flight at time 0.
    pub messages_per_node: u32,
    /// Uniform delay bounds, inclusive, in nanoseconds.
    pub min_delay: u64,
    /// Upper delay bound.
    pub max_delay: u64,
    /// Stop after this many deliveries.
    pub deliveries: u64,
    /// Seed of the one random stream.
    pub seed: u64,
}

impl Workload {
    /// Reads the workload from a PHOLD scenario file.
    pub fn from_scenario(path: &Path) -> Result<Workload, String> {
        let s = scenario::load(path).map_err(|e| e.to_string())?;
        if s.cluster.protocol != "phold" {
            return Err(format!("{}: not a phold scenario", path.display()));
        }
        let Latency::Uniform { min, max } = s.network.default.latency else {
            return Err(format!(
                "{}: the baseline needs uniform latency",
                path.display()
            ));
        };
        let messages_per_node = s
            .cluster
            .params
            .get("messages_per_node")
            .and_then(|v| v.as_integer())
            .unwrap_or(16) as u32;
        Ok(Workload {
            nodes: s.cluster.nodes.len() as u32,
            messages_per_node,
            min_delay: min,
            max_delay: max,
            deliveries: s.limits.stop_after_deliveries.unwrap_or(1_000_000),
            seed: s.seed,
        })
    }
}

/// One pending message: a plain struct ordered by arrival time, then scheduling order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Msg {
    time: u64,
    seq: u64,
    to: u32,
    hops: u32,
}

/// A uniform integer in `0..n` (Lemire's multiply-and-reject, as faultline draws).
#[inline]
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let floor = n.wrapping_neg() % n;
        while (m as u64) < floor {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

/// Runs the workload; returns a checksum of the deliveries (the sum of hop counts) so the
/// optimiser cannot drop the loop.
pub fn run(w: &Workload) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(w.seed);
    let n = u64::from(w.nodes);
    let span = w.max_delay - w.min_delay + 1;
    let mut heap = BinaryHeap::with_capacity((w.nodes * w.messages_per_node) as usize);
    let mut seq = 0u64;
    let mut send = |heap: &mut BinaryHeap<Reverse<Msg>>, rng: &mut ChaCha8Rng, now, me, hops| {
        let mut to = below(rng, n - 1);
        if to >= me {
            to += 1;
        }
        let delay = w.min_delay + below(rng, span);
        seq += 1;
        heap.push(Reverse(Msg {
            time: now + delay,
            seq,
            to: to as u32,
            hops,
        }));
    };
    for me in 0..n {
        for _ in 0..w.messages_per_node {
            send(&mut heap, &mut rng, 0, me, 0);
        }
    }
    let mut checksum = 0u64;
    for _ in 0..w.deliveries {
        let Some(Reverse(m)) = heap.pop() else { break };
        checksum = checksum.wrapping_add(u64::from(m.hops));
        send(&mut heap, &mut rng, m.time, u64::from(m.to), m.hops + 1);
    }
    checksum
}

#[allow(dead_code)]
fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "scenarios/bench/phold.toml".to_string());
    let w = match Workload::from_scenario(Path::new(&path)) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    let checksum = run(&w);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "baseline PHOLD: {} nodes x {} in flight, {} deliveries in {:.3} s = {:.2} M deliveries/s (checksum {checksum})",
        w.nodes,
        w.messages_per_node,
        w.deliveries,
        secs,
        w.deliveries as f64 / secs / 1e6
    );
}
