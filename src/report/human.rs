//! Text for people: failures grouped by spec and resource, one line each (id,
//! check, severity, the document place), the message and diff indented under it;
//! skips counted by reason; the closing line `N passed, N failed, N skipped`.

use super::{Collected, failures_by_resource, shown_target, skip_reasons};

pub fn render(c: &Collected) -> String {
    let mut out = String::new();
    for run in &c.runs {
        let s = run.summary;
        out.push_str(&format!(
            "{} against {}: {} cases, {} requests in {:.1} s\n",
            run.spec,
            shown_target(&run.target),
            run.results.len(),
            run.requests,
            run.millis as f64 / 1000.0
        ));
        for (group, list) in &failures_by_resource(run) {
            out.push_str(&format!("\n  {group}\n"));
            for r in list {
                out.push_str(&format!(
                    "    FAIL {}  [{}, {}]  {}\n",
                    r.id,
                    r.check.as_str(),
                    r.severity.as_str(),
                    r.doc
                ));
                for line in r.message.lines() {
                    out.push_str(&format!("         {line}\n"));
                }
                if let Some(d) = &r.diff {
                    for line in d.lines() {
                        out.push_str(&format!("         │ {line}\n"));
                    }
                }
            }
        }
        let reasons = skip_reasons(run);
        if !reasons.is_empty() {
            out.push('\n');
            for (reason, n) in reasons {
                out.push_str(&format!("  skipped {n}: {reason}\n"));
            }
        }
        out.push_str(&format!(
            "  {}: {} passed, {} failed, {} skipped\n\n",
            run.spec, s.passed, s.failed, s.skipped
        ));
    }
    let s = c.summary();
    out.push_str(&format!(
        "{} passed, {} failed, {} skipped\n",
        s.passed, s.failed, s.skipped
    ));
    out
}
