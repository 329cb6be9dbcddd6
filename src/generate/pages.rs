//! Cases on lists: pagination (defaults, explicit and maximum sizes, the walk over
//! every page, past the end, bad values), filters, search and sorting.

use super::{
    Case, Check, Count, EachContains, EachMatches, Expect, Gen, Ordered, PointerValue, Request,
    Severity, Step, Walk, first_pointer, placeholders,
};
use crate::spec::{DocRef, Operation, OperationKind, PageStyle, Pagination, ParamRole};

/// The first item of a page that has a value for the field filtered on.
const SAMPLE: &str = "*";

pub(super) fn cases(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    if op.kind != OperationKind::List {
        return;
    }
    let Some(items) = g.items(op) else { return };
    let Some(super::Resolved { steps, query, path }) = g.resolve(op) else {
        return;
    };
    let base = Request {
        query,
        ..Request::get(&path)
    };
    let case = |check, rest: &str, severity, doc: &DocRef, title: String, last: Vec<Step>| {
        let mut s = steps.clone();
        s.extend(last);
        Case::new(g.id(op, rest), check, severity, doc, title, s)
    };
    if let (Some(p), true) = (&g.spec.pagination, op.paginated) {
        pagination(g, op, p, &items, &base, &case, out);
    }
    filters(g, op, &items, &base, &case, out);
}

type Make<'a> = dyn Fn(Check, &str, Severity, &DocRef, String, Vec<Step>) -> Case + 'a;

fn step(request: Request, expect: Vec<Expect>) -> Step {
    let mut s = Step::new(request);
    s.expect = expect;
    s
}

fn pagination(
    g: &Gen,
    op: &Operation,
    p: &Pagination,
    items: &str,
    base: &Request,
    case: &Make,
    out: &mut Vec<Case>,
) {
    // A server that states its own limits (OMERO's maxLimit) may be configured
    // away from the documented defaults: equality with them is only implied there.
    let configurable = p.max_size_pointer.is_some();
    if let Some(default) = p.default_size {
        let mut expect = vec![Expect::Count(Count {
            pointer: items.to_string(),
            at_most: Some(u64::from(default)),
            exactly: None,
        })];
        if let Some(size) = &p.size_pointer {
            expect.push(Expect::Equals(PointerValue {
                pointer: size.clone(),
                value: default.into(),
            }));
        }
        out.push(case(
            Check::Pagination,
            "pagination/default_size",
            Severity::implied(configurable),
            &p.doc,
            format!("without a size, a page holds at most {default} items"),
            vec![step(base.clone(), expect)],
        ));
    }

    let small = 3u64;
    let mut expect = vec![Expect::Count(Count {
        pointer: items.to_string(),
        at_most: Some(small),
        exactly: None,
    })];
    if let Some(size) = &p.size_pointer {
        expect.push(Expect::Equals(PointerValue {
            pointer: size.clone(),
            value: small.into(),
        }));
    }
    out.push(case(
        Check::Pagination,
        "pagination/size",
        Severity::Must,
        &p.doc,
        format!("`{}={small}` gives at most {small} items", p.size_param),
        vec![step(
            base.clone().with(&p.size_param, small.to_string()),
            expect,
        )],
    ));

    if let Some(max) = p.max_size {
        let asked = u64::from(max) + 1;
        let mut expect = vec![Expect::Count(Count {
            pointer: items.to_string(),
            at_most: Some(u64::from(max)),
            exactly: None,
        })];
        if let Some(size) = &p.size_pointer {
            expect.push(Expect::Count(Count {
                pointer: size.clone(),
                at_most: Some(u64::from(max)),
                exactly: None,
            }));
        }
        if let Some(ptr) = &p.max_size_pointer {
            // The server's own maximum, where it states one, bounds the page.
            expect.push(Expect::AtMostPointer(super::Bound {
                pointer: items.to_string(),
                bound: ptr.clone(),
            }));
            expect.retain(|e| !matches!(e, Expect::Count(c) if c.pointer == *items));
        }
        out.push(case(
            Check::Pagination,
            "pagination/max_size",
            Severity::implied(configurable),
            &p.doc,
            format!("`{}={asked}` gives at most {max} items", p.size_param),
            vec![step(
                base.clone().with(&p.size_param, asked.to_string()),
                expect,
            )],
        ));
    }

    if let Some(id) = g.resource(op).and_then(|r| r.id_field.clone()) {
        out.push(case(
            Check::Pagination,
            "pagination/walk",
            Severity::Must,
            &p.doc,
            "walking every page yields exactly the total, without duplicates or gaps, in a stable order".into(),
            vec![step(
                base.clone(),
                vec![Expect::Walk(Walk {
                    items: items.to_string(),
                    id,
                    total: p.total_pointer.clone(),
                    total_pages: p.total_pages_pointer.clone(),
                    position_param: p.position_param.clone(),
                    style: p.style,
                    first: u64::from(p.first_page.unwrap_or(0)),
                    size_param: p.size_param.clone(),
                    max_size: p.max_size.map(u64::from),
                    max_size_pointer: p.max_size_pointer.clone(),
                    pages: 10,
                })],
            )],
        ));
    }

    let far = match p.style {
        PageStyle::Page => 1_000_000u64,
        PageStyle::Offset => 1_000_000_000,
    };
    out.push(case(
        Check::Pagination,
        "pagination/past_the_end",
        Severity::Should,
        &p.doc,
        "a page past the end is empty".into(),
        vec![step(
            base.clone().with(&p.position_param, far.to_string()),
            vec![
                Expect::Status(vec![200]),
                Expect::Count(Count {
                    pointer: items.to_string(),
                    at_most: None,
                    exactly: Some(0),
                }),
            ],
        )],
    ));

    let bad = base.clone().with(&p.position_param, "assay");
    match &p.bad_value {
        Some(outcome) => {
            let mut expect = vec![Expect::Status(vec![outcome.status])];
            if let Some(e) = &outcome.error {
                expect.push(Expect::ErrorBody(e.clone()));
            }
            out.push(case(
                Check::Pagination,
                "pagination/bad_value",
                Severity::implied(outcome.implied),
                outcome.doc.as_ref().unwrap_or(&p.doc),
                format!("a position that is not a number answers {}", outcome.status),
                vec![step(bad, expect)],
            ));
        }
        None => out.push(case(
            Check::Pagination,
            "pagination/bad_value",
            Severity::Should,
            &p.doc,
            "a position that is not a number does not fail with a 5xx".into(),
            vec![step(bad, vec![Expect::NoServerError])],
        )),
    }

    if let Some(sort) = &p.sort
        && let Some(id) = g.resource(op).and_then(|r| r.id_field.clone())
    {
        for direction in &sort.directions {
            let value = sort
                .format
                .replace("{field}", &id)
                .replace("{direction}", direction);
            out.push(case(
                Check::Sorting,
                &format!("sorting/{}", direction.to_lowercase()),
                Severity::Must,
                &sort.doc,
                format!("`{}={value}` orders the items", sort.param),
                vec![step(
                    base.clone().with(&sort.param, value),
                    vec![Expect::Ordered(Ordered {
                        items: items.to_string(),
                        field: id.clone(),
                        descending: direction.eq_ignore_ascii_case("desc"),
                    })],
                )],
            ));
        }
    }
}

/// Each filter keeps only matching items: the value is taken from an item of the
/// unfiltered list, so it matches at least that one.
fn filters(g: &Gen, op: &Operation, items: &str, base: &Request, case: &Make, out: &mut Vec<Case>) {
    let Some(r) = g.resource(op) else { return };
    // A list under a parent filters the same way as the top list; test it there.
    if !placeholders(&op.path).is_empty() {
        return;
    }
    let capture = |field: &str, index: &str| {
        let mut s = Step::new(base.clone());
        s.capture.insert(
            "value".into(),
            format!("{items}/{index}{}", first_pointer(field)),
        );
        s
    };
    for p in &op.params {
        match p.role {
            Some(ParamRole::Filter) if !p.matches.is_empty() => {
                let field = &p.matches[0];
                let mut last = step(
                    base.clone().with(&p.name, "{value}"),
                    vec![Expect::EachMatches(EachMatches {
                        items: items.to_string(),
                        fields: p.matches.clone(),
                        values: vec!["{value}".into()],
                    })],
                );
                last.expect.insert(0, Expect::Status(vec![200]));
                out.push(case(
                    Check::Filters,
                    &format!("filters/{}", p.name),
                    Severity::Must,
                    &p.doc,
                    format!("`{}` keeps only the items it matches", p.name),
                    vec![capture(field, SAMPLE), last],
                ));
                if p.list {
                    let mut first = capture(field, SAMPLE);
                    first
                        .capture
                        .insert("other".into(), format!("{items}/1{}", first_pointer(field)));
                    let last = step(
                        base.clone().with(&p.name, "{value},{other}"),
                        vec![
                            Expect::Status(vec![200]),
                            Expect::EachMatches(EachMatches {
                                items: items.to_string(),
                                fields: p.matches.clone(),
                                values: vec!["{value}".into(), "{other}".into()],
                            }),
                        ],
                    );
                    out.push(case(
                        Check::Filters,
                        &format!("filters/{}/union", p.name),
                        Severity::Must,
                        &p.doc,
                        format!("`{}=a,b` keeps the items matching a or b", p.name),
                        vec![first, last],
                    ));
                }
            }
            Some(ParamRole::Filter) if p.same_as.is_some() => {
                let Some(other) = p.same_as.as_deref().and_then(|o| g.spec.operation(o)) else {
                    continue;
                };
                let params = placeholders(&other.path);
                let (Some(resolved), Some(other_items), [param]) =
                    (g.resolve(other), g.items(other), params.as_slice())
                else {
                    continue;
                };
                let Some(id) = r.id_field.clone() else {
                    continue;
                };
                let mut s = resolved.steps;
                let mut last = step(
                    base.clone().with(&p.name, format!("{{{param}}}")),
                    vec![
                        Expect::Status(vec![200]),
                        Expect::SameItems(super::SameItems {
                            items: items.to_string(),
                            id,
                            path: other.path.clone(),
                            other_items,
                        }),
                    ],
                );
                last.request.query.extend(resolved.query);
                s.push(last);
                out.push(Case {
                    id: g.id(op, &format!("filters/{}", p.name)),
                    check: Check::Filters,
                    severity: Severity::Must,
                    doc: p.doc.clone(),
                    title: format!("`{}` keeps the items `{}` lists", p.name, other.id),
                    writes: false,
                    steps: s,
                });
            }
            Some(ParamRole::Search) => {
                let fields: Vec<String> = r
                    .fields
                    .iter()
                    .filter(|f| f.filterable && f.ty.kind == crate::spec::Kind::String)
                    .map(|f| f.path.clone())
                    .collect();
                let Some(field) = fields.first() else {
                    continue;
                };
                let last = step(
                    base.clone().with(&p.name, "{value}"),
                    vec![
                        Expect::Status(vec![200]),
                        Expect::EachContains(EachContains {
                            items: items.to_string(),
                            fields: fields.clone(),
                            term: "{value}".into(),
                        }),
                    ],
                );
                out.push(case(
                    Check::Filters,
                    &format!("filters/{}", p.name),
                    Severity::Must,
                    &p.doc,
                    format!("`{}` keeps the items containing the term", p.name),
                    vec![capture(field, SAMPLE), last],
                ));
            }
            _ => {}
        }
    }
    // Filters the spec's template derives from fields marked filterable.
    let Some(f) = &g.spec.filtering else { return };
    for field in r
        .fields
        .iter()
        .filter(|x| x.filterable && !x.path.contains("[]"))
    {
        let scalar = matches!(
            field.ty.kind,
            crate::spec::Kind::String | crate::spec::Kind::Int
        ) && !field.ty.array;
        if !scalar {
            continue;
        }
        let name = f
            .field_param
            .replace("{name}", &r.name)
            .replace("{field}", &field.path);
        // The value template keeps its `{value}`, filled from the capture.
        let value = f.field_value.replace("{field}", &field.path);
        let last = step(
            base.clone().with(&name, value),
            vec![
                Expect::Status(vec![200]),
                Expect::EachMatches(EachMatches {
                    items: items.to_string(),
                    fields: vec![field.path.clone()],
                    values: vec!["{value}".into()],
                }),
            ],
        );
        out.push(case(
            Check::Filters,
            &format!("filters/{}", field.path),
            Severity::Must,
            &field.doc,
            format!("filtering on `{}` keeps only matching items", field.path),
            vec![capture(&field.path, SAMPLE), last],
        ));
    }
    // Two filters together keep only items matching both: values from one item.
    if !f.field_param.contains("{field}") {
        return;
    }
    let two: Vec<&crate::spec::Field> = r
        .fields
        .iter()
        .filter(|x| x.filterable && x.ty.kind == crate::spec::Kind::String && !x.ty.array)
        .filter(|x| !x.path.contains(['.', '[']))
        .take(2)
        .collect();
    let [a, b] = two.as_slice() else { return };
    let mut first = Step::new(base.clone());
    first
        .capture
        .insert("a".into(), format!("{items}/0{}", first_pointer(&a.path)));
    first
        .capture
        .insert("b".into(), format!("{items}/0{}", first_pointer(&b.path)));
    let name = |x: &crate::spec::Field| {
        f.field_param
            .replace("{name}", &r.name)
            .replace("{field}", &x.path)
    };
    let request = base
        .clone()
        .with(&name(a), f.field_value.replace("{value}", "{a}"))
        .with(&name(b), f.field_value.replace("{value}", "{b}"));
    let matching = |x: &crate::spec::Field, v: &str| {
        Expect::EachMatches(EachMatches {
            items: items.to_string(),
            fields: vec![x.path.clone()],
            values: vec![v.into()],
        })
    };
    out.push(case(
        Check::Filters,
        &format!("filters/{}+{}", a.path, b.path),
        Severity::Must,
        &f.doc,
        format!(
            "filtering on `{}` and `{}` keeps items matching both",
            a.path, b.path
        ),
        vec![
            first,
            step(
                request,
                vec![
                    Expect::Status(vec![200]),
                    matching(a, "{a}"),
                    matching(b, "{b}"),
                ],
            ),
        ],
    ));
}
