//! The records of a mock, generated on demand: record `i` of a resource is computed
//! from the seed whenever it is read, so a hundred thousand records per resource
//! cost nothing until served. Only the document's examples and what clients write
//! are stored.
//!
//! References are permutations: record `i` of `Y` points at record
//! `(a·i + c) mod N` of `X`, so the way back (`X`'s `Y_ids`) is the inverse
//! permutation, and both directions agree without storing either.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Value, json};

use super::data::{IdFormat, Rng, generated, split};
use super::pointer::{get_path, set_path};
use crate::spec::{Kind, Resource, Spec};

/// How one reference field of a resource is filled.
enum Ref {
    /// `X_id`: the record the permutation from this resource to `X` gives.
    One { field: String, target: usize },
    /// `Y_ids` where `Y` has a `<this>_id`: the record whose `<this>_id` is this one.
    Back { field: String, source: usize },
    /// `X_ids` with no way back: a few records of `X`.
    Some { field: String, target: usize },
    /// An integer reference to nothing the mock has: left out.
    Drop { field: String },
}

struct Plan {
    name: String,
    id_field: Option<String>,
    id_format: IdFormat,
    /// The document's example records, first in every list.
    examples: Vec<Value>,
    /// Generated records' ids count up from here, past every example's.
    base: usize,
    links: Vec<(String, String)>,
    refs: Vec<Ref>,
    /// Values of the examples for fields with a pattern (`@type`), which a
    /// generated value would not match.
    samples: Vec<(String, Value)>,
}

/// Everything needed to compute any record of any resource.
pub struct World {
    seed: u64,
    link_prefix: Option<String>,
    /// The field that hides private items, and the value seeded items get so that
    /// every client sees them.
    visible: Option<(String, Value)>,
    /// Records per resource, examples included.
    n: usize,
    multiplier: usize,
    inverse: usize,
    plans: Vec<Plan>,
}

impl World {
    pub fn new(spec: &Spec, records: usize, seed: u64) -> World {
        let n = records;
        let multiplier = [7919usize, 7927, 7933, 7937]
            .into_iter()
            .find(|a| n == 0 || gcd(*a, n) == 1)
            .unwrap_or(1);
        let inverse = if n == 0 {
            0
        } else {
            mod_inverse(multiplier, n)
        };
        let mut plans: Vec<Plan> = spec
            .resources
            .iter()
            .map(|r| {
                let mut examples = super::data::example_items(spec, r);
                examples.truncate(n);
                let id_format = IdFormat::of(r, &examples);
                if let Some(id) = &r.id_field {
                    examples.sort_by(|a, b| order(get_path(a, id), get_path(b, id)));
                }
                let base = examples
                    .iter()
                    .filter_map(|e| r.id_field.as_deref().and_then(|f| get_path(e, f)))
                    .filter_map(id_number)
                    .max()
                    .unwrap_or(0)
                    .max(examples.len());
                let links = super::data::link_templates(spec, r, &examples);
                let samples = r
                    .fields
                    .iter()
                    .filter(|f| {
                        f.pattern.is_some() && Some(f.path.as_str()) != r.id_field.as_deref()
                    })
                    .filter_map(|f| {
                        let fits = |v: &&Value| {
                            let schema = json!({"pattern": f.pattern});
                            jsonschema::validator_for(&schema).is_ok_and(|val| val.is_valid(v))
                        };
                        let v = examples
                            .iter()
                            .filter_map(|e| get_path(e, &f.path))
                            .find(fits)?;
                        Some((f.path.clone(), v.clone()))
                    })
                    .collect();
                Plan {
                    name: r.name.clone(),
                    id_field: r.id_field.clone(),
                    id_format,
                    examples,
                    base,
                    links,
                    refs: Vec::new(),
                    samples,
                }
            })
            .collect();
        for (ri, r) in spec.resources.iter().enumerate() {
            plans[ri].refs = references(spec, r);
        }
        let mut world = World {
            seed,
            link_prefix: spec.representation.link_prefix.clone(),
            visible: spec.visibility.as_ref().and_then(|v| match &v.hidden {
                Value::Bool(b) => Some((v.field.clone(), json!(!b))),
                _ => None,
            }),
            n,
            multiplier,
            inverse,
            plans,
        };
        // Examples get the same links and references as generated records.
        for ri in 0..world.plans.len() {
            for i in 0..world.plans[ri].examples.len() {
                let mut item = world.plans[ri].examples[i].clone();
                super::data::rehost_links(spec, &mut item);
                // A link of the document that the API does not serve is not handed out.
                if let (Some(prefix), Value::Object(m)) =
                    (&spec.representation.link_prefix, &mut item)
                {
                    m.retain(|k, v| {
                        !k.starts_with(prefix.as_str())
                            || v.as_str()
                                .is_none_or(|u| u.starts_with(super::serve::MOCK_HOST))
                    });
                }
                world.finish(ri, i, &mut item);
                world.plans[ri].examples[i] = item;
            }
        }
        world
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.plans.iter().position(|p| p.name == name)
    }

    /// The id of record `k` of resource `r`.
    fn id(&self, r: usize, k: usize) -> Value {
        let p = &self.plans[r];
        if k < p.examples.len() {
            let field = p.id_field.as_deref().unwrap_or("id");
            return get_path(&p.examples[k], field)
                .cloned()
                .unwrap_or(Value::Null);
        }
        p.id_format.make(p.base + (k - p.examples.len()) + 1)
    }

    fn offset(&self, from: usize, to: usize) -> usize {
        let mut rng = Rng::new(self.seed ^ ((from as u64) << 32) ^ to as u64);
        rng.below(self.n.max(1))
    }

    /// The record of `to` that record `i` of `from` points at.
    fn perm(&self, from: usize, to: usize, i: usize) -> usize {
        (self.multiplier * i + self.offset(from, to)) % self.n
    }

    /// The record of `from` that points at record `k` of `to`.
    fn inv(&self, from: usize, to: usize, k: usize) -> usize {
        ((k + self.n - self.offset(from, to)) % self.n * self.inverse) % self.n
    }

    /// The record of resource `to` that record `k` of `from` is related to (a
    /// project's dataset, a dataset's project): one relation per pair of resources,
    /// the same read from either side.
    pub fn related(&self, from: usize, k: usize, to: usize) -> usize {
        if self.n == 0 {
            return 0;
        }
        if self.plans[from].name < self.plans[to].name {
            self.perm(from, to, k)
        } else {
            self.inv(to, from, k)
        }
    }

    /// Record `i` of resource `r`.
    pub fn item(&self, r: usize, i: usize, spec_resource: &Resource) -> Value {
        let p = &self.plans[r];
        if i < p.examples.len() {
            return p.examples[i].clone();
        }
        let mut rng = Rng::new(self.seed ^ ((r as u64) << 40) ^ (i as u64).wrapping_mul(0x9e37));
        let mut item = generated(spec_resource, i, &mut rng);
        if let Some(id) = &p.id_field {
            set_path(&mut item, &split(id), self.id(r, i));
        }
        // A link the examples give no shape for would lead nowhere: leave it out.
        if let Value::Object(m) = &mut item {
            let prefix = self.link_prefix.as_deref();
            m.retain(|k, _| !prefix.is_some_and(|p| k.starts_with(p)) && k != "_links");
        }
        for (path, v) in &p.samples {
            set_path(&mut item, &split(path), v.clone());
        }
        // Seeded records are published: nobody else's private data is in view.
        if let (Some((field, value)), Value::Object(m)) = (&self.visible, &mut item)
            && m.contains_key(field)
        {
            m.insert(field.clone(), value.clone());
        }
        self.finish(r, i, &mut item);
        item
    }

    /// Sets the links a record of resource `r` carries (its own URLs) from its id.
    pub fn apply_links(&self, r: usize, item: &mut Value) {
        let p = &self.plans[r];
        let Some(own) = p.id_field.as_deref().and_then(|f| get_path(item, f)) else {
            return;
        };
        let own = match own {
            Value::String(s) => s.clone(),
            v => v.to_string(),
        };
        for (path, template) in &p.links {
            let url = format!(
                "{}{}",
                super::serve::MOCK_HOST,
                template.replace("{id}", &own)
            );
            set_path(item, &split(path), json!(url));
        }
    }

    /// Links and references of record `i`.
    fn finish(&self, r: usize, i: usize, item: &mut Value) {
        let p = &self.plans[r];
        let mut rng = Rng::new(self.seed ^ 0x5eed ^ ((r as u64) << 20) ^ i as u64);
        self.apply_links(r, item);
        let Value::Object(m) = item else { return };
        if self.n == 0 {
            return;
        }
        for reference in &p.refs {
            match reference {
                Ref::One { field, target } => {
                    m.insert(field.clone(), self.id(*target, self.perm(r, *target, i)));
                }
                Ref::Back { field, source } => {
                    m.insert(
                        field.clone(),
                        json!([self.id(*source, self.inv(*source, r, i))]),
                    );
                }
                Ref::Some { field, target } => {
                    let ids: Vec<Value> = (0..rng.below(3))
                        .map(|_| self.id(*target, rng.below(self.n)))
                        .collect();
                    m.insert(field.clone(), Value::Array(ids));
                }
                Ref::Drop { field } => {
                    m.remove(field);
                }
            }
        }
    }
}

/// How each reference field of a resource is filled.
fn references(spec: &Spec, r: &Resource) -> Vec<Ref> {
    let index = |name: &str| spec.resources.iter().position(|x| x.name == name);
    let mut out = Vec::new();
    for f in r
        .fields
        .iter()
        .filter(|f| !f.path.contains('.') && !f.path.contains("[]"))
    {
        if Some(f.path.as_str()) == r.id_field.as_deref() {
            continue;
        }
        let is_ref = f.path.ends_with("_id") || f.path.ends_with("_ids");
        // A field shaped like another resource's identifier (`tpn` of a plan,
        // `^TPN:[0-9]+$`) names one of its records.
        let by_pattern = f.pattern.as_ref().and_then(|p| {
            spec.resources.iter().position(|x| {
                x.name != r.name
                    && x.id_field
                        .as_deref()
                        .and_then(|id| x.field(id))
                        .is_some_and(|id| id.pattern.as_ref() == Some(p))
            })
        });
        if let Some(target) = by_pattern {
            out.push(Ref::One {
                field: f.path.clone(),
                target,
            });
            continue;
        }
        match spec
            .reference_target(f)
            .map(|(t, many)| (t.name.as_str(), many))
        {
            Some((t, false)) => out.push(Ref::One {
                field: f.path.clone(),
                target: index(t).expect("a resource of the spec"),
            }),
            Some((t, true)) => {
                let back = format!("{}_id", r.name);
                let source = index(t).expect("a resource of the spec");
                if spec.resources[source].field(&back).is_some() {
                    out.push(Ref::Back {
                        field: f.path.clone(),
                        source,
                    });
                } else {
                    out.push(Ref::Some {
                        field: f.path.clone(),
                        target: source,
                    });
                }
            }
            // Text identifiers (`pubmed_id`) point outside the API: they stay.
            None if is_ref && f.ty.kind == Kind::Int && !f.required => out.push(Ref::Drop {
                field: f.path.clone(),
            }),
            None => {}
        }
    }
    out
}

fn id_number(v: &Value) -> Option<usize> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => {
            let digits: String = s.chars().rev().take_while(char::is_ascii_digit).collect();
            digits.chars().rev().collect::<String>().parse().ok()
        }
        _ => None,
    }
}

fn order(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    match (a.and_then(id_number), b.and_then(id_number)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => std::cmp::Ordering::Equal,
    }
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn mod_inverse(a: usize, n: usize) -> usize {
    let (mut t, mut new_t) = (0i128, 1i128);
    let (mut r, mut new_r) = (n as i128, a as i128 % n as i128);
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    t.rem_euclid(n as i128) as usize
}

/// Where a record sits: one of the base records (examples, then generated), or
/// one a client added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Base(usize),
    Added(usize),
}

/// One resource's records: the computed ones as changed by clients.
pub struct Table {
    index: usize,
    resource: Resource,
    world: Arc<World>,
    removed: HashSet<Slot>,
    replaced: HashMap<Slot, Value>,
    added: Vec<Value>,
}

/// The records of every resource, by resource name.
pub type Tables = HashMap<String, Table>;

pub fn tables(spec: &Spec, records: usize, seed: u64) -> Tables {
    let world = Arc::new(World::new(spec, records, seed));
    spec.resources
        .iter()
        .map(|r| {
            let index = world.index_of(&r.name).expect("built from the same spec");
            (
                r.name.clone(),
                Table {
                    index,
                    resource: r.clone(),
                    world: world.clone(),
                    removed: HashSet::new(),
                    replaced: HashMap::new(),
                    added: Vec::new(),
                },
            )
        })
        .collect()
}

impl Table {
    /// Every record's place, in id order.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        (0..self.world.n)
            .map(Slot::Base)
            .chain((0..self.added.len()).map(Slot::Added))
            .filter(|s| !self.removed.contains(s))
    }

    /// The records from `offset` on, at most `size`, in id order: with nothing
    /// removed, straight from their places.
    pub fn page(&self, offset: usize, size: usize) -> Vec<Value> {
        if self.removed.is_empty() {
            let total = self.world.n + self.added.len();
            let end = offset.saturating_add(size).min(total);
            return (offset.min(end)..end)
                .map(|k| {
                    let slot = if k < self.world.n {
                        Slot::Base(k)
                    } else {
                        Slot::Added(k - self.world.n)
                    };
                    self.get(slot)
                })
                .collect();
        }
        self.slots()
            .skip(offset)
            .take(size)
            .map(|s| self.get(s))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.world.n + self.added.len() - self.removed.len()
    }

    pub fn get(&self, s: Slot) -> Value {
        if let Some(v) = self.replaced.get(&s) {
            return v.clone();
        }
        match s {
            Slot::Base(i) => self.world.item(self.index, i, &self.resource),
            Slot::Added(j) => self.added[j].clone(),
        }
    }

    /// The place of the record with this id.
    pub fn find(&self, id: &str) -> Option<Slot> {
        let field = self.resource.id_field.as_deref()?;
        let matches = |v: &Value| get_path(v, field).is_some_and(|x| super::serve::same_id(x, id));
        let plan = &self.world.plans[self.index];
        // A generated record's id says where it is.
        let numeric: Option<usize> = id_number(&json!(id));
        if let Some(k) = numeric.and_then(|v| v.checked_sub(plan.base + 1)) {
            let s = Slot::Base(plan.examples.len() + k);
            if plan.examples.len() + k < self.world.n
                && !self.removed.contains(&s)
                && matches(&self.get(s))
            {
                return Some(s);
            }
        }
        (0..plan.examples.len())
            .map(Slot::Base)
            .chain((0..self.added.len()).map(Slot::Added))
            .chain(self.replaced.keys().copied())
            .find(|s| !self.removed.contains(s) && matches(&self.get(*s)))
    }

    pub fn set(&mut self, s: Slot, v: Value) {
        self.replaced.insert(s, v);
    }

    pub fn remove(&mut self, s: Slot) {
        self.removed.insert(s);
        self.replaced.remove(&s);
    }

    /// Adds a record a client created; it gets the links of its resource.
    pub fn push(&mut self, mut v: Value) -> Slot {
        self.world.apply_links(self.index, &mut v);
        self.added.push(v);
        Slot::Added(self.added.len() - 1)
    }

    /// The record of `to` related to this table's record at `slot`, if any.
    pub fn related(&self, slot: Slot, to: &Table) -> Option<Slot> {
        let Slot::Base(k) = slot else { return None };
        let j = self.world.related(self.index, k, to.index);
        let s = Slot::Base(j);
        (!to.removed.contains(&s)).then_some(s)
    }

    /// The records clients added, in order.
    pub fn added_slots(&self) -> Vec<Slot> {
        (0..self.added.len())
            .map(Slot::Added)
            .filter(|s| !self.removed.contains(s))
            .collect()
    }

    /// The id the next added record gets.
    pub fn next_id(&self) -> Value {
        let plan = &self.world.plans[self.index];
        let generated = self.world.n - plan.examples.len();
        plan.id_format
            .make(plan.base + generated + self.added.len() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_invert() {
        for n in [1usize, 7, 100, 7919 * 2] {
            let a = [7919usize, 7927]
                .into_iter()
                .find(|a| gcd(*a, n) == 1)
                .unwrap();
            let inv = mod_inverse(a, n);
            for i in (0..n).step_by((n / 50).max(1)) {
                let k = (a * i + 3) % n;
                assert_eq!((k + n - 3 % n) % n * inv % n, i, "n={n} i={i}");
            }
        }
    }
}
