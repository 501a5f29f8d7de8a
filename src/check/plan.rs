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
        if let Err(msg) = super::isolation::parse_levels(models) {
            return Err(error(*line, "consistency", msg));
        }
        if let Err(need) = super::isolation::Isolation.needs(scenario) {
            let msg = format!("consistency needs {need}");
            return Err(error(*line, "consistency", msg));
        }
        if scenario.check.switch("isolation") == Some(false) {
            let msg = "consistency models are checked by `isolation`, which is switched off; expected isolation = true, or no consistency".to_string();
            return Err(error(*line, "consistency", msg));
        }
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
