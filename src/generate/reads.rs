//! Cases on what a read returns: status, content type, schema, representation
//! rules, links, identity (list against get, unknown ids) and undocumented methods.

use super::{Case, Check, Expect, Gen, Request, Severity, Step, placeholders};
use crate::spec::{Condition, Kind, Method, Nulls, Operation, OperationKind};

pub(super) fn cases(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    if op.method != Method::Get {
        return;
    }
    let Some(super::Resolved { steps, query, path }) = g.resolve(op) else {
        return;
    };
    let main = Request {
        query,
        ..Request::get(&path)
    };
    let spec = g.spec;
    let ok = g.successes(op);
    let case = |check: Check, rest: &str, severity, doc: &crate::spec::DocRef, title: String| {
        let mut s = steps.clone();
        s.push(Step::new(main.clone()));
        Case::new(g.id(op, rest), check, severity, doc, title, s)
    };
    let mut push = |mut c: Case, expect: Vec<Expect>| {
        c.steps.last_mut().expect("a case has a step").expect = expect;
        out.push(c);
    };

    // Status: the documented success, or where the document gives none, no 5xx.
    if ok.is_empty() {
        push(
            case(
                Check::Status,
                "status/no_server_error",
                Severity::Should,
                &op.doc,
                format!(
                    "{} {} does not fail with a 5xx",
                    op.method.as_str(),
                    op.path
                ),
            ),
            vec![Expect::NoServerError],
        );
    } else {
        let statuses: Vec<u16> = ok.iter().map(|r| r.status).collect();
        push(
            case(
                Check::Status,
                "status/ok",
                Severity::implied(ok.iter().all(|r| r.implied)),
                &ok[0].doc,
                format!("a valid request answers {}", list(&statuses)),
            ),
            vec![Expect::Status(statuses)],
        );
    }

    // Content type: as the response states it; else the API's JSON type where
    // the document reads the answer as data (an item, a list, fields it names);
    // else nothing: a download or a page for a browser is not JSON by default.
    let stated = ok
        .iter()
        .find_map(|r| Some((r.content_type.clone()?, &r.doc)));
    let read_as_data = op.resource.is_some()
        || !op.response_fields.is_empty()
        || op.items_pointer.is_some()
        || matches!(op.kind, OperationKind::List | OperationKind::Get);
    let (content_type, severity, doc) = match stated {
        Some((ct, doc)) => (ct, Severity::Must, doc),
        None if read_as_data => (
            spec.representation.content_type.clone(),
            Severity::Should,
            &op.doc,
        ),
        None => return,
    };
    let json = content_type.contains("json");
    push(
        case(
            Check::ContentType,
            "content_type",
            severity,
            doc,
            format!("the response is {content_type}"),
        ),
        vec![Expect::ContentType(content_type.clone())],
    );
    if !json {
        return;
    }

    if let Some(schema) = g.response_schema(op) {
        let doc = g.resource(op).map_or(&op.doc, |r| &r.doc);
        push(
            case(
                Check::Schema,
                "schema",
                Severity::Must,
                doc,
                format!("the body validates against the `{schema}` schema"),
            ),
            vec![Expect::Schema(schema)],
        );
    }

    for h in &spec.representation.headers {
        let pattern = h.pattern.clone().unwrap_or_else(|| ".*".into());
        push(
            case(
                Check::Representation,
                &format!("representation/header/{}", h.name),
                Severity::Must,
                &h.doc,
                format!("the response carries a `{}` header", h.name),
            ),
            vec![Expect::Header(super::HeaderMatch {
                name: h.name.clone(),
                pattern,
            })],
        );
    }

    if spec.representation.nulls == Nulls::Omitted
        && let Some(doc) = &spec.representation.nulls_doc
    {
        let except = g
            .resource(op)
            .map(|r| {
                r.fields
                    .iter()
                    .filter(|f| f.nullable || f.ty.kind == Kind::Null)
                    .map(|f| f.path.clone())
                    .collect()
            })
            .unwrap_or_default();
        push(
            case(
                Check::Representation,
                "representation/no_nulls",
                Severity::Must,
                doc,
                "fields without a value are left out, never null".into(),
            ),
            vec![Expect::NoNulls(super::NoNulls { except })],
        );
    }

    let hal = spec.pagination.as_ref().is_some_and(|p| p.hal_links);
    let prefix = spec.representation.link_prefix.clone();
    if op.kind == OperationKind::Get && (hal || prefix.is_some()) {
        let doc = match &spec.pagination {
            Some(p) if hal => &p.doc,
            _ => spec.representation.nulls_doc.as_ref().unwrap_or(&op.doc),
        };
        push(
            case(
                Check::Links,
                "links/resolve",
                Severity::Should,
                doc,
                "every link to a related object resolves".into(),
            ),
            vec![Expect::LinksResolve(super::Links {
                hal,
                prefix,
                limit: 10,
            })],
        );
    }

    identity(g, op, out);
    references(g, op, out);
    methods(g, op, out);
}

/// Every `X_id` / `X_ids` of a listed item resolves to an item of X; where X
/// names the listing resource back (`_ids` against `_id`), it names this item.
fn references(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    let Some(r) = g.resource(op) else { return };
    if op.kind != OperationKind::List || g.list_of(&r.name).is_none_or(|l| l.id != op.id) {
        return;
    }
    let Some(items) = g.items(op) else { return };
    let Some(super::Resolved { steps, query, path }) = g.resolve(op) else {
        return;
    };
    let id = r.id_field.as_deref().unwrap_or("id");
    for f in &r.fields {
        if f.writeonly || Some(f.path.as_str()) == r.id_field.as_deref() {
            continue;
        }
        let Some((target, many)) = g.spec.reference_target(f) else {
            continue;
        };
        let Some(get) = g.spec.operation_of(&target.name, OperationKind::Get) else {
            continue;
        };
        let params = placeholders(&get.path);
        let [only] = params.as_slice() else { continue };
        let back_name = format!("{}_id", r.name);
        let back = (many && target.field(&back_name).is_some()).then_some(back_name);
        let mut s = steps.clone();
        s.push(g.whole(
            op,
            Request {
                query: query.clone(),
                ..Request::get(&path)
            },
            vec![Expect::ReferencesResolve(super::References {
                items: items.clone(),
                id: id.to_string(),
                field: f.path.clone(),
                path: get.path.replace(&format!("{{{only}}}"), "{.ref}"),
                single: g.single(target),
                back: back.clone(),
                limit: None,
            })],
        ));
        out.push(Case {
            id: g.id(op, &format!("references/{}", f.path)),
            check: Check::References,
            severity: Severity::Should,
            doc: f.doc.clone(),
            title: match &back {
                Some(b) => format!(
                    "`{}` names {} items that name this one in `{b}`",
                    f.path, target.name
                ),
                None => format!("`{}` names {} items that exist", f.path, target.name),
            },
            writes: false,
            steps: s,
        });
    }
}

/// List against get: every listed item is retrievable and agrees with its list
/// form; an unknown id gets the documented answer.
fn identity(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    let Some(r) = g.resource(op) else { return };
    let id = r.id_field.as_deref().unwrap_or("id");
    let Some(get) = g.spec.operation_of(&r.name, OperationKind::Get) else {
        return;
    };
    let Some(last) = placeholders(&get.path).pop() else {
        return;
    };
    match op.kind {
        OperationKind::List if g.list_of(&r.name).is_some_and(|l| l.id == op.id) => {
            let Some(items) = g.items(op) else { return };
            let Some(super::Resolved {
                steps: mut s,
                query,
                path,
            }) = g.resolve(op)
            else {
                return;
            };
            s.push(g.whole(
                op,
                Request {
                    query,
                    ..Request::get(&path)
                },
                vec![Expect::Retrievable(super::Retrievable {
                    items,
                    id: id.to_string(),
                    path: get.path.replace(&format!("{{{last}}}"), "{.id}"),
                    single: g.single(r),
                    limit: None,
                })],
            ));
            out.push(Case {
                id: g.id(op, "identity/retrievable"),
                check: Check::Identity,
                severity: Severity::Should,
                doc: r.doc.clone(),
                title: format!(
                    "each listed item is retrievable by its `{id}` and agrees with its list form"
                ),
                writes: false,
                steps: s,
            });
        }
        OperationKind::Get => {
            let unknown = match r.field(id).map(|f| f.ty.kind) {
                Some(Kind::Int | Kind::Number) => "987654321",
                _ => "assay-no-such-id",
            };
            let path = get.path.replace(&format!("{{{last}}}"), unknown);
            let Some(super::Resolved {
                steps: mut s,
                query,
                path,
            }) = g.resolve_path(&path, op)
            else {
                return;
            };
            let mut step = Step::new(Request {
                query,
                ..Request::get(&path)
            });
            // Tagged as such, or the only 404 the operation documents.
            let documented = op
                .responses
                .iter()
                .find(|x| x.condition == Some(Condition::NotFound))
                .or_else(|| {
                    op.responses
                        .iter()
                        .find(|x| x.status == 404 && x.condition.is_none())
                });
            let (expect, severity, doc, title) = match documented {
                Some(resp) => {
                    let mut e = vec![Expect::Status(vec![resp.status])];
                    if let Some(err) = &resp.error {
                        e.push(Expect::ErrorBody(err.clone()));
                    }
                    (
                        e,
                        Severity::implied(resp.implied),
                        &resp.doc,
                        format!("an unknown id answers {}", resp.status),
                    )
                }
                None => (
                    vec![Expect::NoServerError],
                    Severity::Should,
                    &get.doc,
                    "an unknown id does not fail with a 5xx".into(),
                ),
            };
            step.expect = expect;
            s.push(step);
            out.push(Case {
                id: g.id(op, "identity/unknown_id"),
                check: Check::Identity,
                severity,
                doc: doc.clone(),
                title,
                writes: false,
                steps: s,
            });
        }
        _ => {}
    }
}

/// A method the document gives no operation for, on a list's path: 405 where the
/// document says so, otherwise nothing beyond no 5xx.
fn methods(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    if op.kind != OperationKind::List || !placeholders(&op.path).is_empty() {
        return;
    }
    let taken = |m: Method| {
        g.spec
            .operations
            .iter()
            .any(|o| o.path == op.path && o.method == m)
    };
    if taken(Method::Patch) {
        return;
    }
    let rule = g.spec.status_rules.iter().find(|r| r.status == 405);
    let mut request = Request::get(&op.path);
    request.method = Method::Patch;
    let mut step = Step::new(request);
    let (severity, doc, title) = match rule {
        Some(rule) => {
            step.expect.push(Expect::Status(vec![405]));
            if let Some(e) = &rule.error {
                step.expect.push(Expect::ErrorBody(e.clone()));
            }
            (
                Severity::Must,
                &rule.doc,
                "PATCH, which the path does not take, answers 405".to_string(),
            )
        }
        None => {
            step.expect.push(Expect::NoServerError);
            (
                Severity::Should,
                &op.doc,
                "PATCH, which the path does not take, does not fail with a 5xx".to_string(),
            )
        }
    };
    // PATCH is a write should the server take it: run only with writes allowed.
    out.push(Case {
        id: g.id(op, "methods/undocumented"),
        check: Check::Methods,
        severity,
        doc: doc.clone(),
        title,
        writes: true,
        steps: vec![step],
    });
}

fn list(statuses: &[u16]) -> String {
    statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}
