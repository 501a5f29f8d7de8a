//! How well the protocol's failure detectors did (issue: pluggable detectors): from the
//! suspicions a run recorded ([`crate::sim::Suspicion`]), the time each crash took to be
//! suspected, and the suspicions of nodes that had not crashed — paused, cut off by a
//! partition, or up and reachable (slow or lost heartbeats): false in the crash-stop model.

use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::sim::{RunOutput, SuspectTruth, Suspicion};
use serde::Serialize;

/// What the failure detectors of one run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Detection {
    /// Suspicions raised in all.
    pub suspicions: usize,
    /// For each crash some node suspected: the time from the crash to its first suspicion.
    pub crash_detection_ns: Vec<Nanos>,
    /// Suspicions of paused nodes (alive, silent).
    pub of_paused: usize,
    /// Suspicions of nodes up but cut off from the suspecting node by a partition.
    pub of_cut_off: usize,
    /// Suspicions of nodes up and reachable: plainly false.
    pub of_up: usize,
}

impl Detection {
    /// Suspicions of nodes that had not crashed.
    pub fn false_suspicions(&self) -> usize {
        self.of_paused + self.of_cut_off + self.of_up
    }

    /// The mean crash detection time, if a crash was detected.
    pub fn mean_detection(&self) -> Option<Nanos> {
        let n = self.crash_detection_ns.len() as u64;
        (n > 0).then(|| self.crash_detection_ns.iter().sum::<Nanos>() / n)
    }
}

/// Sums up the run's suspicions.
pub fn detection(out: &RunOutput) -> Detection {
    summarize(&out.suspicions)
}

/// Sums up suspicions: each crash counts once, at its first suspicion.
fn summarize(suspicions: &[Suspicion]) -> Detection {
    let mut d = Detection {
        suspicions: suspicions.len(),
        ..Detection::default()
    };
    // The first suspicion of each crash, keyed by (node, crash time).
    let mut crashes: Vec<(NodeId, Nanos, Nanos)> = Vec::new();
    for s in suspicions {
        match s.truth {
            SuspectTruth::Crashed { since } => {
                match crashes.iter_mut().find(|c| c.0 == s.of && c.1 == since) {
                    Some(c) => c.2 = c.2.min(s.time),
                    None => crashes.push((s.of, since, s.time)),
                }
            }
            SuspectTruth::Paused { .. } => d.of_paused += 1,
            SuspectTruth::CutOff => d.of_cut_off += 1,
            SuspectTruth::Up => d.of_up += 1,
        }
    }
    d.crash_detection_ns = crashes.iter().map(|c| c.2 - c.1).collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_crash_counts_once_at_its_first_suspicion_and_the_rest_are_false() {
        let s = |time, of, truth| Suspicion {
            time,
            by: NodeId(1),
            of: NodeId(of),
            truth,
        };
        let crashed = |since| SuspectTruth::Crashed { since };
        let suspicions = vec![
            s(500, 0, crashed(100)),
            s(450, 0, crashed(100)),
            s(900, 0, crashed(800)),
            s(1_000, 2, SuspectTruth::Paused { since: 950 }),
            s(1_100, 2, SuspectTruth::Up),
            s(1_200, 2, SuspectTruth::CutOff),
        ];
        let got = summarize(&suspicions);
        assert_eq!(got.suspicions, 6);
        assert_eq!(got.crash_detection_ns, [350, 100]);
        assert_eq!((got.of_paused, got.of_cut_off, got.of_up), (1, 1, 1));
        assert_eq!(got.false_suspicions(), 3);
        assert_eq!(got.mean_detection(), Some(225));
        assert_eq!(Detection::default().mean_detection(), None);
    }
}
