//! Step observers (DESIGN §10): something that watches a run as it goes, called after every
//! protocol handler and when a node crashes. The invariant monitor of `check/` is one; the
//! engine knows only this trait. An observer reads, never changes, the run: a run with an
//! observer has the same trace hash as without. The engine is generic over the observer, so
//! `()` — no observer — costs nothing.

use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::protocol::Protocol;

/// Watches a run step by step.
pub trait Observer {
    /// Whether [`Observer::after_step`] wants to be called at all (the engine skips the call,
    /// and anything it would read, when false).
    const WATCHES_STEPS: bool = true;

    /// A handler just ran on `node`, whose protocol state is now `p`; `at` is the virtual time
    /// and the step (the number of trace events before it).
    fn after_step<P: Protocol>(&mut self, _node: NodeId, _p: &P, _at: (Nanos, u64)) {}

    /// `node` crashed: its volatile state is gone.
    fn crashed(&mut self, _node: NodeId) {}
}

/// No observer.
impl Observer for () {
    const WATCHES_STEPS: bool = false;
}

/// Two observers watching the same run, `A` first: how a caller adds its own watcher beside
/// the invariant monitor (e.g. `faultline explain` recording leadership changes).
impl<A: Observer, B: Observer> Observer for (A, B) {
    const WATCHES_STEPS: bool = A::WATCHES_STEPS || B::WATCHES_STEPS;

    fn after_step<P: Protocol>(&mut self, node: NodeId, p: &P, at: (Nanos, u64)) {
        if A::WATCHES_STEPS {
            self.0.after_step(node, p, at);
        }
        if B::WATCHES_STEPS {
            self.1.after_step(node, p, at);
        }
    }

    fn crashed(&mut self, node: NodeId) {
        self.0.crashed(node);
        self.1.crashed(node);
    }
}
