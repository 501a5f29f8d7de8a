//! Positive tests: a scenario using every section and key parses to the expected values,
//! defaults are filled in, and the scenarios shipped in `scenarios/` all load.

use super::*;
use crate::des::ids::NodeId;

const FILE: &str = "ok.toml";

/// Lines 1–4 of a minimal scenario.
const BASE: &str = "duration = \"10s\"\n[cluster]\nprotocol = \"phold\"\nnodes = 3\n";

/// `BASE` and `extra`; with a `[workload]`, on a protocol that serves clients (same lines).
fn with(extra: &str) -> String {
    let base = if extra.contains("[workload]") {
        BASE.replace("\"phold\"", "\"primary-backup\"")
    } else {
        BASE.to_string()
    };
    format!("{base}{extra}")
}

#[test]
fn minimal_scenario_gets_defaults() {
    let s = parse_str(BASE, "dir/minimal.toml").unwrap();
    assert_eq!(s.name, "minimal");
    assert_eq!(s.path, "dir/minimal.toml");
    assert_eq!(
        (s.seed, s.duration, s.settle),
        (1, 10_000_000_000, 2_000_000_000)
    );
    assert_eq!(s.expect, Expect::Pass);
    assert_eq!(s.cluster.nodes, ["n1", "n2", "n3"]);
    assert!(s.cluster.params.is_empty());
    assert_eq!(s.network.default.latency, Latency::Constant(1_000_000));
    assert!(s.network.default.loss.is_zero());
    assert_eq!(s.network.default.reorder_delay, 10_000_000);
    assert_eq!(s.network.client_latency, Latency::Constant(1_000_000));
    assert_eq!((s.clocks.max_drift_ppm, s.clocks.max_offset), (0, 0));
    assert_eq!(s.storage.write_latency, Latency::Constant(1_000_000));
    assert!(s.workload.is_none() && s.nemesis.is_none() && s.faults.is_empty());
    assert!(s.check.switches.is_empty() && s.check.consistency.is_none());
    assert!(!crate::check::plan(&s).unwrap().runs("durability"));
    assert_eq!(s.limits.max_events, 50_000_000);
    assert_eq!(s.limits.stop_after_deliveries, None);
    assert_eq!(s.limits.max_in_flight, 1_000_000);
    assert_eq!(s.limits.final_read_window, 5_000_000_000);
}

#[test]
fn workload_defaults_depend_on_the_model() {
    let s = parse_str(&with("[workload]\nmodel = \"register\"\n"), FILE).unwrap();
    let w = s.workload.clone().unwrap();
    assert_eq!((w.kind.name(), w.clients, w.keys), ("register", 3, 1));
    assert_eq!((w.read, w.write, w.cas), (1, 1, 0));
    assert_eq!(
        (w.pace, w.timeout, w.key_dist),
        (Pace::Closed, 1_000_000_000, KeyDist::Uniform)
    );
    assert_eq!(
        (w.targets, w.max_redirects, w.final_reads),
        (Targets::RoundRobin, 3, true)
    );
    assert!(crate::check::plan(&s).unwrap().runs("durability"));
    let s = parse_str(&with("[workload]\nmodel = \"kv\"\n"), FILE).unwrap();
    let w = s.workload.unwrap();
    assert_eq!((w.keys, w.cas), (8, 1));
    let s = parse_str(
        &with("[workload]\nmodel = \"cas-register\"\nfinal_reads = false\n"),
        FILE,
    );
    assert!(!crate::check::plan(&s.unwrap()).unwrap().runs("durability"));
}

/// A scenario using every section and every fault kind.
const FULL: &str = r#"# A scenario using every section.
name = "everything"
description = "Uses every key."
seed = 42
duration = "10s"
settle = "3s"
expect = "fail"

[cluster]
protocol = "primary-backup"
nodes = ["a", "b", "c", "d", "e"]

[cluster.params]
heartbeat = "40ms"

[network]
latency = { dist = "normal", mean = "5ms", stddev = "1ms" }
loss = 0.01
duplicate = 0.02
reorder = 0.03
reorder_delay = "20ms"
client_latency = "500us"

[[network.links]]
from = "a"
to = "b"
latency = { dist = "pareto", scale = "1ms", shape = 1.5 }
loss = 0.5

[clocks]
max_drift_ppm = 100
max_offset = "50ms"

[[clocks.nodes]]
node = "c"
drift_ppm = -200
offset = "1ms"

[storage]
write_latency = { dist = "uniform", min = "1ms", max = "2ms" }

[workload]
model = "kv"
clients = 5
read = 2
rate = 100.0
timeout = "500ms"
key_dist = "zipf"
zipf_exponent = 1.2
targets = ["a", "b"]
max_redirects = 5
final_reads = true

[[faults]]
at = "5s"
kind = "partition"
groups = [["a", "b"], ["c"]]

[[faults]]
at = "1s"
kind = "crash"
target = "leader"
restart_after = "2s"

[[faults]]
at = "2s"
kind = "link"
from = "a"
to = "minority"
duration = "1s"
loss = 0.9

[[faults]]
at = "2s"
kind = "clock"
target = "e"
jump = "-300ms"

[[faults]]
at = "3s"
kind = "block"
from = "random"
to = "d"

[[faults]]
at = "4s"
kind = "heal"

[[faults]]
at = "4s"
kind = "pause"
target = "b"
duration = "200ms"

[[faults]]
at = "6s"
kind = "isolate"
target = "a"

[[faults]]
at = "7s"
kind = "restart"
target = "a"

[nemesis]
kinds = ["crash", "clock"]
interval = "2s"
max_clock_jump = "1s"

[check]
durability = true

[limits]
max_events = 1000
stop_after_deliveries = 500
final_read_window = "1s"
"#;

#[test]
fn full_scenario() {
    let s = parse_str(FULL, "full.toml").unwrap();
    assert_eq!(
        (s.name.as_str(), s.description.as_str()),
        ("everything", "Uses every key.")
    );
    assert_eq!(
        (s.seed, s.duration, s.settle, s.expect),
        (42, 10_000_000_000, 3_000_000_000, Expect::Fail)
    );
    assert_eq!(s.cluster.protocol, "primary-backup");
    assert_eq!(s.cluster.nodes, ["a", "b", "c", "d", "e"]);
    assert_eq!(s.cluster.params["heartbeat"].as_str(), Some("40ms"));
    let net = &s.network;
    assert_eq!(
        net.default.latency,
        Latency::Normal {
            mean: 5_000_000,
            stddev: 1_000_000
        }
    );
    let probs = [
        net.default.loss.value,
        net.default.duplicate.value,
        net.default.reorder.value,
    ];
    assert_eq!(probs, [0.01, 0.02, 0.03]);
    assert_eq!(net.default.reorder_delay, 20_000_000);
    assert_eq!(net.client_latency, Latency::Constant(500_000));
    assert_eq!(net.links.len(), 1);
    let link = &net.links[0];
    assert_eq!((link.from, link.to), (NodeId(0), NodeId(1)));
    assert_eq!(
        link.spec.latency,
        Latency::Pareto {
            scale: 1_000_000,
            shape: 1.5,
            cap: 1_000_000_000
        }
    );
    assert_eq!(
        (link.spec.loss.value, link.spec.duplicate.value),
        (0.5, 0.02)
    );
    assert_eq!(link.spec.reorder_delay, 20_000_000);
    assert_eq!(
        (s.clocks.max_drift_ppm, s.clocks.max_offset),
        (100, 50_000_000)
    );
    let c = &s.clocks.overrides[0];
    assert_eq!(
        (c.node, c.drift_ppm, c.offset),
        (NodeId(2), Some(-200), Some(1_000_000))
    );
    assert_eq!(
        s.storage.write_latency,
        Latency::Uniform {
            min: 1_000_000,
            max: 2_000_000
        }
    );

    let w = s.workload.as_ref().unwrap();
    assert_eq!((w.kind.name(), w.clients, w.keys), ("kv", 5, 8));
    assert_eq!((w.read, w.write, w.cas), (2, 1, 1));
    assert_eq!(
        (w.pace, w.timeout, w.key_dist),
        (Pace::Rate(100.0), 500_000_000, KeyDist::Zipf(1.2))
    );
    assert_eq!(w.targets, Targets::Nodes(vec![NodeId(0), NodeId(1)]));
    assert_eq!((w.max_redirects, w.final_reads), (5, true));

    let at: Vec<u64> = s.faults.iter().map(|f| f.at / 1_000_000_000).collect();
    assert_eq!(at, [1, 2, 2, 3, 4, 4, 5, 6, 7]);
    let line = |needle: &str| FULL[..FULL.find(needle).unwrap()].matches('\n').count() + 1;
    assert_eq!(s.faults[0].line, line("at = \"1s\"") - 1);
    assert!(matches!(
        s.faults[0].kind,
        FaultKind::Crash {
            target: Target::Leader,
            restart_after: Some(2_000_000_000),
            permanent: false,
        }
    ));
    match &s.faults[1].kind {
        FaultKind::Link {
            from,
            to,
            spec,
            duration,
            one_way,
        } => {
            assert_eq!((from, to), (&Target::Node(NodeId(0)), &Target::Minority));
            assert_eq!((spec.loss.value, spec.reorder.value), (0.9, 0.03));
            assert_eq!(spec.latency, net.default.latency);
            assert_eq!((*duration, *one_way), (1_000_000_000, false));
        }
        other => panic!("expected a link fault, got {other:?}"),
    }
    assert!(matches!(
        s.faults[2].kind,
        FaultKind::Clock {
            target: Target::Node(NodeId(4)),
            jump: -300_000_000,
            drift_ppm: None
        }
    ));
    assert!(matches!(
        s.faults[3].kind,
        FaultKind::Block {
            from: Target::Random,
            to: Target::Node(NodeId(3))
        }
    ));
    assert!(matches!(s.faults[4].kind, FaultKind::Heal));
    assert!(matches!(
        s.faults[5].kind,
        FaultKind::Pause {
            target: Target::Node(NodeId(1)),
            duration: 200_000_000
        }
    ));
    match &s.faults[6].kind {
        FaultKind::Partition(groups) => {
            assert_eq!(groups, &[vec![NodeId(0), NodeId(1)], vec![NodeId(2)]]);
        }
        other => panic!("expected a partition, got {other:?}"),
    }
    assert!(matches!(
        s.faults[7].kind,
        FaultKind::Isolate(Target::Node(NodeId(0)))
    ));
    assert!(matches!(
        s.faults[8].kind,
        FaultKind::Restart(Target::Node(NodeId(0)))
    ));

    let n = s.nemesis.as_ref().unwrap();
    assert_eq!(n.kinds, [NemesisKind::Crash, NemesisKind::Clock]);
    assert_eq!(n.interval, (2_000_000_000, 2_000_000_000));
    assert_eq!(n.fault_duration, (500_000_000, 2_000_000_000));
    assert_eq!(n.max_clock_jump, 1_000_000_000);
    assert_eq!((n.link_loss.value, n.target_leader.value), (0.5, 0.3));
    assert_eq!(s.check.switch("durability"), Some(true));
    assert!(crate::check::plan(&s).unwrap().runs("durability"));
    assert_eq!(s.limits.max_events, 1000);
    assert_eq!(s.limits.stop_after_deliveries, Some(500));
    assert_eq!(s.limits.max_in_flight, 1_000_000);
    assert_eq!(s.limits.final_read_window, 1_000_000_000);
}

#[test]
fn every_prefix_of_the_full_scenario_is_handled() {
    for (i, _) in FULL.char_indices() {
        if let Err(e) = parse_str(&FULL[..i], FILE) {
            assert!(!e.to_string().contains('\n'));
        }
    }
}

#[test]
fn shipped_scenarios_load() {
    fn walk(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "toml") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut found,
    );
    for path in found {
        if let Err(e) = load(&path) {
            panic!("{e}");
        }
    }
}

#[test]
fn examples_in_the_format_reference_parse() {
    let doc = include_str!("../../docs/scenario-format.md");
    let mut text = String::new();
    for block in doc.split("```toml\n").skip(1) {
        let end = block.find("```").unwrap_or(block.len());
        text.push_str(&block[..end]);
    }
    let s = parse_str(&text, "docs.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "lost-update");
    assert_eq!(s.cluster.nodes.len(), 5);
    assert_eq!(s.faults.len(), 5);
    assert!(s.nemesis.is_some() && s.workload.is_some());
}
