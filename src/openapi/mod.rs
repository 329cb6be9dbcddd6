//! OpenAPI 3.1, both ways: `export` writes a spec as an OpenAPI description (for
//! peer tools such as Schemathesis, and for readers who know OpenAPI), `import`
//! reads an OpenAPI 3.x description into a spec, so an API documented only in
//! OpenAPI can be tested.
//!
//! OpenAPI has no words for much of what a spec holds (paging conventions,
//! envelopes, the document places every item rests on, conditions of outcomes).
//! The export states what OpenAPI can in its own terms and carries the rest in
//! `x-assay` extensions: one on the document for the API-wide parts, one on each
//! operation. Importing an export therefore gives the spec back, and
//! export → import → export is stable; a description without them is read from its
//! standard parts alone (`infer`).

mod export;
mod import;
mod infer;

pub use export::export;
pub use import::import;

/// Extension key on the document and on each operation.
const EXT: &str = "x-assay";
