//! Blind faults of the Brassica Information Portal (bip.txt): paging, filters and
//! search, single records, writes and their error bodies, the API key.

use serde_json::{Map, Value, json};

use super::{Answer, Blind, Exchange, Next, day_first, items_mut, number};
use crate::spec::{Auth, Operation, OperationKind, Pagination, ParamRole, Resource};

pub async fn apply(f: Blind, next: &Next<'_>, req: Exchange) -> Answer {
    let spec = next.spec();
    let found = next.operation(&req).map(|(op, _)| op);
    let resource = found
        .and_then(|op| op.resource.as_deref())
        .and_then(|r| spec.resource(r));
    let (Some(op), Some(r), Some(p)) = (found, resource, spec.pagination.as_ref()) else {
        return match f {
            // The one fault that concerns answers of any request.
            Blind::BipBadReferenceErrorKeyed => keyed_errors(next.call(req).await),
            _ => next.call(req).await,
        };
    };
    let list = op.kind == OperationKind::List && op.paginated;
    match f {
        Blind::BipPerPageCappedAt100 if list => {
            let asked = number(req.param(&p.size_param).as_deref());
            match asked {
                Some(n) if n > 100 => next.call(req.with_param(&p.size_param, "100")).await,
                _ => next.call(req).await,
            }
        }
        Blind::BipLaterPagesSkipFirst if list => later_pages_skip_first(next, op, r, p, req).await,
        Blind::BipFilterIgnoresCase if list => filter_ignores_case(next, op, r, p, req).await,
        Blind::BipSearchIgnoresPage if list => {
            let first = p.first_page.unwrap_or(1);
            let page = number(req.param(&p.position_param).as_deref());
            match page {
                Some(n) if is_search(&req) && n != u64::from(first) => {
                    let sent = req.with_param(&p.position_param, &first.to_string());
                    let mut a = next.call(sent).await;
                    if let Some(ptr) = &p.position_pointer {
                        a.edit(|v| {
                            if let Some(x) = v.pointer_mut(ptr) {
                                *x = json!(n);
                            }
                        });
                    }
                    a
                }
                _ => next.call(req).await,
            }
        }
        Blind::BipFilteredTotalIsPageLength if list => {
            let filtered =
                is_search(&req) || req.query().iter().any(|(k, _)| k.contains("[query]["));
            let mut a = next.call(req).await;
            if filtered {
                let items = r.pointer(&spec.envelope.list);
                a.edit(|v| {
                    let n = v.pointer(&items).and_then(Value::as_array).map(Vec::len);
                    if let (Some(n), Some(total)) = (n, v.pointer_mut(&p.total_pointer)) {
                        *total = json!(n);
                    }
                });
            }
            a
        }
        Blind::BipOnlyMineIgnoredWithPage if list => {
            let mine: Vec<&str> = op
                .params
                .iter()
                .filter(|x| x.role == Some(ParamRole::Mine))
                .map(|x| x.name.as_str())
                .collect();
            let q = req.query();
            let asks_mine = q
                .iter()
                .any(|(k, v)| mine.contains(&k.as_str()) && v == "true");
            if asks_mine && req.param(&p.position_param).is_some() {
                next.call(req.edit_query(|q| q.retain(|(k, _)| !mine.contains(&k.as_str()))))
                    .await
            } else {
                next.call(req).await
            }
        }
        Blind::BipIdFilterIgnored if list => {
            let Some(by_id) = filter_param(next, r, r.id_field.as_deref().unwrap_or("id")) else {
                return next.call(req).await;
            };
            next.call(req.edit_query(|q| q.retain(|(k, _)| *k != by_id)))
                .await
        }
        Blind::BipSingleDatesDayFirst if op.kind == OperationKind::Get => {
            let mut a = next.call(req).await;
            if a.status() == 200 {
                let at = r.pointer(&spec.envelope.single);
                a.edit(|v| {
                    if let Some(Value::Object(item)) = v.pointer_mut(&at) {
                        for value in item.values_mut() {
                            if let Some(d) = value.as_str().and_then(day_first) {
                                *value = json!(d);
                            }
                        }
                    }
                });
            }
            a
        }
        Blind::BipSingleIdsDropLast if op.kind == OperationKind::Get => {
            let mut a = next.call(req).await;
            if a.status() == 200 {
                let at = r.pointer(&spec.envelope.single);
                a.edit(|v| {
                    if let Some(Value::Object(item)) = v.pointer_mut(&at) {
                        for (k, value) in item.iter_mut() {
                            if let (true, Some(ids)) = (k.ends_with("_ids"), value.as_array_mut())
                                && ids.len() >= 2
                            {
                                ids.pop();
                            }
                        }
                    }
                });
            }
            a
        }
        Blind::BipCreateDropsComments if op.kind == OperationKind::Create => {
            let at = r.pointer(&spec.envelope.request);
            let Some(mut body) = req.json() else {
                return next.call(req).await;
            };
            let dropped = body
                .pointer_mut(&at)
                .and_then(Value::as_object_mut)
                .and_then(|item| item.remove("comments"));
            let Some(comments) = dropped else {
                return next.call(req).await;
            };
            let mut a = next.call(req.with_json(&body)).await;
            if a.status.is_success() {
                // The answer describes what was submitted, not what was kept.
                let single = r.pointer(&spec.envelope.single);
                a.edit(|v| {
                    if let Some(Value::Object(item)) = v.pointer_mut(&single) {
                        item.insert("comments".into(), comments);
                    }
                });
            }
            a
        }
        Blind::BipBadReferenceErrorKeyed => keyed_errors(next.call(req).await),
        Blind::BipGetByIdWithoutKey if op.kind == OperationKind::Get => {
            let Auth::ApiKeyHeader { header, .. } = &spec.auth else {
                return next.call(req).await;
            };
            let key = &next.creds().api_key;
            if req.header(header) == Some(key.as_str()) {
                next.call(req).await
            } else {
                next.call(req.with_header(header, key)).await
            }
        }
        Blind::BipNotOwnerDelete403 if op.kind == OperationKind::Delete => {
            let mut a = next.call(req).await;
            let mismatch = a.status() == 401
                && a.json()
                    .and_then(|v| v.get("reason").and_then(Value::as_str).map(String::from))
                    .is_some_and(|r| r.contains("mismatch"));
            if mismatch {
                a.status = axum::http::StatusCode::FORBIDDEN;
            }
            a
        }
        _ => next.call(req).await,
    }
}

/// Whether a list request searches (`RESOURCE[fetch]=term`).
fn is_search(req: &Exchange) -> bool {
    req.query().iter().any(|(k, _)| k.ends_with("[fetch]"))
}

/// The filter parameter of a field (`plant_line[query][id]`).
fn filter_param(next: &Next<'_>, r: &Resource, field: &str) -> Option<String> {
    let f = next.spec().filtering.as_ref()?;
    Some(
        f.field_param
            .replace("{name}", &r.name)
            .replace("{field}", field),
    )
}

async fn later_pages_skip_first(
    next: &Next<'_>,
    op: &Operation,
    r: &Resource,
    p: &Pagination,
    req: Exchange,
) -> Answer {
    let first = u64::from(p.first_page.unwrap_or(1));
    let page = number(req.param(&p.position_param).as_deref());
    let Some(page) = page.filter(|n| *n > first) else {
        return next.call(req).await;
    };
    let later = req.with_param(&p.position_param, &(page + 1).to_string());
    let mut a = next.call(req).await;
    if a.status() != 200 {
        return a;
    }
    let at = op
        .items_pointer
        .clone()
        .unwrap_or_else(|| r.pointer(&next.spec().envelope.list));
    let b = next.call(later).await;
    let carried = b
        .json()
        .and_then(|v| v.pointer(&at).and_then(Value::as_array)?.first().cloned());
    a.edit(|v| {
        if let Some(items) = items_mut(v, &at)
            && !items.is_empty()
        {
            items.remove(0);
            items.extend(carried);
        }
    });
    a
}

/// `RESOURCE[query][ATTRIBUTE]=v` made to match every value equal to `v` but for
/// case: the request names them all (the clean mock takes a comma list as a union).
async fn filter_ignores_case(
    next: &Next<'_>,
    op: &Operation,
    r: &Resource,
    p: &Pagination,
    req: Exchange,
) -> Answer {
    let Some(template) = filter_param(next, r, "\u{0}") else {
        return next.call(req).await;
    };
    let Some((pre, post)) = template.split_once('\u{0}') else {
        return next.call(req).await;
    };
    let mut q = req.query();
    let mut every: Option<Vec<Value>> = None;
    let mut changed = false;
    for (k, v) in q.iter_mut() {
        let Some(field) = k.strip_prefix(pre).and_then(|s| s.strip_suffix(post)) else {
            continue;
        };
        if every.is_none() {
            every = Some(all_items(next, op, r, p, &req).await);
        }
        let mut alike: Vec<String> = Vec::new();
        for item in every.iter().flatten() {
            for t in texts(item.get(field)) {
                if t.eq_ignore_ascii_case(v) && !alike.contains(&t) {
                    alike.push(t);
                }
            }
        }
        if !alike.is_empty() && alike != [v.clone()] {
            *v = alike.join(",");
            changed = true;
        }
    }
    if changed {
        next.call(req.with_query(&q)).await
    } else {
        next.call(req).await
    }
}

/// Every item of a list, unfiltered, read page by page.
async fn all_items(
    next: &Next<'_>,
    op: &Operation,
    r: &Resource,
    p: &Pagination,
    req: &Exchange,
) -> Vec<Value> {
    let at = op
        .items_pointer
        .clone()
        .unwrap_or_else(|| r.pointer(&next.spec().envelope.list));
    let size = p.max_size.unwrap_or(200).max(1);
    let first = p.first_page.unwrap_or(1);
    let mut out = Vec::new();
    for page in first..first + 10_000 {
        let pairs = vec![
            (p.position_param.clone(), page.to_string()),
            (p.size_param.clone(), size.to_string()),
        ];
        let a = next.call(req.with_query(&pairs)).await;
        let items = a
            .json()
            .and_then(|v| v.pointer(&at).and_then(Value::as_array).cloned())
            .unwrap_or_default();
        let n = items.len();
        out.extend(items);
        if n < size as usize {
            break;
        }
    }
    out
}

/// The texts a field holds: its value, or each element of an array.
fn texts(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().flat_map(|x| texts(Some(x))).collect(),
        _ => Vec::new(),
    }
}

/// A 422 naming a related id that does not exist, its errors keyed by attribute.
fn keyed_errors(mut a: Answer) -> Answer {
    if a.status() != 422 {
        return a;
    }
    a.edit(|v| {
        let Some(errors) = v.get("errors").and_then(Value::as_array) else {
            return;
        };
        let message = |e: &Value| {
            e.get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        if !errors
            .iter()
            .any(|e| message(e).contains("is not present in table"))
        {
            return;
        }
        let mut keyed = Map::new();
        for e in errors {
            let attr = e
                .get("attribute")
                .and_then(Value::as_str)
                .unwrap_or("base")
                .to_string();
            let entry = keyed.entry(attr).or_insert_with(|| json!([]));
            if let Some(list) = entry.as_array_mut() {
                list.push(json!(message(e)));
            }
        }
        *v = json!({ "errors": keyed });
    });
    a
}
