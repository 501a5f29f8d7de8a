//! The anomalies the isolation checker finds, and the isolation levels each one rules out.
//!
//! Cycle anomalies follow Adya (Weak Consistency, MIT 1999; Adya, Liskov & O'Neil, ICDE
//! 2000) as Elle names them (Kingsbury & Alvaro, VLDB 2020): G0 (a cycle of write-write
//! edges), G1c (write-write and write-read edges), G-single (exactly one anti-dependency),
//! G-nonadjacent (several anti-dependencies, no two in a row), G2-item (anti-dependencies
//! otherwise). A cycle that needs a real-time edge is `…-realtime`: it breaks only strict
//! serializability, the one level that promises real-time order. (A process's own order is
//! part of real time: its transactions run one at a time.) The others are
//! found on single transactions or keys: G1a (aborted read), G1b (intermediate read),
//! dirty update, lost update, internal inconsistency, duplicate elements, garbage reads,
//! incompatible orders, future reads and cyclic version orders.

use super::graph::Step;
use serde::Serialize;

/// A class of dependency cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Class {
    /// Only write-write edges.
    G0,
    /// Write-write and write-read edges, at least one write-read.
    G1c,
    /// Exactly one read-write (anti-dependency) edge.
    GSingle,
    /// At least two read-write edges, no two adjacent.
    GNonadjacent,
    /// Read-write edges otherwise.
    G2Item,
}

/// The order a cycle needs besides the data dependencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Order {
    /// None: the data dependencies alone.
    Data,
    /// Real time.
    Realtime,
}

/// What kind of anomaly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Kind {
    /// A dependency cycle.
    Cycle(Class, Order),
    /// A read saw a write of a transaction that failed (aborted read).
    G1a,
    /// A read saw a write its transaction later overwrote (intermediate read).
    G1b,
    /// A failed transaction's write was followed by a committed one (dirty update).
    DirtyUpdate,
    /// Two committed transactions read the same version of a key and both wrote it.
    LostUpdate,
    /// A transaction's read does not reflect its own earlier reads and writes.
    Internal,
    /// A list read holds an element twice.
    DuplicateElements,
    /// A read returned a value no transaction wrote.
    GarbageRead,
    /// Two reads of a key disagree on the order of its elements.
    IncompatibleOrder,
    /// A transaction read a value it only wrote later.
    FutureRead,
    /// The version order of a key, as the assumptions give it, is cyclic.
    CyclicVersions,
}

impl Kind {
    /// Its name, as Elle writes it: `G0`, `G-single-item`, `G2-item-realtime`, `lost-update`, …
    pub fn name(self) -> String {
        match self {
            Kind::Cycle(class, order) => {
                let base = match class {
                    Class::G0 => "G0",
                    Class::G1c => "G1c",
                    Class::GSingle => "G-single-item",
                    Class::GNonadjacent => "G-nonadjacent-item",
                    Class::G2Item => "G2-item",
                };
                match order {
                    Order::Data => base.to_string(),
                    Order::Realtime => format!("{base}-realtime"),
                }
            }
            Kind::G1a => "G1a".into(),
            Kind::G1b => "G1b".into(),
            Kind::DirtyUpdate => "dirty-update".into(),
            Kind::LostUpdate => "lost-update".into(),
            Kind::Internal => "internal".into(),
            Kind::DuplicateElements => "duplicate-elements".into(),
            Kind::GarbageRead => "garbage-read".into(),
            Kind::IncompatibleOrder => "incompatible-order".into(),
            Kind::FutureRead => "future-read".into(),
            Kind::CyclicVersions => "cyclic-versions".into(),
        }
    }
}

/// One anomaly found, with its witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anomaly {
    /// What kind.
    pub kind: Kind,
    /// The transactions involved (indices into the history's transactions).
    pub txns: Vec<u32>,
    /// For a cycle, its edges in order.
    pub(crate) cycle: Vec<Step>,
    /// What happened, in words.
    pub explanation: String,
}

impl Anomaly {
    /// An anomaly that is not a cycle.
    pub(crate) fn new(kind: Kind, txns: Vec<u32>, explanation: String) -> Anomaly {
        Anomaly {
            kind,
            txns,
            cycle: Vec::new(),
            explanation,
        }
    }
}

/// The isolation levels the checker decides, weakest first. Repeatable read and snapshot
/// isolation are incomparable: each allows an anomaly the other forbids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// Adya PL-1: no G0.
    ReadUncommitted,
    /// Adya PL-2: no G1 (G1a, G1b, G1c).
    ReadCommitted,
    /// Adya PL-2.99: no G1, no G2-item.
    RepeatableRead,
    /// Adya PL-SI: no G1, no G-single or G-nonadjacent (write skew, G2-item, is allowed).
    SnapshotIsolation,
    /// Adya PL-3: no G1, no G2.
    Serializable,
    /// PL-3 plus real time (Herlihy & Wing's linearizability for transactions).
    StrictSerializable,
}

impl Level {
    /// Every level, weakest first.
    pub const ALL: [Level; 6] = [
        Level::ReadUncommitted,
        Level::ReadCommitted,
        Level::RepeatableRead,
        Level::SnapshotIsolation,
        Level::Serializable,
        Level::StrictSerializable,
    ];

    /// Its name: `read-uncommitted`, `read-committed`, `repeatable-read`,
    /// `snapshot-isolation`, `serializable`, `strict-serializable`.
    pub fn name(self) -> &'static str {
        match self {
            Level::ReadUncommitted => "read-uncommitted",
            Level::ReadCommitted => "read-committed",
            Level::RepeatableRead => "repeatable-read",
            Level::SnapshotIsolation => "snapshot-isolation",
            Level::Serializable => "serializable",
            Level::StrictSerializable => "strict-serializable",
        }
    }

    /// The level called `name`.
    pub fn from_name(name: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Whether this level is at least as strong as `other` (every history it allows, `other`
    /// allows too).
    pub fn implies(self, other: Level) -> bool {
        use Level::*;
        match (self, other) {
            (a, b) if a == b => true,
            (RepeatableRead, SnapshotIsolation) | (SnapshotIsolation, RepeatableRead) => false,
            (a, b) => a > b,
        }
    }

    /// Whether this level forbids anomaly `kind`.
    pub fn forbids(self, kind: Kind) -> bool {
        use Class::*;
        let illegal = matches!(
            kind,
            Kind::Cycle(G0, Order::Data)
                | Kind::Internal
                | Kind::DuplicateElements
                | Kind::GarbageRead
                | Kind::CyclicVersions
        );
        let g1 = illegal
            || matches!(
                kind,
                Kind::G1a
                    | Kind::G1b
                    | Kind::Cycle(G1c, Order::Data)
                    | Kind::DirtyUpdate
                    | Kind::FutureRead
                    | Kind::IncompatibleOrder
            );
        let si = matches!(
            kind,
            Kind::Cycle(GSingle | GNonadjacent, Order::Data) | Kind::LostUpdate
        );
        let g2 = si || matches!(kind, Kind::Cycle(G2Item, Order::Data));
        match self {
            Level::ReadUncommitted => illegal,
            Level::ReadCommitted => g1,
            Level::RepeatableRead | Level::Serializable => g1 || g2,
            Level::SnapshotIsolation => g1 || si,
            Level::StrictSerializable => g1 || g2 || matches!(kind, Kind::Cycle(..)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_rule_out_what_adya_says() {
        let single = Kind::Cycle(Class::GSingle, Order::Data);
        let skew = Kind::Cycle(Class::G2Item, Order::Data);
        let late = Kind::Cycle(Class::GSingle, Order::Realtime);
        assert!(!Level::ReadCommitted.forbids(single));
        assert!(Level::SnapshotIsolation.forbids(single) && Level::RepeatableRead.forbids(single));
        assert!(!Level::SnapshotIsolation.forbids(skew) && Level::Serializable.forbids(skew));
        assert!(!Level::Serializable.forbids(late) && Level::StrictSerializable.forbids(late));
        assert!(Level::ReadUncommitted.forbids(Kind::Cycle(Class::G0, Order::Data)));
        assert!(!Level::ReadUncommitted.forbids(Kind::G1a));
        // Everything a weaker level forbids, a stronger one does too.
        let kinds = [
            single,
            skew,
            late,
            Kind::G1a,
            Kind::Internal,
            Kind::LostUpdate,
        ];
        for k in kinds {
            assert!(!Level::ReadCommitted.forbids(k) || Level::Serializable.forbids(k));
            assert!(!Level::Serializable.forbids(k) || Level::StrictSerializable.forbids(k));
        }
        assert_eq!(
            Kind::Cycle(Class::G2Item, Order::Realtime).name(),
            "G2-item-realtime"
        );
        assert_eq!(
            Level::from_name("snapshot-isolation"),
            Some(Level::SnapshotIsolation)
        );
    }
}
