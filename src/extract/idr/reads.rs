//! What the client reads of each response, as spec items: the fields it uses
//! (`response_fields`), where a list's items are (`items_pointer`), and the statuses
//! it expects (`responses`).
//!
//! Field types are what the client's use shows: iterated is an array, subscripted
//! by key is an object, a variable also assigned an int literal is an int. Where use
//! shows nothing, names decide by convention: `id`, `…Id`, `…_id` and `…Count` are
//! ints, `name` and `…_url` strings; anything else is `any`.
//!
//! A field is required where the client reads it by key outside every condition
//! (see `client`). A value the client iterates, indexes or reads keys of may not be
//! null, unless the client tests it for null first: Python fails on `for x in None`,
//! `None[0]` and `None['k']`. Any other field it reads may be null: the client only
//! prints it or passes it on.
//!
//! Invariant: a field is cited at the first line the client uses it on; its type is
//! cited apart (`type_doc`) only when read elsewhere.

use super::client::Op;
use crate::spec::{DocRef, Field, FieldType, Kind, Response};

impl Op {
    /// Every path the client reads by key, and every array item it iterates,
    /// indexes or tests for null.
    pub(super) fn response_fields(&self, at: impl Fn(usize) -> DocRef) -> Vec<Field> {
        let mut response_fields = Vec::new();
        for (path, ev) in &self.fields {
            if path.is_empty() {
                continue;
            }
            let item = path.ends_with("[]");
            if !(ev.read || (item && (ev.iterated || ev.indexed || ev.nullable))) {
                continue;
            }
            let (ty, type_line) = field_type(self, path);
            let description = if item {
                format!(
                    "An item of `{}`, used in {}.",
                    &path[..path.len() - 2],
                    quoted(&ev.uses)
                )
            } else {
                match (&ev.optional, ev.required) {
                    (Some(why), false) => format!("Read by the client as `{}`, {why}.", ev.read_as),
                    _ => format!("Read by the client as `{}`.", ev.read_as),
                }
            };
            // Used as a container, it fails the client when null: unless tested first.
            let container = ev.iterated || ev.indexed || ev.keyed;
            response_fields.push(Field {
                path: path.clone(),
                ty,
                required: ev.required,
                required_if: None,
                readonly: false,
                writeonly: false,
                filterable: false,
                nullable: ev.nullable || !container,
                values: Vec::new(),
                pattern: None,
                description,
                doc: at(ev.line),
                type_doc: type_line.filter(|l| *l != ev.line).map(&at),
                also: ev
                    .reads
                    .iter()
                    .filter(|l| **l != ev.line)
                    .map(|l| at(*l))
                    .collect(),
            });
        }
        response_fields
    }

    /// The list's items: the first top-level array whose items are objects.
    pub(super) fn items_pointer(&self) -> Option<String> {
        self.fields
            .iter()
            .filter(|(p, ev)| !p.contains(['.', '[']) && ev.iterated)
            .find(|(p, _)| {
                self.fields
                    .iter()
                    .any(|(q, e)| *q == format!("{p}[]") && e.keyed)
            })
            .map(|(p, _)| format!("/{p}"))
    }

    /// The statuses the client checks; where it checks none, the 200 its reading of
    /// the body implies.
    pub(super) fn responses(&self, at: impl Fn(usize) -> DocRef) -> Vec<Response> {
        let mut responses: Vec<Response> = Vec::new();
        for (status, line, text) in &self.statuses {
            if responses.iter().any(|r| r.status == *status) {
                continue;
            }
            responses.push(Response {
                status: *status,
                when: format!("the client checks `{text}`"),
                content_type: None,
                error: None,
                condition: None,
                body: None,
                implied: false,
                doc: at(*line),
            });
        }
        let read = match (self.json_read, self.streamed) {
            (Some(l), _) => Some((l, "the client reads the JSON body")),
            (None, Some(l)) => Some((l, "the client streams the body to a file")),
            _ => None,
        };
        if let (true, Some((line, when))) = (responses.is_empty(), read) {
            responses.push(Response {
                status: 200,
                when: when.to_string(),
                content_type: None,
                error: None,
                condition: None,
                body: None,
                implied: true,
                doc: at(line),
            });
        }
        responses
    }
}

pub(super) fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Types by name, where the client's use shows none: identifiers and counts are
/// ints, names and URLs strings.
pub(super) fn by_name(name: &str) -> Option<Kind> {
    if name == "id" || name.ends_with("Id") || name.ends_with("_id") || name.ends_with("Count") {
        Some(Kind::Int)
    } else if name == "name" || name.ends_with("_url") || name.ends_with("Url") {
        Some(Kind::String)
    } else {
        None
    }
}

/// The type of a response field path, and the line its type was read from when
/// that is not where the field is first used.
pub(super) fn field_type(op: &Op, path: &str) -> (FieldType, Option<usize>) {
    let ev = |p: &str| op.fields.iter().find(|(q, _)| q == p).map(|(_, e)| e);
    let Some(e) = ev(path) else {
        return (FieldType::scalar(Kind::Any), None);
    };
    if e.iterated || e.indexed {
        let items = ev(&format!("{path}[]"));
        return match items {
            Some(i) if i.keyed && !i.nullable => (FieldType::array_of(Kind::Object), None),
            Some(i) if i.literal.is_some() => {
                let (k, l) = i.literal.expect("checked");
                (FieldType::array_of(k), Some(l))
            }
            _ => (FieldType::array_of(Kind::Any), None),
        };
    }
    if e.keyed {
        return (FieldType::scalar(Kind::Object), None);
    }
    if let Some((k, l)) = e.literal {
        return (FieldType::scalar(k), Some(l));
    }
    let name = path.rsplit(['.', '[']).next().unwrap_or(path);
    (FieldType::scalar(by_name(name).unwrap_or(Kind::Any)), None)
}
