//! A list read whole: every page of one query, within the walk budget. Each
//! distinct query is read once in the read-only phase and shared by every case
//! that needs it (the walk, filters, sorting, identity, references), so rules
//! over the whole collection cost one reading of it.

use std::sync::Arc;

use serde_json::Value;

use super::Ctx;
use super::Problem;
use super::http::{Outgoing, Response};
use crate::generate::{Credentials, Paging};
use crate::spec::PageStyle;

/// About how many pages a walk is cut into: enough to cross page boundaries,
/// few enough to stay cheap. Never more than the budget.
const TARGET_PAGES: u64 = 10;

/// Largest page a walk asks for where nothing else bounds it.
const MAX_SIZE: u64 = 500;

/// One page as read.
pub(crate) struct PageRead {
    /// The position asked for (page number or offset).
    pub position: u64,
    pub line: String,
    pub resp: Arc<Response>,
}

/// What a reading of a list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Purpose {
    /// The pages themselves: cut into about `TARGET_PAGES`, to cross their
    /// boundaries (the walk's rules).
    Pages,
    /// Only the items: the first answer when it holds them all, else the fewest
    /// pages the largest size allows.
    Items,
    /// The items across a few pages (about `SPLIT_PAGES`), so that an answer is
    /// also seen to page as it counts (a filter's answer).
    Split,
}

/// How many pages a `Split` reading cuts an answer of several items into.
const SPLIT_PAGES: u64 = 3;

/// Every page of one query at one page size.
pub(crate) struct Collection {
    /// The query's own first answer, as sent without paging parameters.
    pub first: Arc<Response>,
    pub size: u64,
    /// The total the first answer states.
    pub total: u64,
    /// Pages the total needs at this size.
    pub needed: u64,
    /// Every item, in the order read, with the page (from 1) it came from.
    pub items: Vec<(Value, u64)>,
    /// The pages read (none when the first answer held every item).
    pub pages: Vec<PageRead>,
    /// Why the walk stopped before the end the total states.
    pub stopped: Option<String>,
}

impl Collection {
    /// The first answer with every item of the walk in place of its first page's:
    /// what expectations on the whole list read.
    pub fn merged(&self, p: &Paging) -> Option<Response> {
        let mut body = self.first.json.clone().ok()?;
        let all: Vec<Value> = self.items.iter().map(|(v, _)| v.clone()).collect();
        match body.pointer_mut(&p.items) {
            Some(slot) => *slot = Value::Array(all),
            // A HAL list without items leaves `_embedded` out.
            None if all.is_empty() => {}
            None => return None,
        }
        Some(Response {
            json: Ok(body),
            ..(*self.first).clone()
        })
    }

    /// Whether every page the total states was read.
    pub fn whole(&self) -> bool {
        self.stopped.is_none()
    }
}

/// The request with the paging parameters replaced by `position` and `size`.
pub(super) fn at(out: &Outgoing, p: &Paging, position: u64, size: u64) -> Outgoing {
    let mut req = out.clone();
    let kept: Vec<(String, String)> = req
        .url
        .query_pairs()
        .filter(|(n, _)| *n != p.position_param && *n != p.size_param)
        .map(|(a, b)| (a.into_owned(), b.into_owned()))
        .collect();
    req.url.set_query(None);
    {
        let mut q = req.url.query_pairs_mut();
        for (a, b) in &kept {
            q.append_pair(a, b);
        }
        q.append_pair(&p.position_param, &position.to_string());
        q.append_pair(&p.size_param, &size.to_string());
    }
    req
}

/// The position of page `k` (from 0) at `size` a page.
pub(super) fn position(p: &Paging, k: u64, size: u64) -> u64 {
    match p.style {
        PageStyle::Page => p.first + k,
        PageStyle::Offset => k * size,
    }
}

/// Reads one page, fresh: an unstable server must be caught answering
/// differently, so pages are never shared through the response cache.
pub(super) async fn page(ctx: &Ctx, req: &Outgoing) -> Result<Response, String> {
    let r = ctx
        .http
        .send(req)
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

/// The items of a page body, or why there are none to read.
pub(super) fn items_of<'v>(body: &'v Value, p: &Paging) -> Result<&'v [Value], String> {
    match body.pointer(&p.items) {
        Some(Value::Array(items)) => Ok(items),
        // A HAL page without items leaves `_embedded` out: an empty page.
        None if body.pointer(&p.total).is_some() => Ok(&[]),
        _ => Err(format!("no array of items at {}", p.items)),
    }
}

/// The whole list `out` asks for, read once per run (in the read-only phase)
/// and shared.
pub(super) async fn read(
    ctx: &Ctx,
    out: &Outgoing,
    p: &Paging,
    mode: Credentials,
    purpose: Purpose,
) -> Result<Arc<Collection>, Problem> {
    if ctx.allow_writes_now() {
        return walk(ctx, out, p, mode, purpose).await.map(Arc::new);
    }
    let key = (out.url.to_string(), mode, p.clone(), purpose);
    let cell = {
        let mut walks = ctx.walks.lock().expect("the walk lock is never poisoned");
        walks.entry(key).or_default().clone()
    };
    cell.get_or_init(|| async { walk(ctx, out, p, mode, purpose).await.map(Arc::new) })
        .await
        .clone()
}

async fn walk(
    ctx: &Ctx,
    out: &Outgoing,
    p: &Paging,
    mode: Credentials,
    purpose: Purpose,
) -> Result<Collection, Problem> {
    let first = ctx
        .send(out, mode)
        .await
        .map_err(|e| Problem::msg(format!("{}: {e}", out.line())))?;
    if first.status != 200 {
        return Err(Problem::with_body(
            format!("{} answered {}", out.line(), first.status),
            &first,
        ));
    }
    let Ok(body) = &first.json else {
        return Err(Problem::with_body(
            format!("{}: the body is not JSON", out.line()),
            &first,
        ));
    };
    let Some(total) = body.pointer(&p.total).and_then(Value::as_u64) else {
        return Err(Problem::msg(format!(
            "{}: no total count at {}",
            out.line(),
            p.total
        )));
    };
    let held = items_of(body, p).map_err(|e| Problem::msg(format!("{}: {e}", out.line())))?;
    let split_needless = purpose == Purpose::Split && total <= 1;
    if (purpose == Purpose::Items || split_needless) && held.len() as u64 >= total {
        return Ok(Collection {
            first: first.clone(),
            size: held.len() as u64,
            total,
            needed: 1,
            items: held.iter().map(|i| (i.clone(), 1)).collect(),
            pages: Vec::new(),
            stopped: None,
        });
    }
    let size = match purpose {
        Purpose::Pages => page_size(p, body, total, TARGET_PAGES),
        Purpose::Split => page_size(p, body, total, SPLIT_PAGES),
        Purpose::Items => cap(p, body),
    };
    let needed = total.div_ceil(size);
    let budget = ctx.walk_budget.max(1);
    let (pages, stopped) = if needed > budget {
        let why = format!(
            "the walk read {budget} of the {needed} pages {total} items take at {size} a page \
             (--walk-budget {budget})"
        );
        (budget, Some(why))
    } else {
        (needed, None)
    };
    let mut c = Collection {
        first: first.clone(),
        size,
        total,
        needed,
        items: Vec::new(),
        pages: Vec::new(),
        stopped,
    };
    for k in 0..pages {
        let req = at(out, p, position(p, k, size), size);
        let line = req.line();
        let r = page(ctx, &req)
            .await
            .map_err(|e| Problem::msg(format!("page {}: {e}", k + 1)))?;
        let Ok(body) = &r.json else {
            return Err(Problem::with_body(
                format!("page {}: {line}: not JSON", k + 1),
                &r,
            ));
        };
        let items = items_of(body, p).map_err(|e| Problem::msg(format!("page {}: {e}", k + 1)))?;
        let count = items.len();
        c.items.extend(items.iter().map(|i| (i.clone(), k + 1)));
        c.pages.push(PageRead {
            position: position(p, k, size),
            line,
            resp: Arc::new(r),
        });
        // A short walk ends at the first empty page; the count check says why.
        if count == 0 {
            break;
        }
    }
    Ok(c)
}

/// About `pages` pages, never larger than the documented maximum, the maximum
/// the server states, or a size any server serves.
fn page_size(p: &Paging, first: &Value, total: u64, pages: u64) -> u64 {
    let stated = p
        .max_size_pointer
        .as_deref()
        .and_then(|ptr| first.pointer(ptr))
        .and_then(Value::as_u64);
    let cap = [p.max_size, stated, Some(MAX_SIZE)]
        .into_iter()
        .flatten()
        .filter(|m| *m > 0)
        .min()
        .unwrap_or(MAX_SIZE);
    total.div_ceil(pages).clamp(1, cap)
}

/// The largest page size a reading of `p` may ask for.
pub(super) fn cap(p: &Paging, first: &Value) -> u64 {
    page_size(p, first, u64::MAX / 2, 1)
}
