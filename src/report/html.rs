//! `--format html`: one self-contained page to open from disk or a CI artefact:
//! the totals of each spec, the failures grouped by spec and resource with their
//! diffs coloured, the skips counted by reason, and every other case in a
//! collapsed table; filters by status, severity and check, also set from the
//! URL fragment (`#check=pagination&severity=must`).
//!
//! Invariants: the page names no URL to fetch (styles and script are inline,
//! there are no fonts or images), so it reads the same offline and leaks
//! nothing on opening. Everything a run produced (ids, messages, diffs, places,
//! targets) comes from a server or a spec and is hostile: it reaches the page
//! only through [`escape`]. The script holds no data; it reads each case's
//! check, severity and status from escaped attributes.

use super::{Collected, Run, failures_by_resource, shown_target, skip_reasons};
use crate::generate::{Check, Severity};
use crate::run::{CaseResult, Status, Summary};

const STYLE: &str = include_str!("html/page.css");
const SCRIPT: &str = include_str!("html/page.js");

pub fn render(c: &Collected) -> String {
    let s = c.summary();
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>assay: {} failed, {} passed, {} skipped</title>\n<style>\n{STYLE}</style>\n\
         </head>\n<body>\n<div class=\"wrap\">\n",
        s.failed, s.passed, s.skipped
    ));
    header(&mut out, c);
    summary_table(&mut out, c);
    filters(&mut out, c);
    out.push_str(
        "<main>\n<p id=\"nomatch\" class=\"empty\" hidden>No case matches these filters.</p>\n",
    );
    for run in &c.runs {
        spec_section(&mut out, run);
    }
    out.push_str(&format!(
        "</main>\n<footer>assay {}</footer>\n</div>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    ));
    out
}

fn header(out: &mut String, c: &Collected) {
    let s = c.summary();
    let (class, verdict) = if s.failed > 0 {
        ("failed", format!("{} failed", s.failed))
    } else {
        ("passed", "no failures".to_string())
    };
    out.push_str(&format!(
        "<header class=\"top\">\n<h1>assay report</h1>\n<span class=\"verdict {class}\">{verdict}</span>\n\
         <span class=\"totals\">{} passed · {} skipped · {} cases in {} spec{}</span>\n</header>\n",
        s.passed,
        s.skipped,
        s.passed + s.failed + s.skipped,
        c.runs.len(),
        if c.runs.len() == 1 { "" } else { "s" }
    ));
}

fn summary_table(out: &mut String, c: &Collected) {
    out.push_str(
        "<table class=\"summary\">\n<thead><tr><th>spec</th><th>target</th><th class=\"num\">cases</th>\
         <th class=\"num\">requests</th><th class=\"num\">seconds</th><th class=\"num\">passed</th>\
         <th class=\"num\">failed</th><th class=\"num\">skipped</th></tr></thead>\n<tbody>\n",
    );
    let (mut requests, mut millis) = (0, 0);
    for run in &c.runs {
        let s = run.summary;
        requests += run.requests;
        millis += run.millis;
        out.push_str(&format!(
            "<tr><td><a href=\"#spec-{name}\">{name}</a></td><td><code>{target}</code></td>{}</tr>\n",
            numbers(run.results.len(), run.requests, run.millis, s),
            name = escape(&run.spec),
            target = escape(&shown_target(&run.target)),
        ));
    }
    if c.runs.len() > 1 {
        let s = c.summary();
        out.push_str(&format!(
            "<tr class=\"total\"><td>all</td><td></td>{}</tr>\n",
            numbers(s.passed + s.failed + s.skipped, requests, millis, s)
        ));
    }
    out.push_str("</tbody>\n</table>\n");
}

fn numbers(cases: usize, requests: u64, millis: u64, s: Summary) -> String {
    let fail = if s.failed > 0 { " bad" } else { "" };
    format!(
        "<td class=\"num\">{cases}</td><td class=\"num\">{requests}</td><td class=\"num\">{:.1}</td>\
         <td class=\"num\">{}</td><td class=\"num{fail}\">{}</td><td class=\"num\">{}</td>",
        millis as f64 / 1000.0,
        s.passed,
        s.failed,
        s.skipped
    )
}

/// Checkboxes; none ticked in a group shows all of it. Each label counts the
/// cases it would show, failures apart for checks, which is what a reviewer
/// picks a check by.
fn filters(out: &mut String, c: &Collected) {
    let all: Vec<&CaseResult> = c.runs.iter().flat_map(|r| &r.results).collect();
    let count = |f: &dyn Fn(&CaseResult) -> bool| all.iter().filter(|r| f(r)).count();
    out.push_str("<form id=\"filters\" autocomplete=\"off\">\n<div class=\"group\"><span class=\"k\">status</span>");
    for status in [Status::Failed, Status::Passed, Status::Skipped] {
        let n = count(&|r| r.status == status);
        checkbox(out, "status", status_str(status), n, "");
    }
    out.push_str("</div>\n<div class=\"group\"><span class=\"k\">severity</span>");
    for sev in [Severity::Must, Severity::Should] {
        let n = count(&|r| r.severity == sev);
        checkbox(out, "severity", sev.as_str(), n, "");
    }
    out.push_str(&format!(
        "</div>\n<div class=\"shown\"><b id=\"shown\">{n}</b> of {n} cases \
         <button type=\"reset\">clear</button></div>\n",
        n = all.len()
    ));
    out.push_str("<div class=\"group checks\"><span class=\"k\">check</span>");
    for &check in Check::ALL {
        let n = count(&|r| r.check == check);
        if n == 0 {
            continue;
        }
        let failed = count(&|r| r.check == check && r.status == Status::Failed);
        let note = if failed > 0 {
            format!(" <span class=\"bad\">{failed} failed</span>")
        } else {
            String::new()
        };
        checkbox(out, "check", check.as_str(), n, &note);
    }
    out.push_str("</div>\n</form>\n");
}

fn checkbox(out: &mut String, name: &str, value: &str, n: usize, note: &str) {
    out.push_str(&format!(
        "<label><input type=\"checkbox\" name=\"{name}\" value=\"{v}\"> {v} <span class=\"n\">{n}</span>{note}</label>",
        v = escape(value)
    ));
}

fn spec_section(out: &mut String, run: &Run) {
    let name = escape(&run.spec);
    out.push_str(&format!(
        "<section class=\"spec\" id=\"spec-{name}\" data-box>\n<h2 class=\"head\">{name} \
         <span class=\"sub\">{} failed of {} cases</span></h2>\n",
        run.summary.failed,
        run.results.len()
    ));
    let groups = failures_by_resource(run);
    if groups.is_empty() {
        out.push_str("<p class=\"empty\">No failures.</p>\n");
    }
    // An index of the resources with failures: a long run has dozens.
    if groups.len() > 1 {
        out.push_str("<nav class=\"index\">");
        for (resource, list) in &groups {
            out.push_str(&format!(
                "<a href=\"#r-{name}-{r}\">{r} <span class=\"n\">{}</span></a> ",
                list.len(),
                r = escape(resource)
            ));
        }
        out.push_str("</nav>\n");
    }
    for (resource, list) in &groups {
        out.push_str(&format!(
            "<section class=\"resource\" id=\"r-{name}-{r}\" data-box>\n\
             <h3 class=\"head\">{r} <span class=\"n\">{}</span></h3>\n",
            list.len(),
            r = escape(resource)
        ));
        for r in list {
            failure(out, r);
        }
        out.push_str("</section>\n");
    }
    let reasons = skip_reasons(run);
    if !reasons.is_empty() {
        out.push_str("<ul class=\"reasons\">\n");
        for (reason, n) in &reasons {
            out.push_str(&format!(
                "<li><b>{n}</b> skipped: {}</li>\n",
                escape(reason)
            ));
        }
        out.push_str("</ul>\n");
    }
    others(out, run);
    out.push_str("</section>\n");
}

fn failure(out: &mut String, r: &CaseResult) {
    out.push_str(&format!(
        "<article class=\"case {sev}\"{data}>\n<div class=\"line\"><code class=\"id\">{id}</code> \
         <span class=\"tag\">{check}</span> <span class=\"tag {sev}\">{sev}</span> \
         <span class=\"doc\">{doc}</span></div>\n",
        data = data(r),
        id = escape(&r.id),
        check = r.check.as_str(),
        sev = r.severity.as_str(),
        doc = escape(&r.doc),
    ));
    if !r.title.is_empty() {
        out.push_str(&format!(
            "<div class=\"title\">{}</div>\n",
            escape(&r.title)
        ));
    }
    out.push_str(&format!(
        "<div class=\"msg\">{}</div>\n",
        escape(&r.message)
    ));
    if let Some(d) = &r.diff {
        out.push_str("<pre class=\"diff\">");
        out.push_str(&diff(d));
        out.push_str("</pre>\n");
    }
    out.push_str("</article>\n");
}

/// Passed and skipped cases, one row each, folded away: a reviewer opens them
/// to see what was covered, or a status filter opens them.
fn others(out: &mut String, run: &Run) {
    let rest: Vec<&CaseResult> = run
        .results
        .iter()
        .filter(|r| r.status != Status::Failed)
        .collect();
    if rest.is_empty() {
        return;
    }
    out.push_str(&format!(
        "<details class=\"others\" data-box>\n<summary class=\"head\"><span class=\"n\">{}</span> \
         passed and skipped</summary>\n<table class=\"cases\">\n<tbody>\n",
        rest.len()
    ));
    for r in rest {
        let status = status_str(r.status);
        out.push_str(&format!(
            "<tr{}><td class=\"st {status}\">{status}</td><td><code>{}</code></td><td>{}</td>\
             <td>{}</td><td class=\"doc\">{}</td><td class=\"why\">{}</td></tr>\n",
            data(r),
            escape(&r.id),
            r.check.as_str(),
            r.severity.as_str(),
            escape(&r.doc),
            escape(&r.message),
        ));
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}

/// The attributes the filters read.
fn data(r: &CaseResult) -> String {
    format!(
        " data-case data-status=\"{}\" data-severity=\"{}\" data-check=\"{}\"",
        status_str(r.status),
        r.severity.as_str(),
        r.check.as_str()
    )
}

fn status_str(s: Status) -> &'static str {
    match s {
        Status::Passed => "passed",
        Status::Failed => "failed",
        Status::Skipped => "skipped",
    }
}

/// How a line of a failure's diff text is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// `--- expected` / `+++ actual`.
    Header,
    /// `@@ -1,3 +1,3 @@`.
    Hunk,
    Added,
    Removed,
    Context,
    /// A schema violation (`at /path: …`).
    Violation,
    /// Anything else: a body excerpt, a note.
    Text,
}

/// Sorts the lines of a diff text. It may join several problems' texts: a
/// unified diff, schema violations, a body excerpt. `+` and `-` mean added and
/// removed only inside a unified diff, so that a body excerpt that happens to
/// start with `-` is not painted as a removal.
fn classify(text: &str) -> Vec<(Line, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut in_diff = false;
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        if l.starts_with("--- ") && lines.get(i + 1).is_some_and(|n| n.starts_with("+++ ")) {
            out.push((Line::Header, l));
            out.push((Line::Header, lines[i + 1]));
            in_diff = true;
            i += 2;
            continue;
        }
        let kind = if l.starts_with("@@") {
            in_diff = true;
            Line::Hunk
        } else if in_diff && l.starts_with('+') {
            Line::Added
        } else if in_diff && l.starts_with('-') {
            Line::Removed
        } else if in_diff && (l.starts_with(' ') || l.starts_with('\\')) {
            Line::Context
        } else {
            in_diff = false;
            if l.starts_with("at ") {
                Line::Violation
            } else {
                Line::Text
            }
        };
        out.push((kind, l));
        i += 1;
    }
    out
}

/// A diff text as the inside of a `<pre>`, each line escaped and classed.
fn diff(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (kind, line) in classify(text) {
        match kind {
            Line::Text | Line::Context => out.push_str(&escape(line)),
            Line::Violation => {
                // `at /a/b: message`: the path stands out, as in `assay validate`.
                let (path, rest) = line.split_once(": ").unwrap_or((line, ""));
                out.push_str(&format!(
                    "<span class=\"at\">{}:</span> {}",
                    escape(path),
                    escape(rest)
                ));
            }
            _ => {
                let class = match kind {
                    Line::Header => "hd",
                    Line::Hunk => "hunk",
                    Line::Added => "add",
                    _ => "del",
                };
                out.push_str(&format!("<span class=\"{class}\">{}</span>", escape(line)));
            }
        }
        out.push('\n');
    }
    out
}

/// Text made safe for HTML element content and for double- or single-quoted
/// attribute values. Control characters, which HTML forbids (all but tab, line
/// feed and carriage return), become U+FFFD; a terminal escape sequence from a
/// server then shows as what it is.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_and_script_stay_inside_their_elements_and_fetch_nothing() {
        assert!(
            !STYLE.contains("</"),
            "a `</style` would end the style sheet"
        );
        assert!(!SCRIPT.contains("</"), "a `</script` would end the script");
        for part in [STYLE, SCRIPT] {
            assert!(!part.contains("://") && !part.contains("url(") && !part.contains("@import"));
        }
    }

    #[test]
    fn an_empty_report_is_a_page() {
        let page = render(&Collected::default());
        assert!(page.contains("<b id=\"shown\">0</b> of 0 cases"), "{page}");
        assert!(page.ends_with("</html>\n"));
    }

    #[test]
    fn escape_leaves_no_markup() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"y\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;y&quot;"
        );
        assert_eq!(
            escape("&lt;"),
            "&amp;lt;",
            "entities are not passed through"
        );
        assert_eq!(
            escape("a\u{0}b\u{1b}[31m\tc\n"),
            "a\u{fffd}b\u{fffd}[31m\tc\n"
        );
        assert_eq!(escape("plain µ text ✓"), "plain µ text ✓");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn unified_diff_lines_are_told_apart() {
        let text = "--- expected\n+++ actual\n@@ -1,3 +1,3 @@\n {\n-  \"a\": 1\n+  \"a\": 2\n }\nat /a: 2 is not 1\nbody: -1";
        let kinds: Vec<Line> = classify(text).into_iter().map(|(k, _)| k).collect();
        use Line::*;
        assert_eq!(
            kinds,
            [
                Header, Header, Hunk, Context, Removed, Added, Context, Violation, Text
            ]
        );
    }

    #[test]
    fn plus_and_minus_outside_a_diff_are_text() {
        let kinds: Vec<Line> = classify("-1 is no page\n+++ not a header\n--- alone")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(kinds, [Line::Text, Line::Text, Line::Text]);
    }

    #[test]
    fn a_diff_is_escaped_and_classed() {
        let html = diff("@@ -1 +1 @@\n-<b>\n+</pre><script>x</script>");
        assert_eq!(
            html,
            "<span class=\"hunk\">@@ -1 +1 @@</span>\n<span class=\"del\">-&lt;b&gt;</span>\n\
             <span class=\"add\">+&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;</span>\n"
        );
        assert_eq!(
            diff("at /a<b>: \"x\" is bad"),
            "<span class=\"at\">at /a&lt;b&gt;:</span> &quot;x&quot; is bad\n"
        );
    }
}
