//! Serde helpers shared by the protocols' `[cluster.params]` structs: durations written as
//! strings (`"50ms"`, `"1.5s"`), refused when zero, negative or malformed with a message
//! that says what is wrong.

use crate::des::time::{parse_bounded_duration as parse_duration, Nanos};
use serde::de::{self, Deserializer, Visitor};
use std::fmt;

struct DurationVisitor;

impl Visitor<'_> for DurationVisitor {
    type Value = Nanos;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a positive duration string such as \"50ms\"")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Nanos, E> {
        match parse_duration(text) {
            Ok(0) => Err(E::custom(format!("`{text}` must be longer than zero"))),
            Ok(n) => Ok(n),
            Err(e) => Err(E::custom(e)),
        }
    }
}

/// Reads a duration string such as `"50ms"`; zero, negative and malformed values are
/// serde errors that say what is wrong.
pub(crate) fn positive_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Nanos, D::Error> {
    d.deserialize_str(DurationVisitor)
}
