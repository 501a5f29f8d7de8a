//! Message identity in the trace: every message a node sends gets the next id of a per-run
//! counter (in send order, so ids are deterministic), and the trace file gets a `send` line
//! for it, a `duplicate` line for each copy the network makes, and a `drop` line with the
//! reason when the engine throws it away. With the `deliver` event (which carries and hashes
//! the id), these lines let a reader draw every message from its send to its fate.
//!
//! The lines are unnumbered commentary: they are not events, do not count towards `events`
//! or `limits.max_events`, and are not hashed (the delivery's id is). Client traffic gets
//! `client-send` and `reply` lines saying when a request or reply leaves and when it arrives.
//! Nothing here is formatted unless a trace file is being written.

use super::engine::Sim;
use super::observer::Observer;
use crate::des::ids::NodeId;
use crate::des::time::Nanos;
use crate::protocol::Protocol;
use serde_json::json;

/// Why the engine dropped a message (the `reason` of a `drop` line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DropReason {
    /// Random loss, decided at send time.
    Loss,
    /// The link was cut, at send time or when the message arrived.
    Cut,
    /// The destination was crashed when the message arrived (or crashed while paused with
    /// the message waiting).
    Crashed,
}

impl DropReason {
    /// The word the trace uses.
    pub(crate) fn name(self) -> &'static str {
        match self {
            DropReason::Loss => "loss",
            DropReason::Cut => "cut",
            DropReason::Crashed => "crashed",
        }
    }
}

impl<P: Protocol, O: Observer> Sim<'_, '_, P, O> {
    /// Gives out the next message id.
    #[inline]
    pub(crate) fn next_msg_id(&mut self) -> u64 {
        self.msg_ids += 1;
        self.msg_ids
    }

    /// Writes the `send` line of message `id` (`from → to`, the message in `Debug` form).
    #[inline]
    pub(crate) fn trace_send(&mut self, from: NodeId, to: NodeId, id: u64, msg: &P::Msg) {
        if self.trace.is_writing() {
            self.send_line(from, to, id, msg);
        }
    }

    #[cold]
    #[inline(never)]
    fn send_line(&mut self, from: NodeId, to: NodeId, id: u64, msg: &P::Msg) {
        let line = json!({
            "t": self.now, "ev": "send", "node": self.nodes[from.index()].name,
            "to": self.nodes[to.index()].name, "id": id, "detail": format!("{msg:?}"),
        });
        self.trace.write_line(&line.to_string());
    }

    /// Closes the `deliver` event of message `id`: its numbered line (with the id, the sender,
    /// and the message in the `detail`) when a trace is written, and the count.
    #[inline]
    pub(crate) fn end_deliver(&mut self, to: NodeId, from: NodeId, id: u64, msg: &P::Msg) {
        if self.trace.is_writing() {
            self.deliver_line(to, from, id, msg);
        }
        self.trace.end_event();
    }

    #[cold]
    #[inline(never)]
    fn deliver_line(&mut self, to: NodeId, from: NodeId, id: u64, msg: &P::Msg) {
        let from = &self.nodes[from.index()].name;
        let line = json!({
            "i": self.trace.events(), "t": self.now, "ev": "deliver",
            "node": self.nodes[to.index()].name, "id": id,
            "detail": format!("from {from} {msg:?}"),
        });
        self.trace.write_line(&line.to_string());
    }

    /// Writes the `duplicate` line: the network copied message `of` as message `id`.
    #[cold]
    pub(crate) fn trace_duplicate(&mut self, from: NodeId, to: NodeId, id: u64, of: u64) {
        if self.trace.is_writing() {
            let line = json!({
                "t": self.now, "ev": "duplicate", "node": self.nodes[from.index()].name,
                "to": self.nodes[to.index()].name, "id": id, "of": of,
            });
            self.trace.write_line(&line.to_string());
        }
    }

    /// Writes the `drop` line of message `id`, bound for `to`.
    #[cold]
    pub(crate) fn trace_drop(&mut self, to: NodeId, id: u64, reason: DropReason) {
        if self.trace.is_writing() {
            let line = json!({
                "t": self.now, "ev": "drop", "node": self.nodes[to.index()].name,
                "id": id, "reason": reason.name(),
            });
            self.trace.write_line(&line.to_string());
        }
    }

    /// Writes a client-traffic line: `ev` is `client-send` (client `client`'s request `seq`
    /// leaves for `node`) or `reply` (`node`'s reply leaves for the client); it arrives at
    /// `arrive`.
    pub(crate) fn trace_client(
        &mut self,
        ev: &str,
        node: NodeId,
        client: u32,
        seq: u64,
        arrive: Nanos,
    ) {
        if self.trace.is_writing() {
            let line = json!({
                "t": self.now, "ev": ev, "node": self.nodes[node.index()].name,
                "client": client, "seq": seq, "arrive": arrive,
            });
            self.trace.write_line(&line.to_string());
        }
    }
}
