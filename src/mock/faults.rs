//! Named faults: ways real servers break their contract, switched on one by one so
//! each check of the runner can be shown to catch one. A fault applies to every
//! spec where it makes sense and changes nothing elsewhere.

use std::fmt;
use std::str::FromStr;

use serde_json::{Value, json};

use crate::spec::{Kind, Nulls, Resource, Spec};

macro_rules! faults {
    ($($variant:ident = $name:literal : $doc:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault { $($variant,)* }

        impl Fault {
            pub const ALL: &[Fault] = &[$(Fault::$variant,)*];

            pub fn name(self) -> &'static str {
                match self { $(Fault::$variant => $name,)* }
            }

            /// What the fault does, for `assay mock --list-faults`.
            pub fn describe(self) -> &'static str {
                match self { $(Fault::$variant => $doc,)* }
            }
        }
    };
}

faults! {
    DropRequiredField = "drop-required-field": "items lack their identifier field, which every item must carry",
    WrongFieldType = "wrong-field-type": "the first text field of each item is sent as a number",
    ExtraNullFields = "extra-null-fields": "fields without a value are sent as null, where the API omits them",
    IgnorePageSize = "ignore-page-size": "lists ignore the requested page size and use the default",
    IgnoreMaxPageSize = "ignore-max-page-size": "lists serve any requested page size, beyond the documented maximum",
    OffByOnePages = "off-by-one-pages": "page N serves the items of page N+1",
    DuplicateAcrossPages = "duplicate-across-pages": "each page after the first repeats the last item of the page before",
    UnstableOrder = "unstable-order": "lists come in a different order on every request",
    WrongTotalCount = "wrong-total-count": "the total count of a list is one more than its items",
    IgnoreFilter = "ignore-filter": "filter and search parameters are ignored",
    IgnoreSort = "ignore-sort": "the sort parameter is ignored",
    OkForUnknownId = "ok-for-unknown-id": "an unknown id answers 200 with an empty item instead of the documented error",
    WrongErrorBody = "wrong-error-body": "errors carry a body of another shape than the documented one",
    AuthNotEnforced = "auth-not-enforced": "requests without valid credentials are served",
    WrongContentType = "wrong-content-type": "JSON responses are labelled text/html",
    ServerErrorOnBadParam = "server-error-on-bad-param": "a malformed paging value answers 500",
    AcceptUnknownAttribute = "accept-unknown-attribute": "writes accept attributes the table does not list",
    AcceptMissingRequired = "accept-missing-required": "writes without a required attribute are accepted",
    ReadonlyWritable = "readonly-writable": "writes may set readonly attributes",
    BrokenLinks = "broken-links": "links to related objects (HAL _links, url: keys) point at ids that do not exist",
    DanglingReferences = "dangling-references": "`*_id` fields name items that do not exist",
    OneWayReferences = "one-way-references": "`*_ids` lists name items that do not name the item back",
    WrongTotalPages = "wrong-total-pages": "the number of pages of a list is one more than its items fill",
    MissingHeaders = "missing-headers": "the response headers the document promises are left out",
    WrongSuccessStatus = "wrong-success-status": "every success answers 202 Accepted instead of its documented status",
    LostWrites = "lost-writes": "updates and actions answer success but change nothing",
    NoServerSetFields = "no-server-set-fields": "created items lack the fields the server is to set on every write",
    Slow = "slow": "every response is delayed by two seconds",
    Reset = "reset": "every response is cut off: the connection closes mid-body",
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown fault `{s}`{}; `assay mock --list-faults` lists them",
                    crate::error::did_you_mean(s, Fault::ALL.iter().map(|f| f.name()))
                )
            })
    }
}

/// The faults a mock runs with.
#[derive(Debug, Clone, Default)]
pub struct Faults(Vec<Fault>);

impl Faults {
    pub fn new(list: &[Fault]) -> Self {
        Faults(list.to_vec())
    }

    pub fn has(&self, f: Fault) -> bool {
        self.0.contains(&f)
    }

    /// An item as the faulty server would send it.
    pub fn present(&self, spec: &Spec, r: &Resource, item: &Value) -> Value {
        let mut item = item.clone();
        let Value::Object(m) = &mut item else {
            return item;
        };
        if self.has(Fault::DropRequiredField)
            && let Some(id) = &r.id_field
        {
            m.remove(id);
        }
        if self.has(Fault::WrongFieldType)
            && let Some(f) = r.fields.iter().find(|f| {
                f.ty.kind == Kind::String
                    && !f.ty.array
                    && m.get(&f.path).is_some_and(Value::is_string)
            })
        {
            m.insert(f.path.clone(), json!(12345));
        }
        if self.has(Fault::ExtraNullFields) && spec.representation.nulls == Nulls::Omitted {
            for f in r
                .fields
                .iter()
                .filter(|f| !f.path.contains('.') && !f.path.contains("[]"))
            {
                m.entry(f.path.clone()).or_insert(Value::Null);
            }
        }
        if self.has(Fault::BrokenLinks) {
            break_links(&mut item, spec.representation.link_prefix.as_deref());
        }
        let (dangling, one_way) = (
            self.has(Fault::DanglingReferences),
            self.has(Fault::OneWayReferences),
        );
        if (dangling || one_way)
            && let Value::Object(m) = &mut item
        {
            for f in &r.fields {
                let Some((_, many)) = spec.reference_target(f) else {
                    continue;
                };
                let Some(v) = m.get_mut(&f.path).filter(|v| !v.is_null()) else {
                    continue;
                };
                match (many, dangling, one_way) {
                    (false, true, _) => *v = json!(987_654_321),
                    (true, true, _) => *v = json!([987_654_321]),
                    // Another item's id: it exists, but does not name this one.
                    (true, false, true) => {
                        if let Value::Array(a) = v {
                            for x in a.iter_mut() {
                                if let Some(n) = x.as_i64() {
                                    *x = json!(n % 3 + 1 + i64::from(n % 3 + 1 == n));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        item
    }
}

/// Points every link of an item at an id no record has.
fn break_links(v: &mut Value, prefix: Option<&str>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                let is_link = k == "href" || prefix.is_some_and(|p| k.starts_with(p));
                match child {
                    Value::String(s) if is_link => *s = broken(s),
                    other => break_links(other, prefix),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| break_links(x, prefix)),
        _ => {}
    }
}

/// The last number of a URL replaced by one no record has.
fn broken(url: &str) -> String {
    let trimmed = url.trim_end_matches('/');
    let digits = trimmed
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .count();
    if digits == 0 {
        return format!("{trimmed}/999999999");
    }
    let keep = &trimmed[..trimmed.len() - digits];
    let slash = if url.ends_with('/') { "/" } else { "" };
    format!("{keep}999999999{slash}")
}

/// Faults that bend a finished response: its timing, headers, body or connection.
pub async fn distort(
    faults: &Faults,
    response: axum::response::Response,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    if faults.has(Fault::Slow) {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    let (mut parts, body) = response.into_parts();
    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let mut body = body;
    if faults.has(Fault::WrongSuccessStatus) && parts.status.is_success() {
        parts.status = axum::http::StatusCode::ACCEPTED;
    }
    if faults.has(Fault::WrongErrorBody) && parts.status.as_u16() >= 400 {
        let text = format!("{{\"error\": {}}}", parts.status.as_u16());
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        body = axum::body::Body::from(text);
    }
    if faults.has(Fault::WrongContentType) && is_json {
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    if faults.has(Fault::Reset) {
        // A first chunk, then an error: the server drops the connection mid-body.
        parts.headers.remove(header::CONTENT_LENGTH);
        let chunks: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
            Ok(axum::body::Bytes::from_static(b"{\"partial\": ")),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "reset fault",
            )),
        ];
        body = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
    }
    axum::response::Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_suggest() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
            assert!(!f.describe().is_empty());
        }
        let err = "ignore-pagesize".parse::<Fault>().unwrap_err();
        assert!(err.contains("did you mean `ignore-page-size`"), "{err}");
    }

    #[test]
    fn links_break_to_missing_ids() {
        assert_eq!(
            broken("http://h/api/v0/m/projects/11601/"),
            "http://h/api/v0/m/projects/999999999/"
        );
        assert_eq!(
            broken("http://h/api/plans/PIN:0000000001"),
            "http://h/api/plans/PIN:999999999"
        );
    }
}
