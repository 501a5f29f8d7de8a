//! Scenario files: the TOML format of DESIGN §4, parsed with serde (unknown keys refused) and
//! validated into a [`Scenario`] the engine can trust. Every error names the file, the key
//! path and the line, and says what was expected.

mod model;

pub use model::*;
