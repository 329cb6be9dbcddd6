//! The security scheme a description declares, where assay can present it.

use serde_json::{Map, Value};

use super::reader::Cx;
use crate::spec::{Assumption, Auth, ErrorBody, Operation, Outcome};

/// An API key in a header is exercised; other schemes are stated as an
/// assumption and their operations are called without credentials.
pub(super) fn auth(cx: &Cx, ops: &[Operation], errors: &[ErrorBody]) -> (Auth, Vec<Assumption>) {
    let schemes: Map<String, Value> = cx
        .doc
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut assumptions = Vec::new();
    for (name, s) in &schemes {
        let s = cx.deref(s).unwrap_or(s);
        let doc = cx.find_after(
            cx.find_after(1, &["securitySchemes"]).line,
            &[name.as_str()],
        );
        if s.get("type").and_then(Value::as_str) == Some("apiKey")
            && s.get("in").and_then(Value::as_str) == Some("header")
            && let Some(header) = s.get("name").and_then(Value::as_str)
        {
            let rejected = ops
                .iter()
                .filter(|o| o.auth)
                .flat_map(|o| o.responses.iter())
                .find(|r| r.status == 401)
                .map(|r| Outcome {
                    status: 401,
                    error: r
                        .error
                        .clone()
                        .filter(|e| errors.iter().any(|x| &x.name == e)),
                    implied: false,
                    doc: Some(r.doc.clone()),
                });
            return (
                Auth::ApiKeyHeader {
                    header: header.to_string(),
                    rejected,
                    doc,
                },
                assumptions,
            );
        }
        assumptions.push(Assumption {
            text: format!(
                "Security scheme `{name}` is not one assay performs: give its credentials with \
                 `--header 'NAME: VALUE'` (`Authorization: Bearer …`), or secured operations \
                 answer as to a stranger."
            ),
            reason: "Only an API key in a header is read from an OpenAPI description; \
                     other schemes need credentials obtained outside assay."
                .into(),
            doc: Some(doc),
        });
    }
    (Auth::None { doc: None }, assumptions)
}
