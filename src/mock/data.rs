//! Records of a mock deployment: the document's own examples first, then generated
//! ones, deterministic for a seed. Generated values follow the tables' types, enums
//! and the formats of the examples' identifiers; references (`plant_line_id`,
//! `qtl_ids`) point at records that exist, and a reference one way is listed back
//! the other way (`plant_scoring_unit_id` ↔ `trait_score_ids`).

use serde_json::{Map, Value, json};

use crate::spec::{Field, Kind, Resource, Shape, Spec};

/// A small deterministic generator (splitmix64): the same seed gives the same data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

pub(super) fn split(path: &str) -> Vec<String> {
    path.split('.').map(String::from).collect()
}

/// Items the document's examples show for a resource, in document order.
pub(super) fn example_items(spec: &Spec, r: &Resource) -> Vec<Value> {
    // The mock keeps its contract: an example that breaks the tables (a slip the
    // spec acknowledges) is not served.
    let schema = crate::schema::generate(spec)
        .into_iter()
        .find(|n| n.name == r.name)
        .and_then(|n| crate::schema::Validator::new(&n.name, &n.schema).ok());
    let single = r.pointer(&spec.envelope.single);
    let valid = |item: &Value| {
        let mut wrapped = Value::Null;
        super::pointer::set(&mut wrapped, &single, item.clone());
        schema
            .as_ref()
            .is_none_or(|v| v.violations(&wrapped).is_empty())
    };
    let mut out = Vec::new();
    for ex in &spec.examples {
        // Bodies that are not JSON are read for what they show, unless they elide
        // part of it: a record with its fields cut off is no record to serve.
        let Some(text) = ex.body.as_deref() else {
            continue;
        };
        let Some(body) = serde_json::from_str::<Value>(text).ok().or_else(|| {
            crate::lint::lenient::read(text)
                .filter(|r| !r.elided)
                .map(|r| r.value)
        }) else {
            continue;
        };
        // Records embedded in other records (a Well's Images) are records of their
        // own type: objects whose patterned fields (`@type` ending `#Image`) say so.
        let mut embedded = Vec::new();
        // An example's own items belong to its resource, whatever they look like;
        // only what they hold may be another resource's.
        let direct: Vec<&Value> = match &ex.shape {
            Some(Shape::Item(n)) => spec
                .resource(n)
                .and_then(|x| body.pointer(&x.pointer(&spec.envelope.single)))
                .into_iter()
                .collect(),
            Some(Shape::List(n)) => spec
                .resource(n)
                .and_then(|x| body.pointer(&x.pointer(&spec.envelope.list)))
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default(),
            _ => vec![],
        };
        if direct.is_empty() {
            collect_embedded(&body, r, &mut embedded);
        } else {
            for item in direct.iter().filter_map(|i| i.as_object()) {
                for child in item.values() {
                    collect_embedded(child, r, &mut embedded);
                }
            }
        }
        let found = match &ex.shape {
            Some(Shape::Item(n)) if *n == r.name => body
                .pointer(&r.pointer(&spec.envelope.single))
                .cloned()
                .into_iter()
                .collect::<Vec<_>>(),
            Some(Shape::List(n)) if *n == r.name => body
                .pointer(&r.pointer(&spec.envelope.list))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => vec![],
        };
        for item in found.into_iter().chain(embedded) {
            let id = r
                .id_field
                .as_deref()
                .and_then(|f| super::pointer::get_path(&item, f));
            let id_field = r.id_field.as_deref().unwrap_or("");
            let same = id.and_then(|id| {
                out.iter()
                    .position(|o: &Value| super::pointer::get_path(o, id_field) == Some(id))
            });
            if !item.is_object() || !valid(&item) {
                continue;
            }
            // The same record shown twice (listed, then fetched) is one record with
            // everything either example shows.
            match same {
                Some(at) => {
                    if let (Value::Object(have), Value::Object(more)) = (&mut out[at], item) {
                        for (k, v) in more {
                            have.entry(k).or_insert(v);
                        }
                    }
                }
                None => out.push(item),
            }
        }
    }
    out
}

/// Objects anywhere in a body that are records of `r`: they carry its id field and
/// every field `r` gives a pattern, matching it.
fn collect_embedded(v: &Value, r: &Resource, out: &mut Vec<Value>) {
    let patterned: Vec<&Field> = r.fields.iter().filter(|f| f.pattern.is_some()).collect();
    if patterned.is_empty() {
        return;
    }
    let is_record = |m: &Map<String, Value>| {
        r.id_field.as_deref().is_some_and(|id| m.contains_key(id))
            && patterned.iter().all(|f| {
                let schema = json!({"pattern": f.pattern});
                m.get(&f.path).is_some_and(|x| {
                    x.is_string()
                        && jsonschema::validator_for(&schema).is_ok_and(|val| val.is_valid(x))
                })
            })
    };
    match v {
        Value::Object(m) => {
            if is_record(m) {
                out.push(v.clone());
            }
            for child in m.values() {
                collect_embedded(child, r, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_embedded(x, r, out)),
        _ => {}
    }
}

/// How identifiers look: plain numbers, or an example's shape with its digits
/// counted up (`TPN:000000001`).
pub(super) enum IdFormat {
    Int,
    Text { prefix: String, width: usize },
}

impl IdFormat {
    pub(super) fn of(r: &Resource, items: &[Value]) -> Self {
        let id = r.id_field.as_deref();
        let field = id.and_then(|p| r.field(p));
        let sample = id.and_then(|p| items.iter().find_map(|i| super::pointer::get_path(i, p)));
        match (field.map(|f| f.ty.kind), sample) {
            (_, Some(Value::String(s))) => {
                let digits = s.chars().rev().take_while(char::is_ascii_digit).count();
                IdFormat::Text {
                    prefix: s[..s.len() - digits].to_string(),
                    width: digits,
                }
            }
            (Some(Kind::String), _) => IdFormat::Text {
                prefix: format!("{}-", r.name),
                width: 1,
            },
            _ => IdFormat::Int,
        }
    }

    pub(super) fn make(&self, n: usize) -> Value {
        match self {
            IdFormat::Int => json!(n),
            IdFormat::Text { prefix, width } => json!(format!("{prefix}{n:0width$}")),
        }
    }
}

/// One generated item: every field of the table, arrays of objects holding a few
/// items built from their own rows (`a[].b`).
pub(super) fn generated(r: &Resource, n: usize, rng: &mut Rng) -> Value {
    let mut root = Gen::default();
    for f in r.fields.iter().filter(|f| !f.writeonly) {
        let mut node = &mut root;
        for seg in f.path.split('.') {
            let key = seg.trim_end_matches("[]");
            if !key.is_empty() {
                node = node.child(key);
            }
            for _ in 0..(seg.len() - key.len()) / 2 {
                node = node.items.get_or_insert_with(Default::default);
            }
        }
        node.field.get_or_insert(f);
    }
    let value = root.value(n, rng);
    if value.is_object() {
        value
    } else {
        Value::Object(Map::new())
    }
}

/// A node of the field tree a record is generated from.
#[derive(Default)]
struct Gen<'f> {
    field: Option<&'f Field>,
    props: Vec<(String, Gen<'f>)>,
    items: Option<Box<Gen<'f>>>,
}

impl<'f> Gen<'f> {
    fn child(&mut self, key: &str) -> &mut Gen<'f> {
        let at = match self.props.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                self.props.push((key.to_string(), Gen::default()));
                self.props.len() - 1
            }
        };
        &mut self.props[at].1
    }

    fn value(&self, n: usize, rng: &mut Rng) -> Value {
        if let Some(items) = &self.items {
            let len = rng.below(3);
            return Value::Array((0..len).map(|_| items.value(n, rng)).collect());
        }
        if !self.props.is_empty() {
            let mut m = Map::new();
            for (k, child) in &self.props {
                m.insert(k.clone(), child.value(n, rng));
            }
            return Value::Object(m);
        }
        match self.field {
            Some(f) => value_for(f, n, rng),
            None => Value::Null,
        }
    }
}

fn value_for(f: &Field, n: usize, rng: &mut Rng) -> Value {
    if !f.values.is_empty() {
        return json!(f.values[rng.below(f.values.len())]);
    }
    let scalar = |rng: &mut Rng| -> Value {
        match f.ty.kind {
            Kind::Int => json!(rng.below(1000)),
            Kind::Number => json!(rng.below(100000) as f64 / 100.0),
            Kind::String => match f.pattern.as_deref().and_then(|p| matching(p, rng)) {
                Some(s) => json!(s),
                None => json!(format!(
                    "{} {}",
                    f.path.rsplit('.').next().unwrap_or(""),
                    n + 1
                )),
            },
            Kind::Boolean => json!(rng.below(2) == 0),
            Kind::Date => json!(format!(
                "20{:02}-{:02}-{:02}",
                10 + rng.below(15),
                1 + rng.below(12),
                1 + rng.below(28)
            )),
            Kind::DateTime => json!(format!(
                "20{:02}-{:02}-{:02}T{:02}:{:02}:00Z",
                10 + rng.below(15),
                1 + rng.below(12),
                1 + rng.below(28),
                rng.below(24),
                rng.below(60)
            )),
            Kind::Object => json!({}),
            Kind::Null => Value::Null,
            Kind::Any => json!(format!("value {}", n + 1)),
        }
    };
    if f.ty.array {
        // An array the document types no further is read as a tuple by clients
        // (IDR's `[key, value]` pairs): give it two values.
        let len = if f.ty.kind == Kind::Any {
            2
        } else {
            rng.below(3)
        };
        Value::Array((0..len).map(|_| scalar(rng)).collect())
    } else {
        scalar(rng)
    }
}

/// A string matching a field's pattern (`^[0-9]{15}$`), where the generator
/// can read it; anchors at the ends only say the whole value matches.
fn matching(pattern: &str, rng: &mut Rng) -> Option<String> {
    use rand::{RngExt, SeedableRng};
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let body = match body.strip_suffix('$') {
        Some(b) if !b.ends_with('\\') => b,
        _ => body,
    };
    // ASCII classes first, as the validator reads `\d` and `\w`; Unicode where
    // the pattern needs it (`.` can be any character).
    let ascii = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .build()
        .parse(body)
        .ok();
    let hir = match ascii {
        Some(hir) => hir,
        None => regex_syntax::Parser::new().parse(body).ok()?,
    };
    let re = rand_regex::Regex::with_hir(hir, 4).ok()?;
    let mut seeded = rand::rngs::StdRng::seed_from_u64(rng.next());
    Some(seeded.sample(&re))
}

/// `PlantLine` → `Plant Line`.
/// A body with every field of a table set to a plausible value: how the mock
/// answers operations whose response is described by their own table.
pub fn sample_body(fields: &[Field]) -> Value {
    let mut rng = Rng::new(0);
    let mut body = Value::Null;
    for f in fields {
        let mut node = &mut body;
        let steps: Vec<&str> = f.path.split('.').collect();
        for (i, step) in steps.iter().enumerate() {
            let last = i + 1 == steps.len();
            let (key, arrays) = strip_items(step);
            if !key.is_empty() {
                if !node.is_object() {
                    *node = Value::Object(Map::new());
                }
                node = node
                    .as_object_mut()
                    .expect("made an object above")
                    .entry(key.to_string())
                    .or_insert(Value::Null);
            }
            for _ in 0..arrays {
                // A row about the items (`values[]`) overrides the scalars an
                // earlier row about the array (`values`) made up for them.
                let scalar_items = node
                    .as_array()
                    .and_then(|a| a.first())
                    .is_some_and(|x| !x.is_null() && !x.is_object() && !x.is_array());
                if !node.is_array() || node.as_array().is_some_and(Vec::is_empty) || scalar_items {
                    *node = Value::Array(vec![Value::Null]);
                }
                node = &mut node.as_array_mut().expect("made an array above")[0];
            }
            if last && node.is_null() {
                *node = value_for(f, 0, &mut rng);
            }
        }
    }
    body
}

fn strip_items(step: &str) -> (&str, usize) {
    let mut key = step;
    let mut n = 0;
    while let Some(k) = key.strip_suffix("[]") {
        key = k;
        n += 1;
    }
    (key, n)
}

/// Moves the absolute URLs of a value that address the API itself to the mock's
/// host, keeping their paths; URLs of anything else (`@type` schema URLs, links to
/// other sites) stay as they are.
pub fn rehost_links(spec: &Spec, v: &mut Value) {
    walk_urls(v, &|p| served(spec, p));
}

/// Whether a path is one of the API's routes (a link the mock can answer).
pub(super) fn served(spec: &Spec, path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    spec.operations.iter().any(|o| {
        let template: Vec<&str> = o.path.split('/').collect();
        template.len() == parts.len()
            && template
                .iter()
                .zip(&parts)
                .all(|(t, p)| t == p || (t.starts_with('{') && t.ends_with('}') && !p.is_empty()))
    })
}

fn walk_urls(v: &mut Value, api: &dyn Fn(&str) -> bool) {
    match v {
        Value::String(s) => {
            if let Some(path) = url_path(s).filter(|p| api(p)) {
                *s = format!("{}{path}", super::serve::MOCK_HOST);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk_urls(x, api)),
        Value::Object(m) => m.values_mut().for_each(|x| walk_urls(x, api)),
        _ => {}
    }
}

/// The path of an absolute http(s) URL (`http:///api/v0/` has an empty host).
fn url_path(s: &str) -> Option<&str> {
    let rest = s
        .strip_prefix("http://")
        .or_else(|| s.strip_prefix("https://"))?;
    Some(rest.find('/').map_or("/", |i| &rest[i..]))
}

/// Links of generated items (`url:datasets`, `_links.self.href`), from the
/// examples: an example's link to a URL holding the example item's own id, with
/// that id replaced by each item's. Paths are dotted (`_links.self.href`).
pub(super) fn link_templates(
    spec: &Spec,
    r: &Resource,
    examples: &[Value],
) -> Vec<(String, String)> {
    let Some(id_field) = &r.id_field else {
        return Vec::new();
    };
    let prefix = spec.representation.link_prefix.as_deref();
    let mut out: Vec<(String, String)> = Vec::new();
    for item in examples {
        let Some(id) = super::pointer::get_path(item, id_field) else {
            continue;
        };
        let id = match id {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        collect_links(spec, item, "", &id, prefix, &mut out);
    }
    out
}

fn collect_links(
    spec: &Spec,
    v: &Value,
    at: &str,
    id: &str,
    prefix: Option<&str>,
    out: &mut Vec<(String, String)>,
) {
    let Value::Object(m) = v else { return };
    for (k, child) in m {
        let path = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        let is_link = prefix.is_some_and(|p| k.starts_with(p)) || path.starts_with("_links.");
        match child {
            Value::String(s) if is_link => {
                let Some(url) = url_path(s) else { continue };
                let own = format!("/{id}");
                // A link to a URL the API does not serve (a slip of the document)
                // is not one the mock hands out.
                if !served(spec, url) {
                    continue;
                }
                let template = if let Some(head) = url.strip_suffix(&own) {
                    format!("{head}/{{id}}")
                } else if url.contains(&format!("{own}/")) {
                    url.replacen(&format!("{own}/"), "/{id}/", 1)
                } else {
                    continue;
                };
                if !out.iter().any(|(p, _)| *p == path) {
                    out.push((path, template));
                }
            }
            Value::Object(_) => collect_links(spec, child, &path, id, prefix, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_match_their_pattern_as_the_validator_reads_it() {
        let mut rng = Rng::new(3);
        for pattern in [r"^\d{15}$", r"^TPN:[0-9]{9}$", r"^\w+@\w+\.org$", "^.{3}$"] {
            let validator = jsonschema::validator_for(&json!({"pattern": pattern})).unwrap();
            for _ in 0..20 {
                let v = matching(pattern, &mut rng).expect(pattern);
                assert!(validator.is_valid(&json!(v)), "{pattern}: {v:?}");
            }
        }
        // A pattern the generator cannot read leaves the plain value to the caller.
        assert_eq!(matching("(?<=a)b", &mut rng), None);
    }
}
