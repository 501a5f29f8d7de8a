//! `list-append`: Elle's workload. Transactions of `txn_length` micro-operations over a few
//! keys, each a read of a whole list (`[:r k nil]`) or an append of a fresh element
//! (`[:append k v]`). Every element appended to a key is unique, so a read of a list shows
//! exactly which appends it saw and in which order: the version order of every key can be
//! read off the history. Keys retire after `max_writes_per_key` appends.

use super::{history_form, Gen, Seen, WorkloadKind};
use crate::des::rng::Stream;
use crate::history::{Func, Value};
use crate::ops::{Kind, MicroOp, Results, Txn};
use crate::workload::Workload;

/// Transactions of appends and reads over lists.
pub struct ListAppend;

impl WorkloadKind for ListAppend {
    fn name(&self) -> &'static str {
        "list-append"
    }
    fn about(&self) -> &'static str {
        "Elle's: transactions of appends ([:append k v]) and list reads ([:r k l])"
    }
    fn transactional(&self) -> bool {
        true
    }
    fn kinds(&self, _: &Workload) -> Vec<Kind> {
        vec![Kind::Read, Kind::Append]
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
                ops.push(MicroOp::Append { key, value });
            }
        }
        Txn::new(ops)
    }
    fn record(&self, txn: &Txn, results: Option<&Results>, _: bool) -> (Func, Option<u64>, Value) {
        history_form::transaction(txn, results)
    }
}
