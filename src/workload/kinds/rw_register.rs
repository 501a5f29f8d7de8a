//! `rw-register`: Elle's read-write register workload. Transactions of `txn_length`
//! micro-operations over a few keys, each a read (`[:r k nil]`) or a write of a fresh value
//! (`[:w k v]`). Written values are unique per key, so every read names the write it saw.

use super::{history_form, Gen, Seen, WorkloadKind};
use crate::des::rng::Stream;
use crate::history::{Func, Value};
use crate::ops::{Kind, MicroOp, Results, Txn};
use crate::workload::Workload;

/// Transactions of writes and reads over registers.
pub struct RwRegister;

impl WorkloadKind for RwRegister {
    fn name(&self) -> &'static str {
        "rw-register"
    }
    fn about(&self) -> &'static str {
        "Elle's: transactions of register writes ([:w k v]) and reads ([:r k v])"
    }
    fn transactional(&self) -> bool {
        true
    }
    fn kinds(&self, _: &Workload) -> Vec<Kind> {
        vec![Kind::Read, Kind::Write]
    }
    fn keyed(&self, _: u32) -> bool {
        false
    }
    fn linear_model(&self) -> Option<&'static str> {
        None
    }
    fn next(&self, gen: &mut Gen, rng: &mut Stream, _: &Seen) -> Txn {
        let len = gen.length(rng);
        let mut ops = Vec::with_capacity(len);
        for _ in 0..len {
            let key = gen.key(rng);
            if rng.chance(gen.spec().read_fraction) {
                ops.push(MicroOp::Read { key });
            } else {
                let value = gen.fresh();
                gen.wrote(key, value);
                ops.push(MicroOp::Write { key, value });
            }
        }
        Txn::new(ops)
    }
    fn record(&self, txn: &Txn, results: Option<&Results>, _: bool) -> (Func, Option<u64>, Value) {
        history_form::transaction(txn, results)
    }
}
