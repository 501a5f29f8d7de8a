//! A crash with `permanent = true` (docs/scenario-format.md, `[[faults]]`): the node never
//! comes back — not by a `restart` fault, not at the end of the workload — while an ordinary
//! crash without `restart_after` is restarted when the workload ends.

use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;
use faultline::sim::NodeState;

const SCENARIO: &str = r#"
duration = "1s"
settle = "500ms"
[cluster]
protocol = "phold"
nodes = 3
[[faults]]
at = "100ms"
kind = "crash"
target = "n2"
permanent = true
[[faults]]
at = "100ms"
kind = "crash"
target = "n3"
[[faults]]
at = "300ms"
kind = "restart"
target = "n2"
"#;

#[test]
fn a_permanent_crash_outlives_restarts_and_the_end_of_the_workload() {
    let s = scenario::parse_str(SCENARIO, "permanent.toml").unwrap();
    let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
    let states: Vec<NodeState> = o.output.finals.iter().map(|f| f.state).collect();
    assert_eq!(states, [NodeState::Up, NodeState::Crashed, NodeState::Up]);
    let fired: Vec<&str> = o.output.faults.iter().map(|f| f.what.as_str()).collect();
    assert!(
        fired.iter().any(|w| w.contains("n2"))
            && !fired.iter().any(|w| w.starts_with("restart n2")),
        "n2 is never restarted: {fired:?}"
    );
    assert!(
        fired.iter().any(|w| w.starts_with("restart n3")),
        "n3 is, at the end of the workload: {fired:?}"
    );
}
