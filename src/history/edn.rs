//! A small EDN reader for Jepsen histories and `--init` literals: strict about structure
//! (brackets, strings, escapes, integer range), tolerant about content.
//!
//! Read exactly: `nil`, `true`/`false`, integers (`i64`, optional `N` suffix; overflow is an
//! error), strings with escapes (`\" \\ \n \t \r \b \f \uXXXX`), keywords (`:foo`, and
//! `:foo/bar` kept as `"foo/bar"`), vectors `[...]` and lists `(...)` (both [`Value::List`]),
//! maps `{...}` (entries in written order), sets `#{...}` (read as a list), `;` comments to
//! end of line, `#_` discard, commas as whitespace.
//!
//! [`Value`] has no richer variants, so some content is mapped rather than rejected:
//! - other symbols (`foo`, `foo/bar`) read as keywords (`okay` is `Keyword("okay")`);
//! - floats, ratios and decimals (`1.5`, `1e3`, `1/2`, `1.5M`) read as [`Value::Str`] of their
//!   literal text;
//! - character literals (`\a`, `\(`, `\newline`, `\space`) read as one-character strings;
//! - tagged literals (`#inst "..."`, `#uuid "..."`) read as the tagged value; the tag is dropped.
//!
//! Lines are 1-based. [`Reader::read_map_with`] streams a map's entries with the line of each
//! key and value (keyword keys borrowed from the text, not allocated), so history errors can
//! name a line and op maps are read without building a [`Value::Map`].

use super::Value;

/// Deepest nesting accepted; deeper input is an error rather than a stack overflow.
const MAX_DEPTH: usize = 256;

/// An EDN syntax error: the 1-based line it was found on and a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EdnError {
    /// Line of the problem (for an unclosed bracket or string, the line it opened on).
    pub line: usize,
    /// What was wrong and what was expected, on one line.
    pub msg: String,
}

fn fail<T>(line: usize, msg: impl Into<String>) -> Result<T, EdnError> {
    let msg = msg.into();
    Err(EdnError { line, msg })
}

/// `return fail(line, format!(...))`.
macro_rules! bail {
    ($line:expr, $($fmt:tt)+) => {
        return fail($line, format!($($fmt)+))
    };
}

/// A map key: a keyword's name borrowed from the text, or any other value.
pub(crate) enum Key<'k> {
    /// `:name` (without the colon).
    Name(&'k str),
    /// Any other key (a symbol key reads as `Value::Keyword`).
    Value(Value),
}

/// A cursor over EDN text that tracks the current line.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    /// Whether bare symbols (`foo`) are read as keywords (histories) or refused (literals
    /// typed on the command line, where `zero` is a typo for `:zero` or `0`).
    symbols: bool,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b',' | 0x0b | 0x0c)
}

fn is_delim(b: u8) -> bool {
    is_ws(b) || matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'"' | b';')
}

fn closer(open: u8) -> u8 {
    match open {
        b'[' => b']',
        b'(' => b')',
        _ => b'}',
    }
}

impl<'a> Reader<'a> {
    /// A reader at the start of `text` (a leading byte-order mark is skipped).
    pub fn new(text: &'a str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Reader {
            text,
            pos: 0,
            line: 1,
            symbols: true,
        }
    }

    /// The current line.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The next byte, if any.
    pub fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Steps over the next byte, which must be an ASCII delimiter that is not a newline.
    pub fn bump(&mut self) {
        self.pos += 1;
    }

    /// Skips whitespace, commas, `;` comments and `#_` discarded forms.
    pub fn skip_ws(&mut self) -> Result<(), EdnError> {
        self.skip(0)
    }

    fn skip(&mut self, depth: usize) -> Result<(), EdnError> {
        let b = self.text.as_bytes();
        loop {
            match b.get(self.pos) {
                Some(&c) if is_ws(c) => {
                    if c == b'\n' {
                        self.line += 1;
                    }
                    self.pos += 1;
                }
                Some(b';') => {
                    while b.get(self.pos).is_some_and(|&c| c != b'\n') {
                        self.pos += 1;
                    }
                }
                Some(b'#') if b.get(self.pos + 1) == Some(&b'_') => {
                    self.pos += 2;
                    self.value(depth + 1)?;
                }
                _ => return Ok(()),
            }
        }
    }

    /// Reads one value (skipping whitespace before it).
    pub fn read_value(&mut self) -> Result<Value, EdnError> {
        self.value(0)
    }

    /// Reads the map whose `{` is at the cursor, calling `entry(key, key_line, value,
    /// value_line)` for each entry in written order.
    pub fn read_map_with<F>(&mut self, entry: F) -> Result<(), EdnError>
    where
        F: FnMut(Key<'_>, usize, Value, usize) -> Result<(), EdnError>,
    {
        let line = self.line;
        self.pos += 1;
        self.entries(line, 1, entry)
    }

    fn value(&mut self, depth: usize) -> Result<Value, EdnError> {
        if depth > MAX_DEPTH {
            bail!(
                self.line,
                "values nested more than {MAX_DEPTH} deep; expected flatter data"
            );
        }
        self.skip(depth)?;
        let line = self.line;
        let Some(c) = self.peek() else {
            return fail(line, "unexpected end of file; expected a value");
        };
        match c {
            b'[' | b'(' => {
                self.pos += 1;
                Ok(Value::List(self.seq(c, line, depth + 1)?))
            }
            b'{' => {
                self.pos += 1;
                let mut out = Vec::new();
                self.entries(line, depth + 1, |k, _, v, _| {
                    let k = match k {
                        Key::Name(n) => Value::Keyword(n.to_string()),
                        Key::Value(k) => k,
                    };
                    out.push((k, v));
                    Ok(())
                })?;
                Ok(Value::Map(out))
            }
            b'#' => {
                self.pos += 1;
                match self.peek() {
                    Some(b'{') => {
                        self.pos += 1;
                        Ok(Value::List(self.seq(b'{', line, depth + 1)?))
                    }
                    Some(t) if t.is_ascii_alphabetic() => {
                        self.token(); // the tag, e.g. `inst`: dropped
                        self.value(depth + 1)
                    }
                    _ => fail(line, "unsupported # form; expected #{...}, #_ or a #tag"),
                }
            }
            b'"' => self.string(),
            b'\\' => self.character(),
            b']' | b')' | b'}' => fail(line, format!("unexpected {}; expected a value", c as char)),
            b':' => Ok(Value::Keyword(self.keyword()?.to_string())),
            _ => {
                let tok = self.token();
                let v = atom(tok, line)?;
                match v {
                    Value::Keyword(k) if !self.symbols => fail(
                        line,
                        format!(
                            "`{}` is a bare symbol; expected a value: a number such as 0, nil, \
                             true or false, a string such as \"x\", a keyword such as :{k}, a \
                             vector [...] or a map {{...}}",
                            clip(&k)
                        ),
                    ),
                    v => Ok(v),
                }
            }
        }
    }

    /// Skips to the next form inside a top-level `open` (already consumed, on `open_line`):
    /// `false` once its closer is consumed. Errors on a mismatched closer or end of file.
    pub fn more_in(&mut self, open: u8, open_line: usize) -> Result<bool, EdnError> {
        self.more(open, open_line, 0)
    }

    /// Skips to the next form before the closer of `open`: `false` once the closer is consumed.
    fn more(&mut self, open: u8, open_line: usize, depth: usize) -> Result<bool, EdnError> {
        let (close, o, c) = (closer(open), open as char, closer(open) as char);
        self.skip(depth)?;
        match self.peek() {
            None => bail!(
                open_line,
                "{o} opened here is never closed; expected {c} before the end of the file"
            ),
            Some(x) if x == close => {
                self.pos += 1;
                Ok(false)
            }
            Some(x @ (b']' | b')' | b'}')) => {
                let x = x as char;
                bail!(
                    self.line,
                    "{x} does not match the {o} opened on line {open_line}; expected {c}"
                )
            }
            Some(_) => Ok(true),
        }
    }

    /// Reads forms up to the closer of `open` (already consumed).
    fn seq(&mut self, open: u8, open_line: usize, depth: usize) -> Result<Vec<Value>, EdnError> {
        let mut items = Vec::new();
        while self.more(open, open_line, depth)? {
            items.push(self.value(depth)?);
        }
        Ok(items)
    }

    /// Reads map entries up to `}` (the `{` already consumed), passing each to `entry`.
    fn entries<F>(&mut self, open_line: usize, depth: usize, mut entry: F) -> Result<(), EdnError>
    where
        F: FnMut(Key<'_>, usize, Value, usize) -> Result<(), EdnError>,
    {
        while self.more(b'{', open_line, depth)? {
            let key_line = self.line;
            let key = match self.peek() {
                Some(b':') => Key::Name(self.keyword()?),
                _ => Key::Value(self.value(depth)?),
            };
            if !self.more(b'{', open_line, depth)? {
                let msg =
                    "map has a key without a value (odd number of forms); expected key-value pairs";
                return fail(open_line, msg);
            }
            let value_line = self.line;
            entry(key, key_line, self.value(depth)?, value_line)?;
        }
        Ok(())
    }

    /// The name of the keyword at the cursor (at its `:`).
    fn keyword(&mut self) -> Result<&'a str, EdnError> {
        match self.token() {
            ":" => fail(
                self.line,
                "a lone : is not a keyword; expected a name after it",
            ),
            tok => Ok(&tok[1..]),
        }
    }

    /// The run of non-delimiter bytes at the cursor (never splits a UTF-8 character, since
    /// all delimiters are ASCII).
    fn token(&mut self) -> &'a str {
        let start = self.pos;
        let b = self.text.as_bytes();
        while b.get(self.pos).is_some_and(|&c| !is_delim(c)) {
            self.pos += 1;
        }
        &self.text[start..self.pos]
    }

    fn string(&mut self) -> Result<Value, EdnError> {
        let start_line = self.line;
        let unterminated = "unterminated string; expected a closing \" before the end of the file";
        let b = self.text.as_bytes();
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self.pos;
            while let Some(&c) = b.get(self.pos) {
                if c == b'"' || c == b'\\' {
                    break;
                }
                if c == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match b.get(self.pos) {
                None => return fail(start_line, unterminated),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Value::Str(out));
                }
                Some(_) => {
                    self.pos += 1;
                    let Some(e) = self.text[self.pos..].chars().next() else {
                        return fail(start_line, unterminated);
                    };
                    self.pos += e.len_utf8();
                    out.push(match e {
                        '"' => '"',
                        '\\' => '\\',
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        'b' => '\u{8}',
                        'f' => '\u{c}',
                        'u' => self.unicode_escape()?,
                        _ => bail!(
                            self.line,
                            "unknown escape \\{} in a string; expected one of \\\" \\\\ \\n \\t \\r \\b \\f \\uXXXX",
                            e.escape_debug()
                        ),
                    });
                }
            }
        }
    }

    /// The four hex digits after `\u`.
    fn unicode_escape(&mut self) -> Result<char, EdnError> {
        let hex = self.text.get(self.pos..self.pos + 4).unwrap_or("");
        let hex = hex.bytes().all(|c| c.is_ascii_hexdigit()).then_some(hex);
        let code = hex.and_then(|h| u32::from_str_radix(h, 16).ok());
        self.pos += 4;
        match code.and_then(char::from_u32) {
            Some(ch) => Ok(ch),
            None => fail(
                self.line,
                "bad \\u escape; expected four hex digits naming a character",
            ),
        }
    }

    /// A character literal: `\a`, `\(`, `\newline`, `\space`, `\tab`, `\return`.
    fn character(&mut self) -> Result<Value, EdnError> {
        let line = self.line;
        self.pos += 1;
        let name = self.token();
        let mut chars = name.chars();
        let ch = match (name, chars.next(), chars.next()) {
            ("newline", ..) => Some('\n'),
            ("space", ..) => Some(' '),
            ("tab", ..) => Some('\t'),
            ("return", ..) => Some('\r'),
            (_, Some(c), None) => Some(c),
            (_, Some(_), Some(_)) => None,
            (_, None, _) => {
                // A delimiter such as `\(`; whitespace or the end of the file is an error.
                let c = self.text[self.pos..]
                    .chars()
                    .next()
                    .filter(|c| !c.is_whitespace());
                self.pos += c.map_or(0, char::len_utf8);
                c
            }
        };
        let msg = "bad character literal; expected e.g. \\a, \\( or \\space";
        ch.map(|c| Value::Str(c.to_string()))
            .ok_or_else(|| EdnError {
                line,
                msg: msg.into(),
            })
    }
}

/// `nil`, `true`, `false`, a number, or a symbol (read as a keyword).
fn atom(tok: &str, line: usize) -> Result<Value, EdnError> {
    match tok {
        "nil" => return Ok(Value::Nil),
        "true" => return Ok(Value::Bool(true)),
        "false" => return Ok(Value::Bool(false)),
        _ => {}
    }
    let b = tok.as_bytes();
    let signed = usize::from(matches!(b[0], b'+' | b'-'));
    if !b.get(signed).is_some_and(u8::is_ascii_digit) {
        return Ok(Value::Keyword(tok.to_string()));
    }
    let int = tok.strip_suffix('N').unwrap_or(tok);
    if int.bytes().skip(signed).all(|c| c.is_ascii_digit()) {
        let (lo, hi, tok) = (i64::MIN, i64::MAX, clip(tok));
        let msg = || format!("integer {tok} does not fit in 64 bits; expected {lo} to {hi}");
        return int
            .parse::<i64>()
            .map(Value::Int)
            .or_else(|_| fail(line, msg()));
    }
    let floaty =
        |c: u8| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-' | b'/' | b'M');
    if tok.bytes().all(floaty) {
        return Ok(Value::Str(tok.to_string()));
    }
    bail!(line, "{} is not a number; expected digits", clip(tok))
}

/// At most 40 characters of `s`, with `…` if cut.
fn clip(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `v` as one line of EDN, cut to about 40 characters, for error messages.
pub(crate) fn render(v: &Value) -> String {
    fn go(v: &Value, out: &mut String) {
        use std::fmt::Write;
        if out.len() > 60 {
            return;
        }
        let _ = match v {
            Value::Nil => write!(out, "nil"),
            Value::Int(i) => write!(out, "{i}"),
            Value::Str(s) => write!(out, "{s:?}"),
            Value::Keyword(k) => write!(out, ":{k}"),
            Value::Bool(b) => write!(out, "{b}"),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate().take(20) {
                    out.push_str(if i > 0 { " " } else { "" });
                    go(item, out);
                }
                write!(out, "]")
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate().take(20) {
                    out.push_str(if i > 0 { ", " } else { "" });
                    go(k, out);
                    out.push(' ');
                    go(v, out);
                }
                write!(out, "}}")
            }
        };
    }
    let mut out = String::new();
    go(v, &mut out);
    clip(&out)
}

/// Parses exactly one EDN value, such as an initial state `0`, `nil`, `""` or `{:x 0 :y 0}`,
/// reading bare symbols as keywords as histories do (`free` is `:free`).
///
/// Errors are one line; for multi-line text they start with `line N: `.
pub fn parse_edn_value(text: &str) -> Result<Value, String> {
    parse_one(Reader::new(text), text)
}

/// Parses exactly one EDN literal typed by a person (`--init`): like [`parse_edn_value`], but
/// a bare symbol such as `zero` is an error, not the keyword `:zero`.
pub fn parse_edn_literal(text: &str) -> Result<Value, String> {
    let mut r = Reader::new(text);
    r.symbols = false;
    parse_one(r, text)
}

fn parse_one(mut r: Reader<'_>, text: &str) -> Result<Value, String> {
    let result = r.skip_ws().and_then(|()| match r.peek() {
        None => fail(
            1,
            "no value; expected one EDN value such as 0, nil, \"\" or {:x 0}",
        ),
        Some(_) => r.read_value(),
    });
    let result = result.and_then(|v| match r.skip_ws().map(|()| r.peek()) {
        Ok(Some(_)) => fail(
            r.line,
            "more than one value; expected exactly one EDN value",
        ),
        other => other.map(|_| v),
    });
    result.map_err(|e| match text.contains('\n') {
        true => format!("line {}: {}", e.line, e.msg),
        false => e.msg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_entries_carry_key_and_value_lines() {
        let mut r = Reader::new("\n{:a 1\n b\n [2\n 3] \"k\" #_ :gone\n nil}");
        r.skip_ws().unwrap();
        let mut seen = Vec::new();
        r.read_map_with(|k, kl, v, vl| {
            let k = match k {
                Key::Name(n) => format!("name {n}"),
                Key::Value(v) => format!("value {}", render(&v)),
            };
            seen.push((k, kl, render(&v), vl));
            Ok(())
        })
        .unwrap();
        let want = [
            ("name a", 2, "1", 2),
            ("value :b", 3, "[2 3]", 4),
            ("value \"k\"", 5, "nil", 6),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|&(k, kl, v, vl)| (k.to_string(), kl, v.to_string(), vl))
            .collect();
        assert_eq!(seen, want);
        assert_eq!(r.peek(), None);
    }

    #[test]
    fn render_is_short_and_one_line() {
        let long = Value::List((0..1000).map(Value::Int).collect());
        assert!(render(&long).chars().count() <= 41);
        assert_eq!(render(&Value::Str("a\nb".into())), "\"a\\nb\"");
    }
}
