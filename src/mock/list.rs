//! Lists: filters, search, sorting and paging, each as the spec describes it, and
//! the faults that break them.

use axum::response::Response;
use serde_json::{Value, json};

use super::faults::{Fault, Faults};
use super::pointer::{get_path, set};
use super::serve::{error, json_response, same_id};
use super::table::{Slot, Table};
use crate::spec::{Operation, PageStyle, ParamRole, Resource, Spec};
use crate::value::{order as compare, text};

pub struct Listing<'a> {
    pub spec: &'a Spec,
    pub op: &'a Operation,
    pub r: &'a Resource,
    pub query: &'a [(String, String)],
    pub faults: &'a Faults,
    /// Whether the caller owns an item (`only_mine`).
    pub mine: &'a dyn Fn(&Value) -> bool,
    /// Counts requests, so `unstable-order` differs from one to the next.
    pub nonce: u64,
    /// The only records in question (the children of one parent), when not all.
    pub only: Option<Vec<Slot>>,
    /// The request's own URL, for a HAL `self` link.
    pub self_url: String,
}

/// What a list serves from: every record in id order, read page by page, or the
/// records a filter or sort picked, computed in full.
enum Selection<'t> {
    All(&'t Table),
    Picked(Vec<Value>),
}

impl Selection<'_> {
    fn len(&self) -> usize {
        match self {
            Selection::All(t) => t.len(),
            Selection::Picked(v) => v.len(),
        }
    }

    fn page(&self, offset: usize, size: usize) -> Vec<Value> {
        match self {
            Selection::All(t) => t.page(offset, size),
            Selection::Picked(v) => v.iter().skip(offset).take(size).cloned().collect(),
        }
    }
}

/// Whether a request needs every record computed: it filters, sorts, or the
/// order is to be broken.
fn needs_all(l: &Listing) -> bool {
    let sort = l.spec.pagination.as_ref().and_then(|p| p.sort.as_ref());
    l.faults.has(Fault::UnstableOrder)
        || l.query.iter().any(|(k, _)| {
            field_filter(l.spec, l.r, k, "").is_some()
                || l.spec
                    .filtering
                    .as_ref()
                    .is_some_and(|f| f.field_param == *k)
                || sort.is_some_and(|s| s.param == *k)
                || l.op.params.iter().any(|p| p.name == *k && p.role.is_some())
        })
}

pub fn list(l: &Listing, table: &Table) -> Response {
    let selection = if let Some(only) = &l.only {
        let filtering = !l.faults.has(Fault::IgnoreFilter);
        let picked: Vec<Value> = only
            .iter()
            .map(|s| table.get(*s))
            .filter(|item| !filtering || keep(l, item))
            .collect();
        let mut refs: Vec<&Value> = picked.iter().collect();
        order(l, &mut refs);
        Selection::Picked(refs.into_iter().cloned().collect())
    } else if needs_all(l) {
        // Records are computed one at a time; only those kept are held.
        let filtering = !l.faults.has(Fault::IgnoreFilter);
        let picked: Vec<Value> = table
            .slots()
            .map(|s| table.get(s))
            .filter(|item| !filtering || keep(l, item))
            .collect();
        let mut refs: Vec<&Value> = picked.iter().collect();
        order(l, &mut refs);
        Selection::Picked(refs.into_iter().cloned().collect())
    } else {
        Selection::All(table)
    };
    serve(l, table, &selection)
}

fn serve(l: &Listing, table: &Table, selected: &Selection) -> Response {
    let (spec, op, r) = (l.spec, l.op, l.r);
    let mut body = Value::Null;
    let page_items: Vec<Value> = match (&spec.pagination, op.paginated) {
        (Some(p), true) => {
            let number = |name: &str| -> Result<Option<u64>, ()> {
                match l.query.iter().find(|(k, _)| k == name) {
                    None => Ok(None),
                    Some((_, v)) => v.parse().map(Some).map_err(|_| ()),
                }
            };
            let (Ok(asked_size), Ok(asked_position)) =
                (number(&p.size_param), number(&p.position_param))
            else {
                if l.faults.has(Fault::ServerErrorOnBadParam) {
                    return error(spec, 500, "Internal Server Error");
                }
                // Where the document gives no answer to a bad value, the default
                // stands in for it.
                if let Some(bad) = &p.bad_value {
                    return error(spec, bad.status, "invalid literal for int() with base 10");
                }
                let rest: Vec<(String, String)> = l
                    .query
                    .iter()
                    .filter(|(k, _)| *k != p.size_param && *k != p.position_param)
                    .cloned()
                    .collect();
                return list(
                    &Listing {
                        query: &rest,
                        only: l.only.clone(),
                        self_url: l.self_url.clone(),
                        ..*l
                    },
                    table,
                );
            };
            let total = selected.len() as u64;
            let max = match (l.faults.has(Fault::IgnoreMaxPageSize), p.max_size) {
                (false, Some(m)) => u64::from(m),
                _ => u64::MAX,
            };
            let default = p.default_size.map_or(total, u64::from);
            let size = match l.faults.has(Fault::IgnorePageSize) {
                true => default,
                false => asked_size.unwrap_or(default),
            }
            .min(max);
            let first = u64::from(p.first_page.unwrap_or(0));
            let (mut offset, position) = match p.style {
                PageStyle::Page => {
                    let page = asked_position.unwrap_or(first).max(first);
                    ((page - first).saturating_mul(size), page)
                }
                PageStyle::Offset => {
                    let offset = asked_position.unwrap_or(0);
                    (offset, offset)
                }
            };
            if l.faults.has(Fault::OffByOnePages) {
                offset = offset.saturating_add(size);
            }
            if l.faults.has(Fault::DuplicateAcrossPages) && offset > 0 {
                offset -= 1;
            }
            let reported = total + u64::from(l.faults.has(Fault::WrongTotalCount));
            set(&mut body, &p.total_pointer, json!(reported));
            if let Some(ptr) = &p.position_pointer {
                set(&mut body, ptr, json!(position));
            }
            if let Some(ptr) = &p.size_pointer {
                set(&mut body, ptr, json!(size));
            }
            if let Some(ptr) = &p.total_pages_pointer {
                let pages = if size == 0 { 0 } else { total.div_ceil(size) };
                let pages = pages + u64::from(l.faults.has(Fault::WrongTotalPages));
                set(&mut body, ptr, json!(pages));
            }
            if let (Some(ptr), Some(m)) = (&p.max_size_pointer, p.max_size) {
                set(&mut body, ptr, json!(m));
            }
            if p.hal_links {
                set(&mut body, "/_links/self/href", json!(l.self_url));
            }
            selected.page(
                usize::try_from(offset).unwrap_or(usize::MAX),
                usize::try_from(size).unwrap_or(usize::MAX),
            )
        }
        _ => selected.page(0, usize::MAX),
    };
    let mut shown: Vec<Value> = page_items
        .into_iter()
        .map(|i| shape(spec, r, l.query, l.faults.present(spec, r, &i)))
        .collect();
    gather(l, &mut shown, &mut body);
    let items_pointer = op
        .items_pointer
        .clone()
        .unwrap_or_else(|| r.pointer(&spec.envelope.list));
    set(&mut body, &items_pointer, Value::Array(shown));
    json_response(spec, 200, body)
}

/// A shape parameter (`childCount`) adds the field named after it
/// (`omero:childCount`) only when asked for; without it the field is left out.
pub fn shape(spec: &Spec, r: &Resource, query: &[(String, String)], mut item: Value) -> Value {
    let Value::Object(m) = &mut item else {
        return item;
    };
    // Any operation of the resource may take the parameter; the field follows it in
    // all of them.
    let shapes = spec
        .operations
        .iter()
        .filter(|o| o.resource.as_deref() == Some(r.name.as_str()))
        .flat_map(|o| &o.params)
        .filter(|p| p.role == Some(ParamRole::Shape));
    let mut done = std::collections::HashSet::new();
    for p in shapes.filter(|p| done.insert(p.name.clone())) {
        let asked = query.iter().any(|(k, v)| *k == p.name && v == "true");
        let named = |k: &String| {
            let last = k.rsplit([':', '.']).next().unwrap_or(k);
            last.eq_ignore_ascii_case(&p.name)
        };
        if !asked {
            m.retain(|k, _| !named(k));
            continue;
        }
        // Each kind of child the API nests under this resource
        // (`/projects/{id}/datasets/`) holds the one related record the mock has.
        let plural = format!("/{}/{{", r.plural());
        let kinds = spec
            .operations
            .iter()
            .filter(|o| o.kind == crate::spec::OperationKind::List && o.path.contains(&plural))
            .count();
        for f in r.fields.iter().filter(|f| named(&f.path)) {
            m.insert(f.path.clone(), json!(kinds));
        }
    }
    item
}

/// Shape parameters that move values out of the items (`normalize=true`): each
/// value once, in the list the spec names.
fn gather(l: &Listing, items: &mut [Value], body: &mut Value) {
    let asked = l.op.params.iter().filter(|p| {
        p.role == Some(ParamRole::Shape) && l.query.iter().any(|(k, v)| *k == p.name && v == "true")
    });
    for mv in asked.flat_map(|p| &p.moves) {
        let mut list: Vec<Value> = Vec::new();
        for item in items.iter_mut() {
            let mut steps: Vec<&str> = mv.from.split('.').collect();
            let Some(last) = steps.pop() else { continue };
            let parent = steps.iter().try_fold(&mut *item, |v, k| v.get_mut(*k));
            if let Some(Value::Object(m)) = parent
                && let Some(v) = m.remove(last)
                && !list.contains(&v)
            {
                list.push(v);
            }
        }
        set(body, &mv.to, Value::Array(list));
    }
}

/// Whether an item passes every filter of the request.
fn keep(l: &Listing, item: &Value) -> bool {
    let (spec, op, r) = (l.spec, l.op, l.r);
    l.query.iter().all(|(name, value)| {
        if let Some((field, wanted)) = field_filter(spec, r, name, value) {
            return wanted.split(',').any(|x| matches(item, &field, x));
        }
        let Some(p) = op.params.iter().find(|p| &p.name == name) else {
            return true;
        };
        match p.role {
            Some(ParamRole::Filter) if !p.matches.is_empty() => {
                // A comma list is a union of values.
                let values: Vec<&str> = if p.list {
                    value.split(',').collect()
                } else {
                    vec![value.as_str()]
                };
                values
                    .iter()
                    .any(|x| p.matches.iter().any(|path| matches(item, path, x)))
            }
            Some(ParamRole::Search) => {
                let term = value.to_lowercase();
                r.fields.iter().filter(|f| f.filterable).any(|f| {
                    get_path(item, &f.path).is_some_and(|v| text(v).to_lowercase().contains(&term))
                })
            }
            Some(ParamRole::Mine) if value == "true" => (l.mine)(item),
            Some(ParamRole::Query) => {
                if value.split(':').all(|part| part == "*") {
                    return true;
                }
                // The same form as the field filter's value (`field:value`).
                let filtering = spec.filtering.as_ref();
                let as_filter = filtering.map(|f| f.field_param.replace("{name}", &r.name));
                match as_filter.and_then(|name| field_filter(spec, r, &name, value)) {
                    Some((field, wanted)) => wanted.split(',').any(|x| matches(item, &field, x)),
                    None => false,
                }
            }
            _ => true,
        }
    })
}

/// Whether an item holds `value` under a field path, stepping into arrays (`a[].b`).
fn matches(item: &Value, path: &str, value: &str) -> bool {
    fn walk(v: &Value, steps: &[&str], value: &str) -> bool {
        match (steps.split_first(), v) {
            (None, Value::Array(a)) => a.iter().any(|x| same_id(x, value)),
            (None, v) => same_id(v, value),
            (Some((step, rest)), v) => {
                let (key, arrays) = match step.strip_suffix("[]") {
                    Some(k) => (k, true),
                    None => (*step, false),
                };
                let Some(child) = (if key.is_empty() { Some(v) } else { v.get(key) }) else {
                    return false;
                };
                match (arrays, child) {
                    (true, Value::Array(a)) => a.iter().any(|x| walk(x, rest, value)),
                    (true, _) => false,
                    (false, c) => walk(c, rest, value),
                }
            }
        }
    }
    let steps: Vec<&str> = path.split('.').collect();
    walk(item, &steps, value)
}

/// The documented order, a requested sort, or (faulty) a different one each time.
fn order(l: &Listing, selected: &mut [&Value]) {
    let Some(p) = &l.spec.pagination else {
        return;
    };
    if let Some(o) = &p.ordered_by {
        selected.sort_by(|a, b| compare(get_path(a, &o.field), get_path(b, &o.field)));
    }
    if let Some(sort) = p.sort.as_ref().filter(|_| !l.faults.has(Fault::IgnoreSort))
        && let Some((_, value)) = l.query.iter().find(|(k, _)| *k == sort.param)
    {
        let (field, direction) = value.split_once(',').unwrap_or((value, "ASC"));
        selected.sort_by(|a, b| compare(get_path(a, field), get_path(b, field)));
        if direction.eq_ignore_ascii_case("DESC") {
            selected.reverse();
        }
    }
    if l.faults.has(Fault::UnstableOrder) && selected.len() > 1 {
        // Never the documented order, and never the same twice in a row.
        let k = 1 + (l.nonce as usize) % (selected.len() - 1);
        selected.rotate_left(k);
    }
}

/// The field a query parameter filters on, by the spec's filter template.
/// The field and value a query parameter filters on, by the spec's filter
/// templates: the field in the name (`plant_line[query][name]=v`) or in the value
/// (Solr's `fq=name:v`).
fn field_filter(spec: &Spec, r: &Resource, name: &str, value: &str) -> Option<(String, String)> {
    let f = spec.filtering.as_ref()?;
    let template = f.field_param.replace("{name}", &r.name);
    let (field, wanted) = match template.split_once("{field}") {
        Some((pre, post)) => {
            let field = name.strip_prefix(pre)?.strip_suffix(post)?;
            (field.to_string(), value.to_string())
        }
        None if name == template => {
            let (pre, rest) = f.field_value.split_once("{field}")?;
            // Quoted or not, as Solr takes both (`sex:"Male"`, `sex:Male`).
            let sep = rest
                .split("{value}")
                .next()
                .unwrap_or("")
                .trim_end_matches('"');
            let body = value.strip_prefix(pre)?;
            let (field, v) = if sep.is_empty() {
                (body, "")
            } else {
                body.split_once(sep)?
            };
            (field.to_string(), v.trim_matches('"').to_string())
        }
        None => return None,
    };
    r.field(&field)
        .filter(|f| f.filterable)
        .map(|f| (f.path.clone(), wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_step_into_arrays() {
        let item = json!({"a": [{"b": {"c": "X"}}, {"b": {"c": "Y"}}], "t": ["p", "q"], "n": 5});
        assert!(matches(&item, "a[].b.c", "Y"));
        assert!(!matches(&item, "a[].b.c", "Z"));
        assert!(matches(&item, "t", "q"));
        assert!(matches(&item, "n", "5"));
    }
}
