//! The coordinator side of `dynamo`: choosing the coordinator (ring or client), sending a
//! request (a read, a write, or a delete's tombstone) to the key's replicas (strict or sloppy quorum), counting `w` write
//! acknowledgements or `r` read replies, resolving siblings, read repair, and giving up after
//! `request_timeout` (the client then records `info`). Owns the pending requests; never
//! touches a replica's state except through the local replica calls in `mod.rs`.

use super::params::{Coordinator, ReadRepair};
use super::replica::Write;
use super::ring::healthy_targets;
use super::version::{self, Siblings, Stamp, Version, VersionVector};
use super::{AfterPersist, Dynamo, Msg, Timer};
use crate::des::ids::{NodeId, RequestId};
use crate::ops::{Key, MicroOp};
use crate::protocol::{ClientRequest, Context, Reply};

/// A request this node coordinates and has not finished with.
#[derive(Debug)]
pub(super) struct Pending {
    client: RequestId,
    key: Key,
    /// `true` for a write (its acknowledgements count), `false` for a read.
    write: bool,
    /// The nodes asked, each with the node it stands in for (sloppy quorum).
    targets: Vec<(NodeId, Option<NodeId>)>,
    /// Writes: the nodes that acknowledged.
    acks: Vec<NodeId>,
    /// Reads: the nodes that replied, with their versions.
    replies: Vec<(NodeId, Siblings)>,
    /// Reads: every version heard of, merged.
    merged: Siblings,
    /// Reads: the merged versions of the first `r` replies, frozen when the quorum was
    /// reached: the answer (and what sync repair writes back), whatever arrives later.
    decided: Siblings,
    /// Sync read repair: the stale replicas whose repair is not acknowledged yet.
    repairing: Vec<NodeId>,
    /// Whether the quorum was reached (a write acknowledged, a read's answer decided).
    answered: bool,
    /// Whether the client was sent its answer.
    replied: bool,
}

impl Dynamo {
    /// A client request reached this node: coordinate it, or forward it to the key's
    /// coordinator (`coordinator = "ring"`).
    pub(super) fn on_request(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        let Some(op) = request.txn.single().copied() else {
            ctx.answer(&request, Reply::Fail);
            return;
        };
        if self.params.coordinator == Coordinator::Ring {
            let n = self.n;
            let now = ctx.now();
            let pref = self.walk(op.key());
            let chosen = pref[..n]
                .iter()
                .copied()
                .find(|&m| self.detector.is_up(m, now))
                .unwrap_or(pref[0]);
            if chosen != self.me {
                ctx.send(
                    chosen,
                    Msg::Forward {
                        id: request.id,
                        txn: request.txn,
                    },
                );
                return;
            }
        }
        self.coordinate(ctx, request);
    }

    /// Coordinates `request` on this node, once: a request whose client already had a
    /// request of the same or a later number coordinated here is a duplicate (the network
    /// duplicated a [`Msg::Forward`]) and is dropped, since stamping it again would make an
    /// old write newer than the client's later ones.
    pub(super) fn coordinate(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        let last = self.coordinated.entry(request.id.client).or_insert(0);
        if request.id.seq <= *last {
            return;
        }
        *last = request.id.seq;
        let Some(&op) = request.txn.single() else {
            ctx.answer(&request, Reply::Fail);
            return;
        };
        let (key, write) = match op {
            MicroOp::Read { key } => (key, None),
            MicroOp::Write { key, value } => (key, Some(Some(value))),
            // A delete writes a tombstone: a version with no value.
            MicroOp::Delete { key } => (key, Some(None)),
            _ => {
                ctx.answer(&request, Reply::Fail);
                return;
            }
        };
        let walk = self.walk(key);
        let now = ctx.now();
        let targets: Vec<(NodeId, Option<NodeId>)> = if self.params.sloppy_quorum {
            let detector = &self.detector;
            healthy_targets(&walk, self.n, |m| detector.is_up(m, now))
        } else {
            walk[..self.n].iter().map(|&m| (m, None)).collect()
        };
        self.next_op += 1;
        let op_id = self.next_op;
        ctx.set_timer(Timer::Request(op_id), self.params.request_timeout);
        self.pending.insert(
            op_id,
            Pending {
                client: request.id,
                key,
                write: write.is_some(),
                targets: targets.clone(),
                acks: Vec::new(),
                replies: Vec::new(),
                merged: Siblings::new(),
                decided: Siblings::new(),
                repairing: Vec::new(),
                answered: false,
                replied: false,
            },
        );
        match write {
            Some(value) => {
                let v = self.new_version(key, value, now);
                for (to, hint) in targets {
                    self.put(ctx, op_id, to, hint, key, vec![v.clone()]);
                }
            }
            None => {
                let mut local = false;
                for &(to, _) in &targets {
                    if to == self.me {
                        local = true;
                    } else {
                        ctx.send(to, Msg::Get { op: op_id, key });
                    }
                }
                if local {
                    let set = self.replica.read(key);
                    let me = self.me;
                    self.on_get_reply(ctx, me, op_id, set);
                }
            }
        }
    }

    /// A new version of `key` made by this coordinator at local time `now` (`value` `None`:
    /// a tombstone).
    fn new_version(&mut self, key: Key, value: Option<i64>, now: u64) -> Version {
        self.seq += 1;
        let stamp = Stamp {
            ts: now,
            node: self.me.0,
            seq: self.seq,
        };
        let mut vv = VersionVector::default();
        if !self.lww() {
            vv = self.contexts.remove(&key).unwrap_or_default();
            vv.merge(&version::context(&self.replica.read(key)));
            self.counter = self.counter.max(vv.get(self.me.0)) + 1;
            vv.set(self.me.0, self.counter);
        }
        Version { stamp, value, vv }
    }

    /// Sends `set` of `key` to `to` for request `op` (or merges it here when `to` is this
    /// node; the acknowledgement then follows the durable write).
    fn put(
        &mut self,
        ctx: &mut Context<'_, Self>,
        op: u64,
        to: NodeId,
        hint: Option<NodeId>,
        key: Key,
        set: Siblings,
    ) {
        if to != self.me {
            let hint = hint.map(|h| h.0);
            ctx.send(to, Msg::Put { op, key, set, hint });
            return;
        }
        let write: Write = match hint {
            Some(owner) => self.replica.hint(owner, key, &set),
            None => self.replica.merge(key, &set).0,
        };
        self.persist(ctx, write, Some(AfterPersist::Local { op }));
    }

    /// `from` acknowledged the `Put` of request `op` (a write, or a sync read repair).
    pub(super) fn on_ack(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, op: u64) {
        let w = self.params.w as usize;
        let Some(p) = self.pending.get_mut(&op) else {
            return;
        };
        if p.write {
            if p.targets.iter().any(|t| t.0 == from) && !p.acks.contains(&from) {
                p.acks.push(from);
            }
            if !p.answered && p.acks.len() >= w {
                p.answered = true;
                ctx.reply(p.client, Reply::single(None));
                self.finish(ctx, op);
            }
            return;
        }
        p.repairing.retain(|&m| m != from);
        if p.answered && p.repairing.is_empty() {
            self.answer_read(ctx, op);
        }
    }

    /// `from` replied to read `op` with `set`.
    pub(super) fn on_get_reply(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        op: u64,
        set: Siblings,
    ) {
        let lww = self.lww();
        let r = self.params.r as usize;
        let mode = self.params.read_repair;
        let Some(p) = self.pending.get_mut(&op) else {
            return;
        };
        if p.write || p.replies.iter().any(|(m, _)| *m == from) {
            return;
        }
        if !p.targets.iter().any(|t| t.0 == from) {
            return;
        }
        version::merge(lww, &mut p.merged, &set);
        p.replies.push((from, set));
        if p.answered {
            // A late reply: repair it without waiting (both repair modes).
            let stale = p.replies.last().is_some_and(|(_, s)| *s != p.merged);
            if stale && mode != ReadRepair::Off {
                self.repair(ctx, op, &[from]);
            }
            self.finish_if_done(ctx, op);
            return;
        }
        if p.replies.len() < r {
            return;
        }
        p.answered = true;
        p.decided = p.merged.clone();
        let stale: Vec<NodeId> = p
            .replies
            .iter()
            .filter(|(_, s)| *s != p.merged)
            .map(|(m, _)| *m)
            .collect();
        match mode {
            ReadRepair::Off => self.answer_read(ctx, op),
            ReadRepair::Async => {
                self.answer_read(ctx, op);
                self.repair(ctx, op, &stale);
            }
            ReadRepair::Sync => {
                if let Some(p) = self.pending.get_mut(&op) {
                    p.repairing = stale.clone();
                }
                self.repair(ctx, op, &stale);
                if self
                    .pending
                    .get(&op)
                    .is_some_and(|p| p.repairing.is_empty())
                {
                    self.answer_read(ctx, op);
                }
            }
        }
    }

    /// Sends the merged versions of read `op` to `nodes`.
    fn repair(&mut self, ctx: &mut Context<'_, Self>, op: u64, nodes: &[NodeId]) {
        let Some(p) = self.pending.get(&op) else {
            return;
        };
        let (key, merged) = (p.key, p.merged.clone());
        let jobs: Vec<(NodeId, Option<NodeId>)> = nodes
            .iter()
            .filter_map(|&m| p.targets.iter().find(|t| t.0 == m).copied())
            .collect();
        for (to, hint) in jobs {
            self.put(ctx, op, to, hint, key, merged.clone());
        }
    }

    /// Answers read `op` with the winning value of its merged versions, and remembers them
    /// as the key's context (version vectors).
    fn answer_read(&mut self, ctx: &mut Context<'_, Self>, op: u64) {
        let lww = self.lww();
        let Some(p) = self.pending.get_mut(&op) else {
            return;
        };
        if p.replied {
            return;
        }
        p.replied = true;
        let value = version::read_value(&p.decided);
        ctx.reply(p.client, Reply::single(value));
        if !lww {
            let vv = version::context(&p.decided);
            self.contexts.insert(p.key, vv);
        }
        self.finish_if_done(ctx, op);
    }

    /// Forgets read `op` once every target replied and no repair is awaited.
    fn finish_if_done(&mut self, ctx: &mut Context<'_, Self>, op: u64) {
        let done = self.pending.get(&op).is_some_and(|p| {
            p.replied && p.repairing.is_empty() && p.replies.len() == p.targets.len()
        });
        if done {
            self.finish(ctx, op);
        }
    }

    /// Forgets request `op` and its timer.
    fn finish(&mut self, ctx: &mut Context<'_, Self>, op: u64) {
        self.pending.remove(&op);
        ctx.cancel_timer(Timer::Request(op));
    }
}
