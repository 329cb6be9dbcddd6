//! Places in a reference document: `bip.txt:654`, or for a document without line
//! structure `omero.txt:1:4312 (Pagination)`.
//!
//! A `DocRef` is written as a single string in specs so a reader can copy it into an
//! editor's "go to" box; it parses back losslessly.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocRef {
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, for documents whose lines are too long to point at.
    pub column: Option<u32>,
    /// Nearest heading, shown with a column so the place reads without the file open.
    pub heading: Option<String>,
}

impl DocRef {
    pub fn line(file: &str, line: u32) -> Self {
        DocRef {
            file: file.to_string(),
            line,
            column: None,
            heading: None,
        }
    }

    pub fn column(file: &str, line: u32, column: u32, heading: Option<&str>) -> Self {
        DocRef {
            file: file.to_string(),
            line,
            column: Some(column),
            heading: heading.map(str::to_string),
        }
    }
}

impl fmt::Display for DocRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        if let Some(h) = &self.heading {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("invalid document reference `{0}`: expected FILE:LINE or FILE:LINE:COLUMN (HEADING)")]
pub struct DocRefError(String);

impl FromStr for DocRef {
    type Err = DocRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || DocRefError(s.to_string());
        let (place, heading) = match s.find(" (") {
            Some(i) if s.ends_with(')') => (&s[..i], Some(s[i + 2..s.len() - 1].to_string())),
            _ => (s, None),
        };
        let mut parts = place.split(':');
        let file = parts.next().filter(|f| !f.is_empty()).ok_or_else(bad)?;
        let line = parts.next().and_then(|l| l.parse().ok()).ok_or_else(bad)?;
        let column = match parts.next() {
            Some(c) => Some(c.parse().map_err(|_| bad())?),
            None => None,
        };
        if parts.next().is_some() || (heading.is_some() && column.is_none()) {
            return Err(bad());
        }
        Ok(DocRef {
            file: file.to_string(),
            line,
            column,
            heading,
        })
    }
}

impl Serialize for DocRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DocRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DocRef {
    fn schema_name() -> Cow<'static, str> {
        "DocRef".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A place in the document: FILE:LINE, or FILE:LINE:COLUMN (HEADING) for documents without line structure.",
            "pattern": r"^[^:\s]+:[0-9]+(:[0-9]+( \(.+\))?)?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_forms() {
        for s in [
            "bip.txt:654",
            "omero.txt:1:4312 (Pagination)",
            "omero.txt:1:7",
        ] {
            let r: DocRef = s.parse().unwrap();
            assert_eq!(r.to_string(), s);
        }
    }

    #[test]
    fn rejects_malformed() {
        for s in ["bip.txt", ":3", "bip.txt:x", "a:1:2:3", "a:1 (h)"] {
            assert!(s.parse::<DocRef>().is_err(), "{s} should not parse");
        }
    }
}
