//! Positions in the scenario text: key paths (`faults[2].target`), the spanned TOML document,
//! and the two lookups every error needs — from a key path to its line, and from a byte
//! offset (what serde errors carry) back to the key path.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{one_line, ScenarioError};

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Seg {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

/// A dotted key path such as `network.links[0].from`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct KeyPath(Vec<Seg>);

impl KeyPath {
    /// The path of a top-level key.
    pub(crate) fn root(key: &str) -> KeyPath {
        KeyPath(vec![Seg::Key(key.to_string())])
    }

    /// This path extended by a table key.
    pub(crate) fn key(&self, key: &str) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_string()));
        p
    }

    /// This path extended by an array index.
    pub(crate) fn index(&self, i: usize) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// True for the empty path (the document itself).
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// The scenario text, its file name and its spanned TOML document.
pub(crate) struct Source<'a> {
    /// File name for messages.
    pub(crate) file: &'a str,
    text: &'a str,
    doc: Spanned<DeTable<'a>>,
}

impl<'a> Source<'a> {
    /// Parses `text` as TOML; a syntax error comes back with its line and column.
    pub(crate) fn parse(text: &'a str, file: &'a str) -> Result<Source<'a>, ScenarioError> {
        match DeTable::parse(text) {
            Ok(doc) => Ok(Source { file, text, doc }),
            Err(e) => {
                let at = e.span().map_or(0, |s| s.start);
                let (line, col) = line_col(text, at);
                Err(ScenarioError::Syntax {
                    file: file.to_string(),
                    line,
                    col,
                    message: one_line(e.message()),
                })
            }
        }
    }

    /// The scenario text.
    pub(crate) fn text(&self) -> &'a str {
        self.text
    }

    /// The document's top-level table.
    pub(crate) fn root(&self) -> &DeTable<'a> {
        self.doc.get_ref()
    }

    /// An error at `path`, located at the deepest part of the path present in the file.
    pub(crate) fn error(&self, path: &KeyPath, message: impl AsRef<str>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            line: self.line_of(path),
            key: path.to_string(),
            message: one_line(message.as_ref()),
        }
    }

    /// The 1-based line of `path` (of its key, or of the `[[array]]` header for an element),
    /// or of its deepest ancestor present in the file.
    pub(crate) fn line_of(&self, path: &KeyPath) -> usize {
        let mut span = 0..0;
        let mut cur: Option<&DeValue<'a>> = None;
        let mut table = Some(self.doc.get_ref());
        for seg in &path.0 {
            match seg {
                Seg::Key(k) => {
                    let Some(t) = table else { break };
                    let Some((key, value)) = t.iter().find(|(key, _)| key.get_ref() == k) else {
                        break;
                    };
                    span = key.span();
                    cur = Some(value.get_ref());
                }
                Seg::Index(i) => {
                    let Some(DeValue::Array(a)) = cur else { break };
                    let Some(elem) = a.get(*i) else { break };
                    span = elem.span();
                    cur = Some(elem.get_ref());
                }
            }
            table = match cur {
                Some(DeValue::Table(t)) => Some(t),
                _ => None,
            };
        }
        line_col(self.text, span.start).0
    }

    /// The deepest key path whose key or value covers byte `offset`.
    fn path_at(&self, offset: usize) -> KeyPath {
        let mut best = KeyPath::default();
        let mut here = KeyPath::default();
        visit_table(self.doc.get_ref(), offset, &mut here, &mut best);
        best
    }

    /// Converts a serde error into one naming the key path: unknown keys and bad values are
    /// located by the error's span; a missing key is named after the table that lacks it.
    pub(crate) fn serde_error(&self, e: &toml::de::Error) -> ScenarioError {
        let msg = one_line(e.message());
        // An empty span is the document itself (e.g. a missing top-level key).
        let offset = e.span().filter(|s| !s.is_empty()).map(|s| s.start);
        let mut path = offset.map(|o| self.path_at(o)).unwrap_or_default();
        let message = if let Some(field) = between(&msg, "missing field `", "`") {
            path = path.key(field);
            format!("missing required key `{field}`")
        } else if let Some(rest) = msg.strip_prefix("unknown field `") {
            format!(
                "unknown key `{}",
                rest.replacen("`, expected", "`; expected", 1)
            )
        } else if let Some(rest) = msg.strip_prefix("unknown variant `") {
            format!(
                "unknown value `{}",
                rest.replacen("`, expected", "`; expected", 1)
            )
        } else {
            msg.replacen(", expected", "; expected", 1)
        };
        let line = match offset {
            Some(o) if !path.is_empty() => line_col(self.text, o).0,
            _ => self.line_of(&path),
        };
        ScenarioError::Invalid {
            file: self.file.to_string(),
            line,
            key: path.to_string(),
            message,
        }
    }
}

/// The text between the first `start` and the next `end` after it.
pub(crate) fn between<'t>(text: &'t str, start: &str, end: &str) -> Option<&'t str> {
    let rest = &text[text.find(start)? + start.len()..];
    Some(&rest[..rest.find(end)?])
}

fn covers(span: &Range<usize>, offset: usize) -> bool {
    span.contains(&offset) || (span.is_empty() && span.start == offset)
}

fn visit_table(t: &DeTable<'_>, offset: usize, here: &mut KeyPath, best: &mut KeyPath) {
    for (key, value) in t.iter() {
        here.0.push(Seg::Key(key.get_ref().to_string()));
        visit_value(value, offset, covers(&key.span(), offset), here, best);
        here.0.pop();
    }
}

fn visit_value(
    v: &Spanned<DeValue<'_>>,
    offset: usize,
    key_hit: bool,
    here: &mut KeyPath,
    best: &mut KeyPath,
) {
    if (key_hit || covers(&v.span(), offset)) && here.0.len() > best.0.len() {
        *best = here.clone();
    }
    match v.get_ref() {
        DeValue::Table(t) => visit_table(t, offset, here, best),
        DeValue::Array(a) => {
            for (i, elem) in a.iter().enumerate() {
                here.0.push(Seg::Index(i));
                visit_value(elem, offset, false, here, best);
                here.0.pop();
            }
        }
        _ => {}
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "a = 1\n[t]\nx = { y = 2 }\n[[arr]]\nz = 3\n[[arr]]\nz = 4\n";

    #[test]
    fn paths_display() {
        let p = KeyPath::root("faults").index(2).key("target");
        assert_eq!(p.to_string(), "faults[2].target");
        assert_eq!(KeyPath::default().to_string(), "(top level)");
    }

    #[test]
    fn line_lookup_finds_keys_and_elements() {
        let s = Source::parse(TEXT, "f").unwrap();
        assert_eq!(s.line_of(&KeyPath::root("a")), 1);
        assert_eq!(s.line_of(&KeyPath::root("t").key("x").key("y")), 3);
        assert_eq!(s.line_of(&KeyPath::root("arr").index(1)), 6);
        assert_eq!(s.line_of(&KeyPath::root("arr").index(1).key("z")), 7);
        assert_eq!(s.line_of(&KeyPath::root("arr").index(1).key("nope")), 6);
        assert_eq!(s.line_of(&KeyPath::root("nope")), 1);
    }

    #[test]
    fn offset_lookup_finds_deepest_path() {
        let s = Source::parse(TEXT, "f").unwrap();
        let y = TEXT.find("2 }").unwrap();
        assert_eq!(s.path_at(y).to_string(), "t.x.y");
        let z = TEXT.rfind("z").unwrap();
        assert_eq!(s.path_at(z).to_string(), "arr[1].z");
    }

    #[test]
    fn line_col_is_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab\ncd", 99), (2, 3));
        assert_eq!(line_col("é\n", 1), (1, 1));
    }
}
