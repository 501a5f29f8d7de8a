//! Serde helpers shared by the protocols' `[cluster.params]` structs: durations written as
//! strings (`"50ms"`, `"1.5s"`), refused when zero, negative or malformed with a message
//! that says what is wrong; the failure detectors' tuning (phi threshold, window) and the
//! choice of a detector or none.

use crate::des::time::{parse_bounded_duration as parse_duration, Nanos};
use crate::des::words::WordVisitor;
use crate::protocol::detector::DetectorKind;
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

/// The words of [`detector_or_none`]: `"none"`, then every [`DetectorKind`].
pub(crate) const DETECTOR_OR_NONE: &[&str] = &["none", "fixed", "heartbeat", "phi"];

/// Reads `"none"` (no failure detector: `None`) or a detector's word (`"fixed"`,
/// `"heartbeat"`, `"phi"`); anything else is an error listing the four.
pub(crate) fn detector_or_none<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DetectorKind>, D::Error> {
    let visitor = WordVisitor {
        words: DETECTOR_OR_NONE,
    };
    let i = d.deserialize_any(visitor)?;
    Ok(i.checked_sub(1).map(|k| DetectorKind::ALL[k]))
}

/// The `[cluster.params]` documentation lines of the adaptive detectors' tuning (defaults
/// 100 ms, 8.0, 20 ms, 100), for protocols that watch peers by the messages they send.
macro_rules! detector_tuning_doc {
    () => {
        "detector_margin = \"100ms\"  # heartbeat detector: the safety margin past the expected message
phi_threshold = 8.0  # phi detector: the suspicion level at which a peer is suspected
phi_min_std = \"20ms\"  # phi detector: the smallest standard deviation of intervals assumed
detector_window = 100  # heartbeat and phi detectors: how many recent intervals they keep"
    };
}
pub(crate) use detector_tuning_doc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_comes_first_then_every_detector_in_order() {
        assert_eq!(&DETECTOR_OR_NONE[1..], DetectorKind::WORDS);
        let read = |text: &str| {
            detector_or_none(
                serde::de::value::StrDeserializer::<serde::de::value::Error>::new(text),
            )
        };
        assert_eq!(read("none").unwrap(), None);
        assert_eq!(read("phi").unwrap(), Some(DetectorKind::Phi));
        let e = read("swim").unwrap_err().to_string();
        assert!(
            e.contains("\"none\", \"fixed\", \"heartbeat\", \"phi\""),
            "{e}"
        );
    }
}
