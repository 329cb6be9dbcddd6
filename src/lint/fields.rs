//! Contradictions inside the tables: a field listed twice, a field typed `Null`.

use super::Finding;
use crate::spec::{Field, Kind, Spec};

pub fn check(spec: &Spec, out: &mut Vec<Finding>) {
    let mut tables: Vec<(String, &[Field])> = Vec::new();
    for r in &spec.resources {
        tables.push((format!("resource `{}`", r.name), &r.fields));
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
