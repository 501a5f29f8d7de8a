//! Anti-entropy (DeCandia et al. 2007, §4.7): every `anti_entropy` a node picks the next
//! peer (round robin), builds a Merkle tree (`merkle.rs`) of the keys both replicate and
//! sends it; the peer compares it with its own tree of the same keys and answers with the
//! differing leaves and its versions of the keys in them; the initiator merges those and
//! sends back its own versions of the keys in those leaves. Only differing leaves travel.

use super::merkle::{leaf_of, Tree, DEPTH};
use super::version;
use super::{Dynamo, Msg, Siblings, Timer};
use crate::des::ids::NodeId;
use crate::ops::Key;
use crate::protocol::Context;

impl Dynamo {
    /// The keys this node holds that `peer` also replicates, with their sets.
    fn shared(&mut self, peer: NodeId) -> Vec<(Key, Siblings)> {
        let keys: Vec<Key> = self.replica.entries().map(|(k, _)| k).collect();
        let me = self.me;
        let keys: Vec<Key> = keys
            .into_iter()
            .filter(|&k| self.replicates(k, peer) && self.replicates(k, me))
            .collect();
        keys.into_iter()
            .map(|k| (k, self.replica.get(k).to_vec()))
            .collect()
    }

    fn tree_of(entries: &[(Key, Siblings)]) -> Tree {
        Tree::build(DEPTH, entries.iter().map(|(k, s)| (*k, version::digest(s))))
    }

    /// The anti-entropy timer fired: compare with the next trusted peer.
    pub(super) fn anti_entropy(&mut self, ctx: &mut Context<'_, Self>) {
        let Some(period) = self.params.anti_entropy else {
            return;
        };
        ctx.set_timer(Timer::AntiEntropy, period);
        let peers: Vec<NodeId> = ctx.peers().collect();
        if peers.is_empty() {
            return;
        }
        let peer = peers[self.ae_next % peers.len()];
        self.ae_next = self.ae_next.wrapping_add(1);
        if !self.detector.is_up(peer, ctx.now()) {
            return;
        }
        let entries = self.shared(peer);
        let tree = Self::tree_of(&entries);
        ctx.send(
            peer,
            Msg::AeTree {
                tree: tree.hashes().to_vec(),
            },
        );
    }

    /// A peer's tree arrived: answer with the differing leaves and this node's keys in them.
    pub(super) fn on_ae_tree(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, tree: Vec<u64>) {
        let Some(theirs) = Tree::from_hashes(DEPTH, tree) else {
            return;
        };
        let entries = self.shared(from);
        let (leaves, _) = Self::tree_of(&entries).diff(&theirs);
        if leaves.is_empty() {
            return;
        }
        let entries = in_leaves(entries, &leaves);
        ctx.send(from, Msg::AeDiff { leaves, entries });
    }

    /// The peer's differences arrived: merge them and send this node's keys in those leaves.
    pub(super) fn on_ae_diff(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        leaves: Vec<u32>,
        entries: Vec<(Key, Siblings)>,
    ) {
        self.merge_entries(ctx, from, entries);
        let mine = in_leaves(self.shared(from), &leaves);
        if !mine.is_empty() {
            ctx.send(from, Msg::AeEntries { entries: mine });
        }
    }

    /// Merges a peer's versions of keys this node replicates, persisting what changed.
    pub(super) fn merge_entries(
        &mut self,
        ctx: &mut Context<'_, Self>,
        _from: NodeId,
        entries: Vec<(Key, Siblings)>,
    ) {
        let me = self.me;
        for (key, set) in entries {
            if !self.replicates(key, me) {
                continue;
            }
            let (write, changed) = self.replica.merge(key, &set);
            if changed {
                self.persist(ctx, write, None);
            }
        }
    }
}

/// The entries whose key falls in one of `leaves` (sorted).
fn in_leaves(entries: Vec<(Key, Siblings)>, leaves: &[u32]) -> Vec<(Key, Siblings)> {
    entries
        .into_iter()
        .filter(|(k, _)| leaves.binary_search(&leaf_of(*k, DEPTH)).is_ok())
        .collect()
}
