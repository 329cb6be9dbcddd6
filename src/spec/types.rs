//! Field types as the documents write them: `int`, `string[]`, `datetime`, `object[]`…
//!
//! A type is a scalar kind plus whether it is an array of that kind; the string form
//! (`int[]`) is what specs carry, so a spec reads like the document's own tables.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Int,
    Number,
    String,
    Boolean,
    Date,
    DateTime,
    Object,
    Null,
    /// Any JSON value: the document names no type (`Array` without item type, say).
    Any,
}

impl Kind {
    const ALL: [(Kind, &'static str); 9] = [
        (Kind::Int, "int"),
        (Kind::Number, "number"),
        (Kind::String, "string"),
        (Kind::Boolean, "boolean"),
        (Kind::Date, "date"),
        (Kind::DateTime, "datetime"),
        (Kind::Object, "object"),
        (Kind::Null, "null"),
        (Kind::Any, "any"),
    ];

    pub fn name(self) -> &'static str {
        Kind::ALL.iter().find(|(k, _)| *k == self).unwrap().1
    }

    /// Whether a JSON value is of this kind. Dates are strings here; their format is
    /// the schema's business.
    pub fn admits(self, v: &serde_json::Value) -> bool {
        use serde_json::Value as V;
        match (self, v) {
            (Kind::Any, _) => true,
            (Kind::Int, V::Number(n)) => n.is_i64() || n.is_u64(),
            (Kind::Number, V::Number(_)) => true,
            (Kind::String | Kind::Date | Kind::DateTime, V::String(_)) => true,
            (Kind::Boolean, V::Bool(_)) => true,
            (Kind::Object, V::Object(_)) => true,
            (Kind::Null, V::Null) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldType {
    pub kind: Kind,
    pub array: bool,
}

impl FieldType {
    pub const fn scalar(kind: Kind) -> Self {
        FieldType { kind, array: false }
    }

    pub const fn array_of(kind: Kind) -> Self {
        FieldType { kind, array: true }
    }

    pub fn admits(self, v: &serde_json::Value) -> bool {
        match (self.array, v) {
            (true, serde_json::Value::Array(items)) => items.iter().all(|i| self.kind.admits(i)),
            (true, _) => false,
            (false, v) => self.kind.admits(v),
        }
    }

    /// The type of a JSON value as a document would name it, for inferring types from
    /// examples (the impc_images table gives none). A whole number in one sample does
    /// not make a field integral (a wavelength of 457 may be 457.5 next time), so
    /// numbers are `number`.
    pub fn of_value(v: &serde_json::Value) -> Self {
        use serde_json::Value as V;
        let kind = |v: &V| match v {
            V::Null => Kind::Null,
            V::Bool(_) => Kind::Boolean,
            V::Number(_) => Kind::Number,
            V::String(_) => Kind::String,
            V::Object(_) => Kind::Object,
            V::Array(_) => Kind::Any,
        };
        match v {
            V::Array(items) => {
                let mut kinds = items.iter().map(kind);
                let first = kinds.next().unwrap_or(Kind::Any);
                let all_same = kinds.all(|k| k == first);
                FieldType::array_of(if all_same { first } else { Kind::Any })
            }
            v => FieldType::scalar(kind(v)),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.kind, self.array) {
            (Kind::Any, true) => f.write_str("array"),
            (k, true) => write!(f, "{}[]", k.name()),
            (k, false) => f.write_str(k.name()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error(
    "unknown type `{0}`: expected one of int, number, string, boolean, date, datetime, object, null, any, array, or one of these followed by []"
)]
pub struct TypeError(String);

impl FromStr for FieldType {
    type Err = TypeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "array" {
            return Ok(FieldType::array_of(Kind::Any));
        }
        let (base, array) = match s.strip_suffix("[]") {
            Some(b) => (b, true),
            None => (s, false),
        };
        let kind = Kind::ALL
            .iter()
            .find(|(_, n)| *n == base)
            .map(|(k, _)| *k)
            .ok_or_else(|| TypeError(s.to_string()))?;
        Ok(FieldType { kind, array })
    }
}

impl Serialize for FieldType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for FieldType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for FieldType {
    fn schema_name() -> Cow<'static, str> {
        "FieldType".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A field type: a kind (int, number, string, boolean, date, datetime, object, null, any), optionally followed by [] for an array of it; `array` is an array of anything.",
            "pattern": r"^((int|number|string|boolean|date|datetime|object|null|any)(\[\])?|array)$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_prints() {
        for s in [
            "int", "int[]", "string[]", "datetime", "object[]", "array", "null",
        ] {
            assert_eq!(s.parse::<FieldType>().unwrap().to_string(), s);
        }
        assert!("integer".parse::<FieldType>().is_err());
    }

    #[test]
    fn admits_values() {
        let t: FieldType = "int[]".parse().unwrap();
        assert!(t.admits(&json!([1, 2])));
        assert!(!t.admits(&json!([1, "2"])));
        assert!(!t.admits(&json!(1)));
        assert!(!FieldType::scalar(Kind::Int).admits(&json!(1.5)));
        assert!(FieldType::scalar(Kind::Number).admits(&json!(1)));
    }

    #[test]
    fn infers_from_values() {
        assert_eq!(FieldType::of_value(&json!(20.5)).to_string(), "number");
        assert_eq!(FieldType::of_value(&json!(100)).to_string(), "number");
        assert_eq!(
            FieldType::of_value(&json!(["a", "b"])).to_string(),
            "string[]"
        );
        assert_eq!(FieldType::of_value(&json!([])).to_string(), "array");
    }
}
