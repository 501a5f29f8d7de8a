//! `multi-leader`: every node is a leader that accepts client updates locally, answers at
//! once (as soon as the update is durable), and replicates asynchronously to the others
//! (Kleppmann, *Designing Data-Intensive Applications*, ch. 5, "Multi-Leader Replication";
//! Terry et al., "Managing Update Conflicts in Bayou", SOSP 1995, for arrival order
//! against an order every replica agrees on).
//!
//! # How it works
//!
//! - **Every node is a leader** ([`Role::Peer`]: there is no single leader to target). A
//!   client transaction applies atomically to the node's replica ([`replica`]); each
//!   transaction that changes something becomes one [`Update`] in the node's own log,
//!   carrying, for each key it changed, the key's whole [`Entry`] afterwards.
//! - **Durability.** An accepted update is persisted with the node's log; every update
//!   applied from another leader is persisted with the applied version vector. A client is
//!   answered only once every durable write issued before the answer has completed (reads
//!   too), so a crash never loses an acknowledged update and a restarted node never reads
//!   below what it already answered. A restart recovers the log, the entries and the
//!   version vector of applied updates.
//! - **Shipping.** Every `ship_interval` (local time) a node sends the durable updates it
//!   has not shipped yet, and the length of its durable log (`head`), to every other node
//!   ([`Msg::Ship`]); an empty shipment is the heartbeat. Only durable updates leave a node,
//!   so no receiver ever holds an update its origin lost in a crash.
//! - **Receiving** ([`progress`]): a receiver applies each origin's updates in log order and
//!   after their causal dependencies (the version vector the origin had applied when it
//!   accepted the update), holding those that arrive early; when an origin's `head` shows updates that are
//!   neither applied nor held, it asks the origin again from the gap ([`Msg::Request`]).
//!   So lost, duplicated and reordered messages do no harm, and after the faults heal every
//!   replica applies every durable update. (`delivery` relaxes the order, see below.)
//! - **Conflicts** ([`entry`]): `lww` (tagged with the accepting node's local clock and id;
//!   clock skew loses acknowledged writes), `version-vector` (siblings), `crdt` (counters and
//!   sets as gossip's CRDTs, registers as LWW). Each is a join, so replicas that applied the
//!   same updates hold the same state: `replica_state()` is a store kept equal to what the
//!   entries read as, for the `convergence` check.
//! - **Routing.** With `route = "random"` the node a client asks hands each request to a
//!   leader drawn at random ([`Msg::Forward`]), which serves it and answers through the first
//!   ([`Msg::Answer`]): a client's successive requests land on different leaders.
//!
//! # Teaching switch
//!
//! `apply_in_arrival_order = true`: updates carry bare values, and a replica overwrites a
//! key with whatever update arrives last (each origin's own updates still in order). Two
//! leaders that accept concurrent writes of one key each apply the other's last: **the
//! replicas diverge forever**, which the `convergence` check catches.
//!
//! # Delivery orders (consistency ladder teaching)
//!
//! `delivery = "causal"` (the default) is described above. Two weaker orders, each breaking
//! one session guarantee of Terry et al. 1994 for readers on other replicas, while the
//! replicas still converge:
//!
//! - `"fifo"`: each origin's updates in log order, without waiting for their dependencies
//!   on other origins (independent per-source channels). A client that reads another
//!   leader's write and then writes can have its write applied at a third replica first:
//!   **writes-follow-reads** breaks.
//! - `"unordered"`: each update applied as soon as it arrives, ahead of its origin's
//!   earlier ones when a shipment overtakes another (parallel appliers that do not preserve
//!   the origin's commit order). A client's later write can be visible at another replica
//!   without its earlier one: **monotonic writes** breaks.
//!
//! No delivery order gives consistent prefix: two leaders accept concurrent writes, and
//! each applies its own first, so two readers can see them in orders no single order
//! explains. That needs one order of all writes (a single primary's log).
//!
//! Nothing iterates a hashed collection; all time is the node's local clock; all randomness
//! comes from the node's own stream.

pub mod entry;
mod params;
pub mod progress;
pub mod replica;
#[cfg(test)]
mod tests;
pub mod version_vector;

pub use entry::Entry;
pub use params::{Conflict, Delivery, MultiLeaderParams, Route, PARAMS_DOC};
pub use progress::Update;

use super::{ClientRequest, Context, Observation, Protocol, Reply, Role};
use crate::des::ids::{NodeId, RequestId};
use crate::ops::{Kind, Txn};
use crate::protocol::gossip::lww::Stamp;
use entry::{Rule, Writer};
use progress::Progress;
use replica::{Entries, Replica};
use std::collections::VecDeque;
use std::sync::Arc;
use version_vector::VersionVector;

/// The most updates one shipment carries.
pub const MAX_BATCH: usize = 256;

/// Messages between leaders.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Updates from the sender's log (in order), and how many updates its durable log
    /// holds: a receiver that has applied fewer, and holds none of the missing ones, asks.
    Ship {
        /// The sender's durable log length.
        head: u64,
        /// Consecutive updates of the sender's log.
        updates: Vec<Arc<Update>>,
    },
    /// Send me your updates from this sequence number on.
    Request {
        /// The first missing sequence number.
        from: u64,
    },
    /// A client request handed to the receiver to serve (`route = "random"`).
    Forward {
        /// The client's request id.
        id: RequestId,
        /// What to do.
        txn: Txn,
    },
    /// The answer to a forwarded request, for the node the client asked.
    Answer {
        /// The client's request id.
        id: RequestId,
        /// The answer.
        reply: Reply,
    },
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    /// Time to ship (or send a heartbeat).
    Ship,
}

/// What a node keeps on disk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// The updates it accepted, in log order.
    pub log: Vec<Arc<Update>>,
    /// Updates applied per origin (its own included).
    pub applied: VersionVector,
    /// Every key's entry.
    pub entries: Entries,
}

/// One durable write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// An update this node accepted.
    Local(Arc<Update>),
    /// An update applied from another leader.
    Remote {
        /// The update.
        update: Arc<Update>,
        /// How many of its origin's updates are applied in a row once it is (its sequence
        /// number, except under `delivery = "unordered"`, which applies some ahead of it).
        through: u64,
    },
}

/// Where an answer goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dest {
    /// The client asked this node.
    Client,
    /// The client asked that node, which forwarded the request here.
    Via(NodeId),
}

/// One multi-leader node.
#[derive(Debug)]
pub struct MultiLeader {
    params: MultiLeaderParams,
    me: u32,
    rule: Rule,
    replica: Replica,
    /// The updates this node accepted (durable or not), in log order.
    log: Vec<Arc<Update>>,
    /// How many of them are durable, and how many were shipped.
    durable_seq: u64,
    shipped: u64,
    progress: Progress,
    /// The last LWW clock reading this node used (its tags strictly increase).
    last_stamp: u64,
    /// The last durable write issued, and the last completed.
    issued: u64,
    durable: u64,
    /// Own updates waiting to be durable: (token, seq).
    own_tokens: VecDeque<(u64, u64)>,
    /// Answers waiting for a durable write: (token, where, request, answer).
    held: VecDeque<(u64, Dest, RequestId, Reply)>,
}

/// Merges an update's entries into a durable image's entries.
fn merge_into(entries: &mut Entries, update: &Update) {
    for (key, incoming) in &update.keys {
        match entries.get_mut(key) {
            Some(ours) => {
                ours.merge(incoming);
            }
            None => {
                entries.insert(*key, incoming.clone());
            }
        }
    }
}

impl MultiLeader {
    /// Serves a client transaction from the local replica; the answer goes to `dest`.
    fn serve(&mut self, ctx: &mut Context<'_, Self>, dest: Dest, id: RequestId, txn: &Txn) {
        let seq = self.log.len() as u64 + 1;
        let mut w = Writer {
            node: self.me,
            seq,
            op_index: 0,
            stamp: Stamp {
                time: ctx.now().max(self.last_stamp + 1),
                node: self.me,
            },
        };
        let reply = match self.replica.apply(txn, self.rule, &mut w) {
            Err(why) => {
                ctx.note(|| format!("refused {txn}: {why:?}"));
                self.answer(ctx, dest, id, Reply::Fail);
                return;
            }
            Ok((results, keys)) => {
                self.last_stamp = w.stamp.time;
                if !keys.is_empty() {
                    let update = Arc::new(Update {
                        origin: self.me,
                        seq,
                        keys,
                        deps: self.progress.applied().clone(),
                    });
                    self.log.push(Arc::clone(&update));
                    self.progress.set_applied(self.me, seq);
                    self.issued = ctx.persist(Write::Local(update));
                    self.own_tokens.push_back((self.issued, seq));
                }
                Reply::Ok(results)
            }
        };
        if self.durable >= self.issued {
            self.answer(ctx, dest, id, reply);
        } else {
            self.held.push_back((self.issued, dest, id, reply));
        }
    }

    /// Answers a client, directly or through the node it asked.
    fn answer(&self, ctx: &mut Context<'_, Self>, dest: Dest, id: RequestId, reply: Reply) {
        match dest {
            Dest::Client => ctx.reply(id, reply),
            Dest::Via(node) => ctx.send(node, Msg::Answer { id, reply }),
        }
    }

    /// Ships the durable updates not shipped yet (at most [`MAX_BATCH`]) to every other
    /// node, or a heartbeat, and re-arms the timer.
    fn ship(&mut self, ctx: &mut Context<'_, Self>) {
        ctx.set_timer(Timer::Ship, self.params.ship_interval);
        let from = self.shipped as usize;
        let to = (self.durable_seq as usize).min(from + MAX_BATCH);
        self.shipped = to as u64;
        let updates: Vec<Arc<Update>> = self.log[from..to].to_vec();
        ctx.broadcast(Msg::Ship {
            head: self.durable_seq,
            updates,
        });
    }

    /// Takes in updates shipped by `from`, applies what is now in order, and asks for a gap.
    fn receive(
        &mut self,
        ctx: &mut Context<'_, Self>,
        from: NodeId,
        head: u64,
        updates: Vec<Arc<Update>>,
    ) {
        let origin = from.0;
        for u in updates {
            if u.origin == origin {
                self.progress.offer(u);
            }
        }
        for (u, through) in self.progress.drain() {
            self.replica.merge(&u.keys);
            ctx.note(|| format!("applied {}:{}", u.origin, u.seq));
            self.issued = ctx.persist(Write::Remote { update: u, through });
        }
        if let Some(gap) = self.progress.gap(origin, head) {
            ctx.send(from, Msg::Request { from: gap });
        }
    }
}

impl Protocol for MultiLeader {
    const NAME: &'static str = "multi-leader";
    type Params = MultiLeaderParams;
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Write = Write;

    /// Every node keeps a version-vector entry per origin.
    const MAX_NODES: usize = 1_000;

    const SERVES: &'static [Kind] = &[
        Kind::Read,
        Kind::Write,
        Kind::Add,
        Kind::Insert,
        Kind::Remove,
    ];

    fn apply_write(durable: &mut Durable, write: Write) {
        match write {
            Write::Local(u) => {
                durable.applied.set(u.origin, u.seq);
                merge_into(&mut durable.entries, &u);
                durable.log.push(u);
            }
            Write::Remote { update, through } => {
                durable.applied.set(update.origin, through);
                merge_into(&mut durable.entries, &update);
            }
        }
    }

    fn start(
        params: &MultiLeaderParams,
        ctx: &mut Context<'_, Self>,
        recovered: Option<&Durable>,
    ) -> Self {
        let d = recovered.cloned().unwrap_or_default();
        let first = 1 + ctx.rng().below(params.ship_interval);
        ctx.set_timer(Timer::Ship, first);
        let rule = if params.apply_in_arrival_order {
            Rule::Blind
        } else {
            match params.conflict {
                Conflict::Lww => Rule::Lww,
                Conflict::VersionVector => Rule::VersionVector,
                Conflict::Crdt => Rule::Crdt,
            }
        };
        let len = d.log.len() as u64;
        MultiLeader {
            params: *params,
            me: ctx.id().0,
            rule,
            replica: Replica::from_entries(d.entries),
            log: d.log,
            durable_seq: len,
            shipped: len,
            progress: Progress::from_applied(d.applied, params.delivery),
            last_stamp: 0,
            issued: 0,
            durable: 0,
            own_tokens: VecDeque::new(),
            held: VecDeque::new(),
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Ship { head, updates } => self.receive(ctx, from, head, updates),
            Msg::Request { from: first } => {
                let start = first.saturating_sub(1) as usize;
                if start >= self.durable_seq as usize {
                    return;
                }
                let end = (self.durable_seq as usize).min(start + MAX_BATCH);
                let updates = self.log[start..end].to_vec();
                ctx.send(
                    from,
                    Msg::Ship {
                        head: self.durable_seq,
                        updates,
                    },
                );
            }
            Msg::Forward { id, txn } => self.serve(ctx, Dest::Via(from), id, &txn),
            Msg::Answer { id, reply } => ctx.reply(id, reply),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Timer) {
        match timer {
            Timer::Ship => self.ship(ctx),
        }
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        let target = match self.params.route {
            Route::Local => self.me,
            Route::Random => {
                let count = ctx.members().len() as u64;
                ctx.rng().below(count) as u32
            }
        };
        if target == self.me {
            self.serve(ctx, Dest::Client, request.id, &request.txn);
        } else {
            let to = ctx.members()[target as usize];
            ctx.send(
                to,
                Msg::Forward {
                    id: request.id,
                    txn: request.txn,
                },
            );
        }
    }

    fn on_persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        self.durable = token; // writes complete in issue order
        while let Some(&(t, seq)) = self.own_tokens.front() {
            if t > token {
                break;
            }
            self.durable_seq = seq;
            self.own_tokens.pop_front();
        }
        while let Some(&(t, _, _, _)) = self.held.front() {
            if t > token {
                break;
            }
            if let Some((_, dest, id, reply)) = self.held.pop_front() {
                self.answer(ctx, dest, id, reply);
            }
        }
    }

    fn observe(&self) -> Observation {
        Observation {
            role: Role::Peer,
            log_len: self.log.len() as u64,
            ..Observation::default()
        }
    }

    fn replica_state(&self) -> Option<&crate::ops::Store> {
        Some(self.replica.store())
    }
}
