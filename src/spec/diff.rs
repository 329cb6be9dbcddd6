//! `assay diff OLD NEW`: every change between two versions of a spec, each
//! classified as breaking (a client written against OLD may fail against NEW) or
//! compatible, with the place in the new document where it is seen.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Field, Operation, Resource, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    Breaking,
    Compatible,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub impact: Impact,
    /// What changed, in a few words (`field removed`).
    pub kind: String,
    /// Where: `plant_line.plant_line_name`, `plant_lines/list`.
    pub at: String,
    pub detail: String,
    /// The place in the new (or, for removals, old) document.
    pub doc: String,
}

/// Every change from `old` to `new`, breaking ones first.
pub fn diff(old: &Spec, new: &Spec) -> Vec<Change> {
    let mut out = Vec::new();
    let mut add = |impact, kind: &str, at: String, detail: String, doc: String| {
        out.push(Change {
            impact,
            kind: kind.into(),
            at,
            detail,
            doc,
        })
    };
    use Impact::{Breaking, Compatible};

    let old_r: BTreeMap<&str, &Resource> =
        old.resources.iter().map(|r| (r.name.as_str(), r)).collect();
    let new_r: BTreeMap<&str, &Resource> =
        new.resources.iter().map(|r| (r.name.as_str(), r)).collect();
    for (name, r) in &old_r {
        let Some(n) = new_r.get(name) else {
            add(
                Breaking,
                "resource removed",
                name.to_string(),
                String::new(),
                r.doc.to_string(),
            );
            continue;
        };
        fields(name, r, n, &mut add);
    }
    for (name, r) in &new_r {
        if !old_r.contains_key(name) {
            add(
                Compatible,
                "resource added",
                name.to_string(),
                String::new(),
                r.doc.to_string(),
            );
        }
    }

    let old_o: BTreeMap<&str, &Operation> =
        old.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    let new_o: BTreeMap<&str, &Operation> =
        new.operations.iter().map(|o| (o.id.as_str(), o)).collect();
    for (id, o) in &old_o {
        let Some(n) = new_o.get(id) else {
            add(
                Breaking,
                "operation removed",
                id.to_string(),
                format!("{} {}", o.method.as_str(), o.path),
                o.doc.to_string(),
            );
            continue;
        };
        if (o.method, &o.path) != (n.method, &n.path) {
            add(
                Breaking,
                "operation moved",
                id.to_string(),
                format!(
                    "{} {} → {} {}",
                    o.method.as_str(),
                    o.path,
                    n.method.as_str(),
                    n.path
                ),
                n.doc.to_string(),
            );
        }
        let statuses = |x: &Operation| {
            x.responses
                .iter()
                .map(|r| (r.status, r.error.clone()))
                .collect::<Vec<_>>()
        };
        let (before, after) = (statuses(o), statuses(n));
        for (status, error) in &before {
            match after.iter().find(|(s, _)| s == status) {
                None => add(
                    Breaking,
                    "status changed",
                    id.to_string(),
                    format!("{status} no longer documented"),
                    n.doc.to_string(),
                ),
                Some((_, e)) if e != error => add(
                    Breaking,
                    "error body changed",
                    id.to_string(),
                    format!(
                        "{status}: {} → {}",
                        error.as_deref().unwrap_or("none"),
                        e.as_deref().unwrap_or("none")
                    ),
                    n.doc.to_string(),
                ),
                _ => {}
            }
        }
        for (status, _) in after
            .iter()
            .filter(|(s, _)| !before.iter().any(|(b, _)| b == s))
        {
            add(
                Compatible,
                "status added",
                id.to_string(),
                format!("{status}"),
                n.doc.to_string(),
            );
        }
        for p in &o.params {
            if !n.params.iter().any(|q| q.name == p.name) {
                add(
                    Breaking,
                    "parameter removed",
                    format!("{id} {}", p.name),
                    String::new(),
                    p.doc.to_string(),
                );
            }
        }
        for p in &n.params {
            match o.params.iter().find(|q| q.name == p.name) {
                None if p.required => add(
                    Breaking,
                    "required parameter added",
                    format!("{id} {}", p.name),
                    String::new(),
                    p.doc.to_string(),
                ),
                None => add(
                    Compatible,
                    "parameter added",
                    format!("{id} {}", p.name),
                    String::new(),
                    p.doc.to_string(),
                ),
                Some(q) if p.required && !q.required => add(
                    Breaking,
                    "parameter newly required",
                    format!("{id} {}", p.name),
                    String::new(),
                    p.doc.to_string(),
                ),
                _ => {}
            }
        }
    }
    for (id, o) in &new_o {
        if !old_o.contains_key(id) {
            add(
                Compatible,
                "operation added",
                id.to_string(),
                format!("{} {}", o.method.as_str(), o.path),
                o.doc.to_string(),
            );
        }
    }

    if let (Some(a), Some(b)) = (&old.pagination, &new.pagination) {
        match (a.max_size, b.max_size) {
            (Some(x), Some(y)) if y < x => add(
                Breaking,
                "pagination maximum lowered",
                "pagination".into(),
                format!("{x} → {y}"),
                b.doc.to_string(),
            ),
            (None, Some(y)) => add(
                Breaking,
                "pagination maximum lowered",
                "pagination".into(),
                format!("none → {y}"),
                b.doc.to_string(),
            ),
            _ => {}
        }
        if (&a.position_param, &a.size_param, a.style)
            != (&b.position_param, &b.size_param, b.style)
        {
            add(
                Breaking,
                "pagination changed",
                "pagination".into(),
                format!(
                    "{}/{} → {}/{}",
                    a.position_param, a.size_param, b.position_param, b.size_param
                ),
                b.doc.to_string(),
            );
        }
    }
    conventions(old, new, &mut add);
    for e in &old.errors {
        match new.errors.iter().find(|x| x.name == e.name) {
            None => add(
                Breaking,
                "error body removed",
                format!("error {}", e.name),
                String::new(),
                e.doc.to_string(),
            ),
            Some(x) if x.fields != e.fields || x.statuses != e.statuses => add(
                Breaking,
                "error body changed",
                format!("error {}", e.name),
                String::new(),
                x.doc.to_string(),
            ),
            _ => {}
        }
    }
    out.sort_by(|a, b| (a.impact, &a.at).cmp(&(b.impact, &b.at)));
    out
}

type Add<'a> = dyn FnMut(Impact, &str, String, String, String) + 'a;

/// What holds for every operation: how a client authenticates, where items sit
/// in bodies, what type and nulls responses carry. A client written for the old
/// convention reads the new one wrong.
fn conventions(old: &Spec, new: &Spec, add: &mut Add) {
    use super::{Auth, Nulls};
    use Impact::{Breaking, Compatible};
    let auth_doc = |a: &Auth| match a {
        Auth::None { doc } => doc.as_ref().map(ToString::to_string).unwrap_or_default(),
        Auth::ApiKeyHeader { doc, .. }
        | Auth::BearerSignin { doc, .. }
        | Auth::CsrfSession { doc, .. } => doc.to_string(),
    };
    let scheme = |a: &Auth| match a {
        Auth::None { .. } => "none",
        Auth::ApiKeyHeader { .. } => "api_key_header",
        Auth::BearerSignin { .. } => "bearer_signin",
        Auth::CsrfSession { .. } => "csrf_session",
    };
    match (&old.auth, &new.auth) {
        (a, b) if scheme(a) != scheme(b) => add(
            Breaking,
            "auth changed",
            "auth".into(),
            format!("{} → {}", scheme(a), scheme(b)),
            auth_doc(b),
        ),
        (Auth::ApiKeyHeader { header: x, .. }, Auth::ApiKeyHeader { header: y, .. }) if x != y => {
            add(
                Breaking,
                "auth changed",
                "auth".into(),
                format!("key header {x} → {y}"),
                auth_doc(&new.auth),
            )
        }
        (
            Auth::BearerSignin {
                signin_path: p,
                token_pointer: t,
                header: h,
                ..
            },
            Auth::BearerSignin {
                signin_path: q,
                token_pointer: u,
                header: i,
                ..
            },
        ) if (p, t, h) != (q, u, i) => add(
            Breaking,
            "auth changed",
            "auth".into(),
            format!("sign-in {p} {t} {h} → {q} {u} {i}"),
            auth_doc(&new.auth),
        ),
        _ => {}
    }
    let env_doc = new
        .envelope
        .doc
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    for (what, a, b) in [
        ("single item", &old.envelope.single, &new.envelope.single),
        ("list", &old.envelope.list, &new.envelope.list),
        ("request", &old.envelope.request, &new.envelope.request),
    ] {
        if a != b {
            add(
                Breaking,
                "envelope changed",
                format!("envelope {what}"),
                format!("`{a}` → `{b}`"),
                env_doc.clone(),
            );
        }
    }
    if let (Some(a), Some(b)) = (&old.pagination, &new.pagination)
        && a.total_pointer != b.total_pointer
    {
        add(
            Breaking,
            "pagination changed",
            "pagination total".into(),
            format!("{} → {}", a.total_pointer, b.total_pointer),
            b.doc.to_string(),
        );
    }
    let (a, b) = (&old.representation, &new.representation);
    let nulls_doc = b
        .nulls_doc
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    if a.content_type != b.content_type {
        add(
            Breaking,
            "content type changed",
            "representation".into(),
            format!("{} → {}", a.content_type, b.content_type),
            nulls_doc.clone(),
        );
    }
    if a.nulls != b.nulls {
        // Nulls where none came before surprise a client; fewer nulls do not.
        let impact = if a.nulls == Nulls::Omitted {
            Breaking
        } else {
            Compatible
        };
        add(
            impact,
            "nulls changed",
            "representation".into(),
            format!("{:?} → {:?}", a.nulls, b.nulls).to_lowercase(),
            nulls_doc,
        );
    }
}

fn fields(name: &str, old: &Resource, new: &Resource, add: &mut Add) {
    use Impact::{Breaking, Compatible};
    let at = |f: &Field| format!("{name}.{}", f.path);
    for f in &old.fields {
        let Some(n) = new.field(&f.path) else {
            add(
                Breaking,
                "field removed",
                at(f),
                String::new(),
                f.doc.to_string(),
            );
            continue;
        };
        if n.ty != f.ty {
            add(
                Breaking,
                "type changed",
                at(f),
                format!("{} → {}", f.ty, n.ty),
                n.doc.to_string(),
            );
        }
        if n.required && !f.required {
            add(
                Breaking,
                "field newly required",
                at(f),
                String::new(),
                n.doc.to_string(),
            );
        }
        for v in f.values.iter().filter(|v| !n.values.contains(v)) {
            add(
                Breaking,
                "enum value removed",
                at(f),
                v.clone(),
                n.doc.to_string(),
            );
        }
        if n.readonly && !f.readonly {
            add(
                Breaking,
                "field made readonly",
                at(f),
                String::new(),
                n.doc.to_string(),
            );
        }
        if n.description != f.description {
            add(
                Compatible,
                "description changed",
                at(f),
                String::new(),
                n.doc.to_string(),
            );
        }
    }
    for n in &new.fields {
        if old.field(&n.path).is_none() {
            let (impact, kind) = if n.required {
                (Breaking, "required field added")
            } else {
                (Compatible, "optional field added")
            };
            add(impact, kind, at(n), String::new(), n.doc.to_string());
        }
    }
}

/// The changes as a Markdown table, for a pull-request comment.
pub fn markdown(changes: &[Change]) -> String {
    let breaking = changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    let mut out = format!(
        "**{breaking} breaking, {} compatible changes**\n\n| | change | where | detail | document |\n|---|---|---|---|---|\n",
        changes.len() - breaking
    );
    for c in changes {
        let mark = match c.impact {
            Impact::Breaking => "❌",
            Impact::Compatible => "✅",
        };
        let cell = |s: &str| s.replace('|', "\\|");
        out.push_str(&format!(
            "| {mark} | {} | `{}` | {} | {} |\n",
            c.kind,
            cell(&c.at),
            cell(&c.detail),
            cell(&c.doc)
        ));
    }
    out
}

/// The changes as text, one a line.
pub fn human(changes: &[Change]) -> String {
    let mut out = String::new();
    for c in changes {
        let impact = match c.impact {
            Impact::Breaking => "breaking",
            Impact::Compatible => "compatible",
        };
        let detail = if c.detail.is_empty() {
            String::new()
        } else {
            format!(": {}", c.detail)
        };
        out.push_str(&format!(
            "{impact:10} {} {}{detail}  ({})\n",
            c.kind, c.at, c.doc
        ));
    }
    let breaking = changes
        .iter()
        .filter(|c| c.impact == Impact::Breaking)
        .count();
    out.push_str(&format!(
        "{breaking} breaking, {} compatible\n",
        changes.len() - breaking
    ));
    out
}
