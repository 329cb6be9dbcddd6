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

mod lenient;
mod markup;
mod operations;
mod tables;
mod targets;

use super::text::Doc;
use super::{ExtractError, Extracted};
use crate::spec::{DocRef, Example, ExampleKind, Method, OperationKind, Shape};
use lenient::{J, Lenient};
use markup::{Block, Heading, bold_markers, headings, literal_blocks};
use tables::{Table, tables};
use targets::{Target, collection_of, model_segments, resource_of, target_of};

/// The path segment under which URLs address OMERO model objects ("All these URLs
/// are under the ``m`` prefix").
const MODEL_SEGMENT: &str = "m";

/// Column names of a parameter table.
const TABLE_HEADER: &str = "Name Type Description";

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let mut reading = read(doc)?;
    let mut resources = reading.resources();
    if resources.is_empty() {
        return Err(ExtractError {
            at: doc.at(0),
            message: "no object listing found (a `GET /api/v0/m/…/` request with a `**Response** ::` body): is this an OMERO JSON API document?".into(),
        });
    }
    reading.name_saves(&resources)?;
    let (mut operations, op_of_request) = reading.operations(&resources)?;
    reading.add_fields(&op_of_request, &mut resources, &mut operations);
    let examples = reading.examples(&op_of_request, &operations, &resources);
    Ok(Extracted {
        document: reading.doc.name.to_string(),
        resources,
        operations,
        examples,
        ..Default::default()
    })
}

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

/// What the document's markup gives, before any spec item is made of it.
struct Reading<'d> {
    /// The document, cited by column with the nearest heading.
    doc: Doc<'d>,
    heads: Vec<Heading>,
    bolds: Vec<(usize, String)>,
    tables: Vec<Table>,
    requests: Vec<Request>,
    bodies: Vec<Body>,
    /// Parameter lists (`offset, limit, owner`), each name with its offset.
    lists: Vec<(usize, Vec<(String, usize)>)>,
    /// Example URLs with a query.
    queries: Vec<(usize, String)>,
    /// Members printed alone (`"meta": { … },`): start and end.
    fragments: Vec<(usize, usize)>,
    /// Collections: what GET requests under the model prefix list or get.
    collections: Vec<String>,
    /// What each request addresses, by request.
    targets: Vec<Target>,
}

impl Reading<'_> {
    fn fail(&self, at: usize, message: String) -> ExtractError {
        ExtractError {
            at: self.doc.at(at),
            message,
        }
    }

    /// The section (index of its heading) a place is in.
    fn section(&self, at: usize) -> Option<usize> {
        self.heads.iter().rposition(|h| h.start <= at)
    }
}

/// Reads the markup: literal blocks, tables, bold markers; requests with the bodies
/// that belong to them; and what each request addresses.
fn read<'d>(doc: &Doc<'d>) -> Result<Reading<'d>, ExtractError> {
    let text = doc.text;
    let heads = headings(text);
    let doc = Doc::new(doc.name, text)
        .with_headings(heads.iter().map(|h| (h.start, h.title.clone())).collect());
    let mut r = Reading {
        doc,
        heads,
        bolds: Vec::new(),
        tables: Vec::new(),
        requests: Vec::new(),
        bodies: Vec::new(),
        lists: Vec::new(),
        queries: Vec::new(),
        fragments: Vec::new(),
        collections: Vec::new(),
        targets: Vec::new(),
    };
    let blocks = literal_blocks(text).map_err(|(at, m)| r.fail(at, m))?;
    r.tables = tables(text, &r.heads).map_err(|(at, m)| r.fail(at, m))?;
    r.bolds = bold_markers(text);

    for block in blocks {
        match block {
            Block::Request { at, method, target } => {
                let section = r.section(at);
                r.requests.push(Request {
                    at,
                    method,
                    path: target.split('?').next().unwrap_or(&target).to_string(),
                    target,
                    section,
                    content: None,
                });
            }
            Block::Json { at, end } => {
                let value = Lenient::new(text)
                    .parse(at)
                    .map_err(|(a, m)| r.fail(a, format!("cannot read this example body: {m}")))?;
                let section = r.section(at);
                let request = r
                    .requests
                    .iter()
                    .rposition(|q| q.section == section && q.at < at);
                // The last bold marker since the request says what the body is.
                let since = request.map_or(0, |q| r.requests[q].at);
                let marker = r
                    .bolds
                    .iter()
                    .rfind(|(b, _)| *b > since && *b < at && r.section(*b) == section)
                    .map(|(_, label)| label.as_str());
                let status = marker.and_then(markup::status_of);
                let content = marker == Some("Content");
                if content {
                    let Some(q) = request else {
                        return Err(r.fail(at, "a request body without a request".into()));
                    };
                    r.requests[q].content = Some(r.bodies.len());
                }
                r.bodies.push(Body {
                    at,
                    end,
                    value,
                    request,
                    content,
                    status,
                });
            }
            Block::Names { at, names } => r.lists.push((at, names)),
            Block::Query { at, target } => r.queries.push((at, target)),
            Block::Fragment { at, end } => r.fragments.push((at, end)),
        }
    }

    for q in r.requests.iter().filter(|q| q.method == Method::Get) {
        if let Some(segs) = model_segments(&q.path)
            && let Some(c) = collection_of(&segs)
            && !r.collections.contains(&c)
        {
            r.collections.push(c);
        }
    }
    for q in &r.requests {
        let target = target_of(q.method, &q.path, &r.collections).map_err(|m| r.fail(q.at, m))?;
        r.targets.push(target);
    }
    Ok(r)
}

/// An example with nothing but its kind and place; the caller fills in the rest.
fn example(kind: ExampleKind, place: DocRef) -> Example {
    Example {
        id: place.to_string(),
        kind,
        operation: None,
        method: None,
        target: None,
        status: None,
        content_type: None,
        shape: None,
        body: None,
        body_doc: None,
        doc: place,
    }
}

impl Reading<'_> {
    /// Examples, in document order: request lines (with their bodies), example URLs,
    /// responses and fragments.
    fn examples(
        &self,
        op_of_request: &[String],
        operations: &[crate::spec::Operation],
        resources: &[crate::spec::Resource],
    ) -> Vec<Example> {
        let text = self.doc.text;
        let mut examples: Vec<Example> = Vec::new();
        for (i, r) in self.requests.iter().enumerate() {
            let content = r.content.map(|b| &self.bodies[b]);
            examples.push(Example {
                operation: Some(op_of_request[i].clone()),
                method: Some(r.method),
                target: Some(r.target.clone()),
                body: content.map(|b| text[b.at..b.end].to_string()),
                body_doc: content.map(|b| self.doc.at(b.at)),
                ..example(ExampleKind::Request, self.doc.at(r.at))
            });
        }
        for (at, target) in &self.queries {
            let path = target.split('?').next().unwrap_or(target);
            let operation = target_of(Method::Get, path, &self.collections)
                .ok()
                .and_then(|t| {
                    let id = format!("{}/{}", t.plural?, t.kind.as_str());
                    operations.iter().any(|o| o.id == id).then_some(id)
                });
            examples.push(Example {
                operation,
                target: Some(target.clone()),
                ..example(ExampleKind::Request, self.doc.at(*at))
            });
        }
        for b in self.bodies.iter().filter(|b| !b.content) {
            let place = self.doc.at(b.at);
            // A deleted object is returned as the item it was; no rule of shape
            // inference says so for deletes.
            let shape = b
                .request
                .filter(|r| self.targets[*r].kind == OperationKind::Delete)
                .and_then(|r| self.targets[r].plural.as_deref())
                .and_then(|p| resource_of(resources, p))
                .map(|res| Shape::Item(res.name.clone()));
            examples.push(Example {
                operation: b.request.map(|r| op_of_request[r].clone()),
                status: b.status,
                shape,
                body: Some(text[b.at..b.end].to_string()),
                body_doc: Some(place.clone()),
                ..example(ExampleKind::Response, place)
            });
        }
        for &(at, end) in &self.fragments {
            let place = self.doc.at(at);
            examples.push(Example {
                body: Some(text[at..end].to_string()),
                body_doc: Some(place.clone()),
                ..example(ExampleKind::Fragment, place)
            });
        }
        examples.sort_by_key(|e| e.doc.column);
        examples
    }
}

/// A small document in the omero style, for the tests of every part.
#[cfg(test)]
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

#[cfg(test)]
mod tests {
    use super::*;

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
                "@id:number",
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
