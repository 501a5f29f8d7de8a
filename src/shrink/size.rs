//! How big a failing run is: the five measures `faultline shrink` reports before and after.

use crate::explore::Outcome;
use crate::history::OpType;
use crate::scenario::Scenario;

/// The size of one run of a scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Size {
    /// Faults that fired, counted as the scripted `[[faults]]` entries that redo them (a
    /// crash of `all` on 5 nodes is 5; a restart after `restart_after` is part of its crash).
    pub faults: u64,
    /// Clients of the workload (0 without one).
    pub clients: u64,
    /// Operations the clients invoked (final reads included).
    pub operations: u64,
    /// Nodes in the cluster.
    pub nodes: u64,
    /// Events the engine processed.
    pub events: u64,
}

impl Size {
    /// The size of `outcome`, a run of `scenario`.
    pub fn of(scenario: &Scenario, outcome: &Outcome) -> Size {
        let out = &outcome.output;
        Size {
            faults: out.faults.iter().map(|f| f.script.len() as u64).sum(),
            clients: scenario
                .workload
                .as_ref()
                .map_or(0, |w| u64::from(w.clients)),
            operations: out
                .history
                .ops
                .iter()
                .filter(|o| o.kind == OpType::Invoke)
                .count() as u64,
            nodes: scenario.cluster.nodes.len() as u64,
            events: out.events,
        }
    }

    /// A bound no run exceeds.
    pub fn unbounded() -> Size {
        Size {
            faults: u64::MAX,
            clients: u64::MAX,
            operations: u64::MAX,
            nodes: u64::MAX,
            events: u64::MAX,
        }
    }

    /// Each measure the larger of the two.
    pub fn max(self, other: Size) -> Size {
        Size {
            faults: self.faults.max(other.faults),
            clients: self.clients.max(other.clients),
            operations: self.operations.max(other.operations),
            nodes: self.nodes.max(other.nodes),
            events: self.events.max(other.events),
        }
    }

    /// No measure above `other`'s.
    pub fn within(&self, other: &Size) -> bool {
        self.faults <= other.faults
            && self.clients <= other.clients
            && self.operations <= other.operations
            && self.nodes <= other.nodes
            && self.events <= other.events
    }

    /// `faults 12, clients 5, operations 340, nodes 5, events 9,120`.
    pub fn words(&self) -> String {
        format!(
            "faults {}, clients {}, operations {}, nodes {}, events {}",
            self.faults, self.clients, self.operations, self.nodes, self.events
        )
    }
}
