//! Value types the raw scenario structs deserialize into: durations, probabilities, ranges
//! of durations and the node list. Each checks itself inside its serde visitor, so a bad
//! value's error carries the value's span and the parser can name its key and line.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

use crate::sim::rng::Probability;
use crate::sim::time::{format_duration, parse_duration, parse_signed_duration, Nanos};

/// Most nodes (and clients) a scenario may have.
pub(crate) const MAX_NODES: usize = 10_000;

/// Target words that cannot be node names.
pub(crate) const RESERVED_TARGETS: [&str; 3] = ["leader", "random", "minority"];

/// A visitor that accepts only a string and parses it.
struct ParseStr<T> {
    expecting: &'static str,
    parse: fn(&str) -> Result<T, String>,
}

impl<T> Visitor<'_> for ParseStr<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        (self.parse)(v).map_err(E::custom)
    }
}

const DURATION: &str = "a duration string such as \"150ms\" or \"2s\"";

/// A non-negative duration string (`"150ms"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Dur(pub Nanos);

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParseStr {
            expecting: DURATION,
            parse: |s| parse_duration(s).map(Dur),
        })
    }
}

/// A signed duration string (`"-300ms"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SignedDur(pub i64);

impl<'de> Deserialize<'de> for SignedDur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParseStr {
            expecting: "a signed duration string such as \"-300ms\" or \"+2s\"",
            parse: |s| parse_signed_duration(s).map(SignedDur),
        })
    }
}

/// A probability: an integer or float in `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Prob(pub Probability);

struct ProbVisitor;

impl Visitor<'_> for ProbVisitor {
    type Value = Prob;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a probability between 0 and 1")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Prob, E> {
        Probability::new(v).map(Prob).ok_or_else(|| {
            E::custom(format!(
                "{v} is out of range; expected a probability between 0 and 1"
            ))
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Prob, E> {
        match v {
            0 | 1 => self.visit_f64(v as f64),
            _ => Err(E::custom(format!(
                "{v} is out of range; expected a probability between 0 and 1"
            ))),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Prob, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }
}

impl<'de> Deserialize<'de> for Prob {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ProbVisitor)
    }
}

/// A range of durations: one duration (`"1s"`, meaning exactly that) or `["1s", "3s"]`,
/// with `0 < min <= max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DurRange(pub Nanos, pub Nanos);

struct RangeVisitor;

impl RangeVisitor {
    fn check<E: de::Error>(min: Nanos, max: Nanos) -> Result<DurRange, E> {
        if min == 0 {
            return Err(E::custom(
                "the minimum is zero; expected a duration above 0",
            ));
        }
        if min > max {
            return Err(E::custom(format!(
                "min {} is above max {}; expected [min, max] with min <= max",
                format_duration(min),
                format_duration(max)
            )));
        }
        Ok(DurRange(min, max))
    }
}

impl<'de> Visitor<'de> for RangeVisitor {
    type Value = DurRange;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a duration such as \"1s\" or a list [min, max] such as [\"1s\", \"3s\"]")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<DurRange, E> {
        let d = parse_duration(v).map_err(E::custom)?;
        Self::check(d, d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DurRange, A::Error> {
        let mut items = Vec::new();
        while let Some(Dur(d)) = seq.next_element()? {
            items.push(d);
            if items.len() > 2 {
                break;
            }
        }
        match items[..] {
            [min, max] => Self::check(min, max),
            _ => Err(de::Error::custom(format!(
                "{} given; expected a list of exactly two durations [min, max]",
                match items.len() {
                    0 => "no durations",
                    1 => "one duration",
                    _ => "more than two durations",
                }
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for DurRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RangeVisitor)
    }
}

/// `cluster.nodes`: a count `N` (names `n1..nN`) or a list of unique names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NodeNames(pub Vec<String>);

struct NodesVisitor;

const NODES: &str = "a node count such as 3 or a list of names such as [\"a\", \"b\", \"c\"]";

impl<'de> Visitor<'de> for NodesVisitor {
    type Value = NodeNames;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(NODES)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<NodeNames, E> {
        if v < 1 {
            return Err(E::custom(format!(
                "{v} nodes; expected at least 1 (a count such as 3, or a list of names)"
            )));
        }
        if v as u64 > MAX_NODES as u64 {
            return Err(E::custom(format!(
                "{v} nodes is too many; expected at most {MAX_NODES}"
            )));
        }
        Ok(NodeNames((1..=v).map(|i| format!("n{i}")).collect()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<NodeNames, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeNames, A::Error> {
        let mut names: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        while let Some(name) = seq.next_element::<String>()? {
            if name.trim().is_empty() {
                return Err(de::Error::custom(
                    "a node name is empty; expected non-empty names",
                ));
            }
            if RESERVED_TARGETS.contains(&name.as_str()) {
                return Err(de::Error::custom(format!(
                    "`{name}` is reserved for fault targets; expected a node name other than \
                     leader, random or minority"
                )));
            }
            if !seen.insert(name.clone()) {
                return Err(de::Error::custom(format!(
                    "node `{name}` is listed twice; expected unique names"
                )));
            }
            if names.len() == MAX_NODES {
                return Err(de::Error::custom(format!(
                    "too many nodes; expected at most {MAX_NODES}"
                )));
            }
            names.push(name);
        }
        if names.is_empty() {
            return Err(de::Error::custom(
                "the list is empty; expected at least one node name (or a count such as 3)",
            ));
        }
        Ok(NodeNames(names))
    }
}

impl<'de> Deserialize<'de> for NodeNames {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct T<V> {
        v: V,
    }

    fn get<V: for<'de> Deserialize<'de>>(text: &str) -> Result<V, String> {
        toml::from_str::<T<V>>(&format!("v = {text}"))
            .map(|t| t.v)
            .map_err(|e| e.message().to_string())
    }

    #[test]
    fn durations() {
        assert_eq!(get::<Dur>("\"150ms\""), Ok(Dur(150_000_000)));
        assert!(get::<Dur>("\"-5ms\"").unwrap_err().contains("negative"));
        assert!(get::<Dur>("5").unwrap_err().contains("duration string"));
        assert_eq!(get::<SignedDur>("\"-1s\""), Ok(SignedDur(-1_000_000_000)));
    }

    #[test]
    fn probabilities() {
        assert_eq!(get::<Prob>("0.25").unwrap().0.value, 0.25);
        assert_eq!(get::<Prob>("1").unwrap().0.value, 1.0);
        assert!(get::<Prob>("1.5").unwrap_err().contains("between 0 and 1"));
        assert!(get::<Prob>("-1").unwrap_err().contains("between 0 and 1"));
        assert!(get::<Prob>("nan").unwrap_err().contains("between 0 and 1"));
        assert!(get::<Prob>("\"x\"").unwrap_err().contains("probability"));
    }

    #[test]
    fn ranges() {
        assert_eq!(
            get::<DurRange>("\"1s\""),
            Ok(DurRange(1_000_000_000, 1_000_000_000))
        );
        assert_eq!(get::<DurRange>("[\"1ns\", \"2ns\"]"), Ok(DurRange(1, 2)));
        assert!(get::<DurRange>("[\"2s\", \"1s\"]")
            .unwrap_err()
            .contains("min <= max"));
        assert!(get::<DurRange>("[\"0\", \"1s\"]")
            .unwrap_err()
            .contains("zero"));
        assert!(get::<DurRange>("[\"1s\"]")
            .unwrap_err()
            .contains("exactly two"));
        assert!(get::<DurRange>("[\"1s\", \"2s\", \"3s\"]").is_err());
    }

    #[test]
    fn nodes() {
        assert_eq!(get::<NodeNames>("2").unwrap().0, vec!["n1", "n2"]);
        assert_eq!(get::<NodeNames>("[\"a\"]").unwrap().0, vec!["a"]);
        assert!(get::<NodeNames>("0").unwrap_err().contains("at least 1"));
        assert!(get::<NodeNames>("10001").unwrap_err().contains("at most"));
        assert!(get::<NodeNames>("[]").unwrap_err().contains("empty"));
        assert!(get::<NodeNames>("[\"a\", \"a\"]")
            .unwrap_err()
            .contains("twice"));
        assert!(get::<NodeNames>("[\"\"]").unwrap_err().contains("empty"));
        assert!(get::<NodeNames>("[\"leader\"]")
            .unwrap_err()
            .contains("reserved"));
    }
}
