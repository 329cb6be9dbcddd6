//! JSON values as the mock and the runner both compare them: as text (a string
//! as itself, anything else as JSON), and in order (numbers by value, the rest by
//! text, missing values first). One definition, so the order a mock sorts by is
//! the order the runner checks.

use std::cmp::Ordering;

use serde_json::Value;

pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

pub fn order(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(x), Some(y)) => text(x).cmp(&text(y)),
        (a, b) => a.is_some().cmp(&b.is_some()),
    }
}

/// Equal, with a number and its decimal text taken as the same.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Number(_), Value::String(s)) | (Value::String(s), Value::Number(_)) => {
            let n = if a.is_number() { a } else { b };
            s.parse::<f64>().ok() == n.as_f64()
        }
        _ => a == b,
    }
}

/// What was sent is in what was read: every field of an object sent is in the
/// object read and holds there, item by item in arrays of the same length; the
/// server may add fields of its own (an `id` in each nested role).
pub fn holds(sent: &Value, read: &Value) -> bool {
    match (sent, read) {
        (Value::Object(s), Value::Object(r)) => {
            s.iter().all(|(k, v)| r.get(k).is_some_and(|x| holds(v, x)))
        }
        (Value::Array(s), Value::Array(r)) => {
            s.len() == r.len() && s.iter().zip(r).all(|(a, b)| holds(a, b))
        }
        (s, r) => loose_eq(s, r),
    }
}

/// Two forms of one item agree where both say something: fields both carry
/// agree, at every depth; either may leave out what the other shows (a list
/// form that loads less than the single item).
pub fn consistent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .all(|(k, v)| y.get(k).is_none_or(|w| consistent(v, w))),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| consistent(a, b))
        }
        (a, b) => loose_eq(a, b),
    }
}

/// The reference tokens of a JSON pointer (`/a~1b/0` → `a/b`, `0`), unescaped.
pub fn tokens(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(unescape).collect()
}

/// One pointer token as the key it stands for (`a~1b` → `a/b`).
pub fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// A key as a JSON pointer token (`a/b` → `a~1b`).
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
