//! Resources from the sections' own field tables (those that are no request or
//! response body).
//!
//! A section with requests is one resource. When its table is split per kind of item
//! (`6.1.1. Crispr plan.`, `6.1.2. ES Cell plan.`), each table is a variant and the
//! resource's fields are their union. A section without requests describes
//! structures other resources embed, one per table.

use std::collections::HashSet;

use serde_json::json;

use crate::extract::text::{Doc, snake_case};
use crate::spec::{DocRef, Field, Kind, Resource, Variant};

use super::build;
use super::sections::{Heading, Section, heading_before, singular_snake, words_snake};
use super::tables::Table;

/// The resources and variants of `sections`, given the tables that belong to their
/// section (in document order).
pub(super) fn resources(
    doc: &Doc,
    heads: &[Heading],
    sections: &[Section],
    tables: &[&Table],
) -> (Vec<Resource>, Vec<Variant>) {
    let mut resources = Vec::new();
    let mut variants = Vec::new();
    for s in sections {
        let own: Vec<&Table> = tables
            .iter()
            .copied()
            .filter(|t| s.contains(t.header))
            .collect();
        if own.is_empty() {
            continue;
        }
        if !s.has_requests {
            resources.extend(own.iter().map(|t| structure(doc, s, t)));
            continue;
        }
        let name = singular_snake(&s.title);
        let fields = if let [t] = own[..] {
            t.rows.clone()
        } else {
            let vs: Vec<Variant> = own
                .iter()
                .map(|t| variant(doc, heads, s, &name, t))
                .collect();
            let fields = union(&vs);
            variants.extend(vs);
            fields
        };
        resources.push(build(json!({
            "name": name,
            "plural": s.plural,
            "title": s.title,
            "fields": fields,
            "doc": DocRef::line(doc.name, s.line as u32),
        })));
    }
    (resources, variants)
}

/// One kind of item of `resource`: a table of its own under a heading of its own.
fn variant(doc: &Doc, heads: &[Heading], s: &Section, resource: &str, t: &Table) -> Variant {
    let h = heading_before(heads, t.header);
    let title = h.map_or(s.title.as_str(), |h| h.title.as_str());
    let title = title.trim_end_matches('.').trim().to_string();
    Variant {
        name: words_snake(&title),
        resource: resource.to_string(),
        title,
        when: None,
        fields: t.rows.clone(),
        doc: DocRef::line(doc.name, h.map_or(s.line, |h| h.line) as u32),
    }
}

/// A table in a section without requests: a structure other resources embed, named
/// by the root its paths share (`statusTransition`), or else by the section.
fn structure(doc: &Doc, s: &Section, t: &Table) -> Resource {
    let root = |f: &Field| {
        f.path
            .split(['.', '['])
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let roots: HashSet<String> = t.rows.iter().map(root).collect();
    let name = match roots.iter().next() {
        Some(r) if roots.len() == 1 => snake_case(r),
        _ => singular_snake(&s.title),
    };
    build(json!({
        "name": name,
        "title": s.title,
        "fields": t.rows,
        "doc": DocRef::line(doc.name, s.line as u32),
    }))
}

/// The union of variants' tables: a row several tables state alike appears once;
/// where tables disagree only in that some type the field `Null`, the other type
/// stands (nulls are admitted anyway where nulls are allowed); a real disagreement
/// keeps both rows, for lint to report.
fn union(variants: &[Variant]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for f in variants.iter().flat_map(|v| &v.fields) {
        let same: Vec<usize> = (0..out.len()).filter(|&i| out[i].path == f.path).collect();
        let Some(&last) = same.last() else {
            out.push(f.clone());
            continue;
        };
        if same.iter().any(|&i| out[i].ty == f.ty)
            || (f.ty.kind == Kind::Null && same.iter().any(|&i| out[i].ty.kind != Kind::Null))
        {
            continue;
        }
        match same[..] {
            [i] if out[i].ty.kind == Kind::Null => out[i] = f.clone(),
            _ => out.insert(last + 1, f.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_union_their_tables() {
        let f = |path: &str, ty: &str, line: u32| -> Field {
            build(json!({"path": path, "type": ty, "doc": format!("t.txt:{line}")}))
        };
        let v = |name: &str, fields: Vec<Field>| Variant {
            name: name.into(),
            resource: "plan".into(),
            title: name.into(),
            when: None,
            fields,
            doc: DocRef::line("t.txt", 1),
        };
        let vs = [
            v(
                "a",
                vec![
                    f("pin", "string", 2),
                    f("note", "null", 3),
                    f("x", "object", 4),
                ],
            ),
            v(
                "b",
                vec![
                    f("pin", "string", 10),
                    f("note", "string", 11),
                    f("y", "number", 12),
                ],
            ),
            v("c", vec![f("pin", "number", 20), f("note", "null", 21)]),
        ];
        let u = union(&vs);
        let got: Vec<String> = u
            .iter()
            .map(|f| format!("{} {} {}", f.path, f.ty, f.doc))
            .collect();
        assert_eq!(
            got,
            [
                "pin string t.txt:2",
                "pin number t.txt:20",
                "note string t.txt:11",
                "x object t.txt:4",
                "y number t.txt:12"
            ]
        );
    }
}
