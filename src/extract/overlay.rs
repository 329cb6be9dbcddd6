//! Overlays: the hand-written part of a spec, what a document says only in prose.
//!
//! An overlay is a partial spec (merged with `spec::merge`) plus keys of its own:
//! `style`, the extractor its document needs; `for_each_resource`, partial specs
//! repeated for a set of resources with `{name}`, `{plural}` and `{title}` filled in
//! (bip states delete, publish and revoke once for twenty resources); and
//! `for_each_field`, a partial field merged into every field of a set of resources
//! (every field of a Solr core is filterable).

use std::path::Path;

use serde_json::{Map, Value};

use super::{Extracted, Style, infer_shapes};
use crate::error::{Error, Result};
use crate::spec::{Spec, merge};

/// The overlay's style: which extractor reads its document.
pub fn style_of(path: &Path, overlay: &Value) -> Result<Style> {
    let invalid = |message: String| Error::SpecInvalid {
        path: path.into(),
        message,
    };
    match overlay.get("style") {
        Some(Value::String(s)) => s.parse().map_err(invalid),
        _ => Err(invalid(
            "the overlay names no `style` (bip, restdocs, omero, impc or idr)".into(),
        )),
    }
}

/// Lays the overlay over what was extracted, and completes what follows from both.
pub fn build(extracted: &Extracted, overlay: Value, path: &Path) -> Result<Spec> {
    let invalid = |message: String| Error::SpecInvalid {
        path: path.into(),
        message,
    };
    let Value::Object(mut overlay) = overlay else {
        return Err(invalid("an overlay is a mapping of spec keys".into()));
    };
    overlay.remove("style");
    let repeated = overlay.remove("for_each_resource");
    let each_field = overlay.remove("for_each_field");
    let mut spec = serde_json::to_value(extracted).expect("extraction serializes");
    merge(&mut spec, Value::Object(overlay));

    if let Some(repeated) = repeated {
        let Value::Array(entries) = repeated else {
            return Err(invalid("`for_each_resource` is a list".into()));
        };
        for entry in entries {
            apply_repeated(&mut spec, entry).map_err(invalid)?;
        }
    }
    if let Some(each_field) = each_field {
        let Value::Array(entries) = each_field else {
            return Err(invalid("`for_each_field` is a list".into()));
        };
        for entry in entries {
            apply_each_field(&mut spec, entry).map_err(invalid)?;
        }
    }
    // The path of a bad value (`resources[3].fields[2].type`) is what lets a reader
    // find it in the overlay.
    let mut spec: Spec = serde_path_to_error::deserialize(spec).map_err(|e| {
        invalid(format!(
            "extraction and overlay do not make a spec: at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })?;
    infer_shapes(&mut spec);
    Ok(spec)
}

/// A `for_each_field` entry: `merge`, a partial field, laid over every field of the
/// resources named in `resources` (of every resource when it is left out).
fn apply_each_field(spec: &mut Value, entry: Value) -> Result<(), String> {
    let Value::Object(entry) = entry else {
        return Err("each `for_each_field` entry is a mapping".into());
    };
    let template = entry
        .get("merge")
        .cloned()
        .ok_or("a `for_each_field` entry needs `merge`, the partial field to lay over each")?;
    let only: Option<Vec<&str>> = entry
        .get("resources")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect());
    let resources = spec.get_mut("resources").and_then(Value::as_array_mut);
    let mut names = Vec::new();
    for r in resources.into_iter().flatten() {
        let name = r
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if only.as_ref().is_none_or(|o| o.contains(&name.as_str())) {
            for f in r
                .get_mut("fields")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                merge(f, template.clone());
            }
        }
        names.push(name);
    }
    for wanted in only.into_iter().flatten() {
        if !names.iter().any(|n| n == wanted) {
            return Err(format!(
                "`for_each_field` names resource `{wanted}`, which is not in the spec{}",
                crate::error::did_you_mean(wanted, names.iter().map(String::as_str))
            ));
        }
    }
    Ok(())
}

fn apply_repeated(spec: &mut Value, entry: Value) -> Result<(), String> {
    let entry: Map<String, Value> = match entry {
        Value::Object(m) => m,
        _ => return Err("each `for_each_resource` entry is a mapping".into()),
    };
    let names = |key: &str| -> Vec<String> {
        entry
            .get(key)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let only = names("resources");
    let except = names("except");
    let template = entry
        .get("merge")
        .cloned()
        .ok_or("a `for_each_resource` entry needs `merge`, the partial spec to repeat")?;
    let resources: Vec<(String, String, String)> = spec
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let name = r.get("name")?.as_str()?.to_string();
            let plural = r
                .get("plural")
                .and_then(Value::as_str)
                .unwrap_or(&name)
                .to_string();
            let title = r
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or(&name)
                .to_string();
            Some((name, plural, title))
        })
        .collect();
    for wanted in only.iter().chain(&except) {
        if !resources.iter().any(|(n, _, _)| n == wanted) {
            return Err(format!(
                "`for_each_resource` names resource `{wanted}`, which is not in the spec{}",
                crate::error::did_you_mean(wanted, resources.iter().map(|(n, _, _)| n.as_str()))
            ));
        }
    }
    for (name, plural, title) in &resources {
        if (!only.is_empty() && !only.contains(name)) || except.contains(name) {
            continue;
        }
        let mut part = template.clone();
        fill(
            &mut part,
            &[("{name}", name), ("{plural}", plural), ("{title}", title)],
        );
        merge(spec, part);
    }
    Ok(())
}

fn fill(v: &mut Value, pairs: &[(&str, &String)]) {
    match v {
        Value::String(s) => {
            for (k, val) in pairs {
                if s.contains(k) {
                    *s = s.replace(k, val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| fill(x, pairs)),
        Value::Object(m) => m.values_mut().for_each(|x| fill(x, pairs)),
        _ => {}
    }
}
