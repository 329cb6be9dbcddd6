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
//!   `- value` or `• value` bullets. A table right before a request example (captions
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

use std::collections::HashSet;

use serde_json::{Value, json};

use super::examples::from_messages;
use super::http::{Message, Start, messages};
use super::text::{Doc, snake_case};
use super::{ExtractError, Extracted};
use crate::spec::{
    DocRef, Example, ExampleKind, Field, FieldType, Kind, Method, Operation, OperationKind, Param,
    Resource, Response, Variant,
};

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let heads = headings(doc);
    let msgs = all_messages(doc);
    let stops = stop_lines(doc, &heads, &msgs);
    let tables = field_tables(doc, &stops)?;
    let filters = filter_tables(doc, &stops);
    let sections = sections(doc, &heads, &msgs);

    // Each table's place: the body of the request after it, of the response before
    // it, or its section's resource.
    let roles: Vec<Role> = tables.iter().map(|t| role(doc, &msgs, t)).collect();

    // Resources, from the sections' own tables.
    let mut resources = Vec::new();
    let mut variants = Vec::new();
    let mut plurals: Vec<(String, String)> = Vec::new();
    for s in &sections {
        let own: Vec<&Table> = tables
            .iter()
            .zip(&roles)
            .filter(|(t, r)| matches!(r, Role::Section) && s.contains(t.header))
            .map(|(t, _)| t)
            .collect();
        if own.is_empty() {
            continue;
        }
        if !s.has_requests {
            for t in own {
                resources.push(structure(doc, s, t));
            }
            continue;
        }
        let name = singular_snake(&s.title);
        let fields = if let [t] = own[..] {
            t.rows.clone()
        } else {
            let vs: Vec<Variant> = own
                .iter()
                .map(|t| {
                    let h = heading_before(&heads, t.header);
                    let title = h.map_or(s.title.as_str(), |h| h.title.as_str());
                    let title = title.trim_end_matches('.').trim().to_string();
                    Variant {
                        name: words_snake(&title),
                        resource: name.clone(),
                        title,
                        when: None,
                        fields: t.rows.clone(),
                        doc: DocRef::line(doc.name, h.map_or(s.line, |h| h.line) as u32),
                    }
                })
                .collect();
            let fields = union(&vs);
            variants.extend(vs);
            fields
        };
        if let Some(p) = &s.plural {
            plurals.push((p.clone(), name.clone()));
        }
        resources.push(build::<Resource>(json!({
            "name": name,
            "plural": s.plural,
            "title": s.title,
            "fields": fields,
            "doc": DocRef::line(doc.name, s.line as u32),
        })));
    }

    // Operations, in the order the document first shows each.
    let mut operations: Vec<Operation> = Vec::new();
    for m in &msgs {
        let Start::Request { method, target } = &m.start else {
            continue;
        };
        let c = classify(&plurals, *method, target);
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
            "summary": heading_before(&heads, line).map_or("", |h| h.title.as_str()),
            "responses": [],
            "auth": authorized,
            "doc": doc.at(m.offset),
        })));
    }

    let mut examples = from_messages(doc, &msgs, |method, path| {
        Some(classify(&plurals, method, path).id)
    });
    link_across_captions(doc, &msgs, &mut examples);

    // What each operation's responses show: statuses, content types, pages.
    for (m, ex) in msgs.iter().zip(&examples) {
        let (Start::Response { status }, Some(id)) = (&m.start, &ex.operation) else {
            continue;
        };
        let op = operations
            .iter_mut()
            .find(|o| &o.id == id)
            .expect("examples name extracted operations");
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
        let error = match &body {
            Some(Value::Object(o)) if *status >= 400 && o.len() == 1 => o.keys().next().cloned(),
            _ => None,
        };
        op.responses.push(build::<Response>(json!({
            "status": status,
            "when": heading_before(&heads, line).map_or("", |h| h.title.as_str()),
            "content_type": m.content_type(),
            "error": error,
            "doc": ex.doc,
        })));
    }

    // Tables of request and response bodies.
    for (t, r) in tables.iter().zip(&roles) {
        let (i, request) = match r {
            Role::Request(i) => (*i, true),
            Role::Response(i) => (*i, false),
            Role::Section => continue,
        };
        let at = DocRef::line(doc.name, t.header as u32);
        let id = examples[i].operation.clone().ok_or_else(|| ExtractError {
            at: at.clone(),
            message: "a body table next to an example of no operation".into(),
        })?;
        let op = operations
            .iter_mut()
            .find(|o| o.id == id)
            .expect("named above");
        let target = if request {
            &mut op.request_fields
        } else {
            &mut op.response_fields
        };
        target.extend(t.rows.iter().cloned());
    }

    // Filter tables, on their section's list.
    for f in &filters {
        let at = DocRef::line(doc.name, f.caption as u32);
        let resource = sections
            .iter()
            .find(|s| s.contains(f.caption))
            .and_then(|s| s.plural.as_ref())
            .and_then(|p| plurals.iter().find(|(q, _)| q == p))
            .map(|(_, name)| name.clone());
        let op = operations
            .iter_mut()
            .find(|o| o.kind == OperationKind::List && o.resource == resource && resource.is_some())
            .ok_or_else(|| ExtractError {
                at,
                message: "a filter table in a section without a list operation".into(),
            })?;
        for p in &f.params {
            match op.params.iter_mut().find(|q| q.name == p.name) {
                // Tables for different kinds of item name the same filter: its values
                // are the union.
                Some(q) => {
                    for v in &p.values {
                        if !q.values.contains(v) {
                            q.values.push(v.clone());
                        }
                    }
                }
                None => op.params.push(p.clone()),
            }
        }
    }

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

// ---------------------------------------------------------------------------------
// Headings and sections

#[derive(Debug, Clone, PartialEq)]
struct Heading {
    line: usize,
    depth: usize,
    title: String,
}

/// `6.1.1. Crispr plan.` → depth 3, title `Crispr plan.`. Headings start their line.
fn heading(line: &str) -> Option<(usize, &str)> {
    let (number, title) = line.split_once(". ")?;
    let parts: Vec<&str> = number.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let title = title.trim();
    (numeric && !title.is_empty()).then_some((parts.len(), title))
}

fn headings(doc: &Doc) -> Vec<Heading> {
    doc.lines()
        .filter_map(|(n, l)| {
            heading(l).map(|(depth, title)| Heading {
                line: n,
                depth,
                title: title.to_string(),
            })
        })
        .collect()
}

fn heading_before(heads: &[Heading], line: usize) -> Option<&Heading> {
    heads.iter().take_while(|h| h.line <= line).last()
}

struct Section {
    line: usize,
    title: String,
    /// Lines `line..end`.
    end: usize,
    has_requests: bool,
    plural: Option<String>,
}

impl Section {
    fn contains(&self, line: usize) -> bool {
        (self.line..self.end).contains(&line)
    }
}

fn sections(doc: &Doc, heads: &[Heading], msgs: &[Message]) -> Vec<Section> {
    let tops: Vec<&Heading> = heads.iter().filter(|h| h.depth == 1).collect();
    let mut out = Vec::new();
    for (i, h) in tops.iter().enumerate() {
        let end = tops.get(i + 1).map_or(doc.line_count() + 1, |n| n.line);
        let own: Vec<&Message> = msgs
            .iter()
            .filter(|m| (h.line..end).contains(&(doc.position(m.offset).0 as usize)))
            .collect();
        let requests: Vec<&str> = own
            .iter()
            .filter_map(|m| match &m.start {
                Start::Request { target, .. } => Some(target.as_str()),
                _ => None,
            })
            .collect();
        out.push(Section {
            line: h.line,
            title: h.title.clone(),
            end,
            has_requests: !requests.is_empty(),
            plural: hal_collection(&own).or_else(|| collection_segment(&requests)),
        });
    }
    out
}

/// The key of a HAL `_embedded` object in a response body.
fn hal_collection(msgs: &[&Message]) -> Option<String> {
    msgs.iter().find_map(|m| {
        let body: Value = serde_json::from_str(&m.body.as_ref()?.0).ok()?;
        body.get("_embedded")?.as_object()?.keys().next().cloned()
    })
}

/// The segment before the last identifier of a request path (`/a/plans/PIN:1/outcomes/TPO:2`
/// → `outcomes`).
fn collection_segment(targets: &[&str]) -> Option<String> {
    targets.iter().find_map(|t| {
        let segs = segments(t);
        let i = segs.iter().rposition(|s| placeholder(s).is_some())?;
        (i > 0).then(|| segs[i - 1].to_string())
    })
}

/// `Phenotyping Stages` → `phenotyping_stage`.
fn singular_snake(title: &str) -> String {
    let s = words_snake(title);
    match s.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') && !stem.is_empty() => stem.to_string(),
        _ => s,
    }
}

/// `ES Cell plan` → `es_cell_plan`.
fn words_snake(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// A table in a section without requests: a structure other resources embed, named
/// by the root its paths share (`statusTransition`), or else by the section.
fn structure(doc: &Doc, s: &Section, t: &Table) -> Resource {
    let root = |f: &Field| {
        f.path
            .split(['.', '['])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let roots: HashSet<String> = t.rows.iter().map(root).collect();
    let name = match roots.iter().next() {
        Some(r) if roots.len() == 1 => snake_case(r),
        _ => singular_snake(&s.title),
    };
    build(json!({
        "name": name,
        "title": s.title,
        "fields": t.rows,
        "doc": DocRef::line(doc.name, s.line as u32),
    }))
}

/// The union of variants' tables: a row several tables state alike appears once;
/// where tables disagree only in that some type the field `Null`, the other type
/// stands (nulls are admitted anyway where nulls are allowed); a real disagreement
/// keeps both rows, for lint to report.
fn union(variants: &[Variant]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for f in variants.iter().flat_map(|v| &v.fields) {
        let same: Vec<usize> = (0..out.len()).filter(|&i| out[i].path == f.path).collect();
        let Some(&last) = same.last() else {
            out.push(f.clone());
            continue;
        };
        if same.iter().any(|&i| out[i].ty == f.ty)
            || (f.ty.kind == Kind::Null && same.iter().any(|&i| out[i].ty.kind != Kind::Null))
        {
            continue;
        }
        match same[..] {
            [i] if out[i].ty.kind == Kind::Null => out[i] = f.clone(),
            _ => out.insert(last + 1, f.clone()),
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// Messages: raw HTTP and curl

fn all_messages(doc: &Doc) -> Vec<Message> {
    let mut out = messages(doc);
    out.extend(curl_messages(doc));
    out.sort_by_key(|m| m.offset);
    out
}

/// `$ curl 'http://localhost:8080/api/x' -i -X POST -H 'Content-Type: …' -d '{…}'`,
/// continued over lines ending in `\`.
fn curl_messages(doc: &Doc) -> Vec<Message> {
    let mut out = Vec::new();
    for (n, line) in doc.lines() {
        if !line.starts_with("$ curl ") {
            continue;
        }
        let offset = doc.line_start(n);
        let (words, end) = shell_words(doc.text, offset + "$ curl ".len());
        let mut words = words.into_iter();
        let Some((url, _)) = words.next() else {
            continue;
        };
        let mut method = None;
        let mut headers = Vec::new();
        let mut body = None;
        while let Some((w, _)) = words.next() {
            match w.as_str() {
                "-X" | "--request" => method = words.next().and_then(|(m, _)| Method::parse(&m)),
                "-H" | "--header" => {
                    if let Some((h, _)) = words.next()
                        && let Some((name, value)) = h.split_once(':')
                    {
                        headers.push((name.trim().to_string(), value.trim().to_string()));
                    }
                }
                "-d" | "--data" | "--data-raw" => body = words.next(),
                _ => {}
            }
        }
        let method = method.unwrap_or(if body.is_some() {
            Method::Post
        } else {
            Method::Get
        });
        out.push(Message {
            start: Start::Request {
                method,
                target: target_of(&url),
            },
            offset,
            headers,
            body,
            end,
        });
    }
    out
}

/// The path and query of a URL.
fn target_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) if url.contains("://") => rest[i..].to_string(),
        None if url.contains("://") => "/".to_string(),
        _ => rest.to_string(),
    }
}

/// Shell words from `start` to the end of the command, with the offset each word's
/// text starts at: single quotes (which may span lines) and `\` line continuations.
fn shell_words(text: &str, start: usize) -> (Vec<(String, usize)>, usize) {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut i = start;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'\n' {
            break;
        }
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
            i += 2;
            continue;
        }
        let mut word = String::new();
        let mut at = None;
        while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\n') {
            if bytes[i] == b'\'' {
                let close = text[i + 1..].find('\'').map_or(text.len(), |j| i + 1 + j);
                at.get_or_insert(i + 1);
                word.push_str(&text[i + 1..close]);
                i = (close + 1).min(text.len());
            } else {
                let run_end = text[i..]
                    .find([' ', '\t', '\n', '\''])
                    .map_or(text.len(), |j| i + j);
                at.get_or_insert(i);
                word.push_str(&text[i..run_end]);
                i = run_end;
            }
        }
        words.push((word, at.unwrap_or(i)));
    }
    (words, i)
}

/// Responses illustrate the request printed right before them, captions such as
/// `Example Response` between them.
fn link_across_captions(doc: &Doc, msgs: &[Message], examples: &mut [Example]) {
    for i in 1..msgs.len().min(examples.len()) {
        if examples[i].kind != ExampleKind::Response || examples[i].operation.is_some() {
            continue;
        }
        if matches!(msgs[i - 1].start, Start::Request { .. })
            && only_captions(doc, msgs[i - 1].end, msgs[i].offset)
        {
            examples[i].operation = examples[i - 1].operation.clone();
        }
    }
}

/// A short label line: `Example Request`, `Curl:`, `Response Structure`.
fn is_caption(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && t.split_whitespace().count() <= 4
        && !t.ends_with('.')
        && heading(t).is_none()
        && !t.starts_with(['{', '[', '"', '$', '-', '•'])
}

fn only_captions(doc: &Doc, from: usize, to: usize) -> bool {
    from <= to
        && doc.text[from..to]
            .lines()
            .all(|l| l.trim().is_empty() || is_caption(l))
}

// ---------------------------------------------------------------------------------
// Field tables

const HEADER: &str = "Path Type Description";

struct Table {
    /// Line of the `Path Type Description` header.
    header: usize,
    rows: Vec<Field>,
    /// Last line the table's rows span.
    end: usize,
}

enum Role {
    /// The body of the request of message `i`.
    Request(usize),
    /// The body of the response of message `i`.
    Response(usize),
    /// Its section's resource.
    Section,
}

fn role(doc: &Doc, msgs: &[Message], t: &Table) -> Role {
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
fn stop_lines(doc: &Doc, heads: &[Heading], msgs: &[Message]) -> HashSet<usize> {
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
        let mut n = first - 1;
        while n >= 1 {
            let l = doc.line(n);
            if l.trim().is_empty() {
                n -= 1;
                continue;
            }
            if !is_caption(l) {
                break;
            }
            out.insert(n);
            n -= 1;
        }
    }
    out
}

fn next_nonblank(doc: &Doc, n: usize) -> Option<usize> {
    (n + 1..=doc.line_count()).find(|&k| !doc.line(k).trim().is_empty())
}

/// `a`, `a.b`, `a[].b.c`, `a[]`.
fn is_path(s: &str) -> bool {
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
    if looks_like_type && !doc.line(n).contains('.') && !doc.line(n).contains('[') {
        // A one-word description followed by a capitalised word is no row.
        return Ok(None);
    }
    if looks_like_type {
        return Err(ExtractError {
            at: DocRef::line(doc.name, k as u32),
            message: format!(
                "unknown field type `{word}`: expected String, Number, Boolean, Array, Object, Null or Varies"
            ),
        });
    }
    Ok(None)
}

fn field_tables(doc: &Doc, stops: &HashSet<usize>) -> Result<Vec<Table>, ExtractError> {
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

/// Description text and the values of its bullet list.
fn description(lines: &[&str]) -> (String, Vec<String>) {
    let mut text: Vec<&str> = Vec::new();
    let mut values = Vec::new();
    for l in lines {
        match bullet(l) {
            Some(v) => values.push(v.to_string()),
            None => text.push(l.trim()),
        }
    }
    (text.join(" "), values)
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

// ---------------------------------------------------------------------------------
// Filter tables

struct FilterTable {
    /// Line of the `Table N. …` caption.
    caption: usize,
    params: Vec<Param>,
}

/// `Table 2. Filters for projects` → `Filters for projects`.
fn table_caption(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("Table ")?;
    let (number, caption) = rest.split_once(". ")?;
    number
        .chars()
        .all(|c| c.is_ascii_digit())
        .then_some(caption.trim())
}

fn is_name(s: &str) -> bool {
    is_path(s) && !s.contains('.') && !s.contains('[')
}

fn filter_tables(doc: &Doc, stops: &HashSet<usize>) -> Vec<FilterTable> {
    let mut out = Vec::new();
    for (n, l) in doc.lines() {
        let Some(caption) = table_caption(l) else {
            continue;
        };
        if !caption.to_lowercase().contains("filter") {
            continue;
        }
        let mut rows: Vec<(usize, Vec<&str>)> = Vec::new();
        let mut at = next_nonblank(doc, n);
        // An optional header: `Filter name Description`.
        if let Some(k) = at
            && doc.line(k).trim().ends_with(" Description")
        {
            at = next_nonblank(doc, k);
        }
        while let Some(k) = at {
            if stops.contains(&k) {
                break;
            }
            let t = doc.line(k).trim();
            // A name starts a row once the row before has its description.
            match rows.last_mut() {
                Some((_, text)) if text.is_empty() || !is_name(t) => text.push(t),
                _ if is_name(t) => rows.push((k, Vec::new())),
                _ => break,
            }
            at = next_nonblank(doc, k);
        }
        let params = rows
            .into_iter()
            .map(|(k, text)| {
                let (description, values) = description(&text);
                build(json!({
                    "name": doc.line(k).trim(),
                    "in": "query",
                    "type": "string",
                    "role": "filter",
                    "enum": values,
                    "description": description,
                    "doc": DocRef::line(doc.name, k as u32),
                }))
            })
            .collect();
        out.push(FilterTable { caption: n, params });
    }
    out
}

// ---------------------------------------------------------------------------------
// Requests to operations

struct Class {
    id: String,
    kind: OperationKind,
    resource: Option<String>,
    template: String,
}

fn segments(target: &str) -> Vec<&str> {
    let path = target.split('?').next().unwrap_or(target);
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

/// The path parameter an identifier segment stands for: `TPN:000000001` → `tpn`, an
/// email address → `email`, a number → `id`.
fn placeholder(segment: &str) -> Option<String> {
    if let Some((prefix, number)) = segment.split_once(':')
        && !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
    {
        return Some(prefix.to_lowercase());
    }
    if segment.contains('@') {
        return Some("email".into());
    }
    (segment.chars().all(|c| c.is_ascii_digit())).then(|| "id".into())
}

/// The operation of a request: the resource whose collection is the path's last
/// collection segment, and what follows it (`[]`, `[id]`, `[id, history]`, …).
/// `plurals` pairs collection names with resource names.
fn classify(plurals: &[(String, String)], method: Method, target: &str) -> Class {
    let segs = segments(target);
    let template = format!(
        "/{}",
        segs.iter()
            .map(|s| placeholder(s).map_or(s.to_string(), |p| format!("{{{p}}}")))
            .collect::<Vec<_>>()
            .join("/")
    );
    let at = segs
        .iter()
        .rposition(|s| plurals.iter().any(|(p, _)| p == s));
    let Some(at) = at else {
        let id = segs
            .iter()
            .filter(|s| placeholder(s).is_none())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        return Class {
            id,
            kind: OperationKind::Other,
            resource: None,
            template,
        };
    };
    let (plural, resource) = plurals
        .iter()
        .find(|(p, _)| p == segs[at])
        .expect("found above");
    let rest: Vec<(&str, bool)> = segs[at + 1..]
        .iter()
        .map(|s| (*s, placeholder(s).is_some()))
        .collect();
    let method_name = method.as_str().to_lowercase();
    let (kind, suffix) = match (&rest[..], method) {
        ([], Method::Get) => (OperationKind::List, "list".to_string()),
        ([], Method::Post) => (OperationKind::Create, "create".into()),
        ([], Method::Put | Method::Patch) => (OperationKind::Update, method_name),
        ([(_, true)], Method::Get) => (OperationKind::Get, "get".into()),
        ([(_, true)], Method::Put | Method::Patch) => (OperationKind::Update, "update".into()),
        ([(_, true)], Method::Delete) => (OperationKind::Delete, "delete".into()),
        ([(_, true), ("history", false)], Method::Get) => {
            (OperationKind::History, "history".into())
        }
        ([(_, true), (word, false)], _) => (OperationKind::Action, word.to_string()),
        ([(word, false)], _) => (OperationKind::Other, word.to_string()),
        _ => (
            OperationKind::Other,
            rest.iter()
                .filter(|(_, id)| !id)
                .map(|(s, _)| *s)
                .chain(std::iter::once(method_name.as_str()))
                .collect::<Vec<_>>()
                .join("/"),
        ),
    };
    Class {
        id: format!("{plural}/{suffix}"),
        kind,
        resource: Some(resource.clone()),
        template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // The last row stops at the heading; `Null` is kept as the document says.
        assert_eq!(rows[7].ty.to_string(), "null");
        assert_eq!(rows[7].description, "");
        assert_eq!(tables[0].end, 51);
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

    #[test]
    fn reads_filter_tables_with_possible_values() {
        let text = "\
Table 2. Filters for projects
Filter name Description

tpn

TPN(s) to be used as a filter. Eg: TPN:000000013.

intention

Name of the intention. Possible values:

  • Point Mutation

  • Deletion

gene

Marker symbol or accession id(s). Eg.Vps37a,MGI:1261835

Table 4. Filters for production plans

attemptTypeName

Attempt type. Possible values are:

  • crispr

5.3. GET
";
        let d = doc(text);
        let stops = stop_lines(&d, &headings(&d), &[]);
        let tables = filter_tables(&d, &stops);
        assert_eq!(tables.len(), 2);
        let names: Vec<&str> = tables[0].params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["tpn", "intention", "gene"]);
        let intention = &tables[0].params[1];
        assert_eq!(intention.values, ["Point Mutation", "Deletion"]);
        assert_eq!(
            intention.description,
            "Name of the intention. Possible values:"
        );
        assert_eq!(intention.doc.to_string(), "t.txt:8");
        assert_eq!(tables[1].params[0].values, ["crispr"]);
        assert_eq!(tables[1].params[0].name, "attemptTypeName");
    }

    #[test]
    fn reads_curl_commands() {
        let text = "\
Curl:

$ curl 'http://localhost:8080/api/people/x@y.org' -i -X PUT \\
    -H 'Content-Type: application/json' \\
    -H 'Authorization: Bearer abc' \\
    -d '{
  \"name\" : \"N\"
}'
Example Response
HTTP/1.1 200 OK
";
        let d = doc(text);
        let msgs = all_messages(&d);
        assert_eq!(msgs.len(), 2);
        let m = &msgs[0];
        assert_eq!(
            m.start,
            Start::Request {
                method: Method::Put,
                target: "/api/people/x@y.org".into()
            }
        );
        assert_eq!(d.position(m.offset).0, 3);
        assert_eq!(m.content_type().as_deref(), Some("application/json"));
        assert!(m.header("Authorization").is_some());
        let (body, at) = m.body.as_ref().unwrap();
        assert_eq!(body, "{\n  \"name\" : \"N\"\n}");
        assert_eq!(&text[*at..*at + 1], "{");
        assert!(only_captions(&d, m.end, msgs[1].offset));
    }

    #[test]
    fn classifies_paths_by_their_last_collection() {
        let plurals = [
            ("plans".to_string(), "plan".to_string()),
            ("outcomes".to_string(), "outcome".to_string()),
            ("people".to_string(), "user".to_string()),
        ];
        let c = classify(
            &plurals,
            Method::Get,
            "/api/plans/PIN:0000000001/outcomes/TPO:000000000002/history",
        );
        assert_eq!(c.id, "outcomes/history");
        assert_eq!(c.kind, OperationKind::History);
        assert_eq!(c.template, "/api/plans/{pin}/outcomes/{tpo}/history");
        let c = classify(&plurals, Method::Post, "/api/plans/");
        assert_eq!(
            (c.id.as_str(), c.kind),
            ("plans/create", OperationKind::Create)
        );
        assert_eq!(c.template, "/api/plans");
        let c = classify(&plurals, Method::Get, "/api/plans?statusName=x&a=b");
        assert_eq!(c.id, "plans/list");
        let c = classify(&plurals, Method::Put, "/api/people/a@b.org");
        assert_eq!(
            (c.id.as_str(), c.template.as_str()),
            ("people/update", "/api/people/{email}")
        );
        let c = classify(&plurals, Method::Put, "/api/people");
        assert_eq!(
            (c.id.as_str(), c.kind),
            ("people/put", OperationKind::Update)
        );
        let c = classify(&plurals, Method::Get, "/api/people/currentPerson");
        assert_eq!(
            (c.id.as_str(), c.kind),
            ("people/currentPerson", OperationKind::Other)
        );
        let c = classify(&plurals, Method::Post, "/auth/signin");
        assert_eq!((c.id.as_str(), c.resource), ("auth/signin", None));
    }

    #[test]
    fn variants_union_their_tables() {
        let f = |path: &str, ty: &str, line: u32| -> Field {
            build(json!({"path": path, "type": ty, "doc": format!("t.txt:{line}")}))
        };
        let v = |name: &str, fields: Vec<Field>| Variant {
            name: name.into(),
            resource: "plan".into(),
            title: name.into(),
            when: None,
            fields,
            doc: DocRef::line("t.txt", 1),
        };
        let vs = [
            v(
                "a",
                vec![
                    f("pin", "string", 2),
                    f("note", "null", 3),
                    f("x", "object", 4),
                ],
            ),
            v(
                "b",
                vec![
                    f("pin", "string", 10),
                    f("note", "string", 11),
                    f("y", "number", 12),
                ],
            ),
            v("c", vec![f("pin", "number", 20), f("note", "null", 21)]),
        ];
        let u = union(&vs);
        let got: Vec<String> = u
            .iter()
            .map(|f| format!("{} {} {}", f.path, f.ty, f.doc))
            .collect();
        assert_eq!(
            got,
            [
                "pin string t.txt:2",
                "pin number t.txt:20",
                "note string t.txt:11",
                "x object t.txt:4",
                "y number t.txt:12"
            ]
        );
    }

    #[test]
    fn names_from_titles() {
        assert_eq!(singular_snake("Phenotyping Stages"), "phenotyping_stage");
        assert_eq!(singular_snake("Users"), "user");
        assert_eq!(words_snake("ES Cell plan"), "es_cell_plan");
        assert_eq!(heading("6.1.1. Crispr plan."), Some((3, "Crispr plan.")));
        assert_eq!(heading("  1. Client logs in"), None);
        assert_eq!(target_of("http://h:8080/api/x?a=b"), "/api/x?a=b");
    }
}
