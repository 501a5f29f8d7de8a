//! Faults undo exactly what they did: overlapping link degradations on one link each end at
//! their own time, and the nemesis's heal never removes a partition the script made. A pinger
//! protocol (n1 sends its local time to every node every 10 ms) shows when messages got
//! through and how long they took.

use faultline::des::ids::NodeId;
use faultline::des::time::MILLIS;
use faultline::des::trace::Trace;
use faultline::protocol::{ClientRequest, Context, Observation, Protocol, Reply};
use faultline::scenario;
use faultline::sim::run_with;

struct Pinger;

impl Protocol for Pinger {
    const NAME: &'static str = "pinger";
    type Params = ();
    type Msg = u64;
    type Timer = ();
    type Durable = ();
    type Write = ();

    fn apply_write(_: &mut (), _: ()) {}

    fn start(_: &(), ctx: &mut Context<'_, Self>, _: Option<&()>) -> Self {
        if ctx.id() == NodeId(0) {
            ctx.set_timer((), 10 * MILLIS);
        }
        Pinger
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, sent: u64) {
        ctx.note(|| format!("got {} {sent}", from.0));
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _: ()) {
        let now = ctx.now();
        ctx.broadcast(now);
        ctx.set_timer((), 10 * MILLIS);
    }

    fn on_client(&mut self, ctx: &mut Context<'_, Self>, request: ClientRequest) {
        ctx.answer(&request, Reply::Fail);
    }

    fn observe(&self) -> Observation {
        Observation::default()
    }
}

/// (receiver, send time, delay) of every message n1's pings delivered.
fn deliveries(text: &str) -> Vec<(String, u64, u64)> {
    let s = scenario::parse_str(text, "pinger.toml").unwrap();
    let mut buf = Vec::new();
    run_with::<Pinger>(&s, (), 1, Trace::to_writer(&mut buf)).unwrap();
    let mut out = Vec::new();
    for line in String::from_utf8(buf).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(detail) = v["detail"].as_str() else {
            continue;
        };
        if v["ev"] != "note" || !detail.starts_with("got 0 ") {
            continue;
        }
        let sent: u64 = detail[6..].parse().unwrap();
        let at = v["t"].as_u64().unwrap();
        out.push((v["node"].as_str().unwrap().to_string(), sent, at - sent));
    }
    out
}

const BASE: &str = r#"
duration = "800ms"
settle = "0s"
[cluster]
protocol = "phold"
nodes = 3
[network]
latency = "1ms"
"#;

#[test]
fn overlapping_link_faults_on_one_link_each_end_at_their_own_time() {
    // Fault A slows n1 -> n2 to 50 ms over [100, 300) ms; fault B to 80 ms over [200, 500) ms.
    // When A ends at 300 ms, B is still active: the link must stay at 80 ms until 500 ms.
    let text = format!(
        r#"{BASE}
[[faults]]
at = "100ms"
kind = "link"
from = "n1"
to = "n2"
one_way = true
latency = "50ms"
duration = "200ms"
[[faults]]
at = "200ms"
kind = "link"
from = "n1"
to = "n2"
one_way = true
latency = "80ms"
duration = "300ms"
"#
    );
    let got = deliveries(&text);
    let to_n2: Vec<(u64, u64)> = got
        .iter()
        .filter(|(node, ..)| node == "n2")
        .map(|&(_, sent, delay)| (sent, delay))
        .collect();
    assert!(to_n2.len() > 60, "{to_n2:?}");
    for &(sent, delay) in &to_n2 {
        let want = match sent / MILLIS {
            0..=99 => MILLIS,
            100..=199 => 50 * MILLIS,
            200..=499 => 80 * MILLIS,
            _ => MILLIS,
        };
        assert_eq!(delay, want, "a ping sent at {} ms", sent / MILLIS);
    }
    // n3's link was never degraded.
    assert!(got
        .iter()
        .filter(|(node, ..)| node == "n3")
        .all(|&(_, _, d)| d == MILLIS));
}

#[test]
fn the_nemesis_heal_never_removes_a_scripted_partition() {
    // The script isolates n3 from 100 ms until its own heal at 700 ms. Meanwhile the nemesis
    // partitions and heals every 60 ms: its heals must undo its own cuts only.
    let text = format!(
        r#"{BASE}
[[faults]]
at = "100ms"
kind = "isolate"
target = "n3"
[[faults]]
at = "700ms"
kind = "heal"
[nemesis]
kinds = ["partition"]
interval = "30ms"
duration = "30ms"
"#
    );
    let s = scenario::parse_str(&text, "pinger.toml").unwrap();
    let out = run_with::<Pinger>(&s, (), 1, Trace::hash_only()).unwrap();
    let nemesis_heals = out
        .faults
        .iter()
        .filter(|f| f.source == "nemesis" && f.what.starts_with("heal"))
        .filter(|f| (100 * MILLIS..700 * MILLIS).contains(&f.time))
        .count();
    assert!(nemesis_heals >= 3, "{:#?}", out.faults);
    let got = deliveries(&text);
    let to_n3: Vec<u64> = got
        .iter()
        .filter(|(node, ..)| node == "n3")
        .map(|&(_, sent, _)| sent / MILLIS)
        .collect();
    assert!(
        to_n3.iter().all(|&ms| !(100..700).contains(&ms)),
        "n3 heard n1 while the script isolated it: {to_n3:?}"
    );
    assert!(to_n3.iter().any(|&ms| ms >= 700), "healed at 700 ms");
    assert!(to_n3.iter().any(|&ms| ms < 100));
}
