//! Blind faults of the IMPC images Solr core (impc_images.txt): filter queries,
//! paging counters, and the types of the documents' values.

use serde_json::{Value, json};

use super::{Answer, Blind, Exchange, Next, day_first, items_mut, number};
use crate::spec::{OperationKind, Pagination};

pub async fn apply(f: Blind, next: &Next<'_>, req: Exchange) -> Answer {
    let spec = next.spec();
    let Some((op, _)) = next.operation(&req) else {
        return next.call(req).await;
    };
    let (Some(p), Some(docs), true) = (
        spec.pagination.as_ref(),
        next.items_pointer(op),
        op.kind == OperationKind::List,
    ) else {
        return next.call(req).await;
    };
    let filter = spec
        .filtering
        .as_ref()
        .map_or("fq".to_string(), |f| f.field_param.clone());
    let filtered = req.query().iter().any(|(k, _)| *k == filter);
    match f {
        Blind::ImpcFilterIgnoresCase if filtered => {
            let every = all_docs(next, p, &docs, &req).await;
            let q = req.query();
            let mut changed = false;
            let q: Vec<(String, String)> = q
                .into_iter()
                .map(|(k, v)| {
                    if k != filter {
                        return (k, v);
                    }
                    let Some((field, value)) = v.split_once(':') else {
                        return (k, v);
                    };
                    let value = value.trim_matches('"');
                    let mut alike: Vec<String> = Vec::new();
                    for d in &every {
                        for t in texts(d.get(field)) {
                            if t.eq_ignore_ascii_case(value) && !alike.contains(&t) {
                                alike.push(t);
                            }
                        }
                    }
                    if alike.is_empty() || alike == [value.to_string()] {
                        return (k, v);
                    }
                    changed = true;
                    // The clean core takes a comma list as a union of values.
                    (k, format!("{field}:\"{}\"", alike.join(",")))
                })
                .collect();
            if changed {
                next.call(req.with_query(&q)).await
            } else {
                next.call(req).await
            }
        }
        Blind::ImpcNumFoundCountsToPageEnd if req.param(&p.size_param).is_some() => {
            let mut a = next.call(req).await;
            a.edit(|v| {
                let start = p
                    .position_pointer
                    .as_deref()
                    .and_then(|ptr| v.pointer(ptr))
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                let shown = v.pointer(&docs).and_then(Value::as_array).map(Vec::len);
                if let (Some(n), Some(total)) = (shown, v.pointer_mut(&p.total_pointer)) {
                    *total = json!(start + n as u64);
                }
            });
            a
        }
        Blind::ImpcStartIgnoredWithFilter if filtered => {
            let start = number(req.param(&p.position_param).as_deref()).unwrap_or(0);
            if start == 0 {
                return next.call(req).await;
            }
            let mut a = next.call(req.with_param(&p.position_param, "0")).await;
            if let Some(ptr) = &p.position_pointer {
                a.edit(|v| {
                    if let Some(x) = v.pointer_mut(ptr) {
                        *x = json!(start);
                    }
                });
            }
            a
        }
        Blind::ImpcSingleValuesUnwrapped => each_doc(next.call(req).await, &docs, |_, doc| {
            for value in doc.values_mut() {
                if let Value::Array(a) = value
                    && a.len() == 1
                {
                    *value = a.remove(0);
                }
            }
        }),
        Blind::ImpcNumbersAsTextDownPage => each_doc(next.call(req).await, &docs, |i, doc| {
            if i == 0 {
                return;
            }
            for value in doc.values_mut() {
                if let Value::Number(n) = value {
                    *value = json!(n.to_string());
                }
            }
        }),
        Blind::ImpcDatesDayFirst => each_doc(next.call(req).await, &docs, |_, doc| {
            for value in doc.values_mut() {
                if let Some(d) = value.as_str().and_then(day_first) {
                    *value = json!(d);
                }
            }
        }),
        _ => next.call(req).await,
    }
}

/// Changes each document of a successful answer, by its place on the page.
fn each_doc(
    mut a: Answer,
    docs: &str,
    mut f: impl FnMut(usize, &mut serde_json::Map<String, Value>),
) -> Answer {
    if a.status() != 200 {
        return a;
    }
    a.edit(|v| {
        for (i, d) in items_mut(v, docs).into_iter().flatten().enumerate() {
            if let Value::Object(m) = d {
                f(i, m);
            }
        }
    });
    a
}

/// Every document of the core, read page by page.
async fn all_docs(next: &Next<'_>, p: &Pagination, docs: &str, req: &Exchange) -> Vec<Value> {
    const ROWS: usize = 1000;
    let mut out = Vec::new();
    let query = next
        .operation(req)
        .and_then(|(op, _)| {
            op.params
                .iter()
                .find(|x| x.role == Some(crate::spec::ParamRole::Query))
        })
        .map(|x| x.name.clone());
    for page in 0..10_000 {
        let mut pairs = vec![
            (p.position_param.clone(), (page * ROWS).to_string()),
            (p.size_param.clone(), ROWS.to_string()),
        ];
        if let Some(q) = &query {
            pairs.push((q.clone(), "*:*".into()));
        }
        let a = next.call(req.with_query(&pairs)).await;
        let items = a
            .json()
            .and_then(|v| v.pointer(docs).and_then(Value::as_array).cloned())
            .unwrap_or_default();
        let n = items.len();
        out.extend(items);
        if n < ROWS {
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
