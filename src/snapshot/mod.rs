//! Stage 9, recorded snapshots: the responses a deployment gave to the read-only
//! cases, normalized (keys sorted, volatile values redacted as the spec declares)
//! and stored as insta snapshot files, one per distinct request, so a later run
//! reports how the deployment drifted from them and `cargo insta review
//! --workspace-root DIR` accepts or rejects each change.

mod file;
mod normal;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::generate::{Check, Credentials, Severity};
use crate::run::{CaseResult, Status};
use crate::spec::Spec;

pub use normal::normalize;

/// One response to one request of a read-only case, secrets already scrubbed.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET /api/v1/countries?page=2`.
    pub line: String,
    pub credentials: Credentials,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// Scheme, host and port of the deployment, which its links carry: a
    /// snapshot holds `{origin}` instead, so it is of the API, not of one host.
    pub origin: String,
    /// The first case that made the request, and the document place it rests on.
    pub case: String,
    pub doc: String,
}

impl Recorded {
    /// What tells two requests apart: the request line and the credentials sent.
    pub fn key(&self) -> String {
        key(&self.line, self.credentials)
    }
}

/// The key of a request line sent with these credentials.
pub fn key(line: &str, credentials: Credentials) -> String {
    match credentials {
        Credentials::Valid => line.to_string(),
        other => format!("{line} (credentials: {})", credentials_name(other)),
    }
}

fn credentials_name(c: Credentials) -> &'static str {
    match c {
        Credentials::Valid => "valid",
        Credentials::None => "none",
        Credentials::Wrong => "wrong",
        Credentials::Expired => "expired",
    }
}

/// What a run does with the responses of its read-only cases.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Write them as the snapshots of the folder.
    Record(PathBuf),
    /// Compare them with the folder's snapshots; each difference fails.
    Compare(PathBuf),
}

/// Records or compares one spec's responses. Comparing gives one result per
/// request (failed where it drifted or was never recorded) and leaves each
/// changed or new snapshot beside the old one as `NAME.snap.new`, for review.
///
/// `whole`: every case ran (no `--filter`, no `--partition`). Then a record
/// leaves no snapshot of a request no case asks any more, and a comparison
/// fails each snapshot no case asked.
pub fn apply(
    mode: &Mode,
    spec: &Spec,
    recorded: &[Recorded],
    whole: bool,
) -> Result<Vec<CaseResult>> {
    let (root, compare) = match mode {
        Mode::Record(d) => (d, false),
        Mode::Compare(d) => (d, true),
    };
    let dir = root.join(&spec.name);
    // Comparing writes pending snapshots too, also for a spec never recorded.
    std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
        path: dir.clone(),
        source,
    })?;
    let mut results = Vec::new();
    let mut asked = std::collections::HashSet::new();
    for r in recorded {
        let name = file::name(&r.key());
        asked.insert(format!("{name}.snap"));
        let path = dir.join(format!("{name}.snap"));
        let pending = dir.join(format!("{name}.snap.new"));
        let content = normalize(spec, r);
        let snapshot = file::render(&r.key(), r, &content);
        let id = format!("{}/snapshots/{name}", spec.name);
        let title = format!(
            "{} answers as recorded (first asked by {})",
            r.key(),
            r.case
        );
        let result = |status, message: String, diff| CaseResult {
            id: id.clone(),
            check: Check::Snapshot,
            severity: Severity::Should,
            status,
            doc: r.doc.clone(),
            title: title.clone(),
            message,
            diff,
            duration_ms: 0,
        };
        if !compare {
            write(&path, &snapshot)?;
            remove_stale(&pending)?;
            results.push(result(Status::Passed, String::new(), None));
            continue;
        }
        let stored = match std::fs::read_to_string(&path) {
            Ok(text) => match file::content(&text) {
                Some(c) => Some(c),
                // One broken file fails its request, not the run.
                None => {
                    write(&pending, &snapshot)?;
                    let why = format!(
                        "{} is not a snapshot file (no `---` header); the answer now is in {}.new",
                        path.display(),
                        path.display()
                    );
                    results.push(result(Status::Failed, why, None));
                    continue;
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => return Err(Error::Read { path, source }),
        };
        let (status, message, diff) = match stored {
            Some(old) if file::same(&old, &content) => {
                remove_stale(&pending)?;
                (Status::Passed, String::new(), None)
            }
            Some(old) => {
                write(&pending, &snapshot)?;
                let (old, new) = (
                    format!("{}\n", old.trim_end()),
                    format!("{}\n", content.trim_end()),
                );
                let diff = similar::TextDiff::from_lines(&old, &new)
                    .unified_diff()
                    .context_radius(3)
                    .header("recorded", "now")
                    .to_string();
                (
                    Status::Failed,
                    format!(
                        "{} answers differently from its snapshot {} (the new answer is in {}.new)",
                        r.key(),
                        path.display(),
                        path.display()
                    ),
                    Some(diff),
                )
            }
            None => {
                write(&pending, &snapshot)?;
                (
                    Status::Failed,
                    format!(
                        "{} has no snapshot in {}: record one with `assay record`, or accept {}.new",
                        r.key(),
                        dir.display(),
                        path.display()
                    ),
                    None,
                )
            }
        };
        results.push(result(status, message, diff));
    }
    if whole {
        for path in unasked(&dir, &asked)? {
            if !compare {
                remove_stale(&path)?;
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let name = path.file_stem().unwrap_or_default().to_string_lossy();
            let (expression, doc) = file::origin(&text);
            results.push(CaseResult {
                id: format!("{}/snapshots/{name}", spec.name),
                check: Check::Snapshot,
                severity: Severity::Should,
                status: Status::Failed,
                doc: doc.unwrap_or_else(|| spec.document.clone()),
                title: format!(
                    "{} is asked as when recorded",
                    expression.as_deref().unwrap_or(&name)
                ),
                message: format!(
                    "{} was recorded, but no case asked it this time (a case skipped, or one \
                     the deployment no longer gives data for)",
                    path.display()
                ),
                diff: None,
                duration_ms: 0,
            });
        }
    }
    Ok(results)
}

/// The snapshot files of a folder no request of this run made.
fn unasked(dir: &Path, asked: &std::collections::HashSet<String>) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.into(),
        source,
    })?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            name.ends_with(".snap") && !asked.contains(name.as_ref())
        })
        .collect();
    out.sort();
    Ok(out)
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.into(),
        source,
    })
}

/// A pending snapshot the current answer no longer differs by is withdrawn.
fn remove_stale(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Write {
            path: path.into(),
            source,
        }),
    }
}
