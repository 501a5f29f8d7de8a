//! Value types the raw scenario structs deserialize into: durations, probabilities, ranges
//! of durations and the node list. Each checks itself inside its serde visitor, so a bad
//! value's error carries the value's span and the parser can name its key and line.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};

use crate::des::rng::Probability;
use crate::des::time::{
    format_duration, parse_bounded_duration as parse_duration,
    parse_bounded_signed_duration as parse_signed_duration, Nanos,
};

/// Most nodes (and clients) a scenario may have.
pub(crate) const MAX_NODES: usize = 10_000;

/// Target words that cannot be node names.
pub(crate) const RESERVED_TARGETS: [&str; 6] = [
    "leader",
    "random",
    "minority",
    "majority",
    "all",
    "leader-minority",
];

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

/// `n` with thousands separators: `10000` → `10,000`.
pub(crate) fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// A whole number in `[MIN, MAX]`: counts, weights, parts per million. Its errors say "a whole
/// number from 1 to 10,000", never a Rust type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Whole<const MIN: i64, const MAX: i64>(pub i64);

struct WholeVisitor<const MIN: i64, const MAX: i64>;

impl<const MIN: i64, const MAX: i64> Visitor<'_> for WholeVisitor<MIN, MAX> {
    type Value = Whole<MIN, MAX>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a whole number from {} to {}",
            grouped(MIN),
            grouped(MAX)
        )
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        if (MIN..=MAX).contains(&v) {
            return Ok(Whole(v));
        }
        Err(E::custom(format!(
            "{} is out of range; expected a whole number from {} to {}",
            grouped(v),
            grouped(MIN),
            grouped(MAX)
        )))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.visit_i64(i64::try_from(v).unwrap_or(i64::MAX))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!(
            "{v} is not a whole number; expected a whole number from {} to {}",
            grouped(MIN),
            grouped(MAX)
        )))
    }
}

impl<'de, const MIN: i64, const MAX: i64> Deserialize<'de> for Whole<MIN, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WholeVisitor::<MIN, MAX>)
    }
}

impl<const MIN: i64, const MAX: i64> Whole<MIN, MAX> {
    /// The value as an unsigned count (`MIN` is never negative where this is used).
    pub(crate) fn count(self) -> u64 {
        u64::try_from(self.0).unwrap_or(0)
    }
}

/// A positive finite number, at most `max`, described in errors as `what` with an example.
struct PositiveVisitor {
    what: &'static str,
    example: &'static str,
    max: i64,
}

impl Visitor<'_> for PositiveVisitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} above 0 and at most {}, such as {}",
            self.what,
            grouped(self.max),
            self.example
        )
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        if v.is_finite() && v > 0.0 && v <= self.max as f64 {
            return Ok(v);
        }
        Err(E::custom(format!("{v} is out of range; expected {self}")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        self.visit_f64(v as f64)
    }
}

/// A client's rate in operations per second (above 0, at most 1,000,000).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rate(pub f64);

impl fmt::Display for PositiveVisitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expecting(f)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PositiveVisitor {
            what: "a rate in operations per second",
            example: "50",
            max: 1_000_000,
        })
        .map(Rate)
    }
}

/// A shape parameter or exponent: a number above 0, at most 1,000.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Exponent(pub f64);

impl<'de> Deserialize<'de> for Exponent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(PositiveVisitor {
            what: "a number",
            example: "1.2",
            max: 1_000,
        })
        .map(Exponent)
    }
}

/// An amount of memory: `"512MiB"`, `"1GiB"`, `"2GB"` (from 1 MiB to 1 TiB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bytes(pub u64);

const BYTE_UNITS: [(&str, u64); 7] = [
    ("B", 1),
    ("KB", 1_000),
    ("KiB", 1 << 10),
    ("MB", 1_000_000),
    ("MiB", 1 << 20),
    ("GB", 1_000_000_000),
    ("GiB", 1 << 30),
];

fn parse_bytes(text: &str) -> Result<Bytes, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let want =
        "expected a size such as \"512MiB\" or \"2GiB\" (units B, KB, KiB, MB, MiB, GB, GiB)";
    let scale = BYTE_UNITS
        .iter()
        .find(|(u, _)| *u == unit.trim())
        .map(|(_, s)| *s)
        .ok_or_else(|| format!("`{text}` is not a size; {want}"))?;
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a size; {want}"))?;
    let bytes = n.saturating_mul(scale);
    if !(1 << 20..=1 << 40).contains(&bytes) {
        return Err(format!(
            "`{text}` is out of range; expected a size from 1MiB to 1024GiB"
        ));
    }
    Ok(Bytes(bytes))
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ParseStr {
            expecting: "a size such as \"512MiB\" or \"2GiB\"",
            parse: parse_bytes,
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
                     leader, random, minority, majority or all"
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
    fn wholes_positives_and_sizes_speak_plainly() {
        assert_eq!(get::<Whole<1, 10_000>>("7"), Ok(Whole(7)));
        let e = get::<Whole<1, 10_000>>("0").unwrap_err();
        assert!(e.contains("from 1 to 10,000"), "{e}");
        let e = get::<Whole<1, 10_000>>("\"x\"").unwrap_err();
        assert!(e.contains("a whole number from 1 to 10,000"), "{e}");
        assert!(get::<Whole<0, 5>>("1.5")
            .unwrap_err()
            .contains("not a whole number"));
        assert_eq!(get::<Rate>("2").map(|p| p.0), Ok(2.0));
        assert!(get::<Rate>("0")
            .unwrap_err()
            .contains("operations per second"));
        assert!(get::<Exponent>("inf").is_err());
        assert!(get::<Rate>("\"fast\"")
            .unwrap_err()
            .contains("operations per second"));
        assert_eq!(get::<Bytes>("\"2GiB\""), Ok(Bytes(2 << 30)));
        assert_eq!(get::<Bytes>("\"512MB\""), Ok(Bytes(512_000_000)));
        assert!(get::<Bytes>("\"12\"").unwrap_err().contains("not a size"));
        assert!(get::<Bytes>("\"1KiB\"")
            .unwrap_err()
            .contains("out of range"));
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(grouped(999), "999");
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
