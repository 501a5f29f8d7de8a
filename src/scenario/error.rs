//! The scenario error type. Its `Display` is always one line, in the shape editors and
//! terminals recognise: `file:line: key.path: what was wrong; what was expected`.

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The path as given.
        file: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The text is not valid TOML.
    #[error("{file}:{line}:{col}: TOML syntax: {message}")]
    Syntax {
        /// The path as given.
        file: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column (in characters) of the error.
        col: usize,
        /// What the TOML parser expected.
        message: String,
    },
    /// Valid TOML that is not a valid scenario: unknown key, wrong type, out-of-range value,
    /// unknown node name, inconsistent settings.
    #[error("{file}:{line}: {key}: {message}")]
    Invalid {
        /// The path as given.
        file: String,
        /// 1-based line of the offending key or value.
        line: usize,
        /// Dotted key path, e.g. `faults[2].target` or `network.loss`.
        key: String,
        /// What was wrong and what was expected.
        message: String,
    },
    /// Several mistakes in one file (at most [`super::MAX_ERRORS`]), in the order found; each
    /// is one line of the `Display`.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ScenarioError>),
}

impl ScenarioError {
    /// The 1-based line the error points at, if it points into the file.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScenarioError::Io { .. } => None,
            ScenarioError::Syntax { line, .. } | ScenarioError::Invalid { line, .. } => Some(*line),
            ScenarioError::Several(all) => all.first().and_then(ScenarioError::line),
        }
    }

    /// The key path of an [`ScenarioError::Invalid`] error (of the first, for several).
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { key, .. } => Some(key),
            ScenarioError::Several(all) => all.first().and_then(ScenarioError::key),
            _ => None,
        }
    }

    /// Each error on its own (one for all but [`ScenarioError::Several`]).
    pub fn each(&self) -> Vec<&ScenarioError> {
        match self {
            ScenarioError::Several(all) => all.iter().collect(),
            one => vec![one],
        }
    }
}

/// Collapses any line breaks (and the indentation after them) into single spaces, so that
/// messages from other crates keep the error on one line.
pub(crate) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, part) in text.trim().lines().enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        if i > 0 && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Rewrites a deserializer's message in plain words: `invalid type: string "x", expected
/// u32` becomes `"x" is text; expected a whole number from 0 to 4,294,967,295`. Rust type
/// names and serde's vocabulary never reach the user.
pub(crate) fn plain_words(msg: &str) -> String {
    let msg = one_line(msg);
    let (found, expected) = match msg.split_once(", expected ") {
        Some((f, e)) => (f, Some(e)),
        None => match msg.split_once("; expected ") {
            Some((f, e)) => (f, Some(e)),
            None => (msg.as_str(), None),
        },
    };
    let found = plain_found(found);
    match expected {
        Some(e) => format!("{found}; expected {}", plain_expected(e)),
        None => found,
    }
}

/// `invalid type: string "x"` → `"x" is text`, and so on.
fn plain_found(found: &str) -> String {
    let inner = |text: &str, prefix: &str| {
        text.strip_prefix(prefix)
            .map(|v| v.trim_matches('`').to_string())
    };
    if let Some(rest) = found.strip_prefix("invalid type: ") {
        if let Some(v) = rest.strip_prefix("string ") {
            return format!("{v} is text");
        }
        for (prefix, what) in [
            ("integer ", "a whole number"),
            ("floating point ", "a fractional number"),
            ("boolean ", "true or false"),
        ] {
            if let Some(v) = inner(rest, prefix) {
                return format!("{v} is {what}");
            }
        }
        return match rest {
            "sequence" => "a list was given".into(),
            "map" => "a table was given".into(),
            other => format!("{other} was given"),
        };
    }
    if let Some(rest) = found.strip_prefix("invalid value: ") {
        for prefix in ["integer ", "floating point ", "string "] {
            if let Some(v) = inner(rest, prefix) {
                return format!("{v} is out of range");
            }
        }
    }
    if let Some(n) = found.strip_prefix("invalid length ") {
        return format!("{n} items were given");
    }
    if let Some(rest) = found.strip_prefix("unknown variant ") {
        return format!("unknown value {rest}");
    }
    if let Some(rest) = found.strip_prefix("unknown field ") {
        return format!("unknown key {rest}");
    }
    if found == "wanted string or table" {
        return "a word in quotes is needed here".into();
    }
    found.to_string()
}

/// `u32` → `a whole number from 0 to 4,294,967,295`, `a boolean` → `true or false`, …
fn plain_expected(expected: &str) -> String {
    let plain = match expected {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65,535",
        "u32" => "a whole number from 0 to 4,294,967,295",
        "u64" | "usize" | "u128" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "isize" | "i128" => "a whole number",
        "f32" | "f64" => "a number",
        "a boolean" => "true or false",
        "a string" => "text in quotes",
        "a sequence" => "a list [...]",
        "a map" => "a table",
        "a character" | "char" => "one character in quotes",
        other => return other.to_string(),
    };
    plain.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_words_become_plain_words() {
        assert_eq!(
            plain_words("invalid type: string \"x\", expected u32"),
            "\"x\" is text; expected a whole number from 0 to 4,294,967,295"
        );
        assert_eq!(
            plain_words("invalid value: integer `-1`, expected u64"),
            "-1 is out of range; expected a whole number, 0 or more"
        );
        assert_eq!(
            plain_words("invalid type: string \"yes\", expected a boolean"),
            "\"yes\" is text; expected true or false"
        );
        assert_eq!(
            plain_words("invalid type: integer `5`, expected a string"),
            "5 is a whole number; expected text in quotes"
        );
        assert_eq!(
            plain_words("invalid type: floating point `1.5`; expected f64"),
            "1.5 is a fractional number; expected a number"
        );
        assert_eq!(plain_words("something else"), "something else");
    }

    #[test]
    fn one_line_joins_lines() {
        assert_eq!(one_line("  a\n  b\r\n\nc \n"), "a b c");
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn display_shapes() {
        let e = ScenarioError::Invalid {
            file: "x.toml".into(),
            line: 3,
            key: "network.loss".into(),
            message: "bad; expected good".into(),
        };
        assert_eq!(e.to_string(), "x.toml:3: network.loss: bad; expected good");
        assert_eq!(e.line(), Some(3));
        assert_eq!(e.key(), Some("network.loss"));
        let e = ScenarioError::Syntax {
            file: "x.toml".into(),
            line: 1,
            col: 9,
            message: "oops".into(),
        };
        assert_eq!(e.to_string(), "x.toml:1:9: TOML syntax: oops");
    }
}
