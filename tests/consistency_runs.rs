//! The consistency ladder on simulated runs: each shipped scenario that teaches a rung lands
//! where its comments say, on its own seed (`[check] consistency = ["all"]`).

use faultline::check::Verdict;
use faultline::des::trace::Trace;
use faultline::explore::run_seed;
use faultline::scenario;

/// The ladder's verdict on each model for the scenario at `path`, on its seed.
fn ladder(path: &str) -> Vec<(String, Verdict)> {
    let s = scenario::load(std::path::Path::new(path)).unwrap();
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let check = o
        .checks
        .iter()
        .find(|c| c.name == "ladder")
        .expect("the ladder ran");
    check
        .consistency
        .iter()
        .map(|m| (m.model.to_string(), m.verdict))
        .collect()
}

fn verdict(l: &[(String, Verdict)], model: &str) -> Verdict {
    l.iter()
        .find(|(m, _)| m == model)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {model} in {l:?}"))
}

#[test]
fn raft_local_reads_are_sequential_not_linearizable() {
    let l = ladder("scenarios/raft-local-read-sequential.toml");
    assert_eq!(verdict(&l, "linearizable"), Verdict::Fail);
    for m in [
        "sequential",
        "causal",
        "causal-ccv",
        "pram",
        "read-your-writes",
        "monotonic-reads",
        "consistent-prefix",
    ] {
        assert_eq!(verdict(&l, m), Verdict::Pass, "{m}");
    }
}

#[test]
fn async_primary_backup_breaks_read_your_writes() {
    let l = ladder("scenarios/pb-async-session-guarantees.toml");
    for m in ["read-your-writes", "pram", "causal", "sequential"] {
        assert_eq!(verdict(&l, m), Verdict::Fail, "{m}");
    }
    for m in [
        "monotonic-reads",
        "monotonic-writes",
        "writes-follow-reads",
        "consistent-prefix",
    ] {
        assert_eq!(verdict(&l, m), Verdict::Pass, "{m}");
    }
}

#[test]
fn async_primary_backup_can_be_causal_but_not_sequential() {
    let l = ladder("scenarios/pb-async-causal-not-sequential.toml");
    assert_eq!(verdict(&l, "sequential"), Verdict::Fail);
    for m in [
        "causal",
        "causal-ccv",
        "causal-cc",
        "pram",
        "writes-follow-reads",
    ] {
        assert_eq!(verdict(&l, m), Verdict::Pass, "{m}");
    }
}

/// A run whose clients time out (each continues as a new process in the same session) writes
/// `:session` into its history, and the ladder on the history read back is the run's own.
#[test]
fn an_exported_history_keeps_each_clients_session() {
    use faultline::check::ladder::{check, Input, Limits, Model};
    use faultline::check::linear::{Budget, ModelKind};
    use faultline::history::{read_history, write_edn, Value};
    let s = scenario::load(std::path::Path::new("scenarios/pb-split-brain.toml")).unwrap();
    let o = run_seed(&s, 1, Trace::hash_only()).unwrap();
    let history = &o.output.history;
    let sessions = history.sessions.clone().expect("a run knows its sessions");
    assert!(
        sessions.iter().enumerate().any(|(p, &c)| p != c as usize),
        "some client timed out and went on as a new process"
    );
    let mut edn = Vec::new();
    write_edn(history, &mut edn).unwrap();
    let text = String::from_utf8(edn).unwrap();
    assert!(
        text.lines().all(|l| l.contains(":session ")),
        "every client op states its session"
    );
    let back = read_history(&text, "run.edn").unwrap();
    assert_eq!(back.sessions.as_deref(), Some(&sessions[..]));
    let models = [
        Model::Causal,
        Model::Pram,
        Model::ReadYourWrites,
        Model::MonotonicReads,
        Model::MonotonicWrites,
        Model::WritesFollowReads,
    ];
    let input = Input::for_model(ModelKind::Kv, Value::Nil).unwrap();
    let ladder = |h| check(h, &input, &models, Limits::default(), &Budget::default()).unwrap();
    let (run, file) = (ladder(history), ladder(&back));
    assert_eq!(run, file);
    // Without the sessions, each process would be a session of its own: more of them.
    let mut stripped = back.clone();
    stripped.sessions = None;
    let count = |l: &faultline::check::ladder::Ladder| {
        let reason = &l.rungs[0].reason;
        let n: usize = reason
            .split(" sessions")
            .next()
            .and_then(|r| r.rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no session count in {reason}"));
        n
    };
    assert!(count(&ladder(&stripped)) > count(&file));
}

/// The whole ladder for the scenario at `path` on its seed, whatever models it names.
fn whole_ladder(path: &str) -> Vec<(String, Verdict)> {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("consistency = "))
        .expect("the scenario names its models");
    let all = text.replace(line, "consistency = [\"all\"]");
    let s = scenario::parse_str(&all, path).unwrap();
    let o = run_seed(&s, s.seed, Trace::hash_only()).unwrap();
    let check = o.checks.iter().find(|c| c.name == "ladder").unwrap();
    check
        .consistency
        .iter()
        .map(|m| (m.model.to_string(), m.verdict))
        .collect()
}

/// Follower reads under replication lag, and the fix for each anomaly: each scenario's
/// pinned seed lands where its comments say.
#[test]
fn follower_reads_break_session_guarantees_and_each_fix_removes_its_own() {
    use Verdict::{Fail, Pass};
    let expected: [(&str, &[(&str, Verdict)]); 4] = [
        (
            "any",
            &[
                ("read-your-writes", Fail),
                ("monotonic-reads", Fail),
                ("consistent-prefix", Pass),
            ],
        ),
        (
            "sticky",
            &[
                ("read-your-writes", Fail),
                ("monotonic-reads", Pass),
                ("monotonic-writes", Pass),
            ],
        ),
        (
            "token",
            &[
                ("read-your-writes", Pass),
                ("monotonic-reads", Fail),
                ("writes-follow-reads", Pass),
            ],
        ),
        (
            "sticky-token",
            &[
                ("linearizable", Fail),
                ("sequential", Pass),
                ("causal", Pass),
                ("read-your-writes", Pass),
                ("monotonic-reads", Pass),
            ],
        ),
    ];
    for (name, models) in expected {
        let l = whole_ladder(&format!("scenarios/pb-follower-reads-{name}.toml"));
        for &(model, want) in models {
            assert_eq!(verdict(&l, model), want, "{name}: {model}");
        }
    }
}
