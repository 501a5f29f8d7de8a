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
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Io {
        file: file.clone(),
        source,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => parse_str(&text, &file),
        Err(e) => {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
            let col = 1 + good.iter().rev().take_while(|&&b| b != b'\n').count();
            Err(ScenarioError::Syntax {
                file,
                line,
                col,
                message: "invalid UTF-8; expected a text file in UTF-8".into(),
            })
        }
    }
}

/// Most errors reported for one file.
pub const MAX_ERRORS: usize = 5;

/// Parses and validates scenario `text`; `path` names it in errors, is stored as
/// [`Scenario::path`], and its file stem is the default [`Scenario::name`].
///
/// When the file has several mistakes, up to [`MAX_ERRORS`] are reported together (as
/// [`ScenarioError::Several`]): after each error in a `key = value` entry that stands on its
/// own lines, the entry is set aside and the file read again. A syntax error, a missing key
/// (most likely a misspelt one, already reported as unknown), or an error that setting an
/// entry aside caused ends the list.
pub fn parse_str(text: &str, path: &str) -> Result<Scenario, ScenarioError> {
    let mut errors: Vec<ScenarioError> = Vec::new();
    let mut text = text.to_string();
    let mut set_aside: Vec<String> = Vec::new();
    loop {
        let (error, entry) = match parse_once(&text, path) {
            Ok(scenario) if errors.is_empty() => return Ok(scenario),
            Ok(_) => break,
            Err(found) => found,
        };
        // An error about an entry set aside, or about what holds it, is its echo.
        let knock_on = error.key().is_some_and(|k| {
            set_aside.iter().any(|s| {
                k == s || s.starts_with(&format!("{k}.")) || s.starts_with(&format!("{k}["))
            })
        });
        // After a first error, a syntax error or a missing key is most likely its echo (a
        // misspelt key is also a missing one): stop there.
        let echo = matches!(error, ScenarioError::Syntax { .. })
            || error.to_string().contains(": missing required key");
        if knock_on || (!errors.is_empty() && echo) {
            break;
        }
        let key = error.key().map(str::to_string);
        errors.push(error);
        match (entry, key) {
            (Some(range), Some(key)) if errors.len() < MAX_ERRORS => {
                let blank: String = text[range.clone()]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' })
                    .collect();
                text.replace_range(range, &blank);
                set_aside.push(key);
            }
            _ => break,
        }
    }
    Err(if errors.len() == 1 {
        errors.remove(0)
    } else {
        ScenarioError::Several(errors)
    })
}

/// One attempt: the scenario, or the first error with the range of its entry when that entry
/// stands on lines of its own.
fn parse_once(
    text: &str,
    path: &str,
) -> Result<Scenario, (ScenarioError, Option<std::ops::Range<usize>>)> {
    let src = source::Source::parse(text, path).map_err(|e| (e, None))?;
    let located = |e: ScenarioError| {
        let entry = match &e {
            ScenarioError::Invalid { key, .. } => {
                source::KeyPath::parse(key).and_then(|p| src.own_lines_entry(&p))
            }
            _ => None,
        };
        (e, entry)
    };
    faults::check_fault_keys(&src).map_err(located)?;
    let raw: raw::RawScenario =
        toml::from_str(src.text()).map_err(|e| located(src.serde_error(&e)))?;
    validate::build(&src, raw).map_err(located)
}
