//! Swarm testing (`[nemesis] swarm = true`): each seed draws its own nemesis and protocol
//! knobs from the seed, the draw replays exactly, pinned parameters stay pinned, and the
//! draw is printed with the run and with a failing seed of a sweep.

mod support;

use faultline::check::Verdict;
use faultline::explore::Outcome;
use std::process::Command;

/// `scenarios/raft-chaos.toml` under swarm testing, with `params` added to its
/// `[cluster.params]`.
fn swarm_text(path: &str, params: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text.replace("[nemesis]\n", "[nemesis]\nswarm = true\n");
    if params.is_empty() {
        return text;
    }
    if text.contains("[cluster.params]\n") {
        text.replace(
            "[cluster.params]\n",
            &format!("[cluster.params]\n{params}\n"),
        )
    } else {
        text.replace(
            "[network]",
            &format!("[cluster.params]\n{params}\n\n[network]"),
        )
    }
}

fn run(text: &str, seed: u64) -> Outcome {
    let s = faultline::scenario::parse_str(text, "swarm.toml").unwrap_or_else(|e| panic!("{e}"));
    faultline::explore::run_seed(&s, seed, faultline::des::trace::Trace::hash_only()).unwrap()
}

#[test]
fn a_seed_draws_its_configuration_again_on_replay_and_seeds_differ() {
    let text = swarm_text("scenarios/raft-chaos.toml", "");
    let mut draws = std::collections::BTreeSet::new();
    for seed in 1..=20 {
        let a = run(&text, seed);
        let b = run(&text, seed);
        let drawn = a.output.swarm.clone().expect("a swarm draw");
        assert_eq!(a.output.swarm, b.output.swarm, "seed {seed}");
        assert_eq!(a.output.trace_hash, b.output.trace_hash, "seed {seed}");
        assert!(drawn.starts_with("kinds "), "{drawn}");
        assert!(drawn.contains("election_timeout_min = "), "{drawn}");
        assert_eq!(a.verdict, Verdict::Pass, "seed {seed}: {drawn}");
        draws.insert(drawn);
    }
    assert_eq!(draws.len(), 20, "every seed drew its own configuration");
    let plain = std::fs::read_to_string("scenarios/raft-chaos.toml").unwrap();
    assert_eq!(run(&plain, 1).output.swarm, None);
}

#[test]
fn swarm_seeds_leave_kinds_out() {
    let text = swarm_text("scenarios/raft-chaos.toml", "");
    let with_crash = (1..=40)
        .filter(|&seed| {
            run(&text, seed)
                .output
                .swarm
                .unwrap()
                .split(", ")
                .next()
                .unwrap()
                .contains("crash=")
        })
        .count();
    assert!(
        (8..=32).contains(&with_crash),
        "crash on in {with_crash} of 40 seeds"
    );
}

#[test]
fn pinned_parameters_are_not_drawn() {
    let text = swarm_text(
        "scenarios/raft-chaos.toml",
        "heartbeat = \"40ms\"\nmax_batch = 8",
    );
    for seed in 1..=10 {
        let drawn = run(&text, seed).output.swarm.unwrap();
        assert!(!drawn.contains("heartbeat ="), "{drawn}");
        assert!(!drawn.contains("max_batch ="), "{drawn}");
        assert!(drawn.contains("election_timeout_min ="), "{drawn}");
    }
    // With leases, the election timeouts the lease's safety rests on stay as written.
    let text = swarm_text("scenarios/raft-chaos.toml", "read_mode = \"lease\"");
    for seed in 1..=10 {
        let o = run(&text, seed);
        let drawn = o.output.swarm.unwrap();
        assert!(!drawn.contains("election_timeout"), "{drawn}");
        assert_eq!(o.verdict, Verdict::Pass, "seed {seed}: {drawn}");
    }
}

#[test]
fn primary_backup_draws_its_timing_knobs() {
    let text = swarm_text("scenarios/pb-chaos.toml", "");
    for seed in 1..=20 {
        let o = run(&text, seed);
        let drawn = o.output.swarm.unwrap();
        assert!(drawn.contains("failover_timeout ="), "{drawn}");
        assert_eq!(o.verdict, Verdict::Pass, "seed {seed}: {drawn}");
    }
}

#[test]
fn the_draw_is_printed_with_the_run_and_with_a_failing_seed() {
    let dir = std::env::temp_dir().join(format!("faultline-swarm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("swarm-async.toml");
    std::fs::write(
        &path,
        swarm_text("scenarios/pb-chaos.toml", "replication = \"async\""),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_faultline");
    let run = Command::new(bin)
        .args(["run", path.to_str().unwrap(), "--seed", "1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(text.contains("\nswarm     kinds "), "{text}");
    let sweep = Command::new(bin)
        .args(["explore", path.to_str().unwrap(), "--seeds", "30", "--json"])
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&sweep.stdout);
    let failing: Vec<serde_json::Value> = lines
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "seed")
        .collect();
    assert!(!failing.is_empty(), "{lines}");
    for v in failing {
        let drawn = v["swarm"].as_str().expect("the seed's draw");
        // Replaying the seed draws the same configuration.
        let seed = v["seed"].as_u64().unwrap();
        let again = Command::new(bin)
            .args(["run", path.to_str().unwrap(), "--seed", &seed.to_string()])
            .output()
            .unwrap();
        let again = String::from_utf8_lossy(&again.stdout);
        assert!(again.contains(&format!("swarm     {drawn}\n")), "{again}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
