//! A response as a snapshot holds it: the status and content type on the first
//! line, then a JSON body with its keys sorted and its volatile values replaced
//! as the spec's `redactions` say, or a text body as it came, or the size of a
//! binary one.

use serde_json::Value;

use super::Recorded;
use crate::spec::Spec;

pub fn normalize(spec: &Spec, r: &Recorded) -> String {
    let mut head = r.status.to_string();
    if let Some(t) = &r.content_type {
        head.push(' ');
        head.push_str(t);
    }
    let text = String::from_utf8_lossy(&r.body);
    let body = if r.origin.is_empty() || !text.contains(&r.origin) {
        r.body.clone()
    } else {
        text.replace(&r.origin, "{origin}").into_bytes()
    };
    let body = match serde_json::from_slice::<Value>(&body) {
        Ok(mut v) => {
            // A token the API hands out is a credential: never in a file.
            if let Some(pointer) = token_pointer(spec, &r.line) {
                let steps: Vec<String> = pointer.split('/').skip(1).map(str::to_string).collect();
                redact(&mut v, &steps, "[token]");
            }
            for red in &spec.redactions {
                let steps: Vec<String> = red
                    .pointer
                    .split('/')
                    .skip(1)
                    .map(|t| t.replace("~1", "/").replace("~0", "~"))
                    .collect();
                redact(&mut v, &steps, &red.with);
            }
            let v = sorted(v);
            serde_json::to_string_pretty(&v).expect("JSON serializes")
        }
        Err(_) if body.is_empty() => String::new(),
        Err(_) => match std::str::from_utf8(&body) {
            Ok(text) if !text.contains('\0') => text.to_string(),
            _ => format!("<binary body: {} bytes>", body.len()),
        },
    };
    if body.is_empty() {
        head
    } else {
        format!("{head}\n{body}")
    }
}

/// Where the answer to this request holds a token the auth scheme issues.
fn token_pointer<'s>(spec: &'s Spec, line: &str) -> Option<&'s str> {
    let path = line.split_once(' ')?.1.split('?').next()?;
    match &spec.auth {
        crate::spec::Auth::BearerSignin {
            signin_path,
            token_pointer,
            ..
        } if path == signin_path => Some(token_pointer),
        crate::spec::Auth::CsrfSession {
            token_path,
            token_pointer,
            ..
        } if path == token_path => Some(token_pointer),
        _ => None,
    }
}

/// Keys in order: servers may send them in any order, and JSON says it does not
/// matter.
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// Replaces every value at `steps` (`*` any one key or index, `**` any depth).
fn redact(v: &mut Value, steps: &[String], with: &str) {
    let Some((first, rest)) = steps.split_first() else {
        *v = Value::String(with.to_string());
        return;
    };
    if first == "**" {
        // Zero levels, or one level down with `**` still ahead.
        redact(v, rest, with);
        for child in children(v) {
            redact(child, steps, with);
        }
        return;
    }
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if first == "*" || first == k {
                    redact(child, rest, with);
                }
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter_mut().enumerate() {
                if first == "*" || *first == i.to_string() {
                    redact(child, rest, with);
                }
            }
        }
        _ => {}
    }
}

fn children(v: &mut Value) -> Vec<&mut Value> {
    match v {
        Value::Object(m) => m.values_mut().collect(),
        Value::Array(a) => a.iter_mut().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn steps(p: &str) -> Vec<String> {
        p.split('/').skip(1).map(str::to_string).collect()
    }

    #[test]
    fn redacts_by_pointer_with_wildcards() {
        let mut v = json!({"a": [{"t": 1, "k": 2}, {"t": 3}], "b": {"c": {"t": 4}}, "t": 5});
        redact(&mut v, &steps("/a/*/t"), "[t]");
        assert_eq!(v["a"], json!([{"t": "[t]", "k": 2}, {"t": "[t]"}]));
        assert_eq!(v["t"], 5);
        redact(&mut v, &steps("/**/t"), "[any]");
        assert_eq!(v["b"]["c"]["t"], "[any]");
        assert_eq!(v["t"], "[any]");
        assert_eq!(v["a"][0]["k"], 2);
    }

    #[test]
    fn keys_are_sorted_at_every_depth() {
        let v = sorted(json!({"b": 1, "a": [{"d": 1, "c": 2}]}));
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"{"a":[{"c":2,"d":1}],"b":1}"#
        );
    }
}
