//! `solo`, the worked example of docs/protocols.md ("Writing your own protocol"): one server
//! with a disk and no replication. Node 0 keeps the whole store on its disk and serves every
//! request; the other nodes redirect to it. It answers a write only once it is durable and
//! holds reads behind writes not yet on disk, so no answer depends on a value a crash could
//! still erase. Its one parameter is a teaching switch: `ack_before_disk = true` acknowledges
//! writes at once, and a crash that catches one in progress loses it.
//!
//! `cargo test` compiles this file; `cargo run --example solo` runs it on a scenario with a
//! crash of the server, without registering it (`run_seed_with`), once with the switch off
//! and once on, over 200 seeds each, and prints how many seeds each check failed.

use faultline::des::ids::{NodeId, RequestId};
use faultline::des::trace::Trace;
use faultline::explore::run_seed_with;
use faultline::ops::{Applied, Store, Update};
use faultline::protocol::{ClientRequest, Context, Observation, Protocol, Reply, Role};
use serde::Deserialize;
use std::collections::VecDeque;

/// `[cluster.params]` of `solo`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SoloParams {
    /// Teaching switch: acknowledge a write before it is durable (a crash then loses it).
    pub ack_before_disk: bool,
}

/// One node. Node 0 serves every request; the others redirect to it.
#[derive(Debug)]
pub struct Solo {
    server: bool,
    ack_before_disk: bool,
    store: Store,
    writes: u64,
    /// Token of the last durable write issued, and of the last one completed.
    issued: u64,
    done: u64,
    /// Answers that wait for a durable write: (token, request, answer).
    held: VecDeque<(u64, RequestId, Reply)>,
}

impl Solo {
    /// Answers now if every write issued so far is durable, otherwise once it is.
    fn after_disk(&mut self, ctx: &mut Context<'_, Self>, id: RequestId, reply: Reply) {
        if self.done == self.issued {
            ctx.reply(id, reply);
        } else {
            self.held.push_back((self.issued, id, reply));
        }
    }
}

impl Protocol for Solo {
    const NAME: &'static str = "solo";
    /// Every kind the shared store serves (registers, lists, sets, counters).
    const SERVES: &'static [faultline::ops::Kind] = faultline::protocol::STORE_KINDS;
    type Params = SoloParams;
    type Msg = (); // nodes never talk to each other
    type Timer = (); // and set no timers
    type Durable = Store;
    type Write = Update; // one transaction's effects

    fn apply_write(durable: &mut Store, write: Update) {
        durable.apply_update(&write);
    }

    fn start(params: &SoloParams, ctx: &mut Context<'_, Self>, recovered: Option<&Store>) -> Self {
        Solo {
            server: ctx.id() == NodeId(0),
            ack_before_disk: params.ack_before_disk,
            store: recovered.cloned().unwrap_or_default(),
            writes: 0,
            issued: 0,
            done: 0,
            held: VecDeque::new(),
        }
    }

    fn on_message(&mut self, _ctx: &mut Context<'_, Self>, _from: NodeId, _msg: ()) {}

    fn on_timer(&mut self, _ctx: &mut Context<'_, Self>, _timer: ()) {}

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        if !self.server {
            ctx.answer(&request, Reply::Redirect(Some(NodeId(0))));
            return;
        }
        // The store decides the transaction: a cas that finds another value aborts it all.
        let (results, update) = match self.store.apply(&request.txn) {
            Applied::Done { results, update } => (results, update),
            Applied::Aborted(_) => {
                ctx.answer(&request, Reply::Fail); // certainly not applied
                return;
            }
        };
        let Some(update) = update else {
            // Read-only: answer once every write before it is durable.
            self.after_disk(ctx, request.id, Reply::Ok(results));
            return;
        };
        self.writes += 1;
        self.issued = ctx.persist(update);
        let writes = self.writes;
        ctx.note(|| format!("write {writes} issued"));
        if self.ack_before_disk {
            ctx.answer(&request, Reply::Ok(results));
        } else {
            self.after_disk(ctx, request.id, Reply::Ok(results));
        }
    }

    fn on_persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        self.done = token; // writes complete in issue order
        while let Some((t, _, _)) = self.held.front() {
            if *t > token {
                break;
            }
            let (_, id, reply) = self.held.pop_front().expect("front");
            ctx.reply(id, reply);
        }
    }

    fn observe(&self) -> Observation {
        Observation {
            role: if self.server {
                Role::Leader
            } else {
                Role::Follower
            },
            log_len: self.writes,
            ..Observation::default()
        }
    }
}

/// A scenario for `solo`. It names a registered protocol (the scenario loader knows only
/// those); `run_seed_with::<Solo>` runs Solo whatever the file names.
const SCENARIO: &str = r#"
name = "solo-crash"
duration = "4s"
settle = "1s"
expect = "pass"

[cluster]
protocol = "primary-backup"
nodes = 3

[storage]
write_latency = "20ms"

[workload]
model = "kv"
clients = 3
keys = 2
rate = 20
timeout = "500ms"

[[faults]]
at = "3.9s"
kind = "crash"
target = "leader"          # the server: its observe() reports Role::Leader
restart_after = "200ms"
"#;

fn main() {
    let scenario = faultline::scenario::parse_str(SCENARIO, "solo-crash.toml")
        .expect("the example scenario is valid");
    for ack_before_disk in [false, true] {
        let params = SoloParams { ack_before_disk };
        let mut failed: Vec<(&str, u32)> = Vec::new();
        for seed in 1..=200 {
            let outcome =
                run_seed_with::<Solo>(&scenario, params.clone(), seed, Trace::hash_only())
                    .expect("the run completes");
            for check in outcome.checks.iter().filter(|c| c.verdict.name() == "fail") {
                match failed.iter_mut().find(|(name, _)| *name == check.name) {
                    Some((_, n)) => *n += 1,
                    None => failed.push((check.name, 1)),
                }
            }
        }
        println!(
            "ack_before_disk = {ack_before_disk}: seeds failing each check (of 200): {failed:?}"
        );
    }
}
