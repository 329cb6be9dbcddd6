//! Blind faults of the OMERO JSON API (omero.txt): pagination meta, child counts,
//! parent filters, normalizing, the version header, errors, deleting, CSRF.

use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use super::{Answer, Blind, Exchange, Next, items_mut, number};
use crate::spec::{Auth, OperationKind, ParamRole};

pub async fn apply(f: Blind, next: &Next<'_>, req: Exchange) -> Answer {
    let spec = next.spec();
    if f == Blind::OmeroErrorsWithoutVersionHeader {
        let mut a = next.call(req).await;
        if a.status() >= 400 {
            for h in &spec.representation.headers {
                a.headers.remove(h.name.as_str());
            }
        }
        return a;
    }
    let Some((op, _)) = next.operation(&req) else {
        return next.call(req).await;
    };
    let (Some(p), true) = (
        spec.pagination.as_ref(),
        op.kind == OperationKind::List && op.paginated,
    ) else {
        return match f {
            Blind::OmeroDeleteNoBody if op.kind == OperationKind::Delete => {
                let mut a = next.call(req).await;
                if a.status() == 200 {
                    a.status = StatusCode::NO_CONTENT;
                    a.body = Default::default();
                    a.headers.remove(header::CONTENT_TYPE);
                    a.headers.remove(header::CONTENT_LENGTH);
                }
                a
            }
            Blind::OmeroDeleteSkipsCsrf if op.kind == OperationKind::Delete => {
                let Auth::CsrfSession {
                    token_path,
                    token_pointer,
                    header,
                    ..
                } = &spec.auth
                else {
                    return next.call(req).await;
                };
                let token = next
                    .clean(req.get(token_path))
                    .await
                    .json()
                    .and_then(|v| v.pointer(token_pointer)?.as_str().map(String::from));
                match token {
                    Some(t) => next.call(req.with_header(header, &t)).await,
                    None => next.call(req).await,
                }
            }
            _ => next.call(req).await,
        };
    };
    let items = next.items_pointer(op).unwrap_or_else(|| "/data".into());
    match f {
        Blind::OmeroLimitOverMaxEchoed => {
            let asked = number(req.param(&p.size_param).as_deref());
            let mut a = next.call(req).await;
            if let (Some(n), Some(max), Some(ptr)) = (asked, p.max_size, &p.size_pointer)
                && n > u64::from(max)
            {
                a.edit(|v| {
                    if let Some(x) = v.pointer_mut(ptr) {
                        *x = json!(n);
                    }
                });
            }
            a
        }
        Blind::OmeroLaterPageTotalCount => {
            let offset = number(req.param(&p.position_param).as_deref()).unwrap_or(0);
            let mut a = next.call(req).await;
            if offset > 0 {
                a.edit(|v| {
                    if let Some(x) = v.pointer_mut(&p.total_pointer)
                        && let Some(total) = x.as_u64()
                    {
                        *x = json!(total.saturating_sub(offset));
                    }
                });
            }
            a
        }
        Blind::OmeroChildCountZeroDownList => {
            let asked = req.param("childCount").as_deref() == Some("true");
            let mut a = next.call(req).await;
            if asked {
                a.edit(|v| {
                    for item in items_mut(v, &items).into_iter().flatten().skip(3) {
                        if let Some(n) = item.get_mut("omero:childCount") {
                            *n = json!(0);
                        }
                    }
                });
            }
            a
        }
        Blind::OmeroParentFilterLostWithOffset => {
            let offset = number(req.param(&p.position_param).as_deref()).unwrap_or(0);
            let parents: Vec<&str> = op
                .params
                .iter()
                .filter(|x| x.same_as.is_some())
                .map(|x| x.name.as_str())
                .collect();
            if offset > 0
                && req
                    .query()
                    .iter()
                    .any(|(k, _)| parents.contains(&k.as_str()))
            {
                next.call(req.edit_query(|q| q.retain(|(k, _)| !parents.contains(&k.as_str()))))
                    .await
            } else {
                next.call(req).await
            }
        }
        Blind::OmeroNormalizePartial => {
            let shapes: Vec<_> = op
                .params
                .iter()
                .filter(|x| x.role == Some(ParamRole::Shape) && !x.moves.is_empty())
                .filter(|x| req.param(&x.name).as_deref() == Some("true"))
                .collect();
            if shapes.is_empty() {
                return next.call(req).await;
            }
            let names: Vec<&str> = shapes.iter().map(|x| x.name.as_str()).collect();
            let nested = req.edit_query(|q| q.retain(|(k, _)| !names.contains(&k.as_str())));
            let mut a = next.call(req).await;
            if a.status() != 200 {
                return a;
            }
            let raw = next.call(nested).await.json();
            let raw_items = raw
                .as_ref()
                .and_then(|v| v.pointer(&items).and_then(Value::as_array))
                .cloned()
                .unwrap_or_default();
            a.edit(|v| {
                let Some(list) = items_mut(v, &items) else {
                    return;
                };
                for (item, before) in list.iter_mut().zip(&raw_items).skip(2) {
                    for mv in shapes.iter().flat_map(|x| &x.moves) {
                        let steps: Vec<&str> = mv.from.split('.').collect();
                        let kept = steps.iter().try_fold(before, |x, k| x.get(*k));
                        if let Some(kept) = kept {
                            put(item, &steps, kept.clone());
                        }
                    }
                }
            });
            a
        }
        Blind::OmeroBadOffset500 => {
            let bad = req
                .param(&p.position_param)
                .filter(|v| v.trim().parse::<i64>().is_err());
            let mut a = next.call(req).await;
            if let (Some(v), 400) = (bad, a.status()) {
                let message = format!("invalid literal for int() with base 10: '{v}'");
                a.status = StatusCode::INTERNAL_SERVER_ERROR;
                a.set_json(&json!({
                    "message": message,
                    "stacktrace": format!(
                        "Traceback (most recent call last):\n  File \"omeroweb/api/views.py\", line 95, in get_opts\n    offset = int(request.GET.get('offset', 0))\nValueError: {message}"
                    ),
                }));
            }
            a
        }
        _ => next.call(req).await,
    }
}

/// Sets a value under a path of keys, creating objects on the way.
fn put(item: &mut Value, steps: &[&str], value: Value) {
    let Some((last, path)) = steps.split_last() else {
        return;
    };
    let mut node = item;
    for k in path {
        if !node.is_object() {
            return;
        }
        node = node
            .as_object_mut()
            .expect("checked above")
            .entry(k.to_string())
            .or_insert_with(|| json!({}));
    }
    if let Value::Object(m) = node {
        m.insert(last.to_string(), value);
    }
}
