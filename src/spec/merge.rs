//! Overlaying hand-written spec parts on extracted ones.
//!
//! Extraction yields what a document states in tables and examples; an overlay adds
//! what it states in prose. Both are partial specs, merged as JSON trees: objects merge
//! key by key, arrays of objects merge item by item on their identity (`id`, `path`
//! or `name`), anything else in the overlay replaces the extracted value. So an overlay
//! can add a flag to one field of one resource without restating the resource.

use serde_json::Value;

const IDENTITY_KEYS: [&str; 3] = ["id", "path", "name"];

/// Merges `overlay` into `base`.
pub fn merge(base: &mut Value, overlay: Value) {
    match (base, overlay) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(b), Value::Array(o)) if o.iter().all(|i| identity(i).is_some()) => {
            for item in o {
                let id = identity(&item).expect("checked above");
                match b.iter_mut().find(|x| identity(x) == Some(id.clone())) {
                    Some(slot) => merge(slot, item),
                    None => b.push(item),
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn identity(v: &Value) -> Option<(&'static str, Value)> {
    let obj = v.as_object()?;
    IDENTITY_KEYS
        .iter()
        .find_map(|k| obj.get(*k).map(|id| (*k, id.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overlays_by_identity() {
        let mut base = json!({
            "name": "bip",
            "resources": [
                {"name": "plant_line", "fields": [{"path": "id", "type": "int"}, {"path": "x", "type": "string"}]},
                {"name": "trait", "fields": []}
            ]
        });
        merge(
            &mut base,
            json!({
                "title": "BIP",
                "resources": [
                    {"name": "plant_line", "fields": [{"path": "x", "pattern": "^a"}, {"path": "y", "type": "int"}]},
                    {"name": "new", "fields": []}
                ]
            }),
        );
        assert_eq!(
            base,
            json!({
                "name": "bip",
                "resources": [
                    {"name": "plant_line", "fields": [
                        {"path": "id", "type": "int"},
                        {"path": "x", "type": "string", "pattern": "^a"},
                        {"path": "y", "type": "int"}
                    ]},
                    {"name": "trait", "fields": []},
                    {"name": "new", "fields": []}
                ],
                "title": "BIP"
            })
        );
    }

    #[test]
    fn plain_arrays_are_replaced() {
        let mut base = json!({"statuses": [200, 404]});
        merge(&mut base, json!({"statuses": [200]}));
        assert_eq!(base, json!({"statuses": [200]}));
    }
}
