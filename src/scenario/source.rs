//! Positions in the scenario text: key paths (`faults[2].target`), the spanned TOML document,
//! and the two lookups every error needs — from a key path to its line, and from a byte
//! offset (what serde errors carry) back to the key path.

use std::fmt;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{one_line, plain_words, ScenarioError};

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

    /// Reads a path back from its display form (`faults[2].target`); `None` for the top
    /// level or a form it cannot be sure of.
    pub(crate) fn parse(text: &str) -> Option<KeyPath> {
        let mut segs = Vec::new();
        for part in text.split('.') {
            let (name, mut rest) = part.split_once('[').map_or((part, ""), |(n, r)| (n, r));
            if name.is_empty() || name.contains([' ', '(', ')', '"']) {
                return None;
            }
            segs.push(Seg::Key(name.to_string()));
            while !rest.is_empty() {
                let (index, after) = rest.split_once(']')?;
                segs.push(Seg::Index(index.parse().ok()?));
                rest = after.strip_prefix('[').unwrap_or(after);
                if !after.is_empty() && !after.starts_with('[') {
                    return None;
                }
            }
        }
        Some(KeyPath(segs))
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
                let mut message = one_line(e.message());
                if message.starts_with("duplicate key") {
                    if let Some(span) = e.span() {
                        message = duplicate_key(text, span);
                    }
                }
                Err(ScenarioError::Syntax {
                    file: file.to_string(),
                    line,
                    col,
                    message,
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

    /// The byte range of the entry `key = value` at `path` when it stands on lines of its own
    /// (nothing but blanks before the key on its line, nothing but blanks or a comment after
    /// the value), so that blanking the range leaves a valid document. `None` otherwise.
    pub(crate) fn own_lines_entry(&self, path: &KeyPath) -> Option<Range<usize>> {
        let (last, parent) = path.0.split_last()?;
        let Seg::Key(name) = last else { return None };
        let mut table = Some(self.doc.get_ref());
        let mut cur: Option<&DeValue<'a>> = None;
        for seg in parent {
            match seg {
                Seg::Key(k) => {
                    let (_, v) = table?.iter().find(|(key, _)| key.get_ref() == k)?;
                    cur = Some(v.get_ref());
                }
                Seg::Index(i) => {
                    let DeValue::Array(a) = cur? else { return None };
                    cur = Some(a.get(*i)?.get_ref());
                }
            }
            table = match cur {
                Some(DeValue::Table(t)) => Some(t),
                _ => None,
            };
        }
        let (key, value) = table?.iter().find(|(key, _)| key.get_ref() == name)?;
        let (start, end) = (key.span().start, value.span().end);
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[end..]
            .find('\n')
            .map_or(self.text.len(), |i| end + i);
        let after = self.text[end..line_end].trim_start();
        let alone = self.text[line_start..start].trim().is_empty()
            && (after.is_empty() || after.starts_with('#'));
        alone.then_some(start..end)
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
        let msg = plain_words(e.message());
        // An empty span is the document itself (e.g. a missing top-level key).
        let offset = e.span().filter(|s| !s.is_empty()).map(|s| s.start);
        let mut path = offset.map(|o| self.path_at(o)).unwrap_or_default();
        let message = if let Some(field) = between(&msg, "missing field `", "`") {
            path = path.key(field);
            format!("missing required key `{field}`")
        } else {
            msg
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

/// The message for a key set twice: names the key and, when it can be found, the line that
/// set it first.
fn duplicate_key(text: &str, span: Range<usize>) -> String {
    let key = text.get(span.clone()).unwrap_or("").trim();
    let key = key.split(['=', '\n']).next().unwrap_or(key).trim();
    let before = &text[..span.start.min(text.len())];
    let lines: Vec<&str> = before.lines().collect();
    let first = lines.iter().rposition(|l| {
        let l = l.trim_start();
        l.starts_with(key) && l[key.len()..].trim_start().starts_with('=')
    });
    let first = first.map(|i| i + 1);
    match first {
        Some(line) => format!(
            "duplicate key `{key}`: line {line} already sets it; expected each key once per table"
        ),
        None => format!("duplicate key `{key}`; expected each key once per table"),
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
    fn paths_read_back_from_their_display() {
        for text in [
            "a",
            "faults[2].target",
            "network.links[0].from",
            "x[1][2].y",
        ] {
            assert_eq!(KeyPath::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(KeyPath::parse("(top level)"), None);
    }

    #[test]
    fn entries_on_their_own_lines_can_be_set_aside() {
        let s = Source::parse("a = 1\n[t]\nx = { y = 2 }\nz = 3 # c\n", "f").unwrap();
        let range = s.own_lines_entry(&KeyPath::root("t").key("z")).unwrap();
        assert_eq!(&s.text()[range], "z = 3");
        assert!(s
            .own_lines_entry(&KeyPath::root("t").key("x").key("y"))
            .is_none());
        assert!(s.own_lines_entry(&KeyPath::root("nope")).is_none());
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
