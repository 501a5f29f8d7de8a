//! The workloads, one file each (DESIGN §10): how clients draw transactions, which
//! micro-operation kinds they need, how an operation is written into the history, and which
//! sequential model checks its histories for linearizability. Adding a workload is one file
//! here and one line in [`WORKLOADS`].
//!
//! Written values are unique across the run (1, 2, 3, …), so checkers can tell writes apart,
//! name a lost or phantom value, and take the fast paths unique values allow.

mod counter;
mod history_form;
mod kv;
mod list_append;
mod register;
mod rw_register;
mod set;

use super::spec::Workload;
use crate::des::rng::Stream;
use crate::history::{Func, Value};
use crate::ops::{Kind, MicroOp, Results, Txn};
use std::collections::BTreeMap;
use std::fmt;

pub use counter::Counter;
pub use kv::Kv;
pub use list_append::ListAppend;
pub use register::{CasRegister, Register};
pub use rw_register::RwRegister;
pub use set::SetWorkload;

/// The last value a client saw of each key it touched (sparse: memory grows with what the
/// client did, not with the number of keys).
pub type Seen = BTreeMap<u64, i64>;

/// A workload.
pub trait WorkloadKind: Sync {
    /// The name `[workload] model` uses.
    fn name(&self) -> &'static str;
    /// One line on what it does, for `faultline list`.
    fn about(&self) -> &'static str;
    /// Whether it is a workload of multi-operation transactions (`txn_length`,
    /// `read_fraction` and `max_writes_per_key` apply) rather than of single operations
    /// (`read`, `write`, `cas` weights apply).
    fn transactional(&self) -> bool;
    /// Whether it has exactly one key.
    fn single_key(&self) -> bool {
        false
    }
    /// The micro-operation kinds its transactions use with these settings.
    fn kinds(&self, spec: &Workload) -> Vec<Kind>;
    /// Whether the history carries a key per operation, with `keys` keys.
    fn keyed(&self, keys: u32) -> bool;
    /// The linearizability model (`faultline check --model`) of its histories, if any.
    fn linear_model(&self) -> Option<&'static str>;
    /// Draws the next transaction of a client that saw `seen`.
    fn next(&self, gen: &mut Gen, rng: &mut Stream, seen: &Seen) -> Txn;
    /// How an operation is written in the history: its function, key and value, for the
    /// invocation (`results` is `None`) or an `ok` completion.
    fn record(
        &self,
        txn: &Txn,
        results: Option<&Results>,
        keyed: bool,
    ) -> (Func, Option<u64>, Value);
}

impl fmt::Debug for dyn WorkloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every workload, in the order `faultline list` shows them.
pub const WORKLOADS: &[&dyn WorkloadKind] = &[
    &Register,
    &CasRegister,
    &Kv,
    &ListAppend,
    &RwRegister,
    &SetWorkload,
    &Counter,
];

/// The workload called `name`.
pub fn workload(name: &str) -> Option<&'static dyn WorkloadKind> {
    WORKLOADS.iter().copied().find(|w| w.name() == name)
}

/// Draws keys and fresh values for one run. Zipf weights are fixed-point integers computed
/// once with the portable `libm::pow`, so key draws are exact integer draws. With
/// `max_writes_per_key`, a key that received that many writes is retired and a fresh key
/// takes its slot.
#[derive(Clone, Debug)]
pub struct Gen {
    spec: Workload,
    key_cumulative: Vec<u64>,
    slots: Vec<u64>,
    writes: Vec<u32>,
    next_value: i64,
    last_written: BTreeMap<u64, i64>,
}

impl Gen {
    /// The generator of `spec`.
    pub fn new(spec: &Workload) -> Gen {
        let keys = spec.keys.max(1) as usize;
        let mut key_cumulative = Vec::with_capacity(keys);
        let mut total = 0u64;
        for k in 0..keys {
            let w = match spec.key_dist {
                super::spec::KeyDist::Uniform => 1,
                super::spec::KeyDist::Zipf(s) => {
                    ((1e9 / libm::pow((k + 1) as f64, s)) as u64).max(1)
                }
            };
            total += w;
            key_cumulative.push(total);
        }
        Gen {
            spec: spec.clone(),
            key_cumulative,
            slots: (0..keys as u64).collect(),
            writes: vec![0; keys],
            next_value: 1,
            last_written: BTreeMap::new(),
        }
    }

    /// The settings.
    pub fn spec(&self) -> &Workload {
        &self.spec
    }

    /// Draws a key among those in use.
    pub fn key(&self, rng: &mut Stream) -> u64 {
        let total = *self.key_cumulative.last().expect("at least one key");
        let x = rng.below(total);
        self.slots[self.key_cumulative.partition_point(|c| *c <= x)]
    }

    /// A value never written before in this run.
    pub fn fresh(&mut self) -> i64 {
        let v = self.next_value;
        self.next_value += 1;
        v
    }

    /// Notes a write of `value` to `key`: remembered for compare-and-set, and counted
    /// towards retiring the key.
    pub fn wrote(&mut self, key: u64, value: i64) {
        self.last_written.insert(key, value);
        let Some(max) = self.spec.max_writes_per_key else {
            return;
        };
        let count = &mut self.writes[key as usize];
        *count += 1;
        if *count >= max {
            if let Some(slot) = self.slots.iter().position(|&k| k == key) {
                self.slots[slot] = self.writes.len() as u64;
                self.writes.push(0);
            }
        }
    }

    /// Notes a delete of `key`: a cas no longer expects the value written before it.
    pub fn deleted(&mut self, key: u64) {
        self.last_written.remove(&key);
    }

    /// The last value written to `key` by anyone, if any.
    pub fn last_written(&self, key: u64) -> Option<i64> {
        self.last_written.get(&key).copied()
    }

    /// Every key used so far (final reads read them all).
    pub fn keys_used(&self) -> u64 {
        self.writes.len() as u64
    }

    /// Draws a transaction length from `txn_length`.
    pub fn length(&self, rng: &mut Stream) -> usize {
        let (min, max) = self.spec.txn_length;
        rng.between(u64::from(min), u64::from(max)) as usize
    }
}

/// The micro-op kinds of single-operation register workloads with these weights.
fn weighted_kinds(spec: &Workload, write: Kind) -> Vec<Kind> {
    [
        (spec.read, Kind::Read),
        (spec.write, write),
        (spec.cas, Kind::Cas),
        (spec.delete, Kind::Delete),
    ]
    .into_iter()
    .filter(|(w, _)| *w > 0)
    .map(|(_, k)| k)
    .collect()
}

/// One read, write, cas or delete by weight: the draws of the register workloads
/// (`register`, `cas-register`, `kv`). A cas expects what this client last saw of the key,
/// else the last value anyone wrote, else a fresh value (a cas that fails unless someone
/// wrote it). With a delete weight of 0 the draws are exactly those of a workload without
/// deletes (the weight adds nothing to the total and no branch draws more).
fn register_op(gen: &mut Gen, rng: &mut Stream, seen: &Seen) -> Txn {
    let key = gen.key(rng);
    let spec = gen.spec();
    let weights = [
        u64::from(spec.read),
        u64::from(spec.write),
        u64::from(spec.cas),
        u64::from(spec.delete),
    ];
    let x = rng.below(weights.iter().sum());
    if x < weights[0] {
        return Txn::one(MicroOp::Read { key });
    }
    if x >= weights[0] + weights[1] + weights[2] {
        gen.deleted(key);
        return Txn::one(MicroOp::Delete { key });
    }
    let value = gen.fresh();
    if x < weights[0] + weights[1] {
        gen.wrote(key, value);
        return Txn::one(MicroOp::Write { key, value });
    }
    let expected = seen
        .get(&key)
        .copied()
        .or(gen.last_written(key))
        .unwrap_or(0);
    gen.wrote(key, value);
    Txn::one(MicroOp::Cas {
        key,
        expected,
        new: value,
    })
}

#[cfg(test)]
mod tests;
