//! Contradictions inside the tables: a field listed twice, a field typed `Null`, a
//! field the tables of one resource's kinds type differently.

use super::Finding;
use crate::spec::{Field, Kind, Spec, Variant};

pub fn check(spec: &Spec, out: &mut Vec<Finding>) {
    let mut tables: Vec<(String, &[Field])> = Vec::new();
    for r in &spec.resources {
        tables.push((format!("resource `{}`", r.name), &r.fields));
    }
    for v in &spec.variants {
        tables.push((format!("kind `{}` of `{}`", v.name, v.resource), &v.fields));
    }
    for e in &spec.errors {
        tables.push((format!("error body `{}`", e.name), &e.fields));
    }
    for o in &spec.operations {
        tables.push((format!("the request of `{}`", o.id), &o.request_fields));
        tables.push((format!("the response of `{}`", o.id), &o.response_fields));
    }
    for (owner, fields) in tables {
        for (i, f) in fields.iter().enumerate() {
            if let Some(first) = fields[..i].iter().find(|g| g.path == f.path) {
                out.push(Finding {
                    code: "duplicate-field",
                    message: format!("field `{}` of {owner} is listed twice", f.path),
                    at: f.doc.clone(),
                    also: vec![(first.doc.clone(), "first listed here".into())],
                    acknowledged: None,
                });
            }
            if f.ty.kind == Kind::Null {
                out.push(Finding {
                    code: "null-type",
                    message: format!(
                        "field `{}` of {owner} is typed `{}`: only null satisfies it",
                        f.path, f.ty
                    ),
                    at: f.doc.clone(),
                    also: vec![],
                    acknowledged: None,
                });
            }
        }
    }
}

/// The same field typed differently by the tables of two kinds of one resource
/// (a plan's `note` is `Null` for one kind and `String` for another).
pub fn check_variants(spec: &Spec, out: &mut Vec<Finding>) {
    let mut kinds: Vec<&Variant> = spec.variants.iter().collect();
    kinds.sort_by(|a, b| a.resource.cmp(&b.resource));
    for (i, a) in kinds.iter().enumerate() {
        for b in kinds[i + 1..].iter().filter(|b| b.resource == a.resource) {
            for fa in &a.fields {
                let Some(fb) = b.fields.iter().find(|f| f.path == fa.path) else {
                    continue;
                };
                if fa.ty != fb.ty {
                    out.push(Finding {
                        code: "conflicting-types",
                        message: format!(
                            "field `{}` of `{}` is `{}` for kind `{}` but `{}` for kind `{}`",
                            fa.path, a.resource, fb.ty, b.name, fa.ty, a.name
                        ),
                        at: fb.doc.clone(),
                        also: vec![(fa.doc.clone(), format!("typed `{}` here", fa.ty))],
                        acknowledged: None,
                    });
                }
            }
        }
    }
}
