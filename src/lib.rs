//! assay: conformance and contract testing for documented JSON/HTTP APIs.
//!
//! One module per pipeline stage; `cli` turns arguments into calls of them.

pub mod cli;
pub mod error;
pub mod extract;
pub mod generate;
pub mod lint;
pub mod mock;
pub mod openapi;
pub mod report;
pub mod run;
pub mod schema;
pub mod snapshot;
pub mod spec;
pub mod value;
