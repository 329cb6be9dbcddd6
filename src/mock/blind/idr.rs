//! Blind faults of the IDR API (idr.txt, a client script): the values its client
//! reads, in the shape it reads them.

use axum::http::header;
use serde_json::{Map, Value, json};

use super::{Answer, Blind, Exchange, Next};

pub async fn apply(f: Blind, next: &Next<'_>, req: Exchange) -> Answer {
    let op = next.operation(&req).map(|(op, _)| op.id.clone());
    let op = op.as_deref();
    let annotations = req.path() == "/webclient/api/annotations/";
    let kind = req.param("type");
    match f {
        Blind::IdrPlateChildCountText if op == Some("plates/webclient") => {
            each(next.call(req).await, "/plates", |plate| {
                text(plate, "childCount");
            })
        }
        Blind::IdrLastWellEmptyObject if op == Some("wells_images") => {
            let mut a = next.call(req).await;
            if a.status() == 200 {
                a.edit(|v| {
                    for row in v
                        .get_mut("grid")
                        .and_then(Value::as_array_mut)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(last) = row.as_array_mut().and_then(|r| r.last_mut()) {
                            *last = json!({});
                        }
                    }
                });
            }
            a
        }
        Blind::IdrImageMapValuesObject
            if annotations && kind.as_deref() == Some("map") && req.param("image").is_some() =>
        {
            each(next.call(req).await, "/annotations", |a| {
                let Some(Value::Array(pairs)) = a.get("values") else {
                    return;
                };
                let mut m = Map::new();
                for pair in pairs {
                    if let Some([k, v]) = pair.as_array().map(Vec::as_slice) {
                        let key = k.as_str().map_or_else(|| k.to_string(), String::from);
                        m.insert(key, v.clone());
                    }
                }
                a["values"] = Value::Object(m);
            })
        }
        Blind::IdrThumbUrlJson => {
            let rendered = req.path().starts_with("/webclient/render_thumbnail/");
            let a = next.call(req).await;
            let image = a
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("image/"));
            if a.status() == 200 && image && !rendered {
                Answer::json_with(
                    200,
                    "application/json",
                    &json!({"error": "Thumbnail could not be rendered"}),
                )
            } else {
                a
            }
        }
        Blind::IdrFileAnnotationIdNested if annotations && kind.as_deref() == Some("file") => {
            each(next.call(req).await, "/annotations", |a| {
                if let Value::Object(m) = a
                    && let Some(id) = m.remove("id")
                {
                    m.insert("file".into(), json!({ "id": id }));
                }
            })
        }
        Blind::IdrMaprScreenIdText if op == Some("screens_projects") => {
            each(next.call(req).await, "/screens", |s| text(s, "id"))
        }
        _ => next.call(req).await,
    }
}

/// Changes each item of the list at `pointer` of a successful JSON answer.
fn each(mut a: Answer, pointer: &str, mut f: impl FnMut(&mut Value)) -> Answer {
    if a.status() != 200 {
        return a;
    }
    a.edit(|v| {
        for item in super::items_mut(v, pointer).into_iter().flatten() {
            f(item);
        }
    });
    a
}

/// A number field served as text.
fn text(item: &mut Value, key: &str) {
    if let Some(x) = item.get_mut(key)
        && let Value::Number(n) = x
    {
        *x = json!(n.to_string());
    }
}
