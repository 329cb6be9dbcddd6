//! Setting values at JSON pointers, creating the objects on the way: how envelopes
//! (`/meta/total_count`, `/_embedded/projects`) and nested field paths (`a.b`) are
//! built from the spec's pointers.

use serde_json::{Map, Value};

/// Sets `value` at `pointer` (`""` replaces the root).
pub fn set(root: &mut Value, pointer: &str, value: Value) {
    set_path(root, &crate::value::tokens(pointer), value);
}

/// Sets `value` under the keys of `path`, creating objects on the way.
pub fn set_path(root: &mut Value, path: &[String], value: Value) {
    let mut node = root;
    for t in path {
        if !node.is_object() {
            *node = Value::Object(Map::new());
        }
        node = node
            .as_object_mut()
            .expect("made an object above")
            .entry(t.clone())
            .or_insert(Value::Null);
    }
    *node = value;
}

/// The value under a field path (`a.b`; arrays are not stepped into).
pub fn get_path<'v>(item: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(item, |v, k| v.get(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_nested_objects() {
        let mut v = Value::Null;
        set(&mut v, "/meta/total_count", json!(3));
        set(&mut v, "/meta/page", json!(1));
        set(&mut v, "/plant_lines", json!([]));
        assert_eq!(
            v,
            json!({"meta": {"total_count": 3, "page": 1}, "plant_lines": []})
        );
        let mut root = json!({"a": 1});
        set(&mut root, "", json!([1]));
        assert_eq!(root, json!([1]));
        assert_eq!(get_path(&json!({"a": {"b": 2}}), "a.b"), Some(&json!(2)));
    }
}
