//! `--format github`: a workflow command per failure (`::error` for `must`,
//! `::warning` for `should`), pointing at the document line it rests on, then
//! the closing summary line.

use super::Collected;
use crate::generate::Severity;
use crate::run::Status;

pub fn render(c: &Collected) -> String {
    let mut out = String::new();
    for r in c.runs.iter().flat_map(|r| &r.results) {
        if r.status != Status::Failed {
            continue;
        }
        let level = match r.severity {
            Severity::Must => "error",
            Severity::Should => "warning",
        };
        // `bip.txt:73` or `omero.txt:1:4312 (Heading)`.
        let place = r.doc.split(' ').next().unwrap_or("");
        let mut parts = place.split(':');
        let file = parts.next().unwrap_or("");
        let line = parts.next().unwrap_or("1");
        let col = parts
            .next()
            .map(|c| format!(",col={c}"))
            .unwrap_or_default();
        let mut text = r.message.clone();
        if let Some(d) = &r.diff {
            text.push('\n');
            text.push_str(d);
        }
        out.push_str(&format!(
            "::{level} file={},line={}{col},title={}::{}\n",
            property(file),
            property(line),
            property(&format!("{} [{}]", r.id, r.check.as_str())),
            data(&text)
        ));
    }
    let s = c.summary();
    out.push_str(&format!(
        "{} passed, {} failed, {} skipped\n",
        s.passed, s.failed, s.skipped
    ));
    out
}

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
