//! From flat field paths (`a`, `a[].b`, `a[].b.c`) to nested JSON Schemas.
//!
//! A path's `[]` steps into the items of an array; every segment before the last
//! one is an object or array the path passes through, whether or not the table has
//! a row for it.

use serde_json::{Map, Value, json};

use crate::spec::{Field, FieldType, Kind};

/// How a tree becomes a schema: which fields it keeps and which it requires.
pub struct Options<'a> {
    /// Whether a field may also be null.
    pub nullable: &'a dyn Fn(&Field) -> bool,
    /// Whether a present object must carry the field.
    pub required: &'a dyn Fn(&Field) -> bool,
    /// Whether objects reject properties the table does not list.
    pub closed: bool,
    /// Whether `date` and `date-time` carry a `format`. Not on write bodies where the
    /// document accepts other notations.
    pub formats: bool,
}

#[derive(Default)]
pub struct Node<'a> {
    field: Option<&'a Field>,
    props: Vec<(String, Node<'a>)>,
    items: Option<Box<Node<'a>>>,
}

enum Step<'p> {
    Key(&'p str),
    Items,
}

fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for seg in path.split('.') {
        let mut key = seg;
        let mut arrays = 0;
        while let Some(k) = key.strip_suffix("[]") {
            key = k;
            arrays += 1;
        }
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        out.extend((0..arrays).map(|_| Step::Items));
    }
    out
}

impl<'a> Node<'a> {
    pub fn build(fields: impl IntoIterator<Item = &'a Field>) -> Self {
        let mut root = Node::default();
        for f in fields {
            let mut node = &mut root;
            for step in steps(&f.path) {
                node = match step {
                    Step::Items => node.items.get_or_insert_with(Default::default),
                    Step::Key(k) => {
                        let at = match node.props.iter().position(|(n, _)| n == k) {
                            Some(i) => i,
                            None => {
                                node.props.push((k.to_string(), Node::default()));
                                node.props.len() - 1
                            }
                        };
                        &mut node.props[at].1
                    }
                };
            }
            // A field listed twice keeps its first row; lint reports the second.
            node.field.get_or_insert(f);
        }
        root
    }

    /// The schema of the root: an object of the top-level fields, or, when every
    /// path starts with `[]` (`[].id`: a body that is a JSON array), an array of them.
    pub fn object_schema(&self, opts: &Options) -> Value {
        if self.props.is_empty()
            && let Some(items) = &self.items
        {
            return json!({"type": "array", "items": items.schema(opts)});
        }
        let mut s = Map::new();
        s.insert("type".into(), json!("object"));
        self.object_body(&mut s, opts);
        Value::Object(s)
    }

    fn object_body(&self, s: &mut Map<String, Value>, opts: &Options) {
        if !self.props.is_empty() {
            let props: Map<String, Value> = self
                .props
                .iter()
                .map(|(k, n)| (k.clone(), n.schema(opts)))
                .collect();
            s.insert("properties".into(), Value::Object(props));
            let required: Vec<Value> = self
                .props
                .iter()
                .filter(|(_, n)| n.field.is_some_and(|f| (opts.required)(f)))
                .map(|(k, _)| json!(k))
                .collect();
            if !required.is_empty() {
                s.insert("required".into(), Value::Array(required));
            }
        }
        if opts.closed {
            s.insert("additionalProperties".into(), json!(false));
        }
    }

    fn schema(&self, opts: &Options) -> Value {
        let declared = self.field.map(|f| f.ty);
        let is_array = declared.is_some_and(|t| t.array) || self.items.is_some();
        let mut s = Map::new();
        if let Some(f) = self.field {
            if !f.description.is_empty() {
                s.insert("description".into(), json!(f.description));
            }
            s.insert("$comment".into(), json!(f.doc.to_string()));
        }
        let nullable = self.field.is_some_and(|f| (opts.nullable)(f));
        if is_array {
            let kind = declared.map_or(Kind::Any, |t| if t.array { t.kind } else { Kind::Any });
            let item = match &self.items {
                Some(node) => node.schema(opts),
                None => Value::Object(Map::new()),
            };
            let item = with_kind(item, kind, opts.formats);
            s.insert("type".into(), type_value("array", nullable));
            s.insert("items".into(), item);
        } else {
            let kind = declared.map_or(
                if self.props.is_empty() {
                    Kind::Any
                } else {
                    Kind::Object
                },
                |t| t.kind,
            );
            apply_kind(&mut s, kind, nullable, opts.formats);
            if kind == Kind::Object || (kind == Kind::Any && !self.props.is_empty()) {
                self.object_body(&mut s, opts);
            }
            if let Some(f) = self.field {
                if !f.values.is_empty() {
                    let mut values: Vec<Value> = f.values.iter().map(|v| json!(v)).collect();
                    if nullable {
                        values.push(Value::Null);
                    }
                    s.insert("enum".into(), Value::Array(values));
                }
                if let Some(p) = &f.pattern {
                    s.insert("pattern".into(), json!(p));
                }
            }
        }
        Value::Object(s)
    }
}

/// The items of an array: their own node's schema, typed by the array's item kind
/// when the node itself names none.
fn with_kind(item: Value, kind: Kind, formats: bool) -> Value {
    let Value::Object(mut m) = item else {
        return item;
    };
    if !m.contains_key("type") && kind != Kind::Any {
        apply_kind(&mut m, kind, false, formats);
    }
    Value::Object(m)
}

fn apply_kind(s: &mut Map<String, Value>, kind: Kind, nullable: bool, formats: bool) {
    let (ty, format) = match kind {
        Kind::Int => ("integer", None),
        Kind::Number => ("number", None),
        Kind::String => ("string", None),
        Kind::Date => ("string", Some("date")),
        Kind::DateTime => ("string", Some("date-time")),
        Kind::Boolean => ("boolean", None),
        Kind::Object => ("object", None),
        // A row typed `Null` says only that its sample was null (REST Docs): it
        // constrains nothing, lest every real value fail.
        Kind::Null | Kind::Any => return,
    };
    s.insert("type".into(), type_value(ty, nullable));
    if let Some(f) = format.filter(|_| formats) {
        s.insert("format".into(), json!(f));
    }
}

fn type_value(ty: &str, nullable: bool) -> Value {
    if nullable {
        json!([ty, "null"])
    } else {
        json!(ty)
    }
}

/// The JSON Schema type of a field type, for parameters.
pub fn scalar_schema(ty: FieldType) -> Value {
    let mut s = Map::new();
    apply_kind(&mut s, ty.kind, false, true);
    if ty.array {
        json!({"type": "array", "items": Value::Object(s)})
    } else {
        Value::Object(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::DocRef;

    fn field(path: &str, ty: &str) -> Field {
        Field::new(path, ty.parse().unwrap(), "", DocRef::line("t.txt", 1))
    }

    #[test]
    fn nests_paths_through_arrays() {
        let fields = [
            field("a", "array"),
            field("a[].b.c", "int"),
            field("d", "string[]"),
        ];
        let opts = Options {
            nullable: &|_| false,
            required: &|f| f.path == "d",
            closed: false,
            formats: true,
        };
        let s = Node::build(fields.iter()).object_schema(&opts);
        assert_eq!(s["properties"]["a"]["type"], "array");
        assert_eq!(
            s["properties"]["a"]["items"]["properties"]["b"]["properties"]["c"]["type"],
            "integer"
        );
        assert_eq!(s["properties"]["d"]["items"]["type"], "string");
        assert_eq!(s["required"], json!(["d"]));
    }

    #[test]
    fn paths_from_the_items_describe_an_array_body() {
        let fields = [field("[].id", "number"), field("[].details", "array")];
        let opts = Options {
            nullable: &|_| false,
            required: &|_| false,
            closed: false,
            formats: true,
        };
        let s = Node::build(fields.iter()).object_schema(&opts);
        assert_eq!(s["type"], "array");
        assert_eq!(s["items"]["type"], "object");
        assert_eq!(s["items"]["properties"]["id"]["type"], "number");
        assert_eq!(s["items"]["properties"]["details"]["type"], "array");
    }
}
