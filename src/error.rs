//! User-facing errors. Each variant owns its wording and its exit code: 2 for bad
//! input (spec, arguments, files), 1 is reserved for "the check found problems",
//! which commands report through their own result rather than as an error.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid spec {path}:{line}:{column}: {message}")]
    SpecSyntax {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
    },
    #[error("invalid spec {path}: {message}")]
    SpecInvalid { path: PathBuf, message: String },
    #[error("invalid JSON in {path}:{line}:{column}: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Usage(String),
}

impl Error {
    /// Every error a command returns is bad input of some kind.
    pub fn exit_code(&self) -> i32 {
        2
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// "did you mean …?" for a mistyped name, when one candidate is close.
pub fn did_you_mean<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let best = candidates
        .into_iter()
        .map(|c| (edit_distance(wrong, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((_, c)) => format!(" (did you mean `{c}`?)"),
        None => String::new(),
    }
}

/// Edit distance, for suggesting a name.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("plant_lnie", ["plant_line", "trait"]),
            " (did you mean `plant_line`?)"
        );
        assert_eq!(did_you_mean("zzzz", ["plant_line", "trait"]), "");
    }
}
