//! Write and state cases, run only with writes allowed. Each starts from a body the
//! document itself shows for the operation, so a case never invents data: the
//! example creates; without one of its required fields it is refused naming the
//! field; with an attribute the table does not list it is refused; a readonly field
//! it tries to set is not set. Whatever a case creates is deleted afterwards.

use serde_json::{Map, Value, json};

use super::{
    Case, Check, Cleanup, Expect, Gen, PointerValue, Request, Severity, Step, field_pointer,
};
use crate::spec::{
    Condition, ExampleKind, Kind, Method, Operation, OperationKind, Resource, Response,
};

pub(super) fn cases(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    if op.kind != OperationKind::Create {
        return;
    }
    let Some(r) = g.resource(op) else { return };
    let Some((example, doc)) = example_body(g, op) else {
        return;
    };
    let Some(super::Resolved {
        mut steps,
        query,
        path,
    }) = g.resolve(op)
    else {
        return;
    };
    let request_ptr = r.pointer(&g.spec.envelope.request);
    // An example that breaks the document's own table (a required field left out)
    // proves nothing about the server; lint reports it.
    if !fits(g, r, &example) {
        return;
    }
    let mut example = example;
    let Some(Value::Object(mut item)) = example.pointer(&request_ptr).cloned() else {
        return;
    };
    // The document's examples name items of its own deployment; a reference is
    // taken from the deployment under test instead.
    for (key, value) in item.iter_mut() {
        let target = r
            .field(key)
            .and_then(|f| g.spec.reference_target(f))
            .filter(|(_, many)| !many);
        let Some((target, _)) = target else {
            continue;
        };
        let Some(list) = g
            .list_of(&target.name)
            .filter(|l| super::placeholders(&l.path).is_empty())
        else {
            continue;
        };
        let Some(items) = g.items(list) else { continue };
        let name = format!("ref_{key}");
        let mut s = Step::new(Request {
            query: g.fixed_query(list),
            ..Request::get(&list.path)
        });
        let id = target.id_field.as_deref().unwrap_or("id");
        s.capture
            .insert(name.clone(), format!("{items}/0{}", field_pointer(id)));
        // An item the run did not create, which no other case deletes meanwhile.
        s.as_found = true;
        steps.push(s);
        *value = Value::String(format!("{{{name}}}"));
    }
    // A value the document calls unique is made the run's own, so that creates
    // collide neither with each other nor with what earlier runs left.
    for (key, value) in item.iter_mut() {
        let free = r
            .field(key)
            .is_some_and(|f| f.unique() && f.pattern.is_none() && f.values.is_empty());
        if let (true, Value::String(s)) = (free, &mut *value) {
            s.push_str(" {unique}");
        }
    }
    if let Some(slot) = example.pointer_mut(&request_ptr) {
        *slot = Value::Object(item.clone());
    }
    let single = g.single(r);
    let id_ptr = format!(
        "{single}{}",
        field_pointer(r.id_field.as_deref().unwrap_or("id"))
    );
    let cleanup = delete_path(g, r).map(|path| Cleanup {
        id: Some(id_ptr.clone()),
        method: Method::Delete,
        path,
        body: None,
    });
    let post = |body: Value| {
        let mut s = Step::new(Request {
            method: op.method,
            query: query.clone(),
            body: Some(body),
            ..Request::get(&path)
        });
        s.cleanup = cleanup.clone();
        s
    };
    let with_item = |item: Map<String, Value>| {
        let mut body = example.clone();
        if let Some(slot) = body.pointer_mut(&request_ptr) {
            *slot = Value::Object(item);
        }
        body
    };
    let case = |check, rest: &str, severity, doc: &crate::spec::DocRef, title, last: Vec<Step>| {
        let mut s = steps.clone();
        s.extend(last);
        Case::new(g.id(op, rest), check, severity, doc, title, s).writing()
    };
    let ok: Vec<&Response> = g.successes(op);
    let statuses: Vec<u16> = ok.iter().map(|x| x.status).collect();
    let sent: Map<String, Value> = item
        .iter()
        .filter(|(k, _)| r.field(k).is_some_and(|f| !f.readonly && !f.writeonly))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();

    // Where the document gives the response its own table (GenTaR answers with
    // the change history), the response is no item to compare with.
    let answers_item = op.response_fields.is_empty();
    let mut create = post(example.clone());
    if !statuses.is_empty() {
        create.expect.push(Expect::Status(statuses.clone()));
    }
    if let Some(schema) = g.response_schema(op) {
        create.expect.push(Expect::Schema(schema));
    }
    if answers_item {
        create.expect.push(Expect::Agrees(PointerValue {
            pointer: single.clone(),
            value: Value::Object(sent.clone()),
        }));
    }
    let implied = ok.iter().all(|x| x.implied);
    out.push(case(
        Check::Writes,
        "writes/create",
        Severity::implied(implied),
        &doc,
        "the document's example body creates an item".into(),
        vec![create],
    ));

    // Fields the server sets on every write appear, whatever the client sent.
    if answers_item {
        // Only where the item's table lists the field: a representation the
        // document leaves without it is not said to show it.
        for f in g
            .spec
            .representation
            .server_set
            .iter()
            .filter(|f| r.field(&f.path).is_some())
        {
            let mut s = post(example.clone());
            s.expect.push(Expect::Present(format!(
                "{single}{}",
                field_pointer(&f.path)
            )));
            out.push(case(
                Check::Writes,
                &format!("writes/server_set/{}", f.path),
                Severity::Must,
                &f.doc,
                format!("a created item carries `{}`, set by the server", f.path),
                vec![s],
            ));
        }
    }

    // After a delete the id answers the documented 404.
    let delete = g.spec.operation_of(&r.name, OperationKind::Delete);
    if let (Some(get), Some(del), true) = (get_path(g, r), delete, answers_item)
        && let Some(del_path) = delete_path(g, r)
    {
        let gone = g
            .spec
            .operation_of(&r.name, OperationKind::Get)
            .and_then(|o| {
                o.responses.iter().find(|x| {
                    x.condition == Some(Condition::NotFound)
                        || (x.status == 404 && x.condition.is_none())
                })
            });
        let deleted: Vec<u16> = g.successes(del).iter().map(|x| x.status).collect();
        if let (Some(gone), false) = (gone, deleted.is_empty()) {
            let mut create = post(example.clone());
            create.capture.insert("created".into(), id_ptr.clone());
            let mut remove = Step::new(Request {
                method: Method::Delete,
                ..Request::get(del_path)
            });
            remove.expect = vec![Expect::Status(deleted)];
            let mut read = Step::new(Request::get(get));
            read.expect = refused(gone);
            let mut steps = vec![create, remove, read];
            // Where the list filters on the id, it no longer holds the item either.
            let id_field = r.id_field.as_deref().unwrap_or("id");
            let list = g
                .list_of(&r.name)
                .filter(|l| super::placeholders(&l.path).is_empty());
            if let (Some(f), Some(list), Some(true)) = (
                &g.spec.filtering,
                list,
                r.field(id_field).map(|x| x.filterable),
            ) && f.field_param.contains("{field}")
                && let Some(items) = g.items(list)
            {
                steps.push(none_listed(f, r, id_field, "{created}", &list.path, items));
            }
            out.push(case(
                Check::State,
                "state/deleted",
                Severity::implied(gone.implied),
                &del.doc,
                format!("after a delete, the id answers {}", gone.status),
                steps,
            ));
        }
    }

    // State: what was created reads back by id, equal on every field sent.
    if let Some(get) = get_path(g, r).filter(|_| answers_item) {
        let mut create = post(example.clone());
        create.capture.insert("created".into(), id_ptr.clone());
        let mut read = Step::new(Request::get(get));
        read.expect = vec![
            Expect::Status(vec![200]),
            Expect::Agrees(PointerValue {
                pointer: single.clone(),
                value: Value::Object(sent.clone()),
            }),
        ];
        out.push(case(
            Check::State,
            "state/read_back",
            Severity::Should,
            &doc,
            "a created item reads back by id, equal on every field sent".into(),
            vec![create, read],
        ));
    }

    // An update (the document's advice: read the item, change it, send it back)
    // and each action that sets a field are visible on the next read.
    if let (Some(get), true) = (get_path(g, r), answers_item) {
        let created = || {
            let mut s = post(example.clone());
            s.capture.insert("created".into(), id_ptr.clone());
            s
        };
        let read = |expect: Vec<Expect>| {
            let mut s = Step::new(Request::get(&get));
            s.expect = expect;
            s
        };
        let field = sent.iter().find_map(|(k, v)| {
            let f = r.field(k)?;
            let plain = f.pattern.is_none() && f.values.is_empty() && !f.ty.array;
            (v.is_string() && plain && f.ty.kind == Kind::String).then(|| k.clone())
        });
        let update = g.spec.operation_of(&r.name, OperationKind::Update);
        if let (Some(update), Some(field)) = (update, field) {
            let path = match super::placeholders(&update.path).as_slice() {
                [] => Some(update.path.clone()),
                [only] => Some(update.path.replace(&format!("{{{only}}}"), "{created}")),
                _ => None,
            };
            if let Some(path) = path {
                let mut fetch = read(vec![]);
                fetch.capture.insert("item".into(), single.clone());
                let changed = json!("assay-updated");
                let mut put = Step::new(Request {
                    method: update.method,
                    body: Some(wrap(&request_ptr, json!("{item}"))),
                    ..Request::get(path)
                });
                put.request.set.insert(
                    format!("{request_ptr}{}", field_pointer(&field)),
                    changed.clone(),
                );
                put.expect = g.success_expect(update);
                let check = read(vec![
                    Expect::Status(vec![200]),
                    Expect::Agrees(PointerValue {
                        pointer: single.clone(),
                        value: json!({ field.clone(): changed }),
                    }),
                ]);
                out.push(case(
                    Check::State,
                    "state/updated",
                    Severity::Should,
                    &update.doc,
                    format!("an update of `{field}` is visible on the next read"),
                    vec![created(), fetch, put, check],
                ));
            }
        }
        for action in g.spec.operations.iter().filter(|o| {
            o.kind == OperationKind::Action && o.resource.as_deref() == Some(r.name.as_str())
        }) {
            let params = super::placeholders(&action.path);
            let (Some(Value::Object(sets)), [only]) = (&action.sets, params.as_slice()) else {
                continue;
            };
            // Only what a read shows can be seen to change: a field no table of
            // the item lists (bip's `published`, sent but never shown) is not.
            let sets: Map<String, Value> = sets
                .iter()
                .filter(|(k, _)| r.field(k).is_some_and(|f| !f.writeonly))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let mut act = Step::new(Request {
                method: action.method,
                ..Request::get(action.path.replace(&format!("{{{only}}}"), "{created}"))
            });
            act.expect = vec![Expect::Status(vec![200, 204])];
            let name = action.id.rsplit('/').next().unwrap_or(&action.id);
            let (title, steps) = if sets.is_empty() {
                (format!("`{name}` answers success"), vec![created(), act])
            } else {
                let check = read(vec![Expect::Agrees(PointerValue {
                    pointer: single.clone(),
                    value: Value::Object(sets.clone()),
                })]);
                let title = format!("`{name}` sets {} on the item", Value::Object(sets));
                (title, vec![created(), act, check])
            };
            out.push(case(
                Check::State,
                &format!("state/{name}"),
                Severity::Should,
                &action.doc,
                title,
                steps,
            ));
        }
    }

    let refusal =
        |condition: Condition| op.responses.iter().find(|x| x.condition == Some(condition));
    // A body that is not JSON gets the documented answer.
    if let Some(resp) = refusal(Condition::BadBody) {
        let mut s = Step::new(Request {
            method: op.method,
            query: query.clone(),
            raw_body: Some("{\"not json".into()),
            ..Request::get(&path)
        });
        s.cleanup = cleanup.clone();
        s.expect = refused(resp);
        out.push(case(
            Check::Writes,
            "writes/bad_json",
            Severity::implied(resp.implied),
            &resp.doc,
            format!("a body that is not JSON answers {}", resp.status),
            vec![s],
        ));
    }

    // A refused write leaves no trace: marked with a value of its own in a field
    // the list filters on, it is not found afterwards.
    if let (Some(resp), Some(f), Some(list)) = (
        refusal(Condition::MissingRequired),
        g.spec
            .filtering
            .as_ref()
            .filter(|f| f.field_param.contains("{field}")),
        g.list_of(&r.name)
            .filter(|l| super::placeholders(&l.path).is_empty()),
    ) && let Some(missing) = r
        .fields
        .iter()
        .find(|x| x.required && item.contains_key(&x.path))
        && let Some(marked) = r.fields.iter().find(|x| {
            x.filterable
                && x.path != missing.path
                && x.ty.kind == Kind::String
                && !x.ty.array
                && x.pattern.is_none()
                && x.values.is_empty()
                && !x.readonly
                && !x.path.contains(['.', '['])
        })
        && let Some(items) = g.items(list)
    {
        let marker = format!("assay-refused-{}", r.name);
        let mut body = item.clone();
        body.remove(&missing.path);
        body.insert(marked.path.clone(), json!(marker));
        let mut s = post(with_item(body));
        s.expect = refused(resp);
        let listed = none_listed(f, r, &marked.path, &marker, &list.path, items);
        out.push(case(
            Check::State,
            "state/refused_unchanged",
            Severity::Should,
            &resp.doc,
            format!(
                "a create refused for want of `{}` leaves nothing a list finds",
                missing.path
            ),
            vec![s, listed],
        ));
    }

    if let Some(resp) = refusal(Condition::MissingRequired) {
        for f in r
            .fields
            .iter()
            .filter(|f| f.required && item.contains_key(&f.path))
        {
            let mut without = item.clone();
            without.remove(&f.path);
            let mut s = post(with_item(without));
            s.expect = refused(resp);
            s.expect.push(Expect::Mentions(f.path.clone()));
            out.push(case(
                Check::Writes,
                &format!("writes/missing/{}", f.path),
                Severity::implied(resp.implied),
                &f.doc,
                format!(
                    "a body without the required `{}` is refused naming it",
                    f.path
                ),
                vec![s],
            ));
        }
    }
    if r.rejects_unknown
        && let Some(resp) = refusal(Condition::UnknownAttribute)
    {
        let mut extra = item.clone();
        extra.insert("assay_unknown_attribute".into(), json!("x"));
        let mut s = post(with_item(extra));
        s.expect = refused(resp);
        s.expect
            .push(Expect::Mentions("assay_unknown_attribute".into()));
        out.push(case(
            Check::Writes,
            "writes/unknown_attribute",
            Severity::implied(resp.implied),
            &resp.doc,
            "a body with an attribute the table does not list is refused".into(),
            vec![s],
        ));
    }
    for f in r
        .fields
        .iter()
        .filter(|f| f.readonly && !f.path.contains(['.', '[']))
    {
        let marker = match f.ty.kind {
            Kind::String if f.pattern.is_none() && f.values.is_empty() => json!("assay-readonly"),
            Kind::Int => json!(424_242),
            _ => continue,
        };
        if f.ty.array {
            continue;
        }
        let mut set = item.clone();
        set.insert(f.path.clone(), marker.clone());
        let mut s = post(with_item(set));
        s.expect.push(Expect::NoServerError);
        s.expect.push(Expect::NotSet(PointerValue {
            pointer: format!("{single}{}", field_pointer(&f.path)),
            value: marker,
        }));
        out.push(case(
            Check::Writes,
            &format!("writes/readonly/{}", f.path),
            Severity::Must,
            &f.doc,
            format!("a write cannot set the readonly `{}`", f.path),
            vec![s],
        ));
    }
}

/// A value placed at a pointer of an otherwise empty body (`/plant_line`).
fn wrap(pointer: &str, value: Value) -> Value {
    pointer.rsplit('/').filter(|k| !k.is_empty()).fold(
        value,
        |inner, key| json!({ crate::value::unescape(key): inner }),
    )
}

/// Whether a create body satisfies the resource's create schema.
fn fits(g: &Gen, r: &Resource, body: &Value) -> bool {
    let name = format!("{}.create", r.name);
    let Ok(schema) = crate::schema::find(g.spec, &name) else {
        return true;
    };
    crate::schema::Validator::new(&name, &schema).is_ok_and(|v| v.violations(body).is_empty())
}

fn refused(resp: &Response) -> Vec<Expect> {
    let mut e = vec![Expect::Status(vec![resp.status])];
    if let Some(err) = &resp.error {
        e.push(Expect::ErrorBody(err.clone()));
    }
    e
}

/// A list filtered on `field = value` that must find nothing: a deleted item, or
/// one a refused create must not have left behind.
fn none_listed(
    f: &crate::spec::Filtering,
    r: &Resource,
    field: &str,
    value: &str,
    list_path: &str,
    items: String,
) -> Step {
    let name = f
        .field_param
        .replace("{name}", &r.name)
        .replace("{field}", field);
    let value = f.field_value.replace("{value}", value);
    let mut listed = Step::new(Request::get(list_path).with(&name, value));
    listed.expect = vec![
        Expect::Status(vec![200]),
        Expect::Count(super::Count {
            pointer: items,
            at_most: None,
            exactly: Some(0),
        }),
    ];
    listed
}

/// The request body the document shows for the operation, where it is valid JSON.
fn example_body(g: &Gen, op: &Operation) -> Option<(Value, crate::spec::DocRef)> {
    g.spec.examples.iter().find_map(|e| {
        if e.kind != ExampleKind::Request || e.operation.as_deref() != Some(op.id.as_str()) {
            return None;
        }
        let body: Value = serde_json::from_str(e.body.as_deref()?).ok()?;
        body.is_object().then(|| (body, e.doc.clone()))
    })
}

/// Path of the item's DELETE with `{created}` for its id, where there is one.
fn delete_path(g: &Gen, r: &Resource) -> Option<String> {
    item_path(g, r, OperationKind::Delete, Method::Delete)
}

fn get_path(g: &Gen, r: &Resource) -> Option<String> {
    item_path(g, r, OperationKind::Get, Method::Get)
}

/// An item operation whose only placeholder is the item's id.
fn item_path(g: &Gen, r: &Resource, kind: OperationKind, method: Method) -> Option<String> {
    let op = g.spec.operations.iter().find(|o| {
        o.kind == kind && o.method == method && o.resource.as_deref() == Some(r.name.as_str())
    })?;
    let params = super::placeholders(&op.path);
    let [only] = params.as_slice() else {
        return None;
    };
    Some(op.path.replace(&format!("{{{only}}}"), "{created}"))
}

/// History (GenTaR): an item changed through its update names the change in its
/// history. The item is read, changed in a free-text field, sent back, and put
/// back as it was afterwards, whatever the case found.
pub(super) fn history(g: &Gen, op: &Operation, out: &mut Vec<Case>) {
    let (Some(r), Some(h)) = (g.resource(op), &g.spec.history) else {
        return;
    };
    let of_r = |kind: OperationKind| g.spec.operation_of(&r.name, kind);
    let (Some(get), Some(update)) = (of_r(OperationKind::Get), of_r(OperationKind::Update)) else {
        return;
    };
    if update.path != get.path || format!("{}/history", get.path) != op.path {
        return;
    }
    // Only a field meant for free text: a changed vocabulary term could be refused.
    let Some(field) = r.fields.iter().find(|f| {
        let name = f.path.to_ascii_lowercase();
        // A table that types the field Null (its example showed null) leaves it open.
        (name.ends_with("comment") || name.ends_with("description"))
            && matches!(f.ty.kind, Kind::String | Kind::Null)
            && !f.ty.array
            && !f.readonly
            && !f.path.contains(['.', '['])
    }) else {
        return;
    };
    let Some(resolved) = g.resolve(get) else {
        return;
    };
    let single = g.single(r);
    let request_ptr = r.pointer(&g.spec.envelope.request);
    let mut steps = resolved.steps;
    let mut read = Step::new(Request::get(&resolved.path));
    read.capture.insert("item".into(), single);
    steps.push(read);
    let marker = json!("assay-history");
    let mut put = Step::new(Request {
        method: update.method,
        body: Some(wrap(&request_ptr, json!("{item}"))),
        ..Request::get(&resolved.path)
    });
    put.request.set.insert(
        format!("{request_ptr}{}", field_pointer(&field.path)),
        marker.clone(),
    );
    put.cleanup = Some(Cleanup {
        id: None,
        method: update.method,
        path: resolved.path.clone(),
        body: Some(wrap(&request_ptr, json!("{item}"))),
    });
    put.expect = g.success_expect(update);
    steps.push(put);
    let mut records = Step::new(Request {
        query: resolved.query,
        ..Request::get(format!("{}/history", resolved.path))
    });
    records.expect = vec![
        Expect::Status(vec![200]),
        Expect::Mentions(marker.as_str().unwrap_or_default().to_string()),
    ];
    steps.push(records);
    out.push(
        Case::new(
            g.id(op, "state/records_change"),
            Check::State,
            Severity::Should,
            &h.doc,
            format!(
                "a change of `{}` is named in the item's history",
                field.path
            ),
            steps,
        )
        .writing(),
    );
}
