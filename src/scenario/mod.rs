//! Scenario files: the TOML format of DESIGN §4, parsed with serde (unknown keys refused) and
//! validated into a [`Scenario`] the engine can trust. Every error names the file, the key
//! path and the line, and says what was expected. The format is documented key by key in
//! `docs/scenario-format.md`.
//!
//! Parsing runs in three steps: the text is parsed into a spanned TOML document (syntax
//! errors, and the positions used by every later error); fault entries are checked for keys
//! their kind does not take; serde fills the raw structs of `raw` (unknown keys, types and
//! single values); `validate` applies defaults and checks references between values.

pub mod describe;
mod error;
mod faults;
mod latency;
mod model;
mod raw;
mod source;
#[cfg(test)]
mod tests;
mod validate;
mod values;
mod workload;

pub use error::ScenarioError;
pub use model::*;

/// Reads and validates the scenario file at `path`. [`Scenario::path`] is `path` as given.
pub fn load(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        source,
    })?;
    parse_str(&text, &file)
}

/// Parses and validates scenario `text`; `path` names it in errors, is stored as
/// [`Scenario::path`], and its file stem is the default [`Scenario::name`].
pub fn parse_str(text: &str, path: &str) -> Result<Scenario, ScenarioError> {
    let src = source::Source::parse(text, path)?;
    faults::check_fault_keys(&src)?;
    let raw: raw::RawScenario = toml::from_str(src.text()).map_err(|e| src.serde_error(&e))?;
    validate::build(&src, raw)
}
