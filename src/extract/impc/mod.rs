//! The impc style: a Solr core documented by a field table whose `Path` and `Type`
//! cells are empty, and one example document.
//!
//! The table gives only descriptions, one per row, and not in the example's order.
//! Paths come from the example's keys and types from its values
//! ([`FieldType::of_value`]); each description is aligned to its key by meaning (see
//! [`align()`]): both are cut into words, every (description, key) pair is scored by
//! the words they share, weighted by how rare each word is among the descriptions,
//! and the pairs are chosen together so that the total score is highest (the
//! Hungarian algorithm), each description going to one key and each key to one
//! description. A pair sharing no word is never made: a row or key left over is
//! named in the resource's description, not forced onto another.
//!
//! A row that does give its path (and type) keeps them; only rows without a path are
//! aligned.
//!
//! Submodules: `table` reads the field table, `align` the words and scores,
//! `hungarian` the assignment; `expected` (tests only) checks the alignment of the
//! real document pair by pair.

mod align;
#[cfg(test)]
mod expected;
mod hungarian;
mod table;

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::examples::from_messages;
use super::http::{Message, Start, messages};
use super::text::Doc;
use super::{ExtractError, Extracted};
use crate::spec::{DocRef, Field, FieldType, Kind, Resource, Shape};

use align::align;
use table::{Row, Table, heading_before, table};

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let table = table(doc)?;
    let resource_at = heading_before(doc, table.header_line);
    let name = resource_at.map_or_else(
        || doc.name.trim_end_matches(".txt").to_string(),
        |(_, title)| title.to_string(),
    );
    let msgs = messages(doc);
    let example = example_document(doc, &msgs, &table)?;
    let (row_of_key, unmatched_rows) = rows_of_keys(&table, &example.keys);

    let mut fields = Vec::new();
    let mut unmatched_keys = Vec::new();
    for (key, at) in &example.keys {
        let key_doc = doc.at(*at);
        let inferred = FieldType::of_value(&example.object[key.as_str()]);
        fields.push(match row_of_key.get(key.as_str()) {
            Some(row) => Field {
                type_doc: row.ty.is_none().then_some(key_doc),
                ..described(key, row.ty.unwrap_or(inferred), row, doc)
            },
            None => {
                unmatched_keys.push(format!("`{key}` ({key_doc})"));
                field(key, inferred, String::new(), key_doc)
            }
        });
    }
    // Rows stating a path the example does not show are fields all the same.
    for row in table.rows.iter().filter(|r| !r.path.is_empty()) {
        if !example.keys.iter().any(|(k, _)| *k == row.path) {
            let ty = row.ty.unwrap_or(FieldType::scalar(Kind::Any));
            fields.push(described(&row.path, ty, row, doc));
        }
    }

    let unmatched_rows: Vec<String> = unmatched_rows
        .iter()
        .map(|row| format!("{} (\"{}\")", row_doc(doc, row), row.description))
        .collect();
    let resource = Resource {
        name: name.clone(),
        plural: None,
        title: Some(name.clone()),
        description: unmatched_note(&unmatched_rows, &unmatched_keys),
        id_field: None,
        rejects_unknown: false,
        fields,
        rules: Vec::new(),
        doc: DocRef::line(
            doc.name,
            resource_at.map_or(table.header_line, |(line, _)| line) as u32,
        ),
    };

    let mut examples = from_messages(doc, &msgs, |_, _| None);
    let example_at = doc.at(example.message.offset);
    for ex in examples.iter_mut().filter(|ex| ex.doc == example_at) {
        ex.shape = Some(Shape::Item(name.clone()));
    }
    Ok(Extracted {
        document: doc.name.to_string(),
        resources: vec![resource],
        examples,
        ..Default::default()
    })
}

/// A field `row` describes, cited where the row is.
fn described(path: &str, ty: FieldType, row: &Row, doc: &Doc) -> Field {
    field(path, ty, row.description.clone(), row_doc(doc, row))
}

/// A field as the document states it: nothing but its path, type, description and
/// place.
fn field(path: &str, ty: FieldType, description: String, doc: DocRef) -> Field {
    Field::new(path, ty, &description, doc)
}

fn row_doc(doc: &Doc, row: &Row) -> DocRef {
    DocRef::line(doc.name, row.line as u32)
}

/// What the resource's description says of rows and keys left unmatched; empty when
/// every row found its key.
fn unmatched_note(rows: &[String], keys: &[String]) -> String {
    let mut note = Vec::new();
    if !rows.is_empty() {
        note.push(format!(
            "Table rows no key of the example matches: {}.",
            rows.join(", ")
        ));
    }
    if !keys.is_empty() {
        note.push(format!(
            "Keys of the example no table row describes: {}.",
            keys.join(", ")
        ));
    }
    note.join(" ")
}

/// The example document: the first response after the table with a JSON body.
struct ExampleDocument<'m> {
    message: &'m Message,
    object: Map<String, Value>,
    /// Its top-level keys, each once, with the offset in the document it is first
    /// written at, in order.
    keys: Vec<(String, usize)>,
}

fn example_document<'m>(
    doc: &Doc,
    msgs: &'m [Message],
    table: &Table,
) -> Result<ExampleDocument<'m>, ExtractError> {
    let table_end = doc.line_start(table.end_line);
    let message = msgs
        .iter()
        .find(|m| {
            m.offset >= table_end && matches!(m.start, Start::Response { .. }) && m.body.is_some()
        })
        .ok_or_else(|| ExtractError {
            at: DocRef::line(doc.name, table.header_line as u32),
            message: "the field table has no example document after it to read paths and \
                      types from"
                .into(),
        })?;
    let (body, body_at) = message.body.as_ref().expect("found with a body");
    let value: Value = serde_json::from_str(body).map_err(|e| ExtractError {
        at: doc.at(*body_at),
        message: format!("the example document is not valid JSON ({e}): its types cannot be read"),
    })?;
    let Value::Object(object) = value else {
        return Err(ExtractError {
            at: doc.at(*body_at),
            message: "the example document is not a JSON object".into(),
        });
    };
    let mut keys: Vec<(String, usize)> = Vec::new();
    for (key, at) in top_level_keys(body) {
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, body_at + at));
        }
    }
    Ok(ExampleDocument {
        message,
        object,
        keys,
    })
}

/// The row that describes each key, and the rows that describe none. Rows that state
/// their path are taken as stated; the others are aligned to the keys no row states.
fn rows_of_keys<'a>(
    table: &'a Table,
    keys: &'a [(String, usize)],
) -> (HashMap<&'a str, &'a Row>, Vec<&'a Row>) {
    let mut row_of_key: HashMap<&str, &Row> = table
        .rows
        .iter()
        .filter(|r| !r.path.is_empty())
        .map(|r| (r.path.as_str(), r))
        .collect();
    let open_rows: Vec<&Row> = table.rows.iter().filter(|r| r.path.is_empty()).collect();
    let open_keys: Vec<&str> = keys
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !row_of_key.contains_key(k))
        .collect();
    let descriptions: Vec<&str> = open_rows.iter().map(|r| r.description.as_str()).collect();
    let mut unmatched = Vec::new();
    for (row, key) in open_rows.into_iter().zip(align(&descriptions, &open_keys)) {
        match key {
            Some(k) => {
                row_of_key.insert(open_keys[k], row);
            }
            None => unmatched.push(row),
        }
    }
    (row_of_key, unmatched)
}

/// The keys of a JSON object's top level, with their byte offsets in `body`, in
/// order.
fn top_level_keys(body: &str) -> Vec<(String, usize)> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = i.min(bytes.len());
                let next = body[(end + 1).min(body.len())..].trim_start();
                if depth == 1 && next.starts_with(':') {
                    out.push((body[start + 1..end].to_string(), start));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_top_level_keys_in_order() {
        let keys = top_level_keys(r#"{"b": {"x": 1}, "a": ["c", "d:"], "e" : "f"}"#);
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["b", "a", "e"]);
    }
}
