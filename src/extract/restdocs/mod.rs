//! The restdocs style: Spring REST Docs rendered to text (GenTaR).
//!
//! What the style looks like, and how it is read:
//!
//! - Numbered headings (`5. Projects`, `5.3.1. Get a specific project`). A top-level
//!   section with requests and a field table describes one resource, named by the
//!   section (`Projects` → `project`); its collection name is the HAL `_embedded` key
//!   of its list responses, or else the path segment before an identifier in its
//!   requests (`/api/people/{email}` → `people`). A section whose table is split per
//!   kind of item (`6.1.1. Crispr plan.`, `6.1.2. ES Cell plan.`) describes one
//!   resource with variants, each keeping its own table. A section with a table but no
//!   requests describes a structure other resources embed, named by the root of its
//!   paths (`statusTransition` → `status_transition`).
//! - Field tables: a `Path Type Description` line, then each row as successive lines:
//!   the path (`a[].b.c`), the type (`String`, `Number`, `Boolean`, `Array`, `Object`,
//!   `Null`), and a description of zero or more lines, possible values listed as
//!   `- value` or `• value` bullets, or stated in its prose as a closed set (`Any of:
//!   public, protected, restricted.`; not an example, `Eg: …`, nor a list left open,
//!   `…, etc.`). A table right before a request example (captions
//!   such as `Example Request` between them) describes that request's body; a table
//!   right after a response example describes that response's body.
//! - Filter tables: a `Table N. Filters for …` caption, then each filter's name on
//!   its own line followed by its description, possible values as `•` bullets. They
//!   belong to the list operation of their section's resource.
//! - Requests as curl commands (`$ curl 'http://host/api/x' -i -X POST -H '…' -d '…'`)
//!   or raw HTTP (`GET /api/x HTTP/1.1`), each followed by its response, with a caption
//!   (`Example Response`) between them.
//!
//! The document's words are kept: `Number` is `number`, `Array` is `array`, `Null` is
//! `null` (lint reports fields typed `Null`). Paths are the document's, in the spec's
//! grammar: a REST Docs row `a[]` typed `Array` is the array `a` itself, so it is the
//! field `a` (`a[]` in a spec would be the array's items).
//!
//! The reading is split by concern: `sections` (headings, sections and the names
//! they give), `tables` (field tables and where each belongs), `filters`,
//! `values` (closed sets stated in prose), `messages` (curl commands and the
//! captions between messages), `classify`
//! (requests to operations) and `resources` (resources, variants and their union).
//! This module puts them together: operations, their responses and bodies.

mod classify;
mod filters;
mod messages;
mod resources;
mod sections;
mod tables;
mod values;

pub(crate) use sections::heading;

use serde_json::{Value, json};

use super::examples::from_messages;
use super::http::{Message, Start};
use super::text::Doc;
use super::{ExtractError, Extracted};
use crate::spec::{DocRef, Example, Operation, OperationKind, Response};

use classify::classify;
use filters::{add_filters, filter_tables};
use messages::{all_messages, link_across_captions};
use resources::resources;
use sections::{Heading, headings, sections, title_before};
use tables::{Role, Table, field_tables, role, stop_lines};

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let heads = headings(doc);
    let msgs = all_messages(doc);
    let stops = stop_lines(doc, &heads, &msgs);
    let tables = field_tables(doc, &stops)?;
    if tables.is_empty() {
        return Err(ExtractError {
            at: crate::spec::DocRef::line(doc.name, 1),
            message: "no field table found (a `Path Type Description` header, then path, type and description on successive lines): is this a Spring REST Docs document?".into(),
        });
    }
    let filters = filter_tables(doc, &stops);
    let sections = sections(doc, &heads, &msgs);

    // Each table's place: the body of the request after it, of the response before
    // it, or its section's resource.
    let roles: Vec<Role> = tables.iter().map(|t| role(doc, &msgs, t)).collect();
    let own: Vec<&Table> = tables
        .iter()
        .zip(&roles)
        .filter(|(_, r)| matches!(r, Role::Section))
        .map(|(t, _)| t)
        .collect();
    let (resources, variants) = resources(doc, &heads, &sections, &own);
    // Collection names with the resources they hold: what requests are classified by.
    let plurals: Vec<(String, String)> = resources
        .iter()
        .filter_map(|r| Some((r.plural.clone()?, r.name.clone())))
        .collect();

    let mut operations = operations(doc, &heads, &msgs, &plurals);
    let mut examples = from_messages(doc, &msgs, |method, path| {
        Some(classify(&plurals, method, path).id)
    });
    link_across_captions(doc, &msgs, &mut examples);
    add_responses(doc, &heads, &msgs, &examples, &mut operations);
    add_bodies(doc, &tables, &roles, &examples, &mut operations)?;
    add_filters(doc, &sections, &plurals, &filters, &mut operations)?;

    examples.extend(super::fragments(doc, &msgs));
    examples.sort_by_key(|e| e.doc.line);
    Ok(Extracted {
        document: doc.name.to_string(),
        resources,
        variants,
        operations,
        examples,
        ..Default::default()
    })
}

/// Model values built from JSON, so that optional fields added to the model need no
/// change here.
fn build<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("restdocs builds a valid model value: {e}"))
}

/// Operations, in the order the document first shows each. An operation needs
/// credentials when any of its requests sends them.
fn operations(
    doc: &Doc,
    heads: &[Heading],
    msgs: &[Message],
    plurals: &[(String, String)],
) -> Vec<Operation> {
    let mut operations: Vec<Operation> = Vec::new();
    for m in msgs {
        let Start::Request { method, target } = &m.start else {
            continue;
        };
        let c = classify(plurals, *method, target);
        let authorized = m.header("Authorization").is_some();
        if let Some(op) = operations.iter_mut().find(|o| o.id == c.id) {
            op.auth |= authorized;
            continue;
        }
        let line = doc.position(m.offset).0 as usize;
        operations.push(build(json!({
            "id": c.id,
            "kind": c.kind,
            "resource": c.resource,
            "method": method,
            "path": c.template,
            "summary": title_before(heads, line),
            "responses": [],
            "auth": authorized,
            "doc": doc.at(m.offset),
        })));
    }
    operations
}

/// The operation an example names: examples name only extracted operations.
fn operation_mut<'o>(operations: &'o mut [Operation], id: &str) -> &'o mut Operation {
    operations
        .iter_mut()
        .find(|o| o.id == id)
        .expect("examples name extracted operations")
}

/// What each operation's responses show: statuses, content types, pages. The first
/// response of each status is the one cited.
fn add_responses(
    doc: &Doc,
    heads: &[Heading],
    msgs: &[Message],
    examples: &[Example],
    operations: &mut [Operation],
) {
    for (m, ex) in msgs.iter().zip(examples) {
        let (Start::Response { status }, Some(id)) = (&m.start, &ex.operation) else {
            continue;
        };
        let op = operation_mut(operations, id);
        let body: Option<Value> = ex
            .body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok());
        if op.kind == OperationKind::List
            && body
                .as_ref()
                .is_some_and(|b| b.get("page").is_some_and(Value::is_object))
        {
            op.paginated = true;
        }
        if op.responses.iter().any(|r| r.status == *status) {
            continue;
        }
        let line = doc.position(m.offset).0 as usize;
        // An error body of one key names the error: `{"apierror": {…}}`.
        let error = match &body {
            Some(Value::Object(o)) if *status >= 400 && o.len() == 1 => o.keys().next().cloned(),
            _ => None,
        };
        op.responses.push(build::<Response>(json!({
            "status": status,
            "when": title_before(heads, line),
            "content_type": m.content_type(),
            "error": error,
            "doc": ex.doc,
        })));
    }
}

/// Tables of request and response bodies, on the operation of their message.
fn add_bodies(
    doc: &Doc,
    tables: &[Table],
    roles: &[Role],
    examples: &[Example],
    operations: &mut [Operation],
) -> Result<(), ExtractError> {
    for (t, r) in tables.iter().zip(roles) {
        let (Role::Request(i) | Role::Response(i)) = r else {
            continue;
        };
        let id = examples[*i]
            .operation
            .as_deref()
            .ok_or_else(|| ExtractError {
                at: DocRef::line(doc.name, t.header as u32),
                message: "a body table next to an example of no operation".into(),
            })?;
        let op = operation_mut(operations, id);
        let target = match r {
            Role::Request(_) => &mut op.request_fields,
            _ => &mut op.response_fields,
        };
        target.extend(t.rows.iter().cloned());
    }
    Ok(())
}
