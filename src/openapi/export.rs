//! A spec as an OpenAPI 3.1 document: every operation OpenAPI can place (a literal
//! path, one operation per method and path) with its parameters, request body,
//! responses and security; the schemas `assay schema` writes as components.

use serde_json::{Map, Value, json};

use super::EXT;
use crate::schema::{self, operation_slug, scalar_schema};
use crate::spec::{
    Auth, FieldType, Kind, Operation, OperationKind, Param, ParamIn, ParamRole, Resource, Spec,
};

pub fn export(spec: &Spec) -> Value {
    let mut named = schema::generate(spec);
    resources_by_reference(spec, &mut named);
    // By name: the order `generate` gives follows the operations', which an
    // import regroups by path.
    named.sort_by(|a, b| a.name.cmp(&b.name));
    let mut schemas = Map::new();
    for named in named {
        let mut s = named.schema;
        if let Some(o) = s.as_object_mut() {
            // OpenAPI 3.1's own dialect is 2020-12: the marker would only repeat it.
            o.shift_remove("$schema");
        }
        schemas.insert(named.name, s);
    }
    let scheme = security_scheme(&spec.auth);
    let mut paths = Map::new();
    let mut elsewhere = Vec::new();
    for op in &spec.operations {
        let method = op.method.as_str().to_ascii_lowercase();
        let placeable = op.path.starts_with('/') && !op.path.contains(['?', '#']);
        let taken = paths
            .get(&op.path)
            .and_then(|p: &Value| p.get(&method))
            .is_some();
        if !placeable || taken {
            elsewhere.push(op);
            continue;
        }
        let item = operation(spec, op, &schemas, scheme.as_ref().map(|(n, _)| *n));
        paths
            .entry(op.path.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("path items are objects")
            .insert(method, item);
    }
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    if let Some((name, s)) = scheme {
        components.insert("securitySchemes".into(), json!({ name: s }));
    }
    let mut rest = serde_json::to_value(spec).expect("a spec serializes");
    let rest_obj = rest.as_object_mut().expect("a spec is an object");
    rest_obj.insert(
        "operations".into(),
        serde_json::to_value(&elsewhere).expect("operations serialize"),
    );
    if elsewhere.is_empty() {
        rest_obj.remove("operations");
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": spec.title,
            "version": spec.document,
            "description": format!(
                "Exported by assay from its spec `{}`, read from the document `{}`. \
                 Parts OpenAPI cannot state are under `{EXT}`.",
                spec.name, spec.document
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": components,
        EXT: rest,
    })
}

/// Each resource's item as a component of its own, named after the resource,
/// that its single (`RESOURCE.single`, where the API wraps items) and list
/// schemas refer to: how OpenAPI descriptions are written, and what lets a reader
/// (or an import) see which resource a response carries.
fn resources_by_reference(spec: &Spec, named: &mut Vec<schema::Named>) {
    for r in &spec.resources {
        let list_name = format!("{}.list", r.name);
        named.retain(|n| n.name != r.name && n.name != list_name);
        named.push(schema::top(spec, &r.name, r, schema::item_schema(spec, r)));
        let item = json!({"$ref": format!("#/components/schemas/{}", r.name)});
        let single = r.pointer(&spec.envelope.single);
        if !single.is_empty() {
            let wrapped = schema::wrap(&[(single, item.clone())]);
            named.push(schema::top(spec, &format!("{}.single", r.name), r, wrapped));
        }
        if let Some(list) = spec.operation_of(&r.name, OperationKind::List) {
            let s = schema::list_schema(spec, r, list, item);
            named.push(schema::top(spec, &list_name, r, s));
        }
    }
}

/// The security scheme's component name and object. A CSRF-protected session
/// has no OpenAPI form: its operations are exported without security.
fn security_scheme(auth: &Auth) -> Option<(&'static str, Value)> {
    match auth {
        Auth::ApiKeyHeader { header, .. } => Some((
            "apiKey",
            json!({"type": "apiKey", "in": "header", "name": header}),
        )),
        Auth::BearerSignin { signin_path, .. } => Some((
            "bearer",
            json!({
                "type": "http",
                "scheme": "bearer",
                "description": format!("A token from POST {signin_path}."),
            }),
        )),
        Auth::None { .. } | Auth::CsrfSession { .. } => None,
    }
}

/// `scheme`: the name of the security scheme operations that need credentials
/// name.
fn operation(
    spec: &Spec,
    op: &Operation,
    schemas: &Map<String, Value>,
    scheme: Option<&str>,
) -> Value {
    let resource = op.resource.as_deref().and_then(|r| spec.resource(r));
    let mut o = Map::new();
    o.insert("operationId".into(), json!(op.id));
    if !op.summary.is_empty() {
        o.insert("summary".into(), json!(op.summary));
    }
    if let Some(r) = &op.resource {
        o.insert("tags".into(), json!([r]));
    }
    let params = parameters(spec, op, resource);
    if !params.is_empty() {
        o.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = request_body(spec, op, schemas) {
        o.insert("requestBody".into(), body);
    }
    o.insert("responses".into(), responses(spec, op, schemas));
    if op.auth
        && let Some(name) = scheme
    {
        o.insert("security".into(), json!([{ name: [] }]));
    }
    o.insert(
        EXT.into(),
        serde_json::to_value(op).expect("an operation serializes"),
    );
    Value::Object(o)
}

fn placeholders(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name))
        .collect()
}

fn parameters(spec: &Spec, op: &Operation, resource: Option<&Resource>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    let mut push = |p: Value| {
        let key = (p["name"].clone(), p["in"].clone());
        if !out
            .iter()
            .any(|q| (q["name"].clone(), q["in"].clone()) == key)
        {
            out.push(p);
        }
    };
    for name in placeholders(&op.path) {
        let declared = op
            .params
            .iter()
            .find(|p| p.name == name && p.location == ParamIn::Path);
        let schema = match declared {
            Some(p) => param_schema(p),
            None => {
                let id = resource
                    .and_then(|r| r.field(r.id_field.as_deref().unwrap_or("id")))
                    .map(|f| f.ty)
                    .unwrap_or(FieldType::scalar(Kind::String));
                scalar_schema(id)
            }
        };
        let mut p = json!({"name": name, "in": "path", "required": true, "schema": schema});
        if let Some(d) = declared.filter(|d| !d.description.is_empty()) {
            p["description"] = json!(d.description);
        }
        push(p);
    }
    for p in op.params.iter().filter(|p| p.location == ParamIn::Query) {
        let mut o = json!({"name": p.name, "in": "query", "schema": param_schema(p)});
        if p.required || fixed(p).is_some() {
            o["required"] = json!(true);
        }
        if !p.description.is_empty() {
            o["description"] = json!(p.description);
        }
        push(o);
    }
    if op.paginated
        && let Some(pg) = &spec.pagination
    {
        // Bounds only where the document says bad values are refused: a schema's
        // minimum is a promise that smaller values get an error.
        let (position, size) = match (pg.style, &pg.bad_value) {
            (_, None) => (json!({"type": "integer"}), json!({"type": "integer"})),
            (crate::spec::PageStyle::Page, Some(_)) => (
                json!({"type": "integer", "minimum": pg.first_page.unwrap_or(1)}),
                json!({"type": "integer", "minimum": 1}),
            ),
            (crate::spec::PageStyle::Offset, Some(_)) => (
                json!({"type": "integer", "minimum": 0}),
                json!({"type": "integer", "minimum": 1}),
            ),
        };
        let mut position = json!({"name": pg.position_param, "in": "query", "schema": position});
        if let (crate::spec::PageStyle::Page, Some(first)) = (pg.style, pg.first_page) {
            position["description"] = json!(format!("Pages are numbered from {first}."));
        }
        push(position);
        // The stated maximum is what the server serves at most, not a bound on what
        // a client may ask: larger values are not said to be refused.
        let mut size = json!({"name": pg.size_param, "in": "query", "schema": size});
        if let Some(max) = pg.max_size {
            size["description"] = json!(format!("At most {max} items are served."));
        }
        push(size);
        if let Some(sort) = &pg.sort {
            push(
                json!({"name": sort.param, "in": "query", "schema": {"type": "string"},
                "description": format!("`{}`", sort.format)}),
            );
        }
    }
    if op.kind == OperationKind::List
        && let (Some(f), Some(r)) = (&spec.filtering, resource)
    {
        if f.field_param.contains("{field}") {
            for field in r.fields.iter().filter(|x| x.filterable) {
                let name = f
                    .field_param
                    .replace("{name}", &r.name)
                    .replace("{field}", &field.path);
                push(json!({"name": name, "in": "query", "schema": {"type": "string"}}));
            }
        } else if r.fields.iter().any(|x| x.filterable) {
            push(
                json!({"name": f.field_param, "in": "query", "schema": {"type": "string"},
                "description": format!("`{}`", f.field_value)}),
            );
        }
    }
    out
}

/// The value a parameter always has, where it is no template.
fn fixed(p: &Param) -> Option<&str> {
    p.value.as_deref().filter(|v| !v.contains('{'))
}

fn param_schema(p: &Param) -> Value {
    if let Some(v) = fixed(p) {
        return json!({"type": "string", "const": v});
    }
    // A comma-separated union, or a filled template, is one string on the wire.
    if (p.list && !p.ty.array) || p.value.is_some() || p.role == Some(ParamRole::Query) {
        return json!({"type": "string"});
    }
    let mut s = scalar_schema(p.ty);
    if !p.values.is_empty() {
        s["enum"] = json!(p.values);
    }
    s
}

fn schema_ref(schemas: &Map<String, Value>, name: &str) -> Option<Value> {
    schemas
        .contains_key(name)
        .then(|| json!({"$ref": format!("#/components/schemas/{name}")}))
}

fn request_body(spec: &Spec, op: &Operation, schemas: &Map<String, Value>) -> Option<Value> {
    let form: Vec<&Param> = op
        .params
        .iter()
        .filter(|p| p.location == ParamIn::Form)
        .collect();
    if !form.is_empty() {
        let props: Map<String, Value> = form
            .iter()
            .map(|p| (p.name.clone(), param_schema(p)))
            .collect();
        let required: Vec<&str> = form
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.as_str())
            .collect();
        return Some(json!({"required": true, "content": {
            "application/x-www-form-urlencoded": {"schema": {
                "type": "object", "properties": props, "required": required}}}}));
    }
    let name = match (&op.resource, op.kind) {
        _ if !op.request_fields.is_empty() => {
            format!("{}.request", operation_slug(&op.id))
        }
        (Some(r), OperationKind::Create) => format!("{r}.create"),
        (Some(r), OperationKind::Update) => format!("{r}.update"),
        _ => return None,
    };
    let schema = schema_ref(schemas, &name)?;
    let mut media = json!({ "schema": schema });
    let examples: Map<String, Value> = spec
        .examples
        .iter()
        .filter(|e| {
            e.kind == crate::spec::ExampleKind::Request && e.operation.as_deref() == Some(&op.id)
        })
        .filter_map(|e| {
            let body: Value = serde_json::from_str(e.body.as_deref()?).ok()?;
            Some((
                e.id.clone(),
                json!({"summary": e.doc.to_string(), "value": body}),
            ))
        })
        .collect();
    if !examples.is_empty() {
        media["examples"] = Value::Object(examples);
    }
    Some(json!({"required": true, "content": {"application/json": media}}))
}

fn responses(spec: &Spec, op: &Operation, schemas: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    let ctype = |c: &Option<String>| {
        c.clone()
            .unwrap_or_else(|| spec.representation.content_type.clone())
    };
    let success = match (&op.resource, op.kind) {
        _ if !op.response_fields.is_empty() => Some(format!("{}.response", operation_slug(&op.id))),
        (Some(r), OperationKind::List) => Some(format!("{r}.list")),
        (
            Some(r),
            OperationKind::Get
            | OperationKind::Create
            | OperationKind::Update
            | OperationKind::Action,
        ) => Some(if schemas.contains_key(&format!("{r}.single")) {
            format!("{r}.single")
        } else {
            r.clone()
        }),
        _ => None,
    };
    let error = |e: Option<&str>, c: &Option<String>| {
        e.and_then(|e| schema_ref(schemas, &format!("error.{e}")))
            .map(|s| (ctype(c), s))
    };
    for r in &op.responses {
        let description = if r.when.is_empty() {
            format!("Status {}", r.status)
        } else {
            r.when.clone()
        };
        let content = match &r.error {
            Some(e) => error(Some(e), &r.content_type),
            None if (200..300).contains(&r.status) && r.status != 204 => success
                .as_deref()
                .and_then(|s| schema_ref(schemas, s))
                .map(|s| (ctype(&r.content_type), s)),
            None => None,
        };
        outcome(&mut out, r.status, &description, content);
    }
    if op.auth
        && let Some(rejected) = rejection(&spec.auth)
    {
        let content = error(rejected.error.as_deref(), &None);
        let why = "The credentials are missing, wrong or expired.";
        outcome(&mut out, rejected.status, why, content);
    }
    // What the document says of every operation (OMERO's error handling). A
    // server error is never an outcome to conform to, whatever the document says.
    for rule in spec.status_rules.iter().filter(|r| r.status < 500) {
        let content = error(rule.error.as_deref(), &None);
        outcome(&mut out, rule.status, &rule.when, content);
    }
    if op.paginated
        && let Some(bad) = spec.pagination.as_ref().and_then(|p| p.bad_value.as_ref())
    {
        let content = error(bad.error.as_deref(), &None);
        let why = "A position or size that is not a valid number.";
        outcome(&mut out, bad.status, why, content);
    }
    // Where the document states no success, any answer but a server error is
    // within it: `default` says so, where a listed status would invent one.
    if !out.keys().any(|k| k.starts_with('2')) {
        out.insert(
            "default".into(),
            json!({"description": "The document states no successful outcome of this operation."}),
        );
    }
    Value::Object(out)
}

/// Adds the outcome of a status; where the status has one already (two
/// conditions, one status), its description says both.
fn outcome(
    out: &mut Map<String, Value>,
    status: u16,
    description: &str,
    content: Option<(String, Value)>,
) {
    match out.get_mut(&status.to_string()) {
        Some(existing) => {
            let d = existing["description"].as_str().unwrap_or("").to_string();
            if !d.contains(description) {
                existing["description"] = json!(format!("{d}; {description}"));
            }
        }
        None => {
            let mut o = json!({ "description": description });
            if let Some((ctype, schema)) = content {
                o["content"] = json!({ ctype: {"schema": schema} });
            }
            out.insert(status.to_string(), o);
        }
    }
}

fn rejection(auth: &Auth) -> Option<&crate::spec::Outcome> {
    match auth {
        Auth::ApiKeyHeader { rejected, .. } => rejected.as_ref(),
        Auth::BearerSignin { rejected, .. } => Some(rejected),
        _ => None,
    }
}
