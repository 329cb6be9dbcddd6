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
    let (a, b) = (&old.auth, &new.auth);
    if scheme(a) != scheme(b) {
        add(
            Breaking,
            "auth changed",
            "auth".into(),
            format!("{} → {}", scheme(a), scheme(b)),
            auth_doc(b),
        );
    } else if !same_flow(a, b) {
        add(
            Breaking,
            "auth changed",
            "auth".into(),
            format!("the {} exchange changed", scheme(a)),
            auth_doc(b),
        );
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
    match (&old.pagination, &new.pagination) {
        (Some(a), Some(b)) => {
            let first = |p: &super::Pagination| format!("{:?}", p.first_page);
            for (what, x, y) in [
                ("total", a.total_pointer.clone(), b.total_pointer.clone()),
                ("first page", first(a), first(b)),
            ] {
                if x != y {
                    add(
                        Breaking,
                        "pagination changed",
                        format!("pagination {what}"),
                        format!("{x} → {y}"),
                        b.doc.to_string(),
                    );
                }
            }
        }
        // Pages where lists came whole: a client reads only the first.
        (None, Some(b)) => add(
            Breaking,
            "pagination added",
            "pagination".into(),
            String::new(),
            b.doc.to_string(),
        ),
        (Some(a), None) => add(
            Compatible,
            "pagination removed",
            "pagination".into(),
            String::new(),
            a.doc.to_string(),
        ),
        (None, None) => {}
    }
    let (a, b) = (&old.representation, &new.representation);
    if a.content_type != b.content_type {
        add(
            Breaking,
            "content type changed",
            "representation".into(),
            format!("{} → {}", a.content_type, b.content_type),
            String::new(),
        );
    }
    if a.nulls != b.nulls {
        // More nulls than before surprise a client; fewer do not: omitted, then
        // declared per field, then allowed anywhere.
        let rank = |n: Nulls| match n {
            Nulls::Omitted => 0,
            Nulls::Declared => 1,
            Nulls::Allowed => 2,
        };
        let impact = if rank(b.nulls) > rank(a.nulls) {
            Breaking
        } else {
            Compatible
        };
        add(
            impact,
            "nulls changed",
            "representation".into(),
            format!("{:?} → {:?}", a.nulls, b.nulls).to_lowercase(),
            b.nulls_doc
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
    }
}

/// Whether two auth schemes of one kind exchange credentials the same way: the
/// documents' places and wording aside, and header names in any case.
fn same_flow(a: &super::Auth, b: &super::Auth) -> bool {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.remove("doc");
                o.remove("description");
                if let Some(serde_json::Value::String(h)) = o.get_mut("header") {
                    *h = h.to_ascii_lowercase();
                }
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let plain = |x: &super::Auth| {
        let mut v = serde_json::to_value(x).unwrap_or_default();
        strip(&mut v);
        v
    };
    plain(a) == plain(b)
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
