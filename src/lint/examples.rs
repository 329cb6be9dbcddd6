//! Contradictions between examples and tables: bodies that are not JSON, that break
//! the schema the tables give, that carry attributes no table lists, or that set
//! readonly attributes in a write.

use serde_json::Value;

use super::{Finding, lenient, place_in_body};
use crate::schema::{Validator, generate, schema_for_example};
use crate::spec::{DocRef, Example, Field, Resource, Shape, Spec};

pub fn check(spec: &Spec, out: &mut Vec<Finding>) {
    let schemas = generate(spec);
    for ex in &spec.examples {
        let Some(body) = ex.body.as_deref() else {
            continue;
        };
        let body_doc = ex.body_doc.clone().unwrap_or_else(|| ex.doc.clone());
        // A body that is not JSON is still checked for what it does show.
        let (value, elided, how) = match serde_json::from_str(body) {
            Ok(v) => (v, false, ""),
            Err(e) => {
                out.push(not_json(ex, &body_doc, body, &e));
                match lenient::read(body) {
                    Some(r) => (r.value, r.elided, " (read past its JSON errors)"),
                    None => continue,
                }
            }
        };
        let Some(name) = schema_for_example(spec, ex) else {
            continue;
        };
        let Some(schema) = schemas.iter().find(|s| s.name == name) else {
            continue;
        };
        let Ok(validator) = Validator::new(&name, &schema.schema) else {
            continue;
        };
        let resource = resource_of(spec, ex);
        for v in validator.violations(&value) {
            // Where the document elides, a missing key proves nothing.
            if elided && v.schema_path.ends_with("/required") {
                continue;
            }
            let key = v
                .message
                .strip_prefix('"')
                .and_then(|m| m.split('"').next())
                .filter(|_| v.schema_path.ends_with("/required"));
            let last = v.instance_path.rsplit('/').next().unwrap_or("");
            let needle = key.unwrap_or(last);
            let at = if needle.is_empty() {
                body_doc.clone()
            } else {
                place_in_body(&body_doc, body, &format!("\"{needle}\""))
            };
            let field_path = match key {
                Some(k) => join(&field_path_of(spec, ex, &v.instance_path), k),
                None => field_path_of(spec, ex, &v.instance_path),
            };
            let also = field_doc(spec, ex, resource, &field_path)
                .map(|d| vec![(d, format!("the table's row for `{field_path}`"))])
                .unwrap_or_default();
            out.push(Finding {
                code: "example-breaks-schema",
                message: format!(
                    "example {}{how} breaks schema `{name}` at `{}`: {}",
                    ex.id,
                    display_path(&v.instance_path),
                    v.message
                ),
                at,
                also,
                acknowledged: None,
            });
        }
        if let Some(r) = resource {
            unknown_and_readonly(spec, ex, r, &value, body, &body_doc, out);
        }
    }
}

fn not_json(ex: &Example, body_doc: &DocRef, body: &str, e: &serde_json::Error) -> Finding {
    // serde_json counts lines and columns within the body.
    let line_text = body.lines().nth(e.line().saturating_sub(1)).unwrap_or("");
    let offset_in_line: String = line_text
        .chars()
        .take(e.column().saturating_sub(1))
        .collect();
    let mut at = body_doc.clone();
    let extra = e.line().saturating_sub(1) as u32;
    match at.column {
        Some(c) if extra == 0 => at.column = Some(c + offset_in_line.chars().count() as u32),
        Some(_) => {
            at.line += extra;
            at.column = Some(e.column() as u32);
        }
        None => at.line += extra,
    }
    Finding {
        code: "example-not-json",
        message: format!("example {} is not valid JSON: {e}", ex.id),
        at,
        also: vec![(ex.doc.clone(), "the example".into())],
        acknowledged: None,
    }
}

fn resource_of<'s>(spec: &'s Spec, ex: &Example) -> Option<&'s Resource> {
    match ex.shape.as_ref()? {
        Shape::Item(r) | Shape::List(r) | Shape::Write(r) => spec.resource(r),
        _ => None,
    }
}

/// Pointer to the item(s) of a resource-shaped example.
fn envelope(spec: &Spec, ex: &Example, r: &Resource) -> Option<(String, bool)> {
    Some(match ex.shape.as_ref()? {
        Shape::Item(_) => (r.pointer(&spec.envelope.single), false),
        Shape::Write(_) => (r.pointer(&spec.envelope.request), false),
        Shape::List(_) => {
            let op = ex.operation.as_deref().and_then(|o| spec.operation(o));
            let ptr = op
                .and_then(|o| o.items_pointer.clone())
                .unwrap_or_else(|| r.pointer(&spec.envelope.list));
            (ptr, true)
        }
        _ => return None,
    })
}

/// The table path (`a[].b`) of an instance path, with the envelope removed.
fn field_path_of(spec: &Spec, ex: &Example, instance_path: &str) -> String {
    let prefix = resource_of(spec, ex).and_then(|r| envelope(spec, ex, r));
    let mut rest = instance_path;
    if let Some((p, list)) = &prefix
        && let Some(r) = rest.strip_prefix(p.as_str())
    {
        rest = r;
        if *list {
            rest = rest.trim_start_matches('/');
            rest = rest.find('/').map_or("", |i| &rest[i..]);
        }
    }
    let mut out = String::new();
    for token in rest.split('/').filter(|t| !t.is_empty()) {
        if token.chars().all(|c| c.is_ascii_digit()) {
            out.push_str("[]");
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&crate::value::unescape(token));
        }
    }
    out
}

fn join(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}

fn field_doc(spec: &Spec, ex: &Example, r: Option<&Resource>, path: &str) -> Option<DocRef> {
    let fields: &[Field] = match (ex.shape.as_ref()?, r) {
        (_, Some(r)) => &r.fields,
        (Shape::Error(e), _) => &spec.error(e)?.fields,
        (Shape::Operation(o), _) => {
            let op = spec.operation(o)?;
            match ex.kind {
                crate::spec::ExampleKind::Request => &op.request_fields,
                crate::spec::ExampleKind::Response | crate::spec::ExampleKind::Fragment => {
                    &op.response_fields
                }
            }
        }
        _ => return None,
    };
    fields
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.doc.clone())
}

fn display_path(p: &str) -> &str {
    if p.is_empty() { "(the body)" } else { p }
}

/// Attributes of an example item that no row lists (reported at their topmost
/// unknown key), and, in writes, readonly attributes that are set.
fn unknown_and_readonly(
    spec: &Spec,
    ex: &Example,
    r: &Resource,
    value: &Value,
    body: &str,
    body_doc: &DocRef,
    out: &mut Vec<Finding>,
) {
    let Some((ptr, list)) = envelope(spec, ex, r) else {
        return;
    };
    let Some(at) = value.pointer(&ptr) else {
        return;
    };
    // An item of the wrong shape is the schema's finding; its keys prove nothing.
    let items: Vec<&Value> = match (list, at) {
        (true, Value::Array(a)) => a.iter().collect(),
        (false, v @ Value::Object(_)) => vec![v],
        _ => return,
    };
    let write = matches!(ex.shape, Some(Shape::Write(_)));
    let mut reported = std::collections::HashSet::new();
    for item in items {
        let mut paths = Vec::new();
        walk(item, String::new(), r, &mut paths);
        for (path, key) in paths {
            if !reported.insert(path.clone()) {
                continue;
            }
            out.push(Finding {
                code: "example-unknown-attribute",
                message: format!(
                    "example {} carries `{path}`, which the table of `{}` does not list",
                    ex.id, r.name
                ),
                at: place_in_body(body_doc, body, &format!("\"{key}\"")),
                also: vec![(r.doc.clone(), format!("the table of `{}`", r.name))],
                acknowledged: None,
            });
        }
        if write && let Value::Object(m) = item {
            for key in m.keys() {
                if let Some(f) = r.field(key).filter(|f| f.readonly) {
                    out.push(Finding {
                        code: "example-sets-readonly",
                        message: format!(
                            "write example {} sets `{key}`, which the table marks readonly",
                            ex.id
                        ),
                        at: place_in_body(body_doc, body, &format!("\"{key}\"")),
                        also: vec![(f.doc.clone(), "marked readonly here".into())],
                        acknowledged: None,
                    });
                }
            }
        }
    }
}

/// Collects the topmost keys under `v` that the resource's table does not know.
fn walk(v: &Value, prefix: String, r: &Resource, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match known(r, &path) {
                    Known::No => out.push((path, k.clone())),
                    Known::Opaque => {}
                    Known::Container => walk(child, path, r, out),
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                walk(i, format!("{prefix}[]"), r, out);
            }
        }
        _ => {}
    }
}

enum Known {
    No,
    /// A row lists it and nothing below it: whatever it holds is its business.
    Opaque,
    /// Rows list things below it.
    Container,
}

fn known(r: &Resource, path: &str) -> Known {
    let below = |p: &str| {
        r.fields.iter().any(|f| {
            f.path
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with("[]"))
        })
    };
    if below(path) {
        Known::Container
    } else if r.field(path).is_some() || r.field(&format!("{path}[]")).is_some() {
        Known::Opaque
    } else {
        Known::No
    }
}

/// Request examples that filter on an attribute the resource's table does not mark
/// filterable (or does not list at all).
pub fn check_filters(spec: &Spec, out: &mut Vec<Finding>) {
    let Some(filtering) = &spec.filtering else {
        return;
    };
    for ex in &spec.examples {
        let (Some(target), Some(op)) = (
            ex.target.as_deref(),
            ex.operation.as_deref().and_then(|o| spec.operation(o)),
        ) else {
            continue;
        };
        let Some(r) = op.resource.as_deref().and_then(|r| spec.resource(r)) else {
            continue;
        };
        let Some((_, query)) = target.split_once('?') else {
            continue;
        };
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let Some(field) = filtered_field(filtering, r, name, value) else {
                continue;
            };
            let message = match r.field(&field) {
                Some(f) if f.filterable => continue,
                Some(_) => format!(
                    "example {} filters on `{field}`, which the table of `{}` does not mark filterable",
                    ex.id, r.name
                ),
                None => format!(
                    "example {} filters on `{field}`, which the table of `{}` does not list{}",
                    ex.id,
                    r.name,
                    crate::error::did_you_mean(&field, r.fields.iter().map(|f| f.path.as_str()))
                ),
            };
            out.push(Finding {
                code: "example-unknown-filter",
                message,
                at: ex.doc.clone(),
                also: vec![(r.doc.clone(), format!("the table of `{}`", r.name))],
                acknowledged: None,
            });
        }
    }
}

/// The field a query parameter filters on, per the spec's filter templates.
fn filtered_field(
    f: &crate::spec::Filtering,
    r: &Resource,
    name: &str,
    value: &str,
) -> Option<String> {
    let param = f.field_param.replace("{name}", &r.name);
    if let Some((pre, post)) = param.split_once("{field}") {
        let field = name.strip_prefix(pre)?.strip_suffix(post)?;
        return (!field.is_empty()).then(|| field.to_string());
    }
    if name != param {
        return None;
    }
    let (pre, post) = f.field_value.split_once("{field}")?;
    let sep = post.split("{value}").next().unwrap_or("");
    let rest = value.strip_prefix(pre)?;
    let end = if sep.is_empty() {
        rest.len()
    } else {
        rest.find(sep)?
    };
    Some(rest[..end].to_string())
}

/// Request examples that send a query parameter their operation does not take:
/// neither one of its parameters, nor paging, sorting or a field filter.
pub fn check_params(spec: &Spec, out: &mut Vec<Finding>) {
    for ex in &spec.examples {
        let (Some(target), Some(op)) = (
            ex.target.as_deref(),
            ex.operation.as_deref().and_then(|o| spec.operation(o)),
        ) else {
            continue;
        };
        let Some((_, query)) = target.split_once('?') else {
            continue;
        };
        let mut known: Vec<&str> = op.params.iter().map(|p| p.name.as_str()).collect();
        if let Some(p) = &spec.pagination
            && op.paginated
        {
            known.extend([p.position_param.as_str(), p.size_param.as_str()]);
            if let Some(s) = &p.sort {
                known.push(&s.param);
            }
        }
        let resource = op.resource.as_deref().and_then(|r| spec.resource(r));
        for pair in query.split('&') {
            let name = pair.split_once('=').map_or(pair, |(n, _)| n);
            let filter = spec.filtering.as_ref().zip(resource).is_some_and(|(f, r)| {
                let t = f.field_param.replace("{name}", &r.name);
                match t.split_once("{field}") {
                    Some((pre, post)) => name.starts_with(pre) && name.ends_with(post),
                    None => name == t,
                }
            });
            if filter || known.contains(&name) || name.contains('{') {
                continue;
            }
            out.push(Finding {
                code: "example-unknown-param",
                message: format!(
                    "example {} sends `{name}`, which operation `{}` does not take{}",
                    ex.id,
                    op.id,
                    crate::error::did_you_mean(name, known.iter().copied())
                ),
                at: ex.doc.clone(),
                also: vec![(op.doc.clone(), format!("operation `{}`", op.id))],
                acknowledged: None,
            });
        }
    }
}
