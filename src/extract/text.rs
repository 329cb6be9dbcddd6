//! A document's text with positions: byte offsets become `DocRef`s, and JSON blocks
//! embedded in prose are found by bracket balance (the documents' JSON is often not
//! valid, so a parser cannot be what finds its end).

use crate::spec::DocRef;

pub struct Doc<'a> {
    pub name: &'a str,
    pub text: &'a str,
    line_starts: Vec<usize>,
    /// Headings by byte offset, for documents cited by column.
    headings: Vec<(usize, String)>,
}

impl<'a> Doc<'a> {
    pub fn new(name: &'a str, text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Doc {
            name,
            text,
            line_starts,
            headings: Vec::new(),
        }
    }

    /// Cite by column with the nearest heading before each place (for one-line
    /// documents).
    pub fn with_headings(mut self, headings: Vec<(usize, String)>) -> Self {
        self.headings = headings;
        self
    }

    /// 1-based line and column of a byte offset.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line as u32, column as u32)
    }

    pub fn at(&self, offset: usize) -> DocRef {
        let (line, column) = self.position(offset);
        if self.headings.is_empty() {
            return DocRef::line(self.name, line);
        }
        let heading = self
            .headings
            .iter()
            .take_while(|(o, _)| *o <= offset)
            .last()
            .map(|(_, h)| h.as_str());
        DocRef::column(self.name, line, column, heading)
    }

    /// Line `n` (1-based), without its newline.
    pub fn line(&self, n: usize) -> &'a str {
        let start = self.line_starts[n - 1];
        let end = self
            .line_starts
            .get(n)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches('\r')
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    pub fn line_start(&self, n: usize) -> usize {
        self.line_starts[n - 1]
    }

    /// Lines with their 1-based numbers.
    pub fn lines(&self) -> impl Iterator<Item = (usize, &'a str)> + '_ {
        (1..=self.line_count()).map(|n| (n, self.line(n)))
    }
}

/// End (exclusive) of the bracketed block starting at `start` (`{` or `[`), skipping
/// brackets inside strings. `None` when the block never closes.
pub fn balanced_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    if !matches!(bytes.get(start), Some(b'{' | b'[')) {
        return None;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                // A string never spans lines in these documents; an unbalanced quote
                // must not swallow the rest of the text.
                (false, b'\n') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// `ES Cell plan` → `es_cell_plan`: words lower-cased, joined by `_`.
pub fn words_snake(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("_")
}

/// `PlantLine` → `plant_line`.
pub fn snake_case(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let d = Doc::new("x.txt", "ab\ncd\n");
        assert_eq!(d.position(0), (1, 1));
        assert_eq!(d.position(4), (2, 2));
        assert_eq!(d.line(2), "cd");
        assert_eq!(d.at(3).to_string(), "x.txt:2");
    }

    #[test]
    fn finds_balanced_blocks() {
        let t = r#"x {"a": "}", "b": [1, {"c": 2}]} y"#;
        assert_eq!(
            &t[2..balanced_end(t, 2).unwrap()],
            r#"{"a": "}", "b": [1, {"c": 2}]}"#
        );
        assert_eq!(balanced_end("{ \"a\": 1", 0), None);
    }

    #[test]
    fn snake_cases_titles() {
        assert_eq!(snake_case("PlantLine"), "plant_line");
        assert_eq!(snake_case("Qtl"), "qtl");
    }
}
