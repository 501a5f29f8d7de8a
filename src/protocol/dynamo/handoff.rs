//! Hinted handoff (DeCandia et al. 2007, §4.6): a node that stood in for a suspected replica
//! keeps the versions as durable hints (see `replica.rs`) and, every `ping_interval`, sends
//! each hint to its owner once the failure detector trusts the owner again; the owner merges
//! and persists them and acknowledges; the holder then drops the hint (unless it grew
//! meanwhile).

use super::{AfterPersist, Dynamo, Msg, Siblings};
use crate::des::ids::NodeId;
use crate::ops::Key;
use crate::protocol::Context;

impl Dynamo {
    /// Sends every hint whose owner is trusted to that owner.
    pub(super) fn hand_off(&mut self, ctx: &mut Context<'_, Self>) {
        let now = ctx.now();
        for (&(owner, key), set) in self.replica.hints() {
            let owner = NodeId(owner);
            if self.detector.is_up(owner, now) && owner != self.me {
                ctx.send(
                    owner,
                    Msg::Handoff {
                        key,
                        set: set.clone(),
                    },
                );
            }
        }
    }

    /// The owner side: merge, persist, then acknowledge.
    pub(super) fn on_handoff(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        key: Key,
        set: Siblings,
    ) {
        let (write, _) = self.replica.merge(key, &set);
        self.persist(
            ctx,
            write,
            Some(AfterPersist::Handoff { to: from, key, set }),
        );
    }

    /// The holder side: the owner has the hinted versions durably.
    pub(super) fn on_handoff_ack(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        key: Key,
        set: Siblings,
    ) {
        if let Some(write) = self.replica.handed_off(from, key, &set) {
            self.persist(ctx, write, None);
        }
    }
}
