//! Paging from well-known parameter names and a total the list response carries.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Found;
use super::reader::{Cx, escape, kind_of};
use crate::spec::{Kind, Operation, OperationKind, PageStyle, Pagination, Param, ParamIn};

/// Names a paged list's parameters go by, most common first.
const POSITIONS: [&str; 6] = [
    "page",
    "offset",
    "start",
    "skip",
    "pageNumber",
    "page_number",
];
const SIZES: [&str; 8] = [
    "per_page",
    "limit",
    "size",
    "page_size",
    "pageSize",
    "perPage",
    "rows",
    "count",
];
/// Names of a count of all items, the least ambiguous first: a bare `count` is
/// as often the size of the page, so it is no total.
const TOTALS: [&str; 7] = [
    "total_count",
    "totalCount",
    "totalElements",
    "total_results",
    "totalResults",
    "numFound",
    "total",
];

/// Paging from well-known parameter names, where every list that has them
/// answers with a total.
pub(super) fn pagination(
    cx: &Cx,
    ops: &mut [Operation],
    answers: &BTreeMap<String, Value>,
) -> Found<Option<Pagination>> {
    let mut votes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for o in ops.iter().filter(|o| o.kind == OperationKind::List) {
        let has = |n: &str| {
            o.params
                .iter()
                .any(|p| p.name == n && p.location == ParamIn::Query)
        };
        if let (Some(pos), Some(size)) = (
            POSITIONS.iter().find(|n| has(n)),
            SIZES.iter().find(|n| has(n)),
        ) {
            *votes
                .entry((pos.to_string(), size.to_string()))
                .or_default() += 1;
        }
    }
    let Some(((pos, size), _)) = votes.into_iter().max_by_key(|(_, n)| *n) else {
        return Ok(None);
    };
    let mut total = None;
    for o in ops.iter().filter(|o| o.kind == OperationKind::List) {
        if !o.params.iter().any(|p| p.name == pos) {
            continue;
        }
        let Some(s) = answers.get(&o.id) else {
            continue;
        };
        let mut found = Vec::new();
        total_pointers(cx, s, "", 0, &mut found)?;
        let found = found.into_iter().min().map(|(_, p)| p);
        match (&total, found) {
            (None, Some(t)) => total = Some(t),
            (Some(a), Some(b)) if *a == b => {}
            // Lists that disagree on where the total is: no common convention.
            _ => return Ok(None),
        }
    }
    let Some(total_pointer) = total else {
        return Ok(None);
    };
    let param = |name: &str| {
        ops.iter()
            .flat_map(|o| o.params.iter())
            .find(|p| p.name == name)
            .cloned()
    };
    let position = param(&pos).expect("voted for");
    let size_param = param(&size).expect("voted for");
    let number = |p: &Param, key: &str| schema_number(cx, &p.name, key);
    let style = if ["offset", "start", "skip"].contains(&pos.as_str()) {
        PageStyle::Offset
    } else {
        PageStyle::Page
    };
    for o in ops.iter_mut().filter(|o| o.kind == OperationKind::List) {
        o.paginated = o.params.iter().any(|p| p.name == pos);
        // The convention's parameters are exercised as paging, not as filters.
        if o.paginated {
            o.params.retain(|p| p.name != pos && p.name != size);
        }
    }
    Ok(Some(Pagination {
        style,
        first_page: match style {
            PageStyle::Page => Some(
                number(&position, "minimum")
                    .or(number(&position, "default"))
                    .unwrap_or(1),
            ),
            PageStyle::Offset => None,
        },
        default_size: number(&size_param, "default"),
        max_size: number(&size_param, "maximum"),
        position_param: pos,
        size_param: size,
        total_pointer,
        position_pointer: None,
        size_pointer: None,
        total_pages_pointer: None,
        max_size_pointer: None,
        sort: None,
        bad_value: None,
        ordered_by: None,
        table: Vec::new(),
        hal_links: false,
        doc: position.doc,
    }))
}

/// A number a query parameter's schema states (`minimum`, `default`), where every
/// operation that has the parameter agrees on it.
fn schema_number(cx: &Cx, name: &str, key: &str) -> Option<u32> {
    let mut seen = None;
    for item in cx.doc.get("paths")?.as_object()?.values() {
        let item = cx.deref(item).ok()?;
        // A path item's own parameters hold for each of its operations.
        let shared = item.get("parameters").into_iter();
        let own = item
            .as_object()?
            .values()
            .filter_map(|op| op.get("parameters"));
        for p in shared.chain(own).filter_map(Value::as_array).flatten() {
            let Ok(p) = cx.deref(p) else { continue };
            if p.get("name").and_then(Value::as_str) != Some(name) {
                continue;
            }
            let n = p
                .get("schema")
                .and_then(|s| s.get(key))
                .and_then(Value::as_u64)?;
            match seen {
                None => seen = Some(n),
                Some(m) if m == n => {}
                Some(_) => return None,
            }
        }
    }
    seen.and_then(|n| u32::try_from(n).ok())
}

/// Every integer named like a count of all items, outside the items
/// themselves, with the rank of its name and its pointer.
fn total_pointers(
    cx: &Cx,
    s: &Value,
    at: &str,
    depth: u8,
    out: &mut Vec<(usize, String)>,
) -> Found<()> {
    let s = cx.deref(s)?;
    if depth > 3 {
        return Ok(());
    }
    for (k, v) in s
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let v = cx.deref(v)?;
        let here = format!("{at}/{}", escape(k));
        match kind_of(v) {
            Kind::Int => {
                if let Some(rank) = TOTALS.iter().position(|n| n == k) {
                    out.push((rank, here));
                }
            }
            Kind::Object => total_pointers(cx, v, &here, depth + 1, out)?,
            _ => {}
        }
    }
    Ok(())
}
