//! Stage 1, the spec: the model of a documented API, and reading and writing spec
//! files (YAML, or JSON by extension). Errors name the file, line and column.

pub mod diff;
mod docref;
mod merge;
mod model;
mod references;
mod types;

use std::path::Path;

pub use docref::DocRef;
pub use merge::merge;
pub use model::*;
pub use references::words;
pub use types::{FieldType, Kind};

use crate::error::{Error, Result};

/// Reads a spec file, YAML unless its name ends in `.json`.
pub fn load(path: &Path) -> Result<Spec> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.into(),
        source,
    })?;
    let spec: Spec = parse(path, &text)?;
    check(path, &spec)?;
    Ok(spec)
}

/// Parses YAML or JSON text into any deserializable type, with the path in errors.
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    if path.extension().is_some_and(|e| e == "json") {
        return serde_json::from_str(text).map_err(|e| Error::SpecSyntax {
            path: path.into(),
            line: e.line() as u64,
            column: e.column() as u64,
            message: e.to_string(),
        });
    }
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        let name = path.display().to_string();
        let rendered = e.render_with_options(serde_saphyr::render_options! {
            source_name: Some(name.as_str()),
        });
        // The rendering repeats the place we already print; keep its message and snippet.
        let message = rendered.strip_prefix("error: ").unwrap_or(&rendered);
        let message = match message.strip_prefix("line ") {
            Some(rest) => rest.split_once(": ").map_or(message, |(_, m)| m),
            None => message,
        };
        Error::SpecSyntax {
            path: path.into(),
            line,
            column,
            message: message.to_string(),
        }
    })
}

/// Spec text as committed: YAML in the model's field order.
pub fn to_yaml(spec: &Spec) -> String {
    serde_saphyr::to_string(spec).expect("a spec always serializes")
}

/// Why a field path is malformed: segments are names, each optionally followed by
/// `[]`; a path may start with `[]` (the items of a body that is an array).
fn bad_path(path: &str) -> Option<&'static str> {
    for (i, seg) in path.split('.').enumerate() {
        let name = seg.trim_end_matches("[]");
        if name.contains('[') || name.contains(']') {
            return Some("has brackets other than a trailing `[]`");
        }
        if name.is_empty() && !(i == 0 && seg.starts_with("[]")) {
            return Some("has an empty segment");
        }
    }
    None
}

/// Consistency the types cannot express: names that refer to other entries exist.
pub(crate) fn check(path: &Path, spec: &Spec) -> Result<()> {
    let mut problems = Vec::new();
    // The name prefixes case ids and names folders (`assay record`): a plain word.
    let plain = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if !spec.name.starts_with(|c: char| c.is_ascii_alphanumeric()) || !spec.name.chars().all(plain)
    {
        problems.push(format!(
            "name `{}` is not a plain lowercase word (letters, digits, `_`, `-`)",
            spec.name
        ));
    }
    for r in &spec.redactions {
        if !r.pointer.starts_with('/') {
            problems.push(format!(
                "redaction `{}` is no JSON pointer: it starts with `/` (`/**/date`)",
                r.pointer
            ));
        }
    }
    let errors: Vec<&str> = spec.errors.iter().map(|e| e.name.as_str()).collect();
    let resources: Vec<&str> = spec.resources.iter().map(|r| r.name.as_str()).collect();
    let operations: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
    let mut need_error = |name: &Option<String>, place: String| {
        if let Some(n) = name
            && !errors.contains(&n.as_str())
        {
            problems.push(format!(
                "{place} names error body `{n}`, which `errors` does not define{}",
                crate::error::did_you_mean(n, errors.iter().copied())
            ));
        }
    };
    for o in &spec.operations {
        for r in &o.responses {
            need_error(&r.error, format!("operation `{}` ({})", o.id, r.doc));
        }
    }
    for r in &spec.status_rules {
        need_error(&r.error, format!("status rule {} ({})", r.status, r.doc));
    }
    for o in &spec.operations {
        if let Some(r) = &o.resource
            && !resources.contains(&r.as_str())
        {
            problems.push(format!(
                "operation `{}` ({}) names resource `{r}`, which `resources` does not define{}",
                o.id,
                o.doc,
                crate::error::did_you_mean(r, resources.iter().copied())
            ));
        }
    }
    for e in &spec.examples {
        if let Some(op) = &e.operation
            && !operations.contains(&op.as_str())
        {
            problems.push(format!(
                "example `{}` names operation `{op}`, which `operations` does not define{}",
                e.id,
                crate::error::did_you_mean(op, operations.iter().copied())
            ));
        }
        let shape_target = match &e.shape {
            Some(Shape::Item(r) | Shape::List(r) | Shape::Write(r)) => {
                (!resources.contains(&r.as_str())).then_some(("resource", r))
            }
            Some(Shape::Error(n)) => (!errors.contains(&n.as_str())).then_some(("error body", n)),
            Some(Shape::Operation(o)) => {
                (!operations.contains(&o.as_str())).then_some(("operation", o))
            }
            None => None,
        };
        if let Some((what, name)) = shape_target {
            problems.push(format!(
                "example `{}` is shaped as {what} `{name}`, which the spec does not define",
                e.id
            ));
        }
    }
    for (what, names) in [
        ("operation id", operations.clone()),
        ("resource", resources.clone()),
        ("error body", errors.clone()),
    ] {
        let mut seen = std::collections::HashSet::new();
        for n in names {
            if !seen.insert(n) {
                problems.push(format!("{what} `{n}` is defined twice"));
            }
        }
    }
    for r in &spec.resources {
        if let Some(id) = &r.id_field
            && r.field(id).is_none()
        {
            problems.push(format!(
                "resource `{}` ({}) names `{id}` as its id field, which it does not have",
                r.name, r.doc
            ));
        }
        for f in &r.fields {
            if let Some(why) = bad_path(&f.path) {
                problems.push(format!("field path `{}` ({}) {why}", f.path, f.doc));
            }
            if let Some(p) = &f.pattern
                && let Err(e) = jsonschema::validator_for(&serde_json::json!({"pattern": p}))
            {
                problems.push(format!(
                    "field `{}` ({}) has an invalid pattern `{p}`: {e}",
                    f.path, f.doc
                ));
            }
        }
    }
    let mut pointers: Vec<(&str, &str)> = vec![
        ("envelope.single", &spec.envelope.single),
        ("envelope.list", &spec.envelope.list),
        ("envelope.request", &spec.envelope.request),
    ];
    if let Some(p) = &spec.pagination {
        pointers.push(("pagination.total_pointer", &p.total_pointer));
        for (n, v) in [
            ("pagination.position_pointer", &p.position_pointer),
            ("pagination.size_pointer", &p.size_pointer),
            ("pagination.total_pages_pointer", &p.total_pages_pointer),
            ("pagination.max_size_pointer", &p.max_size_pointer),
        ] {
            if let Some(v) = v {
                pointers.push((n, v));
            }
        }
    }
    for o in &spec.operations {
        if let Some(p) = &o.items_pointer {
            pointers.push(("an operation's items_pointer", p));
        }
    }
    for (name, p) in pointers {
        if !p.is_empty() && !p.starts_with('/') {
            problems.push(format!(
                "{name} `{p}` is not a JSON pointer: it is empty (the whole body) or starts with `/`"
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::SpecInvalid {
            path: path.into(),
            message: problems.join("\n  "),
        })
    }
}
