//! One case, step by step: fill the request from earlier captures, send it, check
//! the expectations, capture, and delete whatever the case created, even when it
//! failed.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::expect::Checker;
use super::http::{Body, Outgoing, Response};
use super::{CaseResult, Ctx, Outcome, Problem};
use crate::generate::{Case, Credentials, Expect, Request, Step};
use crate::spec::Method;

/// Why a case cannot go on: it failed, or it has nothing to test with.
pub(super) enum Stop {
    Fail(Vec<Problem>),
    Skip(String),
}

pub(super) type Vars = HashMap<String, Value>;

pub(super) async fn run_case(ctx: Arc<Ctx>, case: Arc<Case>) -> CaseResult {
    let started = std::time::Instant::now();
    let sends_valid = case
        .steps
        .iter()
        .any(|s| s.request.credentials == Credentials::Valid);
    // A sign-in case sends the user name and password it is given; without them
    // it has nothing to test.
    let text = serde_json::to_string(&case.steps).unwrap_or_default();
    let needs_login = ["username", "password"]
        .iter()
        .any(|n| text.contains(&format!("{{{n}}}")) && ctx.session.placeholder(n).is_none());
    let mut secrets = ctx.session.secrets();
    let sends_expired = case
        .steps
        .iter()
        .any(|s| s.request.credentials == Credentials::Expired);
    let outcome = if case.writes && !ctx.allow_writes {
        Outcome::Skipped("writes data; run with --allow-writes".into())
    } else if sends_expired && !ctx.session.has_expired() {
        Outcome::Skipped("no expired token given (--expired-token or ASSAY_EXPIRED_TOKEN)".into())
    } else if needs_login {
        Outcome::Skipped("no user name and password given (--username and --password)".into())
    } else if let (true, Some(why)) = (sends_valid, &ctx.session.broken) {
        Outcome::Failed(vec![Problem::msg(format!("cannot sign in: {why}"))])
    } else if sends_valid && !ctx.session.has_valid() {
        Outcome::Skipped(ctx.session.missing().to_string())
    } else {
        let mut vars = Vars::new();
        // What makes this case's unique values its own: the run's marker and a
        // number no other case of the run has.
        let n = ctx
            .cases_started
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        vars.insert(
            "unique".into(),
            Value::String(format!("{}-{n}", ctx.marker)),
        );
        let mut created: Vec<Outgoing> = Vec::new();
        let mut result = Ok(());
        for (i, step) in case.steps.iter().enumerate() {
            let at = (i, case.steps.len());
            let state = (&mut vars, &mut created, &mut secrets);
            result = run_step(&ctx, &case, step, at, state).await;
            if result.is_err() {
                break;
            }
        }
        let mut outcome = match result {
            Ok(()) => Outcome::Passed,
            Err(Stop::Skip(why)) => Outcome::Skipped(why),
            Err(Stop::Fail(p)) => Outcome::Failed(p),
        };
        for (line, problem) in cleanup(&ctx, &created).await {
            let p = Problem::msg(format!(
                "clean-up {line} failed: {problem}; the item is left behind"
            ));
            match &mut outcome {
                Outcome::Failed(list) => list.push(p),
                _ => outcome = Outcome::Failed(vec![p]),
            }
        }
        outcome
    };
    CaseResult::new(&case, outcome, started.elapsed(), &secrets)
}

/// Captures whose values are credentials: scrubbed from the case's report.
fn secret_capture(name: &str) -> bool {
    matches!(name, "token" | "csrf") || name.starts_with("secret")
}

async fn run_step(
    ctx: &Ctx,
    case: &Case,
    step: &Step,
    (index, steps): (usize, usize),
    (vars, created, secrets): (&mut Vars, &mut Vec<Outgoing>, &mut Vec<String>),
) -> Result<(), Stop> {
    let out = outgoing(ctx, &step.request, vars)?;
    let line = out.line();
    let label = if steps > 1 {
        format!("step {} of {steps}, {line}", index + 1)
    } else {
        line.clone()
    };
    let resp = if step.as_found {
        ctx.send_as_found(&out, step.request.credentials).await
    } else {
        ctx.send(&out, step.request.credentials).await
    }
    .map_err(|e| Stop::Fail(vec![Problem::msg(format!("{label}: {e}"))]))?;
    let mut problems = Vec::new();
    if let Some(c) = &step.cleanup
        && (200..300).contains(&resp.status)
    {
        let mut undo_vars = vars.clone();
        let id = c.id.as_deref().map(|ptr| {
            let found = resp.json.as_ref().ok().and_then(|b| b.pointer(ptr));
            (ptr, found.cloned())
        });
        match id {
            Some((ptr, None)) => problems.push(Problem::msg(format!(
                "it answered {} but no id at {ptr}: what it created cannot be cleaned up",
                resp.status
            ))),
            other => {
                if let Some((_, Some(v))) = other {
                    undo_vars.insert("created".into(), Value::String(super::expect::text(&v)));
                }
                let undo = Request {
                    method: c.method,
                    body: c.body.clone(),
                    ..Request::get(&c.path)
                };
                match outgoing(ctx, &undo, &undo_vars) {
                    Ok(o) => created.push(o),
                    Err(_) => problems.push(Problem::msg(format!(
                        "the clean-up {} {} cannot be formed: the change is left behind",
                        c.method.as_str(),
                        c.path
                    ))),
                }
            }
        }
    }
    // Credentials the response hands out are secrets from here on, even when the
    // step then fails.
    for (_, pointer) in step.capture.iter().filter(|(n, _)| secret_capture(n)) {
        if let Some(v) = resp.json.as_ref().ok().and_then(|b| find(b, pointer)) {
            let s = super::expect::text(v);
            if s.len() >= 4 && !secrets.contains(&s) {
                secrets.push(s);
            }
        }
    }
    // What checks and messages see: the response with every secret scrubbed, so
    // no excerpt can cut one in half and show its start.
    let shown = super::scrubbed(&resp, secrets);
    let resp_for_checks = shown.as_ref().unwrap_or(&resp);
    record(ctx, case, &out, step.request.credentials, resp_for_checks);
    let checker = Checker {
        validators: &ctx.validators,
        spec: &ctx.spec,
    };
    let ok = (200..300).contains(&resp.status) && resp.json.is_ok();
    // The walk's rules are on pages; every other rule only needs the items.
    let purpose = if step.expect.iter().any(|e| matches!(e, Expect::Walk(_))) {
        super::collection::Purpose::Pages
    } else if step
        .expect
        .iter()
        .any(|e| matches!(e, Expect::SameItems(_)))
    {
        super::collection::Purpose::Split
    } else {
        super::collection::Purpose::Items
    };
    let mode = step.request.credentials;
    let whole = match &step.pages {
        Some(p) if ok => Some(super::collection::read(ctx, &out, p, mode, purpose).await),
        _ => None,
    };
    let mut stopped = None;
    match (&whole, &step.pages) {
        (Some(Ok(c)), Some(p)) => {
            let merged = c.merged(p);
            for e in &step.expect {
                let e = fill_expect(e, vars);
                if let Some(why) = &c.stopped
                    && matches!(e, Expect::Walk(_) | Expect::Filtered(_))
                {
                    stopped = Some(why.clone());
                }
                let found = match (&e, &merged) {
                    (Expect::Walk(w), _) => super::walk::check(ctx, w, p, c, &out).await,
                    (Expect::Filtered(f), _) => {
                        super::filtered::check(ctx, f, p, c, &out, step.request.credentials).await
                    }
                    (e, _) if on_every_page(e) => every_page(&checker, e, resp_for_checks, c),
                    (e, Some(m)) if on_items(e) => {
                        let mut found = checker.check(e, m);
                        found.extend(super::probe::probe(ctx, e, m, vars, Some(p)).await);
                        found
                    }
                    (_, None) => vec![Problem::msg(format!(
                        "no array of items at {} to read whole",
                        p.items
                    ))],
                    (e, Some(_)) => checker.check(e, resp_for_checks),
                };
                problems.extend(found);
            }
        }
        (Some(Err(e)), _) => {
            let needs = step.expect.iter().any(|e| on_items(e) || on_every_page(e));
            if needs {
                problems.push(e.clone());
            }
            for e in step.expect.iter().filter(|e| !on_items(e)) {
                problems.extend(checker.check(&fill_expect(e, vars), resp_for_checks));
            }
        }
        _ => {
            for e in &step.expect {
                let e = fill_expect(e, vars);
                if step.pages.is_none() && matches!(e, Expect::Walk(_) | Expect::Filtered(_)) {
                    problems.push(Problem::msg(
                        "a walk or filter relation needs the step's `pages`",
                    ));
                    continue;
                }
                problems.extend(checker.check(&e, resp_for_checks));
                problems.extend(super::probe::probe(ctx, &e, resp_for_checks, vars, None).await);
            }
        }
    }
    // A step that only prepares (no expectations) must succeed for the case to
    // mean anything.
    if step.expect.is_empty() && !(200..300).contains(&resp.status) {
        problems.push(Problem::with_body(
            format!("expected a 2xx to go on, got {}", resp.status),
            resp_for_checks,
        ));
    }
    if !problems.is_empty() {
        for p in &mut problems {
            p.message = format!("{label}: {}", p.message);
        }
        return Err(Stop::Fail(problems));
    }
    if let Some(why) = stopped {
        return Err(Stop::Skip(format!(
            "{why}: the totals and what lies past it are not checked"
        )));
    }
    for (name, pointer) in &step.capture {
        match resp.json.as_ref().ok().and_then(|b| find(b, pointer)) {
            Some(v) if !v.is_null() => {
                vars.insert(name.clone(), v.clone());
            }
            _ => {
                return Err(Stop::Skip(format!(
                    "{line} has nothing at {pointer} to take `{name}` from (no data to test with)"
                )));
            }
        }
    }
    Ok(())
}

/// Expectations on the response itself, which every page of a list read whole
/// must meet.
fn on_every_page(e: &Expect) -> bool {
    matches!(
        e,
        Expect::Status(_)
            | Expect::NoServerError
            | Expect::ContentType(_)
            | Expect::Schema(_)
            | Expect::Header(_)
    )
}

/// Expectations on a list's items, which hold over every item of a list read
/// whole.
fn on_items(e: &Expect) -> bool {
    matches!(
        e,
        Expect::EachMatches(_)
            | Expect::EachContains(_)
            | Expect::Ordered(_)
            | Expect::Retrievable(_)
            | Expect::ReferencesResolve(_)
            | Expect::NoNulls(_)
            | Expect::LinksResolve(_)
            | Expect::SameItems(_)
            | Expect::Walk(_)
            | Expect::Filtered(_)
    )
}

/// An expectation on the response checked on the first answer and on every page
/// of the walk; a page's problems name it, and one problem repeated on many pages
/// is told once with their number.
fn every_page(
    checker: &Checker,
    e: &Expect,
    first: &Response,
    c: &super::collection::Collection,
) -> Vec<Problem> {
    let mut problems = checker.check(e, first);
    let mut pages = 0;
    for (k, page) in c.pages.iter().enumerate() {
        let found = checker.check(e, &page.resp);
        if found.is_empty() {
            continue;
        }
        pages += 1;
        if pages == 1 {
            problems.extend(found.into_iter().map(|mut p| {
                p.message = format!("page {} ({}): {}", k + 1, page.line, p.message);
                p
            }));
        }
    }
    if pages > 1 {
        problems.push(Problem::msg(format!(
            "and so on {} more pages of the walk",
            pages - 1
        )));
    }
    problems
}

/// Keeps what a read-only case was answered, for snapshots: one response per
/// request, the one the first case by id got, so records do not depend on which
/// case finished first. A request with a body is not kept: its key would have to
/// hold the body, which may hold a password.
fn record(ctx: &Ctx, case: &Case, out: &Outgoing, mode: Credentials, resp: &Response) {
    let Some(recorded) = &ctx.recorded else {
        return;
    };
    if ctx.allow_writes_now() || out.body.is_some() {
        return;
    }
    let base = ctx.base.path().trim_end_matches('/');
    let line = out.line();
    let line = match line.split_once(' ') {
        Some((method, target)) => {
            let own = target
                .strip_prefix(base)
                .filter(|rest| rest.is_empty() || rest.starts_with(['/', '?']));
            format!("{method} {}", own.unwrap_or(target))
        }
        None => line,
    };
    let key = crate::snapshot::key(&line, mode);
    let mut map = recorded.lock().expect("the record lock is never poisoned");
    // Only the answer kept is copied: the first case by id's.
    if map.get(&key).is_some_and(|kept| kept.case <= case.id) {
        return;
    }
    let r = crate::snapshot::Recorded {
        line,
        credentials: mode,
        status: resp.status,
        content_type: resp.header("content-type").map(str::to_string),
        body: resp.body.clone(),
        origin: ctx.base.origin().ascii_serialization(),
        case: case.id.clone(),
        doc: case.doc.to_string(),
    };
    map.insert(key, r);
}

/// A JSON pointer where a `*` step stands for the first item of an array that
/// has a value (not null) at the rest of the pointer.
pub(super) fn find<'v>(body: &'v Value, pointer: &str) -> Option<&'v Value> {
    let Some((array, rest)) = pointer.split_once("/*") else {
        return body.pointer(pointer);
    };
    let items = body.pointer(array)?.as_array()?;
    items
        .iter()
        .find_map(|item| find(item, rest).filter(|v| !v.is_null()))
}

/// Undoes what a case did, last first: deletes what it created, puts back what it
/// changed. The failures, by request.
async fn cleanup(ctx: &Ctx, undo: &[Outgoing]) -> Vec<(String, String)> {
    let mut failed = Vec::new();
    for out in undo.iter().rev() {
        match ctx.http.send(out).await {
            Ok(r) if (200..300).contains(&r.status) => {}
            // Already gone: the case deleted it itself.
            Ok(r) if r.status == 404 && out.method == Method::Delete => {}
            Ok(r) => failed.push((out.line(), format!("answered {}", r.status))),
            Err(e) => failed.push((out.line(), e)),
        }
    }
    failed
}

/// The first `{name}` of a request's path, query or headers that nothing fills:
/// such a request is never sent with the hole in it.
fn unfilled(ctx: &Ctx, req: &Request, vars: &Vars) -> Option<String> {
    let texts = std::iter::once(req.path.as_str())
        .chain(req.query.values().map(String::as_str))
        .chain(req.headers.values().map(String::as_str));
    texts
        .flat_map(crate::generate::placeholders)
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        })
        .find(|n| !vars.contains_key(n) && ctx.session.placeholder(n).is_none())
}

/// The request as sent: placeholders filled, credentials attached.
pub(super) fn outgoing(ctx: &Ctx, req: &Request, vars: &Vars) -> Result<Outgoing, Stop> {
    if let Some(name) = unfilled(ctx, req, vars) {
        return Err(Stop::Skip(format!(
            "nothing gives `{{{name}}}` a value for {} {}; not sent with the hole in it",
            req.method.as_str(),
            req.path
        )));
    }
    // A path that is itself a captured value (IDR's `{thumb_url}`) is taken as
    // the server wrote it; its origin must still be the one the user named.
    let whole =
        req.path.starts_with('{') && req.path.ends_with('}') && !req.path[1..].contains('{');
    let path = fill(&req.path, vars, !whole);
    let mut url = if path.starts_with("http://") || path.starts_with("https://") {
        let url = reqwest::Url::parse(&path)
            .map_err(|e| Stop::Fail(vec![Problem::msg(format!("`{path}` is no URL: {e}"))]))?;
        if url.origin() != ctx.base.origin() {
            return Err(Stop::Skip(format!(
                "`{path}` is on another host than the one named"
            )));
        }
        url
    } else {
        super::session::join(&ctx.base, &path).map_err(|e| Stop::Fail(vec![Problem::msg(e)]))?
    };
    // A captured value must not move the request to another host or port
    // (`.evil.example/x`, `@evil.example/`, `:81/`).
    if url.origin() != ctx.base.origin() {
        return Err(Stop::Fail(vec![Problem::msg(format!(
            "`{}` would leave the host named for the run; not sent",
            req.path
        ))]));
    }
    if !req.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &req.query {
            pairs.append_pair(k, &fill(v, vars, false));
        }
    }
    let body = match (&req.body, &req.raw_body) {
        (Some(b), _) => {
            let mut body = fill_value(b, vars, Some(ctx));
            for (pointer, v) in &req.set {
                match body.pointer_mut(pointer) {
                    Some(slot) => *slot = fill_value(v, vars, None),
                    None => {
                        let (parent, key) = pointer.rsplit_once('/').unwrap_or(("", pointer));
                        if let Some(Value::Object(m)) = body.pointer_mut(parent) {
                            m.insert(crate::value::unescape(key), fill_value(v, vars, None));
                        }
                    }
                }
            }
            Some(Body::Json(body))
        }
        (None, Some(raw)) => Some(Body::Raw(raw.clone())),
        (None, None) if !req.form.is_empty() => Some(Body::Form(
            req.form
                .iter()
                .map(|(k, v)| (k.clone(), fill_secret(v, vars, ctx)))
                .collect(),
        )),
        (None, None) => None,
    };
    let mut headers = ctx.session.headers(req.credentials, req.method);
    for (k, v) in &req.headers {
        headers.push((k.clone(), fill(v, vars, false)));
    }
    Ok(Outgoing {
        method: req.method,
        url,
        headers,
        body,
    })
}

/// `{name}` filled from captures; unknown names stay as written. In paths the
/// value is percent-encoded as one segment.
pub(super) fn fill(s: &str, vars: &Vars, in_path: bool) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 1..start + len];
        out.push_str(&rest[..start]);
        match vars.get(name) {
            Some(v) => {
                let t = super::expect::text(v);
                if in_path {
                    out.push_str(&percent_encoding::utf8_percent_encode(&t, SEGMENT).to_string());
                } else {
                    out.push_str(&t);
                }
            }
            None => out.push_str(&rest[start..start + len + 1]),
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// Fills the strings of a JSON value; a string that is exactly `{name}` takes the
/// captured value with its type. Secrets are filled only in request bodies.
fn fill_value(v: &Value, vars: &Vars, ctx: Option<&Ctx>) -> Value {
    match v {
        Value::String(s) => {
            if let Some(name) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                if let Some(secret) = ctx.and_then(|c| c.session.placeholder(name)) {
                    return Value::String(secret.expose().to_string());
                }
                if let Some(v) = vars.get(name) {
                    return v.clone();
                }
            }
            Value::String(fill(s, vars, false))
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| fill_value(x, vars, ctx)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), fill_value(x, vars, ctx)))
                .collect(),
        ),
        v => v.clone(),
    }
}

/// A form value: `{username}` / `{password}` from the credentials, else captures.
fn fill_secret(v: &str, vars: &Vars, ctx: &Ctx) -> String {
    match v
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .and_then(|name| ctx.session.placeholder(name))
    {
        Some(secret) => secret.expose().to_string(),
        None => fill(v, vars, false),
    }
}

fn fill_expect(e: &Expect, vars: &Vars) -> Expect {
    if vars.is_empty() {
        return e.clone();
    }
    let mut e = e.clone();
    match &mut e {
        Expect::Equals(pv) | Expect::Agrees(pv) | Expect::NotSet(pv) => {
            pv.value = fill_value(&pv.value, vars, None)
        }
        Expect::EachMatches(m) => {
            for v in &mut m.values {
                *v = fill(v, vars, false);
            }
        }
        Expect::EachContains(m) => m.term = fill(&m.term, vars, false),
        Expect::Mentions(t) => *t = fill(t, vars, false),
        _ => {}
    }
    e
}

impl Ctx {
    /// Sends a GET, answered from what the read-only phase got where it asked
    /// the same: the deployment as found, before the run wrote anything.
    pub(super) async fn send_as_found(
        &self,
        out: &Outgoing,
        mode: Credentials,
    ) -> Result<Arc<Response>, String> {
        let key = (out.url.to_string(), mode);
        let found = {
            let cache = self.cache.lock().expect("the cache lock is never poisoned");
            cache.get(&key).and_then(|cell| cell.get().cloned())
        };
        match found {
            Some(Ok(r)) if out.method == Method::Get => Ok(r),
            _ => self.send(out, mode).await,
        }
    }

    /// Sends, sharing identical reads of the read-only phase: a GET whose answer
    /// several cases check is asked once.
    pub(super) async fn send(
        &self,
        out: &Outgoing,
        mode: Credentials,
    ) -> Result<Arc<Response>, String> {
        let own_headers = out.headers.len() > self.session.headers(mode, out.method).len();
        if out.method != Method::Get || self.allow_writes_now() || own_headers {
            return self.http.send(out).await.map(Arc::new);
        }
        let key = (out.url.to_string(), mode);
        let cell = {
            let mut cache = self.cache.lock().expect("the cache lock is never poisoned");
            cache.entry(key).or_default().clone()
        };
        let result = cell
            .get_or_init(|| async { self.http.send(out).await.map(Arc::new) })
            .await
            .clone();
        // A failure is not shared with cases that come later: they ask again.
        let failed = match &result {
            Ok(r) => r.status == 429 || r.status >= 500,
            Err(_) => true,
        };
        if failed {
            let mut cache = self.cache.lock().expect("the cache lock is never poisoned");
            cache.remove(&(out.url.to_string(), mode));
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_star_takes_the_first_item_with_a_value() {
        let body = json!({"data": [{"a": null}, {"b": 1}, {"a": {"id": 7}}, {"a": {"id": 8}}]});
        assert_eq!(find(&body, "/data/*/a/id"), Some(&json!(7)));
        assert_eq!(find(&body, "/data/1/b"), Some(&json!(1)));
        assert_eq!(find(&body, "/data/*/c"), None);
        assert_eq!(find(&body, "/nothing/*/a"), None);
    }

    #[test]
    fn placeholders_fill_from_captures_and_stay_when_unknown() {
        let mut vars = Vars::new();
        vars.insert("id".into(), json!("a/b c"));
        assert_eq!(fill("/x/{id}/{other}", &vars, true), "/x/a%2Fb%20c/{other}");
        assert_eq!(fill("{id},{id}", &vars, false), "a/b c,a/b c");
    }
}
