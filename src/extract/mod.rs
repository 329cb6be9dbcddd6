//! Stage 2, extraction: the parts of a spec a document states as tables, URL
//! templates and examples, read by one parser per document style; and `build`, which
//! lays the hand-written overlay (what the document says only in prose) over them.
//!
//! Invariant: `build(extract(doc), overlay)` reproduces the committed spec exactly,
//! so a new version of a document is re-extracted, never re-typed.

mod bip;
mod examples;
mod http;
mod idr;
mod impc;
mod omero;
mod overlay;
mod restdocs;
mod text;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::spec::{ErrorBody, Example, Flow, Operation, Resource, UrlTemplate, Variant};

pub(crate) use examples::fragments;
pub use examples::infer_shapes;
pub use overlay::{build, style_of};
pub use text::Doc;

/// The document styles assay reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Pipe tables `name | type | flags | description` under CamelCase headings.
    Bip,
    /// Spring REST Docs: `Path`, `Type`, `Description` on successive lines.
    Restdocs,
    /// One long reStructuredText line: `Name Type Description` parameter tables.
    Omero,
    /// A field table without paths or types, and one example document.
    Impc,
    /// URL templates and the fields an example client reads.
    Idr,
}

impl Style {
    pub const ALL: [(Style, &'static str); 5] = [
        (Style::Bip, "bip"),
        (Style::Restdocs, "restdocs"),
        (Style::Omero, "omero"),
        (Style::Impc, "impc"),
        (Style::Idr, "idr"),
    ];

    pub fn name(self) -> &'static str {
        Style::ALL.iter().find(|(s, _)| *s == self).unwrap().1
    }
}

impl fmt::Display for Style {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Style {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Style::ALL
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(st, _)| *st)
            .ok_or_else(|| {
                format!(
                    "unknown document style `{s}`: expected one of bip, restdocs, omero, impc, idr{}",
                    crate::error::did_you_mean(s, Style::ALL.iter().map(|(_, n)| *n))
                )
            })
    }
}

/// What extraction reads from a document.
#[derive(Debug, Default, Serialize)]
pub struct Extracted {
    pub document: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorBody>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// Kinds of item of a resource with a field table each (restdocs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Operation>,
    /// URL templates a client script defines (idr).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub url_templates: Vec<UrlTemplate>,
    /// Values the client carries from responses into requests (idr).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Flow>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
}

/// A document fragment extraction cannot read, with its place.
#[derive(Debug, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ExtractError {
    pub at: crate::spec::DocRef,
    pub message: String,
}

/// Reads a document of the given style. `name` is the file name cited in references.
pub fn extract(style: Style, name: &str, text: &str) -> Result<Extracted, ExtractError> {
    let doc = Doc::new(name, text);
    match style {
        Style::Bip => bip::extract(&doc),
        Style::Restdocs => restdocs::extract(&doc),
        Style::Omero => omero::extract(&doc),
        Style::Impc => impc::extract(&doc),
        Style::Idr => idr::extract(&doc),
    }
}
