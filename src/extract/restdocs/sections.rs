//! Headings and the top-level sections they open, and the names sections give.
//!
//! Headings are numbered and start their line (`5.`, `5.3.1.`); a section runs from
//! its top-level heading to the next one. A section's collection name comes from its
//! own messages: the HAL `_embedded` key of a response, or else the path segment
//! before an identifier in a request.

use serde_json::Value;

use crate::extract::http::{Message, Start};
use crate::extract::text::Doc;

use super::classify::{placeholder, segments};

#[derive(Debug)]
pub(super) struct Heading {
    pub line: usize,
    pub depth: usize,
    pub title: String,
}

/// `6.1.1. Crispr plan.` → depth 3, title `Crispr plan.`. Headings start their line.
pub(crate) fn heading(line: &str) -> Option<(usize, &str)> {
    let (number, title) = line.split_once(". ")?;
    let parts: Vec<&str> = number.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let title = title.trim();
    (numeric && !title.is_empty()).then_some((parts.len(), title))
}

pub(super) fn headings(doc: &Doc) -> Vec<Heading> {
    doc.lines()
        .filter_map(|(n, l)| {
            heading(l).map(|(depth, title)| Heading {
                line: n,
                depth,
                title: title.to_string(),
            })
        })
        .collect()
}

pub(super) fn heading_before(heads: &[Heading], line: usize) -> Option<&Heading> {
    heads.iter().take_while(|h| h.line <= line).last()
}

/// The title of the heading at or above a line, or `""` before the first.
pub(super) fn title_before(heads: &[Heading], line: usize) -> &str {
    heading_before(heads, line).map_or("", |h| h.title.as_str())
}

pub(super) struct Section {
    pub line: usize,
    pub title: String,
    /// Lines `line..end`.
    pub end: usize,
    pub has_requests: bool,
    pub plural: Option<String>,
}

impl Section {
    pub fn contains(&self, line: usize) -> bool {
        (self.line..self.end).contains(&line)
    }
}

/// The top-level sections, each with whether it shows requests and the collection
/// its messages name.
pub(super) fn sections(doc: &Doc, heads: &[Heading], msgs: &[Message]) -> Vec<Section> {
    let tops: Vec<&Heading> = heads.iter().filter(|h| h.depth == 1).collect();
    let mut out = Vec::new();
    for (i, h) in tops.iter().enumerate() {
        let end = tops.get(i + 1).map_or(doc.line_count() + 1, |n| n.line);
        let own: Vec<&Message> = msgs
            .iter()
            .filter(|m| (h.line..end).contains(&(doc.position(m.offset).0 as usize)))
            .collect();
        let requests: Vec<&str> = own
            .iter()
            .filter_map(|m| match &m.start {
                Start::Request { target, .. } => Some(target.as_str()),
                _ => None,
            })
            .collect();
        out.push(Section {
            line: h.line,
            title: h.title.clone(),
            end,
            has_requests: !requests.is_empty(),
            plural: hal_collection(&own).or_else(|| collection_segment(&requests)),
        });
    }
    out
}

/// The key of a HAL `_embedded` object in a response body.
fn hal_collection(msgs: &[&Message]) -> Option<String> {
    msgs.iter().find_map(|m| {
        let body: Value = serde_json::from_str(&m.body.as_ref()?.0).ok()?;
        body.get("_embedded")?.as_object()?.keys().next().cloned()
    })
}

/// The segment before the last identifier of a request path (`/a/plans/PIN:1/outcomes/TPO:2`
/// → `outcomes`).
fn collection_segment(targets: &[&str]) -> Option<String> {
    targets.iter().find_map(|t| {
        let segs = segments(t);
        let i = segs.iter().rposition(|s| placeholder(s).is_some())?;
        (i > 0).then(|| segs[i - 1].to_string())
    })
}

/// `Phenotyping Stages` → `phenotyping_stage`.
pub(super) fn singular_snake(title: &str) -> String {
    let s = words_snake(title);
    match s.strip_suffix('s') {
        Some(stem) if !stem.ends_with('s') && !stem.is_empty() => stem.to_string(),
        _ => s,
    }
}

pub(super) use crate::extract::text::words_snake;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_titles() {
        assert_eq!(singular_snake("Phenotyping Stages"), "phenotyping_stage");
        assert_eq!(singular_snake("Users"), "user");
        assert_eq!(words_snake("ES Cell plan"), "es_cell_plan");
        assert_eq!(heading("6.1.1. Crispr plan."), Some((3, "Crispr plan.")));
        assert_eq!(heading("  1. Client logs in"), None);
    }

    #[test]
    fn sections_run_to_the_next_top_level_heading() {
        let text = "\
1. Plans
1.1. Get a plan
GET /api/plans/PIN:1 HTTP/1.1

2. Notes
text
";
        let d = Doc::new("t.txt", text);
        let heads = headings(&d);
        let msgs = crate::extract::http::messages(&d);
        let s = sections(&d, &heads, &msgs);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].line, s[0].end), (1, 5));
        assert!(s[0].has_requests && !s[1].has_requests);
        assert_eq!(s[0].plural.as_deref(), Some("plans"));
        assert_eq!(title_before(&heads, 4), "Get a plan");
        assert_eq!(title_before(&heads, 0), "");
    }
}
