//! Expectations that need more requests than the step's own: the walk over every
//! page, retrieving listed items by id, and following links. Each is bounded: a
//! walk stops at the total (plus two pages), a probe visits at most `limit` items.

use std::collections::HashMap;

use serde_json::Value;

use super::Ctx;
use super::Problem;
use super::exec::{Vars, fill};
use super::expect::{clip, json_diff, loose_eq, text, values_at};
use super::http::{Outgoing, Response};
use crate::generate::{Credentials, Expect, Links, Retrievable, Walk};
use crate::spec::PageStyle;

/// Most pages a walk reads, whatever the total says.
const MAX_PAGES: u64 = 20_000;

/// Largest total for which a short walk is read a second time to name the ids.
const SECOND_READING: u64 = 10_000;

/// Largest page a walk asks for where nothing else bounds it.
const MAX_SIZE: u64 = 500;

pub(super) async fn probe(
    ctx: &Ctx,
    e: &Expect,
    resp: &Response,
    out: &Outgoing,
    vars: &Vars,
) -> Vec<Problem> {
    let Ok(body) = &resp.json else {
        return match e {
            Expect::Walk(_)
            | Expect::Retrievable(_)
            | Expect::LinksResolve(_)
            | Expect::ReferencesResolve(_)
            | Expect::SameItems(_) => {
                vec![Problem::with_body(
                    resp.json.clone().err().unwrap_or_default(),
                    resp,
                )]
            }
            _ => vec![],
        };
    };
    match e {
        Expect::Walk(w) => walk(ctx, w, body, out).await,
        Expect::Retrievable(r) => retrievable(ctx, r, body, vars).await,
        Expect::LinksResolve(l) => links(ctx, l, body).await,
        Expect::ReferencesResolve(r) => references(ctx, r, body, vars).await,
        Expect::SameItems(s) => same_items(ctx, s, body, vars).await,
        _ => vec![],
    }
}

async fn page(ctx: &Ctx, out: &Outgoing, w: &Walk, size: u64, k: u64) -> Result<Response, String> {
    let position = match w.style {
        PageStyle::Page => w.first + k,
        PageStyle::Offset => k * size,
    };
    let mut req = out.clone();
    let kept: Vec<(String, String)> = req
        .url
        .query_pairs()
        .filter(|(n, _)| *n != w.position_param && *n != w.size_param)
        .map(|(a, b)| (a.into_owned(), b.into_owned()))
        .collect();
    req.url.set_query(None);
    {
        let mut q = req.url.query_pairs_mut();
        for (a, b) in &kept {
            q.append_pair(a, b);
        }
        q.append_pair(&w.position_param, &position.to_string());
        q.append_pair(&w.size_param, &size.to_string());
    }
    // Never from the cache: an unstable server must be caught answering differently.
    let r = ctx
        .http
        .send(&req)
        .await
        .map_err(|e| format!("{}: {e}", req.line()))?;
    if r.status != 200 {
        return Err(format!(
            "{} answered {}: {}",
            req.line(),
            r.status,
            r.excerpt(200)
        ));
    }
    Ok(r)
}

async fn walk(ctx: &Ctx, w: &Walk, first: &Value, out: &Outgoing) -> Vec<Problem> {
    let Some(total) = first.pointer(&w.total).and_then(Value::as_u64) else {
        return vec![Problem::msg(format!("no total count at {}", w.total))];
    };
    // About `pages` pages, never larger than the documented maximum, the maximum
    // the server states, or a size any server serves.
    let stated = w
        .max_size_pointer
        .as_deref()
        .and_then(|p| first.pointer(p))
        .and_then(Value::as_u64);
    let cap = [w.max_size, stated, Some(MAX_SIZE)]
        .into_iter()
        .flatten()
        .filter(|m| *m > 0)
        .min()
        .unwrap_or(MAX_SIZE);
    let size = total.div_ceil(w.pages.max(1)).clamp(1, cap);
    let needed = total.div_ceil(size);
    // Past the budget, the walk reads what it may and checks what it read.
    let partial = needed > MAX_PAGES;
    let pages = needed.min(MAX_PAGES);
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut duplicates: Vec<String> = Vec::new();
    let mut count = 0u64;
    let mut first_ids: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    // Two pages past the last, to see that the end is the end.
    for k in 0..pages + 2 {
        let r = match page(ctx, out, w, size, k).await {
            Ok(r) => r,
            Err(e) => return vec![Problem::msg(format!("page {}: {e}", k + 1))],
        };
        let Ok(body) = &r.json else {
            return vec![Problem::with_body(format!("page {}: not JSON", k + 1), &r)];
        };
        // A HAL page without items leaves `_embedded` out: an empty page.
        let empty = Vec::new();
        let items = match body.pointer(&w.items) {
            Some(Value::Array(items)) => items,
            None if body.pointer(&w.total).is_some() => &empty,
            _ => {
                return vec![Problem::msg(format!(
                    "page {}: no array of items at {}",
                    k + 1,
                    w.items
                ))];
            }
        };
        if k >= pages {
            if partial {
                break;
            }
            if !items.is_empty() {
                problems.push(Problem::msg(format!(
                    "page {} lies past the {total} items the total states, yet holds {} items",
                    k + 1,
                    items.len()
                )));
            }
            continue;
        }
        if items.is_empty() {
            break;
        }
        for item in items {
            let id = values_at(item, &w.id)
                .first()
                .map_or("(no id)".into(), |v| text(v));
            if k == 0 {
                first_ids.push(id.clone());
            }
            count += 1;
            if let Some(p) = seen.insert(id.clone(), k + 1) {
                duplicates.push(format!("{id} (pages {p} and {})", k + 1));
            }
        }
    }
    if let Some(ptr) = &w.total_pages {
        match first.pointer(ptr).and_then(Value::as_u64) {
            Some(n) => {
                // The first response was read at its own size; recount for it.
                let asked = first
                    .pointer(&w.items)
                    .and_then(Value::as_array)
                    .map_or(0, |a| a.len() as u64);
                let size_then = asked.max(1);
                let want = if asked == 0 {
                    0
                } else {
                    total.div_ceil(size_then)
                };
                if asked > 0 && asked < total && n != want {
                    problems.push(Problem::msg(format!(
                        "{ptr} says {n} pages, but {total} items at {size_then} a page make {want}"
                    )));
                }
            }
            None => problems.push(Problem::msg(format!("no number of pages at {ptr}"))),
        }
    }
    if count != total && !partial {
        let mut p = Problem::msg(format!(
            "walking {pages} pages of {size} gave {count} items, the total says {total}"
        ));
        // Which ids: a second reading at another page size shows what one of the
        // two readings misses, and on which page the other found it.
        let other = if size == cap { (size / 2).max(1) } else { cap };
        if total <= SECOND_READING && other != size {
            let pages2 = total.div_ceil(other) + 1;
            let mut again: Vec<(String, u64)> = Vec::new();
            for k in 0..pages2 {
                let Ok(r) = page(ctx, out, w, other, k).await else {
                    break;
                };
                let items = r
                    .json
                    .as_ref()
                    .ok()
                    .and_then(|b| b.pointer(&w.items))
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                if items.is_empty() {
                    break;
                }
                for i in &items {
                    let id = values_at(i, &w.id)
                        .first()
                        .map_or("(no id)".into(), |v| text(v));
                    again.push((id, k + 1));
                }
            }
            let missed: Vec<String> = again
                .iter()
                .filter(|(id, _)| !seen.contains_key(id))
                .map(|(id, k)| format!("{id} (page {k} at {other} a page)"))
                .collect();
            let theirs: std::collections::HashSet<&String> =
                again.iter().map(|(id, _)| id).collect();
            let extra: Vec<String> = seen
                .iter()
                .filter(|(id, _)| !theirs.contains(id))
                .map(|(id, k)| format!("{id} (page {k} at {size} a page)"))
                .collect();
            let mut lines = Vec::new();
            if !missed.is_empty() {
                lines.push(format!("missing from the walk: {}", shown(&missed)));
            }
            if !extra.is_empty() {
                lines.push(format!(
                    "missing from a reading at {other} a page: {}",
                    shown(&extra)
                ));
            }
            if !lines.is_empty() {
                p.diff = Some(lines.join("\n"));
            }
        }
        problems.push(p);
    }
    if !duplicates.is_empty() {
        problems.push(Problem::msg(format!(
            "{} items appear on two pages: {}",
            duplicates.len(),
            duplicates
                .iter()
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // A second reading of the first page must agree with the first.
    if total > 0 {
        match page(ctx, out, w, size, 0).await {
            Ok(r) => {
                let again: Vec<String> = r
                    .json
                    .as_ref()
                    .ok()
                    .and_then(|b| b.pointer(&w.items))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|i| {
                                values_at(i, &w.id)
                                    .first()
                                    .map_or("(no id)".into(), |v| text(v))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if again != first_ids {
                    problems.push(Problem {
                        message: "the first page came back in another order when read again".into(),
                        diff: Some(json_diff(&Value::from(first_ids), &Value::from(again))),
                    });
                }
            }
            Err(e) => problems.push(Problem::msg(format!("page 1 again: {e}"))),
        }
    }
    problems
}

async fn retrievable(ctx: &Ctx, r: &Retrievable, body: &Value, vars: &Vars) -> Vec<Problem> {
    let Some(Value::Array(items)) = body.pointer(&r.items) else {
        return vec![Problem::msg(format!("no array of items at {}", r.items))];
    };
    let mut problems = Vec::new();
    for (i, item) in items.iter().take(r.limit).enumerate() {
        let Some(id) = values_at(item, &r.id).first().map(|v| text(v)) else {
            problems.push(Problem::msg(format!("item {i} has no `{}`", r.id)));
            continue;
        };
        let mut vars = vars.clone();
        vars.insert(".id".into(), Value::String(id.clone()));
        let (line, resp) = match get(ctx, &fill(&r.path, &vars, true), &vars).await {
            Ok(x) => x,
            Err(p) => {
                problems.push(p);
                continue;
            }
        };
        if resp.status != 200 {
            problems.push(Problem::with_body(
                format!("listed item {id}: {line} answered {}", resp.status),
                &resp,
            ));
            continue;
        }
        let Some(single) = resp.json.as_ref().ok().and_then(|b| b.pointer(&r.single)) else {
            problems.push(Problem::msg(format!("{}: no item at `{}`", line, r.single)));
            continue;
        };
        let (Value::Object(listed), Value::Object(got)) = (item, single) else {
            continue;
        };
        let differing: Vec<&String> = listed
            .iter()
            .filter(|(k, v)| got.get(*k).is_some_and(|g| !loose_eq(g, v)))
            .map(|(k, _)| k)
            .collect();
        if !differing.is_empty() {
            let pick = |m: &serde_json::Map<String, Value>| {
                Value::Object(
                    differing
                        .iter()
                        .map(|k| ((*k).clone(), m[*k].clone()))
                        .collect(),
                )
            };
            problems.push(Problem {
                message: format!(
                    "item {id} differs between the list and {}: {}",
                    line,
                    differing
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                diff: Some(json_diff(&pick(listed), &pick(got))),
            });
        }
    }
    problems
}

async fn same_items(
    ctx: &Ctx,
    s: &crate::generate::SameItems,
    body: &Value,
    vars: &Vars,
) -> Vec<Problem> {
    let ids = |v: &Value, at: &str| -> Option<Vec<String>> {
        let mut out: Vec<String> = v
            .pointer(at)?
            .as_array()?
            .iter()
            .map(|i| {
                values_at(i, &s.id)
                    .first()
                    .map_or("(no id)".into(), |x| text(x))
            })
            .collect();
        out.sort();
        Some(out)
    };
    let Some(mine) = ids(body, &s.items) else {
        return vec![Problem::msg(format!("no array of items at {}", s.items))];
    };
    let (line, resp) = match get(ctx, &s.path, vars).await {
        Ok(x) => x,
        Err(p) => return vec![p],
    };
    let Some(theirs) = resp.json.as_ref().ok().and_then(|b| ids(b, &s.other_items)) else {
        return vec![Problem::with_body(
            format!("{} lists no items", line),
            &resp,
        )];
    };
    if mine == theirs {
        return vec![];
    }
    vec![Problem {
        message: format!("the filtered list and {} hold different items", line),
        diff: Some(json_diff(&Value::from(theirs), &Value::from(mine))),
    }]
}

async fn references(
    ctx: &Ctx,
    r: &crate::generate::References,
    body: &Value,
    vars: &Vars,
) -> Vec<Problem> {
    let Some(Value::Array(items)) = body.pointer(&r.items) else {
        return vec![Problem::msg(format!("no array of items at {}", r.items))];
    };
    let mut problems = Vec::new();
    for item in items.iter().take(r.limit) {
        let own = values_at(item, &r.id).first().map(|v| text(v));
        let Some(own) = own else { continue };
        let ids: Vec<&Value> = values_at(item, &r.field)
            .into_iter()
            .filter(|v| !v.is_null())
            .take(3)
            .collect();
        for target in ids {
            let mut vars = vars.clone();
            vars.insert(".ref".into(), target.clone());
            let (line, resp) = match get(ctx, &fill(&r.path, &vars, true), &vars).await {
                Ok(x) => x,
                Err(p) => {
                    problems.push(p);
                    continue;
                }
            };
            if resp.status != 200 {
                problems.push(Problem::msg(format!(
                    "item {own} names {} = {}, but {} answers {}",
                    r.field,
                    text(target),
                    line,
                    resp.status
                )));
                continue;
            }
            let Some(back) = &r.back else { continue };
            let named = resp
                .json
                .as_ref()
                .ok()
                .and_then(|b| b.pointer(&r.single))
                .map(|t| values_at(t, back).into_iter().any(|v| text(v) == own))
                .unwrap_or(false);
            if !named {
                problems.push(Problem::msg(format!(
                    "item {own} names {} = {}, but that item's `{back}` does not name {own}",
                    r.field,
                    text(target)
                )));
            }
        }
    }
    problems
}

async fn links(ctx: &Ctx, l: &Links, body: &Value) -> Vec<Problem> {
    let mut found = Vec::new();
    collect_links(body, l, "", &mut found);
    let mut problems = Vec::new();
    let mut visited = 0;
    for (at, href) in found {
        if visited >= l.limit {
            break;
        }
        let Ok(url) = ctx.base.join(&href) else {
            problems.push(Problem::msg(format!(
                "{at}: `{}` is no URL",
                clip(&Value::String(href), 80)
            )));
            continue;
        };
        // Never follow a link to a host the user did not name.
        if url.origin() != ctx.base.origin() {
            continue;
        }
        visited += 1;
        let out = Outgoing {
            method: crate::spec::Method::Get,
            headers: ctx
                .session
                .headers(Credentials::Valid, crate::spec::Method::Get),
            url,
            body: None,
        };
        match ctx.send(&out, Credentials::Valid).await {
            // The item's own `self` link returns the item.
            Ok(r) if r.status == 200 && at == "/_links/self" => {
                if let Ok(again) = &r.json
                    && again != body
                {
                    problems.push(Problem {
                        message: format!("its `self` link {} returns another object", out.line()),
                        diff: Some(json_diff(body, again)),
                    });
                }
            }
            Ok(r) if r.status == 200 => {}
            Ok(r) => problems.push(Problem::msg(format!(
                "link {at} → {} answered {}",
                out.line(),
                r.status
            ))),
            Err(e) => problems.push(Problem::msg(format!("link {at} → {}: {e}", out.line()))),
        }
    }
    problems
}

fn collect_links(v: &Value, l: &Links, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let here = format!("{at}/{k}");
                if l.hal && k == "_links" {
                    hal_hrefs(x, &here, out);
                } else if let (Some(p), Value::String(s)) = (&l.prefix, x)
                    && k.starts_with(p.as_str())
                {
                    out.push((here, s.clone()));
                } else {
                    collect_links(x, l, &here, out);
                }
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_links(x, l, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn hal_hrefs(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    let Value::Object(m) = v else { return };
    for (rel, link) in m {
        let links: Vec<&Value> = match link {
            Value::Array(a) => a.iter().collect(),
            x => vec![x],
        };
        for x in links {
            let templated = x.get("templated").and_then(Value::as_bool).unwrap_or(false);
            if let Some(href) = x.get("href").and_then(Value::as_str)
                && !templated
                && !href.contains('{')
            {
                out.push((format!("{at}/{rel}"), href.to_string()));
            }
        }
    }
}

/// A GET of a path (placeholders filled from `vars`) with valid credentials: its
/// request line and answer, or the problem that kept it from one.
async fn get(
    ctx: &Ctx,
    path: &str,
    vars: &Vars,
) -> Result<(String, std::sync::Arc<Response>), Problem> {
    let req = crate::generate::Request::get(path);
    let out = super::exec::outgoing(ctx, &req, vars).map_err(|stop| match stop {
        super::exec::Stop::Fail(mut list) if !list.is_empty() => list.remove(0),
        super::exec::Stop::Fail(_) => Problem::msg(format!("cannot send GET {path}")),
        super::exec::Stop::Skip(why) => Problem::msg(why),
    })?;
    let line = out.line();
    match ctx.send(&out, Credentials::Valid).await {
        Ok(resp) => Ok((line, resp)),
        Err(e) => Err(Problem::msg(format!("{line}: {e}"))),
    }
}

fn shown(ids: &[String]) -> String {
    let mut sorted = ids.to_vec();
    // Numbers in their order: shorter first, then by text.
    sorted.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
    let mut s = sorted
        .iter()
        .take(8)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if sorted.len() > 8 {
        s.push_str(&format!(", … {} more", sorted.len() - 8));
    }
    s
}
