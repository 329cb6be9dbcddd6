//! Reading a description: following `$ref`s, the places items cite, what a body
//! is (an item, a list of them, something else), fields of a schema, parameters
//! and examples.

use serde_json::Value;

use super::Found;
use crate::spec::{
    DocRef, Example, ExampleKind, Field, FieldType, Kind, Method, Param, ParamIn, Resource,
};
pub(super) use crate::value::escape;

pub(super) enum Shape {
    /// The resource, and the property wrapping it when the body is no bare item.
    Item(String, Option<String>),
    /// The resource, and the pointer to the items when the body is no bare array.
    List(String, Option<String>),
    Other,
}

pub(super) struct Cx<'a> {
    pub(super) doc: &'a Value,
    pub(super) lines: Vec<&'a str>,
    pub(super) file: String,
}

impl Cx<'_> {
    /// Follows local `$ref`s; a reference to another file is refused by name.
    pub(super) fn deref<'v>(&'v self, mut v: &'v Value) -> Found<&'v Value> {
        for _ in 0..32 {
            let Some(r) = v.get("$ref").and_then(Value::as_str) else {
                return Ok(v);
            };
            let Some(pointer) = r.strip_prefix('#') else {
                return Err(format!(
                    "`$ref: {r}` points into another file; only references within the description are read"
                ));
            };
            v = self
                .doc
                .pointer(pointer)
                .ok_or_else(|| format!("`$ref: {r}` points at nothing"))?;
        }
        Err("a `$ref` chain longer than 32 links (a cycle?)".into())
    }

    pub(super) fn component(&self, name: &str) -> Found<&Value> {
        self.deref(&self.doc["components"]["schemas"][name])
    }

    /// First line at or after `from` holding any of `needles`.
    pub(super) fn find_after(&self, from: u32, needles: &[&str]) -> DocRef {
        let start = from.saturating_sub(1) as usize;
        let line = self
            .lines
            .iter()
            .enumerate()
            .skip(start)
            .find(|(_, l)| needles.iter().any(|n| l.contains(n)))
            .map_or(from.max(1), |(i, _)| i as u32 + 1);
        DocRef::line(&self.file, line)
    }

    pub(super) fn place_of(&self, op: &Value, path: &str) -> DocRef {
        let at_path = self.find_after(1, &[&format!("\"{path}\""), &format!("{path}:")]);
        match op.get("operationId").and_then(Value::as_str) {
            Some(id) => self.find_after(at_path.line, &[&format!("\"{id}\""), &format!(" {id}")]),
            None => at_path,
        }
    }

    pub(super) fn place_of_schema(&self, name: &str) -> DocRef {
        let schemas = self.find_after(1, &["schemas"]);
        self.find_after(schemas.line, &[&format!("\"{name}\""), &format!("{name}:")])
    }

    /// What a response or request body schema is: an item of a resource, a list
    /// of one (bare, or under one array property), or something else.
    pub(super) fn shape(&self, s: &Value) -> Found<Shape> {
        if let Some(name) = ref_name(s) {
            let target = self.component(&name)?;
            if types(target).contains(&"array") {
                return Ok(match target.get("items").and_then(ref_name) {
                    Some(r) => Shape::List(r, None),
                    None => Shape::Other,
                });
            }
            // An object whose one array property holds items is a page of them,
            // unless they are of its own kind (a tree node's `children`).
            match self.array_property(target, "", 0)? {
                Some(Shape::List(r, _)) if r == name => {}
                Some(list) => return Ok(list),
                None => {}
            }
            if let Some(wrapped) = self.wrapped_item(target) {
                return Ok(wrapped);
            }
            return Ok(Shape::Item(name, None));
        }
        if types(s).contains(&"array") {
            return Ok(match s.get("items").and_then(ref_name) {
                Some(r) => Shape::List(r, None),
                None => Shape::Other,
            });
        }
        if let Some(list) = self.array_property(s, "", 0)? {
            return Ok(list);
        }
        Ok(self.wrapped_item(s).unwrap_or(Shape::Other))
    }

    /// An object of one property that refers to an object component: an item in
    /// an envelope (`{"country": {…}}`).
    pub(super) fn wrapped_item(&self, s: &Value) -> Option<Shape> {
        let props = s.get("properties")?.as_object()?;
        let [(k, v)] = props.iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let name = ref_name(v)?;
        let target = self.component(&name).ok()?;
        (kind_of(target) == Kind::Object).then(|| Shape::Item(name, Some(k.clone())))
    }

    /// The one array of component items in an object, at any depth up to three
    /// (`/_embedded/plans`); two such arrays make no page.
    fn array_property(&self, s: &Value, at: &str, depth: u8) -> Found<Option<Shape>> {
        let mut found = None;
        for (k, v) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let v = self.deref(v)?;
            let here = format!("{at}/{}", escape(k));
            let hit = match v.get("items").and_then(ref_name) {
                Some(r) if types(v).contains(&"array") => Some(Shape::List(r, Some(here))),
                _ if depth < 2 && kind_of(v) == Kind::Object => {
                    self.array_property(v, &here, depth + 1)?
                }
                _ => None,
            };
            if hit.is_some() {
                if found.is_some() {
                    return Ok(None);
                }
                found = hit;
            }
        }
        Ok(found)
    }

    pub(super) fn resource(&self, name: &str) -> Found<Resource> {
        let s = self.component(name)?;
        let doc = self.place_of_schema(name);
        let fields = self.fields(s, doc.line)?;
        Ok(Resource {
            name: name.to_string(),
            plural: None,
            title: s.get("title").and_then(Value::as_str).map(str::to_string),
            description: s
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
            id_field: fields
                .iter()
                .any(|f| f.path == "id")
                .then(|| "id".to_string()),
            rejects_unknown: s.get("additionalProperties") == Some(&Value::Bool(false)),
            fields,
            rules: Vec::new(),
            doc,
        })
    }

    /// Fields an error body must carry: the schema's `required` at the top.
    pub(super) fn required(&self, s: &Value, mut fields: Vec<Field>) -> Vec<Field> {
        let names = s.get("required").and_then(Value::as_array);
        for f in &mut fields {
            f.required = names.is_some_and(|n| n.iter().any(|x| x == f.path.as_str()));
        }
        fields
    }

    /// The fields of an object schema, nested ones as `a.b` and `a[].b`.
    pub(super) fn fields(&self, s: &Value, near: u32) -> Found<Vec<Field>> {
        let mut out = Vec::new();
        self.collect(s, "", near, &mut out, &mut Vec::new())?;
        Ok(out)
    }

    /// `within`: the schemas being unfolded, by reference; a schema that holds
    /// itself (a tree node's `children`) is unfolded once, and depth is bounded.
    fn collect(
        &self,
        s: &Value,
        prefix: &str,
        near: u32,
        out: &mut Vec<Field>,
        within: &mut Vec<String>,
    ) -> Found<()> {
        let reference = s.get("$ref").and_then(Value::as_str);
        if within.len() > 8 || reference.is_some_and(|r| within.iter().any(|w| w == r)) {
            return Ok(());
        }
        within.push(reference.unwrap_or("").to_string());
        let result = self.collect_properties(s, prefix, near, out, within);
        within.pop();
        result
    }

    fn collect_properties(
        &self,
        s: &Value,
        prefix: &str,
        near: u32,
        out: &mut Vec<Field>,
        within: &mut Vec<String>,
    ) -> Found<()> {
        let s = self.deref(s)?;
        for (k, v) in s
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let raw = v;
            let v = self.deref(v)?;
            let path = format!("{prefix}{k}");
            let doc = self.find_after(near, &[&format!("\"{k}\""), &format!("{k}:")]);
            let ts = types(v);
            let nullable = ts.contains(&"null") || v.get("nullable") == Some(&Value::Bool(true));
            let array = ts.contains(&"array");
            // Unfolded from the reference, so a schema holding itself is seen.
            let raw_inner = if array {
                v.get("items").unwrap_or(&Value::Null)
            } else {
                raw
            };
            let inner = self.deref(raw_inner)?;
            let kind = kind_of(inner);
            let readonly = v.get("readOnly") == Some(&Value::Bool(true));
            let mut f = Field::new(
                &path,
                if array {
                    FieldType::array_of(kind)
                } else {
                    FieldType::scalar(kind)
                },
                v.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .trim(),
                doc.clone(),
            );
            f.readonly = readonly;
            f.writeonly = v.get("writeOnly") == Some(&Value::Bool(true));
            f.nullable = nullable;
            f.values = v
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|x| !x.is_null())
                .map(crate::value::text)
                .collect();
            f.pattern = v.get("pattern").and_then(Value::as_str).map(str::to_string);
            out.push(f);
            if kind == Kind::Object {
                let nested = if array {
                    format!("{path}[].")
                } else {
                    format!("{path}.")
                };
                self.collect(raw_inner, &nested, doc.line, out, within)?;
            }
        }
        Ok(())
    }

    /// A request body's JSON examples (`example`, or each of `examples`).
    pub(super) fn examples(
        &self,
        body: &Value,
        op: &str,
        method: Method,
        resource: Option<&str>,
        near: u32,
    ) -> Vec<Example> {
        let Some(media) = body
            .get("content")
            .and_then(Value::as_object)
            .and_then(|c| c.iter().find(|(k, _)| k.contains("json")).map(|(_, m)| m))
        else {
            return Vec::new();
        };
        let mut found: Vec<(String, &Value)> = Vec::new();
        if let Some(v) = media.get("example") {
            found.push(("example".into(), v));
        }
        for (k, e) in media
            .get("examples")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(v) = self.deref(e).ok().and_then(|e| e.get("value")) {
                found.push((k.clone(), v));
            }
        }
        found
            .into_iter()
            .map(|(key, v)| Example {
                id: format!("{op}/{key}"),
                kind: ExampleKind::Request,
                operation: Some(op.to_string()),
                method: Some(method),
                target: None,
                status: None,
                content_type: None,
                shape: resource.map(|r| crate::spec::Shape::Write(r.to_string())),
                body: Some(serde_json::to_string_pretty(v).expect("JSON serializes")),
                body_doc: None,
                doc: self.find_after(near, &[&format!("\"{key}\""), &format!("{key}:")]),
            })
            .collect()
    }

    pub(super) fn param(&self, raw: &Value, near: u32) -> Found<Option<Param>> {
        let p = self.deref(raw)?;
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParamIn::Path,
            Some("query") => ParamIn::Query,
            // Headers and cookies carry credentials and negotiation, not data.
            _ => return Ok(None),
        };
        let schema = self.deref(p.get("schema").unwrap_or(&Value::Null))?;
        let array = types(schema).contains(&"array");
        let kind = if array {
            kind_of(self.deref(schema.get("items").unwrap_or(&Value::Null))?)
        } else {
            kind_of(schema)
        };
        Ok(Some(Param {
            name: name.to_string(),
            location,
            ty: if array {
                FieldType::array_of(kind)
            } else {
                FieldType::scalar(kind)
            },
            required: p.get("required") == Some(&Value::Bool(true)),
            list: false,
            values: schema
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|x| !x.is_null())
                .map(crate::value::text)
                .collect(),
            role: None,
            matches: Vec::new(),
            same_as: None,
            moves: Vec::new(),
            value: None,
            example: p
                .get("example")
                .or(schema.get("example"))
                .filter(|v| !v.is_null())
                .map(crate::value::text),
            description: p
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string(),
            doc: self.find_after(near, &[&format!("\"{name}\""), &format!(" {name}")]),
        }))
    }
}

/// The JSON types a schema admits: `type` as a string or a list.
pub(super) fn types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

pub(super) fn kind_of(s: &Value) -> Kind {
    let ts = types(s);
    let format = s.get("format").and_then(Value::as_str);
    match ts.iter().find(|t| **t != "null").copied() {
        Some("integer") => Kind::Int,
        Some("number") => Kind::Number,
        Some("boolean") => Kind::Boolean,
        Some("string") if format == Some("date") => Kind::Date,
        Some("string") if format == Some("date-time") => Kind::DateTime,
        Some("string") => Kind::String,
        Some("object") => Kind::Object,
        None if s.get("properties").is_some() => Kind::Object,
        _ => Kind::Any,
    }
}

/// The first 2xx response's JSON schema and its status.
pub(super) fn success_schema(cx: &Cx, op: &Value) -> Found<Option<(Value, u16)>> {
    for (status, r) in op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let Ok(n) = status.parse::<u16>() else {
            continue;
        };
        if !(200..300).contains(&n) {
            continue;
        }
        if let (_, Some(s)) = media(cx.deref(r)?) {
            return Ok(Some((s, n)));
        }
    }
    Ok(None)
}

pub(super) fn request_schema(cx: &Cx, op: &Value) -> Found<Option<Value>> {
    match op.get("requestBody") {
        Some(b) => Ok(media(cx.deref(b)?).1),
        None => Ok(None),
    }
}

/// The JSON media type of a response or request body and its schema.
/// A schema's own `$ref` is kept, so the resource keeps its component's name.
pub(super) fn media(r: &Value) -> (Option<String>, Option<Value>) {
    let content = r.get("content").and_then(Value::as_object);
    for (ctype, m) in content.into_iter().flatten() {
        if ctype.contains("json") {
            return (Some(ctype.clone()), m.get("schema").cloned());
        }
    }
    (None, None)
}

pub(super) fn ref_name(s: &Value) -> Option<String> {
    s.get("$ref")?
        .as_str()?
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
}
