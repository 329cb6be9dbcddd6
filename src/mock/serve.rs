//! Answering requests: one handler reads the spec for every route, so the mock of
//! any spec behaves as its document says without code of its own.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{self, Gate};
use super::faults::{Fault, Faults};
use super::list::{Listing, list};
use super::pointer::{get_path, set};
use super::routes::{self, Found, Route};
use super::table::{Table, Tables};
use super::write::{self, Ctx, Metas};
use crate::spec::{Method, OperationKind, Resource, Spec};

pub struct State {
    pub spec: Arc<Spec>,
    pub routes: Vec<Route>,
    pub tables: Mutex<Tables>,
    /// Ownership of items; always locked after `tables`.
    pub metas: Mutex<Metas>,
    pub gate: Gate,
    pub faults: Faults,
    pub requests: std::sync::atomic::AtomicU64,
    /// Change records; locked after `metas`.
    pub histories: Mutex<super::history::Histories>,
    /// How long a published item stays revocable.
    pub revocable: Option<std::time::Duration>,
}

/// What one request carries, parsed once.
pub struct Request<'a> {
    pub method: Method,
    pub query: Vec<(String, String)>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Request<'_> {
    /// Form fields of an urlencoded body, or the top-level strings of a JSON one.
    pub fn fields(&self) -> Vec<(String, String)> {
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(self.body) {
            return m
                .into_iter()
                .map(|(k, v)| match v {
                    Value::String(s) => (k, s),
                    v => (k, v.to_string()),
                })
                .collect();
        }
        form_urlencoded::parse(self.body).into_owned().collect()
    }
}

pub async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(String::from);
    let mut response = answer(&state, method, uri, headers, body);
    let promised = if state.faults.has(Fault::MissingHeaders) {
        &[][..]
    } else {
        &state.spec.representation.headers[..]
    };
    for h in promised {
        let value = h
            .value
            .as_deref()
            .and_then(|v| header::HeaderValue::from_str(v).ok());
        if let (Ok(name), Some(value)) = (header::HeaderName::from_bytes(h.name.as_bytes()), value)
        {
            response.headers_mut().insert(name, value);
        }
    }
    let response = match host {
        Some(h) => rehost(response, &format!("http://{h}")).await,
        None => response,
    };
    super::faults::distort(&state.faults, response).await
}

/// The host links are written with until a response goes out, when it becomes the
/// one the client called.
pub const MOCK_HOST: &str = "http://assay.mock";

async fn rehost(response: Response, base: &str) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let text = String::from_utf8_lossy(&bytes).replace(MOCK_HOST, base);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}

/// The document's own response example of an operation, read leniently where it
/// is not JSON, its URLs moved to the mock's host.
fn example_body(spec: &Spec, op: &crate::spec::Operation) -> Option<Value> {
    let ex = spec.examples.iter().find(|e| {
        e.kind == crate::spec::ExampleKind::Response
            && e.operation.as_deref() == Some(op.id.as_str())
            && e.body.is_some()
    })?;
    let text = ex.body.as_deref()?;
    let mut value = serde_json::from_str(text)
        .ok()
        .or_else(|| crate::lint::lenient::read(text).map(|r| r.value))?;
    super::data::rehost_links(spec, &mut value);
    Some(value)
}

fn answer(
    state: &State,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let spec = &state.spec;
    let query: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let Some(method) = Method::parse(method.as_str()) else {
        // A method no operation could have (TRACE): 405 with the methods the path
        // does take, as HTTP asks, or 404 where it takes none.
        let allowed: Vec<&str> = [
            Method::Get,
            Method::Post,
            Method::Put,
            Method::Patch,
            Method::Delete,
        ]
        .into_iter()
        .filter(|m| {
            matches!(
                routes::find(spec, &state.routes, *m, uri.path(), &query),
                Found::Operation(..)
            )
        })
        .map(Method::as_str)
        .collect();
        if allowed.is_empty() {
            return error(spec, 404, "Not found");
        }
        let mut r = error(spec, 405, "Method not allowed");
        if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
            r.headers_mut().insert(header::ALLOW, v);
        }
        return r;
    };
    let req = Request {
        method,
        query: uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        headers: &headers,
        body: &body,
    };
    // A URL the mock handed out for an operation that has no route of its own.
    if let Some(rest) = uri.path().strip_prefix(FOLLOW)
        && let Some(op) = spec
            .operations
            .iter()
            .find(|o| rest.starts_with(&format!("{}/", slug(&o.id))))
    {
        return match super::content::binary_type(op) {
            Some(t) => super::content::respond(t),
            None => json_response(spec, 200, super::data::sample_body(&op.response_fields)),
        };
    }
    let (op, params) = match routes::find(spec, &state.routes, method, uri.path(), &req.query) {
        Found::Operation(op, params) => match by_body(spec, &spec.operations[op], &req) {
            Some(op) => (op, params),
            None => return error(spec, 405, "Saving this type of object is not supported"),
        },
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
    if let Some(answer) = auth::endpoint(spec, &state.gate, op, &req) {
        // A refused sign-in is labelled as the document shows it, like any answer.
        return documented_type(op, answer);
    }
    if !state.faults.has(Fault::AuthNotEnforced)
        && let Some(rejected) = auth::check(spec, &state.gate, op, &req)
    {
        return rejected;
    }
    if let Some(t) = super::content::binary_type(op) {
        return super::content::respond(t);
    }
    let resource = op.resource.as_deref().and_then(|r| spec.resource(r));
    let ctx = |r| Ctx {
        spec,
        op,
        r,
        req: &req,
        user: &state.gate.username,
        faults: &state.faults,
        histories: &state.histories,
        revocable: state.revocable,
    };
    let response = match (op.kind, resource) {
        (OperationKind::List, Some(r)) => {
            let tables = state.tables.lock().expect("no handler panics holding it");
            let metas = state.metas.lock().expect("no handler panics holding it");
            let Some(table) = tables.get(&r.name) else {
                return error(spec, 404, "Not found");
            };
            let mine = |item: &Value| {
                id_of(r, item).is_some_and(|id| {
                    metas
                        .get(&(r.name.clone(), id_text(id)))
                        .is_some_and(|m| m.owner == state.gate.username)
                })
            };
            let nonce = state
                .requests
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // Every record the mock seeded sits in a container; what clients add, in
            // none.
            let orphans = op.params.iter().any(|p| {
                p.role == Some(crate::spec::ParamRole::Orphans)
                    && req.query.iter().any(|(k, v)| *k == p.name && v == "true")
            });
            // A filter the faulty server ignores; a parent in the path still holds.
            let filtered_query: &[(String, String)] = if state.faults.has(Fault::IgnoreFilter) {
                &[]
            } else {
                &req.query
            };
            let only = parent(spec, op, &params, filtered_query).map(|(x, id)| {
                tables
                    .get(x)
                    .and_then(|pt| pt.find(&id).and_then(|slot| pt.related(slot, table)))
                    .into_iter()
                    .collect::<Vec<_>>()
            });
            let only = match (orphans, only) {
                (true, _) => Some(table.added_slots()),
                (false, only) => only,
            };
            let listing = Listing {
                spec,
                op,
                r,
                query: &req.query,
                faults: &state.faults,
                mine: &mine,
                nonce,
                only,
                self_url: format!("{MOCK_HOST}{uri}"),
            };
            list(&listing, table)
        }
        (OperationKind::History, Some(r)) => {
            let tables = state.tables.lock().expect("no handler panics holding it");
            let id = params.last().map(|(_, v)| v.as_str()).unwrap_or("");
            write::history(&ctx(r), id, &tables)
        }
        (
            OperationKind::Create
            | OperationKind::Update
            | OperationKind::Delete
            | OperationKind::Action,
            Some(r),
        ) => {
            let mut tables = state.tables.lock().expect("no handler panics holding it");
            let mut metas = state.metas.lock().expect("no handler panics holding it");
            let ctx = ctx(r);
            let id = params.last().map(|(_, v)| v.as_str()).unwrap_or("");
            match op.kind {
                OperationKind::Create => write::create(&ctx, &mut tables, &mut metas),
                OperationKind::Update => {
                    let path_id = params.last().map(|(_, v)| v.as_str());
                    write::update(&ctx, path_id, &mut tables, &mut metas)
                }
                OperationKind::Delete => write::delete(&ctx, id, &mut tables, &mut metas),
                _ => write::act(&ctx, id, &mut tables, &mut metas),
            }
        }
        (OperationKind::Get, Some(r)) => {
            let tables = state.tables.lock().expect("no handler panics holding it");
            let Some(table) = tables.get(&r.name) else {
                return error(spec, 404, "Not found");
            };
            get(spec, r, table, &params, &state.faults, &req.query)
        }
        _ if !op.response_fields.is_empty() => {
            let mut body = example_body(spec, op)
                .unwrap_or_else(|| super::data::sample_body(&op.response_fields));
            link_flows(spec, op, &mut body);
            json_response(spec, 200, body)
        }
        // The document describes no body: any JSON is faithful to it.
        (_, None) => json_response(spec, 200, json!({})),
        // A read of one item that is not addressed by id (`currentPerson`): the
        // caller's own, which the mock takes to be the first.
        (OperationKind::Other, Some(r)) if op.method == Method::Get => {
            let tables = state.tables.lock().expect("no handler panics holding it");
            match tables
                .get(&r.name)
                .and_then(|t| t.slots().next().map(|s| t.get(s)))
            {
                Some(item) => {
                    let mut body = Value::Null;
                    set(&mut body, &r.pointer(&spec.envelope.single), item);
                    json_response(spec, 200, body)
                }
                None => error(spec, 404, "Resource not found"),
            }
        }
        // Something done on behalf of a resource that reads or writes none of its
        // items (`requestPasswordReset`): the documented success, and the body the
        // document shows, which is none.
        (OperationKind::Other, Some(_)) => {
            let status = op
                .responses
                .iter()
                .map(|r| r.status)
                .find(|s| (200..300).contains(s))
                .unwrap_or(200);
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            response
        }
        _ => error(spec, 501, "This operation is not served by the mock yet"),
    };
    documented_type(op, response)
}

/// A success labelled as the operation's documented response says, where it names
/// a JSON type other than the API's usual one (GenTaR's `currentPerson`).
fn documented_type(op: &crate::spec::Operation, mut response: Response) -> Response {
    let status = response.status().as_u16();
    let documented = op
        .responses
        .iter()
        .find(|r| r.status == status)
        .and_then(|r| r.content_type.as_deref())
        .filter(|t| t.contains("json"));
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if let (Some(t), true) = (documented, is_json)
        && let Ok(v) = HeaderValue::from_str(t)
    {
        response.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    response
}

/// Among writes sharing a route (OMERO saves every type at `/m/save/`), the one
/// whose resource the body is: its fields with a pattern (`@type`) match. `None`
/// when the body is of no resource the route takes.
fn by_body<'s>(
    spec: &'s Spec,
    found: &'s crate::spec::Operation,
    req: &Request,
) -> Option<&'s crate::spec::Operation> {
    let siblings: Vec<&crate::spec::Operation> = spec
        .operations
        .iter()
        .filter(|o| o.method == found.method && o.path == found.path && o.resource.is_some())
        .collect();
    let one_resource = siblings.iter().all(|o| o.resource == found.resource);
    if siblings.len() < 2 || one_resource {
        return Some(found);
    }
    // A body that is not JSON is no type at all: the first write answers it,
    // with the documented refusal of bad content.
    let Ok(body) = serde_json::from_slice::<Value>(req.body) else {
        return Some(found);
    };
    siblings.into_iter().find(|o| {
        let Some(r) = o.resource.as_deref().and_then(|r| spec.resource(r)) else {
            return false;
        };
        let item = body.pointer(&r.pointer(&spec.envelope.request));
        let patterned: Vec<_> = r.fields.iter().filter(|f| f.pattern.is_some()).collect();
        !patterned.is_empty()
            && patterned.iter().all(|f| {
                let value = item
                    .and_then(|i| get_path(i, &f.path))
                    .and_then(Value::as_str);
                let schema = json!({"pattern": f.pattern});
                value.is_some_and(|v| {
                    jsonschema::validator_for(&schema).is_ok_and(|val| val.is_valid(&json!(v)))
                })
            })
    })
}

/// The parent a list is restricted to: by its path (`/projects/{project_id}/datasets/`)
/// or by a filter that lists the same as such a path (`?project=ID`).
fn parent<'s>(
    spec: &'s Spec,
    op: &crate::spec::Operation,
    params: &[(String, String)],
    query: &[(String, String)],
) -> Option<(&'s str, String)> {
    let nested = |o: &crate::spec::Operation| -> Option<(&'s str, String)> {
        let segments: Vec<&str> = o.path.split('/').collect();
        segments.windows(2).find_map(|w| {
            let name = w[1].strip_prefix('{')?.strip_suffix('}')?;
            let x = spec.resources.iter().find(|r| r.plural() == w[0])?;
            Some((x.name.as_str(), name.to_string()))
        })
    };
    if let Some((x, name)) = nested(op)
        && let Some((_, v)) = params.iter().find(|(k, _)| *k == name)
    {
        return Some((x, v.clone()));
    }
    op.params.iter().find_map(|p| {
        let target = spec.operation(p.same_as.as_deref()?)?;
        let (_, v) = query.iter().find(|(k, _)| *k == p.name)?;
        nested(target).map(|(x, _)| (x, v.clone()))
    })
}

/// Where the mock serves operations reached only through a URL a response gives
/// (`{thumb_url}`).
const FOLLOW: &str = "/_assay/follow/";

fn slug(id: &str) -> String {
    id.replace('/', ".")
}

/// Fills the fields that a flow sends on as a whole URL with one the mock serves.
fn link_flows(spec: &Spec, op: &crate::spec::Operation, body: &mut Value) {
    for flow in spec.flows.iter().filter(|f| f.from == op.id) {
        let Some(to) = spec
            .operation(&flow.to)
            .filter(|t| !t.path.starts_with('/'))
        else {
            continue;
        };
        let url = format!("{FOLLOW}{}/1", slug(&to.id));
        let steps: Vec<&str> = flow.field.split('.').collect();
        set_everywhere(body, &steps, &url);
    }
}

/// Sets a string at a field path in every array element it passes through.
fn set_everywhere(v: &mut Value, steps: &[&str], text: &str) {
    let Some((step, rest)) = steps.split_first() else {
        *v = json!(text);
        return;
    };
    let key = step.trim_end_matches("[]");
    let arrays = (step.len() - key.len()) / 2;
    let mut nodes: Vec<&mut Value> = vec![match key {
        "" => v,
        k => match v.get_mut(k) {
            Some(child) => child,
            None => return,
        },
    }];
    for _ in 0..arrays {
        nodes = nodes
            .into_iter()
            .flat_map(|n| match n {
                Value::Array(a) => a.iter_mut().collect::<Vec<_>>(),
                _ => Vec::new(),
            })
            .collect();
    }
    for n in nodes {
        if n.is_null() && !rest.is_empty() {
            continue;
        }
        set_everywhere(n, rest, text);
    }
}

fn id_of<'v>(r: &Resource, item: &'v Value) -> Option<&'v Value> {
    r.id_field.as_deref().and_then(|p| get_path(item, p))
}

/// An id as text, the way URLs carry it.
pub fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// Compares an id from a URL with an item's id, whatever its JSON type.
pub fn same_id(value: &Value, text: &str) -> bool {
    match value {
        Value::String(s) => s == text,
        Value::Number(n) => n.to_string() == text,
        Value::Bool(b) => b.to_string() == text,
        _ => false,
    }
}

fn get(
    spec: &Spec,
    r: &Resource,
    table: &Table,
    params: &[(String, String)],
    faults: &Faults,
    query: &[(String, String)],
) -> Response {
    let found = params
        .last()
        .and_then(|(_, wanted)| table.find(wanted))
        .map(|slot| table.get(slot));
    let item = match found {
        Some(item) => super::list::shape(spec, r, query, faults.present(spec, r, &item)),
        None if faults.has(Fault::OkForUnknownId) => json!({}),
        None => return error(spec, 404, "Resource not found"),
    };
    let mut body = Value::Null;
    set(&mut body, &r.pointer(&spec.envelope.single), item);
    json_response(spec, 200, body)
}

pub fn json_response(spec: &Spec, status: u16, body: Value) -> Response {
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
        Some(t) => {
            let status_name = reason.to_uppercase().replace(' ', "_");
            fill(
                t,
                &[
                    ("{message}", message),
                    ("{status}", &status.to_string()),
                    ("{reason}", reason),
                    ("{status_name}", &status_name),
                    ("{attribute}", ""),
                ],
            )
        }
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
            Value::String(timestamps(&s))
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, pairs)).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), fill(v, pairs))).collect())
        }
        v => v.clone(),
    }
}

/// Replaces `{timestamp:FORMAT}` with the current UTC time (`%Y %m %d %H %M %S`).
fn timestamps(s: &str) -> String {
    let Some(start) = s.find("{timestamp:") else {
        return s.to_string();
    };
    let Some(len) = s[start..].find('}') else {
        return s.to_string();
    };
    let format = &s[start + 11..start + len];
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    let rest = secs % 86_400;
    let stamp = format
        .replace("%Y", &format!("{y:04}"))
        .replace("%m", &format!("{mo:02}"))
        .replace("%d", &format!("{d:02}"))
        .replace("%H", &format!("{:02}", rest / 3600))
        .replace("%M", &format!("{:02}", rest / 60 % 60))
        .replace("%S", &format!("{:02}", rest % 60));
    format!(
        "{}{stamp}{}",
        &s[..start],
        timestamps(&s[start + len + 1..])
    )
}

/// Days since 1970-01-01 to a (year, month, day) date in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Now, UTC, as an ISO 8601 local date-time (`2021-08-12T14:05:22`).
pub fn now_iso() -> String {
    timestamps("{timestamp:%Y-%m-%dT%H:%M:%S}")
}

/// Today's date, UTC, as `YYYY-MM-DD`.
pub fn today() -> String {
    timestamps("{timestamp:%Y-%m-%d}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_851), (2021, 8, 12));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn timestamps_follow_their_format() {
        let s = timestamps("at {timestamp:%d-%m-%Y %H:%M:%S}!");
        assert_eq!(s.len(), "at 12-08-2021 02:05:24!".len(), "{s}");
        assert!(s.starts_with("at ") && s.ends_with('!'));
    }
}
