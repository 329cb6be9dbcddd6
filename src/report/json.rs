//! `--format json`: `summary{passed,failed,skipped}` and
//! `cases[{id,check,severity,status,doc,message,diff}]`, stable keys.

use serde_json::{Value, json};

use super::Collected;

pub fn render(c: &Collected) -> String {
    let s = c.summary();
    let cases: Vec<Value> = c
        .runs
        .iter()
        .flat_map(|r| &r.results)
        .map(|r| {
            json!({
                "id": r.id,
                "check": r.check,
                "severity": r.severity,
                "status": r.status,
                "doc": r.doc,
                "message": r.message,
                "diff": r.diff,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&json!({
        "summary": {"passed": s.passed, "failed": s.failed, "skipped": s.skipped},
        "cases": cases,
    }))
    .expect("a report serializes");
    text.push('\n');
    text
}
