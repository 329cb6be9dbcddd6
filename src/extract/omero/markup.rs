//! The markup of the flattened reStructuredText: headings, bold markers and literal
//! blocks, each found by its characters alone since the text has no line structure.
//!
//! Invariants: a heading is a title followed by an underline of `=`, `-` or `^` of
//! exactly its length, so a table's dash run is never one; every offset returned is
//! a byte offset into the whole text, which is what the document is cited by.

use super::TABLE_HEADER;
use crate::extract::text::balanced_end;
use crate::spec::Method;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Heading {
    /// Byte offset of the title.
    pub(super) start: usize,
    pub(super) title: String,
}

const UNDERLINES: [u8; 3] = [b'=', b'-', b'^'];

/// Titles followed by an underline exactly as long as they are (`Login ^^^^^`).
/// The dash run under a table header is no underline: the text of its length
/// before it does not start at a word or holds markup.
pub(super) fn headings(text: &str) -> Vec<Heading> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !UNDERLINES.contains(&c) || (i > 0 && b[i - 1] != b' ') {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j] == c {
            j += 1;
        }
        let n = j - i;
        if n >= 3 && (j == b.len() || b[j] == b' ') && i > 0 {
            let before = &text[..i - 1];
            if let Some((start, _)) = before.char_indices().rev().nth(n - 1) {
                let title = &before[start..];
                let at_word = start == 0 || b[start - 1] == b' ';
                if at_word && is_title(title) {
                    out.push(Heading {
                        start,
                        title: title.to_string(),
                    });
                }
            }
        }
        i = j;
    }
    out
}

fn is_title(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_alphanumeric())
        && !s.ends_with([':', '.', ','])
        && !["::", "**", "``", "{", "}", TABLE_HEADER]
            .iter()
            .any(|m| s.contains(m))
}

/// `**label**` markers with their offsets.
pub(super) fn bold_markers(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("**") {
        let start = from + i;
        let Some(len) = text[start + 2..].find("**") else {
            break;
        };
        out.push((start, text[start + 2..start + 2 + len].to_string()));
        from = start + 2 + len + 2;
    }
    out
}

/// `400 Bad Request` → 400.
pub(super) fn status_of(label: &str) -> Option<u16> {
    let code: u16 = label.split(' ').next()?.parse().ok()?;
    (100..600).contains(&code).then_some(code)
}

/// The nearest title before `at`: a heading, or a bold title (`**Datasets in a
/// Project**`) within its section.
pub(super) fn label_before(heads: &[Heading], bolds: &[(usize, String)], at: usize) -> String {
    let head = heads.iter().rfind(|h| h.start <= at);
    let from = head.map_or(0, |h| h.start);
    let bold = bolds.iter().rfind(|(b, label)| {
        *b > from
            && *b < at
            && label.starts_with(|c: char| c.is_uppercase())
            && !["Response", "Content", "Parameters"].contains(&label.as_str())
            && status_of(label).is_none()
    });
    match (bold, head) {
        (Some((_, label)), _) => label.clone(),
        (None, Some(h)) => h.title.clone(),
        (None, None) => String::new(),
    }
}

// ---------------------------------------------------------------------------------
// Literal blocks

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    Request {
        at: usize,
        method: Method,
        target: String,
    },
    Json {
        at: usize,
        end: usize,
    },
    /// A member printed on its own (`"meta": { … }`).
    Fragment {
        at: usize,
        end: usize,
    },
    /// `offset, limit, owner`: parameters defined in a table above.
    Names {
        at: usize,
        names: Vec<(String, usize)>,
    },
    /// An example URL with a query (`/api/v0/m/projects/?limit=100`).
    Query {
        at: usize,
        target: String,
    },
}

/// Whitespace-separated words from `from` on, with their offsets.
pub(super) fn words(text: &str, from: usize) -> impl Iterator<Item = (usize, &str)> {
    text[from..]
        .split(' ')
        .scan(from, |pos, w| {
            let at = *pos;
            *pos += w.len() + 1;
            Some((at, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

/// What follows each `::`.
pub(super) fn literal_blocks(text: &str) -> Result<Vec<Block>, (usize, String)> {
    let mut out = Vec::new();
    for (marker, _) in text.match_indices("::") {
        let mut ws = words(text, marker + 2);
        let Some((at, first)) = ws.next() else {
            continue;
        };
        if let Some(method) = Method::parse(first) {
            let Some((_, target)) = ws.next().filter(|(_, t)| t.starts_with('/')) else {
                continue;
            };
            out.push(Block::Request {
                at,
                method,
                target: target.to_string(),
            });
        } else if first.starts_with(['{', '[']) {
            let end = balanced_end(text, at).ok_or((at, "this JSON block never closes".into()))?;
            out.push(Block::Json { at, end });
        } else if first.starts_with('"') && first.ends_with("\":") {
            // A member printed alone (`"meta": { … },`), up to its value's end.
            let value = at + first.len() + text[at + first.len()..].len()
                - text[at + first.len()..].trim_start().len();
            if let Some(end) = balanced_end(text, value) {
                out.push(Block::Fragment { at, end });
            }
        } else if first.starts_with(['/', '#']) {
            // Paths, each perhaps after a `# comment`; the block ends at the first
            // word after a path that is neither.
            let mut in_comment = false;
            for (at, w) in std::iter::once((at, first)).chain(ws) {
                if w.starts_with('/') {
                    in_comment = false;
                    if w.contains('?') {
                        out.push(Block::Query {
                            at,
                            target: w.to_string(),
                        });
                    }
                } else if w == "#" || w.starts_with('#') {
                    in_comment = true;
                } else if !in_comment {
                    break;
                }
            }
        } else if let Some(names) = name_list(std::iter::once((at, first)).chain(ws)) {
            out.push(Block::Names { at, names });
        }
    }
    Ok(out)
}

/// `a, b, c`: names each followed by a comma but the last.
fn name_list<'a>(mut ws: impl Iterator<Item = (usize, &'a str)>) -> Option<Vec<(String, usize)>> {
    let mut names = Vec::new();
    loop {
        let (at, w) = ws.next()?;
        match w.strip_suffix(',') {
            Some(name) if is_param_name(name) => names.push((name.to_string(), at)),
            None if is_param_name(w) && !names.is_empty() => {
                names.push((w.to_string(), at));
                return Some(names);
            }
            _ => return None,
        }
    }
}

pub(super) fn is_param_name(w: &str) -> bool {
    w.starts_with(|c: char| c.is_ascii_lowercase())
        && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::super::SAMPLE;
    use super::*;
    use crate::extract::text::Doc;

    #[test]
    fn finds_headings_by_their_underline() {
        let h: Vec<String> = headings(SAMPLE).into_iter().map(|h| h.title).collect();
        assert_eq!(
            h,
            [
                "JSON API",
                "Overview",
                "Pagination",
                "Things",
                "List Things",
                "Get a single Thing"
            ]
        );
        // A table's dash run is no underline.
        assert!(
            !headings("x :: Name Type Description ------------------ a Number b")
                .iter()
                .any(|h| h.title.contains("Name"))
        );
    }

    #[test]
    fn cites_by_column_and_heading() {
        let heads = headings(SAMPLE);
        let doc = Doc::new("t.txt", SAMPLE)
            .with_headings(heads.iter().map(|h| (h.start, h.title.clone())).collect());
        let at = SAMPLE.find("Lists are paged").unwrap();
        assert_eq!(
            doc.at(at).to_string(),
            format!("t.txt:1:{} (Pagination)", at + 1)
        );
        // Columns count characters, not bytes.
        let doc = Doc::new("u.txt", "µm Title ^^^^^ x").with_headings(vec![(3, "Title".into())]);
        assert_eq!(doc.at(16).to_string(), "u.txt:1:16 (Title)");
    }

    #[test]
    fn reads_literal_blocks() {
        let b = literal_blocks(
            ":: # List the first 100 /api/v0/m/x/?limit=100 # next /api/v0/m/x/?offset=1 Then :: /api/v0/m/ The :: a, b, c :: POST /api/v0/m/save/?group={group_id} :: X-Y: 0.1 :: \"meta\": { \"a\": 1 }, x",
        )
        .unwrap();
        let kinds: Vec<String> = b
            .iter()
            .map(|b| match b {
                Block::Query { target, .. } => format!("query {target}"),
                Block::Names { names, .. } => format!("names {}", names.len()),
                Block::Request { method, target, .. } => format!("{} {target}", method.as_str()),
                Block::Json { .. } => "json".into(),
                Block::Fragment { .. } => "fragment".into(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "query /api/v0/m/x/?limit=100",
                "query /api/v0/m/x/?offset=1",
                "names 3",
                "POST /api/v0/m/save/?group={group_id}",
                "fragment"
            ]
        );
    }
}
