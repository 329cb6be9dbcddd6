//! A response as a snapshot holds it: the status and content type on the first
//! line, then a JSON body with its keys sorted and its volatile values replaced
//! as the spec's `redactions` say, or a text body as it came, or the size of a
//! binary one.

use serde_json::Value;

use super::Recorded;
use crate::spec::Spec;
use crate::value::tokens;

pub fn normalize(spec: &Spec, r: &Recorded) -> String {
    let mut head = r.status.to_string();
    if let Some(t) = &r.content_type {
        head.push(' ');
        head.push_str(t);
    }
    let body = match serde_json::from_slice::<Value>(&r.body) {
        Ok(mut v) => {
            // A token the API hands out is a credential: never in a file.
            if let Some(pointer) = token_pointer(spec, &r.line) {
                redact(&mut v, &tokens(pointer), "[token]");
            }
            for red in spec
                .redactions
                .iter()
                .filter(|x| x.pointer.starts_with('/'))
            {
                redact(&mut v, &tokens(&red.pointer), &red.with);
            }
            if !r.origin.is_empty() {
                unhost(&mut v, &r.origin);
            }
            let v = sorted(v);
            serde_json::to_string_pretty(&v).expect("JSON serializes")
        }
        Err(_) if r.body.is_empty() => String::new(),
        Err(_) => match std::str::from_utf8(&r.body) {
            Ok(text) if !text.contains('\0') && !r.origin.is_empty() => {
                text.replace(&r.origin, "{origin}")
            }
            Ok(text) if !text.contains('\0') => text.to_string(),
            _ => format!("<binary body: {} bytes>", r.body.len()),
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

/// The deployment's own origin in string values (links) as `{origin}`; parsed,
/// so an escaped `http:\/\/host` is found too.
fn unhost(v: &mut Value, origin: &str) {
    match v {
        Value::String(s) if s.contains(origin) => *s = s.replace(origin, "{origin}"),
        Value::Object(m) => m.values_mut().for_each(|x| unhost(x, origin)),
        Value::Array(a) => a.iter_mut().for_each(|x| unhost(x, origin)),
        _ => {}
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
        tokens(p)
    }

    #[test]
    fn the_host_becomes_origin_even_escaped() {
        let r = Recorded {
            line: "GET /a".into(),
            credentials: crate::generate::Credentials::Valid,
            status: 200,
            content_type: None,
            body: br#"{"self": "http:\/\/h:1\/a", "n": 1}"#.to_vec(),
            origin: "http://h:1".into(),
            case: String::new(),
            doc: String::new(),
        };
        let spec: Spec = serde_json::from_value(serde_json::json!({
            "name": "t", "title": "t", "document": "t.txt",
            "auth": {"scheme": "none"},
            "representation": {"nulls": "allowed", "content_type": "application/json"},
            "envelope": {"single": "", "list": ""}
        }))
        .unwrap();
        let text = normalize(&spec, &r);
        assert!(text.contains("\"{origin}/a\""), "{text}");
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
