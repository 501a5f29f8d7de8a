//! `kv`: many keys, each a register read, written and compared-and-set one operation at a
//! time. Histories use Jepsen's `independent` form (`:value [key value]`), checked key by key.

use super::{history_form, register_op, weighted_kinds, Gen, Seen, WorkloadKind};
use crate::des::rng::Stream;
use crate::history::{Func, Value};
use crate::ops::{Kind, Results, Txn};
use crate::workload::Workload;

/// Many keys, each a cas-register.
pub struct Kv;

impl WorkloadKind for Kv {
    fn name(&self) -> &'static str {
        "kv"
    }
    fn about(&self) -> &'static str {
        "many keys, each a register: read, write, cas"
    }
    fn transactional(&self) -> bool {
        false
    }
    fn kinds(&self, spec: &Workload) -> Vec<Kind> {
        weighted_kinds(spec, Kind::Write)
    }
    fn keyed(&self, _: u32) -> bool {
        true
    }
    fn linear_model(&self) -> Option<&'static str> {
        Some("kv")
    }
    fn next(&self, gen: &mut Gen, rng: &mut Stream, seen: &Seen) -> Txn {
        register_op(gen, rng, seen)
    }
    fn record(
        &self,
        txn: &Txn,
        results: Option<&Results>,
        keyed: bool,
    ) -> (Func, Option<u64>, Value) {
        history_form::register(txn, results, keyed)
    }
}
