//! Which checkers run for a scenario: its `[check]` section read against [`CHECKERS`]. A name
//! no checker has, a checker that cannot be switched off, or one switched on without what it
//! needs, is an error naming the file, the line and the key, like every scenario error.

use super::{Checker, CHECKERS};
use crate::scenario::{Scenario, ScenarioError};

/// The checkers that run for one scenario, in report order.
#[derive(Clone, Debug)]
pub struct Plan {
    names: Vec<&'static str>,
}

impl Plan {
    /// The checkers, in report order.
    pub fn checkers(&self) -> impl Iterator<Item = &'static dyn Checker> + '_ {
        self.names
            .iter()
            .filter_map(|n| CHECKERS.iter().copied().find(|c| c.name() == *n))
    }

    /// Whether checker `name` runs.
    pub fn runs(&self, name: &str) -> bool {
        self.names.contains(&name)
    }
}

/// The plan for `scenario`, or the first mistake in its `[check]` section.
pub fn plan(scenario: &Scenario) -> Result<Plan, ScenarioError> {
    let error = |line: usize, key: &str, message: String| ScenarioError::Invalid {
        file: scenario.path.clone(),
        line,
        key: format!("check.{key}"),
        message,
    };
    for s in &scenario.check.switches {
        let Some(c) = CHECKERS.iter().find(|c| c.name() == s.name) else {
            let known: Vec<String> = CHECKERS
                .iter()
                .filter(|c| c.optional())
                .map(|c| format!("`{}`", c.name()))
                .chain(std::iter::once("`consistency`".to_string()))
                .collect();
            let msg = format!(
                "unknown checker `{}`; expected one of {}",
                s.name,
                known.join(", ")
            );
            return Err(error(s.line, &s.name, msg));
        };
        if !c.optional() {
            let msg = format!("the `{}` check always runs; expected no such key", s.name);
            return Err(error(s.line, &s.name, msg));
        }
        if s.on {
            if let Err(need) = c.needs(scenario) {
                let msg = format!("{} needs {need}", s.name);
                return Err(error(s.line, &s.name, msg));
            }
        }
    }
    if let Some((models, line)) = &scenario.check.consistency {
        consistency(scenario, models).map_err(|msg| error(*line, "consistency", msg))?;
    }
    let names = CHECKERS
        .iter()
        .filter(|c| {
            scenario
                .check
                .switch(c.name())
                .unwrap_or_else(|| c.on_by_default(scenario))
        })
        .map(|c| c.name())
        .collect();
    Ok(Plan { names })
}

/// Checks `[check] consistency`: each name is an isolation level (decided by `isolation` on
/// transactions), a model of the ladder (decided by `ladder` on register histories), or `all`;
/// the checker that decides each must apply to the workload and not be switched off.
fn consistency(scenario: &Scenario, models: &[String]) -> Result<(), String> {
    use super::isolation::{Isolation, Level};
    use super::ladder::{ConsistencyLadder, Model};
    let mut levels = false;
    let mut ladder = false;
    for n in models {
        if n == "all" {
            continue;
        }
        if Level::from_name(n).is_some() {
            levels = true;
        } else if Model::from_name(n).is_some() {
            ladder = true;
        } else {
            let mut known: Vec<&str> = Model::ALL.iter().map(|m| m.name()).collect();
            known.extend(Level::ALL.iter().map(|l| l.name()));
            return Err(format!(
                "unknown consistency model `{n}`; expected one of {}, or all",
                known.join(", ")
            ));
        }
    }
    let all = models.iter().any(|n| n == "all");
    let isolation_ok = Isolation.needs(scenario).is_ok();
    let ladder_ok = ConsistencyLadder.needs(scenario).is_ok();
    if levels && !isolation_ok {
        return Err(format!(
            "isolation levels need {}",
            Isolation.needs(scenario).err().unwrap_or_default()
        ));
    }
    if ladder && !ladder_ok {
        return Err(format!(
            "the models below linearizability need {}",
            ConsistencyLadder.needs(scenario).err().unwrap_or_default()
        ));
    }
    if all && !isolation_ok && !ladder_ok {
        return Err("all needs a workload with a history to place: a register, cas-register, kv, rw-register or list-append [workload]".into());
    }
    for (on, name) in [
        (levels || (all && isolation_ok), "isolation"),
        (ladder || (all && ladder_ok), "ladder"),
    ] {
        if on && scenario.check.switch(name) == Some(false) {
            return Err(format!(
                "these consistency models are checked by `{name}`, which is switched off; expected {name} = true, or no such models"
            ));
        }
    }
    Ok(())
}
