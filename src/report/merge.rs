//! `assay merge`: the JSON reports of `--partition K/N` runs read back and made
//! one report, in any format. A case found in two reports means the shards
//! overlap: that is an error, not something to average away.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{Collected, Run};
use crate::error::{Error, Result};
use crate::run::{CaseResult, Summary};

#[derive(serde::Deserialize)]
struct Report {
    cases: Vec<CaseResult>,
}

/// Reads the reports; one run per spec (the first segment of the case ids).
pub fn merge(paths: &[PathBuf]) -> Result<Collected> {
    let mut by_spec: BTreeMap<String, Vec<CaseResult>> = BTreeMap::new();
    let mut from: BTreeMap<String, PathBuf> = BTreeMap::new();
    for path in paths {
        let text = crate::cli::read(path)?;
        let report: Report = serde_json::from_str(&text).map_err(|e| Error::Json {
            path: path.clone(),
            line: e.line(),
            column: e.column(),
            message: format!("not an assay JSON report: {e}"),
        })?;
        for case in report.cases {
            if let Some(first) = from.insert(case.id.clone(), path.clone()) {
                return Err(Error::Usage(format!(
                    "case `{}` is in both {} and {}: the shards overlap",
                    case.id,
                    first.display(),
                    path.display()
                )));
            }
            let spec = case.id.split('/').next().unwrap_or("").to_string();
            by_spec.entry(spec).or_default().push(case);
        }
    }
    let mut merged = Collected::default();
    for (spec, results) in by_spec {
        let mut summary = Summary::default();
        for r in &results {
            summary.add(r.status);
        }
        merged.runs.push(Run {
            spec,
            target: format!("{} merged reports", paths.len()),
            results,
            summary,
            requests: 0,
            millis: 0,
        });
    }
    merged.settle();
    Ok(merged)
}
