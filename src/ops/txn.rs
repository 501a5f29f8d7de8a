//! Transactions and their results.

use super::micro::{Kind, MicroOp};
use std::fmt;
use std::sync::Arc;

/// A client operation: micro-operations applied atomically, in order. A single read or write
/// is a transaction of one, held without allocating; longer ones share one allocation between
/// every copy (retries, log entries, replication messages).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Txn(Ops);

/// Hashes the micro-operations only, however they are held (so a transaction of one hashes
/// like its micro-operation: trace hashes of single-op workloads did not change when
/// operations became transactions).
impl std::hash::Hash for Txn {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for op in self.ops() {
            op.hash(state);
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Ops {
    One(MicroOp),
    Many(Arc<[MicroOp]>),
}

impl Txn {
    /// A transaction of one micro-operation.
    pub fn one(op: MicroOp) -> Txn {
        Txn(Ops::One(op))
    }

    /// A transaction of `ops` (at least one).
    pub fn new(mut ops: Vec<MicroOp>) -> Txn {
        assert!(!ops.is_empty(), "a transaction has at least one micro-op");
        if ops.len() == 1 {
            return Txn::one(ops.remove(0));
        }
        Txn(Ops::Many(ops.into()))
    }

    /// Its micro-operations, in order.
    pub fn ops(&self) -> &[MicroOp] {
        match &self.0 {
            Ops::One(op) => std::slice::from_ref(op),
            Ops::Many(ops) => ops,
        }
    }

    /// The micro-operation of a transaction of one.
    pub fn single(&self) -> Option<&MicroOp> {
        match &self.0 {
            Ops::One(op) => Some(op),
            Ops::Many(_) => None,
        }
    }

    /// True when it only reads (it can be answered without changing any state).
    pub fn is_read_only(&self) -> bool {
        self.ops().iter().all(|m| matches!(m, MicroOp::Read { .. }))
    }

    /// The kinds it uses.
    pub fn kinds(&self) -> impl Iterator<Item = Kind> + '_ {
        self.ops().iter().map(MicroOp::kind)
    }
}

impl From<MicroOp> for Txn {
    fn from(op: MicroOp) -> Txn {
        Txn::one(op)
    }
}

impl fmt::Display for Txn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, op) in self.ops().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{op}")?;
        }
        Ok(())
    }
}

/// What a read returned: a register's or counter's value, or a list's or set's elements (a
/// set's in ascending order).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Datum {
    /// A register's or a counter's value.
    Int(i64),
    /// A list's elements in order, or a set's in ascending order.
    List(Vec<i64>),
}

impl Datum {
    /// The integer, if this is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Datum::Int(i) => Some(*i),
            Datum::List(_) => None,
        }
    }
}

/// The results of a committed transaction, one per micro-operation in order: what each read
/// returned (`None` when the key is absent), and `None` for the micro-operations that do not
/// read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Results(pub Vec<Option<Datum>>);

impl Results {
    /// The result of micro-operation `i`.
    pub fn get(&self, i: usize) -> Option<&Datum> {
        self.0.get(i).and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_op_transactions_are_the_same_however_built() {
        let r = MicroOp::Read { key: 3 };
        assert_eq!(Txn::new(vec![r]), Txn::one(r));
        assert_eq!(Txn::one(r).single(), Some(&r));
        let t = Txn::new(vec![r, MicroOp::Append { key: 3, value: 9 }]);
        assert_eq!(t.ops().len(), 2);
        assert!(t.single().is_none() && !t.is_read_only());
        assert_eq!(t.to_string(), "read key 3, append 9 to key 3");
        let kinds: Vec<Kind> = t.kinds().collect();
        assert_eq!(kinds, [Kind::Read, Kind::Append]);
    }
}
