//! The walk's rules over a whole list: exactly `total` items, none twice, every
//! page stating the position, size and total in force, navigation links that lead
//! to the page they name within the same query, the end empty, and the first page
//! the same when read again.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::Ctx;
use super::Problem;
use super::collection::{self, Collection};
use super::expect::{json_diff, loose_eq, text, values_at};
use super::http::Outgoing;
use crate::generate::{Paging, Walk};

/// Largest total for which a short walk is read a second time to name the ids.
const SECOND_READING: u64 = 10_000;

/// Most pages named in one message.
const SHOWN: usize = 5;

/// An item's identity as text.
pub(super) fn identity(item: &Value, id: &str) -> String {
    values_at(item, id)
        .first()
        .map_or("(no id)".into(), |v| text(v))
}

pub(super) async fn check(
    ctx: &Ctx,
    w: &Walk,
    p: &Paging,
    c: &Collection,
    out: &Outgoing,
) -> Vec<Problem> {
    let mut problems = pages(ctx, p, c, out);
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut duplicates = Vec::new();
    for (item, k) in &c.items {
        let id = identity(item, &w.id);
        if let Some(before) = seen.insert(id.clone(), *k) {
            duplicates.push(format!("{id} (pages {before} and {k})"));
        }
    }
    if !duplicates.is_empty() {
        problems.push(Problem::msg(format!(
            "{} items appear on two pages: {}",
            duplicates.len(),
            duplicates
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if c.whole() {
        problems.extend(past_the_end(ctx, p, c, out).await);
    }
    let count = c.items.len() as u64;
    // A walk the budget cut short checks what it read, not the totals.
    if c.whole() && count != c.total {
        let mut problem = Problem::msg(format!(
            "walking {} pages of {} gave {count} items, the total says {}",
            c.needed, c.size, c.total
        ));
        problem.diff = second_reading(ctx, w, p, c, out, &seen).await;
        problems.push(problem);
    }
    problems.extend(first_again(ctx, w, p, c, out).await);
    problems
}

/// The two pages past the last are empty: the end is the end.
async fn past_the_end(ctx: &Ctx, p: &Paging, c: &Collection, out: &Outgoing) -> Vec<Problem> {
    let mut problems = Vec::new();
    for k in c.needed..c.needed + 2 {
        let req = collection::at(out, p, collection::position(p, k, c.size), c.size);
        let r = match collection::page(ctx, &req).await {
            Ok(r) => r,
            Err(e) => return vec![Problem::msg(format!("page {}: {e}", k + 1))],
        };
        let count = r
            .json
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|b| collection::items_of(b, p).map(<[Value]>::len));
        match count {
            Ok(0) => {}
            Ok(n) => problems.push(Problem::msg(format!(
                "{} lies past the {} items the total states, yet holds {n} items",
                req.line(),
                c.total
            ))),
            Err(e) => problems.push(Problem::with_body(format!("{}: {e}", req.line()), &r)),
        }
    }
    problems
}

/// The rules on each page of any list read in pages: it states the place asked
/// for, holds a full page unless it is the last, and its links lead where they
/// say.
pub(super) fn pages(ctx: &Ctx, p: &Paging, c: &Collection, out: &Outgoing) -> Vec<Problem> {
    let mut problems = metadata(p, c);
    problems.extend(full(p, c));
    problems.extend(navigation(ctx, p, c, out));
    problems
}

/// Every page but the last of a walk holds exactly the size asked for, and the
/// last the rest.
fn full(p: &Paging, c: &Collection) -> Vec<Problem> {
    if !c.whole() {
        return vec![];
    }
    let mut wrong = Vec::new();
    for (k, page) in c.pages.iter().enumerate().take(c.needed as usize) {
        let k = k as u64;
        let want = if k + 1 < c.needed {
            c.size
        } else {
            c.total - k * c.size
        };
        let held = page
            .resp
            .json
            .as_ref()
            .ok()
            .and_then(|b| collection::items_of(b, p).ok())
            .map_or(0, |i| i.len() as u64);
        if held != want {
            wrong.push(format!(
                "page {} ({}) holds {held} items; at {} a page, {} of {} items, it holds {want}",
                k + 1,
                page.line,
                c.size,
                c.needed,
                c.total
            ));
        }
    }
    summarise(wrong, "pages hold another number of items than their place")
}

/// Every page states the position and size it was asked for, and the same total
/// and number of pages as the others.
fn metadata(p: &Paging, c: &Collection) -> Vec<Problem> {
    let mut wrong: Vec<String> = Vec::new();
    let pages_for = |size: u64| c.total.div_ceil(size.max(1));
    for (k, page) in c.pages.iter().enumerate() {
        let Ok(body) = &page.resp.json else { continue };
        let mut state = |ptr: &Option<String>, want: Value, what: &str| {
            let Some(ptr) = ptr else { return };
            match body.pointer(ptr) {
                Some(got) if loose_eq(got, &want) => {}
                Some(got) => wrong.push(format!(
                    "page {} ({}) states {what} {} at {ptr}, asked {}",
                    k + 1,
                    page.line,
                    text(got),
                    text(&want)
                )),
                None => wrong.push(format!(
                    "page {} ({}) has no {what} at {ptr}",
                    k + 1,
                    page.line
                )),
            }
        };
        state(&p.position_pointer, page.position.into(), "position");
        state(&p.size_pointer, c.size.into(), "size");
        state(&Some(p.total.clone()), c.total.into(), "total");
        state(&p.total_pages, pages_for(c.size).into(), "number of pages");
    }
    // The first answer, read at the default size, states its own number of pages.
    if let (Some(ptr), Ok(body)) = (&p.total_pages, &c.first.json) {
        let size = p
            .size_pointer
            .as_deref()
            .and_then(|s| body.pointer(s))
            .and_then(Value::as_u64);
        let held = collection::items_of(body, p).map_or(0, |i| i.len() as u64);
        if let (Some(size), Some(n)) = (size, body.pointer(ptr).and_then(Value::as_u64))
            && size > 0
            && held > 0
            && n != pages_for(size)
        {
            wrong.push(format!(
                "{ptr} says {n} pages, but {} items at {size} a page make {}",
                c.total,
                pages_for(size)
            ));
        }
    }
    summarise(wrong, "pages state another place than the one asked for")
}

fn summarise(lines: Vec<String>, what: &str) -> Vec<Problem> {
    match lines.len() {
        0 => vec![],
        1 => vec![Problem::msg(lines[0].clone())],
        n => vec![Problem {
            message: format!("{n} {what}: {}", lines[0]),
            diff: Some(
                lines
                    .iter()
                    .take(SHOWN * 2)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }],
    }
}

/// Where a page gives HAL navigation links, each leads to the page it names
/// within the same query: `next` to the next page (none on the last), `prev` to
/// the one before (none on the first), keeping the size, filters and sort.
/// `self` is not held to the query: gentar.txt's own filtered example
/// (`?assignmentStatusName=Assigned`, line 1555) answers `self` without it.
fn navigation(ctx: &Ctx, p: &Paging, c: &Collection, out: &Outgoing) -> Vec<Problem> {
    if !p.hal_links {
        return vec![];
    }
    let kept: Vec<(String, String)> = out
        .url
        .query_pairs()
        .filter(|(n, _)| *n != p.position_param && *n != p.size_param)
        .map(|(a, b)| (a.into_owned(), b.into_owned()))
        .collect();
    let mut wrong = Vec::new();
    let mut link = |body: &Value, at: &str, rel: &str| -> Option<Vec<(String, String)>> {
        let link = body.pointer(&format!("/_links/{rel}"))?;
        let href = link.get("href").and_then(Value::as_str)?;
        // A URI template (RFC 6570) names no one page.
        let templated = link.get("templated").and_then(Value::as_bool) == Some(true);
        if templated || href.contains('{') {
            return None;
        }
        let Ok(url) = ctx.base.join(href) else {
            wrong.push(format!("{at}: `{rel}` `{href}` is no URL"));
            return None;
        };
        let query: Vec<(String, String)> = url
            .query_pairs()
            .map(|(a, b)| (a.into_owned(), b.into_owned()))
            .collect();
        for (name, v) in &kept {
            if !query.iter().any(|(n, x)| n == name && x == v) {
                wrong.push(format!(
                    "{at}: `{rel}` `{href}` drops `{name}={v}` of the query"
                ));
            }
        }
        Some(query)
    };
    let last = c.needed.saturating_sub(1);
    let mut misplaced = Vec::new();
    for (k, page) in c.pages.iter().enumerate().take(c.needed as usize) {
        let Ok(body) = &page.resp.json else { continue };
        let k = k as u64;
        let at = format!("page {} ({})", k + 1, page.line);
        for (rel, target) in [
            ("next", (k < last).then(|| k + 1)),
            ("prev", (k > 0).then(|| k - 1)),
        ] {
            let Some(query) = link(body, &at, rel) else {
                continue;
            };
            let Some(target) = target else {
                misplaced.push(format!("{at}: `{rel}` is given, yet there is no such page"));
                continue;
            };
            let value = |name: &str| {
                query
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.as_str())
            };
            let want = collection::position(p, target, c.size).to_string();
            if value(&p.position_param) != Some(want.as_str()) {
                misplaced.push(format!(
                    "{at}: `{rel}` does not lead to {}={want}",
                    p.position_param
                ));
            }
            if value(&p.size_param).is_some_and(|s| s != c.size.to_string()) {
                misplaced.push(format!(
                    "{at}: `{rel}` changes {} from {}",
                    p.size_param, c.size
                ));
            }
        }
    }
    wrong.extend(misplaced);
    summarise(wrong, "navigation links lead elsewhere than they name")
}

/// Which ids a walk that miscounted missed: a second reading at another page size
/// shows what one of the two readings lacks, and on which page the other found it.
async fn second_reading(
    ctx: &Ctx,
    w: &Walk,
    p: &Paging,
    c: &Collection,
    out: &Outgoing,
    seen: &HashMap<String, u64>,
) -> Option<String> {
    let cap = c
        .first
        .json
        .as_ref()
        .ok()
        .map_or(c.size, |b| collection::cap(p, b));
    let other = if c.size == cap {
        (c.size / 2).max(1)
    } else {
        cap
    };
    if c.total > SECOND_READING || other == c.size {
        return None;
    }
    let mut again: Vec<(String, u64)> = Vec::new();
    for k in 0..c.total.div_ceil(other) + 1 {
        let req = collection::at(out, p, collection::position(p, k, other), other);
        let Ok(r) = collection::page(ctx, &req).await else {
            break;
        };
        let items = r
            .json
            .as_ref()
            .ok()
            .and_then(|b| collection::items_of(b, p).ok())
            .map(<[Value]>::to_vec)
            .unwrap_or_default();
        if items.is_empty() {
            break;
        }
        again.extend(items.iter().map(|i| (identity(i, &w.id), k + 1)));
    }
    let missed: Vec<String> = again
        .iter()
        .filter(|(id, _)| !seen.contains_key(id))
        .map(|(id, k)| format!("{id} (page {k} at {other} a page)"))
        .collect();
    let theirs: HashSet<&String> = again.iter().map(|(id, _)| id).collect();
    let extra: Vec<String> = seen
        .iter()
        .filter(|(id, _)| !theirs.contains(id))
        .map(|(id, k)| format!("{id} (page {k} at {} a page)", c.size))
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
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// A second reading of the first page agrees with the first.
async fn first_again(
    ctx: &Ctx,
    w: &Walk,
    p: &Paging,
    c: &Collection,
    out: &Outgoing,
) -> Vec<Problem> {
    if c.total == 0 {
        return vec![];
    }
    let ids_of =
        |items: &[Value]| -> Vec<String> { items.iter().map(|i| identity(i, &w.id)).collect() };
    let first: Vec<String> = c
        .pages
        .first()
        .and_then(|pg| pg.resp.json.as_ref().ok())
        .and_then(|b| collection::items_of(b, p).ok())
        .map(ids_of)
        .unwrap_or_default();
    let req = collection::at(out, p, collection::position(p, 0, c.size), c.size);
    match collection::page(ctx, &req).await {
        Ok(r) => {
            let again = r
                .json
                .as_ref()
                .ok()
                .and_then(|b| collection::items_of(b, p).ok())
                .map(ids_of)
                .unwrap_or_default();
            if again == first {
                vec![]
            } else {
                vec![Problem {
                    message: "the first page came back in another order when read again".into(),
                    diff: Some(json_diff(&Value::from(first), &Value::from(again))),
                }]
            }
        }
        Err(e) => vec![Problem::msg(format!("page 1 again: {e}"))],
    }
}

pub(super) fn shown(ids: &[String]) -> String {
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
