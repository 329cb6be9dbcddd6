//! The omero style: a reStructuredText document flattened onto one line.
//!
//! Without line structure, everything is found by its markup, and cited by column with
//! the nearest heading (`omero.txt:1:4312 (Pagination)`):
//!
//! - headings: a title followed by an underline of `=`, `-` or `^` exactly as long
//!   as the title (`Login ^^^^^`);
//! - literal blocks: what follows `::` — a request line (`GET /api/v0/m/projects/`),
//!   a JSON body, a comma list of parameter names (`offset, limit, owner`), or
//!   example URLs (`/api/v0/m/projects/?limit=100`);
//! - parameter tables: `Name Type Description` over a run of dashes, then rows
//!   `name Type description…` with nothing but the type word to tell where a row
//!   starts;
//! - bold markers: `**Response**`, `**Content**` (a request body), `**400 Bad
//!   Request**` (the status of what follows), and titles such as `**Datasets in a
//!   Project**`.
//!
//! Within a section (the text under one heading), the tables and parameter lists
//! belong to the section's first request; tables of a section without a request
//! define the parameters that later lists name ("These query parameters are also
//! supported (see above)"), and such a parameter is cited at its defining row. A
//! body belongs to the last request before it in its section; a `**Content**` body
//! is that request's own. Literal URLs with a query are request examples of the list
//! they query; a member printed alone (`"meta": { … },`) is a fragment example.
//!
//! Requests under the model prefix `/m/` address resources: the collection segment
//! names the resource (`/m/projects/` lists projects, `/m/projects/{project_id}/`
//! gets one, `/m/projects/{project_id}/datasets/` lists the datasets of one); a
//! POST or PUT to a path naming no collection (`/m/save/`) saves the resource its
//! body's `@type` names. Other requests are operations of their own, named after
//! their section, whose response fields are read from their examples.
//!
//! Example bodies print Python literals (`False`) and `# omitted for brevity`
//! comments, and lose commas; they are kept exactly as printed, and read leniently
//! (see `Lenient`) only to learn the fields and types they show.

use std::collections::HashMap;

use super::text::{Doc, balanced_end};
use super::{ExtractError, Extracted};
use crate::spec::{
    Example, ExampleKind, Field, FieldType, Kind, Method, Operation, OperationKind, Param, ParamIn,
    Resource, Shape,
};

/// The path segment under which URLs address OMERO model objects ("All these URLs
/// are under the ``m`` prefix").
const MODEL_SEGMENT: &str = "m";

/// Column names of a parameter table.
const TABLE_HEADER: &str = "Name Type Description";

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let text = doc.text;
    let heads = headings(text);
    let doc = Doc::new(doc.name, text)
        .with_headings(heads.iter().map(|h| (h.start, h.title.clone())).collect());
    let fail = |at: usize, message: String| ExtractError {
        at: doc.at(at),
        message,
    };
    let section = |at: usize| heads.iter().rposition(|h| h.start <= at);

    let blocks = literal_blocks(text).map_err(|(at, m)| fail(at, m))?;
    let tables = tables(text, &heads).map_err(|(at, m)| fail(at, m))?;
    let bolds = bold_markers(text);

    // Requests, and the bodies that belong to them.
    let mut requests: Vec<Request> = Vec::new();
    let mut bodies: Vec<Body> = Vec::new();
    let mut lists: Vec<(usize, Vec<(String, usize)>)> = Vec::new();
    let mut queries: Vec<(usize, String)> = Vec::new();
    let mut fragments: Vec<(usize, usize)> = Vec::new();
    for block in blocks {
        match block {
            Block::Request { at, method, target } => requests.push(Request {
                at,
                method,
                path: target.split('?').next().unwrap_or(&target).to_string(),
                target,
                section: section(at),
                content: None,
            }),
            Block::Json { at, end } => {
                let value = Lenient::new(text)
                    .parse(at)
                    .map_err(|(a, m)| fail(a, format!("cannot read this example body: {m}")))?;
                let request = requests
                    .iter()
                    .rposition(|r| r.section == section(at) && r.at < at);
                // The last bold marker since the request says what the body is.
                let since = request.map_or(0, |r| requests[r].at);
                let marker = bolds
                    .iter()
                    .rfind(|(b, _)| *b > since && *b < at && section(*b) == section(at))
                    .map(|(_, label)| label.as_str());
                let status = marker.and_then(status_of);
                if marker == Some("Content") {
                    let Some(r) = request else {
                        return Err(fail(at, "a request body without a request".into()));
                    };
                    requests[r].content = Some(bodies.len());
                }
                bodies.push(Body {
                    at,
                    end,
                    value,
                    request,
                    content: marker == Some("Content"),
                    status,
                });
            }
            Block::Names { at, names } => lists.push((at, names)),
            Block::Query { at, target } => queries.push((at, target)),
            Block::Fragment { at, end } => fragments.push((at, end)),
        }
    }

    // Collections: what GET requests under the model prefix list or get.
    let mut collections: Vec<String> = Vec::new();
    for r in requests.iter().filter(|r| r.method == Method::Get) {
        if let Some(segs) = model_segments(&r.path)
            && let Some(c) = collection_of(&segs)
            && !collections.contains(&c)
        {
            collections.push(c);
        }
    }
    let mut targets: Vec<Target> = Vec::new();
    for r in &requests {
        targets.push(target_of(r.method, &r.path, &collections).map_err(|m| fail(r.at, m))?);
    }

    // Resources: named after the `@type` their examples show, where one agrees with
    // the collection's name; otherwise after the collection.
    let mut resources: Vec<Resource> = Vec::new();
    for plural in &collections {
        let singular = plural.strip_suffix('s').unwrap_or(plural);
        let mut types: Vec<String> = Vec::new();
        for b in bodies.iter().filter(|b| !b.content) {
            let Some(r) = b.request else { continue };
            if targets[r].plural.as_deref() != Some(plural.as_str())
                || !matches!(targets[r].kind, OperationKind::List | OperationKind::Get)
            {
                continue;
            }
            for item in items(&b.value) {
                if let Some(J::Str(t)) = item.get("@type")
                    && let Some((_, name)) = t.rsplit_once('#')
                {
                    types.push(name.to_string());
                }
            }
        }
        let title = types
            .iter()
            .find(|t| t.to_lowercase() == singular.to_lowercase())
            .cloned();
        let first = requests
            .iter()
            .zip(&targets)
            .find(|(_, t)| t.plural.as_deref() == Some(plural.as_str()))
            .map(|(r, _)| r.at)
            .unwrap_or(0);
        let at = section(first).map_or(first, |s| heads[s].start);
        resources.push(Resource {
            name: title.as_deref().map_or(singular.to_string(), snake_case),
            plural: Some(plural.clone()),
            title,
            description: String::new(),
            id_field: None,
            rejects_unknown: false,
            fields: Vec::new(),
            rules: Vec::new(),
            doc: doc.at(at),
        });
    }

    // Saves name their resource by the `@type` of their body.
    for (r, t) in requests.iter().zip(targets.iter_mut()) {
        if !t.by_body {
            continue;
        }
        let ty = r
            .content
            .and_then(|b| match bodies[b].value.get("@type") {
                Some(J::Str(s)) => s.rsplit_once('#').map(|(_, n)| n.to_string()),
                _ => None,
            })
            .ok_or_else(|| {
                fail(
                    r.at,
                    "a save request without a body naming its `@type`".into(),
                )
            })?;
        let res = resources
            .iter()
            .find(|res| res.title.as_deref() == Some(ty.as_str()))
            .ok_or_else(|| fail(r.at, format!("the body saves a `{ty}`, which no URL lists")))?;
        t.plural = res.plural.clone();
    }

    // Shared parameters: tables in sections without a request.
    let mut shared: HashMap<String, Row> = HashMap::new();
    for t in &tables {
        let s = section(t.at);
        if !requests.iter().any(|r| r.section == s) {
            for row in &t.rows {
                shared.insert(row.name.clone(), row.clone());
            }
        }
    }

    // Operations, in the order the document first shows them.
    let mut operations: Vec<Operation> = Vec::new();
    let mut op_of_request: Vec<String> = Vec::new();
    for (i, (r, t)) in requests.iter().zip(&targets).enumerate() {
        let id = match &t.plural {
            Some(plural) => {
                let parents: Vec<String> = t
                    .parents
                    .iter()
                    .map(|p| resource_of(&resources, p).map_or(p.clone(), |res| res.name.clone()))
                    .collect();
                let kind = kind_name(t.kind);
                if parents.is_empty() {
                    format!("{plural}/{kind}")
                } else {
                    format!("{plural}/{kind}_by_{}", parents.join("_"))
                }
            }
            // Named after the section that first shows the request.
            None => requests
                .iter()
                .find(|q| q.method == r.method && q.path == r.path)
                .and_then(|q| q.section)
                .map_or_else(String::new, |s| slug(&heads[s].title)),
        };
        op_of_request.push(id.clone());
        if operations.iter().any(|o| o.id == id) {
            continue;
        }
        let mut params = Vec::new();
        let first_in_section = requests.iter().position(|q| q.section == r.section) == Some(i);
        if first_in_section && r.section.is_some() {
            let location = if r.method == Method::Get {
                ParamIn::Query
            } else {
                ParamIn::Form
            };
            let mut own: Vec<(usize, Param)> = Vec::new();
            for t in tables.iter().filter(|t| section(t.at) == r.section) {
                for row in &t.rows {
                    own.push((row.at, row.param(&doc, location)));
                }
            }
            for (at, names) in lists.iter().filter(|(at, _)| section(*at) == r.section) {
                for (name, name_at) in names {
                    let row = shared.get(name).ok_or_else(|| {
                        fail(
                            *at,
                            format!("the list names parameter `{name}`, which no table defines"),
                        )
                    })?;
                    // Cited at its row, which states it; listed where the list names it.
                    own.push((*name_at, row.param(&doc, location)));
                }
            }
            own.sort_by_key(|(at, _)| *at);
            params.extend(own.into_iter().map(|(_, p)| p));
        }
        // Query parameters of the URL template itself (`?group={group_id}`).
        if let Some((_, query)) = r.target.split_once('?') {
            let query_at = r.at + r.target.find('?').unwrap_or(0);
            for pair in query.split('&') {
                let name = pair.split('=').next().unwrap_or(pair);
                let at = text[query_at..]
                    .find(pair)
                    .map_or(query_at, |i| query_at + i);
                let ty = shared
                    .get(name)
                    .map_or(FieldType::scalar(Kind::String), |row| row.ty);
                params.push(Param {
                    name: name.to_string(),
                    location: ParamIn::Query,
                    ty,
                    required: true,
                    list: false,
                    values: Vec::new(),
                    role: None,
                    matches: Vec::new(),
                    same_as: None,
                    value: None,
                    description: String::new(),
                    doc: doc.at(at),
                });
            }
        }
        let summary = label_before(&heads, &bolds, r.at);
        operations.push(Operation {
            id,
            kind: t.kind,
            resource: t
                .plural
                .as_deref()
                .and_then(|p| resource_of(&resources, p))
                .map(|res| res.name.clone()),
            method: r.method,
            path: r.path.clone(),
            summary,
            params,
            responses: Vec::new(),
            auth: true,
            paginated: t.kind == OperationKind::List,
            items_pointer: None,
            response_fields: Vec::new(),
            request_fields: Vec::new(),
            doc: doc.at(r.at),
        });
    }

    // Fields: what the examples of each resource show of its items; response fields
    // of the other operations.
    for b in &bodies {
        let Some(r) = b.request else { continue };
        // A request body is the item itself; a response holds items under `data`.
        let root = b.content;
        let op_id = &op_of_request[r];
        match &targets[r].plural {
            Some(plural) => {
                let res = resources
                    .iter_mut()
                    .find(|res| res.plural() == plural)
                    .expect("targets name known collections");
                if root {
                    collect_fields(&doc, &b.value, "", &mut res.fields);
                } else {
                    for item in items(&b.value) {
                        collect_fields(&doc, item, "", &mut res.fields);
                    }
                }
            }
            None => {
                let op = operations
                    .iter_mut()
                    .find(|o| &o.id == op_id)
                    .expect("every request has an operation");
                let fields = if root {
                    &mut op.request_fields
                } else {
                    &mut op.response_fields
                };
                collect_fields(&doc, &b.value, "", fields);
            }
        }
    }

    // Examples: request lines (with their bodies), example URLs, and responses.
    let mut examples: Vec<Example> = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let at = doc.at(r.at);
        examples.push(Example {
            id: at.to_string(),
            kind: ExampleKind::Request,
            operation: Some(op_of_request[i].clone()),
            method: Some(r.method),
            target: Some(r.target.clone()),
            status: None,
            content_type: None,
            shape: None,
            body: r
                .content
                .map(|b| text[bodies[b].at..bodies[b].end].to_string()),
            body_doc: r.content.map(|b| doc.at(bodies[b].at)),
            doc: at,
        });
    }
    for (at, target) in &queries {
        let path = target.split('?').next().unwrap_or(target);
        let operation = target_of(Method::Get, path, &collections)
            .ok()
            .and_then(|t| {
                let id = format!("{}/{}", t.plural?, kind_name(t.kind));
                operations.iter().any(|o| o.id == id).then_some(id)
            });
        let place = doc.at(*at);
        examples.push(Example {
            id: place.to_string(),
            kind: ExampleKind::Request,
            operation,
            method: None,
            target: Some(target.clone()),
            status: None,
            content_type: None,
            shape: None,
            body: None,
            body_doc: None,
            doc: place,
        });
    }
    for b in bodies.iter().filter(|b| !b.content) {
        let place = doc.at(b.at);
        let operation = b.request.map(|r| op_of_request[r].clone());
        // A deleted object is returned as the item it was; no rule of shape inference
        // says so for deletes.
        let shape = b
            .request
            .filter(|r| targets[*r].kind == OperationKind::Delete)
            .and_then(|r| targets[r].plural.as_deref())
            .and_then(|p| resource_of(&resources, p))
            .map(|res| Shape::Item(res.name.clone()));
        examples.push(Example {
            id: place.to_string(),
            kind: ExampleKind::Response,
            operation,
            method: None,
            target: None,
            status: b.status,
            content_type: None,
            shape,
            body: Some(text[b.at..b.end].to_string()),
            body_doc: Some(place.clone()),
            doc: place,
        });
    }
    for (at, end) in fragments {
        let place = doc.at(at);
        examples.push(Example {
            id: place.to_string(),
            kind: ExampleKind::Fragment,
            operation: None,
            method: None,
            target: None,
            status: None,
            content_type: None,
            shape: None,
            body: Some(text[at..end].to_string()),
            body_doc: Some(place.clone()),
            doc: place,
        });
    }
    examples.sort_by_key(|e| e.doc.column);

    Ok(Extracted {
        document: doc.name.to_string(),
        resources,
        operations,
        examples,
        ..Default::default()
    })
}

// ---------------------------------------------------------------------------------
// Headings and bold markers

#[derive(Debug, Clone, PartialEq)]
struct Heading {
    /// Byte offset of the title.
    start: usize,
    title: String,
}

const UNDERLINES: [u8; 3] = [b'=', b'-', b'^'];

/// Titles followed by an underline exactly as long as they are (`Login ^^^^^`).
/// The dash run under a table header is no underline: the text of its length
/// before it does not start at a word or holds markup.
fn headings(text: &str) -> Vec<Heading> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !UNDERLINES.contains(&c) || (i > 0 && b[i - 1] != b' ') {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j] == c {
            j += 1;
        }
        let n = j - i;
        if n >= 3 && (j == b.len() || b[j] == b' ') && i > 0 {
            let before = &text[..i - 1];
            if let Some((start, _)) = before.char_indices().rev().nth(n - 1) {
                let title = &before[start..];
                let at_word = start == 0 || b[start - 1] == b' ';
                if at_word && is_title(title) {
                    out.push(Heading {
                        start,
                        title: title.to_string(),
                    });
                }
            }
        }
        i = j;
    }
    out
}

fn is_title(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphanumeric())
        && !s.ends_with([':', '.', ','])
        && !["::", "**", "``", "{", "}", TABLE_HEADER]
            .iter()
            .any(|m| s.contains(m))
}

/// `**label**` markers with their offsets.
fn bold_markers(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("**") {
        let start = from + i;
        let Some(len) = text[start + 2..].find("**") else {
            break;
        };
        out.push((start, text[start + 2..start + 2 + len].to_string()));
        from = start + 2 + len + 2;
    }
    out
}

/// `400 Bad Request` → 400.
fn status_of(label: &str) -> Option<u16> {
    let code: u16 = label.split(' ').next()?.parse().ok()?;
    (100..600).contains(&code).then_some(code)
}

/// The nearest title before `at`: a heading, or a bold title (`**Datasets in a
/// Project**`) within its section.
fn label_before(heads: &[Heading], bolds: &[(usize, String)], at: usize) -> String {
    let head = heads.iter().rfind(|h| h.start <= at);
    let from = head.map_or(0, |h| h.start);
    let bold = bolds.iter().rfind(|(b, label)| {
        *b > from
            && *b < at
            && label.starts_with(|c: char| c.is_uppercase())
            && !["Response", "Content", "Parameters"].contains(&label.as_str())
            && status_of(label).is_none()
    });
    match (bold, head) {
        (Some((_, label)), _) => label.clone(),
        (None, Some(h)) => h.title.clone(),
        (None, None) => String::new(),
    }
}

// ---------------------------------------------------------------------------------
// Literal blocks

#[derive(Debug, Clone, PartialEq)]
enum Block {
    Request {
        at: usize,
        method: Method,
        target: String,
    },
    Json {
        at: usize,
        end: usize,
    },
    /// A member printed on its own (`"meta": { … }`).
    Fragment {
        at: usize,
        end: usize,
    },
    /// `offset, limit, owner`: parameters defined in a table above.
    Names {
        at: usize,
        names: Vec<(String, usize)>,
    },
    /// An example URL with a query (`/api/v0/m/projects/?limit=100`).
    Query {
        at: usize,
        target: String,
    },
}

/// Whitespace-separated words from `from` on, with their offsets.
fn words(text: &str, from: usize) -> impl Iterator<Item = (usize, &str)> {
    text[from..]
        .split(' ')
        .scan(from, |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// What follows each `::`.
fn literal_blocks(text: &str) -> Result<Vec<Block>, (usize, String)> {
    let mut out = Vec::new();
    for (marker, _) in text.match_indices("::") {
        let mut ws = words(text, marker + 2);
        let Some((at, first)) = ws.next() else {
            continue;
        };
        if let Some(method) = Method::parse(first) {
            let Some((_, target)) = ws.next().filter(|(_, t)| t.starts_with('/')) else {
                continue;
            };
            out.push(Block::Request {
                at,
                method,
                target: target.to_string(),
            });
        } else if first.starts_with(['{', '[']) {
            let end = balanced_end(text, at).ok_or((at, "this JSON block never closes".into()))?;
            out.push(Block::Json { at, end });
        } else if first.starts_with('"') && first.ends_with("\":") {
            // A member printed alone (`"meta": { … },`), up to its value's end.
            let value = at + first.len() + text[at + first.len()..].len()
                - text[at + first.len()..].trim_start().len();
            if let Some(end) = balanced_end(text, value) {
                out.push(Block::Fragment { at, end });
            }
        } else if first.starts_with(['/', '#']) {
            // Paths, each perhaps after a `# comment`; the block ends at the first
            // word after a path that is neither.
            let mut in_comment = false;
            for (at, w) in std::iter::once((at, first)).chain(ws) {
                if w.starts_with('/') {
                    in_comment = false;
                    if w.contains('?') {
                        out.push(Block::Query {
                            at,
                            target: w.to_string(),
                        });
                    }
                } else if w == "#" || w.starts_with('#') {
                    in_comment = true;
                } else if !in_comment {
                    break;
                }
            }
        } else if let Some(names) = name_list(std::iter::once((at, first)).chain(ws)) {
            out.push(Block::Names { at, names });
        }
    }
    Ok(out)
}

/// `a, b, c`: names each followed by a comma but the last.
fn name_list<'a>(mut ws: impl Iterator<Item = (usize, &'a str)>) -> Option<Vec<(String, usize)>> {
    let mut names = Vec::new();
    loop {
        let (at, w) = ws.next()?;
        match w.strip_suffix(',') {
            Some(name) if is_param_name(name) => names.push((name.to_string(), at)),
            None if is_param_name(w) && !names.is_empty() => {
                names.push((w.to_string(), at));
                return Some(names);
            }
            _ => return None,
        }
    }
}

fn is_param_name(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_lowercase())
        && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

// ---------------------------------------------------------------------------------
// Parameter tables

#[derive(Debug, Clone, PartialEq)]
struct Row {
    name: String,
    at: usize,
    ty: FieldType,
    description: String,
}

impl Row {
    /// The parameter this row defines, cited at the row.
    fn param(&self, doc: &Doc, location: ParamIn) -> Param {
        Param {
            name: self.name.clone(),
            location,
            ty: self.ty,
            required: false,
            list: false,
            values: Vec::new(),
            role: None,
            matches: Vec::new(),
            same_as: None,
            value: None,
            description: self.description.clone(),
            doc: doc.at(self.at),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Table {
    at: usize,
    rows: Vec<Row>,
}

/// The table's type words. `Number` is read as an integer: every `Number` of the
/// document is an ID, an offset or a size (see the spec's assumptions).
fn type_word(w: &str) -> Option<FieldType> {
    Some(FieldType::scalar(match w {
        "Number" | "Integer" => Kind::Int,
        "String" => Kind::String,
        "Boolean" => Kind::Boolean,
        _ => return None,
    }))
}

/// Parameter tables: the header, a run of dashes, then rows up to the next heading,
/// bold marker or literal block. When the text before that literal block introduces
/// it (`These query parameters are also supported (see above): ::`), the
/// introduction is no row's: it starts at the last capitalized word.
fn tables(text: &str, heads: &[Heading]) -> Result<Vec<Table>, (usize, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(TABLE_HEADER) {
        let after = at + TABLE_HEADER.len();
        let dashes = text[after..].trim_start_matches(' ');
        let run = dashes.len() - dashes.trim_start_matches('-').len();
        if run < 3 {
            continue;
        }
        let start = text.len() - dashes.len() + run;
        let mut end = text.len();
        if let Some(h) = heads.iter().find(|h| h.start > start) {
            end = end.min(h.start);
        }
        for m in ["**", "::"] {
            if let Some(i) = text[start..].find(m) {
                end = end.min(start + i);
            }
        }
        let mut ws: Vec<(usize, &str)> = words(&text[..end], start).collect();
        if ws.last().is_some_and(|(_, w)| w.ends_with(':'))
            && let Some(k) = ws
                .iter()
                .rposition(|(_, w)| w.starts_with(|c: char| c.is_uppercase()))
        {
            ws.truncate(k);
        }
        out.push(Table {
            at,
            rows: rows(text, &ws)?,
        });
    }
    Ok(out)
}

/// Rows of a table body: a row starts at a name followed by a type word.
fn rows(text: &str, ws: &[(usize, &str)]) -> Result<Vec<Row>, (usize, String)> {
    let starts_row = |i: usize| {
        is_param_name(ws[i].1) && ws.get(i + 1).is_some_and(|(_, t)| type_word(t).is_some())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        if !starts_row(i) {
            return Err((
                ws[i].0,
                format!(
                    "a table row starts with a name and a type (Number, String, Boolean), not `{}`",
                    ws[i].1
                ),
            ));
        }
        let mut j = i + 2;
        while j < ws.len() && !starts_row(j) {
            j += 1;
        }
        let description = match (ws.get(i + 2), ws.get(j.wrapping_sub(1))) {
            (Some((from, _)), Some((last, w))) if j > i + 2 => &text[*from..last + w.len()],
            _ => "",
        };
        out.push(Row {
            name: ws[i].1.to_string(),
            at: ws[i].0,
            ty: type_word(ws[i + 1].1).expect("checked by starts_row"),
            description: description.to_string(),
        });
        i = j;
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// Requests and what they address

struct Request {
    at: usize,
    method: Method,
    /// As printed, query included.
    target: String,
    path: String,
    section: Option<usize>,
    /// Index into the bodies of the request's `**Content**`.
    content: Option<usize>,
}

struct Body {
    at: usize,
    end: usize,
    value: J,
    /// The request the body is sent with, or the response to.
    request: Option<usize>,
    /// A request body (`**Content**`).
    content: bool,
    /// From a `**400 Bad Request**` marker before it.
    status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq)]
struct Target {
    kind: OperationKind,
    /// The collection of the resource addressed; `None` for other operations.
    plural: Option<String>,
    /// Segments before the collection in a nested list, placeholders left out.
    parents: Vec<String>,
    /// The resource is named by the request body's `@type`.
    by_body: bool,
}

/// The segments under the model prefix, if the path is under it.
fn model_segments(path: &str) -> Option<Vec<&str>> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let at = segs.iter().position(|s| *s == MODEL_SEGMENT)?;
    Some(segs[at + 1..].to_vec())
}

fn is_placeholder(s: &str) -> bool {
    s.starts_with('{') && s.ends_with('}')
}

/// The collection a GET path lists or gets from.
fn collection_of(segs: &[&str]) -> Option<String> {
    match segs {
        [.., last] if !is_placeholder(last) => Some(last.to_string()),
        [coll, id] if is_placeholder(id) => Some(coll.to_string()),
        _ => None,
    }
}

fn target_of(method: Method, path: &str, collections: &[String]) -> Result<Target, String> {
    let Some(segs) = model_segments(path) else {
        return Ok(Target {
            kind: OperationKind::Other,
            plural: None,
            parents: Vec::new(),
            by_body: false,
        });
    };
    let known = |s: &str| collections.iter().any(|c| c == s);
    let target = |kind, plural: &str, parents: Vec<String>| Target {
        kind,
        plural: Some(plural.to_string()),
        parents,
        by_body: false,
    };
    Ok(match (&segs[..], method) {
        ([coll, id], m) if is_placeholder(id) && known(coll) => {
            let kind = match m {
                Method::Get => OperationKind::Get,
                Method::Delete => OperationKind::Delete,
                Method::Put | Method::Patch => OperationKind::Update,
                Method::Post => OperationKind::Action,
            };
            target(kind, coll, Vec::new())
        }
        ([before @ .., coll], Method::Get) if known(coll) => {
            let parents = before
                .iter()
                .filter(|s| !is_placeholder(s))
                .map(|s| s.to_string())
                .collect();
            target(OperationKind::List, coll, parents)
        }
        (segs, Method::Post | Method::Put)
            if !segs.iter().any(|s| is_placeholder(s) || known(s)) =>
        {
            Target {
                kind: if method == Method::Post {
                    OperationKind::Create
                } else {
                    OperationKind::Update
                },
                plural: None,
                parents: Vec::new(),
                by_body: true,
            }
        }
        _ => {
            return Err(format!(
                "`{} {path}` addresses no collection",
                method.as_str()
            ));
        }
    })
}

fn resource_of<'r>(resources: &'r [Resource], plural: &str) -> Option<&'r Resource> {
    resources.iter().find(|r| r.plural() == plural)
}

fn kind_name(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::List => "list",
        OperationKind::Get => "get",
        OperationKind::Create => "create",
        OperationKind::Update => "update",
        OperationKind::Delete => "delete",
        OperationKind::Action => "action",
        _ => "other",
    }
}

/// `List supported versions` → `list_supported_versions`.
fn slug(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// `PlateAcquisition` → `plate_acquisition`, `ROI` → `roi`.
fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}

// ---------------------------------------------------------------------------------
// Example bodies, read leniently

/// A JSON value as an example prints it, with the offset of each key.
#[derive(Debug, Clone, PartialEq)]
enum J {
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
    fn get(&self, key: &str) -> Option<&J> {
        match self {
            J::Object(members) => members.iter().find(|(k, _, _)| k == key).map(|(_, _, v)| v),
            _ => None,
        }
    }

    fn field_type(&self) -> FieldType {
        let kind = |v: &J| match v {
            J::Null => Kind::Null,
            J::Bool => Kind::Boolean,
            J::Int => Kind::Int,
            J::Number => Kind::Number,
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
fn items(body: &J) -> Vec<&J> {
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
fn collect_fields(doc: &Doc, value: &J, prefix: &str, fields: &mut Vec<Field>) {
    let J::Object(members) = value else { return };
    for (key, at, v) in members {
        let path = format!("{prefix}{key}");
        let ty = v.field_type();
        match fields.iter_mut().find(|f| f.path == path) {
            Some(f) => f.ty = unify(f.ty, ty),
            None => fields.push(Field {
                path: path.clone(),
                ty,
                required: false,
                required_if: None,
                readonly: false,
                writeonly: false,
                filterable: false,
                nullable: false,
                values: Vec::new(),
                pattern: None,
                description: String::new(),
                doc: doc.at(*at),
                type_doc: None,
            }),
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
struct Lenient<'a> {
    text: &'a str,
    pos: usize,
    quirks: Vec<(usize, String)>,
}

type Parsed<T> = Result<T, (usize, String)>;

impl<'a> Lenient<'a> {
    fn new(text: &'a str) -> Self {
        Lenient {
            text,
            pos: 0,
            quirks: Vec::new(),
        }
    }

    fn parse(&mut self, at: usize) -> Parsed<J> {
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

    const SAMPLE: &str = "JSON API ======== Overview -------- Intro text. \
        Pagination ^^^^^^^^^^ Lists are paged. \
        Things ------ **Parameters** These are used below: :: Name Type Description \
        ---------------------------------- offset Number Pagination offset. The default is 0 \
        owner Number Filter by Experimenter ID \
        List Things ^^^^^^^^^^^ **Parameters** :: Name Type Description -------------------- \
        thing Number Filter Things by parent Thing ID These query parameters are also \
        supported (see above): :: offset, owner :: GET /api/v0/m/things/ **Response** :: \
        { \"data\": [ { \"@id\": 1, \"Name\": \"a\", \"isAdmin\": False, \"omero:details\": \
        { # omitted for brevity }, }, ] } \
        Get a single Thing ^^^^^^^^^^^^^^^^^^ :: GET /api/v0/m/things/{thing_id}/ \
        **Response** :: { \"data\": { \"@id\": 2, \"Size\": 1.5 } }";

    #[test]
    fn finds_headings_by_their_underline() {
        let h: Vec<String> = headings(SAMPLE).into_iter().map(|h| h.title).collect();
        assert_eq!(
            h,
            [
                "JSON API",
                "Overview",
                "Pagination",
                "Things",
                "List Things",
                "Get a single Thing"
            ]
        );
        // A table's dash run is no underline.
        assert!(
            !headings("x :: Name Type Description ------------------ a Number b")
                .iter()
                .any(|h| h.title.contains("Name"))
        );
    }

    #[test]
    fn cites_by_column_and_heading() {
        let heads = headings(SAMPLE);
        let doc = Doc::new("t.txt", SAMPLE)
            .with_headings(heads.iter().map(|h| (h.start, h.title.clone())).collect());
        let at = SAMPLE.find("Lists are paged").unwrap();
        assert_eq!(
            doc.at(at).to_string(),
            format!("t.txt:1:{} (Pagination)", at + 1)
        );
        // Columns count characters, not bytes.
        let doc = Doc::new("u.txt", "µm Title ^^^^^ x").with_headings(vec![(3, "Title".into())]);
        assert_eq!(doc.at(16).to_string(), "u.txt:1:16 (Title)");
    }

    #[test]
    fn reads_parameter_tables() {
        let heads = headings(SAMPLE);
        let t = tables(SAMPLE, &heads).unwrap();
        assert_eq!(t.len(), 2);
        let shared: Vec<(&str, String, &str)> = t[0]
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.ty.to_string(), r.description.as_str()))
            .collect();
        assert_eq!(
            shared,
            [
                (
                    "offset",
                    "int".into(),
                    "Pagination offset. The default is 0"
                ),
                ("owner", "int".into(), "Filter by Experimenter ID")
            ]
        );
        // The introduction of the literal block after the table is no description.
        assert_eq!(t[1].rows.len(), 1);
        assert_eq!(t[1].rows[0].description, "Filter Things by parent Thing ID");
        assert_eq!(&SAMPLE[t[1].rows[0].at..t[1].rows[0].at + 5], "thing");
        assert!(rows("a b", &words("a b", 0).collect::<Vec<_>>()).is_err());
    }

    #[test]
    fn reads_literal_blocks() {
        let b = literal_blocks(
            ":: # List the first 100 /api/v0/m/x/?limit=100 # next /api/v0/m/x/?offset=1 Then :: /api/v0/m/ The :: a, b, c :: POST /api/v0/m/save/?group={group_id} :: X-Y: 0.1 :: \"meta\": { \"a\": 1 }, x",
        )
        .unwrap();
        let kinds: Vec<String> = b
            .iter()
            .map(|b| match b {
                Block::Query { target, .. } => format!("query {target}"),
                Block::Names { names, .. } => format!("names {}", names.len()),
                Block::Request { method, target, .. } => format!("{} {target}", method.as_str()),
                Block::Json { .. } => "json".into(),
                Block::Fragment { .. } => "fragment".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "query /api/v0/m/x/?limit=100",
                "query /api/v0/m/x/?offset=1",
                "names 3",
                "POST /api/v0/m/save/?group={group_id}",
                "fragment"
            ]
        );
    }

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

    #[test]
    fn addresses_resources_by_collection() {
        let colls = vec!["projects".to_string(), "datasets".to_string()];
        let t = target_of(
            Method::Get,
            "/api/v0/m/projects/{project_id}/datasets/",
            &colls,
        )
        .unwrap();
        assert_eq!(t.kind, OperationKind::List);
        assert_eq!(t.plural.as_deref(), Some("datasets"));
        assert_eq!(t.parents, ["projects"]);
        let t = target_of(Method::Delete, "/api/v0/m/projects/{project_id}/", &colls).unwrap();
        assert_eq!(t.kind, OperationKind::Delete);
        assert!(
            target_of(Method::Put, "/api/v0/m/save/", &colls)
                .unwrap()
                .by_body
        );
        assert_eq!(
            target_of(Method::Get, "/api/v0/token/", &colls)
                .unwrap()
                .kind,
            OperationKind::Other
        );
        assert_eq!(snake_case("PlateAcquisition"), "plate_acquisition");
        assert_eq!(snake_case("ROI"), "roi");
        assert_eq!(
            slug("List available OMERO servers"),
            "list_available_omero_servers"
        );
    }

    #[test]
    fn extracts_a_small_document() {
        let doc = Doc::new("t.txt", SAMPLE);
        let x = extract(&doc).unwrap();
        assert_eq!(x.resources.len(), 1);
        let r = &x.resources[0];
        assert_eq!((r.name.as_str(), r.plural()), ("thing", "things"));
        let paths: Vec<String> = r
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.path, f.ty))
            .collect();
        assert_eq!(
            paths,
            [
                "@id:int",
                "Name:string",
                "isAdmin:boolean",
                "omero:details:object",
                "Size:number"
            ]
        );
        let list = &x.operations[0];
        assert_eq!(list.id, "things/list");
        let params: Vec<&str> = list.params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(params, ["thing", "offset", "owner"]);
        // A shared parameter is cited at the row that defines it.
        assert_eq!(
            list.params[1].doc.to_string(),
            format!(
                "t.txt:1:{} (Things)",
                SAMPLE.find("offset Number").unwrap() + 1
            )
        );
        assert_eq!(
            list.params[1].description,
            "Pagination offset. The default is 0"
        );
        assert_eq!(x.operations[1].id, "things/get");
        assert_eq!(x.examples.len(), 4);
        assert!(x.examples[1].body.as_deref().unwrap().contains("False"));
    }
}
