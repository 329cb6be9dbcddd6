//! The impc style: a Solr core documented by a field table whose `Path` and `Type`
//! cells are empty, and one example document.
//!
//! The table gives only descriptions, one per row, and not in the example's order.
//! Paths come from the example's keys and types from its values
//! ([`FieldType::of_value`]); each description is aligned to its key by meaning (see
//! [`align`]): both are cut into words, every (description, key) pair is scored by
//! the words they share, weighted by how rare each word is among the descriptions,
//! and the pairs are chosen together so that the total score is highest (the
//! Hungarian algorithm), each description going to one key and each key to one
//! description. A pair sharing no word is never made: a row or key left over is
//! named in the resource's description, not forced onto another.
//!
//! A row that does give its path (and type) keeps them; only rows without a path are
//! aligned.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::Value;

use super::examples::from_messages;
use super::http::{Start, messages};
use super::text::Doc;
use super::{ExtractError, Extracted};
use crate::spec::{DocRef, Field, FieldType, Resource, Shape};

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let table = table(doc)?;
    let resource_at = heading_before(doc, table.header_line);
    let name = resource_at
        .map(|(_, title)| title.to_string())
        .unwrap_or_else(|| doc.name.trim_end_matches(".txt").to_string());

    // The example document: the first response after the table with a JSON body.
    let msgs = messages(doc);
    let table_end = doc.line_start(table.end_line);
    let example = msgs
        .iter()
        .find(|m| {
            m.offset >= table_end && matches!(m.start, Start::Response { .. }) && m.body.is_some()
        })
        .ok_or_else(|| ExtractError {
            at: DocRef::line(doc.name, table.header_line as u32),
            message: "the field table has no example document after it to read paths and \
                      types from"
                .into(),
        })?;
    let (body, body_at) = example.body.clone().expect("found with a body");
    let value: Value = serde_json::from_str(&body).map_err(|e| ExtractError {
        at: doc.at(body_at),
        message: format!("the example document is not valid JSON ({e}): its types cannot be read"),
    })?;
    let Value::Object(object) = value else {
        return Err(ExtractError {
            at: doc.at(body_at),
            message: "the example document is not a JSON object".into(),
        });
    };
    let mut keys: Vec<(String, usize)> = Vec::new();
    for (key, at) in top_level_keys(&body) {
        if !keys.iter().any(|(k, _)| *k == key) {
            keys.push((key, body_at + at));
        }
    }

    // Rows that state their path are taken as stated; the others are aligned.
    let stated: HashSet<&str> = table
        .rows
        .iter()
        .map(|r| r.path.as_str())
        .filter(|p| !p.is_empty())
        .collect();
    let open_rows: Vec<&Row> = table.rows.iter().filter(|r| r.path.is_empty()).collect();
    let open_keys: Vec<&str> = keys
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !stated.contains(k))
        .collect();
    let descriptions: Vec<&str> = open_rows.iter().map(|r| r.description.as_str()).collect();
    let aligned = align(&descriptions, &open_keys);
    let mut row_of_key: HashMap<&str, &Row> = table
        .rows
        .iter()
        .filter(|r| !r.path.is_empty())
        .map(|r| (r.path.as_str(), r))
        .collect();
    let mut unmatched_rows = Vec::new();
    for (row, key) in open_rows.iter().zip(&aligned) {
        match key {
            Some(k) => {
                row_of_key.insert(open_keys[*k], row);
            }
            None => unmatched_rows.push(format!(
                "{} (\"{}\")",
                DocRef::line(doc.name, row.line as u32),
                row.description
            )),
        }
    }

    let mut fields = Vec::new();
    let mut unmatched_keys = Vec::new();
    for (key, at) in &keys {
        let key_doc = doc.at(*at);
        let inferred = FieldType::of_value(&object[key.as_str()]);
        let field = match row_of_key.get(key.as_str()) {
            Some(row) => Field {
                ty: row.ty.unwrap_or(inferred),
                description: row.description.clone(),
                doc: DocRef::line(doc.name, row.line as u32),
                type_doc: row.ty.is_none().then_some(key_doc),
                ..field(key, inferred)
            },
            None => {
                unmatched_keys.push(format!("`{key}` ({key_doc})"));
                Field {
                    doc: key_doc,
                    ..field(key, inferred)
                }
            }
        };
        fields.push(field);
    }
    // Rows stating a path the example does not show are fields all the same.
    for row in table.rows.iter().filter(|r| !r.path.is_empty()) {
        if !keys.iter().any(|(k, _)| *k == row.path) {
            fields.push(Field {
                description: row.description.clone(),
                doc: DocRef::line(doc.name, row.line as u32),
                ..field(
                    &row.path,
                    row.ty.unwrap_or(FieldType::scalar(crate::spec::Kind::Any)),
                )
            });
        }
    }

    let mut description = Vec::new();
    if !unmatched_rows.is_empty() {
        description.push(format!(
            "Table rows no key of the example matches: {}.",
            unmatched_rows.join(", ")
        ));
    }
    if !unmatched_keys.is_empty() {
        description.push(format!(
            "Keys of the example no table row describes: {}.",
            unmatched_keys.join(", ")
        ));
    }
    let resource = Resource {
        name: name.clone(),
        plural: None,
        title: Some(name.clone()),
        description: description.join(" "),
        id_field: None,
        rejects_unknown: false,
        fields,
        rules: Vec::new(),
        doc: resource_at
            .map(|(line, _)| DocRef::line(doc.name, line as u32))
            .unwrap_or_else(|| DocRef::line(doc.name, table.header_line as u32)),
    };

    let mut examples = from_messages(doc, &msgs, |_, _| None);
    for ex in &mut examples {
        if ex.doc == doc.at(example.offset) {
            ex.shape = Some(Shape::Item(name.clone()));
        }
    }
    Ok(Extracted {
        document: doc.name.to_string(),
        resources: vec![resource],
        examples,
        ..Default::default()
    })
}

fn field(path: &str, ty: FieldType) -> Field {
    Field {
        path: path.to_string(),
        ty,
        required: false,
        required_if: None,
        readonly: false,
        writeonly: false,
        filterable: false,
        nullable: false,
        values: Vec::new(),
        pattern: None,
        description: String::new(),
        doc: DocRef::line("", 0),
        type_doc: None,
    }
}

struct Table {
    header_line: usize,
    /// The first line after the table.
    end_line: usize,
    rows: Vec<Row>,
}

struct Row {
    path: String,
    ty: Option<FieldType>,
    description: String,
    /// Line the description starts on.
    line: usize,
}

const COLUMNS: [&str; 3] = ["path", "type", "description"];

/// The `| Path | Type | Description |` table. A row may spread over several lines
/// (the document prints each empty cell's pipe on a line of its own); it ends on a
/// line ending in `|` with text in it. The table ends at the first line, between
/// rows, that neither starts nor ends with `|`.
fn table(doc: &Doc) -> Result<Table, ExtractError> {
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
/// section the table describes.
fn heading_before<'a>(doc: &Doc<'a>, line: usize) -> Option<(usize, &'a str)> {
    (1..line).rev().find_map(|n| {
        let l = doc.line(n).trim();
        let (number, title) = l.split_once(". ")?;
        let top_level = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
        (top_level && !title.trim().is_empty()).then(|| (n, title.trim()))
    })
}

/// The keys of a JSON object's top level, with their byte offsets in `body`, in
/// order.
fn top_level_keys(body: &str) -> Vec<(String, usize)> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                let end = i.min(bytes.len());
                let next = body[(end + 1).min(body.len())..].trim_start();
                if depth == 1 && next.starts_with(':') {
                    out.push((body[start + 1..end].to_string(), start));
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Words that carry no meaning for the alignment.
const STOPWORDS: [&str; 25] = [
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "is", "it", "its", "of",
    "on", "or", "that", "the", "this", "to", "was", "were", "which", "with",
];

/// General vocabulary: a word and the form it is compared in. Two-word terms are
/// written as one (`mousephenotype`), since adjacent words are also compared joined.
const SYNONYMS: [(&str, &str); 6] = [
    ("identifier", "id"),
    ("accession", "acc"),
    ("dimension", "dim"),
    ("link", "url"),
    ("old", "age"),
    ("mousephenotype", "mp"),
];

fn singular(w: &str) -> String {
    if let Some(stem) = w.strip_suffix("ies").filter(|s| s.len() > 1) {
        return format!("{stem}y");
    }
    match w.strip_suffix('s') {
        Some(stem)
            if stem.len() >= 2
                && !stem.ends_with('s')
                && !stem.ends_with('u')
                && !stem.ends_with('i') =>
        {
            stem.to_string()
        }
        _ => w.to_string(),
    }
}

fn normal(w: &str) -> String {
    let s = singular(w);
    SYNONYMS
        .iter()
        .find(|(from, _)| *from == s)
        .map_or(s, |(_, to)| to.to_string())
}

/// Content words of a text, in order.
fn words(text: &str, separators: impl Fn(char) -> bool) -> Vec<String> {
    text.split(separators)
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|w| normal(&w))
        .collect()
}

/// A description as compared: its words, and each pair of adjacent words joined
/// (`data source` is also `datasource`).
struct Terms {
    words: Vec<String>,
    joined: Vec<(usize, String)>,
}

impl Terms {
    fn of_description(text: &str) -> Self {
        let words = words(text, |c: char| !c.is_alphanumeric());
        let joined = words
            .windows(2)
            .enumerate()
            .map(|(i, w)| (i, normal(&format!("{}{}", w[0], w[1]))))
            .collect();
        Terms { words, joined }
    }

    fn all(&self) -> HashSet<&str> {
        self.words
            .iter()
            .map(String::as_str)
            .chain(self.joined.iter().map(|(_, j)| j.as_str()))
            .collect()
    }
}

/// How well a description fits a key: the weight of the words they share over the
/// weight of all their words (a weighted Dice coefficient), in `[0, 1]`.
fn score(d: &Terms, key: &[String], weight: &dyn Fn(&str) -> f64) -> f64 {
    // Ordered sets: sums of floats must not depend on hashing order.
    let key: BTreeSet<&str> = key.iter().map(String::as_str).collect();
    let mut covered: BTreeSet<usize> = BTreeSet::new();
    let mut shared = 0.0;
    for k in &key {
        let mut hit = false;
        for (i, w) in d.words.iter().enumerate() {
            if w == k {
                covered.insert(i);
                hit = true;
            }
        }
        for (i, j) in &d.joined {
            if j == k {
                covered.extend([*i, i + 1]);
                hit = true;
            }
        }
        if hit {
            shared += weight(k);
        }
    }
    let mut unique: BTreeMap<&str, bool> = BTreeMap::new();
    for (i, w) in d.words.iter().enumerate() {
        *unique.entry(w.as_str()).or_default() |= covered.contains(&i);
    }
    let desc_total: f64 = unique.keys().map(|w| weight(w)).sum();
    let desc_shared: f64 = unique
        .iter()
        .filter(|(_, covered)| **covered)
        .map(|(w, _)| weight(w))
        .sum();
    let key_total: f64 = key.iter().map(|k| weight(k)).sum();
    let total = key_total + desc_total;
    if total == 0.0 {
        0.0
    } else {
        (shared + desc_shared) / total
    }
}

/// Aligns descriptions to keys by meaning: for each description, the index of its
/// key, or `None` when no key shares a word with it (or every fitting key went to a
/// description that fits it better).
pub(crate) fn align(descriptions: &[&str], keys: &[&str]) -> Vec<Option<usize>> {
    let scores = scores(descriptions, keys);
    let n = descriptions.len();
    let m = keys.len();
    if n == 0 || m == 0 {
        return vec![None; n];
    }
    // The assignment runs on rows ≤ columns: transpose when there are more rows.
    let assignment: Vec<(usize, usize)> = if n <= m {
        let cost: Vec<Vec<f64>> = scores
            .iter()
            .map(|r| r.iter().map(|s| -s).collect())
            .collect();
        hungarian(&cost).into_iter().enumerate().collect()
    } else {
        let cost: Vec<Vec<f64>> = (0..m)
            .map(|j| (0..n).map(|i| -scores[i][j]).collect())
            .collect();
        hungarian(&cost)
            .into_iter()
            .enumerate()
            .map(|(j, i)| (i, j))
            .collect()
    };
    let mut out = vec![None; n];
    for (i, j) in assignment {
        if scores[i][j] > 0.0 {
            out[i] = Some(j);
        }
    }
    out
}

/// The score of every (description, key) pair. Words are weighted by their inverse
/// document frequency among the descriptions: `experiment`, in a third of them,
/// says little; `zygosity` says everything.
fn scores(descriptions: &[&str], keys: &[&str]) -> Vec<Vec<f64>> {
    let terms: Vec<Terms> = descriptions
        .iter()
        .map(|d| Terms::of_description(d))
        .collect();
    let key_words: Vec<Vec<String>> = keys.iter().map(|k| words(k, |c| c == '_')).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for t in &terms {
        for w in t.all() {
            *df.entry(w).or_default() += 1;
        }
    }
    let n = descriptions.len() as f64;
    let weight = |w: &str| {
        let d = df.get(w).copied().unwrap_or(0) as f64;
        ((n + 1.0) / (d + 0.5)).ln()
    };
    terms
        .iter()
        .map(|t| key_words.iter().map(|k| score(t, k, &weight)).collect())
        .collect()
}

/// Minimum-cost assignment of rows to distinct columns (rows ≤ columns): the
/// column of each row. Kuhn–Munkres with potentials, O(rows² · columns).
fn hungarian(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    let m = cost[0].len();
    debug_assert!(n <= m);
    // 1-based arrays; column 0 is a sentinel.
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; m + 1];
    let mut p = vec![0usize; m + 1]; // row assigned to each column
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                if cur < minv[j] {
                    minv[j] = cur;
                    way[j] = j0;
                }
                if minv[j] < delta {
                    delta = minv[j];
                    j1 = j;
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut out = vec![0; n];
    for j in 1..=m {
        if p[j] != 0 {
            out[p[j] - 1] = j - 1;
        }
    }
    out
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

    #[test]
    fn finds_top_level_keys_in_order() {
        let keys = top_level_keys(r#"{"b": {"x": 1}, "a": ["c", "d:"], "e" : "f"}"#);
        let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["b", "a", "e"]);
    }

    #[test]
    fn aligns_by_meaning_not_position() {
        let descriptions = [
            "The age of the specimen in days at the time of the weight measurement.",
            "The ID of the data source.",
            "Age of the specimen in days.",
            "The top-level MP (Mouse Phenotype) IDs.",
        ];
        let keys = [
            "age_in_days",
            "top_level_mp_id",
            "weight_days_old",
            "datasource_id",
        ];
        assert_eq!(
            align(&descriptions, &keys),
            [Some(2), Some(3), Some(0), Some(1)]
        );
    }

    #[test]
    fn leaves_what_shares_no_word_unmatched() {
        let got = align(
            &["The sex of the specimen.", "Colour of the cage."],
            &["sex"],
        );
        assert_eq!(got, [Some(0), None]);
        let got = align(&["The sex of the specimen."], &["zygosity", "sex"]);
        assert_eq!(got, [Some(1)]);
    }

    #[test]
    fn hungarian_finds_the_cheapest_assignment() {
        let cost = vec![
            vec![4.0, 1.0, 3.0],
            vec![2.0, 0.0, 5.0],
            vec![3.0, 2.0, 2.0],
        ];
        assert_eq!(hungarian(&cost), [1, 0, 2]);
        let wide = vec![vec![1.0, 0.0, 5.0], vec![0.0, 3.0, 5.0]];
        assert_eq!(hungarian(&wide), [1, 0]);
    }
}

/// Every row of impc_images.txt and the key it describes, as read by a person: the
/// alignment must find each of them.
#[cfg(test)]
mod document {
    use super::*;

    /// (key of the example, description of the table).
    const EXPECTED: [(&str, &str); 107] = [
        ("id", "The unique identifier for the experiment."),
        (
            "observation_id",
            "The observation ID associated with this experiment.",
        ),
        ("specimen_id", "The specimen ID related to this experiment."),
        (
            "phenotyping_center_id",
            "The ID of the phenotyping center where the experiment was conducted.",
        ),
        ("phenotyping_center", "The name of the phenotyping center."),
        (
            "production_center_id",
            "The ID of the production center related to the specimen.",
        ),
        ("production_center", "The name of the production center."),
        (
            "specimen_project_id",
            "The project ID associated with the specimen.",
        ),
        (
            "specimen_project_name",
            "The name of the project associated with the specimen.",
        ),
        (
            "gene_accession_id",
            "The accession ID for the gene of interest.",
        ),
        (
            "gene_symbol",
            "The symbol representing the gene of interest.",
        ),
        (
            "allele_accession_id",
            "The accession ID for the allele of interest.",
        ),
        ("allele_symbol", "The symbol for the allele of interest."),
        ("zygosity", "The zygosity of the specimen."),
        ("sex", "The sex of the specimen."),
        (
            "biological_model_id",
            "The ID of the biological model used.",
        ),
        ("biological_sample_id", "The ID of the biological sample."),
        (
            "biological_sample_group",
            "The group classification of the biological sample.",
        ),
        ("strain_accession_id", "The accession ID for the strain."),
        ("strain_name", "The name of the strain."),
        (
            "genetic_background",
            "The genetic background of the specimen.",
        ),
        (
            "allelic_composition",
            "The allelic composition of the specimen.",
        ),
        (
            "colony_id",
            "The ID of the colony from which the specimen originates.",
        ),
        (
            "litter_id",
            "The ID of the litter from which the specimen originates.",
        ),
        ("date_of_birth", "The date of birth of the specimen."),
        (
            "external_sample_id",
            "An external identifier for the sample.",
        ),
        ("life_stage_name", "The life stage of the specimen."),
        (
            "life_stage_acc",
            "The accession number associated with the life stage.",
        ),
        ("datasource_id", "The ID of the data source."),
        ("datasource_name", "The name of the data source."),
        ("project_id", "The project ID."),
        ("project_name", "The name of the project."),
        ("pipeline_id", "The pipeline ID."),
        ("pipeline_name", "The name of the pipeline."),
        ("pipeline_stable_id", "The stable ID of the pipeline."),
        ("procedure_id", "The procedure ID."),
        ("procedure_name", "The name of the procedure."),
        ("procedure_stable_id", "The stable ID of the procedure."),
        ("procedure_group", "The procedure group."),
        ("parameter_id", "The parameter ID."),
        ("parameter_name", "The name of the parameter."),
        ("parameter_stable_id", "The stable ID of the parameter."),
        ("procedure_sequence_id", "The procedure sequence ID."),
        ("experiment_id", "The experiment ID."),
        ("observation_type", "The type of observation."),
        ("data_type", "The type of data."),
        ("experiment_source_id", "The source ID of the experiment."),
        (
            "date_of_experiment",
            "The date the experiment was conducted.",
        ),
        (
            "weight_parameter_stable_id",
            "The stable ID for the weight parameter.",
        ),
        ("weight_date", "The date of the weight measurement."),
        (
            "weight_days_old",
            "The age of the specimen in days at the time of the weight measurement.",
        ),
        ("weight", "The weight of the specimen."),
        ("data_point", "A data point associated with the experiment."),
        ("order_index", "The order index."),
        ("dimension", "The dimension of the data point."),
        (
            "time_point",
            "The time point at which the data was collected.",
        ),
        ("discrete_point", "A discrete data point."),
        ("category", "The category of the data."),
        ("raw_category", "The raw category of the data."),
        ("metadata", "Metadata associated with the experiment."),
        ("metadata_group", "The group of the metadata."),
        ("mp_id", "The MP IDs associated with the experiment."),
        ("mp_term", "The MP terms associated with the experiment."),
        (
            "top_level_mp_id",
            "The top-level MP (Mouse Phenotype) IDs associated with the experiment.",
        ),
        (
            "top_level_mp_term",
            "The top-level MP terms associated with the experiment.",
        ),
        (
            "intermediate_mp_id",
            "The intermediate MP IDs associated with the experiment.",
        ),
        (
            "intermediate_mp_term",
            "The intermediate MP terms associated with the experiment.",
        ),
        ("anatomy_id", "The anatomy IDs related to the experiment."),
        (
            "anatomy_term",
            "The anatomy terms related to the experiment.",
        ),
        (
            "anatomy_id_term",
            "Combined anatomy ID and term related to the experiment.",
        ),
        ("anatomy_term_synonym", "Synonyms for the anatomy terms."),
        (
            "top_level_anatomy_id",
            "Top-level anatomy IDs related to the experiment.",
        ),
        (
            "top_level_anatomy_term",
            "Top-level anatomy terms related to the experiment.",
        ),
        (
            "top_level_anatomy_term_synonym",
            "Synonyms for the top-level anatomy terms.",
        ),
        (
            "selected_top_level_anatomy_id",
            "Selected top-level anatomy IDs.",
        ),
        (
            "selected_top_level_anatomy_term",
            "Selected top-level anatomy terms.",
        ),
        (
            "selected_top_level_anatomy_term_synonym",
            "Synonyms for the selected top-level anatomy terms.",
        ),
        ("intermediate_anatomy_id", "Intermediate anatomy IDs."),
        ("intermediate_anatomy_term", "Intermediate anatomy terms."),
        (
            "intermediate_anatomy_term_synonym",
            "Synonyms for the intermediate anatomy terms.",
        ),
        ("parent_anatomy_id", "Parent anatomy IDs."),
        ("parent_anatomy_term", "Parent anatomy terms."),
        (
            "parent_anatomy_term_synonym",
            "Synonyms for the parent anatomy terms.",
        ),
        ("child_anatomy_id", "Child anatomy IDs."),
        ("child_anatomy_term", "Child anatomy terms."),
        (
            "child_anatomy_term_synonym",
            "Synonyms for the child anatomy terms.",
        ),
        (
            "download_file_path",
            "Path to download the file associated with the experiment.",
        ),
        (
            "image_link",
            "Link to the image associated with the experiment.",
        ),
        ("file_type", "The type of file."),
        (
            "parameter_association_stable_id",
            "Stable IDs for the parameter associations.",
        ),
        (
            "parameter_association_sequence_id",
            "Sequence IDs for the parameter associations.",
        ),
        (
            "parameter_association_dim_id",
            "Dimension IDs for the parameter associations.",
        ),
        (
            "parameter_association_name",
            "Names of the parameter associations.",
        ),
        (
            "parameter_association_value",
            "Values of the parameter associations.",
        ),
        (
            "developmental_stage_acc",
            "Accession number for the developmental stage.",
        ),
        (
            "developmental_stage_name",
            "Name of the developmental stage.",
        ),
        ("text_value", "Text value associated with the experiment."),
        ("sub_term_id", "Sub-term IDs related to the experiment."),
        ("sub_term_name", "Sub-term names related to the experiment."),
        ("sub_term_description", "Descriptions of the sub-terms."),
        ("sequence_id", "The sequence ID related to the experiment."),
        ("age_in_days", "Age of the specimen in days."),
        ("age_in_weeks", "Age of the specimen in weeks."),
        (
            "download_url",
            "URL to download data or resources associated with the experiment.",
        ),
        ("jpeg_url", "URL to a JPEG image related to the experiment."),
        (
            "thumbnail_url",
            "URL to a thumbnail image related to the experiment.",
        ),
        ("omero_id", "OMERO database ID for the image."),
    ];

    fn extracted() -> Extracted {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/docs/impc_images.txt"
        );
        let dir = std::env::var("ASSAY_DOCS")
            .map_or(path.to_string(), |d| format!("{d}/impc_images.txt"));
        let text = std::fs::read_to_string(&dir)
            .unwrap_or_else(|e| panic!("cannot read {dir} (set ASSAY_DOCS): {e}"));
        extract(&Doc::new("impc_images.txt", &text)).unwrap()
    }

    #[test]
    fn every_row_is_aligned_to_its_key() {
        let x = extracted();
        let r = &x.resources[0];
        assert_eq!(r.name, "impc_images");
        assert_eq!(r.description, "", "some rows or keys are left unmatched");
        assert_eq!(r.fields.len(), EXPECTED.len());
        let mut wrong = Vec::new();
        for (key, description) in EXPECTED {
            let f = r.field(key).unwrap_or_else(|| panic!("no field `{key}`"));
            if f.description != description {
                wrong.push(format!(
                    "`{key}`: got \"{}\" ({}), expected \"{description}\"",
                    f.description, f.doc
                ));
            }
        }
        assert!(wrong.is_empty(), "misaligned:\n{}", wrong.join("\n"));
    }

    /// The alignment reads meaning, not position: reversing either list changes
    /// nothing.
    #[test]
    fn alignment_does_not_depend_on_order() {
        let descriptions: Vec<&str> = EXPECTED.iter().map(|(_, d)| *d).collect();
        let mut keys: Vec<&str> = EXPECTED.iter().map(|(k, _)| *k).collect();
        keys.reverse();
        let got = align(&descriptions, &keys);
        for (i, (key, _)) in EXPECTED.iter().enumerate() {
            assert_eq!(got[i].map(|j| keys[j]), Some(*key), "{}", descriptions[i]);
        }
    }

    #[test]
    fn types_come_from_the_example() {
        let x = extracted();
        let r = &x.resources[0];
        let ty = |k: &str| r.field(k).unwrap().ty.to_string();
        assert_eq!(ty("id"), "string");
        assert_eq!(ty("phenotyping_center_id"), "int");
        assert_eq!(ty("weight"), "number");
        assert_eq!(ty("mp_id"), "string[]");
        let f = r.field("omero_id").unwrap();
        assert_eq!(f.doc.to_string(), "impc_images.txt:298");
        assert_eq!(
            f.type_doc.as_ref().unwrap().to_string(),
            "impc_images.txt:437"
        );
        assert_eq!(x.examples.len(), 1);
        assert_eq!(x.examples[0].shape, Some(Shape::Item("impc_images".into())));
    }
}
