//! Integration tests, one module per area.

/// The command line: its definition, exit codes, error messages.
mod cli;
/// Clients written by the documents' authors, against the mock.
mod clients;
/// Locating the documents, specs and overlays; temporary folders.
mod common;
/// Every table row, endpoint and example of each document is in its spec.
mod completeness;
/// The HTML report: self-contained, escaped, and filtered in headless Chromium.
mod html;
/// Servers written from each document alone pass with 0 failures, writes allowed.
mod independent;
/// Lint: committed specs are clean; contradictions are found and cited.
mod lint;
/// The mock serves what its spec says (one file per API, plus faults and cross-spec checks).
mod mock;
/// OpenAPI export (valid 3.1, stable through an import) and import.
mod openapi;
/// Recorded snapshots: stable, drift reported, insta-compatible, no secrets.
mod recorded;
/// The runner against clean, faulty and hostile servers.
mod run;
/// Generated schemas: examples validate, snapshots are current, writes are strict.
mod schemas;
/// Committed specs load, are reproduced by extraction + overlay, and the spec
/// format's schema is fresh.
mod specs;
/// Committed suites are current; hand-written ones load beside them.
mod suites;
