//! The field table: `| Path | Type | Description |` under the numbered heading of
//! the section it describes.
//!
//! The document prints each empty cell's pipe on a line of its own, so a row may
//! spread over several lines; it ends on a line ending in `|` with text in it. A row
//! keeps the cells it states: the impc_images rows state only a description, cited
//! at the line it starts on.

use crate::extract::ExtractError;
use crate::extract::restdocs::heading;
use crate::extract::text::Doc;
use crate::spec::{DocRef, FieldType};

pub(super) struct Table {
    pub header_line: usize,
    /// The first line after the table.
    pub end_line: usize,
    pub rows: Vec<Row>,
}

pub(super) struct Row {
    /// Empty when the document leaves the cell empty.
    pub path: String,
    pub ty: Option<FieldType>,
    pub description: String,
    /// Line the description starts on.
    pub line: usize,
}

const COLUMNS: [&str; 3] = ["path", "type", "description"];

/// The `| Path | Type | Description |` table. A row may spread over several lines
/// (the document prints each empty cell's pipe on a line of its own); it ends on a
/// line ending in `|` with text in it. The table ends at the first line, between
/// rows, that neither starts nor ends with `|`.
pub(super) fn table(doc: &Doc) -> Result<Table, ExtractError> {
    let cells = |line: &str| -> Vec<String> {
        line.split('|')
            .map(|c| c.trim().to_lowercase())
            .filter(|c| !c.is_empty())
            .collect()
    };
    let header_line = (1..doc.line_count())
        .find(|&n| cells(doc.line(n)) == COLUMNS && is_separator(doc.line(n + 1)))
        .ok_or_else(|| ExtractError {
            at: DocRef::line(doc.name, 1),
            message: "no `| Path | Type | Description |` table".into(),
        })?;
    let mut rows = Vec::new();
    let mut record: Option<usize> = None; // first line of the row being read
    let mut n = header_line + 2;
    while n <= doc.line_count() {
        let line = doc.line(n).trim();
        let tableish = line.starts_with('|') || line.ends_with('|');
        if record.is_none() && !tableish {
            break;
        }
        let start = *record.get_or_insert(n);
        let only_pipes = line.chars().all(|c| c == '|' || c.is_whitespace());
        let closes =
            line.ends_with('|') && (!only_pipes || line.matches('|').count() > COLUMNS.len());
        if closes {
            rows.push(row(doc, start, n)?);
            record = None;
        }
        n += 1;
    }
    if let Some(start) = record {
        return Err(ExtractError {
            at: DocRef::line(doc.name, start as u32),
            message: "the table's last row never ends with `|`".into(),
        });
    }
    Ok(Table {
        header_line,
        end_line: n.min(doc.line_count()),
        rows,
    })
}

fn is_separator(line: &str) -> bool {
    let line = line.trim();
    line.starts_with('|') && line.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// One row from its lines `first..=last`: the cells between pipes, the leading pipe
/// dropped when the row has one cell too many.
fn row(doc: &Doc, first: usize, last: usize) -> Result<Row, ExtractError> {
    let start = doc.line_start(first);
    let end = doc.line_start(last) + doc.line(last).len();
    let text = &doc.text[start..end];
    let mut cells: Vec<(usize, &str)> = Vec::new();
    let mut from = 0;
    for (i, _) in text.match_indices('|') {
        cells.push((start + from, &text[from..i]));
        from = i + 1;
    }
    // What follows the last pipe is no cell.
    if cells.len() == COLUMNS.len() + 1 && cells[0].1.trim().is_empty() {
        cells.remove(0);
    }
    let at = DocRef::line(doc.name, first as u32);
    if cells.len() != COLUMNS.len() {
        return Err(ExtractError {
            at,
            message: format!(
                "a row of the field table has {} cells, expected {}",
                cells.len(),
                COLUMNS.len()
            ),
        });
    }
    let (desc_at, desc) = cells[2];
    let lead = desc.len() - desc.trim_start().len();
    let ty = cells[1].1.trim();
    let ty = if ty.is_empty() {
        None
    } else {
        Some(ty.parse().map_err(|e| ExtractError {
            at: at.clone(),
            message: format!("{e}"),
        })?)
    };
    Ok(Row {
        path: cells[0].1.trim().to_string(),
        ty,
        description: desc.split_whitespace().collect::<Vec<_>>().join(" "),
        line: doc.position(desc_at + lead).0 as usize,
    })
}

/// The nearest top-level numbered heading (`2. impc_images`) above a line: the
/// section the table describes. Headings are numbered as in REST Docs.
pub(super) fn heading_before<'a>(doc: &Doc<'a>, line: usize) -> Option<(usize, &'a str)> {
    (1..line)
        .rev()
        .find_map(|n| match heading(doc.line(n).trim()) {
            Some((1, title)) => Some((n, title)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_with_empty_path_and_type_cells() {
        let doc = Doc::new(
            "t.txt",
            "1. core\n| Path | Type | Description |\n|---|---|---|\n|\n|\nThe colony ID. |\n| a | int | Stated. |\n2. Example\n",
        );
        let t = table(&doc).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].path, "");
        assert_eq!(t.rows[0].description, "The colony ID.");
        assert_eq!(t.rows[0].line, 6);
        assert_eq!(t.rows[1].path, "a");
        assert_eq!(t.rows[1].ty.unwrap().to_string(), "int");
        assert_eq!(t.end_line, 8);
        assert_eq!(heading_before(&doc, 2), Some((1, "core")));
    }
}
