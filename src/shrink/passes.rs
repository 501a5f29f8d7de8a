//! Step 2 of shrinking: reductions of the scenario document, each kept only when the
//! candidate still fails the same way ([`super::oracle`]). Faults go by delta debugging
//! ([`super::ddmin`]), then runs of cuts of the same nodes are merged ([`super::coalesce`]);
//! the duration (and so the number of operations), the clients, the keys
//! and the nodes by binary search for the smallest value that still fails; network noise by
//! trying each knob at zero (loss, duplication, reordering) and latency at a constant (the
//! distribution's mean). Rounds repeat until one changes nothing or the budget is spent.

use super::convert;
use super::ddmin::{ddmin, Outcome};
use super::oracle::Oracle;
use crate::des::time::{format_duration, parse_duration, Nanos, MICROS, MILLIS};
use crate::scenario::Latency;
use toml::{Table, Value};

/// The document being shrunk, the oracle, and what changed so far.
pub struct Shrinker<'a> {
    /// The smallest failing scenario found so far.
    pub doc: Table,
    /// The test candidates face.
    pub oracle: Oracle<'a>,
    /// What changed, per key: (key, first value, current value); the `[[faults]]` count is
    /// the caller's to note.
    pub changes: Vec<(String, String, String)>,
}

impl<'a> Shrinker<'a> {
    /// A shrinker starting from `doc`, which fails the same way.
    pub fn new(doc: Table, oracle: Oracle<'a>) -> Shrinker<'a> {
        Shrinker {
            doc,
            oracle,
            changes: Vec::new(),
        }
    }

    /// Runs every reduction, round after round, until a round changes nothing or the
    /// budget is spent.
    pub fn run(&mut self) {
        loop {
            let mut progress = false;
            progress |= self.duration();
            progress |= self.faults();
            progress |= self.coalesce();
            progress |= self.clients();
            progress |= self.rate();
            progress |= self.settle();
            progress |= self.nodes();
            progress |= self.keys();
            progress |= self.noise();
            if !progress || self.oracle.stopped.is_some() {
                return;
            }
        }
    }

    /// Tests `candidate` and keeps it if it fails the same way.
    fn attempt(&mut self, candidate: Table) -> Outcome {
        let out = self.oracle.test(&candidate);
        if out == Outcome::Fails {
            self.doc = candidate;
        }
        out
    }

    /// Notes that `key` went from `from` to `to`.
    pub fn note(&mut self, key: &str, from: String, to: String) {
        match self.changes.iter_mut().find(|c| c.0 == key) {
            Some(c) => c.2 = to,
            None => self.changes.push((key.to_string(), from, to)),
        }
    }

    /// Delta debugging over `[[faults]]` (and, when the nemesis was kept, dropping it).
    pub fn faults(&mut self) -> bool {
        self.oracle.phase = "faults";
        let mut changed = false;
        if self.doc.contains_key("nemesis") {
            let mut c = self.doc.clone();
            c.remove("nemesis");
            if self.attempt(c) == Outcome::Fails {
                self.note("nemesis", "present".into(), "removed".into());
                changed = true;
            }
        }
        let list = fault_list(&self.doc);
        if list.is_empty() {
            return changed;
        }
        let base = self.doc.clone();
        let oracle = &mut self.oracle;
        let kept = ddmin(&list, &mut |subset: &[Value]| {
            oracle.test(&with_faults(&base, subset.to_vec()))
        });
        if kept.len() < list.len() {
            // The count is noted once, at the end (the duration and node passes drop
            // faults too).
            self.doc = with_faults(&base, kept);
            changed = true;
        }
        changed
    }

    /// The smallest `v` in `(lo, hi]` for which `make(v)` still fails, by trying `lo + step`
    /// and then binary search on a grid of `step`, given that `hi` (the current value)
    /// fails: the new value, if it went down (the document is then the candidate's).
    fn smallest(
        &mut self,
        lo: u64,
        hi: u64,
        step: u64,
        make: &dyn Fn(&Table, u64) -> Option<Table>,
    ) -> Option<u64> {
        let (mut lo, mut hi, start) = (lo, hi, hi);
        // The smallest value first: it often fails too (one client, one key), and
        // bisection alone would miss it when failing is not monotone in the value.
        if hi > lo + step {
            if let Some(candidate) = make(&self.doc, lo + step) {
                match self.attempt(candidate) {
                    Outcome::Fails => return Some(lo + step),
                    Outcome::Stop => return None,
                    Outcome::Passes => {}
                }
            }
            lo += step;
        }
        while hi > lo + step {
            let mid = lo + ((hi - lo) / 2).div_ceil(step) * step;
            let mid = mid.min(hi - step).max(lo + step);
            let Some(candidate) = make(&self.doc, mid) else {
                lo = mid;
                continue;
            };
            match self.attempt(candidate) {
                Outcome::Fails => hi = mid,
                Outcome::Passes => lo = mid,
                Outcome::Stop => break,
            }
        }
        (hi < start).then_some(hi)
    }

    /// Fewer operations: the shortest workload `duration` (to 1/64 of it, in whole
    /// milliseconds) that still fails; faults at or after the new end go.
    pub fn duration(&mut self) -> bool {
        self.oracle.phase = "duration";
        let Some(d) = self.doc.get("duration").and_then(duration_of) else {
            return false;
        };
        let step = (d / 64).div_ceil(MILLIS).max(1) * MILLIS;
        let make = |doc: &Table, v: u64| {
            let mut c = doc.clone();
            c.insert("duration".into(), Value::String(format_duration(v)));
            let faults: Vec<Value> = fault_list(&c)
                .into_iter()
                .filter(|f| f.get("at").and_then(duration_of).is_some_and(|at| at < v))
                .collect();
            Some(with_faults(&c, faults))
        };
        match self.smallest(0, d, step, &make) {
            Some(v) => {
                self.note("duration", format_duration(d), format_duration(v));
                true
            }
            None => false,
        }
    }

    /// Quiet time after the workload: the shortest `settle` (to 1/16 of it, in whole
    /// milliseconds) that still fails.
    pub fn settle(&mut self) -> bool {
        self.oracle.phase = "settle";
        let Some(d) = self.doc.get("settle").and_then(duration_of) else {
            return false;
        };
        let step = (d / 16).div_ceil(MILLIS).max(1) * MILLIS;
        let make = |doc: &Table, v: u64| {
            let mut c = doc.clone();
            c.insert("settle".into(), Value::String(format_duration(v)));
            Some(c)
        };
        match self.smallest(0, d, step, &make) {
            Some(v) => {
                self.note("settle", format_duration(d), format_duration(v));
                true
            }
            None => false,
        }
    }

    /// Fewer operations per second: the client rate cut in sixteenths (not below 1 per second).
    pub fn rate(&mut self) -> bool {
        self.oracle.phase = "rate";
        let Some(rate) = self
            .doc
            .get("workload")
            .and_then(|w| w.get("rate"))
            .and_then(|r| r.as_float().or_else(|| r.as_integer().map(|i| i as f64)))
        else {
            return false;
        };
        let value = |k: u64| {
            let r = rate * k as f64 / 16.0;
            if r.fract() == 0.0 {
                Value::Integer(r as i64)
            } else {
                Value::Float(r)
            }
        };
        let make = |doc: &Table, k: u64| {
            if rate * (k as f64) < 16.0 {
                return None; // below one operation per second: stop there
            }
            let mut c = doc.clone();
            let w = c.get_mut("workload")?.as_table_mut()?;
            w.insert("rate".into(), value(k));
            Some(c)
        };
        match self.smallest(0, 16, 1, &make) {
            Some(k) => {
                self.note("workload.rate", value(16).to_string(), value(k).to_string());
                true
            }
            None => false,
        }
    }

    /// Fewer clients.
    pub fn clients(&mut self) -> bool {
        self.count("clients", "workload", "clients", |s| {
            s.workload.as_ref().map(|w| u64::from(w.clients))
        })
    }

    /// Fewer keys.
    pub fn keys(&mut self) -> bool {
        self.count("keys", "workload", "keys", |s| {
            s.workload.as_ref().map(|w| u64::from(w.keys))
        })
    }

    /// Binary search of the count `table.key` down from its value in the scenario.
    fn count(
        &mut self,
        phase: &'static str,
        table: &'static str,
        key: &'static str,
        current: fn(&crate::scenario::Scenario) -> Option<u64>,
    ) -> bool {
        self.oracle.phase = phase;
        let Some(now) = self.oracle.valid(&self.doc).as_ref().and_then(current) else {
            return false;
        };
        let make = |doc: &Table, v: u64| {
            let mut c = doc.clone();
            let t = c.get_mut(table)?.as_table_mut()?;
            t.insert(key.into(), Value::Integer(v as i64));
            Some(c)
        };
        match self.smallest(0, now, 1, &make) {
            Some(v) => {
                self.note(&format!("{table}.{key}"), now.to_string(), v.to_string());
                true
            }
            None => false,
        }
    }

    /// Fewer nodes: the first `v` in member order are kept; faults, link overrides, clock
    /// overrides and targets that name a removed node go (a partition group just loses it).
    /// A protocol's minimum is respected because a scenario below it is not valid.
    pub fn nodes(&mut self) -> bool {
        self.oracle.phase = "nodes";
        let Some(scenario) = self.oracle.valid(&self.doc) else {
            return false;
        };
        let names = scenario.cluster.nodes.clone();
        let make = |doc: &Table, v: u64| with_nodes(doc, &names, v as usize);
        match self.smallest(0, names.len() as u64, 1, &make) {
            Some(v) => {
                let n = names.len().to_string();
                self.note("cluster.nodes", n, v.to_string());
                true
            }
            None => false,
        }
    }

    /// Network noise: loss, duplication and reordering to zero, latency to a constant, link
    /// overrides removed, each kept if the run still fails the same way.
    pub fn noise(&mut self) -> bool {
        self.oracle.phase = "noise";
        let mut changed = false;
        for key in ["loss", "duplicate", "reorder", "reorder_delay"] {
            let Some(net) = self.doc.get("network").and_then(Value::as_table) else {
                return changed;
            };
            let Some(old) = net.get(key) else {
                continue;
            };
            let old = old.to_string();
            let mut c = self.doc.clone();
            c["network"].as_table_mut().expect("a table").remove(key);
            if self.attempt(c) == Outcome::Fails {
                self.note(&format!("network.{key}"), old, "removed".into());
                changed = true;
            }
        }
        for key in ["latency", "client_latency"] {
            let Some(scenario) = self.oracle.valid(&self.doc) else {
                return changed;
            };
            let lat = match key {
                "latency" => scenario.network.default.latency,
                _ => scenario.network.client_latency,
            };
            if matches!(lat, Latency::Constant(_)) {
                continue;
            }
            let mean = format_duration(mean(&lat));
            let mut c = self.doc.clone();
            let net = c
                .entry("network")
                .or_insert_with(|| Value::Table(Table::new()));
            let Some(net) = net.as_table_mut() else {
                return changed;
            };
            net.insert(key.into(), Value::String(mean.clone()));
            if self.attempt(c) == Outcome::Fails {
                let old = convert::latency(&lat).to_string();
                self.note(&format!("network.{key}"), old, mean);
                changed = true;
            }
        }
        let links = self
            .doc
            .get("network")
            .and_then(|n| n.get("links"))
            .is_some();
        if links {
            let mut c = self.doc.clone();
            c["network"]
                .as_table_mut()
                .expect("a table")
                .remove("links");
            if self.attempt(c) == Outcome::Fails {
                self.note("network.links", "present".into(), "removed".into());
                changed = true;
            }
        }
        changed
    }
}

/// The `[[faults]]` entries of `doc`.
pub fn fault_list(doc: &Table) -> Vec<Value> {
    doc.get("faults")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// `doc` on the first `v` of its nodes `names`: faults, link overrides, clock overrides and
/// targets that name a removed node go (a partition group just loses it).
pub fn with_nodes(doc: &Table, names: &[String], v: usize) -> Option<Table> {
    let mut c = doc.clone();
    let cluster = c.get_mut("cluster")?.as_table_mut()?;
    let keep = names.get(..v)?;
    let value = match cluster.get("nodes")? {
        Value::Integer(_) => Value::Integer(v as i64),
        _ => Value::Array(keep.iter().map(|n| Value::String(n.clone())).collect()),
    };
    cluster.insert("nodes".into(), value);
    for gone in &names[v..] {
        drop_node(&mut c, gone);
    }
    Some(c)
}

/// `doc` with `faults` as its `[[faults]]` (none: the key goes).
pub fn with_faults(doc: &Table, faults: Vec<Value>) -> Table {
    let mut c = doc.clone();
    if faults.is_empty() {
        c.remove("faults");
    } else {
        c.insert("faults".into(), Value::Array(faults));
    }
    c
}

/// A duration string's nanoseconds.
fn duration_of(v: &Value) -> Option<Nanos> {
    parse_duration(v.as_str()?).ok()
}

/// The mean of a delay distribution, to the microsecond (at least 1 us unless it is 0).
fn mean(l: &Latency) -> Nanos {
    let m = match *l {
        Latency::Constant(v) => v,
        Latency::Uniform { min, max } => min / 2 + max / 2,
        Latency::Normal { mean, .. } | Latency::Exponential { mean } => mean,
        Latency::Pareto { scale, shape, cap } if shape > 1.0 => {
            ((scale as f64 * shape / (shape - 1.0)) as Nanos).min(cap)
        }
        Latency::Pareto { cap, .. } => cap,
    };
    if m == 0 {
        0
    } else {
        (m / MICROS).max(1) * MICROS
    }
}

/// Removes node `name` from everything in `doc` that names it.
fn drop_node(doc: &mut Table, name: &str) {
    let names_it = |t: &Table| {
        ["target", "from", "to", "node"]
            .iter()
            .any(|k| t.get(*k).and_then(Value::as_str) == Some(name))
    };
    let faults: Vec<Value> = fault_list(doc)
        .into_iter()
        .filter_map(|mut f| {
            let t = f.as_table_mut()?;
            if names_it(t) {
                return None;
            }
            if let Some(Value::Array(groups)) = t.get_mut("groups") {
                for g in groups.iter_mut() {
                    if let Value::Array(members) = g {
                        members.retain(|m| m.as_str() != Some(name));
                    }
                }
                groups.retain(|g| g.as_array().is_some_and(|m| !m.is_empty()));
                if groups.is_empty() {
                    return None;
                }
            }
            Some(f)
        })
        .collect();
    *doc = with_faults(doc, faults);
    let mut drop_in = |section: &str, list: &str| {
        let Some(Value::Array(entries)) = doc
            .get_mut(section)
            .and_then(Value::as_table_mut)
            .and_then(|t| t.get_mut(list))
        else {
            return;
        };
        entries.retain(|e| !e.as_table().is_some_and(names_it));
    };
    drop_in("network", "links");
    drop_in("clocks", "nodes");
    for section in ["workload", "nemesis"] {
        let Some(t) = doc.get_mut(section).and_then(Value::as_table_mut) else {
            continue;
        };
        if let Some(Value::Array(targets)) = t.get_mut("targets") {
            targets.retain(|x| x.as_str() != Some(name));
            if targets.is_empty() {
                t.remove("targets");
            }
        }
    }
}
