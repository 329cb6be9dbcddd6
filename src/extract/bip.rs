//! The bip style: resources under CamelCase headings, each with a pipe table
//! `name | type | flags | description |` and example requests below it.
//!
//! A row without flags puts its description in the third cell (`comments | string |
//! Additional note… | |`): the third cell holds flags only when every comma-separated
//! part of it is a flag.

use super::examples::from_messages;
use super::http::{Start, messages};
use super::text::{Doc, snake_case};
use super::{ExtractError, Extracted};
use crate::spec::{Field, FieldType, Method, Operation, OperationKind, Resource};

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let mut resources = sections(doc)?;
    if resources.is_empty() {
        return Err(ExtractError {
            at: crate::spec::DocRef::line(doc.name, 1),
            message: "no resource table found (a CamelCase heading followed by `name | type | flags | description` rows): is this a bip-style document?".into(),
        });
    }
    let msgs = messages(doc);

    // Each section's own examples name its collection (`/api/v1/plant_lines`) and,
    // through a POST body, its JSON root element.
    for (res, range) in resources.iter_mut() {
        for m in msgs.iter().filter(|m| range.contains(&m.offset)) {
            let Start::Request { method, target } = &m.start else {
                continue;
            };
            let path = target.split('?').next().unwrap_or(target);
            let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
            if let [.., plural] = segments[..]
                && *method == Method::Get
                && target.contains('?')
            {
                res.plural = Some(plural.to_string());
            }
            if *method == Method::Post
                && let Some((body, _)) = &m.body
                && let Ok(serde_json::Value::Object(o)) = serde_json::from_str(body)
                && let Some(root) = o.keys().next()
            {
                res.name = root.clone();
            }
        }
    }
    let resources: Vec<Resource> = resources.into_iter().map(|(r, _)| r).collect();

    // An operation cites the resource's own section before the general part.
    let tables_start = resources
        .first()
        .map_or(0, |r| doc.line_start(r.doc.line as usize));
    let mut ordered: Vec<_> = msgs.iter().collect();
    ordered.sort_by_key(|m| (m.offset < tables_start, m.offset));
    let mut operations: Vec<Operation> = Vec::new();
    for m in ordered {
        let Start::Request { method, target } = &m.start else {
            continue;
        };
        let path = target.split('?').next().unwrap_or(target);
        let Some((res, kind, template, action)) = classify(&resources, *method, path) else {
            continue;
        };
        let id = format!("{}/{}", res.plural(), action.unwrap_or(kind.as_str()));
        if operations.iter().any(|o| o.id == id) {
            continue;
        }
        operations.push(Operation {
            id,
            kind,
            resource: Some(res.name.clone()),
            method: *method,
            path: template,
            summary: String::new(),
            params: Vec::new(),
            responses: Vec::new(),
            auth: true,
            paginated: kind == OperationKind::List,
            sets: None,
            items_pointer: None,
            response_fields: Vec::new(),
            request_fields: Vec::new(),
            doc: doc.at(m.offset),
        });
    }
    let mut examples = from_messages(doc, &msgs, |method, path| {
        let (res, kind, _, action) = classify(&resources, method, path)?;
        Some(format!(
            "{}/{}",
            res.plural(),
            action.unwrap_or(kind.as_str())
        ))
    });
    examples.extend(super::fragments(doc, &msgs));
    examples.sort_by_key(|e| e.doc.line);
    Ok(Extracted {
        document: doc.name.to_string(),
        resources,
        operations,
        examples,
        ..Default::default()
    })
}

/// The resource, kind and path template of a request path: `/base/plural`,
/// `/base/plural/ID`, `/base/plural/ID/action` (ID a number or `:id`).
fn classify<'r>(
    resources: &'r [Resource],
    method: Method,
    path: &str,
) -> Option<(&'r Resource, OperationKind, String, Option<&'static str>)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let at = segments
        .iter()
        .position(|s| resources.iter().any(|r| r.plural.as_deref() == Some(s)))?;
    let res = resources
        .iter()
        .find(|r| r.plural.as_deref() == Some(segments[at]))?;
    let base = format!("/{}", segments[..=at].join("/"));
    let is_id = |s: &str| s == ":id" || s.chars().all(|c| c.is_ascii_digit());
    match (&segments[at + 1..], method) {
        ([], Method::Get) => Some((res, OperationKind::List, base, None)),
        ([], Method::Post) => Some((res, OperationKind::Create, base, None)),
        ([id], Method::Get) if is_id(id) => {
            Some((res, OperationKind::Get, format!("{base}/{{id}}"), None))
        }
        ([id], Method::Delete) if is_id(id) => {
            Some((res, OperationKind::Delete, format!("{base}/{{id}}"), None))
        }
        ([id], Method::Put | Method::Patch) if is_id(id) => {
            Some((res, OperationKind::Update, format!("{base}/{{id}}"), None))
        }
        ([id, action], _) if is_id(id) => {
            let action: &'static str = match *action {
                "publish" => "publish",
                "revoke" => "revoke",
                _ => return None,
            };
            Some((
                res,
                OperationKind::Action,
                format!("{base}/{{id}}/{action}"),
                Some(action),
            ))
        }
        _ => None,
    }
}

/// Resource sections with the byte range each spans.
fn sections(doc: &Doc) -> Result<Vec<(Resource, std::ops::Range<usize>)>, ExtractError> {
    let mut out: Vec<(Resource, std::ops::Range<usize>)> = Vec::new();
    let n = doc.line_count();
    let mut i = 1;
    while i < n {
        let title = doc.line(i);
        if !is_heading(title) || !is_row(doc.line(i + 1)) {
            i += 1;
            continue;
        }
        if let Some((_, range)) = out.last_mut() {
            range.end = doc.line_start(i);
        }
        let mut fields = Vec::new();
        let mut j = i + 1;
        while j <= n && doc.line(j).contains('|') {
            if !is_row(doc.line(j)) {
                return Err(ExtractError {
                    at: crate::spec::DocRef::line(doc.name, j as u32),
                    message: "a table row needs `name | type | …` cells".into(),
                });
            }
            fields.push(row(doc, j)?);
            j += 1;
        }
        out.push((
            Resource {
                name: snake_case(title),
                plural: None,
                title: Some(title.to_string()),
                description: String::new(),
                id_field: None,
                rejects_unknown: false,
                fields,
                rules: Vec::new(),
                doc: crate::spec::DocRef::line(doc.name, i as u32),
            },
            doc.line_start(i)..doc.text.len(),
        ));
        i = j;
    }
    Ok(out)
}

fn is_heading(line: &str) -> bool {
    let mut chars = line.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase()) && chars.all(|c| c.is_ascii_alphabetic())
}

fn is_row(line: &str) -> bool {
    line.matches(" | ").count() >= 2
}

const FLAGS: [&str; 4] = ["readonly", "writeonly", "required", "Q"];

fn is_flags(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .split(',')
            .map(str::trim)
            .all(|f| FLAGS.contains(&f) || (f.starts_with("required (") && f.ends_with(')')))
}

fn row(doc: &Doc, n: usize) -> Result<Field, ExtractError> {
    let at = crate::spec::DocRef::line(doc.name, n as u32);
    let cells: Vec<&str> = doc.line(n).split('|').map(str::trim).collect();
    let cells: Vec<&str> = {
        let last = cells.iter().rposition(|c| !c.is_empty()).unwrap_or(0);
        cells[..=last].to_vec()
    };
    let (name, ty, rest) = match &cells[..] {
        [name, ty, rest @ ..] => (*name, *ty, rest),
        _ => {
            return Err(ExtractError {
                at,
                message: "a table row needs at least a name and a type".into(),
            });
        }
    };
    let ty: FieldType = ty.parse().map_err(|e| ExtractError {
        at: at.clone(),
        message: format!("{e}"),
    })?;
    let (flags, description) = match rest {
        [] => ("", ""),
        [c] if is_flags(c) => (*c, ""),
        [c] => ("", *c),
        [f, d, ..] => (*f, *d),
    };
    if !flags.is_empty() && !is_flags(flags) {
        return Err(ExtractError {
            at,
            message: format!("unknown flags `{flags}`: expected {}", FLAGS.join(", ")),
        });
    }
    let mut field = Field::new(name, ty, description, at);
    for flag in flags.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        match flag {
            "readonly" => field.readonly = true,
            "writeonly" => field.writeonly = true,
            "required" => field.required = true,
            "Q" => field.filterable = true,
            f => {
                let cond = f.trim_start_matches("required (").trim_end_matches(')');
                field.required_if = Some(cond.trim_start_matches("if ").to_string());
            }
        }
    }
    Ok(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn third_cell_is_flags_only_when_all_parts_are_flags() {
        let doc = Doc::new(
            "t.txt",
            "a | int | readonly, Q | Id |\nb | string | Some note | |\nc | int | required (if no d) | X |\nd | int[] | Zero or more\n",
        );
        let a = row(&doc, 1).unwrap();
        assert!(a.readonly && a.filterable && a.description == "Id");
        let b = row(&doc, 2).unwrap();
        assert!(!b.readonly && b.description == "Some note");
        let c = row(&doc, 3).unwrap();
        assert_eq!(c.required_if.as_deref(), Some("no d"));
        assert!(!c.required);
        let d = row(&doc, 4).unwrap();
        assert_eq!(d.ty.to_string(), "int[]");
        assert_eq!(d.description, "Zero or more");
    }
}
