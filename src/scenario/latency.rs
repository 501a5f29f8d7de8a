//! Latency values: a duration string (constant delay) or an inline table naming a
//! distribution and its parameters, e.g. `{ dist = "uniform", min = "1ms", max = "10ms" }`.
//! Checked inside the serde visitor, so errors carry the value's span.

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::model::Latency;
use super::values::Dur;
use crate::des::time::{format_duration, parse_bounded_duration as parse_duration, Nanos};

/// A checked [`Latency`] as deserialized from a scenario.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Lat(pub Latency);

/// The inline-table form, before checking which keys apply to `dist`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLatency {
    dist: String,
    value: Option<Dur>,
    min: Option<Dur>,
    max: Option<Dur>,
    mean: Option<Dur>,
    stddev: Option<Dur>,
    scale: Option<Dur>,
    shape: Option<f64>,
    cap: Option<Dur>,
}

/// Each distribution with its required and optional keys (besides `dist`).
const DISTS: [(&str, &[&str], &[&str]); 5] = [
    ("constant", &["value"], &[]),
    ("uniform", &["min", "max"], &[]),
    ("normal", &["mean", "stddev"], &[]),
    ("exponential", &["mean"], &[]),
    ("pareto", &["scale", "shape"], &["cap"]),
];

impl RawLatency {
    /// The keys present, in declaration order.
    fn present(&self) -> Vec<&'static str> {
        let flags = [
            ("value", self.value.is_some()),
            ("min", self.min.is_some()),
            ("max", self.max.is_some()),
            ("mean", self.mean.is_some()),
            ("stddev", self.stddev.is_some()),
            ("scale", self.scale.is_some()),
            ("shape", self.shape.is_some()),
            ("cap", self.cap.is_some()),
        ];
        flags.iter().filter(|f| f.1).map(|f| f.0).collect()
    }

    fn check(self) -> Result<Latency, String> {
        let dist = self.dist.as_str();
        let Some((_, required, optional)) = DISTS.iter().find(|d| d.0 == dist) else {
            let names: Vec<_> = DISTS.iter().map(|d| format!("\"{}\"", d.0)).collect();
            return Err(format!(
                "unknown dist `{dist}`; expected one of {}",
                names.join(", ")
            ));
        };
        let allowed = || {
            let mut keys: Vec<_> = required.iter().map(|k| format!("`{k}`")).collect();
            keys.extend(optional.iter().map(|k| format!("optional `{k}`")));
            keys.join(", ")
        };
        for key in self.present() {
            if !required.contains(&key) && !optional.contains(&key) {
                return Err(format!(
                    "key `{key}` does not apply to dist = \"{dist}\"; expected {}",
                    allowed()
                ));
            }
        }
        let need = |v: Option<Dur>, key: &str| {
            v.map(|d| d.0).ok_or_else(|| {
                format!(
                    "dist = \"{dist}\" is missing `{key}`; expected {}",
                    allowed()
                )
            })
        };
        Ok(match dist {
            "constant" => Latency::Constant(need(self.value, "value")?),
            "uniform" => {
                let (min, max) = (need(self.min, "min")?, need(self.max, "max")?);
                if min > max {
                    return Err(format!(
                        "min {} is above max {}; expected min <= max",
                        format_duration(min),
                        format_duration(max)
                    ));
                }
                Latency::Uniform { min, max }
            }
            "normal" => Latency::Normal {
                mean: need(self.mean, "mean")?,
                stddev: need(self.stddev, "stddev")?,
            },
            "exponential" => {
                let mean = need(self.mean, "mean")?;
                if mean == 0 {
                    return Err("mean is zero; expected a mean above 0".into());
                }
                Latency::Exponential { mean }
            }
            _ => pareto(need(self.scale, "scale")?, self.shape, self.cap)?,
        })
    }
}

fn pareto(scale: Nanos, shape: Option<f64>, cap: Option<Dur>) -> Result<Latency, String> {
    let shape = shape
        .ok_or("dist = \"pareto\" is missing `shape`; expected `scale`, `shape`, optional `cap`")?;
    if scale == 0 {
        return Err("scale is zero; expected a scale above 0".into());
    }
    if !(shape.is_finite() && shape > 0.0) {
        return Err(format!(
            "shape {shape} is invalid; expected a finite number above 0"
        ));
    }
    let cap = match cap {
        Some(Dur(c)) => c,
        None => scale
            .checked_mul(1000)
            .ok_or("scale is too large for the default cap of 1000 × scale; expected a smaller scale or an explicit cap")?,
    };
    if cap < scale {
        return Err(format!(
            "cap {} is below scale {}; expected cap >= scale",
            format_duration(cap),
            format_duration(scale)
        ));
    }
    Ok(Latency::Pareto { scale, shape, cap })
}

struct LatVisitor;

impl<'de> Visitor<'de> for LatVisitor {
    type Value = Lat;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a duration such as \"5ms\" or a table such as \
             { dist = \"uniform\", min = \"1ms\", max = \"10ms\" }",
        )
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Lat, E> {
        parse_duration(v)
            .map(|d| Lat(Latency::Constant(d)))
            .map_err(E::custom)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lat, A::Error> {
        let raw = RawLatency::deserialize(MapAccessDeserializer::new(map))?;
        raw.check().map(Lat).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Lat {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(LatVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T {
        v: Lat,
    }

    fn get(text: &str) -> Result<Latency, String> {
        toml::from_str::<T>(&format!("v = {text}"))
            .map(|t| t.v.0)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn every_distribution() {
        assert_eq!(get("\"5ms\""), Ok(Latency::Constant(5_000_000)));
        assert_eq!(
            get("{ dist = \"constant\", value = \"2us\" }"),
            Ok(Latency::Constant(2_000))
        );
        assert_eq!(
            get("{ dist = \"uniform\", min = \"1ns\", max = \"3ns\" }"),
            Ok(Latency::Uniform { min: 1, max: 3 })
        );
        assert_eq!(
            get("{ dist = \"normal\", mean = \"5ns\", stddev = \"1ns\" }"),
            Ok(Latency::Normal { mean: 5, stddev: 1 })
        );
        assert_eq!(
            get("{ dist = \"exponential\", mean = \"5ns\" }"),
            Ok(Latency::Exponential { mean: 5 })
        );
        assert_eq!(
            get("{ dist = \"pareto\", scale = \"1ms\", shape = 1.5 }"),
            Ok(Latency::Pareto {
                scale: 1_000_000,
                shape: 1.5,
                cap: 1_000_000_000
            })
        );
        assert_eq!(
            get("{ dist = \"pareto\", scale = \"1ns\", shape = 2, cap = \"5ns\" }"),
            Ok(Latency::Pareto {
                scale: 1,
                shape: 2.0,
                cap: 5
            })
        );
    }

    #[test]
    fn bad_parameters() {
        let e = get("{ dist = \"uniform\", min = \"10ms\", max = \"1ms\" }").unwrap_err();
        assert!(e.contains("min <= max"), "{e}");
        let e = get("{ dist = \"uniform\", value = \"1ms\" }").unwrap_err();
        assert!(e.contains("does not apply"), "{e}");
        let e = get("{ dist = \"uniform\", min = \"1ms\" }").unwrap_err();
        assert!(e.contains("missing `max`"), "{e}");
        let e = get("{ dist = \"gamma\" }").unwrap_err();
        assert!(e.contains("unknown dist"), "{e}");
        let e = get("{ dist = \"exponential\", mean = \"0\" }").unwrap_err();
        assert!(e.contains("above 0"), "{e}");
        let e = get("{ dist = \"pareto\", scale = \"1ms\", shape = -1.0 }").unwrap_err();
        assert!(e.contains("finite number above 0"), "{e}");
        let e = get("{ dist = \"pareto\", scale = \"1ms\", shape = 1.0, cap = \"1us\" }");
        assert!(e.unwrap_err().contains("cap >= scale"));
        let e = get("{ dist = \"pareto\", scale = \"0\", shape = 1.0 }").unwrap_err();
        assert!(e.contains("scale is zero"), "{e}");
        let e = get("{ dist = \"pareto\", scale = \"1ms\" }").unwrap_err();
        assert!(e.contains("missing `shape`"), "{e}");
        let e = get("{ dist = \"normal\", mean = \"1ms\", stdev = \"1ms\" }").unwrap_err();
        assert!(e.contains("unknown field `stdev`"), "{e}");
        assert!(get("3").unwrap_err().contains("duration such as"));
    }
}
