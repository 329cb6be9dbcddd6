//! The idr style. Not written yet.

use super::text::Doc;
use super::{ExtractError, Extracted};

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    Err(ExtractError {
        at: crate::spec::DocRef::line(doc.name, 1),
        message: "the idr extractor is not written yet".into(),
    })
}
