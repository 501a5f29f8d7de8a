//! A protocol that panics does not kill a sweep: the panic is caught per seed and reported
//! like a failed check (the step, the node, the handler, the message), and the sweep goes on.

use faultline::check::Verdict;
use faultline::des::ids::NodeId;
use faultline::des::time::MILLIS;
use faultline::des::trace::Trace;
use faultline::explore::{run_seed_with, sweep_with};
use faultline::protocol::{ClientRequest, Context, Observation, Protocol, Reply};
use faultline::scenario;
use faultline::sim::StopReason;

/// A student's protocol with a bug: on some seeds, n2 indexes past the end of a vector.
struct Buggy {
    seen: Vec<u64>,
}

impl Protocol for Buggy {
    const NAME: &'static str = "buggy";
    type Params = ();
    type Msg = u64;
    type Timer = ();
    type Durable = ();
    type Write = ();

    fn apply_write(_: &mut (), _: ()) {}

    fn start(_: &(), ctx: &mut Context<'_, Self>, _: Option<&()>) -> Self {
        ctx.set_timer((), 10 * MILLIS);
        Buggy { seen: Vec::new() }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, _: NodeId, msg: u64) {
        self.seen.push(msg);
        if ctx.id() == NodeId(1) && msg % 7 == 3 {
            let i = self.seen.len() + 5;
            let _ = self.seen[i]; // the bug
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _: ()) {
        let draw = ctx.rng().below(1000);
        ctx.broadcast(draw);
        ctx.set_timer((), 10 * MILLIS);
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        ctx.answer(&request, Reply::Fail);
    }

    fn observe(&self) -> Observation {
        Observation::default()
    }
}

const SCENARIO: &str = r#"
duration = "300ms"
settle = "0s"
[cluster]
protocol = "phold"
nodes = 3
"#;

#[test]
fn a_panicking_protocol_fails_its_seed_and_the_sweep_goes_on() {
    let s = scenario::parse_str(SCENARIO, "buggy.toml").unwrap();
    let run = |seed: u64| run_seed_with::<Buggy>(&s, (), seed, Trace::hash_only());
    let sweep = sweep_with(1, 40, 2, &run, &|_| {}).unwrap();
    assert_eq!(sweep.total(), 40, "every seed ran");
    assert!(sweep.fail > 0, "the bug fired on some seeds: {sweep:?}");
    for r in &sweep.failed {
        assert_eq!(r.verdict, Verdict::Fail);
        let p = &r.problems[0];
        assert!(
            p.starts_with("protocol: buggy panicked in on_message on n2 at step ")
                && p.contains("index out of bounds"),
            "seed {}: {p}",
            r.seed
        );
    }
    // The same seed replays to the same panic at the same step.
    let seed = sweep.failed[0].seed;
    let a = run(seed).unwrap();
    let b = run(seed).unwrap();
    assert_eq!(a.output.stop, StopReason::ProtocolPanic);
    assert_eq!(a.output.panic, b.output.panic);
    assert_eq!(a.output.trace_hash, b.output.trace_hash);
    let panic = a.output.panic.unwrap();
    assert_eq!((panic.node.as_str(), panic.during), ("n2", "on_message"));
}

/// A protocol whose `observe()` panics: found when a fault asks who leads.
struct BadObserver;

impl Protocol for BadObserver {
    const NAME: &'static str = "bad-observer";
    type Params = ();
    type Msg = ();
    type Timer = ();
    type Durable = ();
    type Write = ();
    fn apply_write(_: &mut (), _: ()) {}
    fn start(_: &(), _: &mut Context<'_, Self>, _: Option<&()>) -> Self {
        BadObserver
    }
    fn on_message(&mut self, _: &mut Context<'_, Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Context<'_, Self>, _: ()) {}
    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        ctx.answer(&request, Reply::Fail);
    }
    fn observe(&self) -> Observation {
        panic!("observe is not written yet")
    }
}

#[test]
fn a_panic_in_observe_is_caught_too() {
    let text =
        format!("{SCENARIO}\n[[faults]]\nat = \"100ms\"\nkind = \"crash\"\ntarget = \"leader\"\n");
    let s = scenario::parse_str(&text, "observe.toml").unwrap();
    let o = run_seed_with::<BadObserver>(&s, (), 1, Trace::hash_only()).unwrap();
    assert_eq!(o.verdict, Verdict::Fail);
    let panic = o.output.panic.unwrap();
    assert_eq!(panic.during, "observe");
    assert!(panic.message.contains("observe is not written yet"));
    assert_eq!(panic.time, 100 * MILLIS);
}
