//! Engine semantics with a probe protocol that reports what it sees through trace notes:
//! durable writes survive a crash only once complete; a crash drops timers; timers run on
//! the drifting local clock; a paused node's messages wait; messages to a crashed node are
//! dropped on arrival; a clock jump moves the local clock back without tripping the
//! monotonicity self-check.

use faultline::check::{check_engine, Verdict};
use faultline::des::ids::NodeId;
use faultline::des::time::MILLIS;
use faultline::des::trace::Trace;
use faultline::protocol::{ClientRequest, Context, Observation, Protocol, Reply};
use faultline::scenario;
use faultline::sim::run_with;

struct Probe;

impl Protocol for Probe {
    const NAME: &'static str = "probe";
    type Params = ();
    type Msg = u32;
    type Timer = u8;
    type Durable = Vec<u64>;
    type Write = u64;

    fn apply_write(durable: &mut Vec<u64>, write: u64) {
        durable.push(write);
    }

    fn start(_: &(), ctx: &mut Context<'_, Self>, recovered: Option<&Vec<u64>>) -> Self {
        let r = recovered.cloned();
        ctx.note(|| format!("start {r:?}"));
        match (ctx.id().0, recovered.is_some()) {
            (0, false) => {
                ctx.persist(1);
                ctx.set_timer(0, 20 * MILLIS); // persist 2 (still in progress at the crash)
                ctx.set_timer(1, 100 * MILLIS); // dropped by the crash
                ctx.send(NodeId(1), 7);
                ctx.send(NodeId(2), 8);
            }
            (0, true) => ctx.set_timer(1, 100 * MILLIS),
            (1, false) => ctx.set_timer(2, 10 * MILLIS),
            _ => {}
        }
        Probe
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, _from: NodeId, msg: u32) {
        ctx.note(|| format!("got {msg}"));
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: u8) {
        match timer {
            0 => {
                ctx.persist(2);
            }
            2 => {
                let now = ctx.now();
                ctx.note(|| format!("now {now}"));
                ctx.set_timer(2, 10 * MILLIS);
            }
            _ => {}
        }
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        ctx.answer(&request, Reply::Fail);
    }

    fn on_persisted(&mut self, ctx: &mut Context<'_, Self>, token: u64) {
        ctx.note(|| format!("persisted token {token}"));
    }

    fn observe(&self) -> Observation {
        Observation::default()
    }
}

const SCENARIO: &str = r#"
duration = "1s"
settle = "0s"
[cluster]
protocol = "phold"
nodes = 3
[network]
latency = "5ms"
[storage]
write_latency = "5ms"
[[clocks.nodes]]
node = "n1"
drift_ppm = 100000
[[faults]]
at = "1ms"
kind = "crash"
target = "n3"
[[faults]]
at = "2ms"
kind = "pause"
target = "n2"
duration = "50ms"
[[faults]]
at = "22ms"
kind = "crash"
target = "n1"
restart_after = "10ms"
[[faults]]
at = "200ms"
kind = "clock"
target = "n2"
jump = "-50ms"
"#;

fn lines() -> (Vec<serde_json::Value>, faultline::sim::RunOutput) {
    let s = scenario::parse_str(SCENARIO, "probe.toml").unwrap();
    let mut buf = Vec::new();
    let out = run_with::<Probe>(&s, (), 1, Trace::to_writer(&mut buf)).unwrap();
    let lines = String::from_utf8(buf)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (lines, out)
}

fn find<'a>(
    lines: &'a [serde_json::Value],
    ev: &str,
    node: &str,
    detail: &str,
) -> Vec<&'a serde_json::Value> {
    lines
        .iter()
        .filter(|l| {
            l["ev"] == ev
                && l["node"] == node
                && l["detail"].as_str().is_some_and(|d| d.starts_with(detail))
        })
        .collect()
}

fn time(v: &serde_json::Value) -> u64 {
    v["t"].as_u64().unwrap()
}

#[test]
fn only_completed_writes_survive_a_crash_and_timers_die_with_it() {
    let (lines, _) = lines();
    let persisted = find(&lines, "note", "n1", "persisted token 1");
    assert_eq!(persisted.len(), 1);
    assert_eq!(time(persisted[0]), 5 * MILLIS);
    assert!(
        find(&lines, "note", "n1", "persisted token 2").is_empty(),
        "write 2 was in progress at the crash"
    );
    let restart = find(&lines, "note", "n1", "start Some([1])");
    assert_eq!(
        restart.len(),
        1,
        "restart recovers exactly the completed write"
    );
    assert_eq!(time(restart[0]), 32 * MILLIS);
    // Timer 1 of the first life (due at ~90.9ms) never fired; the restarted one did.
    let timers: Vec<u64> = find(&lines, "timer", "n1", "1")
        .iter()
        .map(|l| time(l))
        .collect();
    assert_eq!(
        timers,
        vec![32 * MILLIS + 90_909_091],
        "100ms of local time at +10% drift, rounded up"
    );
}

#[test]
fn drifted_timer_fires_at_the_scaled_global_time() {
    let (lines, _) = lines();
    // n1 runs 10% fast: its 20ms timer fires after ceil(20ms / 1.1) of global time.
    let t0 = find(&lines, "timer", "n1", "0");
    assert_eq!(t0.len(), 1);
    assert_eq!(time(t0[0]), 18_181_819);
}

#[test]
fn a_paused_node_receives_late_and_a_crashed_node_not_at_all() {
    let (lines, out) = lines();
    let got = find(&lines, "note", "n2", "got 7");
    assert_eq!(got.len(), 1);
    assert_eq!(time(got[0]), 52 * MILLIS, "held until the pause ended");
    assert!(find(&lines, "note", "n3", "got 8").is_empty());
    assert_eq!(out.net.dropped_crashed, 1);
    assert_eq!(check_engine(&out).verdict, Verdict::Pass);
}

#[test]
fn a_clock_jump_moves_local_time_back_without_a_self_check_failure() {
    let (lines, out) = lines();
    let readings: Vec<(u64, u64)> = find(&lines, "note", "n2", "now ")
        .iter()
        .map(|l| (time(l), l["detail"].as_str().unwrap()[4..].parse().unwrap()))
        .collect();
    let before = readings
        .iter()
        .rev()
        .find(|(t, _)| *t < 200 * MILLIS)
        .unwrap()
        .1;
    let after = readings.iter().find(|(t, _)| *t > 200 * MILLIS).unwrap().1;
    assert!(
        after < before,
        "the local clock went back: {before} -> {after}"
    );
    assert_eq!(out.net.audit_clock_regressions, 0);
    assert_eq!(out.net.clock_jumps, 1);
    // The pause also made the periodic timer fire late: no reading between 2ms and 52ms.
    assert!(
        readings
            .iter()
            .all(|(t, _)| *t <= 2 * MILLIS || *t >= 52 * MILLIS),
        "{readings:?}"
    );
}
