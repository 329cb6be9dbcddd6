//! An OpenAPI 3.x description as a spec. A description assay exported carries
//! its spec's own parts under `x-assay` and gives them back; any other is read
//! from its standard parts (`infer`).

use std::path::Path;

use serde_json::Value;

use super::{EXT, infer};
use crate::error::{Error, Result};
use crate::spec::{Operation, Spec};

/// Methods a path item may hold; its other keys (`parameters`, `summary`) are not
/// operations.
pub(super) const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub fn import(path: &Path, text: &str) -> Result<Spec> {
    let doc: Value = crate::spec::parse(path, text)?;
    let invalid = |message: String| Error::SpecInvalid {
        path: path.into(),
        message,
    };
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => {}
        Some(v) => return Err(invalid(format!("OpenAPI {v} is not supported: 3.x only"))),
        None => {
            return Err(invalid(
                "no `openapi` version: not an OpenAPI 3 description (Swagger 2 files say `swagger`)"
                    .into(),
            ));
        }
    }
    let spec = match doc.get(EXT) {
        Some(ext) => from_export(&doc, ext).map_err(invalid)?,
        None => infer::infer(path, text, &doc).map_err(invalid)?,
    };
    crate::spec::check(path, &spec)?;
    Ok(spec)
}

fn from_export(doc: &Value, ext: &Value) -> std::result::Result<Spec, String> {
    let mut spec: Spec =
        serde_json::from_value(ext.clone()).map_err(|e| format!("`{EXT}`: {e}"))?;
    let mut ops: Vec<Operation> = Vec::new();
    for (path, item) in doc
        .get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        // In the document's order: the export's, which groups the spec's by path.
        let ops_here = item.as_object().into_iter().flatten();
        for (method, op) in ops_here.filter(|(k, _)| METHODS.contains(&k.as_str())) {
            let Some(x) = op.get(EXT) else {
                return Err(format!(
                    "{} {path} has no `{EXT}` while the document has: \
                     a description assay exported was edited by hand",
                    method.to_ascii_uppercase()
                ));
            };
            let op: Operation = serde_json::from_value(x.clone())
                .map_err(|e| format!("`{EXT}` of {} {path}: {e}", method.to_ascii_uppercase()))?;
            ops.push(op);
        }
    }
    // Operations OpenAPI cannot place were carried under the document's extension.
    ops.append(&mut spec.operations);
    spec.operations = ops;
    Ok(spec)
}
