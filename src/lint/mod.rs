//! Stage 3, lint: the document's contradictions, each citing the places that
//! disagree.
//!
//! Lint never fixes the document. A contradiction the spec acknowledges (with a
//! reason, under `acknowledged`) is still listed, marked as such; a spec passes when
//! every contradiction is acknowledged.

mod examples;
mod fields;
pub(crate) mod lenient;
mod render;

pub use render::Excerpts;

use crate::spec::{DocRef, Spec};

/// One contradiction of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Stable code, used to acknowledge it: `duplicate-field`, `example-not-json`…
    pub code: &'static str,
    pub message: String,
    /// Where it is reported.
    pub at: DocRef,
    /// The other places involved, each with what it is.
    pub also: Vec<(DocRef, String)>,
    /// The spec's reason for accepting it, if it does.
    pub acknowledged: Option<String>,
}

/// The codes lint reports, with what each means (for `--help` and docs).
pub const CODES: &[(&str, &str)] = &[
    (
        "example-unknown-param",
        "a request example sends a query parameter its operation does not take",
    ),
    (
        "conflicting-types",
        "the tables of two kinds of one resource type the same field differently",
    ),
    ("duplicate-field", "a table lists the same field twice"),
    (
        "null-type",
        "a field is typed `Null`, which no value but null satisfies",
    ),
    ("example-not-json", "an example body is not valid JSON"),
    (
        "example-breaks-schema",
        "an example breaks the tables: a missing required field or a wrong type",
    ),
    (
        "example-unknown-attribute",
        "an example carries an attribute its table does not list",
    ),
    (
        "example-unknown-filter",
        "a request example filters on an attribute its table does not mark filterable",
    ),
    (
        "example-sets-readonly",
        "a write example sets an attribute the table marks readonly",
    ),
];

/// Every contradiction of a spec's document, in document order.
pub fn lint(spec: &Spec) -> Vec<Finding> {
    let mut out = Vec::new();
    fields::check(spec, &mut out);
    fields::check_variants(spec, &mut out);
    examples::check(spec, &mut out);
    examples::check_filters(spec, &mut out);
    examples::check_params(spec, &mut out);
    for f in &mut out {
        f.acknowledged = spec
            .acknowledged
            .iter()
            .find(|a| a.lint == f.code && a.at == f.at)
            .map(|a| a.reason.clone());
    }
    out.sort_by(|a, b| (a.at.line, a.at.column, a.code).cmp(&(b.at.line, b.at.column, b.code)));
    out.dedup();
    out
}

/// Acknowledgements of the spec that match no finding: stale entries a reviewer
/// should drop.
pub fn stale_acknowledgements<'a>(
    spec: &'a Spec,
    findings: &[Finding],
) -> Vec<&'a crate::spec::Acknowledgement> {
    spec.acknowledged
        .iter()
        .filter(|a| !findings.iter().any(|f| f.code == a.lint && f.at == a.at))
        .collect()
}

/// A place inside an example body: the line (or column, for one-line documents)
/// where `needle` first occurs in it.
pub(crate) fn place_in_body(body_doc: &DocRef, body: &str, needle: &str) -> DocRef {
    let Some(i) = body.find(needle) else {
        return body_doc.clone();
    };
    let before = &body[..i];
    let newlines = before.matches('\n').count() as u32;
    let mut at = body_doc.clone();
    match at.column {
        Some(c) if newlines == 0 => at.column = Some(c + before.chars().count() as u32),
        Some(_) => {
            at.line += newlines;
            let tail = before.rsplit('\n').next().unwrap_or("");
            at.column = Some(tail.chars().count() as u32 + 1);
        }
        None => at.line += newlines,
    }
    at
}
