//! Baselines: the failures a deployment is known to have, one case id a line, so
//! a CI run fails only on new ones and says which known ones are fixed. The file
//! is sorted and commented, to read and to diff in review.

use std::collections::BTreeSet;
use std::path::Path;

use super::Collected;
use crate::error::{Error, Result};
use crate::run::Status;

/// Known failures against this run.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Failed now, not known before: these fail the run.
    pub new: Vec<String>,
    /// Failed now, and known.
    pub known: Vec<String>,
    /// Known, and passed now.
    pub fixed: Vec<String>,
}

pub fn load(path: &Path) -> Result<BTreeSet<String>> {
    let text = std::fs::read_to_string(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => Error::Usage(format!(
            "no baseline at {}: record one with --update-baseline",
            path.display()
        )),
        _ => Error::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

/// Writes this run's failures as the baseline.
pub fn write(path: &Path, run: &Collected) -> Result<usize> {
    let failed: BTreeSet<&str> = failures(run).collect();
    let mut text = String::from(
        "# Known failures: one case id a line. `assay run ... --baseline FILE` fails only\n\
         # on failures not listed here; `--update-baseline` rewrites this file.\n",
    );
    for id in &failed {
        text.push_str(id);
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(failed.len())
}

pub fn compare(run: &Collected, known: &BTreeSet<String>) -> Verdict {
    let mut v = Verdict::default();
    for id in failures(run) {
        if known.contains(id) {
            v.known.push(id.to_string());
        } else {
            v.new.push(id.to_string());
        }
    }
    for r in run.runs.iter().flat_map(|r| &r.results) {
        if r.status == Status::Passed && known.contains(&r.id) {
            v.fixed.push(r.id.clone());
        }
    }
    v
}

fn failures(run: &Collected) -> impl Iterator<Item = &str> {
    run.runs
        .iter()
        .flat_map(|r| &r.results)
        .filter(|r| r.status == Status::Failed)
        .map(|r| r.id.as_str())
}

/// What a human report adds: the three lists, new ones first.
pub fn render(v: &Verdict) -> String {
    let mut out = String::new();
    let mut list = |title: &str, ids: &[String]| {
        out.push_str(&format!("{title}: {}\n", ids.len()));
        for id in ids.iter().take(20) {
            out.push_str(&format!("  {id}\n"));
        }
        if ids.len() > 20 {
            out.push_str(&format!("  … {} more\n", ids.len() - 20));
        }
    };
    list("new failures (not in the baseline)", &v.new);
    list("known failures (in the baseline)", &v.known);
    list("fixed since the baseline", &v.fixed);
    out
}
