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
