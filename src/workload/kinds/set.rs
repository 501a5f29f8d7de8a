//! `set`: grow-only sets, one per key: clients insert fresh elements and read whole sets, one
//! operation at a time (Jepsen's set test: `:f :add` and `:f :read`). Checked by the `set`
//! model; with several keys, key by key.

use super::{history_form, Gen, Seen, WorkloadKind};
use crate::des::rng::Stream;
use crate::history::{Func, Value};
use crate::ops::{Kind, MicroOp, Results, Txn};
use crate::workload::Workload;

/// Sets: insert, read.
pub struct SetWorkload;

impl WorkloadKind for SetWorkload {
    fn name(&self) -> &'static str {
        "set"
    }
    fn about(&self) -> &'static str {
        "sets: insert fresh elements (:add), read whole sets"
    }
    fn transactional(&self) -> bool {
        false
    }
    fn kinds(&self, _: &Workload) -> Vec<Kind> {
        vec![Kind::Read, Kind::Insert]
    }
    fn keyed(&self, keys: u32) -> bool {
        keys > 1
    }
    fn linear_model(&self) -> Option<&'static str> {
        Some("set")
    }
    fn next(&self, gen: &mut Gen, rng: &mut Stream, _: &Seen) -> Txn {
        let key = gen.key(rng);
        let spec = gen.spec();
        let x = rng.below(u64::from(spec.read) + u64::from(spec.write));
        if x < u64::from(spec.read) {
            return Txn::one(MicroOp::Read { key });
        }
        let value = gen.fresh();
        gen.wrote(key, value);
        Txn::one(MicroOp::Insert { key, value })
    }
    fn record(
        &self,
        txn: &Txn,
        results: Option<&Results>,
        keyed: bool,
    ) -> (Func, Option<u64>, Value) {
        history_form::add_or_read(txn, results, keyed, Value::List(Vec::new()))
    }
}
