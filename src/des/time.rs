//! Virtual time: integer nanoseconds, and the duration strings scenario files use.
//!
//! Owns the `Nanos` type and the exact conversions to and from text (`"150ms"`, `"2s"`,
//! `"-300ms"`). Never reads the wall clock.

/// A point or span of virtual time in nanoseconds.
pub type Nanos = u64;

/// One microsecond in nanoseconds.
pub const MICROS: Nanos = 1_000;
/// One millisecond in nanoseconds.
pub const MILLIS: Nanos = 1_000_000;
/// One second in nanoseconds.
pub const SECS: Nanos = 1_000_000_000;

const UNITS: [(&str, u128); 7] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// The longest duration a scenario or protocol parameter may give: 1,000,000 s (about 11.6
/// days of virtual time). Sums of a few such spans stay far inside `u64` nanoseconds, so
/// the engine's time arithmetic cannot overflow.
pub const MAX_SCENARIO_DURATION: Nanos = 1_000_000 * SECS;

/// [`parse_duration`], refusing durations longer than [`MAX_SCENARIO_DURATION`].
pub fn parse_bounded_duration(text: &str) -> Result<Nanos, String> {
    let d = parse_duration(text)?;
    if d > MAX_SCENARIO_DURATION {
        return Err(format!(
            "`{text}` is too long; expected at most 1000000s (about 11.6 days of virtual time)"
        ));
    }
    Ok(d)
}

/// [`parse_signed_duration`], refusing spans longer than [`MAX_SCENARIO_DURATION`] either way.
pub fn parse_bounded_signed_duration(text: &str) -> Result<i64, String> {
    let d = parse_signed_duration(text)?;
    if d.unsigned_abs() > MAX_SCENARIO_DURATION {
        return Err(format!(
            "`{text}` is too long; expected at most 1000000s either way"
        ));
    }
    Ok(d)
}

/// Parses a non-negative duration such as `"150ms"`, `"2s"`, `"1.5s"`, `"250us"` or `"0"`.
///
/// The fractional part is decimal and exact: `"1.5ms"` is 1,500,000 ns. A value that does
/// not come out as a whole number of nanoseconds, or overflows, is an error.
pub fn parse_duration(text: &str) -> Result<Nanos, String> {
    let t = text.trim();
    if t.starts_with('-') {
        return Err(format!(
            "`{text}` is negative; a duration must be zero or more"
        ));
    }
    let v = parse_magnitude(t).map_err(|e| format!("`{text}` is not a duration: {e}"))?;
    u64::try_from(v).map_err(|_| format!("`{text}` is too long"))
}

/// Parses a signed duration such as `"-300ms"` or `"+2s"` (clock jumps, offsets).
pub fn parse_signed_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (neg, rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = parse_magnitude(rest).map_err(|e| format!("`{text}` is not a duration: {e}"))?;
    let v = i64::try_from(v).map_err(|_| format!("`{text}` is too long"))?;
    Ok(if neg { -v } else { v })
}

fn parse_magnitude(t: &str) -> Result<u128, String> {
    if t == "0" {
        return Ok(0);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .ok_or_else(|| "missing unit (ns, us, ms, s, m or h), e.g. \"150ms\"".to_string())?;
    let (num, unit) = t.split_at(split);
    let scale = UNITS
        .iter()
        .find(|(u, _)| *u == unit)
        .map(|(_, s)| *s)
        .ok_or_else(|| format!("unknown unit `{unit}` (expected ns, us, ms, s, m or h)"))?;
    let num = num.replace('_', "");
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num.as_str(), ""),
    };
    if int.is_empty() && frac.is_empty() {
        return Err("missing number".into());
    }
    let mut value: u128 = 0;
    for c in int.chars() {
        let d = u128::from(c.to_digit(10).ok_or("bad digit")?);
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(d))
            .ok_or("number too large")?;
    }
    value = value.checked_mul(scale).ok_or("number too large")?;
    let mut place = scale;
    for c in frac.chars() {
        let d = u128::from(c.to_digit(10).ok_or("bad digit")?);
        if place % 10 != 0 {
            if d != 0 {
                return Err("finer than one nanosecond".into());
            }
            continue;
        }
        place /= 10;
        value += d * place;
    }
    Ok(value)
}

/// The largest unit (`s`, `ms`, `us`) that `n` reaches, with its size; `None` below 1 us.
fn unit_of(n: Nanos) -> Option<(Nanos, &'static str)> {
    [(SECS, "s"), (MILLIS, "ms"), (MICROS, "us")]
        .into_iter()
        .find(|&(scale, _)| n >= scale)
}

/// Formats nanoseconds compactly and exactly: `1500000` → `"1.5ms"`, `2000000000` → `"2s"`.
pub fn format_duration(n: Nanos) -> String {
    let Some((scale, unit)) = unit_of(n) else {
        return format!("{n}ns");
    };
    let whole = n / scale;
    let frac = n % scale;
    if frac == 0 {
        return format!("{whole}{unit}");
    }
    let digits = scale.ilog10() as usize;
    let s = format!("{frac:0digits$}");
    format!("{whole}.{}{unit}", s.trim_end_matches('0'))
}

/// Formats nanoseconds for people, about two significant digits: `8282844` → `"8.3ms"`,
/// `412555511` → `"413ms"`, `11006829594` → `"11s"`, `0` → `"0"`. Reports use it for
/// latencies and times; JSON keeps the exact nanoseconds.
pub fn format_approx(n: Nanos) -> String {
    if n == 0 {
        return "0".into();
    }
    let Some((scale, unit)) = unit_of(n) else {
        return format!("{n}ns");
    };
    let v = n as f64 / scale as f64;
    if v < 9.95 {
        format!("{v:.1}{unit}")
    } else {
        format!("{v:.0}{unit}")
    }
}

/// Formats an instant of virtual time as seconds with millisecond precision, for timelines:
/// `623866899` → `"0.624s"`, `6000000000` → `"6.000s"`.
pub fn format_instant(n: Nanos) -> String {
    let ms = (n + MILLIS / 2) / MILLIS;
    format!("{}.{:03}s", ms / 1000, ms % 1000)
}

/// Formats a signed span, e.g. a clock jump of `-300ms`.
pub fn format_signed(n: i64) -> String {
    if n < 0 {
        format!("-{}", format_duration(n.unsigned_abs()))
    } else {
        format!("+{}", format_duration(n as u64))
    }
}

#[cfg(test)]
mod approx_tests {
    use super::*;

    #[test]
    fn approximate_durations_read_like_the_guide() {
        assert_eq!(format_approx(8_282_844), "8.3ms");
        assert_eq!(format_approx(8_013_247), "8.0ms");
        assert_eq!(format_approx(412_555_511), "413ms");
        assert_eq!(format_approx(11_006_829_594), "11s");
        assert_eq!(format_approx(9_960_000), "10ms");
        assert_eq!(format_approx(340_000), "340us");
        assert_eq!(format_approx(17), "17ns");
        assert_eq!(format_approx(0), "0");
        assert_eq!(format_instant(623_866_899), "0.624s");
        assert_eq!(format_instant(6 * SECS), "6.000s");
        assert_eq!(format_instant(999_600_000), "1.000s");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_fractions_exactly() {
        assert_eq!(parse_duration("150ms"), Ok(150 * MILLIS));
        assert_eq!(parse_duration("2s"), Ok(2 * SECS));
        assert_eq!(parse_duration("1.5ms"), Ok(1_500_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("10us"), Ok(10_000));
        assert_eq!(parse_duration("1_000ns"), Ok(1000));
        assert_eq!(parse_duration("2m"), Ok(120 * SECS));
        assert_eq!(parse_signed_duration("-300ms"), Ok(-300_000_000));
        assert_eq!(parse_signed_duration("+1s"), Ok(1_000_000_000));
    }

    #[test]
    fn rejects_bad_durations() {
        assert!(parse_duration("-5ms").unwrap_err().contains("negative"));
        assert!(parse_duration("5").unwrap_err().contains("missing unit"));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("1.0000000001s").is_err());
        assert!(parse_duration("ms").is_err());
        assert!(parse_duration("99999999999999999999h").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for n in [
            0,
            7,
            1_000,
            1_500_000,
            2 * SECS,
            2_250 * MILLIS,
            123_456_789,
        ] {
            assert_eq!(parse_duration(&format_duration(n)), Ok(n), "{n}");
        }
        assert_eq!(format_duration(1_500_000), "1.5ms");
        assert_eq!(format_signed(-300_000_000), "-300ms");
    }
}
