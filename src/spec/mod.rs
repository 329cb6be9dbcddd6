//! Stage 1, the spec: the model of a documented API, and reading and writing spec
//! files (YAML, or JSON by extension). Errors name the file, line and column.

mod docref;
mod merge;
mod model;
mod types;

use std::path::Path;

pub use docref::DocRef;
pub use merge::merge;
pub use model::*;
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

/// Consistency the types cannot express: names that refer to other entries exist.
fn check(path: &Path, spec: &Spec) -> Result<()> {
    let mut problems = Vec::new();
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
    let mut seen = std::collections::HashSet::new();
    for id in &operations {
        if !seen.insert(*id) {
            problems.push(format!("operation id `{id}` is used twice"));
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
