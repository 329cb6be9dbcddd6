//! Change records and state-machine transitions, where the spec documents them:
//! every create and update of an item leaves a record naming each changed field
//! with its old and new value, and an update may execute one of the transitions
//! the item offers.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::spec::{History, Operation, StateMachine};

/// Change records by (resource, id), oldest first.
pub type Histories = HashMap<(String, String), Vec<Value>>;

/// One detail of a change: the field (dotted path), its old and new values, and
/// which note applies.
pub struct Change {
    pub field: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// The fields whose values differ between two versions of an item.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk(Some(old), Some(new), String::new(), &mut out);
    out
}

fn walk(old: Option<&Value>, new: Option<&Value>, at: String, out: &mut Vec<Change>) {
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.dedup();
            let mut seen = std::collections::HashSet::new();
            for k in keys {
                if !seen.insert(k) || k == "_links" {
                    continue;
                }
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                walk(a.get(k), b.get(k), path, out);
            }
        }
        (a, b) if a == b => {}
        // A null and an absent value are the same absence.
        (None | Some(Value::Null), None | Some(Value::Null)) => {}
        // Absent on one side: an element added or deleted; a value that was or
        // becomes null is a field changed.
        (a, b) => out.push(Change {
            field: at,
            old: a.cloned(),
            new: b.cloned(),
        }),
    }
}

/// When the mock's seeded items were created, the same at every start: a record
/// of the same data reads the same.
pub const SEEDED: &str = "2020-01-01T00:00:00";

/// A change record as the API writes it, made at `date`.
pub fn record(
    h: &History,
    (id, date): (usize, &str),
    user: &str,
    comment: &str,
    changes: &[Change],
) -> Value {
    let text = |v: &Option<Value>| match v {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(s)) => json!(s),
        Some(v) => json!(v.to_string()),
    };
    let details: Vec<Value> = changes
        .iter()
        .map(|c| {
            let note = match (&c.old, &c.new) {
                (None, Some(_)) => &h.added,
                (Some(_), None) => &h.deleted,
                _ => &h.changed,
            };
            let mut d = Map::new();
            d.insert(h.field.clone(), json!(c.field));
            d.insert(h.old_value.clone(), text(&c.old));
            d.insert(h.new_value.clone(), text(&c.new));
            d.insert(h.note.clone(), json!(note));
            Value::Object(d)
        })
        .collect();
    let mut r = Map::new();
    r.insert(h.id.clone(), json!(id));
    r.insert(h.user.clone(), json!(user));
    r.insert(h.date.clone(), json!(date));
    r.insert(h.comment.clone(), json!(comment));
    r.insert(h.details.clone(), Value::Array(details));
    Value::Object(r)
}

/// The key an operation's response puts change records under (`history` for
/// `history[].id`), when its table describes one.
pub fn records_key(h: &History, op: &Operation) -> Option<String> {
    let suffix = format!("[].{}", h.id);
    op.response_fields
        .iter()
        .find_map(|f| f.path.strip_suffix(&suffix).map(String::from))
}

/// Executes the transition a write names, on the stored item's machine. `Err`
/// with a message when the item offers no such transition to a user now.
pub fn transition(sm: &StateMachine, old: &Value, new: &mut Value) -> Result<(), String> {
    let Some(action) = new
        .get(&sm.field)
        .and_then(|m| m.get(&sm.execute))
        .and_then(Value::as_str)
        .map(String::from)
    else {
        // No transition asked for: the machine is not the client's to edit.
        if let (Some(m), Value::Object(n)) = (old.get(&sm.field), &mut *new) {
            n.insert(sm.field.clone(), m.clone());
        }
        return Ok(());
    };
    let machine = old.get(&sm.field).cloned().unwrap_or(json!({}));
    let offered = machine
        .get(&sm.transitions)
        .and_then(Value::as_array)
        .and_then(|ts| {
            ts.iter().find(|t| {
                t.get(&sm.action).and_then(Value::as_str) == Some(action.as_str())
                    && t.get(&sm.by_user) == Some(&json!(true))
                    && t.get(&sm.available) == Some(&json!(true))
            })
        })
        .cloned();
    let Some(t) = offered else {
        return Err(format!(
            "`{action}` is not a transition this item offers to users now"
        ));
    };
    let mut machine = machine;
    if let Some(next) = t.get(&sm.next) {
        machine[&sm.current] = next.clone();
    }
    // What the new status offers is not the mock's to know: nothing, for now.
    if let Some(Value::Array(ts)) = machine.get_mut(&sm.transitions) {
        for t in ts.iter_mut().filter(|t| t.is_object()) {
            t[&sm.available] = json!(false);
        }
    }
    machine[&sm.execute] = Value::Null;
    if let Value::Object(n) = new {
        n.insert(sm.field.clone(), machine);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_name_changed_added_and_removed_fields() {
        let old = json!({"a": 1, "b": {"c": "x"}, "d": "gone", "e": null, "g": null});
        let new = json!({"a": 2, "b": {"c": "x"}, "f": "new", "e": null, "g": "set"});
        let changes = diff(&old, &new);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["a", "d", "g", "f"]);
        assert!(changes[1].new.is_none() && changes[3].old.is_none());
        assert_eq!(
            changes[2].old,
            Some(Value::Null),
            "null to a value is a change"
        );
    }
}
