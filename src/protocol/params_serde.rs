//! Serde helpers shared by the protocols' `[cluster.params]` structs: durations written as
//! strings (`"50ms"`, `"1.5s"`), refused when zero, negative or malformed with a message
//! that says what is wrong.

use crate::des::time::{parse_bounded_duration as parse_duration, Nanos};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
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

/// Reads a phi threshold: a finite number above zero.
pub(crate) fn positive_level<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if !(v.is_finite() && v > 0.0) {
        return Err(de::Error::custom(format!(
            "phi_threshold = {v} must be a number above 0 (8 is usual)"
        )));
    }
    Ok(v)
}

/// Reads a detector window: from 1 to 10,000 intervals.
pub(crate) fn window_size<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if !(1..=10_000).contains(&v) {
        return Err(de::Error::custom(format!(
            "detector_window = {v} must be from 1 to 10000"
        )));
    }
    Ok(v)
}
