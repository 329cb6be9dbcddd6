//! Blind faults of GenTaR (gentar.txt): sorting and filters, HAL paging, change
//! records, bearer tokens, nested lists, updates.

use serde_json::{Value, json};

use super::{Answer, Blind, Exchange, Next, items_mut, number};
use crate::spec::{Auth, Operation, OperationKind, ParamRole};

pub async fn apply(f: Blind, next: &Next<'_>, req: Exchange) -> Answer {
    let spec = next.spec();
    let Some((op, _)) = next.operation(&req) else {
        return next.call(req).await;
    };
    let list = op.kind == OperationKind::List;
    let paged = list && op.paginated;
    match f {
        Blind::GentarSortDescIgnored if list => {
            let Some(sort) = spec.pagination.as_ref().and_then(|p| p.sort.as_ref()) else {
                return next.call(req).await;
            };
            let sent = req.edit_query(|q| {
                for (_, v) in q.iter_mut().filter(|(k, _)| *k == sort.param) {
                    if let Some((field, dir)) = v.split_once(',')
                        && dir.trim().eq_ignore_ascii_case("DESC")
                    {
                        *v = format!("{field},ASC");
                    }
                }
            });
            resend(next, req, sent).await
        }
        Blind::GentarFilterNamesIgnoreCase if list => {
            let names = filters(op);
            let sent = req.edit_query(|q| {
                for (k, _) in q.iter_mut() {
                    if names.contains(&k.as_str()) {
                        continue;
                    }
                    if let Some(n) = names.iter().find(|n| n.eq_ignore_ascii_case(k)) {
                        *k = n.to_string();
                    }
                }
            });
            resend(next, req, sent).await
        }
        Blind::GentarCommaListFirstOnly if list => {
            let lists: Vec<&str> = op
                .params
                .iter()
                .filter(|p| p.role == Some(ParamRole::Filter) && p.list)
                .map(|p| p.name.as_str())
                .collect();
            let sent = req.edit_query(|q| {
                for (k, v) in q.iter_mut() {
                    if lists.contains(&k.as_str())
                        && let Some((first, _)) = v.split_once(',')
                    {
                        *v = first.to_string();
                    }
                }
            });
            resend(next, req, sent).await
        }
        Blind::GentarSelfLinkDropsFilters if paged => {
            let names = filters(op);
            let mut a = next.call(req).await;
            a.edit(|v| {
                let Some(Value::String(href)) = v.pointer_mut("/_links/self/href") else {
                    return;
                };
                let Some((base, query)) = href.split_once('?') else {
                    return;
                };
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|part| {
                        let key = part.split('=').next().unwrap_or("");
                        let key: String = form_urlencoded::parse(key.as_bytes())
                            .map(|(k, _)| k.into_owned())
                            .next()
                            .unwrap_or_default();
                        !names.contains(&key.as_str())
                    })
                    .collect();
                *href = if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                };
            });
            a
        }
        Blind::GentarTotalPagesRoundedDown if paged => {
            let Some(p) = spec.pagination.as_ref() else {
                return next.call(req).await;
            };
            let (Some(pages), Some(size)) = (&p.total_pages_pointer, &p.size_pointer) else {
                return next.call(req).await;
            };
            let mut a = next.call(req).await;
            a.edit(|v| {
                let total = v.pointer(&p.total_pointer).and_then(Value::as_u64);
                let size = v.pointer(size).and_then(Value::as_u64);
                if let (Some(total), Some(size), Some(x)) = (total, size, v.pointer_mut(pages))
                    && size > 0
                {
                    *x = json!(total / size);
                }
            });
            a
        }
        Blind::GentarPageNumberOneBased if paged => {
            let Some(p) = spec.pagination.as_ref() else {
                return next.call(req).await;
            };
            let asked = number(req.param(&p.position_param).as_deref());
            let mut a = next.call(req).await;
            if let (Some(n), Some(ptr)) = (asked.filter(|n| *n >= 1), &p.position_pointer) {
                a.edit(|v| {
                    if let Some(x) = v.pointer_mut(ptr) {
                        *x = json!(n + 1);
                    }
                });
            }
            a
        }
        Blind::GentarHistorySkipsNestedFields => {
            let history = op.kind == OperationKind::History;
            let mut a = next.call(req).await;
            if a.status.is_success() {
                a.edit(|v| {
                    for record in records(v, history) {
                        if let Some(Value::Array(details)) = record.get_mut("details") {
                            details.retain(|d| {
                                !d.get("field")
                                    .and_then(Value::as_str)
                                    .is_some_and(|f| f.contains('.'))
                            });
                        }
                    }
                });
            }
            a
        }
        Blind::GentarHistoryDateDayFirst => {
            let history = op.kind == OperationKind::History;
            let mut a = next.call(req).await;
            if a.status.is_success() {
                a.edit(|v| {
                    for record in records(v, history) {
                        if let Some(date) = record.get_mut("date")
                            && let Some(d) = date.as_str().and_then(day_first_time)
                        {
                            *date = json!(d);
                        }
                    }
                });
            }
            a
        }
        Blind::GentarNestedRoutesTrustAnyToken if op.auth && below_a_plan(req.path()) => {
            let Auth::BearerSignin {
                signin_path,
                username_field,
                password_field,
                token_pointer,
                header,
                prefix,
                ..
            } = &spec.auth
            else {
                return next.call(req).await;
            };
            let bearer = req.header(header).is_some_and(|v| {
                v.get(..prefix.trim().len())
                    .is_some_and(|h| h.eq_ignore_ascii_case(prefix.trim()))
            });
            if !bearer {
                return next.call(req).await;
            }
            let creds = next.creds();
            let signin = Exchange {
                method: axum::http::Method::POST,
                uri: req.uri.clone(),
                headers: Default::default(),
                body: Default::default(),
            }
            .to(signin_path)
            .with_header("content-type", "application/json")
            .with_json(&json!({
                username_field.as_str(): creds.username,
                password_field.as_str(): creds.password,
            }));
            let token = next
                .clean(signin)
                .await
                .json()
                .and_then(|v| v.pointer(token_pointer)?.as_str().map(String::from));
            match token {
                Some(t) => {
                    next.call(req.with_header(header, &format!("{prefix}{t}")))
                        .await
                }
                None => next.call(req).await,
            }
        }
        Blind::GentarSigninErrorSpringShape if op.kind == OperationKind::Signin => {
            let path = req.path().to_string();
            let mut a = next.call(req).await;
            if a.status() == 401 {
                a.edit(|v| {
                    let message = v
                        .pointer("/apierror/message")
                        .and_then(Value::as_str)
                        .unwrap_or("Unauthorized")
                        .to_string();
                    *v = json!({
                        "timestamp": format!("{}.000+00:00", super::serve::now_iso()),
                        "status": 401,
                        "error": "Unauthorized",
                        "message": message,
                        "path": path,
                    });
                });
            }
            a
        }
        Blind::GentarNestedListLeaksNextPlan if list => {
            let parts: Vec<&str> = req.path().split('/').collect();
            // `/api/plans/{pin}/outcomes`: a list below one plan.
            let below = parts.len() == 5 && parts[1] == "api" && parts[2] == "plans";
            let (Some(pointer), true) = (next.items_pointer(op), below) else {
                return next.call(req).await;
            };
            let Some(pin) = successor(parts[3]) else {
                return next.call(req).await;
            };
            let mut path: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
            path[3] = pin;
            let mut target = path.join("/");
            if let Some(q) = req.uri.query() {
                target = format!("{target}?{q}");
            }
            let other = req.to(&target);
            let mut a = next.call(req).await;
            if a.status() != 200 {
                return a;
            }
            let b = next.call(other).await;
            let extra = b
                .json()
                .and_then(|v| v.pointer(&pointer).and_then(Value::as_array).cloned())
                .unwrap_or_default();
            if !extra.is_empty() {
                a.edit(|v| {
                    if let Some(items) = items_mut(v, &pointer) {
                        items.extend(extra);
                    }
                });
            }
            a
        }
        Blind::GentarUpdateLosesComment
            if matches!(op.kind, OperationKind::Update | OperationKind::Action)
                && req.method == axum::http::Method::PUT
                && req.path().split('/').count() == 4 =>
        {
            let Some(Value::Object(mut body)) = req.json() else {
                return next.call(req).await;
            };
            if !body.contains_key("comment") {
                return next.call(req).await;
            }
            let current = next.call(req.get(req.path())).await;
            if current.status() != 200 {
                return next.call(req).await;
            }
            match current.json().and_then(|v| v.get("comment").cloned()) {
                Some(old) => {
                    body.insert("comment".into(), old);
                }
                None => {
                    body.remove("comment");
                }
            }
            next.call(req.with_json(&Value::Object(body))).await
        }
        _ => next.call(req).await,
    }
}

/// The names of an operation's filters.
fn filters(op: &Operation) -> Vec<&str> {
    op.params
        .iter()
        .filter(|p| p.role == Some(ParamRole::Filter))
        .map(|p| p.name.as_str())
        .collect()
}

/// Sends a rewritten list request; its self link still names the request the
/// client made, so that only the fault's own change shows.
async fn resend(next: &Next<'_>, original: Exchange, sent: Exchange) -> Answer {
    let (was, now) = (original.target(), sent.target());
    if was == now {
        return next.call(original).await;
    }
    let mut a = next.call(sent).await;
    a.edit(|v| {
        if let Some(Value::String(href)) = v.pointer_mut("/_links/self/href")
            && let Some(base) = href.strip_suffix(&now)
        {
            *href = format!("{base}{was}");
        }
    });
    a
}

/// The change records of an answer: the body itself for a history, the
/// `history` of a write's answer.
fn records(v: &mut Value, history: bool) -> Vec<&mut Value> {
    let list = if history {
        v.as_array_mut()
    } else {
        v.get_mut("history").and_then(Value::as_array_mut)
    };
    list.map(|l| l.iter_mut().collect()).unwrap_or_default()
}

/// `2020-06-17T15:08:56.643268` as `17-06-2020 15:08:56`.
fn day_first_time(s: &str) -> Option<String> {
    let (date, time) = s.split_once('T')?;
    let day = super::day_first(date)?.replace('/', "-");
    let time = time.get(..8)?;
    let b = time.as_bytes();
    (b[2] == b':' && b[5] == b':').then(|| format!("{day} {time}"))
}

/// Whether a path lies below one plan (`/api/plans/PIN/outcomes…`).
fn below_a_plan(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts.len() >= 5 && parts[1] == "api" && parts[2] == "plans" && !parts[4].is_empty()
}

/// The identifier after this one (`PIN:0000000001` → `PIN:0000000002`).
fn successor(id: &str) -> Option<String> {
    let digits = id.chars().rev().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let (head, tail) = id.split_at(id.len() - digits);
    let n: u64 = tail.parse().ok()?;
    Some(format!("{head}{:0width$}", n + 1, width = digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_have_successors() {
        assert_eq!(
            successor("PIN:0000000001").as_deref(),
            Some("PIN:0000000002")
        );
        assert_eq!(successor("PIN:").as_deref(), None);
    }

    #[test]
    fn history_dates_turn_day_first() {
        assert_eq!(
            day_first_time("2020-06-17T15:08:56.643268").as_deref(),
            Some("17-06-2020 15:08:56")
        );
        assert_eq!(day_first_time("2020-06-17"), None);
    }

    #[test]
    fn paths_below_a_plan() {
        assert!(below_a_plan("/api/plans/PIN:1/outcomes"));
        assert!(!below_a_plan("/api/plans/PIN:1"));
        assert!(!below_a_plan("/api/plans"));
    }
}
