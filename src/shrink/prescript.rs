//! Step 0 of shrinking a dense nemesis run: fewer nodes while the nemesis still draws, before
//! its faults become a script.
//!
//! A nemesis aimed at symbolic targets (`leader`, `leader-minority`) keeps aiming on a smaller
//! cluster, while a scripted timeline names the nodes it hit and mostly misses once the
//! elections move. So a dense nemesis run is first tried on fewer nodes (the first *k* in
//! member order, as the node pass does later, *k* from the smallest valid count up) with the
//! nemesis in place, then cut to the shortest duration that still fails; its fired faults
//! are what step 1 scripts. Figure 8 on
//! five nodes (554 faults, failing at 9 s) fails alike on three, within 2.7 s.
//!
//! The smaller cluster's run is a different run: while searching, its faults and events are
//! not held to the original's (a 20 s nemesis run on three nodes fires more faults); the
//! result is kept only if, cut short, it is no bigger than the original by every measure.

use super::ddmin::Outcome;
use super::oracle::Oracle;
use super::passes::{with_nodes, Shrinker};
use super::size::Size;
use toml::Table;

/// A nemesis run is dense, and step 0 is tried, from this many fired faults (as scripted
/// entries) on. Sparser runs script well as they are: their ddmin removes faults one by one
/// without moving much else (every other shipped nemesis scenario fires at most 66, and on
/// three of them step 0 ended bigger by some measure).
pub const DENSE: usize = 100;

/// `doc` (which has a `[nemesis]` and fails the same way) on the fewest nodes on which, cut
/// short, it fails the same way and is no bigger than `before`, with what changed; else `doc`.
/// Node counts are tried from the smallest valid one up: on the fewest nodes the failure may
/// come too late to be cut short (Figure 8 seed 26 breaks State Machine Safety only in the
/// settle time on three nodes, but within 3.3 s on four).
pub fn fewer_nodes<'a>(
    doc: Table,
    mut oracle: Oracle<'a>,
    before: Size,
) -> (Table, Oracle<'a>, Vec<(String, String, String)>) {
    oracle.phase = "nodes";
    let bound = oracle.original;
    let last = oracle.last_size;
    let Some(names) = oracle.valid(&doc).map(|s| s.cluster.nodes) else {
        return (doc, oracle, Vec::new());
    };
    for v in 1..names.len() {
        let Some(candidate) = with_nodes(&doc, &names, v) else {
            continue;
        };
        if oracle.valid(&candidate).is_none() {
            continue; // below the protocol's minimum: not run
        }
        // A different run: its faults, operations and events may exceed the original's
        // until it is cut short.
        oracle.original = Size {
            faults: u64::MAX,
            events: u64::MAX,
            operations: u64::MAX,
            ..bound
        };
        match oracle.test(&candidate) {
            Outcome::Stop => break,
            Outcome::Passes => continue,
            Outcome::Fails => {}
        }
        let mut s = Shrinker::new(candidate, oracle);
        s.note("cluster.nodes", names.len().to_string(), v.to_string());
        s.duration();
        let Shrinker {
            doc: small,
            oracle: back,
            changes,
        } = s;
        oracle = back;
        oracle.original = bound;
        if oracle.last_size.is_some_and(|size| size.within(&before)) {
            return (small, oracle, changes);
        }
        if oracle.stopped.is_some() {
            break;
        }
    }
    oracle.original = bound;
    oracle.last_size = last;
    (doc, oracle, Vec::new())
}
