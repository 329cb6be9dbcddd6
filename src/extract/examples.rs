//! Examples: the requests and responses a document prints, tied to the operation they
//! illustrate and to what their body is (an item, a list, a write body, an error).

use super::http::{Message, Start};
use super::text::Doc;
use crate::spec::{Example, ExampleKind, Method, OperationKind, Shape, Spec};

/// Examples from messages; `operation_of` names the operation a request is for.
/// A response right after a request illustrates the same operation.
pub fn from_messages(
    doc: &Doc,
    messages: &[Message],
    operation_of: impl Fn(Method, &str) -> Option<String>,
) -> Vec<Example> {
    let mut out = Vec::new();
    // A response illustrates the request printed right before it, with nothing but
    // whitespace between them.
    let mut last_request: Option<(usize, Option<String>)> = None;
    for m in messages {
        let doc_ref = doc.at(m.offset);
        let body = m.body.as_ref().map(|(b, _)| b.clone());
        let body_doc = m.body.as_ref().map(|(_, at)| doc.at(*at));
        let mut ex = Example {
            id: doc_ref.to_string(),
            kind: ExampleKind::Request,
            operation: None,
            method: None,
            target: None,
            status: None,
            content_type: m.content_type(),
            shape: None,
            body,
            body_doc,
            doc: doc_ref,
        };
        match &m.start {
            Start::Request { method, target } => {
                let op = operation_of(*method, target.split('?').next().unwrap_or(target));
                ex.method = Some(*method);
                ex.target = Some(target.clone());
                ex.operation = op.clone();
                last_request = Some((m.end, op));
            }
            Start::Response { status } => {
                ex.kind = ExampleKind::Response;
                ex.status = Some(*status);
                if let Some((end, op)) = &last_request
                    && *end <= m.offset
                    && doc.text[*end..m.offset].trim().is_empty()
                {
                    ex.operation = op.clone();
                }
            }
        }
        out.push(ex);
    }
    out
}

/// JSON bodies printed on their own (a `{` opening a line, outside any message),
/// as `fragment` examples.
pub fn fragments(doc: &Doc, messages: &[Message]) -> Vec<Example> {
    let mut out = Vec::new();
    let mut n = 1;
    while n <= doc.line_count() {
        let start = doc.line_start(n);
        let inside = messages.iter().any(|m| m.offset <= start && start < m.end);
        if inside || !doc.line(n).trim_start().starts_with('{') {
            n += 1;
            continue;
        }
        let at = start + (doc.line(n).len() - doc.line(n).trim_start().len());
        let Some(end) = super::text::balanced_end(doc.text, at) else {
            n += 1;
            continue;
        };
        let doc_ref = doc.at(at);
        out.push(Example {
            id: doc_ref.to_string(),
            kind: ExampleKind::Fragment,
            operation: None,
            method: None,
            target: None,
            status: None,
            content_type: None,
            shape: None,
            body: Some(doc.text[at..end].to_string()),
            body_doc: Some(doc_ref.clone()),
            doc: doc_ref,
        });
        n = doc.position(end).0 as usize + 1;
    }
    out
}

/// Fills the shape of examples that have none, from their operation, status and
/// body. Explicit shapes (from an overlay) are kept.
pub fn infer_shapes(spec: &mut Spec) {
    let mut shapes = Vec::with_capacity(spec.examples.len());
    for ex in &spec.examples {
        shapes.push(ex.shape.clone().or_else(|| infer(spec, ex)));
    }
    for (ex, shape) in spec.examples.iter_mut().zip(shapes) {
        ex.shape = shape;
    }
}

fn infer(spec: &Spec, ex: &Example) -> Option<Shape> {
    ex.body.as_ref()?;
    let op = ex.operation.as_deref().and_then(|o| spec.operation(o));
    if ex.kind == ExampleKind::Response && ex.status.is_some_and(|s| s >= 400) {
        let status = ex.status?;
        let mut bodies = spec.errors.iter().filter(|e| e.statuses.contains(&status));
        let first = bodies.next()?;
        return bodies
            .next()
            .is_none()
            .then(|| Shape::Error(first.name.clone()));
    }
    if let Some(op) = op {
        let own_fields = match ex.kind {
            ExampleKind::Request => !op.request_fields.is_empty(),
            ExampleKind::Response => !op.response_fields.is_empty(),
            ExampleKind::Fragment => false,
        };
        if own_fields {
            return Some(Shape::Operation(op.id.clone()));
        }
        let res = op.resource.clone()?;
        return match (ex.kind, op.kind) {
            (ExampleKind::Request, OperationKind::Create | OperationKind::Update) => {
                Some(Shape::Write(res))
            }
            (ExampleKind::Request | ExampleKind::Fragment, _) => None,
            (ExampleKind::Response, OperationKind::List) => Some(Shape::List(res)),
            (
                ExampleKind::Response,
                OperationKind::Get
                | OperationKind::Create
                | OperationKind::Update
                | OperationKind::Action,
            ) => Some(Shape::Item(res)),
            _ => None,
        };
    }
    // No operation: recognise the envelope by the body's first key.
    let key = first_key(ex.body.as_deref()?)?;
    for r in &spec.resources {
        let single = r.pointer(&spec.envelope.single);
        let list = r.pointer(&spec.envelope.list);
        if single.trim_start_matches('/') == key && !single.is_empty() {
            return Some(Shape::Item(r.name.clone()));
        }
        if list.trim_start_matches('/') == key && !list.is_empty() {
            return Some(Shape::List(r.name.clone()));
        }
    }
    None
}

/// First object key of a JSON-ish text, read leniently (examples are often elided
/// with `...` and so not JSON).
fn first_key(body: &str) -> Option<&str> {
    let rest = body.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    rest[end + 1..]
        .trim_start()
        .starts_with(':')
        .then(|| &rest[..end])
}
