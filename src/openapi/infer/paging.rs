//! Paging from well-known parameter names and a total the list response carries.

use std::collections::BTreeMap;

use serde_json::Value;

use super::reader::{Cx, escape, kind_of, success_schema};
use super::{Found, base_path};
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
const TOTALS: [&str; 8] = [
    "total",
    "total_count",
    "totalCount",
    "totalElements",
    "total_results",
    "totalResults",
    "numFound",
    "count",
];

/// Paging from well-known parameter names, where every list that has them
/// answers with a total.
pub(super) fn pagination(cx: &Cx, ops: &mut [Operation]) -> Found<Option<Pagination>> {
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
        let list_op = cx
            .doc
            .pointer(&format!(
                "/paths/{}/get",
                escape(o.path.strip_prefix(&base_path(cx.doc)).unwrap_or(&o.path))
            ))
            .ok_or("a list operation vanished")?;
        let Some((s, _)) = success_schema(cx, list_op)? else {
            continue;
        };
        let found = total_pointer(cx, &s, "", 0)?;
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
        for op in item.as_object()?.values() {
            for p in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
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
    }
    seen.and_then(|n| u32::try_from(n).ok())
}

/// Pointer to an integer count of all items, outside the items themselves.
fn total_pointer(cx: &Cx, s: &Value, at: &str, depth: u8) -> Found<Option<String>> {
    let s = cx.deref(s)?;
    if depth > 3 {
        return Ok(None);
    }
    let props = s.get("properties").and_then(Value::as_object);
    for name in TOTALS {
        if let Some(v) = props.and_then(|p| p.get(name))
            && kind_of(cx.deref(v)?) == Kind::Int
        {
            return Ok(Some(format!("{at}/{}", escape(name))));
        }
    }
    for (k, v) in props.into_iter().flatten() {
        let v = cx.deref(v)?;
        if kind_of(v) == Kind::Object
            && let Some(p) = total_pointer(cx, v, &format!("{at}/{}", escape(k)), depth + 1)?
        {
            return Ok(Some(p));
        }
    }
    Ok(None)
}
