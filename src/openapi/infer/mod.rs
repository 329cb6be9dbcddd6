//! A spec from the standard parts of an OpenAPI description, asserting no more
//! than it states: resources are the component schemas operations answer with,
//! kinds follow from methods and paths, pagination from well-known parameter
//! names with a total the list response carries. Each item cites the line of the
//! description it was read from.

mod auth;
mod paging;
mod reader;

use std::path::Path;

use serde_json::Value;

use super::import::METHODS;
use crate::spec::{
    Assumption, Auth, Envelope, ErrorBody, Method, Nulls, Operation, OperationKind, Param,
    Representation, Resource, Response, Spec,
};
use reader::{Cx, Shape, escape, media, ref_name, request_schema, success_schema};

type Found<T> = std::result::Result<T, String>;

pub(super) fn infer(path: &Path, text: &str, doc: &Value) -> Found<Spec> {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "openapi".into());
    let cx = Cx {
        doc,
        lines: text.lines().collect(),
        file,
    };
    let base_path = base_path(doc);
    let mut resources: Vec<Resource> = Vec::new();
    let mut errors: Vec<ErrorBody> = Vec::new();
    let mut operations: Vec<Operation> = Vec::new();
    // Per resource, the property an item sits under in responses and requests.
    let mut single_wraps: Vec<(String, Option<String>)> = Vec::new();
    let mut request_wraps: Vec<(String, Option<String>)> = Vec::new();
    // Each create's body schema: what it requires, and what it leaves out.
    let mut creates: Vec<(String, Value)> = Vec::new();
    let mut examples = Vec::new();
    // Each operation's success schema, by id, for the paging to read totals from.
    let mut answers = std::collections::BTreeMap::new();
    let global_security = doc.get("security").and_then(Value::as_array);
    let paths = doc.get("paths").and_then(Value::as_object);
    for (p, item) in paths.into_iter().flatten() {
        let item = cx.deref(item)?;
        let shared = item.get("parameters").and_then(Value::as_array);
        for (method, op) in item.as_object().into_iter().flatten() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(m) = Method::parse(&method.to_ascii_uppercase()) else {
                continue;
            };
            let op = cx.deref(op)?;
            let at = cx.place_of(op, p);
            let full = format!("{base_path}{p}");
            let ends_in_id = p.trim_end_matches('/').ends_with('}');
            // What the success response and the request body are made of.
            let answer = success_schema(&cx, op)?;
            let shape = match &answer {
                Some((s, _)) => cx.shape(s)?,
                None => Shape::Other,
            };
            let body = request_schema(&cx, op)?;
            let body_ref = body.as_ref().and_then(ref_name);
            let item = match &shape {
                Shape::Item(r, wrap) => Some((r.clone(), wrap.clone())),
                _ => None,
            };
            // A body that is no wrapped item of its own is the resource's fields.
            let body_resource = body_ref
                .clone()
                .filter(|n| cx.component(n).is_ok_and(|s| cx.wrapped_item(s).is_none()));
            let (kind, resource, items_pointer) = match (m, &shape) {
                (Method::Get, Shape::List(r, ptr)) => {
                    (OperationKind::List, Some(r.clone()), ptr.clone())
                }
                (Method::Get, Shape::Item(r, _)) if ends_in_id => {
                    (OperationKind::Get, Some(r.clone()), None)
                }
                (Method::Post, _) if !ends_in_id && (item.is_some() || body_resource.is_some()) => {
                    let r = item.as_ref().map(|(r, _)| r.clone()).or(body_resource);
                    (OperationKind::Create, r, None)
                }
                (Method::Put | Method::Patch, _)
                    if ends_in_id && (item.is_some() || body_resource.is_some()) =>
                {
                    let r = item.as_ref().map(|(r, _)| r.clone()).or(body_resource);
                    (OperationKind::Update, r, None)
                }
                (Method::Delete, _) if ends_in_id => (OperationKind::Delete, None, None),
                _ => (OperationKind::Other, None, None),
            };
            if let (Some((r, wrap)), Some(_)) = (&item, &resource) {
                single_wraps.push((r.clone(), wrap.clone()));
            }
            if let (Some(r), Some(s), OperationKind::Create | OperationKind::Update) =
                (&resource, &body, kind)
            {
                let s = cx.deref(s)?;
                let wrap = match cx.wrapped_item(s) {
                    Some(Shape::Item(_, w)) => w,
                    _ => s
                        .get("properties")
                        .and_then(Value::as_object)
                        .filter(|p| p.len() == 1 && p.contains_key(r.as_str()))
                        .map(|_| r.clone()),
                };
                let inner = match &wrap {
                    Some(w) => cx.deref(&s["properties"][w])?,
                    None => s,
                };
                if kind == OperationKind::Create {
                    creates.push((r.clone(), inner.clone()));
                }
                request_wraps.push((r.clone(), wrap));
            }
            let mut params = Vec::new();
            for raw in shared.into_iter().flatten().chain(
                op.get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            ) {
                if let Some(param) = cx.param(raw, at.line)? {
                    params.retain(|q: &Param| q.name != param.name || q.location != param.location);
                    params.push(param);
                }
            }
            let responses = responses(&cx, op, at.line, ends_in_id, &mut errors)?;
            let security = op
                .get("security")
                .and_then(Value::as_array)
                .or(global_security);
            let auth = security.is_some_and(|s| {
                !s.is_empty()
                    && s.iter()
                        .all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
            });
            // The request's own fields, where it is no resource's.
            let request_fields = match (&body, kind) {
                (Some(s), OperationKind::Other) => cx.fields(s, at.line)?,
                _ => Vec::new(),
            };
            for name in resource.iter() {
                if resources.iter().all(|r| &r.name != name) {
                    resources.push(cx.resource(name)?);
                }
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| {
                    format!("{}{}", method, p.replace(['{', '}'], "").replace('/', "_"))
                });
            if let Some(b) = op.get("requestBody") {
                examples.extend(cx.examples(cx.deref(b)?, &id, m, resource.as_deref(), at.line));
            }
            if let Some((s, _)) = &answer {
                answers.insert(id.clone(), s.clone());
            }
            operations.push(Operation {
                id,
                kind,
                resource,
                method: m,
                path: full,
                summary: op
                    .get("summary")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                params,
                responses,
                auth,
                paginated: false,
                sets: None,
                items_pointer,
                response_fields: Vec::new(),
                request_fields,
                doc: at,
            });
        }
    }
    for (r, schema) in &creates {
        let Some(res) = resources.iter_mut().find(|x| &x.name == r) else {
            continue;
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let sent = schema.get("properties").and_then(Value::as_object);
        for f in res
            .fields
            .iter_mut()
            .filter(|f| !f.path.contains(['.', '[']))
        {
            f.required = required.contains(&f.path.as_str()) && !f.readonly;
            // A field of the item a create cannot send is the server's to set.
            if sent.is_some_and(|p| !p.contains_key(&f.path)) {
                f.readonly = true;
            }
        }
    }
    // A DELETE's resource is its path's GET's, wherever the GET is written.
    for i in 0..operations.len() {
        if operations[i].kind == OperationKind::Delete && operations[i].resource.is_none() {
            operations[i].resource = resource_of_path(&operations, &operations[i].path);
        }
    }
    let pagination = paging::pagination(&cx, &mut operations, &answers)?;
    let (auth, mut assumptions) = auth::auth(&cx, &operations, &errors);
    if auth == (Auth::None { doc: None }) {
        for o in &mut operations {
            o.auth = false;
        }
    }
    if pagination.is_none() && operations.iter().any(|o| o.kind == OperationKind::List) {
        assumptions.push(Assumption {
            text: "Lists are read whole: the description names no paging parameters with a total.".into(),
            reason: "No page and size parameter of a well-known name, or no count of all items in the list response.".into(),
            doc: None,
        });
    }
    Ok(Spec {
        // `shelter.openapi.yaml` is the shelter API.
        name: Some(slug(cx.file.split('.').next().unwrap_or("")))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "api".into()),
        title: doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("API")
            .to_string(),
        document: cx.file.clone(),
        base_path,
        assumptions,
        auth,
        pagination,
        filtering: None,
        representation: Representation {
            nulls: Nulls::Declared,
            nulls_doc: None,
            content_type: "application/json".into(),
            headers: Vec::new(),
            server_set: Vec::new(),
            link_prefix: None,
        },
        envelope: Envelope {
            single: envelope(&single_wraps),
            list: String::new(),
            request: envelope(&request_wraps),
            doc: None,
        },
        errors,
        history: None,
        visibility: None,
        state_machine: None,
        status_rules: Vec::new(),
        resources,
        variants: Vec::new(),
        operations,
        url_templates: Vec::new(),
        flows: Vec::new(),
        examples,
        redactions: Vec::new(),
        acknowledged: Vec::new(),
    })
}

/// The documented outcomes of an operation; error bodies it names join `errors`.
fn responses(
    cx: &Cx,
    op: &Value,
    near: u32,
    ends_in_id: bool,
    errors: &mut Vec<ErrorBody>,
) -> Found<Vec<Response>> {
    let mut out = Vec::new();
    for (status, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Ok(status) = status.parse::<u16>() else {
            continue;
        };
        let r = cx.deref(r)?;
        let (content_type, schema) = media(r);
        let error = match schema.as_ref().and_then(ref_name) {
            Some(name) if status >= 400 => {
                let s = cx.component(&name)?;
                let statuses = match errors.iter_mut().find(|e| e.name == name) {
                    Some(e) => &mut e.statuses,
                    None => {
                        errors.push(ErrorBody {
                            name: name.clone(),
                            statuses: Vec::new(),
                            fields: cx.required(s, cx.fields(s, cx.place_of_schema(&name).line)?),
                            template: None,
                            optional: false,
                            doc: cx.place_of_schema(&name),
                        });
                        &mut errors.last_mut().expect("just pushed").statuses
                    }
                };
                if !statuses.contains(&status) {
                    statuses.push(status);
                }
                Some(name)
            }
            _ => None,
        };
        let condition = match status {
            200..=299 => Some(crate::spec::Condition::Ok),
            404 if ends_in_id => Some(crate::spec::Condition::NotFound),
            _ => None,
        };
        out.push(Response {
            status,
            when: r
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
            content_type: content_type.filter(|c| c != "application/json"),
            error,
            condition,
            body: None,
            implied: false,
            doc: cx.find_after(
                near,
                &[
                    &format!("'{status}'"),
                    &format!("\"{status}\""),
                    &format!("{status}:"),
                ],
            ),
        });
    }
    Ok(out)
}

/// The one envelope pointer all items agree on: each under its resource's name
/// (`/{name}`), all under one property (`/data`), or bare. Where they disagree
/// the items are taken bare and the schema cases will say so.
fn envelope(wraps: &[(String, Option<String>)]) -> String {
    let Some((_, first)) = wraps.first() else {
        return String::new();
    };
    if wraps.iter().all(|(r, w)| w.as_deref() == Some(r.as_str())) {
        return "/{name}".into();
    }
    match first {
        Some(w) if wraps.iter().all(|(_, x)| x == first) => format!("/{}", escape(w)),
        _ => String::new(),
    }
}

/// The resource a DELETE acts on: the one whose GET shares its path.
fn resource_of_path(ops: &[Operation], path: &str) -> Option<String> {
    ops.iter()
        .find(|o| o.path == path && o.kind == OperationKind::Get)
        .and_then(|o| o.resource.clone())
}

fn slug(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    s.trim_matches('_').to_string()
}

/// The path of the first server's URL, without its trailing slash.
pub(super) fn base_path(doc: &Value) -> String {
    let url = doc
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or("");
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    };
    path.trim_end_matches('/').to_string()
}
