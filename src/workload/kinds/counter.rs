//! `counter`: counters, one per key: clients add 1 and read, one operation at a time
//! (Jepsen's counter test: `:f :add` and `:f :read`). Checked by the `counter` model; with
//! several keys, key by key.

use super::{history_form, Gen, Seen, WorkloadKind};
use crate::des::rng::Stream;
use crate::history::{Func, Value};
use crate::ops::{Kind, MicroOp, Results, Txn};
use crate::workload::Workload;

/// Counters: add, read.
pub struct Counter;

impl WorkloadKind for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn about(&self) -> &'static str {
        "counters: add 1 (:add), read"
    }
    fn transactional(&self) -> bool {
        false
    }
    fn kinds(&self, _: &Workload) -> Vec<Kind> {
        vec![Kind::Read, Kind::Add]
    }
    fn keyed(&self, keys: u32) -> bool {
        keys > 1
    }
    fn linear_model(&self) -> Option<&'static str> {
        Some("counter")
    }
    fn next(&self, gen: &mut Gen, rng: &mut Stream, _: &Seen) -> Txn {
        let key = gen.key(rng);
        let spec = gen.spec();
        let x = rng.below(u64::from(spec.read) + u64::from(spec.write));
        if x < u64::from(spec.read) {
            return Txn::one(MicroOp::Read { key });
        }
        Txn::one(MicroOp::Add { key, delta: 1 })
    }
    fn record(
        &self,
        txn: &Txn,
        results: Option<&Results>,
        keyed: bool,
    ) -> (Func, Option<u64>, Value) {
        history_form::add_or_read(txn, results, keyed, Value::Int(0))
    }
}
