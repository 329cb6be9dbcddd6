//! Stage 4, schemas: JSON Schema 2020-12 documents generated from a spec.
//!
//! For each resource: `RESOURCE` (one item as returned, in its envelope),
//! `RESOURCE.list` (a list response: the items plus the pagination fields),
//! `RESOURCE.create` / `RESOURCE.update` where the API accepts writes; `error.NAME`
//! for each error body; `OPERATION.request` / `OPERATION.response` for operations
//! whose bodies have their own field tables. Names are the file stems `assay schema`
//! writes. Schemas assert what the document states: response objects stay open to
//! properties the tables do not list, since no document forbids them.

mod tree;
mod validate;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::spec::{
    Example, ExampleKind, Field, Nulls, Operation, OperationKind, Resource, Shape, Spec,
};
use tree::{Node, Options};

pub use tree::scalar_schema;
pub use validate::{Validator, Violation};

const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// One generated schema and its name.
pub struct Named {
    pub name: String,
    pub schema: Value,
}

/// Every schema of a spec, in a stable order.
pub fn generate(spec: &Spec) -> Vec<Named> {
    let mut out = Vec::new();
    for r in &spec.resources {
        let ops: Vec<&Operation> = spec
            .operations
            .iter()
            .filter(|o| o.resource.as_deref() == Some(&r.name))
            .collect();
        let item = item_schema(spec, r);
        let single = wrap(&[(r.pointer(&spec.envelope.single), item.clone())]);
        out.push(top(spec, &r.name, r, single));
        if let Some(list) = ops.iter().find(|o| o.kind == OperationKind::List) {
            out.push(top(
                spec,
                &format!("{}.list", r.name),
                r,
                list_schema(spec, r, list, item),
            ));
        }
        for (kind, suffix) in [
            (OperationKind::Create, "create"),
            (OperationKind::Update, "update"),
        ] {
            if ops.iter().any(|o| o.kind == kind) {
                let body = write_schema(spec, r, kind == OperationKind::Create);
                let wrapped = wrap(&[(r.pointer(&spec.envelope.request), body)]);
                out.push(top(spec, &format!("{}.{suffix}", r.name), r, wrapped));
            }
        }
    }
    for e in &spec.errors {
        let opts = Options {
            nullable: &|f: &Field| f.nullable,
            required: &|f: &Field| f.required,
            closed: false,
            formats: true,
        };
        let mut s = Node::build(&e.fields).object_schema(&opts);
        annotate(
            &mut s,
            &format!("{} error body `{}`", spec.name, e.name),
            &e.doc.to_string(),
        );
        out.push(Named {
            name: format!("error.{}", e.name),
            schema: s,
        });
    }
    for o in &spec.operations {
        for (fields, which) in [
            (&o.request_fields, "request"),
            (&o.response_fields, "response"),
        ] {
            if fields.is_empty() {
                continue;
            }
            let opts = Options {
                nullable: &|f: &Field| nullable(spec, f),
                required: &|f: &Field| f.required,
                closed: false,
                formats: which == "response",
            };
            let mut s = Node::build(fields.iter()).object_schema(&opts);
            annotate(
                &mut s,
                &format!("{} {} {which} of `{}`", spec.name, o.method.as_str(), o.id),
                &o.doc.to_string(),
            );
            out.push(Named {
                name: format!("{}.{which}", operation_slug(&o.id)),
                schema: s,
            });
        }
    }
    out
}

/// The name of the schema an example's body is an instance of.
pub fn schema_for_example(spec: &Spec, ex: &Example) -> Option<String> {
    Some(match ex.shape.as_ref()? {
        Shape::Item(r) => r.clone(),
        Shape::List(r) => format!("{r}.list"),
        Shape::Write(r) => {
            let op = ex.operation.as_deref().and_then(|o| spec.operation(o));
            match op.map(|o| o.kind) {
                Some(OperationKind::Update) => format!("{r}.update"),
                _ => format!("{r}.create"),
            }
        }
        Shape::Error(e) => format!("error.{e}"),
        Shape::Operation(o) => format!(
            "{}.{}",
            operation_slug(o),
            match ex.kind {
                ExampleKind::Request => "request",
                ExampleKind::Response | ExampleKind::Fragment => "response",
            }
        ),
    })
}

/// The schema of the given name, or an error listing what exists.
pub fn find(spec: &Spec, name: &str) -> Result<Value> {
    let all = generate(spec);
    if let Some(n) = all.iter().find(|n| n.name == name) {
        return Ok(n.schema.clone());
    }
    let names: Vec<&str> = all.iter().map(|n| n.name.as_str()).collect();
    Err(Error::Usage(format!(
        "spec `{}` has no schema `{name}`{}; it has: {}",
        spec.name,
        crate::error::did_you_mean(name, names.iter().copied()),
        names.join(", ")
    )))
}

pub(crate) fn operation_slug(id: &str) -> String {
    id.trim_matches('/').replace('/', ".")
}

fn nullable(spec: &Spec, f: &Field) -> bool {
    f.nullable || spec.representation.nulls == Nulls::Allowed
}

/// One item as returned: writeonly fields never appear; the id always does. That a
/// create requires an attribute says nothing of how the API returns it, so it is
/// not required here.
pub(crate) fn item_schema(spec: &Spec, r: &Resource) -> Value {
    let id = r.id_field.as_deref();
    let opts = Options {
        nullable: &|f: &Field| nullable(spec, f) && Some(f.path.as_str()) != id,
        required: &|f: &Field| Some(f.path.as_str()) == id,
        closed: false,
        formats: true,
    };
    Node::build(r.fields.iter().filter(|f| !f.writeonly)).object_schema(&opts)
}

pub(crate) fn list_schema(spec: &Spec, r: &Resource, list: &Operation, item: Value) -> Value {
    let items_pointer = list
        .items_pointer
        .clone()
        .unwrap_or_else(|| r.pointer(&spec.envelope.list));
    let mut parts = vec![(items_pointer, json!({"type": "array", "items": item}))];
    if let (true, Some(p)) = (list.paginated, &spec.pagination) {
        let count = || json!({"type": "integer", "minimum": 0});
        parts.push((p.total_pointer.clone(), count()));
        for ptr in [
            &p.position_pointer,
            &p.size_pointer,
            &p.total_pages_pointer,
            &p.max_size_pointer,
        ]
        .into_iter()
        .flatten()
        {
            parts.push((ptr.clone(), count()));
        }
        if p.hal_links {
            parts.push(("/_links".into(), json!({"type": "object"})));
        }
    }
    wrap(&parts)
}

/// A create (or update) body: readonly fields cannot be sent; writeonly ones can.
fn write_schema(spec: &Spec, r: &Resource, create: bool) -> Value {
    let opts = Options {
        // A required attribute sent as null is missing all the same (bip.txt:213:
        // "Missing value for required attribute … Can't be blank").
        nullable: &|f: &Field| nullable(spec, f) && !(create && f.required),
        required: &|f: &Field| create && f.required,
        closed: r.rejects_unknown,
        // Documents accept several date notations in writes (bip.txt suggests, not
        // requires, YYYY-MM-DD); a format would refuse the others.
        formats: false,
    };
    let mut s = Node::build(r.fields.iter().filter(|f| !f.readonly)).object_schema(&opts);
    if create {
        let one_of: Vec<Value> = r
            .rules
            .iter()
            .filter_map(|rule| match rule {
                // Given means present and not null: `{"a": 1, "b": null}` gives one.
                crate::spec::Rule::OneOf { fields, .. } => Some(json!({
                    "oneOf": fields
                        .iter()
                        .map(|f| json!({"required": [f], "properties": {f: {"not": {"type": "null"}}}}))
                        .collect::<Vec<_>>()
                })),
                _ => None,
            })
            .collect();
        if !one_of.is_empty() {
            s["allOf"] = Value::Array(one_of);
        }
    }
    s
}

/// Nests schemas at JSON pointers: `/meta/total_count` becomes
/// `{properties: {meta: {properties: {total_count: …}}}}`, every step required.
pub(crate) fn wrap(parts: &[(String, Value)]) -> Value {
    let mut root = Value::Null;
    for (pointer, schema) in parts {
        let tokens = crate::value::tokens(pointer);
        let mut node = &mut root;
        for t in &tokens {
            if !node.is_object() || node.get("properties").is_none() {
                *node = json!({"type": "object", "properties": {}, "required": []});
            }
            let req = node["required"].as_array_mut().expect("set above");
            if !req.iter().any(|r| r == t.as_str()) {
                req.push(json!(t));
            }
            node = node["properties"]
                .as_object_mut()
                .expect("set above")
                .entry(t.clone())
                .or_insert(Value::Null);
        }
        *node = schema.clone();
    }
    root
}

pub(crate) fn top(spec: &Spec, name: &str, r: &Resource, schema: Value) -> Named {
    let mut schema = schema;
    let title = r.title.as_deref().unwrap_or(&r.name);
    annotate(
        &mut schema,
        &format!("{} {title}", spec.name),
        &r.doc.to_string(),
    );
    Named {
        name: name.to_string(),
        schema,
    }
}

fn annotate(schema: &mut Value, title: &str, doc: &str) {
    let Value::Object(m) = schema else { return };
    let mut out = Map::new();
    out.insert("$schema".into(), json!(DIALECT));
    out.insert("title".into(), json!(title));
    out.insert("$comment".into(), json!(doc));
    for (k, v) in std::mem::take(m) {
        out.entry(k).or_insert(v);
    }
    *m = out;
}
