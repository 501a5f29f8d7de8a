//! Randomised runs on the harness with crashes, restarts, isolations and lost messages:
//! with fencing and sync replication there is at most one primary per epoch and every
//! acknowledged write survives; each teaching switch breaks one of the two.

use super::{n, read, write, Net};
use crate::des::rng::Stream;
use crate::des::time::{MILLIS, SECS};
use crate::protocol::primary_backup::{PrimaryBackupParams, Replication};
use crate::protocol::{Reply, Role};
use std::collections::BTreeMap;

const NODES: u32 = 5;

/// One randomised run; returns how many writes were acknowledged, or the first violation.
fn run(params: PrimaryBackupParams, seed: u64) -> Result<usize, String> {
    let mut rng = Stream::new(seed, "test/random");
    let mut net = Net::new(NODES, params);
    net.settle();
    let mut up = [true; NODES as usize];
    let mut leaders: BTreeMap<u64, u32> = BTreeMap::new();
    // key -> (last acknowledged value, values written without an answer since)
    let mut acked: BTreeMap<u64, (i64, Vec<i64>)> = BTreeMap::new();
    let mut count = 0;
    for step in 0..400i64 {
        let node = rng.below(u64::from(NODES)) as u32;
        match rng.below(20) {
            0 if up[node as usize] => {
                net.crash(n(node));
                up[node as usize] = false;
            }
            1..=3 if !up[node as usize] => {
                net.restart(n(node));
                up[node as usize] = true;
            }
            4..=6 => {
                let others: Vec<_> = (0..NODES).filter(|&o| o != node).map(n).collect();
                net.cut(n(node), &others, rng.below(3) == 0);
            }
            7 => {
                // Lose a random message in flight.
                if !net.msgs.is_empty() {
                    let k = rng.below(net.msgs.len() as u64) as usize;
                    net.msgs.remove(k);
                }
            }
            8..=13 => {
                if let Some(&p) = net.leaders().first() {
                    let key = rng.below(3);
                    let id = net.client(p, write(key, step));
                    let deliver = rng.below(20);
                    for _ in 0..deliver {
                        net.deliver();
                        net.persist();
                    }
                    if net.reply(id) == Some(Reply::single(None)) {
                        acked.insert(key, (step, Vec::new()));
                        count += 1;
                    } else {
                        if let Some((_, later)) = acked.get_mut(&key) {
                            later.push(step);
                        }
                    }
                }
            }
            _ => net.advance(rng.between(1, 200) * MILLIS),
        }
        for i in 0..NODES {
            if up[i as usize] && net.obs(n(i)).role == Role::Leader {
                let term = net.obs(n(i)).term;
                let first = *leaders.entry(term).or_insert(i);
                if first != i {
                    return Err(format!("seed {seed}: two primaries in epoch {term}"));
                }
            }
        }
    }
    net.blocked.clear();
    for i in 0..NODES {
        if !up[i as usize] {
            net.restart(n(i));
        }
    }
    net.advance(3 * SECS);
    let p = net.leaders();
    if p.len() != 1 {
        return Err(format!("seed {seed}: primaries after healing: {p:?}"));
    }
    for (key, (value, later)) in &acked {
        let got = net.request(p[0], read(*key));
        if got != Some(Reply::single(Some(*value)))
            && !later.iter().any(|v| got == Some(Reply::single(Some(*v))))
        {
            return Err(format!(
                "seed {seed}: key {key} reads {got:?}; last acknowledged write was {value}"
            ));
        }
    }
    Ok(count)
}

#[test]
fn randomised_faults_keep_one_primary_per_epoch_and_acknowledged_writes() {
    let mut acked = 0;
    for seed in 1..=40 {
        acked += run(PrimaryBackupParams::default(), seed).unwrap_or_else(|e| panic!("{e}"));
    }
    assert!(acked > 200, "the runs did acknowledge writes ({acked})");
}

#[test]
fn each_teaching_switch_shows_its_anomaly() {
    let unfenced = PrimaryBackupParams {
        fencing: false,
        ..PrimaryBackupParams::default()
    };
    let asynchronous = PrimaryBackupParams {
        replication: Replication::Async,
        ..PrimaryBackupParams::default()
    };
    for params in [unfenced, asynchronous] {
        let broken = (1..=40).find(|&seed| run(params, seed).is_err());
        assert!(broken.is_some(), "{params:?} never misbehaved");
    }
}
