//! Expectations that need more requests than the step's own: retrieving listed
//! items by id, resolving their references, comparing a filter with a related
//! list, and following links. On a list read whole they visit every item (or
//! `limit`), each distinct request sent once.

use serde_json::Value;

use super::Ctx;
use super::Problem;
use super::exec::{Vars, fill};
use super::expect::{clip, json_diff, text, values_at};
use super::http::{Outgoing, Response};
use crate::generate::{Credentials, Expect, Links, Retrievable};

pub(super) async fn probe(
    ctx: &Ctx,
    e: &Expect,
    resp: &Response,
    vars: &Vars,
    pages: Option<&crate::generate::Paging>,
) -> Vec<Problem> {
    let Ok(body) = &resp.json else {
        return match e {
            Expect::Retrievable(_)
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
        Expect::Retrievable(r) => retrievable(ctx, r, body, vars).await,
        Expect::LinksResolve(l) => links(ctx, l, body).await,
        Expect::ReferencesResolve(r) => references(ctx, r, body, vars).await,
        Expect::SameItems(s) => same_items(ctx, s, body, vars, pages).await,
        _ => vec![],
    }
}

async fn retrievable(ctx: &Ctx, r: &Retrievable, body: &Value, vars: &Vars) -> Vec<Problem> {
    let Some(Value::Array(items)) = body.pointer(&r.items) else {
        return vec![Problem::msg(format!("no array of items at {}", r.items))];
    };
    let mut problems = Vec::new();
    for (i, item) in items.iter().take(r.limit.unwrap_or(usize::MAX)).enumerate() {
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
            .filter(|(k, v)| got.get(*k).is_some_and(|g| !crate::value::consistent(v, g)))
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
    pages: Option<&crate::generate::Paging>,
) -> Vec<Problem> {
    let id_of = |i: &Value| super::walk::identity(i, &s.id);
    let ids = |v: &Value, at: &str| -> Option<Vec<String>> {
        let mut out: Vec<String> = v.pointer(at)?.as_array()?.iter().map(id_of).collect();
        out.sort();
        Some(out)
    };
    let Some(mine) = ids(body, &s.items) else {
        return vec![Problem::msg(format!("no array of items at {}", s.items))];
    };
    // Where the filtered list is read whole, so is the other, when it pages.
    let whole = match pages {
        Some(p) => other_whole(ctx, s, p, vars).await,
        None => None,
    };
    let (line, theirs) = match whole {
        Some((line, mut items)) => {
            items.sort();
            (line, items)
        }
        None => {
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
            (line, theirs)
        }
    };
    if mine == theirs {
        return vec![];
    }
    vec![Problem {
        message: format!("the filtered list and {} hold different items", line),
        diff: Some(json_diff(&Value::from(theirs), &Value::from(mine))),
    }]
}

/// The other list of a `same_items`, read whole: its request line and ids; None
/// where it does not page as the filtered one does.
async fn other_whole(
    ctx: &Ctx,
    s: &crate::generate::SameItems,
    p: &crate::generate::Paging,
    vars: &Vars,
) -> Option<(String, Vec<String>)> {
    let out = super::exec::outgoing(ctx, &crate::generate::Request::get(&s.path), vars).ok()?;
    let paging = crate::generate::Paging {
        items: s.other_items.clone(),
        ..p.clone()
    };
    let purpose = super::collection::Purpose::Split;
    let c = super::collection::read(ctx, &out, &paging, Credentials::Valid, purpose)
        .await
        .ok()?;
    let ids = c
        .items
        .iter()
        .map(|(i, _)| super::walk::identity(i, &s.id))
        .collect();
    Some((out.line(), ids))
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
    for item in items.iter().take(r.limit.unwrap_or(usize::MAX)) {
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
