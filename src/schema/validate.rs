//! Validating JSON documents against generated schemas. Formats (`date`,
//! `date-time`) are asserted, not just annotated: jsonschema treats them as
//! annotations under 2020-12 unless told otherwise, and a wrong date would pass.

use serde_json::Value;

/// One way a document breaks a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON pointer into the document (`/plant_lines/3/id`).
    pub instance_path: String,
    /// JSON pointer into the schema, to the keyword that failed.
    pub schema_path: String,
    pub message: String,
    /// The offending value.
    pub actual: Value,
}

pub struct Validator {
    inner: jsonschema::Validator,
}

impl Validator {
    /// Compiles a schema; a malformed one is reported with its name, since the
    /// library's own message has no context.
    pub fn new(name: &str, schema: &Value) -> Result<Self, String> {
        jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .map(|inner| Validator { inner })
            .map_err(|e| format!("schema `{name}` is not a valid JSON Schema: {e}"))
    }

    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        self.inner
            .iter_errors(instance)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                schema_path: e.schema_path().to_string(),
                message: e.to_string(),
                actual: e.instance().clone().into_owned(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats_are_asserted() {
        let v = Validator::new("t", &json!({"type": "string", "format": "date"})).unwrap();
        assert!(v.violations(&json!("2015-07-18")).is_empty());
        let bad = v.violations(&json!("18/07/2015"));
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].instance_path, "");
    }

    #[test]
    fn reports_instance_paths() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "integer"}}}});
        let v = Validator::new("t", &schema).unwrap();
        let bad = v.violations(&json!({"a": [1, "x"]}));
        assert_eq!(bad[0].instance_path, "/a/1");
        assert_eq!(bad[0].actual, json!("x"));
    }
}
