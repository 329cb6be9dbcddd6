//! Field tables: a `Path Type Description` header, then each row as successive
//! lines — the path, the type, and zero or more lines of description — and where a
//! table belongs: to the request printed right after it, the response printed right
//! before it (captions only between them), or else its section's resource.
//!
//! Invariants: a row or description never runs into a stop line (a heading, a
//! table's caption or header, a message or the captions right before it); a type
//! word the style does not know is an error, so a new document is read fully or not
//! at all.

use std::collections::HashSet;

use serde_json::json;

use crate::extract::ExtractError;
use crate::extract::http::{Message, Start};
use crate::extract::text::Doc;
use crate::spec::{DocRef, Field, FieldType, Kind};

use super::build;
use super::filters::table_caption;
use super::messages::{is_caption, only_captions};
use super::sections::Heading;
use super::values::prose_values;

const HEADER: &str = "Path Type Description";

pub(super) struct Table {
    /// Line of the `Path Type Description` header.
    pub header: usize,
    pub rows: Vec<Field>,
    /// Last line the table's rows span.
    pub end: usize,
}

pub(super) enum Role {
    /// The body of the request of message `i`.
    Request(usize),
    /// The body of the response of message `i`.
    Response(usize),
    /// Its section's resource.
    Section,
}

/// Where a table belongs. A response's body table follows it and a request's
/// precedes it, with nothing but captions between them.
pub(super) fn role(doc: &Doc, msgs: &[Message], t: &Table) -> Role {
    let header_at = doc.line_start(t.header);
    let before = msgs.iter().rposition(|m| m.end <= header_at);
    if let Some(i) = before
        && matches!(msgs[i].start, Start::Response { .. })
        && only_captions(doc, msgs[i].end, header_at)
    {
        return Role::Response(i);
    }
    let end_at = doc.line_start(t.end) + doc.line(t.end).len();
    let after = msgs.iter().position(|m| m.offset >= end_at);
    if let Some(i) = after
        && matches!(msgs[i].start, Start::Request { .. })
        && only_captions(doc, end_at, msgs[i].offset)
    {
        return Role::Request(i);
    }
    Role::Section
}

/// Lines no table row or description runs into: headings, table captions and
/// headers, messages and the captions right before them.
pub(super) fn stop_lines(doc: &Doc, heads: &[Heading], msgs: &[Message]) -> HashSet<usize> {
    let mut out: HashSet<usize> = heads.iter().map(|h| h.line).collect();
    for (n, l) in doc.lines() {
        if l.trim() == HEADER || table_caption(l).is_some() {
            out.insert(n);
        }
    }
    for m in msgs {
        let first = doc.position(m.offset).0 as usize;
        let last = doc.position(m.end.max(m.offset)).0 as usize;
        out.extend(first..=last);
        let above = (1..first).rev().filter(|&n| !doc.line(n).trim().is_empty());
        out.extend(above.take_while(|&n| is_caption(doc.line(n))));
    }
    out
}

pub(super) fn next_nonblank(doc: &Doc, n: usize) -> Option<usize> {
    (n + 1..=doc.line_count()).find(|&k| !doc.line(k).trim().is_empty())
}

/// `a`, `a.b`, `a[].b.c`, `a[]`.
pub(super) fn is_path(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|seg| {
            let name = seg.trim_end_matches("[]");
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The spec type of a Spring REST Docs type.
fn restdocs_type(word: &str) -> Option<FieldType> {
    let kind = match word {
        "String" => Kind::String,
        "Number" => Kind::Number,
        "Boolean" => Kind::Boolean,
        "Object" => Kind::Object,
        "Null" => Kind::Null,
        "Array" => return Some(FieldType::array_of(Kind::Any)),
        "Varies" => Kind::Any,
        _ => return None,
    };
    Some(FieldType::scalar(kind))
}

/// Whether a row starts at line `n`: a path, then its type on the next line. A
/// type the style does not know is an error, so a new document is read fully or
/// not at all.
fn row_start(doc: &Doc, n: usize) -> Result<Option<(FieldType, usize)>, ExtractError> {
    if !is_path(doc.line(n).trim()) {
        return Ok(None);
    }
    let Some(k) = next_nonblank(doc, n) else {
        return Ok(None);
    };
    let word = doc.line(k).trim();
    if let Some(ty) = restdocs_type(word) {
        return Ok(Some((ty, k)));
    }
    let looks_like_type = word.len() > 1
        && word.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && word.chars().skip(1).all(|c| c.is_ascii_lowercase());
    // A one-word description followed by a capitalised word is no row; a nested
    // path followed by one is a row of a type the style does not know.
    let nested = doc.line(n).contains(['.', '[']);
    if !looks_like_type || !nested {
        return Ok(None);
    }
    Err(ExtractError {
        at: DocRef::line(doc.name, k as u32),
        message: format!(
            "unknown field type `{word}`: expected String, Number, Boolean, Array, Object, Null or Varies"
        ),
    })
}

/// Every `Path Type Description` table, its rows read up to the first stop line or
/// line that neither starts a row nor continues a description.
pub(super) fn field_tables(doc: &Doc, stops: &HashSet<usize>) -> Result<Vec<Table>, ExtractError> {
    let mut out = Vec::new();
    for (n, l) in doc.lines() {
        if l.trim() != HEADER {
            continue;
        }
        let mut rows: Vec<(usize, FieldType, Vec<&str>)> = Vec::new();
        let mut end = n;
        let mut at = next_nonblank(doc, n);
        while let Some(k) = at {
            if stops.contains(&k) {
                break;
            }
            if let Some((ty, type_line)) = row_start(doc, k)? {
                rows.push((k, ty, Vec::new()));
                end = type_line;
                at = next_nonblank(doc, type_line);
                continue;
            }
            let Some(row) = rows.last_mut() else { break };
            row.2.push(doc.line(k).trim());
            end = k;
            at = next_nonblank(doc, k);
        }
        let rows = rows
            .into_iter()
            .map(|(k, ty, text)| row_field(doc, k, ty, &text))
            .collect();
        out.push(Table {
            header: n,
            rows,
            end,
        });
    }
    Ok(out)
}

/// `• value` or `- value`.
fn bullet(line: &str) -> Option<&str> {
    let t = line.trim();
    t.strip_prefix("• ")
        .or_else(|| t.strip_prefix("- "))
        .map(str::trim)
}

/// Description text and the values it states: its bullet list, or else a closed
/// set its prose states (`Any of: public, protected, restricted.`).
pub(super) fn description(lines: &[&str]) -> (String, Vec<String>) {
    let mut text: Vec<&str> = Vec::new();
    let mut values = Vec::new();
    for l in lines {
        match bullet(l) {
            Some(v) => values.push(v.to_string()),
            None => text.push(l.trim()),
        }
    }
    let text = text.join(" ");
    if values.is_empty() {
        values = prose_values(&text);
    }
    (text, values)
}

/// A row's path in the spec's grammar. In Spring REST Docs `a[]` is the array `a`
/// itself (its items' fields are `a[].b`); in a spec `a[]` would be the items, so an
/// `Array` row `a[]` is the field `a`.
fn spec_path(path: &str, ty: FieldType) -> &str {
    match path.strip_suffix("[]") {
        Some(array) if ty == FieldType::array_of(Kind::Any) => array,
        _ => path,
    }
}

fn row_field(doc: &Doc, line: usize, ty: FieldType, text: &[&str]) -> Field {
    let (description, values) = description(text);
    // The style marks server-set fields in the description (`Read only.`, `READ ONLY`).
    let readonly = description.to_lowercase().contains("read only");
    build(json!({
        "path": spec_path(doc.line(line).trim(), ty),
        "type": ty,
        "readonly": readonly,
        "enum": values,
        "description": description,
        "doc": DocRef::line(doc.name, line as u32),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::examples::from_messages;
    use crate::extract::restdocs::messages::{all_messages, link_across_captions};
    use crate::extract::restdocs::sections::headings;

    fn doc(text: &str) -> Doc<'_> {
        Doc::new("t.txt", text)
    }

    #[test]
    fn reads_successive_line_rows_with_nested_paths() {
        let text = "\
Path Type Description

tpn

String

Public identifier. Not editable.

projectIntentions[].intentionByGene.gene.id

Number

Internal id of the gene.

statusDates[]

Array

Stamps of the statuses.

a._links

Object

a._links.outcome.href

String

Outcome link

sequence.typeName

String

The type of sequence.

Possible values:

- complete

- 5_prime_end

min

String

Public identifier for the mutation. READ ONLY

a[].category

String

Category. Possible values: LOW, MODERATE and GOOD according to the support
count. The LOW category has less than 5.

comment

Null

5. Next section
";
        let d = doc(text);
        let stops = stop_lines(&d, &headings(&d), &[]);
        let tables = field_tables(&d, &stops).unwrap();
        assert_eq!(tables.len(), 1);
        let rows = &tables[0].rows;
        let paths: Vec<&str> = rows.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "tpn",
                "projectIntentions[].intentionByGene.gene.id",
                "statusDates",
                "a._links",
                "a._links.outcome.href",
                "sequence.typeName",
                "min",
                "a[].category",
                "comment"
            ]
        );
        assert_eq!(rows[0].doc.to_string(), "t.txt:3");
        assert_eq!(rows[1].ty.to_string(), "number");
        // `a[]` typed Array is the array `a`.
        assert_eq!(rows[2].ty.to_string(), "array");
        // A row without a description is followed directly by the next path.
        assert_eq!(rows[3].ty.to_string(), "object");
        assert_eq!(rows[3].description, "");
        assert_eq!(rows[5].values, ["complete", "5_prime_end"]);
        assert_eq!(
            rows[5].description,
            "The type of sequence. Possible values:"
        );
        assert!(rows[6].readonly && !rows[0].readonly);
        // A closed set stated in prose, over two lines, is an enum too; the
        // description keeps the words.
        assert_eq!(rows[7].values, ["LOW", "MODERATE", "GOOD"]);
        assert!(
            rows[7]
                .description
                .starts_with("Category. Possible values: LOW")
        );
        assert!(rows[0].values.is_empty());
        // The last row stops at the heading; `Null` is kept as the document says.
        assert_eq!(rows[8].ty.to_string(), "null");
        assert_eq!(rows[8].description, "");
        assert_eq!(tables[0].end, 58);
    }

    #[test]
    fn an_unknown_type_is_an_error() {
        let d = doc("Path Type Description\n\na.b\n\nInteger\n\nSome text.\n");
        let stops = stop_lines(&d, &[], &[]);
        let e = field_tables(&d, &stops).err().unwrap();
        assert_eq!(e.at.to_string(), "t.txt:5");
    }

    #[test]
    fn a_table_before_a_request_or_after_a_response_is_its_body() {
        let text = "\
Login Data Structure
Path Type Description

userName

String

The user name.

Example Request
POST /auth/signin HTTP/1.1
Content-Type: application/json

{ \"userName\" : \"u\" }
Example Response
HTTP/1.1 200 OK
Content-Type: application/json

{ \"accessToken\" : \"t\" }
Response Structure
Path Type Description

accessToken

String

The token.

1. Users
";
        let d = doc(text);
        let msgs = all_messages(&d);
        let stops = stop_lines(&d, &headings(&d), &msgs);
        let tables = field_tables(&d, &stops).unwrap();
        assert_eq!(tables.len(), 2);
        assert!(matches!(role(&d, &msgs, &tables[0]), Role::Request(0)));
        assert!(matches!(role(&d, &msgs, &tables[1]), Role::Response(1)));
        let mut examples = from_messages(&d, &msgs, |_, p| Some(p.to_string()));
        assert_eq!(examples[1].operation, None);
        link_across_captions(&d, &msgs, &mut examples);
        assert_eq!(examples[1].operation.as_deref(), Some("/auth/signin"));
    }
}
