//! Expectations on one response. Each problem is a message and, where it helps, a
//! diff: a unified diff of expected against actual JSON, the schema violations
//! with their paths, or the start of an unexpected body.

use serde_json::Value;

use super::Problem;
use super::http::Response;
use crate::generate::{Count, EachContains, EachMatches, Expect, Ordered, PointerValue};
use crate::schema::Validator;
use crate::value::order as compare;
pub(super) use crate::value::text;

/// Most items named in one message.
const SHOWN: usize = 5;

pub(super) struct Checker<'a> {
    pub validators: &'a std::collections::HashMap<String, Validator>,
    pub spec: &'a crate::spec::Spec,
}

impl Checker<'_> {
    /// Problems with `resp` under `e`, already filled from the case's captures.
    pub fn check(&self, e: &Expect, resp: &Response) -> Vec<Problem> {
        match e {
            Expect::Status(list) => {
                if list.contains(&resp.status) {
                    vec![]
                } else {
                    vec![Problem::with_body(
                        format!("expected status {}, got {}", or_list(list), resp.status),
                        resp,
                    )]
                }
            }
            Expect::NoServerError => {
                if resp.status >= 500 {
                    vec![Problem::with_body(
                        format!("answered {}, a server error", resp.status),
                        resp,
                    )]
                } else {
                    vec![]
                }
            }
            Expect::ContentType(want) => {
                let got = resp.header("content-type").unwrap_or("");
                let media = got
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                if media == want.to_ascii_lowercase() {
                    vec![]
                } else {
                    vec![Problem::msg(format!(
                        "expected Content-Type {want}, got {}",
                        if got.is_empty() { "none" } else { got }
                    ))]
                }
            }
            Expect::Schema(name) => self.schema(name, resp),
            Expect::ErrorBody(name) => {
                if resp.body.iter().all(u8::is_ascii_whitespace)
                    && self.spec.error(name).is_some_and(|e| e.optional)
                {
                    return vec![];
                }
                self.schema(&format!("error.{name}"), resp)
            }
            Expect::Header(h) => {
                let schema = serde_json::json!({"type": "string", "pattern": h.pattern});
                let val = match Validator::new("header", &schema) {
                    Ok(v) => v,
                    Err(e) => return vec![Problem::msg(format!("bad pattern {}: {e}", h.pattern))],
                };
                // Any of the header's lines may match (one Set-Cookie per cookie).
                let values: Vec<&str> = resp.all_headers(&h.name).collect();
                if values.is_empty() {
                    return vec![Problem::msg(format!("no `{}` header", h.name))];
                }
                if values
                    .iter()
                    .any(|v| val.violations(&Value::String((*v).into())).is_empty())
                {
                    return vec![];
                }
                // Cookies and credentials are never shown, only that they differ.
                let sensitive = ["set-cookie", "cookie", "authorization"]
                    .contains(&h.name.to_ascii_lowercase().as_str());
                let shown = if sensitive {
                    format!("{} values (not shown)", values.len())
                } else {
                    values.join(" | ")
                };
                vec![Problem::msg(format!(
                    "header `{}` ({shown}) does not match {}",
                    h.name, h.pattern
                ))]
            }
            Expect::Equals(pv) => self.json(resp, |body| equals(body, pv)),
            Expect::Count(c) => {
                if c.exactly.is_none() && (400..500).contains(&resp.status) {
                    return vec![];
                }
                self.json(resp, |body| count(body, c))
            }
            Expect::AtMostPointer(b) => self.json(resp, |body| {
                let n = match body.pointer(&b.pointer) {
                    Some(Value::Array(a)) => a.len() as u64,
                    _ => return vec![Problem::msg(format!("no array at {}", b.pointer))],
                };
                match body.pointer(&b.bound).and_then(Value::as_u64) {
                    Some(max) if n <= max => vec![],
                    Some(max) => vec![Problem::msg(format!(
                        "{n} items at {}, over the {max} the server states at {}",
                        b.pointer, b.bound
                    ))],
                    None => vec![Problem::msg(format!("no number at {}", b.bound))],
                }
            }),
            Expect::EachMatches(m) => self.json(resp, |body| each_matches(body, m)),
            Expect::EachContains(m) => self.json(resp, |body| each_contains(body, m)),
            Expect::Ordered(o) => self.json(resp, |body| ordered(body, o)),
            Expect::NoNulls(n) => self.json(resp, |body| {
                let mut found = Vec::new();
                nulls(body, "", &mut found, &n.except);
                if found.is_empty() {
                    return vec![];
                }
                vec![Problem::msg(format!(
                    "{} null values, where fields without a value are to be left out: {}",
                    found.len(),
                    shown(&found)
                ))]
            }),
            Expect::Mentions(text) => {
                let body = String::from_utf8_lossy(&resp.body);
                if body.contains(text.as_str()) {
                    vec![]
                } else {
                    vec![Problem::with_body(
                        format!("the body does not mention `{text}`"),
                        resp,
                    )]
                }
            }
            Expect::Agrees(pv) => self.json(resp, |body| agrees(body, pv)),
            Expect::Present(pointer) => self.json(resp, |body| match body.pointer(pointer) {
                Some(v) if !v.is_null() => vec![],
                _ => vec![Problem::msg(format!("no value at {pointer}"))],
            }),
            Expect::NotSet(pv) => {
                if (400..500).contains(&resp.status) {
                    return vec![];
                }
                self.json(resp, |body| match body.pointer(&pv.pointer) {
                    Some(v) if loose_eq(v, &pv.value) => vec![Problem::msg(format!(
                        "the write set {} to the value it sent ({}), where the field is readonly",
                        pv.pointer, pv.value
                    ))],
                    _ => vec![],
                })
            }
            // Expectations that need further requests are the prober's.
            Expect::Walk(_)
            | Expect::Filtered(_)
            | Expect::Retrievable(_)
            | Expect::LinksResolve(_)
            | Expect::ReferencesResolve(_)
            | Expect::SameItems(_) => vec![],
        }
    }

    fn schema(&self, name: &str, resp: &Response) -> Vec<Problem> {
        let Some(v) = self.validators.get(name) else {
            return vec![Problem::msg(format!(
                "the spec generates no schema `{name}`"
            ))];
        };
        self.json(resp, |body| {
            let violations = v.violations(body);
            if violations.is_empty() {
                return vec![];
            }
            let mut lines: Vec<String> = violations
                .iter()
                .take(10)
                .map(|x| {
                    let at = if x.instance_path.is_empty() {
                        "(root)"
                    } else {
                        &x.instance_path
                    };
                    format!("at {at}: {} (actual: {})", x.message, clip(&x.actual, 80))
                })
                .collect();
            if violations.len() > 10 {
                lines.push(format!("… and {} more", violations.len() - 10));
            }
            vec![Problem {
                message: format!("{} violations of the `{name}` schema", violations.len()),
                diff: Some(lines.join("\n")),
            }]
        })
    }

    fn json(&self, resp: &Response, f: impl FnOnce(&Value) -> Vec<Problem>) -> Vec<Problem> {
        match &resp.json {
            Ok(body) => f(body),
            Err(e) => vec![Problem::with_body(e.clone(), resp)],
        }
    }
}

fn equals(body: &Value, pv: &PointerValue) -> Vec<Problem> {
    match body.pointer(&pv.pointer) {
        Some(v) if loose_eq(v, &pv.value) => vec![],
        Some(v) => vec![Problem {
            message: format!("{} is {}, expected {}", pv.pointer, clip(v, 80), pv.value),
            diff: Some(json_diff(&pv.value, v)),
        }],
        None => vec![Problem::msg(format!("nothing at {}", pv.pointer))],
    }
}

fn count(body: &Value, c: &Count) -> Vec<Problem> {
    let (n, what) = match body.pointer(&c.pointer) {
        Some(Value::Array(a)) => (a.len() as u64, "items"),
        // A HAL page without items leaves `_embedded` out altogether.
        None if c.exactly == Some(0) => (0, "items"),
        Some(v) if v.as_u64().is_some() => (v.as_u64().unwrap_or(0), "as the number"),
        _ => return vec![Problem::msg(format!("no array or number at {}", c.pointer))],
    };
    let mut out = Vec::new();
    if let Some(max) = c.at_most
        && n > max
    {
        out.push(Problem::msg(format!(
            "{n} {what} at {}, more than {max}",
            c.pointer
        )));
    }
    if let Some(want) = c.exactly
        && n != want
    {
        out.push(Problem::msg(format!(
            "{n} {what} at {}, expected {want}",
            c.pointer
        )));
    }
    out
}

fn items<'v>(body: &'v Value, pointer: &str) -> Result<&'v [Value], Problem> {
    match body.pointer(pointer) {
        Some(Value::Array(a)) => Ok(a),
        _ => Err(Problem::msg(format!("no array of items at {pointer}"))),
    }
}

fn each_matches(body: &Value, m: &EachMatches) -> Vec<Problem> {
    let list = match items(body, &m.items) {
        Ok(l) => l,
        Err(p) => return vec![p],
    };
    let bad: Vec<String> = list
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            !m.fields.iter().any(|f| {
                values_at(item, f)
                    .iter()
                    .any(|v| m.values.iter().any(|want| text_eq(v, want)))
            })
        })
        .map(|(i, item)| {
            let got: Vec<String> = m
                .fields
                .iter()
                .flat_map(|f| values_at(item, f))
                .map(|v| clip(v, 40))
                .collect();
            format!(
                "item {i} has {}",
                if got.is_empty() {
                    "no value".into()
                } else {
                    got.join(", ")
                }
            )
        })
        .collect();
    if bad.is_empty() {
        return vec![];
    }
    vec![Problem::msg(format!(
        "{} of {} items do not match {} = {}: {}",
        bad.len(),
        list.len(),
        m.fields.join(" | "),
        m.values.join(","),
        shown(&bad)
    ))]
}

fn each_contains(body: &Value, m: &EachContains) -> Vec<Problem> {
    let list = match items(body, &m.items) {
        Ok(l) => l,
        Err(p) => return vec![p],
    };
    let term = m.term.to_lowercase();
    let bad: Vec<String> = list
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            !m.fields.iter().any(|f| {
                values_at(item, f)
                    .iter()
                    .any(|v| text(v).to_lowercase().contains(&term))
            })
        })
        .map(|(i, _)| format!("item {i}"))
        .collect();
    if bad.is_empty() {
        return vec![];
    }
    vec![Problem::msg(format!(
        "{} of {} items contain `{}` in none of {}: {}",
        bad.len(),
        list.len(),
        m.term,
        m.fields.join(", "),
        shown(&bad)
    ))]
}

fn ordered(body: &Value, o: &Ordered) -> Vec<Problem> {
    let list = match items(body, &o.items) {
        Ok(l) => l,
        Err(p) => return vec![p],
    };
    let keys: Vec<Option<&Value>> = list
        .iter()
        .map(|i| values_at(i, &o.field).into_iter().next())
        .collect();
    for (i, pair) in keys.windows(2).enumerate() {
        let ord = compare(pair[0], pair[1]);
        let wrong = if o.descending {
            ord == std::cmp::Ordering::Less
        } else {
            ord == std::cmp::Ordering::Greater
        };
        if wrong {
            let show = |v: Option<&Value>| v.map_or("nothing".into(), |v| clip(v, 40));
            return vec![Problem::msg(format!(
                "item {} ({} = {}) comes after item {i} ({}), out of {} order",
                i + 1,
                o.field,
                show(pair[1]),
                show(pair[0]),
                if o.descending {
                    "descending"
                } else {
                    "ascending"
                }
            ))];
        }
    }
    vec![]
}

fn agrees(body: &Value, pv: &PointerValue) -> Vec<Problem> {
    let Some(actual) = body.pointer(&pv.pointer) else {
        return vec![Problem::msg(format!("no item at {}", pv.pointer))];
    };
    let (Value::Object(want), Value::Object(got)) = (&pv.value, actual) else {
        return vec![Problem::msg(format!("no object at {}", pv.pointer))];
    };
    let differing: Vec<&String> = want
        .iter()
        .filter(|(k, v)| !got.get(*k).is_some_and(|g| crate::value::holds(v, g)))
        .map(|(k, _)| k)
        .collect();
    if differing.is_empty() {
        return vec![];
    }
    let pick = |m: &serde_json::Map<String, Value>| {
        Value::Object(
            differing
                .iter()
                .map(|k| ((*k).clone(), m.get(*k).cloned().unwrap_or(Value::Null)))
                .collect(),
        )
    };
    vec![Problem {
        message: format!(
            "{} of the fields sent read back differently: {}",
            differing.len(),
            differing
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        diff: Some(json_diff(&pick(want), &pick(got))),
    }]
}

fn nulls(v: &Value, at: &str, found: &mut Vec<String>, except: &[String]) {
    match v {
        Value::Null => {
            let path = field_path(at);
            if !except.contains(&path) {
                found.push(if at.is_empty() {
                    "(root)".into()
                } else {
                    at.to_string()
                });
            }
        }
        Value::Object(m) => {
            for (k, x) in m {
                nulls(x, &format!("{at}/{k}"), found, except);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                nulls(x, &format!("{at}/{i}"), found, except);
            }
        }
        _ => {}
    }
}

/// A pointer's keys without indices and envelope (`/data/3/a/b` → `a.b`), to
/// compare with field paths; only the last keys matter for `except`.
fn field_path(pointer: &str) -> String {
    let keys: Vec<&str> = pointer
        .split('/')
        .filter(|k| !k.is_empty() && k.parse::<usize>().is_err())
        .collect();
    keys.last().map_or(String::new(), |k| k.to_string())
}

/// The values at a field path, stepping into arrays (`a[].b`).
pub(super) fn values_at<'v>(item: &'v Value, path: &str) -> Vec<&'v Value> {
    let mut current = vec![item];
    for step in path.split('.') {
        let (key, arrays) = match step.strip_suffix("[]") {
            Some(k) => (k, true),
            None => (step, false),
        };
        let mut next = Vec::new();
        for v in current {
            let Some(child) = (if key.is_empty() { Some(v) } else { v.get(key) }) else {
                continue;
            };
            match (arrays, child) {
                (true, Value::Array(a)) => next.extend(a.iter()),
                (false, Value::Array(a)) if step == path.split('.').next_back().unwrap_or("") => {
                    next.extend(a.iter())
                }
                (true, _) => {}
                (false, c) => next.push(c),
            }
        }
        current = next;
    }
    current
}

fn text_eq(v: &Value, want: &str) -> bool {
    text(v) == want
}

pub(super) use crate::value::loose_eq;

/// A unified diff of two JSON values, pretty-printed, `-` expected, `+` actual.
pub(super) fn json_diff(expected: &Value, actual: &Value) -> String {
    let mut a = serde_json::to_string_pretty(expected).unwrap_or_default();
    let mut b = serde_json::to_string_pretty(actual).unwrap_or_default();
    a.push('\n');
    b.push('\n');
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header("expected", "actual")
        .to_string()
}

pub(super) fn clip(v: &Value, max: usize) -> String {
    let s = v.to_string();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn or_list(list: &[u16]) -> String {
    list.iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

fn shown(list: &[String]) -> String {
    let mut s = list
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if list.len() > SHOWN {
        s.push_str(&format!("; … {} more", list.len() - SHOWN));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_at_steps_into_arrays() {
        let item = json!({"a": [{"b": 1}, {"b": 2}], "t": ["x", "y"]});
        assert_eq!(values_at(&item, "a[].b"), vec![&json!(1), &json!(2)]);
        assert_eq!(values_at(&item, "t"), vec![&json!("x"), &json!("y")]);
        assert!(values_at(&item, "c").is_empty());
    }

    #[test]
    fn numbers_and_their_text_agree() {
        assert!(loose_eq(&json!(3), &json!("3")));
        assert!(loose_eq(&json!(3), &json!(3.0)));
        assert!(!loose_eq(&json!(3), &json!("x")));
    }

    #[test]
    fn diff_marks_expected_and_actual() {
        let d = json_diff(&json!({"a": 1}), &json!({"a": 2}));
        assert!(
            d.contains("-  \"a\": 1") && d.contains("+  \"a\": 2"),
            "{d}"
        );
    }
}
