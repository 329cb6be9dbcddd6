//! Filter tables: a `Table N. Filters for …` caption, an optional `Filter name
//! Description` header, then each filter's name on its own line followed by its
//! description, possible values as bullets. They become the query parameters of
//! their section's list operation.
//!
//! A name starts a row only once the row before has a description, so a one-word
//! description is not taken for the next filter.

use std::collections::HashSet;

use serde_json::json;

use crate::extract::ExtractError;
use crate::extract::text::Doc;
use crate::spec::{DocRef, Operation, OperationKind, Param};

use super::build;
use super::sections::Section;
use super::tables::{description, is_path, next_nonblank};

pub(super) struct FilterTable {
    /// Line of the `Table N. …` caption.
    pub caption: usize,
    pub params: Vec<Param>,
}

/// `Table 2. Filters for projects` → `Filters for projects`.
pub(super) fn table_caption(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("Table ")?;
    let (number, caption) = rest.split_once(". ")?;
    number
        .chars()
        .all(|c| c.is_ascii_digit())
        .then_some(caption.trim())
}

/// A filter's name: a path of one plain segment.
fn is_name(s: &str) -> bool {
    is_path(s) && !s.contains(['.', '['])
}

/// Every table whose caption speaks of filters, its rows read up to the first stop
/// line.
pub(super) fn filter_tables(doc: &Doc, stops: &HashSet<usize>) -> Vec<FilterTable> {
    let mut out = Vec::new();
    for (n, l) in doc.lines() {
        let Some(caption) = table_caption(l) else {
            continue;
        };
        if !caption.to_lowercase().contains("filter") {
            continue;
        }
        let mut rows: Vec<(usize, Vec<&str>)> = Vec::new();
        let mut at = next_nonblank(doc, n);
        // An optional header: `Filter name Description`.
        if let Some(k) = at
            && doc.line(k).trim().ends_with(" Description")
        {
            at = next_nonblank(doc, k);
        }
        while let Some(k) = at {
            if stops.contains(&k) {
                break;
            }
            let t = doc.line(k).trim();
            // A name starts a row once the row before has its description.
            match rows.last_mut() {
                Some((_, text)) if text.is_empty() || !is_name(t) => text.push(t),
                _ if is_name(t) => rows.push((k, Vec::new())),
                _ => break,
            }
            at = next_nonblank(doc, k);
        }
        let params = rows
            .into_iter()
            .map(|(k, text)| {
                let (description, values) = description(&text);
                build(json!({
                    "name": doc.line(k).trim(),
                    "in": "query",
                    "type": "string",
                    "role": "filter",
                    "enum": values,
                    "description": description,
                    "doc": DocRef::line(doc.name, k as u32),
                }))
            })
            .collect();
        out.push(FilterTable { caption: n, params });
    }
    out
}

/// Adds each filter table's filters to the list operation of its section's
/// resource; `plurals` pairs collection names with resource names.
pub(super) fn add_filters(
    doc: &Doc,
    sections: &[Section],
    plurals: &[(String, String)],
    filters: &[FilterTable],
    operations: &mut [Operation],
) -> Result<(), ExtractError> {
    for f in filters {
        let resource = sections
            .iter()
            .find(|s| s.contains(f.caption))
            .and_then(|s| s.plural.as_ref())
            .and_then(|p| plurals.iter().find(|(q, _)| q == p))
            .map(|(_, name)| name);
        let op = resource
            .and_then(|name| {
                operations
                    .iter_mut()
                    .find(|o| o.kind == OperationKind::List && o.resource.as_ref() == Some(name))
            })
            .ok_or_else(|| ExtractError {
                at: DocRef::line(doc.name, f.caption as u32),
                message: "a filter table in a section without a list operation".into(),
            })?;
        for p in &f.params {
            match op.params.iter_mut().find(|q| q.name == p.name) {
                // Tables for different kinds of item name the same filter: its values
                // are the union.
                Some(q) => {
                    for v in &p.values {
                        if !q.values.contains(v) {
                            q.values.push(v.clone());
                        }
                    }
                }
                None => op.params.push(p.clone()),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::restdocs::sections::headings;
    use crate::extract::restdocs::tables::stop_lines;

    #[test]
    fn reads_filter_tables_with_possible_values() {
        let text = "\
Table 2. Filters for projects
Filter name Description

tpn

TPN(s) to be used as a filter. Eg: TPN:000000013.

intention

Name of the intention. Possible values:

  • Point Mutation

  • Deletion

gene

Marker symbol or accession id(s). Eg.Vps37a,MGI:1261835

privacyName

The privacy of the project. Any of: public, protected, restricted.

Table 4. Filters for production plans

attemptTypeName

Attempt type. Possible values are:

  • crispr

5.3. GET
";
        let d = Doc::new("t.txt", text);
        let stops = stop_lines(&d, &headings(&d), &[]);
        let tables = filter_tables(&d, &stops);
        assert_eq!(tables.len(), 2);
        let names: Vec<&str> = tables[0].params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["tpn", "intention", "gene", "privacyName"]);
        // Examples are no enum; a closed set in prose is.
        assert!(tables[0].params[0].values.is_empty());
        assert!(tables[0].params[2].values.is_empty());
        assert_eq!(
            tables[0].params[3].values,
            ["public", "protected", "restricted"]
        );
        let intention = &tables[0].params[1];
        assert_eq!(intention.values, ["Point Mutation", "Deletion"]);
        assert_eq!(
            intention.description,
            "Name of the intention. Possible values:"
        );
        assert_eq!(intention.doc.to_string(), "t.txt:8");
        assert_eq!(tables[1].params[0].values, ["crispr"]);
        assert_eq!(tables[1].params[0].name, "attemptTypeName");
    }
}
