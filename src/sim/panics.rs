//! Catching a panic in protocol code (a student's protocol, say) so that one bad seed does
//! not kill a sweep: the run stops there and reports the panic like a failed check, with the
//! step, node and virtual time, and the message.
//!
//! The message comes from the panic's payload. The source location (`file:line`) is only
//! known to the panic hook: [`install_hook`] (the CLI calls it once) records it for panics
//! caught here, and keeps the previous hook for every other panic. Without it, reports carry
//! the message only and the default hook prints the panic as usual. The state kept here is
//! per thread and only describes a panic: it never influences a run.

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};

thread_local! {
    /// True while [`catch`] runs its closure on this thread.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// The location the hook saw for the last panic caught on this thread.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic caught by [`catch`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caught {
    /// The panic message.
    pub message: String,
    /// Where it was raised (`src/x.rs:12:5`), when [`install_hook`] was called.
    pub location: Option<String>,
}

impl std::fmt::Display for Caught {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some(at) => write!(f, "{} (at {at})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Installs a panic hook that, for panics inside [`catch`], records the location quietly
/// instead of printing; other panics go to the hook that was installed before.
pub fn install_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CATCHING.with(Cell::get) {
            let at = info.location().map(|l| l.to_string());
            LOCATION.with(|slot| *slot.borrow_mut() = at);
        } else {
            previous(info);
        }
    }));
}

/// Runs `f`, turning a panic into [`Caught`].
#[inline]
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Caught> {
    let outer = CATCHING.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(outer));
    result.map_err(|payload| {
        let message = if let Some(s) = payload.downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "a panic with a non-text payload".to_string()
        };
        let location = LOCATION.with(|slot| slot.borrow_mut().take());
        Caught {
            message: message.replace('\n', " "),
            location,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message_and_normal_results_pass_through() {
        assert_eq!(catch(|| 7), Ok(7));
        let caught = catch(|| -> u8 { panic!("bad {}", "state") }).unwrap_err();
        assert_eq!(caught.message, "bad state");
        let caught = catch(|| -> u8 { panic!("static") }).unwrap_err();
        assert_eq!(caught.message, "static");
    }
}
