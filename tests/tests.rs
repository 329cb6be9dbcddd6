//! Integration tests, one module per area.

/// Locating the documents, specs and overlays.
mod common;
/// The command line's definition is consistent.
mod cli;
/// Committed specs load, are reproduced by extraction + overlay, and the spec
/// format's schema is fresh.
mod specs;
