//! Cases on lists: pagination (defaults, explicit and maximum sizes, the walk over
//! every page, past the end, bad values), filters, search and sorting.

use super::{
    Case, Check, Count, Expect, Filter, Filtered, Gen, MatchRule, Ordered, PointerValue, Request,
    Severity, Step, Walk, placeholders,
};
use crate::spec::{DocRef, Operation, OperationKind, PageStyle, Pagination, ParamRole};

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
    filters(g, op, &base, &case, out);
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
            vec![g.whole(op, base.clone(), vec![Expect::Walk(Walk { id })])],
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
                vec![g.whole(
                    op,
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

/// Values tried for each filter: from so many items, spread over the list.
const VALUES: usize = 4;

/// Each filter answers exactly the items of the whole list that match it, for
/// values taken from several items of that list; a comma list is the union of its
/// values' answers, two filters together the intersection, a search term finds
/// every item holding it.
fn filters(g: &Gen, op: &Operation, base: &Request, case: &Make, out: &mut Vec<Case>) {
    let Some(r) = g.resource(op) else { return };
    // A list under a parent filters the same way as the top list; test it there.
    if !placeholders(&op.path).is_empty() {
        return;
    }
    let id = r.id_field.clone();
    // The search results' documented order (bip: by internal id).
    let order = g
        .spec
        .pagination
        .as_ref()
        .and_then(|p| p.ordered_by.as_ref())
        .map(|o| o.field.clone());
    let relation = |filters: Vec<Filter>, rule: MatchRule, list: bool| {
        let expect = vec![Expect::Filtered(Filtered {
            id: id.clone(),
            filters,
            rule,
            list,
            values: VALUES,
            ordered_by: order.clone().filter(|_| rule == MatchRule::Contains),
        })];
        vec![g.whole(op, base.clone(), expect)]
    };
    let one = |param: &str, value: &str, fields: Vec<String>| Filter {
        param: param.to_string(),
        value: value.to_string(),
        fields,
    };
    for p in &op.params {
        match p.role {
            Some(ParamRole::Filter) if !p.matches.is_empty() => {
                let f = || vec![one(&p.name, "{value}", p.matches.clone())];
                out.push(case(
                    Check::Filters,
                    &format!("filters/{}", p.name),
                    Severity::Must,
                    &p.doc,
                    format!("`{}` answers exactly the items it matches", p.name),
                    relation(f(), MatchRule::Exact, false),
                ));
                if p.list {
                    out.push(case(
                        Check::Filters,
                        &format!("filters/{}/union", p.name),
                        Severity::Must,
                        &p.doc,
                        format!("`{}=a,b` answers the items matching a or b", p.name),
                        relation(f(), MatchRule::Exact, true),
                    ));
                }
            }
            Some(ParamRole::Filter) if p.same_as.is_some() => same_as(g, op, r, p, base, out),
            Some(ParamRole::Search) => {
                let fields: Vec<String> = r
                    .fields
                    .iter()
                    .filter(|f| f.filterable && f.ty.kind == crate::spec::Kind::String)
                    .map(|f| f.path.clone())
                    .collect();
                if fields.is_empty() {
                    continue;
                }
                out.push(case(
                    Check::Filters,
                    &format!("filters/{}", p.name),
                    Severity::Must,
                    &p.doc,
                    format!("`{}` finds the items containing the term", p.name),
                    relation(
                        vec![one(&p.name, "{value}", fields)],
                        MatchRule::Contains,
                        false,
                    ),
                ));
            }
            _ => {}
        }
    }
    // Filters the spec's template derives from fields marked filterable.
    let Some(f) = &g.spec.filtering else { return };
    let param = |x: &crate::spec::Field| {
        f.field_param
            .replace("{name}", &r.name)
            .replace("{field}", &x.path)
    };
    // The value template keeps its `{value}`, filled with each value tried.
    let template = |x: &crate::spec::Field| {
        let value = f.field_value.replace("{field}", &x.path);
        one(&param(x), &value, vec![x.path.clone()])
    };
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
        out.push(case(
            Check::Filters,
            &format!("filters/{}", field.path),
            Severity::Must,
            &field.doc,
            format!(
                "filtering on `{}` answers exactly the matching items",
                field.path
            ),
            relation(vec![template(field)], MatchRule::Exact, false),
        ));
    }
    // Two filters together answer the items matching both.
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
    out.push(case(
        Check::Filters,
        &format!("filters/{}+{}", a.path, b.path),
        Severity::Must,
        &f.doc,
        format!(
            "filtering on `{}` and `{}` answers the items matching both",
            a.path, b.path
        ),
        relation(vec![template(a), template(b)], MatchRule::Exact, false),
    ));
}

/// A filter on a relation the items do not carry answers what the related
/// operation lists (OMERO: `?project=ID` against `/projects/{id}/datasets/`).
fn same_as(
    g: &Gen,
    op: &Operation,
    r: &crate::spec::Resource,
    p: &crate::spec::Param,
    base: &Request,
    out: &mut Vec<Case>,
) {
    let Some(other) = p.same_as.as_deref().and_then(|o| g.spec.operation(o)) else {
        return;
    };
    let params = placeholders(&other.path);
    let (Some(resolved), Some(other_items), [param]) =
        (g.resolve(other), g.items(other), params.as_slice())
    else {
        return;
    };
    let Some(id) = r.id_field.clone() else {
        return;
    };
    let Some(items) = g.items(op) else { return };
    let mut s = resolved.steps;
    let mut last = g.whole(
        op,
        base.clone().with(&p.name, format!("{{{param}}}")),
        vec![
            Expect::Status(vec![200]),
            Expect::SameItems(super::SameItems {
                items,
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
