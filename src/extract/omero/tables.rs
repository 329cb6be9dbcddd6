//! Parameter tables: `Name Type Description` over a run of dashes, then rows
//! `name Type description…`. The flattened text keeps no cell borders, so a row
//! starts wherever a parameter name is followed by a type word, and its description
//! runs to the next such pair.
//!
//! Invariant: every word of a table body belongs to some row; a body that does not
//! start with a name and a type is an error, never a silently dropped row.

use super::TABLE_HEADER;
use super::markup::{Heading, is_param_name, words};
use crate::extract::text::Doc;
use crate::spec::{FieldType, Kind, Param, ParamIn};

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    pub(super) name: String,
    pub(super) at: usize,
    pub(super) ty: FieldType,
    pub(super) description: String,
}

impl Row {
    /// The parameter this row defines, cited at the row.
    pub(super) fn param(&self, doc: &Doc, location: ParamIn) -> Param {
        Param {
            name: self.name.clone(),
            location,
            ty: self.ty,
            required: false,
            list: false,
            values: Vec::new(),
            role: None,
            matches: Vec::new(),
            same_as: None,
            moves: Vec::new(),
            value: None,
            example: None,
            description: self.description.clone(),
            doc: doc.at(self.at),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Table {
    pub(super) at: usize,
    pub(super) rows: Vec<Row>,
}

/// The table's type words. `Number` is read as an integer: every `Number` of the
/// document is an ID, an offset or a size (see the spec's assumptions).
fn type_word(w: &str) -> Option<FieldType> {
    Some(FieldType::scalar(match w {
        "Number" | "Integer" => Kind::Int,
        "String" => Kind::String,
        "Boolean" => Kind::Boolean,
        _ => return None,
    }))
}

/// Parameter tables: the header, a run of dashes, then rows up to the next heading,
/// bold marker or literal block. When the text before that literal block introduces
/// it (`These query parameters are also supported (see above): ::`), the
/// introduction is no row's: it starts at the last capitalized word.
pub(super) fn tables(text: &str, heads: &[Heading]) -> Result<Vec<Table>, (usize, String)> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(TABLE_HEADER) {
        let after = at + TABLE_HEADER.len();
        let dashes = text[after..].trim_start_matches(' ');
        let run = dashes.len() - dashes.trim_start_matches('-').len();
        if run < 3 {
            continue;
        }
        let start = text.len() - dashes.len() + run;
        let mut end = text.len();
        if let Some(h) = heads.iter().find(|h| h.start > start) {
            end = end.min(h.start);
        }
        for m in ["**", "::"] {
            if let Some(i) = text[start..].find(m) {
                end = end.min(start + i);
            }
        }
        let mut ws: Vec<(usize, &str)> = words(&text[..end], start).collect();
        if ws.last().is_some_and(|(_, w)| w.ends_with(':'))
            && let Some(k) = ws
                .iter()
                .rposition(|(_, w)| w.starts_with(|c: char| c.is_uppercase()))
        {
            ws.truncate(k);
        }
        out.push(Table {
            at,
            rows: rows(text, &ws)?,
        });
    }
    Ok(out)
}

/// Rows of a table body: a row starts at a name followed by a type word.
fn rows(text: &str, ws: &[(usize, &str)]) -> Result<Vec<Row>, (usize, String)> {
    let starts_row = |i: usize| {
        is_param_name(ws[i].1) && ws.get(i + 1).is_some_and(|(_, t)| type_word(t).is_some())
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < ws.len() {
        if !starts_row(i) {
            return Err((
                ws[i].0,
                format!(
                    "a table row starts with a name and a type (Number, String, Boolean), not `{}`",
                    ws[i].1
                ),
            ));
        }
        let mut j = i + 2;
        while j < ws.len() && !starts_row(j) {
            j += 1;
        }
        let description = match (ws.get(i + 2), ws.get(j.wrapping_sub(1))) {
            (Some((from, _)), Some((last, w))) if j > i + 2 => &text[*from..last + w.len()],
            _ => "",
        };
        out.push(Row {
            name: ws[i].1.to_string(),
            at: ws[i].0,
            ty: type_word(ws[i + 1].1).expect("checked by starts_row"),
            description: description.to_string(),
        });
        i = j;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::SAMPLE;
    use super::super::markup::headings;
    use super::*;

    #[test]
    fn reads_parameter_tables() {
        let heads = headings(SAMPLE);
        let t = tables(SAMPLE, &heads).unwrap();
        assert_eq!(t.len(), 2);
        let shared: Vec<(&str, String, &str)> = t[0]
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.ty.to_string(), r.description.as_str()))
            .collect();
        assert_eq!(
            shared,
            [
                (
                    "offset",
                    "int".into(),
                    "Pagination offset. The default is 0"
                ),
                ("owner", "int".into(), "Filter by Experimenter ID")
            ]
        );
        // The introduction of the literal block after the table is no description.
        assert_eq!(t[1].rows.len(), 1);
        assert_eq!(t[1].rows[0].description, "Filter Things by parent Thing ID");
        assert_eq!(&SAMPLE[t[1].rows[0].at..t[1].rows[0].at + 5], "thing");
        assert!(rows("a b", &words("a b", 0).collect::<Vec<_>>()).is_err());
    }
}
