//! Text for people: failures grouped by spec and resource, one line each (id,
//! check, severity, the document place), the message and diff indented under it;
//! skips counted by reason; the closing line `N passed, N failed, N skipped`.

use std::collections::BTreeMap;

use super::Collected;
use crate::run::Status;

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
        let mut groups: BTreeMap<&str, Vec<&crate::run::CaseResult>> = BTreeMap::new();
        for r in run.results.iter().filter(|r| r.status == Status::Failed) {
            let group = r.id.split('/').nth(1).unwrap_or("");
            groups.entry(group).or_default().push(r);
        }
        for (group, list) in &groups {
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
        let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
        for r in run.results.iter().filter(|r| r.status == Status::Skipped) {
            let reason = if r.message.contains("(no data to test with)") {
                "no data to test with"
            } else {
                r.message.as_str()
            };
            *reasons.entry(reason).or_default() += 1;
        }
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

/// The target without user info or query, where a careless URL may hold a secret.
fn shown_target(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default(),
            u.path().trim_end_matches('/')
        ),
        Err(_) => "(the given URL)".into(),
    }
}
