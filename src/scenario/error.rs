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
}

impl ScenarioError {
    /// The 1-based line the error points at, if it points into the file.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScenarioError::Io { .. } => None,
            ScenarioError::Syntax { line, .. } | ScenarioError::Invalid { line, .. } => Some(*line),
        }
    }

    /// The key path of an [`ScenarioError::Invalid`] error.
    pub fn key(&self) -> Option<&str> {
        match self {
            ScenarioError::Invalid { key, .. } => Some(key),
            _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;

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
