//! The `mutex` model: a lock with `acquire` and `release`. Acquiring a held lock and
//! releasing a free one are impossible (as in Knossos, the holder's identity is not tracked).

use super::{fmt_value, unknown_f, Model, OpView};
use crate::history::Value;

/// A mutex op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MutexOp {
    /// Take the lock.
    Acquire,
    /// Give it back.
    Release,
}

/// A lock; the state is `true` while held.
#[derive(Clone, Debug)]
pub struct Mutex {
    held: bool,
}

impl Mutex {
    /// A lock starting free (`nil`, `:free`, `:unlocked`, `false`) or held (`:held`,
    /// `:locked`, `true`).
    pub fn new(init: &Value) -> Result<Mutex, String> {
        let held = match init {
            Value::Nil | Value::Bool(false) => false,
            Value::Bool(true) => true,
            Value::Keyword(k) | Value::Str(k) => match k.as_str() {
                "free" | "unlocked" | "released" => false,
                "held" | "locked" | "acquired" => true,
                _ => return Err(bad_init(init)),
            },
            _ => return Err(bad_init(init)),
        };
        Ok(Mutex { held })
    }
}

fn bad_init(init: &Value) -> String {
    format!(
        "a mutex starts free (nil, :free) or held (:held), not {}",
        fmt_value(init)
    )
}

impl Model for Mutex {
    type State = bool;
    type Op = MutexOp;

    fn prepare(&mut self, op: &OpView<'_>) -> Result<MutexOp, String> {
        match op.f.name() {
            "acquire" | "lock" => Ok(MutexOp::Acquire),
            "release" | "unlock" => Ok(MutexOp::Release),
            _ => Err(unknown_f("mutex", op.f, ":acquire or :release")),
        }
    }

    fn init(&self) -> bool {
        self.held
    }

    fn step(&self, held: &bool, op: &MutexOp) -> Option<bool> {
        match op {
            MutexOp::Acquire => (!held).then_some(true),
            MutexOp::Release => held.then_some(false),
        }
    }

    fn describe_op(&self, op: &MutexOp) -> String {
        match op {
            MutexOp::Acquire => "acquire".into(),
            MutexOp::Release => "release".into(),
        }
    }

    fn describe_state(&self, held: &bool) -> String {
        if *held {
            "the lock is held".into()
        } else {
            "the lock is free".into()
        }
    }

    fn requirement(&self, op: &MutexOp) -> Option<String> {
        Some(match op {
            MutexOp::Acquire => "acquire needs the lock to be free".into(),
            MutexOp::Release => "release needs the lock to be held".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Func, Process};

    fn prep(m: &mut Mutex, name: &str) -> MutexOp {
        let f = Func::Other(name.into());
        let view = OpView {
            process: Process::Client(0),
            f: &f,
            value: &Value::Nil,
            known: true,
        };
        m.prepare(&view).unwrap()
    }

    #[test]
    fn acquire_and_release_alternate() {
        let mut m = Mutex::new(&Value::Keyword("free".into())).unwrap();
        let acq = prep(&mut m, "acquire");
        let rel = prep(&mut m, "release");
        let s = m.init();
        assert_eq!(m.step(&s, &rel), None);
        let s = m.step(&s, &acq).unwrap();
        assert_eq!(m.step(&s, &acq), None);
        assert_eq!(m.step(&s, &rel), Some(false));
        assert_eq!(m.describe_state(&s), "the lock is held");
    }

    #[test]
    fn init_values() {
        assert!(!Mutex::new(&Value::Nil).unwrap().init());
        assert!(Mutex::new(&Value::Keyword("held".into())).unwrap().init());
        assert!(Mutex::new(&Value::Int(3)).is_err());
    }

    #[test]
    fn reads_are_not_mutex_ops() {
        let mut m = Mutex::new(&Value::Nil).unwrap();
        let view = OpView {
            process: Process::Client(0),
            f: &Func::Read,
            value: &Value::Nil,
            known: true,
        };
        assert!(m.prepare(&view).is_err());
    }
}
