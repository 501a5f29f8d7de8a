//! From the raw, type-checked file to a [`Scenario`]: fills in every default, resolves node
//! names to [`NodeId`]s and checks everything that involves more than one value (references
//! to nodes, the protocol and its parameters, fault times against the run's duration).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::error::ScenarioError;
use super::model::*;
use super::raw::*;
use super::source::{between, KeyPath, Source};
use super::{faults, workload};
use crate::des::ids::NodeId;
use crate::des::rng::Probability;
use crate::des::time::{Nanos, MILLIS, SECS};
use crate::protocol::registry::{names, visit, MaxNodes, ParamsCheck, ParamsFit};

/// The default `[limits] memory`: 1 GiB.
pub(crate) const DEFAULT_MEMORY: u64 = 1 << 30;

/// What every check needs: the source for locating errors, and the node names.
pub(crate) struct Ctx<'a> {
    /// The parsed file.
    pub src: &'a Source<'a>,
    /// Node names in member order.
    pub nodes: &'a [String],
    index: HashMap<&'a str, NodeId>,
}

impl<'a> Ctx<'a> {
    fn new(src: &'a Source<'a>, nodes: &'a [String]) -> Ctx<'a> {
        let index = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), NodeId(i as u32)))
            .collect();
        Ctx { src, nodes, index }
    }

    /// An error at `path`.
    pub fn err(&self, path: &KeyPath, message: impl AsRef<str>) -> ScenarioError {
        self.src.error(path, message)
    }

    /// The node list for messages (shortened when long).
    pub fn node_list(&self) -> String {
        const SHOWN: usize = 12;
        let mut s = self.nodes[..self.nodes.len().min(SHOWN)].join(", ");
        if self.nodes.len() > SHOWN {
            s.push_str(&format!(", … ({} nodes)", self.nodes.len()));
        }
        s
    }

    /// The node called `name`.
    pub fn node(&self, name: &str, path: &KeyPath) -> Result<NodeId, ScenarioError> {
        self.index.get(name).copied().ok_or_else(|| {
            let msg = format!("unknown node `{name}`; the nodes are {}", self.node_list());
            self.err(path, msg)
        })
    }

    /// A fault target: a node name or `leader`, `random`, `minority`, `majority`, `all`,
    /// `leader-minority`.
    pub fn target(&self, name: &str, path: &KeyPath) -> Result<Target, ScenarioError> {
        Ok(match name {
            "leader" => Target::Leader,
            "random" => Target::Random,
            "minority" => Target::Minority,
            "majority" => Target::Majority,
            "all" => Target::All,
            "leader-minority" => Target::LeaderMinority,
            _ => Target::Node(self.index.get(name).copied().ok_or_else(|| {
                let msg = format!(
                    "unknown target `{name}`; expected a node ({}) or leader, random, minority, majority, all, leader-minority",
                    self.node_list()
                );
                self.err(path, msg)
            })?),
        })
    }
}

/// A probability from a constant known to be in range.
pub(crate) fn prob(p: f64) -> Probability {
    Probability::new(p).unwrap_or_default()
}

/// Link keys as written in one place (`[network]`, a link override, a `link` fault).
pub(crate) fn link_spec(base: &LinkSpec, keys: RawLinkKeys) -> LinkSpec {
    LinkSpec {
        latency: keys.latency.map_or(base.latency, |l| l.0),
        loss: keys.loss.map_or(base.loss, |p| p.0),
        duplicate: keys.duplicate.map_or(base.duplicate, |p| p.0),
        reorder: keys.reorder.map_or(base.reorder, |p| p.0),
        reorder_delay: keys.reorder_delay.map_or(base.reorder_delay, |d| d.0),
    }
}

/// Builds the scenario from its raw form.
pub(crate) fn build(src: &Source<'_>, raw: RawScenario) -> Result<Scenario, ScenarioError> {
    if raw.duration.0 == 0 {
        return Err(src.error(
            &KeyPath::root("duration"),
            "the run's duration is zero; expected a duration above 0 such as \"10s\"",
        ));
    }
    let cluster = cluster(src, raw.cluster)?;
    let ctx = Ctx::new(src, &cluster.nodes);
    let network = network(&ctx, raw.network)?;
    let clocks = clocks(&ctx, raw.clocks)?;
    let workload = match raw.workload {
        Some(w) => Some(workload::workload(&ctx, w, &cluster.protocol)?),
        None => None,
    };
    let faults = faults::faults(&ctx, raw.faults, raw.duration.0, &network.default)?;
    let nemesis = match raw.nemesis {
        Some(n) => Some(workload::nemesis(&ctx, n)?),
        None => None,
    };
    let check = check(&ctx, raw.check);
    let limits = limits(raw.limits);
    let file = src.file;
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| {
            Path::new(file)
                .file_stem()
                .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned())
        }),
        description: raw.description.unwrap_or_default(),
        path: file.to_string(),
        seed: raw.seed.map_or(1, |s| s.count()),
        duration: raw.duration.0,
        settle: raw.settle.map_or(2 * SECS, |d| d.0),
        expect: match raw.expect {
            None | Some(RawExpect::Pass) => Expect::Pass,
            Some(RawExpect::Fail) => Expect::Fail,
        },
        cluster,
        network,
        clocks,
        storage: Storage {
            write_latency: raw
                .storage
                .write_latency
                .map_or(Latency::Constant(MILLIS), |l| l.0),
        },
        workload,
        faults,
        nemesis,
        check,
        limits,
    })
}

fn cluster(src: &Source<'_>, raw: RawCluster) -> Result<Cluster, ScenarioError> {
    let path = KeyPath::root("cluster");
    let params = raw.params.unwrap_or_default();
    match visit(&raw.protocol, ParamsCheck(&params)) {
        None => {
            let msg = format!(
                "unknown protocol `{}`; expected one of: {}",
                raw.protocol,
                names().join(", ")
            );
            return Err(src.error(&path.key("protocol"), msg));
        }
        Some(Err(msg)) => {
            let mut at = path.key("params");
            if let Some(key) = params_culprit(&raw.protocol, &params, &msg) {
                at = at.key(&key);
            }
            let msg = format!(
                "{} (parameters of protocol `{}`)",
                super::error::plain_words(&msg),
                raw.protocol
            );
            return Err(src.error(&at, msg));
        }
        Some(Ok(())) => {}
    }
    let max = visit(&raw.protocol, MaxNodes).unwrap_or(usize::MAX);
    if raw.nodes.0.len() > max {
        let msg = format!(
            "{} nodes is too many for protocol `{}`; expected at most {}",
            raw.nodes.0.len(),
            raw.protocol,
            super::values::grouped(max as i64)
        );
        return Err(src.error(&path.key("nodes"), msg));
    }
    if let Some(Err((key, msg))) = visit(&raw.protocol, ParamsFit(&params, raw.nodes.0.len())) {
        let at = path.key("params").key(key);
        let msg = format!("{msg} (parameters of protocol `{}`)", raw.protocol);
        return Err(src.error(&at, msg));
    }
    let service = match (raw.service_time, raw.queue_limit) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(src.error(
                &path.key("queue_limit"),
                "a queue limit needs a capacity model; expected `service_time` (how long one client request occupies a node, such as \"2ms\") too",
            ))
        }
        (Some(t), limit) => {
            if t.0 == 0 {
                return Err(src.error(
                    &path.key("service_time"),
                    "the service time is zero; expected a duration above 0 such as \"2ms\" (or no `service_time` for unlimited capacity)",
                ));
            }
            Some(Service {
                time: t.0,
                queue_limit: limit.map(|l| l.count() as u32),
            })
        }
    };
    Ok(Cluster {
        protocol: raw.protocol,
        nodes: raw.nodes.0,
        params,
        service,
    })
}

/// The `[cluster.params]` key a protocol's parameter error is about: the one named by an
/// unknown-field message, or the one that fails alone with the same message and whose
/// removal changes the outcome.
fn params_culprit(protocol: &str, params: &toml::Table, msg: &str) -> Option<String> {
    if let Some(key) = between(msg, "unknown field `", "`") {
        if params.contains_key(key) {
            return Some(key.to_string());
        }
    }
    let full = Some(Err(msg.to_string()));
    params.iter().find_map(|(key, value)| {
        let alone: toml::Table = [(key.clone(), value.clone())].into_iter().collect();
        let mut without = params.clone();
        without.remove(key);
        let culprit = visit(protocol, ParamsCheck(&alone)) == full
            && visit(protocol, ParamsCheck(&without)) != full;
        culprit.then(|| key.clone())
    })
}

fn network(ctx: &Ctx<'_>, raw: RawNetwork) -> Result<Network, ScenarioError> {
    let defaults = LinkSpec {
        latency: Latency::Constant(MILLIS),
        loss: Probability::ZERO,
        duplicate: Probability::ZERO,
        reorder: Probability::ZERO,
        reorder_delay: 10 * MILLIS,
    };
    let default = link_spec(
        &defaults,
        RawLinkKeys {
            latency: raw.latency,
            loss: raw.loss,
            duplicate: raw.duplicate,
            reorder: raw.reorder,
            reorder_delay: raw.reorder_delay,
        },
    );
    let mut links: Vec<LinkOverride> = Vec::new();
    let mut seen = HashMap::new();
    for (i, l) in raw.links.into_iter().enumerate() {
        let path = KeyPath::root("network").key("links").index(i);
        let from = ctx.node(&l.from, &path.key("from"))?;
        let to = ctx.node(&l.to, &path.key("to"))?;
        if from == to {
            let msg = format!(
                "`from` and `to` are both `{}`; expected two different nodes",
                l.to
            );
            return Err(ctx.err(&path.key("to"), msg));
        }
        if let Some(prev) = seen.insert((from, to), i) {
            let msg = format!(
                "the link {} → {} is already overridden by network.links[{prev}]; expected one entry per direction",
                l.from, l.to
            );
            return Err(ctx.err(&path, msg));
        }
        let keys = RawLinkKeys {
            latency: l.latency,
            loss: l.loss,
            duplicate: l.duplicate,
            reorder: l.reorder,
            reorder_delay: l.reorder_delay,
        };
        let spec = link_spec(&default, keys);
        links.push(LinkOverride { from, to, spec });
    }
    Ok(Network {
        default,
        links,
        client_latency: raw
            .client_latency
            .map_or(Latency::Constant(MILLIS), |l| l.0),
    })
}

fn clocks(ctx: &Ctx<'_>, raw: RawClocks) -> Result<Clocks, ScenarioError> {
    let path = KeyPath::root("clocks");
    let max_drift_ppm = raw.max_drift_ppm.map_or(0, |p| p.count() as u32);
    let mut overrides = Vec::new();
    let mut seen = HashSet::new();
    for (i, c) in raw.nodes.into_iter().enumerate() {
        let path = path.key("nodes").index(i);
        let node = ctx.node(&c.node, &path.key("node"))?;
        if !seen.insert(node) {
            let msg = format!(
                "node `{}` has two [[clocks.nodes]] entries; expected one",
                c.node
            );
            return Err(ctx.err(&path.key("node"), msg));
        }
        overrides.push(ClockOverride {
            node,
            drift_ppm: c.drift_ppm.map(|p| p.0),
            offset: c.offset.map(|d| d.0),
        });
    }
    Ok(Clocks {
        max_drift_ppm,
        max_offset: raw.max_offset.map_or(0, |d| d.0),
        overrides,
    })
}

fn check(ctx: &Ctx<'_>, raw: RawCheck) -> CheckSpec {
    let path = KeyPath::root("check");
    let mut spec = CheckSpec::default();
    for (name, value) in raw.0 {
        let line = ctx.src.line_of(&path.key(&name));
        match value {
            RawCheckValue::Switch(on) => spec.switches.push(CheckSwitch { name, on, line }),
            RawCheckValue::Models(models) => spec.consistency = Some((models, line)),
        }
    }
    spec
}

/// A duration that must be above zero.
pub(crate) fn positive_duration(
    ctx: &Ctx<'_>,
    value: Nanos,
    path: &KeyPath,
) -> Result<Nanos, ScenarioError> {
    if value == 0 {
        return Err(ctx.err(path, "the duration is zero; expected a duration above 0"));
    }
    Ok(value)
}

fn limits(raw: RawLimits) -> Limits {
    Limits {
        max_events: raw.max_events.map_or(50_000_000, |n| n.count()),
        stop_after_deliveries: raw.stop_after_deliveries.map(|n| n.count()),
        max_in_flight: raw.max_in_flight.map_or(1_000_000, |n| n.count()),
        final_read_window: raw.final_read_window.map_or(5 * SECS, |d| d.0),
        recovery_window: raw.recovery_window.map_or(2 * SECS, |d| d.0),
        recovery_answered: raw.recovery_answered.map_or(prob(0.9), |p| p.0),
        check_states: raw.check_states.map_or(1_000_000, |n| n.count()),
        memory: raw.memory.map_or(DEFAULT_MEMORY, |b| b.0),
    }
}
