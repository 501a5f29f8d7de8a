//! The handler's window on the world: its identity, local clock, random stream, and the
//! effects it records for the engine to carry out in order.

use super::{ClientRequest, Protocol, Reply};
use crate::des::ids::{NodeId, RequestId};
use crate::des::rng::Stream;
use crate::des::time::Nanos;

/// An effect a handler recorded. The engine applies effects in the order they were recorded.
#[derive(Debug)]
pub enum Effect<P: Protocol> {
    /// Send `msg` to one node.
    Send {
        /// Destination.
        to: NodeId,
        /// The message (moved, not cloned).
        msg: P::Msg,
    },
    /// Send `msg` to every other member, in member order.
    Broadcast {
        /// The message (cloned per destination).
        msg: P::Msg,
    },
    /// (Re)arm a named timer to fire after `after` of **local** time.
    SetTimer {
        /// Which timer.
        timer: P::Timer,
        /// Local duration.
        after: Nanos,
    },
    /// Disarm a named timer (nothing happens if it is not pending).
    CancelTimer {
        /// Which timer.
        timer: P::Timer,
    },
    /// Start a durable write; `on_persisted(token)` follows when it completes.
    Persist {
        /// The write.
        write: P::Write,
        /// The token `on_persisted` will carry.
        token: u64,
    },
    /// Answer a client request.
    Reply {
        /// The request answered.
        to: RequestId,
        /// The answer.
        reply: Reply,
        /// A session token for the client to carry in its later requests (0: none).
        token: u64,
    },
    /// This node's failure detector now suspects `peer`. Changes no behaviour and not the
    /// trace hash; the engine records it, with what was true of `peer` at that moment, for
    /// the report (detection times, false suspicions).
    Suspect {
        /// The suspected node.
        peer: NodeId,
    },
    /// A line for the trace only; never changes behaviour or the trace hash.
    Note(String),
}

/// What a protocol handler may read and do. Built by the engine for each handler call.
pub struct Context<'a, P: Protocol> {
    id: NodeId,
    members: &'a [NodeId],
    now: Nanos,
    rng: &'a mut Stream,
    effects: &'a mut Vec<Effect<P>>,
    next_token: &'a mut u64,
    tracing: bool,
}

impl<'a, P: Protocol> Context<'a, P> {
    /// Builds a context. The engine does this; tests of a protocol can too.
    pub fn new(
        id: NodeId,
        members: &'a [NodeId],
        now: Nanos,
        rng: &'a mut Stream,
        effects: &'a mut Vec<Effect<P>>,
        next_token: &'a mut u64,
        tracing: bool,
    ) -> Self {
        Context {
            id,
            members,
            now,
            rng,
            effects,
            next_token,
            tracing,
        }
    }

    /// This node's id.
    #[inline]
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// Every member of the cluster, this node included, in order.
    #[inline]
    pub fn members(&self) -> &'a [NodeId] {
        self.members
    }

    /// Every member but this node, in order.
    pub fn peers(&self) -> impl Iterator<Item = NodeId> + 'a {
        let me = self.id;
        self.members.iter().copied().filter(move |m| *m != me)
    }

    /// Size of a majority of the members.
    pub fn majority(&self) -> usize {
        self.members.len() / 2 + 1
    }

    /// This node's **local** clock (offset and drifted; may jump). Never global time.
    #[inline]
    pub fn now(&self) -> Nanos {
        self.now
    }

    /// This node's own random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut Stream {
        self.rng
    }

    /// Sends `msg` to `to`.
    #[inline]
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.effects.push(Effect::Send { to, msg });
    }

    /// Sends `msg` to every other member, in member order.
    #[inline]
    pub fn broadcast(&mut self, msg: P::Msg) {
        self.effects.push(Effect::Broadcast { msg });
    }

    /// Arms `timer` to fire after `after` of local time, replacing it if pending.
    #[inline]
    pub fn set_timer(&mut self, timer: P::Timer, after: Nanos) {
        self.effects.push(Effect::SetTimer { timer, after });
    }

    /// Disarms `timer`.
    #[inline]
    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.effects.push(Effect::CancelTimer { timer });
    }

    /// Starts a durable write and returns the token `on_persisted` will carry.
    pub fn persist(&mut self, write: P::Write) -> u64 {
        *self.next_token += 1;
        let token = *self.next_token;
        self.effects.push(Effect::Persist { write, token });
        token
    }

    /// Answers the client request `to`.
    #[inline]
    pub fn reply(&mut self, to: RequestId, reply: Reply) {
        self.effects.push(Effect::Reply {
            to,
            reply,
            token: 0,
        });
    }

    /// Answers the client request `to` and hands the client a session token: the client
    /// keeps the highest token it was given and sends it in [`ClientRequest::token`] with
    /// every later request (a version it wrote, say, that a replica must have applied
    /// before it serves that client a read).
    #[inline]
    pub fn reply_with_token(&mut self, to: RequestId, reply: Reply, token: u64) {
        self.effects.push(Effect::Reply { to, reply, token });
    }

    /// Answers `request` (shorthand for `reply(request.id, …)`).
    #[inline]
    pub fn answer(&mut self, request: &ClientRequest, reply: Reply) {
        self.reply(request.id, reply);
    }

    /// Records that this node's failure detector now suspects `peer` (call it when a
    /// suspicion begins, not on every check). For the report only: see [`Effect::Suspect`].
    #[inline]
    pub fn suspect(&mut self, peer: NodeId) {
        self.effects.push(Effect::Suspect { peer });
    }

    /// Adds a note to the trace file. The text is only built when a trace is being written.
    #[inline]
    pub fn note(&mut self, text: impl FnOnce() -> String) {
        if self.tracing {
            self.effects.push(Effect::Note(text()));
        }
    }
}
