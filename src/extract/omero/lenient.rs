//! Example bodies, read leniently. The document prints Python literals (`False`,
//! `None`), `# omitted for brevity` comments, and loses commas; the bodies are kept
//! exactly as printed elsewhere, and read here only to learn the fields and types
//! they show.
//!
//! Invariants: what the reader tolerates it records as a quirk with its offset, never
//! silently; a field is cited where its key is first printed, and later examples of
//! it only refine its type (integers among decimals are numbers).

use crate::extract::text::Doc;
use crate::spec::{Field, FieldType, Kind};

/// A JSON value as an example prints it, with the offset of each key.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum J {
    Null,
    Bool,
    Int,
    Number,
    Str(String),
    Array(Vec<J>),
    /// Members with the offset of their key. A comment standing for members left out
    /// (`{ # omitted for brevity }`) leaves only those shown.
    Object(Vec<(String, usize, J)>),
}

impl J {
    pub(super) fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Object(members) => members.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    fn field_type(&self) -> FieldType {
        let kind = |v: &J| match v {
            J::Null => Kind::Null,
            J::Bool => Kind::Boolean,
            // A whole number in one sample does not make a field integral (a
            // wavelength of 457 may be 457.5 next time).
            J::Int | J::Number => Kind::Number,
            J::Str(_) => Kind::String,
            J::Object(_) => Kind::Object,
            J::Array(_) => Kind::Any,
        };
        match self {
            J::Array(items) => {
                let mut kinds = items.iter().map(kind);
                let first = kinds.next().unwrap_or(Kind::Any);
                // Integers among decimals are numbers.
                let merged = kinds.try_fold(first, unify_kind);
                FieldType::array_of(merged.unwrap_or(Kind::Any))
            }
            v => FieldType::scalar(kind(v)),
        }
    }
}

/// The items of a response body: `data` itself, or the elements when `data` is a
/// list.
pub(super) fn items(body: &J) -> Vec<&J> {
    match body.get("data") {
        Some(J::Array(elements)) => elements.iter().collect(),
        Some(item @ J::Object(_)) => vec![item],
        _ => Vec::new(),
    }
}

fn unify_kind(a: Kind, b: Kind) -> Option<Kind> {
    match (a, b) {
        _ if a == b => Some(a),
        (Kind::Int, Kind::Number) | (Kind::Number, Kind::Int) => Some(Kind::Number),
        _ => None,
    }
}

/// The type two examples of one field agree on: integers and decimals are numbers;
/// an empty array says nothing of its items. Otherwise the first example's type.
fn unify(first: FieldType, other: FieldType) -> FieldType {
    if first.array && other.array && first.kind == Kind::Any {
        return other;
    }
    if first.array != other.array {
        return first;
    }
    match unify_kind(first.kind, other.kind) {
        Some(kind) => FieldType {
            kind,
            array: first.array,
        },
        None => first,
    }
}

/// Adds the fields a value shows, under `prefix`, cited where each key is printed.
pub(super) fn collect_fields(doc: &Doc, value: &J, prefix: &str, fields: &mut Vec<Field>) {
    let J::Object(members) = value else { return };
    for (key, at, v) in members {
        let path = format!("{prefix}{key}");
        let ty = v.field_type();
        match fields.iter_mut().find(|f| f.path == path) {
            Some(f) => f.ty = unify(f.ty, ty),
            None => fields.push(Field::new(&path, ty, "", doc.at(*at))),
        }
        match v {
            J::Object(_) => collect_fields(doc, v, &format!("{path}."), fields),
            J::Array(elements) => {
                for e in elements {
                    collect_fields(doc, e, &format!("{path}[]."), fields);
                }
            }
            _ => {}
        }
    }
}

/// A reader of JSON as the document prints it: Python literals (`False`, `None`),
/// `#` comments (which run to the next quote, comma or bracket, their line ends being
/// lost), trailing and missing commas. What it tolerates it records in `quirks`.
pub(super) struct Lenient<'a> {
    text: &'a str,
    pos: usize,
    quirks: Vec<(usize, String)>,
}

type Parsed<T> = Result<T, (usize, String)>;

impl<'a> Lenient<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Lenient {
            text,
            pos: 0,
            quirks: Vec::new(),
        }
    }

    pub(super) fn parse(&mut self, at: usize) -> Parsed<J> {
        self.pos = at;
        self.value()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\n' | b'\r' | b'\t' => self.pos += 1,
                b'#' => {
                    let start = self.pos;
                    let rest = &self.text[start..];
                    let len = rest.find(['"', ',', '}', ']']).unwrap_or(rest.len());
                    self.pos += len;
                    self.quirks.push((
                        start,
                        format!("comment `{}`", self.text[start..self.pos].trim_end()),
                    ));
                }
                _ => break,
            }
        }
    }

    fn value(&mut self) -> Parsed<J> {
        self.skip();
        let at = self.pos;
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(J::Str(self.string()?)),
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let rest = &self.text[at..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_digit() || "-+.eE".contains(c)))
                    .unwrap_or(rest.len());
                self.pos += len;
                let n = &rest[..len];
                if n.parse::<i64>().is_ok() {
                    Ok(J::Int)
                } else if n.parse::<f64>().is_ok() {
                    Ok(J::Number)
                } else {
                    Err((at, format!("`{n}` is no number")))
                }
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let rest = &self.text[at..];
                let len = rest
                    .find(|c: char| !c.is_ascii_alphabetic())
                    .unwrap_or(rest.len());
                self.pos += len;
                let word = &rest[..len];
                let (value, python) = match word {
                    "true" | "false" => (J::Bool, false),
                    "null" => (J::Null, false),
                    "True" | "False" => (J::Bool, true),
                    "None" => (J::Null, true),
                    _ => return Err((at, format!("`{word}` is no JSON value"))),
                };
                if python {
                    self.quirks.push((at, format!("Python literal `{word}`")));
                }
                Ok(value)
            }
            _ => Err((at, "expected a value".into())),
        }
    }

    fn string(&mut self) -> Parsed<String> {
        let start = self.pos;
        let mut out = String::new();
        let mut chars = self.text[start + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = start + 1 + i + 1;
                    return Ok(out);
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, e)) => out.push(e),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err((start, "the string never closes".into()))
    }

    /// After an element: a comma, the closing bracket, or (recorded) neither.
    fn separator(&mut self, close: u8) {
        self.skip();
        match self.peek() {
            Some(b',') => {
                let at = self.pos;
                self.pos += 1;
                self.skip();
                if self.peek() == Some(close) {
                    self.quirks.push((at, "trailing comma".into()));
                }
            }
            Some(c) if c == close => {}
            _ => self.quirks.push((self.pos, "missing comma".into())),
        }
    }

    fn object(&mut self) -> Parsed<J> {
        let open = self.pos;
        self.pos += 1;
        let mut members: Vec<(String, usize, J)> = Vec::new();
        loop {
            self.skip();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(J::Object(members));
                }
                Some(b'"') => {}
                None => return Err((open, "the object never closes".into())),
                Some(_) => return Err((self.pos, "expected a key".into())),
            }
            let at = self.pos;
            let key = self.string()?;
            self.skip();
            if self.peek() != Some(b':') {
                return Err((self.pos, format!("expected `:` after key `{key}`")));
            }
            self.pos += 1;
            let value = self.value()?;
            if members.iter().any(|(k, _, _)| *k == key) {
                self.quirks.push((at, format!("duplicate key `{key}`")));
            }
            members.push((key, at, value));
            self.separator(b'}');
        }
    }

    fn array(&mut self) -> Parsed<J> {
        let open = self.pos;
        self.pos += 1;
        let mut elements = Vec::new();
        loop {
            self.skip();
            match self.peek() {
                Some(b']') => {
                    self.pos += 1;
                    return Ok(J::Array(elements));
                }
                None => return Err((open, "the array never closes".into())),
                _ => {}
            }
            elements.push(self.value()?);
            self.separator(b']');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bodies_leniently_and_records_quirks() {
        let text =
            r#"{ "a": False, "b": { # omitted for brevity }, "c": [ "x" "y" ], "d": [1, 2.5], }"#;
        let mut l = Lenient::new(text);
        let v = l.parse(0).unwrap();
        assert_eq!(v.get("a"), Some(&J::Bool));
        assert_eq!(v.get("b"), Some(&J::Object(Vec::new())));
        assert_eq!(v.get("c").unwrap().field_type().to_string(), "string[]");
        assert_eq!(v.get("d").unwrap().field_type().to_string(), "number[]");
        let quirks: Vec<&str> = l.quirks.iter().map(|(_, q)| q.as_str()).collect();
        assert_eq!(
            quirks,
            [
                "Python literal `False`",
                "comment `# omitted for brevity`",
                "missing comma",
                "trailing comma"
            ]
        );
        assert!(Lenient::new("{ \"a\": nope }").parse(0).is_err());
    }
}
