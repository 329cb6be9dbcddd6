//! Answering requests: one handler reads the spec for every route, so the mock of
//! any spec behaves as its document says without code of its own.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::data::Tables;
use super::pointer::{get_path, set};
use super::routes::{self, Found, Route};
use crate::spec::{Auth, Method, Operation, OperationKind, PageStyle, ParamRole, Resource, Spec};

/// The API key the mock accepts, for specs authenticated by an API-key header.
pub const API_KEY: &str = "assay-mock-key";

pub struct State {
    pub spec: Arc<Spec>,
    pub routes: Vec<Route>,
    pub tables: Mutex<Tables>,
}

pub async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    _body: Bytes,
) -> Response {
    let spec = &state.spec;
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let Some(method) = Method::parse(method.as_str()) else {
        return error(spec, 405, "Method not allowed");
    };
    let (op, params) = match routes::find(spec, &state.routes, method, uri.path()) {
        Found::Operation(op, params) => (&spec.operations[op], params),
        Found::WrongMethod(allowed) => {
            let mut r = error(spec, 405, "Method not allowed");
            let allow: Vec<&str> = allowed.iter().map(|m| m.as_str()).collect();
            if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
                r.headers_mut().insert(header::ALLOW, v);
            }
            return r;
        }
        Found::Nowhere => return error(spec, 404, "Not found"),
    };
    if op.auth
        && let Some(rejected) = authenticate(spec, &headers)
    {
        return rejected;
    }
    let resource = op.resource.as_deref().and_then(|r| spec.resource(r));
    match (op.kind, resource) {
        (OperationKind::List, Some(r)) => {
            let tables = state.tables.lock().expect("no handler panics holding it");
            list(
                spec,
                op,
                r,
                tables.get(&r.name).map_or(&[][..], Vec::as_slice),
                &query,
            )
        }
        (OperationKind::Get, Some(r)) => {
            let tables = state.tables.lock().expect("no handler panics holding it");
            let items = tables.get(&r.name).map_or(&[][..], Vec::as_slice);
            get(spec, r, items, &params)
        }
        _ => error(spec, 501, "This operation is not served by the mock yet"),
    }
}

/// `None` when the request carries valid credentials; otherwise the documented
/// rejection.
fn authenticate(spec: &Spec, headers: &HeaderMap) -> Option<Response> {
    match &spec.auth {
        Auth::ApiKeyHeader {
            header, rejected, ..
        } => {
            let given = headers.get(header.as_str()).and_then(|v| v.to_str().ok());
            if given == Some(API_KEY) {
                return None;
            }
            let status = rejected.as_ref().map_or(401, |r| r.status);
            Some(error(spec, status, "Invalid or missing API key"))
        }
        // Sign-in and session schemes are served in a later stage of the mock.
        _ => None,
    }
}

fn id_of<'v>(r: &Resource, item: &'v Value) -> Option<&'v Value> {
    r.id_field.as_deref().and_then(|p| get_path(item, p))
}

/// Compares an id from a URL with an item's id, whatever its JSON type.
fn same_id(value: &Value, text: &str) -> bool {
    match value {
        Value::String(s) => s == text,
        Value::Number(n) => n.to_string() == text,
        Value::Bool(b) => b.to_string() == text,
        _ => false,
    }
}

fn get(spec: &Spec, r: &Resource, items: &[Value], params: &[(String, String)]) -> Response {
    let Some((_, wanted)) = params.last() else {
        return error(spec, 404, "Resource not found");
    };
    match items
        .iter()
        .find(|i| id_of(r, i).is_some_and(|v| same_id(v, wanted)))
    {
        Some(item) => {
            let mut body = Value::Null;
            set(&mut body, &r.pointer(&spec.envelope.single), item.clone());
            json_response(spec, 200, body)
        }
        None => error(spec, 404, "Resource not found"),
    }
}

fn list(
    spec: &Spec,
    op: &Operation,
    r: &Resource,
    items: &[Value],
    query: &[(String, String)],
) -> Response {
    let mut selected: Vec<&Value> = items.iter().collect();
    for (name, value) in query {
        if let Some(field) = field_filter(spec, r, name) {
            let values: Vec<&str> = value.split(',').collect();
            selected.retain(|i| {
                get_path(i, &field).is_some_and(|v| values.iter().any(|x| same_id(v, x)))
            });
        } else if let Some(p) = op.params.iter().find(|p| &p.name == name) {
            match p.role {
                Some(ParamRole::Search) => {
                    let term = value.to_lowercase();
                    selected.retain(|i| {
                        r.fields.iter().filter(|f| f.filterable).any(|f| {
                            get_path(i, &f.path)
                                .is_some_and(|v| v.to_string().to_lowercase().contains(&term))
                        })
                    });
                }
                // Generated records belong to nobody who can call the mock.
                Some(ParamRole::Mine) if value == "true" => selected.clear(),
                _ => {}
            }
        }
    }
    if let Some(order) = spec.pagination.as_ref().and_then(|p| p.ordered_by.as_ref()) {
        selected.sort_by(|a, b| compare(get_path(a, &order.field), get_path(b, &order.field)));
    }
    let total = selected.len();
    let mut body = Value::Null;
    let page_items: Vec<Value>;
    match (&spec.pagination, op.paginated) {
        (Some(p), true) => {
            let number = |name: &str| -> Option<u64> {
                query
                    .iter()
                    .find(|(k, _)| k == name)
                    .and_then(|(_, v)| v.parse().ok())
            };
            let max = p.max_size.map_or(u64::MAX, u64::from);
            let size = number(&p.size_param)
                .or(p.default_size.map(u64::from))
                .unwrap_or(total as u64)
                .min(max);
            let first = u64::from(p.first_page.unwrap_or(0));
            let (offset, position) = match p.style {
                PageStyle::Page => {
                    let page = number(&p.position_param).unwrap_or(first).max(first);
                    ((page - first).saturating_mul(size), page)
                }
                PageStyle::Offset => {
                    let offset = number(&p.position_param).unwrap_or(0);
                    (offset, offset)
                }
            };
            page_items = selected
                .iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(usize::try_from(size).unwrap_or(usize::MAX))
                .map(|v| (*v).clone())
                .collect();
            set(&mut body, &p.total_pointer, json!(total));
            if let Some(ptr) = &p.position_pointer {
                set(&mut body, ptr, json!(position));
            }
            if let Some(ptr) = &p.size_pointer {
                set(&mut body, ptr, json!(size));
            }
            if let Some(ptr) = &p.total_pages_pointer {
                let pages = if size == 0 {
                    0
                } else {
                    (total as u64).div_ceil(size)
                };
                set(&mut body, ptr, json!(pages));
            }
            if let (Some(ptr), Some(m)) = (&p.max_size_pointer, p.max_size) {
                set(&mut body, ptr, json!(m));
            }
        }
        _ => page_items = selected.iter().map(|v| (*v).clone()).collect(),
    }
    let items_pointer = op
        .items_pointer
        .clone()
        .unwrap_or_else(|| r.pointer(&spec.envelope.list));
    set(&mut body, &items_pointer, Value::Array(page_items));
    json_response(spec, 200, body)
}

/// The field a query parameter filters on, by the spec's filter template.
fn field_filter(spec: &Spec, r: &Resource, name: &str) -> Option<String> {
    let f = spec.filtering.as_ref()?;
    let template = f.field_param.replace("{name}", &r.name);
    let (pre, post) = template.split_once("{field}")?;
    let field = name.strip_prefix(pre)?.strip_suffix(post)?;
    r.field(field)
        .filter(|f| f.filterable)
        .map(|f| f.path.clone())
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

fn json_response(spec: &Spec, status: u16, body: Value) -> Response {
    let bytes = serde_json::to_vec(&body).expect("JSON values serialize");
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, &spec.representation.content_type)
        .body(Body::from(bytes))
        .expect("a response from valid parts")
}

/// The documented error body for a status, filled from its template; a bare status
/// when the document gives no body for it.
pub fn error(spec: &Spec, status: u16, message: &str) -> Response {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let Some(body) = spec.errors.iter().find(|e| e.statuses.contains(&status)) else {
        return Response::builder()
            .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .body(Body::empty())
            .expect("a response from valid parts");
    };
    let value = match &body.template {
        Some(t) => fill(
            t,
            &[
                ("{message}", message),
                ("{status}", &status.to_string()),
                ("{reason}", reason),
                ("{attribute}", ""),
            ],
        ),
        None => {
            let mut v = Value::Null;
            for f in body.fields.iter().filter(|f| !f.path.contains("[]")) {
                let leaf = match f.ty.kind {
                    crate::spec::Kind::Int | crate::spec::Kind::Number => json!(status),
                    _ => json!(message),
                };
                let pointer: String = f.path.split('.').map(|k| format!("/{k}")).collect();
                set(&mut v, &pointer, leaf);
            }
            v
        }
    };
    json_response(spec, status, value)
}

fn fill(template: &Value, pairs: &[(&str, &str)]) -> Value {
    match template {
        Value::String(s) => {
            let mut s = s.clone();
            for (k, v) in pairs {
                s = s.replace(k, v);
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, pairs)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), fill(v, pairs))).collect())
        }
        v => v.clone(),
    }
}
