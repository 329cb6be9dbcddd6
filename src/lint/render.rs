//! Findings as text, with the document's lines under each place when the document
//! is at hand: a gutter with the line number, and for one-line documents a window
//! around the column with a caret.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::Finding;
use crate::spec::DocRef;

/// Reads documents on demand from a folder; a missing document just means no
/// excerpt.
pub struct Excerpts {
    dir: Option<PathBuf>,
    cache: HashMap<String, Option<String>>,
}

const WINDOW: usize = 40;

impl Excerpts {
    pub fn new(dir: Option<&Path>) -> Self {
        Excerpts {
            dir: dir.map(Path::to_path_buf),
            cache: HashMap::new(),
        }
    }

    fn excerpt(&mut self, at: &DocRef) -> Option<String> {
        let dir = self.dir.as_ref()?;
        let text = self
            .cache
            .entry(at.file.clone())
            .or_insert_with(|| std::fs::read_to_string(dir.join(&at.file)).ok())
            .as_ref()?;
        let line = text.lines().nth(at.line.checked_sub(1)? as usize)?;
        let number = at.line.to_string();
        let pad = " ".repeat(number.len());
        let mut out = String::new();
        match at.column {
            None => {
                let shown: String = line.chars().take(120).collect();
                writeln!(out, "   {pad} |").ok()?;
                writeln!(out, "   {number} | {shown}").ok()?;
            }
            Some(c) => {
                let chars: Vec<char> = line.chars().collect();
                let c = (c as usize).saturating_sub(1).min(chars.len());
                let start = c.saturating_sub(WINDOW);
                let end = (c + WINDOW).min(chars.len());
                let shown: String = chars[start..end].iter().collect();
                let lead = if start > 0 { "…" } else { "" };
                writeln!(out, "   {pad} |").ok()?;
                writeln!(out, "   {number} | {lead}{shown}").ok()?;
                let caret = " ".repeat(c - start + lead.chars().count());
                writeln!(out, "   {pad} | {caret}^").ok()?;
            }
        }
        Some(out)
    }

    /// A finding, with excerpts where the documents are available.
    pub fn render(&mut self, f: &Finding) -> String {
        let label = if f.acknowledged.is_some() {
            "acknowledged"
        } else {
            "contradiction"
        };
        let mut out = format!("{label}[{}]: {}\n", f.code, f.message);
        out.push_str(&format!("  --> {}\n", f.at));
        if let Some(x) = self.excerpt(&f.at) {
            out.push_str(&x);
        }
        for (at, what) in &f.also {
            out.push_str(&format!("  --> {at} ({what})\n"));
            if let Some(x) = self.excerpt(at) {
                out.push_str(&x);
            }
        }
        if let Some(reason) = &f.acknowledged {
            out.push_str(&format!("  = reason: {reason}\n"));
        }
        out
    }
}
