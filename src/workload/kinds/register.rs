//! `register` and `cas-register`: one register, read and written (and compared-and-set),
//! one operation at a time. Histories: `:f :read/:write/:cas`, checked by the models of the
//! same names.

use super::{history_form, register_op, weighted_kinds, Gen, Seen, WorkloadKind};
use crate::des::rng::Stream;
use crate::history::{Func, Value};
use crate::ops::{Kind, Results, Txn};
use crate::workload::Workload;

/// One register: read and write.
pub struct Register;

impl WorkloadKind for Register {
    fn name(&self) -> &'static str {
        "register"
    }
    fn about(&self) -> &'static str {
        "one register: read, write"
    }
    fn transactional(&self) -> bool {
        false
    }
    fn single_key(&self) -> bool {
        true
    }
    fn kinds(&self, spec: &Workload) -> Vec<Kind> {
        weighted_kinds(spec, Kind::Write)
    }
    fn keyed(&self, _: u32) -> bool {
        false
    }
    fn linear_model(&self) -> Option<&'static str> {
        Some("register")
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

/// One register: read, write and compare-and-set.
pub struct CasRegister;

impl WorkloadKind for CasRegister {
    fn name(&self) -> &'static str {
        "cas-register"
    }
    fn about(&self) -> &'static str {
        "one register: read, write, cas"
    }
    fn transactional(&self) -> bool {
        false
    }
    fn single_key(&self) -> bool {
        true
    }
    fn kinds(&self, spec: &Workload) -> Vec<Kind> {
        weighted_kinds(spec, Kind::Write)
    }
    fn keyed(&self, _: u32) -> bool {
        false
    }
    fn linear_model(&self) -> Option<&'static str> {
        Some("cas-register")
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
