//! Writes: create, update, delete and actions, checked against the tables the way
//! the document says (required and readonly attributes, unknown attributes,
//! references that must exist, ownership), each refusal answered with the outcome
//! the spec gives for its condition.

use std::collections::HashMap;

use super::table::Tables;
use std::time::SystemTime;

use axum::response::Response;
use serde_json::{Map, Value, json};

use super::faults::Fault;
use super::pointer::set;
use super::serve::{Request, error, json_response};
use crate::spec::{Condition, Kind, Operation, Resource, Rule, Spec};

/// Who owns an item and when it was published; items without an entry were seeded
/// and belong to someone else.
#[derive(Debug, Clone)]
pub struct Meta {
    pub owner: String,
    pub published_at: Option<SystemTime>,
}

pub type Metas = HashMap<(String, String), Meta>;

/// The status and error body the spec gives an operation for a condition, or a
/// fallback where the document names none.
fn outcome(op: &Operation, condition: Condition, fallback: u16) -> u16 {
    let tagged = op.responses.iter().find(|r| r.condition == Some(condition));
    // Success without a tag: the operation's first documented 2xx (gentar creates
    // answer 200, OMERO's 201).
    let success = || {
        (condition == Condition::Ok)
            .then(|| op.responses.iter().find(|r| (200..300).contains(&r.status)))
            .flatten()
    };
    tagged.or_else(success).map_or(fallback, |r| r.status)
}

fn problems(spec: &Spec, status: u16, list: &[(String, String)]) -> Response {
    let Some(body) = spec.errors.iter().find(|e| e.statuses.contains(&status)) else {
        return error(
            spec,
            status,
            &list.first().map(|p| p.1.clone()).unwrap_or_default(),
        );
    };
    match &body.template {
        // A template listing one problem ({attribute}) is repeated for each.
        Some(t) if t.to_string().contains("{attribute}") => {
            json_response(spec, status, repeat(t, list))
        }
        _ => error(
            spec,
            status,
            &list
                .iter()
                .map(|(a, m)| format!("{a}: {m}"))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

fn repeat(t: &Value, list: &[(String, String)]) -> Value {
    match t {
        Value::Array(a) if a.len() == 1 && a[0].to_string().contains("{attribute}") => {
            Value::Array(
                list.iter()
                    .map(|(attr, msg)| fill(&a[0], attr, msg))
                    .collect(),
            )
        }
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), repeat(v, list)))
                .collect(),
        ),
        v => v.clone(),
    }
}

fn fill(t: &Value, attribute: &str, message: &str) -> Value {
    match t {
        Value::String(s) => Value::String(
            s.replace("{attribute}", attribute)
                .replace("{message}", message),
        ),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), fill(v, attribute, message)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| fill(v, attribute, message)).collect()),
        v => v.clone(),
    }
}

/// Attributes whose value is not of the type the table gives: a server that
/// kept them would answer with items its own document says cannot be.
fn mistyped(r: &Resource, item: &Map<String, Value>) -> Vec<(Condition, String, String)> {
    item.iter()
        .filter_map(|(key, value)| {
            let f = r.field(key)?;
            // A table that types a field `Null` saw only a null (REST Docs types
            // by the sample): it says nothing of other values.
            let untyped = f.ty.kind == crate::spec::Kind::Null;
            (!value.is_null() && !f.readonly && !untyped && !f.ty.admits(value)).then(|| {
                (
                    Condition::BadBody,
                    key.clone(),
                    format!("Is not {} {}", article(&f.ty.to_string()), f.ty),
                )
            })
        })
        .collect()
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// What is wrong with a create body, attribute by attribute, grouped by condition.
fn check_body(
    spec: &Spec,
    r: &Resource,
    item: &Map<String, Value>,
    tables: &Tables,
) -> Vec<(Condition, String, String)> {
    let mut out = Vec::new();
    let server_set: Vec<&str> = spec
        .representation
        .server_set
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    for key in item.keys() {
        match r.field(key) {
            None if r.rejects_unknown && !server_set.contains(&key.as_str()) => out.push((
                Condition::UnknownAttribute,
                key.clone(),
                "Unrecognized attribute name".into(),
            )),
            Some(f) if f.readonly => out.push((
                Condition::ReadonlyAttribute,
                key.clone(),
                "Attribute is readonly".into(),
            )),
            _ => {}
        }
    }
    out.extend(mistyped(r, item));
    let given = |k: &str| item.get(k).is_some_and(|v| !v.is_null());
    for f in r
        .fields
        .iter()
        .filter(|f| !f.path.contains('.') && !f.path.contains("[]"))
    {
        let required = f.required
            || f.required_if.as_deref().is_some_and(|cond| {
                // `no plant_variety_id`: required unless that attribute is given.
                cond.strip_prefix("no ")
                    .is_some_and(|other| !given(other.trim()))
            });
        if required && !given(&f.path) {
            out.push((
                Condition::MissingRequired,
                f.path.clone(),
                "Can't be blank".into(),
            ));
        }
    }
    for rule in &r.rules {
        if let Rule::OneOf { fields, .. } = rule
            && fields.iter().filter(|f| given(f)).count() > 1
        {
            out.push((
                Condition::UnknownAttribute,
                fields.join(", "),
                "Only one of these may be given".into(),
            ));
        }
    }
    for (key, value) in item {
        let Some(target) = reference_target(spec, r, key) else {
            continue;
        };
        let exists = tables
            .get(target)
            .is_some_and(|t| t.find(&super::serve::id_text(value)).is_some());
        if !value.is_null() && !exists {
            out.push((
                Condition::BadReference,
                key.clone(),
                format!("Key ({key})=({value}) is not present in table \"{target}\""),
            ));
        }
    }
    out
}

/// The resource an `X_id` attribute points at, when `X` is one.
fn reference_target<'s>(spec: &'s Spec, r: &Resource, key: &str) -> Option<&'s str> {
    let base = key.strip_suffix("_id")?;
    let f = r.field(key)?;
    if f.ty.kind != Kind::Int || Some(key) == r.id_field.as_deref() {
        return None;
    }
    spec.resources
        .iter()
        .filter(|t| base == t.name || base.ends_with(&format!("_{}", t.name)))
        .max_by_key(|t| t.name.len())
        .map(|t| t.name.as_str())
}

pub struct Ctx<'a> {
    pub spec: &'a Spec,
    pub op: &'a Operation,
    pub r: &'a Resource,
    pub req: &'a Request<'a>,
    pub user: &'a str,
    pub faults: &'a super::faults::Faults,
    pub histories: &'a std::sync::Mutex<super::history::Histories>,
    /// How long a published item stays revocable, when the spec says.
    pub revocable: Option<std::time::Duration>,
}

/// What a write answers: the item in its envelope, or, where the operation's table
/// describes change records, the record of this change and the item's links.
fn answer_write(
    c: &Ctx,
    status: u16,
    item: &Value,
    id: &str,
    comment: &str,
    changes: &[super::history::Change],
) -> Response {
    let (spec, op, r) = (c.spec, c.op, c.r);
    let enveloped = || {
        let mut body = Value::Null;
        set(
            &mut body,
            &r.pointer(&spec.envelope.single),
            without_writeonly(r, item),
        );
        json_response(spec, status, body)
    };
    let Some(h) = &spec.history else {
        return enveloped();
    };
    let mut log = c.histories.lock().expect("no handler panics holding it");
    let records = log.entry((r.name.clone(), id.to_string())).or_default();
    // An item the mock seeded was created before anything else happened to it.
    if records.is_empty() && !changes.is_empty() {
        records.push(super::history::record(
            h,
            (1, super::history::SEEDED),
            "assay-mock",
            &format!("{} created", label(r)),
            &[],
        ));
    }
    let now = super::serve::now_iso();
    let rec = super::history::record(h, (records.len() + 1, &now), c.user, comment, changes);
    records.push(rec.clone());
    match super::history::records_key(h, op) {
        Some(key) => {
            let mut body = json!({});
            if let Some(links) = item.get("_links") {
                body["_links"] = links.clone();
            }
            body[&key] = json!([rec]);
            json_response(spec, status, body)
        }
        None => enveloped(),
    }
}

pub fn create(c: &Ctx, tables: &mut Tables, metas: &mut Metas) -> Response {
    let (spec, op, r) = (c.spec, c.op, c.r);
    let bad_body = |msg: &str| error(spec, outcome(op, Condition::BadBody, 400), msg);
    let Ok(body) = serde_json::from_slice::<Value>(c.req.body) else {
        return bad_body("The body is not valid JSON");
    };
    let Some(Value::Object(item)) = body.pointer(&r.pointer(&spec.envelope.request)).cloned()
    else {
        return bad_body("The body does not hold the item where the API expects it");
    };
    let found: Vec<_> = check_body(spec, r, &item, tables)
        .into_iter()
        .filter(|(cond, _, _)| {
            let skip = match cond {
                Condition::UnknownAttribute => Fault::AcceptUnknownAttribute,
                Condition::MissingRequired => Fault::AcceptMissingRequired,
                Condition::ReadonlyAttribute => Fault::ReadonlyWritable,
                _ => return true,
            };
            !c.faults.has(skip)
        })
        .collect();
    if let Some((condition, _, _)) = found.first() {
        let status = outcome(
            op,
            *condition,
            outcome(op, Condition::UnknownAttribute, 422),
        );
        let same: Vec<(String, String)> = found
            .iter()
            .filter(|(c, _, _)| outcome(op, *c, status) == status)
            .map(|(_, a, m)| (a.clone(), m.clone()))
            .collect();
        return problems(spec, status, &same);
    }
    let Some(items) = tables.get_mut(&r.name) else {
        return error(spec, 500, "No table for this resource");
    };
    // An id the client may set (a person's email) is kept; otherwise the server
    // assigns the next one.
    let given = r.id_field.as_deref().and_then(|f| {
        let field = r.field(f)?;
        (!field.readonly).then(|| item.get(f).cloned()).flatten()
    });
    let mut stored = Value::Object(item);
    let id = given.unwrap_or_else(|| items.next_id());
    if let Some(id_field) = &r.id_field {
        set(&mut stored, &pointer(id_field), id.clone());
    }
    for f in &spec.representation.server_set {
        if c.faults.has(Fault::NoServerSetFields) {
            if let Value::Object(m) = &mut stored {
                m.remove(&f.path);
            }
            continue;
        }
        let value = match f.ty.kind {
            Kind::Date => json!(super::serve::today()),
            _ => json!(c.user),
        };
        set(&mut stored, &pointer(&f.path), value);
    }
    let published = stored.get("published").is_none_or(|p| p != &json!(false));
    metas.insert(
        (r.name.clone(), key(&id)),
        Meta {
            owner: c.user.to_string(),
            published_at: published.then(SystemTime::now),
        },
    );
    let slot = items.push(stored);
    let stored = items.get(slot);
    let comment = format!("{} created", label(r));
    answer_write(
        c,
        outcome(op, Condition::Ok, 201),
        &stored,
        &key(&id),
        &comment,
        &[],
    )
}

pub fn delete(c: &Ctx, id: &str, tables: &mut Tables, metas: &mut Metas) -> Response {
    let (spec, op, r) = (c.spec, c.op, c.r);
    let (items, at) = match owned(c, id, tables, metas) {
        Ok(found) => found,
        Err(refused) => return *refused,
    };
    let removed = items.get(at);
    items.remove(at);
    metas.remove(&(r.name.clone(), id.to_string()));
    let status = outcome(op, Condition::Ok, 204);
    if status == 204 {
        return axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT);
    }
    // Some APIs answer a delete with the object deleted.
    let mut body = Value::Null;
    set(
        &mut body,
        &r.pointer(&spec.envelope.single),
        without_writeonly(r, &removed),
    );
    json_response(spec, status, body)
}

/// An update: the body replaces the item it names (by id in the path, or in the
/// body itself for APIs that save objects whole); readonly attributes keep their
/// values.
pub fn update(c: &Ctx, path_id: Option<&str>, tables: &mut Tables, metas: &mut Metas) -> Response {
    let (spec, op, r) = (c.spec, c.op, c.r);
    let bad_body = |msg: &str| error(spec, outcome(op, Condition::BadBody, 400), msg);
    let Ok(body) = serde_json::from_slice::<Value>(c.req.body) else {
        return bad_body("The body is not valid JSON");
    };
    let Some(Value::Object(mut item)) = body.pointer(&r.pointer(&spec.envelope.request)).cloned()
    else {
        return bad_body("The body does not hold the item where the API expects it");
    };
    let wrong: Vec<(String, String)> = mistyped(r, &item)
        .into_iter()
        .map(|(_, a, m)| (a, m))
        .collect();
    if !wrong.is_empty() {
        let status = outcome(
            op,
            Condition::BadBody,
            outcome(op, Condition::UnknownAttribute, 422),
        );
        return problems(spec, status, &wrong);
    }
    let id_field = r.id_field.as_deref().unwrap_or("id");
    let id = match path_id {
        Some(id) => id.to_string(),
        None => match item.get(id_field) {
            Some(v) => super::serve::id_text(v),
            None => return bad_body(&format!("The item names no `{id_field}`")),
        },
    };
    let Some(items) = tables.get_mut(&r.name) else {
        return error(spec, 404, "Resource not found");
    };
    let Some(at) = items.find(&id) else {
        return error(
            spec,
            outcome(op, Condition::NotFound, 404),
            "Resource not found",
        );
    };
    if let Some(refused) = ownership(c, &id, metas) {
        return refused;
    }
    let current = items.get(at);
    let Value::Object(old) = &current else {
        return error(spec, 500, "Stored item is not an object");
    };
    for f in r
        .fields
        .iter()
        .filter(|f| f.readonly && !f.path.contains('.'))
    {
        match old.get(&f.path) {
            Some(v) => {
                item.insert(f.path.clone(), v.clone());
            }
            None => {
                item.remove(&f.path);
            }
        }
    }
    let mut stored = Value::Object(item);
    set(
        &mut stored,
        &pointer(id_field),
        old.get(id_field).cloned().unwrap_or(json!(id)),
    );
    let before = current.clone();
    if let Some(sm) = &spec.state_machine
        && let Err(why) = super::history::transition(sm, &before, &mut stored)
    {
        return error(spec, outcome(op, Condition::BadBody, 400), &why);
    }
    // Links are the server's; what the client sends of them changes nothing.
    if let (Some(links), Value::Object(m)) = (before.get("_links"), &mut stored) {
        m.insert("_links".into(), links.clone());
    }
    let mut changes = super::history::diff(&before, &stored);
    if c.faults.has(Fault::LostWrites) {
        // Nothing is kept, and nothing is recorded.
        changes.clear();
    } else {
        items.set(at, stored.clone());
    }
    let comment = format!("{} updated", label(r));
    answer_write(
        c,
        outcome(op, Condition::Ok, 200),
        &stored,
        &id,
        &comment,
        &changes,
    )
}

/// The change records of an item; an item the mock seeded has its creation.
pub fn history(c: &Ctx, id: &str, tables: &Tables) -> Response {
    let (spec, op, r) = (c.spec, c.op, c.r);
    if tables.get(&r.name).and_then(|t| t.find(id)).is_none() {
        return error(
            spec,
            outcome(op, Condition::NotFound, 404),
            "Resource not found",
        );
    }
    let Some(h) = &spec.history else {
        return json_response(spec, 200, json!([]));
    };
    let mut log = c.histories.lock().expect("no handler panics holding it");
    let records = log.entry((r.name.clone(), id.to_string())).or_default();
    if records.is_empty() {
        let created = format!("{} created", label(r));
        let at = (1, super::history::SEEDED);
        records.push(super::history::record(h, at, "assay-mock", &created, &[]));
    }
    json_response(spec, 200, Value::Array(records.clone()))
}

/// An action (`publish`, `revoke`): sets what the spec says on the item.
pub fn act(c: &Ctx, id: &str, tables: &mut Tables, metas: &mut Metas) -> Response {
    let (spec, op, r) = (c.spec, c.op, c.r);
    let (items, at) = match owned(c, id, tables, metas) {
        Ok(found) => found,
        Err(refused) => return *refused,
    };
    let mut changed = items.get(at);
    if let (Some(Value::Object(sets)), Value::Object(item)) = (&op.sets, &mut changed) {
        for (k, v) in sets {
            item.insert(k.clone(), v.clone());
        }
        if let (Some(published), Some(meta)) = (
            sets.get("published"),
            metas.get_mut(&(r.name.clone(), id.to_string())),
        ) {
            meta.published_at = (published == &json!(true)).then(SystemTime::now);
        }
    }
    let mut body = Value::Null;
    set(
        &mut body,
        &r.pointer(&spec.envelope.single),
        without_writeonly(r, &changed),
    );
    if !c.faults.has(Fault::LostWrites) {
        items.set(at, changed);
    }
    json_response(spec, outcome(op, Condition::Ok, 200), body)
}

/// The record a write names, if it exists and the caller may change it.
fn owned<'t>(
    c: &Ctx,
    id: &str,
    tables: &'t mut Tables,
    metas: &Metas,
) -> Result<(&'t mut super::table::Table, super::table::Slot), Box<Response>> {
    let (spec, op, r) = (c.spec, c.op, c.r);
    let not_found = || {
        Box::new(error(
            spec,
            outcome(op, Condition::NotFound, 404),
            "Resource not found",
        ))
    };
    let items = tables.get_mut(&r.name).ok_or_else(not_found)?;
    let at = items.find(id).ok_or_else(not_found)?;
    if let Some(refused) = ownership(c, id, metas) {
        return Err(Box::new(refused));
    }
    Ok((items, at))
}

/// The caller may change only what it owns; what it published longer ago than
/// the spec's revocation window is permanent.
fn ownership(c: &Ctx, id: &str, metas: &Metas) -> Option<Response> {
    let (spec, op, r) = (c.spec, c.op, c.r);
    // Only where the document gives outcomes for them is ownership enforced.
    let documented = |cond| op.responses.iter().any(|x| x.condition == Some(cond));
    if !documented(Condition::NotOwner) && !documented(Condition::Irrevocable) {
        return None;
    }
    let meta = metas.get(&(r.name.clone(), id.to_string()));
    if meta.is_none_or(|m| m.owner != c.user) {
        let status = outcome(op, Condition::NotOwner, 403);
        return Some(error(
            spec,
            status,
            "API key owner and resource owner mismatch",
        ));
    }
    let window = c.revocable?;
    if meta
        .and_then(|m| m.published_at)
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age >= window)
    {
        let status = outcome(op, Condition::Irrevocable, 403);
        return Some(error(
            spec,
            status,
            "This resource is already published and irrevocable",
        ));
    }
    None
}

fn key(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

fn pointer(path: &str) -> String {
    path.split('.').map(|k| format!("/{k}")).collect()
}

fn without_writeonly(r: &Resource, item: &Value) -> Value {
    let mut out = item.clone();
    if let Value::Object(m) = &mut out {
        for f in r.fields.iter().filter(|f| f.writeonly) {
            m.remove(&f.path);
        }
    }
    out
}

/// `phenotyping_stage` → `Phenotyping stage`, as change records name things.
fn label(r: &Resource) -> String {
    let words = r.name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => words,
    }
}
