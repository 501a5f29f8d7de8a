//! PHOLD, the classic parallel discrete-event benchmark: each node starts with a number of
//! messages in flight; every delivery sends one new message to a uniformly random other node.
//! The network's latency distribution supplies the event delays. It measures the engine, not
//! a replication protocol, so it ignores client requests.

use super::{ClientRequest, Context, Observation, Protocol, Reply};
use crate::des::ids::NodeId;
use serde::Deserialize;

/// `[cluster.params]` of `phold`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PholdParams {
    /// Messages each node puts in flight when it starts.
    pub messages_per_node: u32,
}

impl Default for PholdParams {
    fn default() -> Self {
        PholdParams {
            messages_per_node: 16,
        }
    }
}

/// A PHOLD node: it only counts what it received.
#[derive(Debug)]
pub struct Phold {
    received: u64,
}

impl Phold {
    /// Sends the next hop to a uniformly drawn other node (inlined: every delivery does it).
    #[inline(always)]
    fn send_to_random_peer(ctx: &mut Context<'_, Self>, hops: u32) {
        let n = ctx.members().len() as u64;
        if n < 2 {
            return;
        }
        let me = u64::from(ctx.id().0);
        let mut r = ctx.rng().below(n - 1);
        if r >= me {
            r += 1;
        }
        ctx.send(NodeId(r as u32), hops);
    }
}

impl Protocol for Phold {
    const NAME: &'static str = "phold";
    type Params = PholdParams;
    type Msg = u32;
    type Timer = ();
    type Durable = ();
    type Write = ();

    fn apply_write(_: &mut (), _: ()) {}

    fn start(params: &PholdParams, ctx: &mut Context<'_, Self>, _recovered: Option<&()>) -> Self {
        for _ in 0..params.messages_per_node {
            Self::send_to_random_peer(ctx, 0);
        }
        Phold { received: 0 }
    }

    #[inline(always)]
    fn on_message(&mut self, ctx: &mut Context<'_, Self>, _from: NodeId, hops: u32) {
        self.received += 1;
        Self::send_to_random_peer(ctx, hops.wrapping_add(1));
    }

    fn on_timer(&mut self, _ctx: &mut Context<'_, Self>, _timer: ()) {}

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        ctx.answer(&request, Reply::Fail);
    }

    fn observe(&self) -> Observation {
        Observation {
            log_len: self.received,
            ..Observation::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::rng::Stream;
    use crate::protocol::Effect;

    #[test]
    fn every_delivery_sends_one_message_to_another_node() {
        let members: Vec<NodeId> = (0..4).map(NodeId).collect();
        let mut rng = Stream::new(1, "t");
        let mut effects = Vec::new();
        let mut token = 0;
        let mut ctx = Context::<Phold>::new(
            NodeId(2),
            &members,
            0,
            &mut rng,
            &mut effects,
            &mut token,
            false,
        );
        let mut p = Phold::start(
            &PholdParams {
                messages_per_node: 3,
            },
            &mut ctx,
            None,
        );
        for _ in 0..100 {
            p.on_message(&mut ctx, NodeId(0), 5);
        }
        assert_eq!(effects.len(), 103);
        assert!(effects
            .iter()
            .all(|e| matches!(e, Effect::Send { to, .. } if *to != NodeId(2) && to.0 < 4)));
        assert_eq!(p.observe().log_len, 100);
    }
}
