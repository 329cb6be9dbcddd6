//! Snapshot files in insta's format: a YAML header between `---` lines (where
//! the snapshot comes from, what it is of), then the content. `cargo insta`
//! reads, reviews and accepts them like its own.

use serde::Serialize;

use super::Recorded;

/// The header fields insta knows, in its order.
#[derive(Serialize)]
struct Header<'a> {
    source: &'a str,
    description: String,
    expression: &'a str,
}

/// The whole file.
pub(super) fn render(key: &str, r: &Recorded, content: &str) -> String {
    let header = Header {
        source: "assay record",
        description: format!("first asked by {} ({})", r.case, r.doc),
        expression: key,
    };
    let yaml = serde_saphyr::to_string(&header).expect("strings serialize");
    format!("---\n{yaml}---\n{}\n", content.trim_end())
}

/// The content of a snapshot file: what follows its header.
pub(super) fn content(text: &str) -> Option<String> {
    let rest = text
        .strip_prefix("---\n")
        .or(text.strip_prefix("---\r\n"))?;
    let end = rest
        .find("\n---\n")
        .map(|i| (i, 5))
        .or(rest.find("\r\n---\r\n").map(|i| (i, 7)))?;
    Some(rest[end.0 + end.1..].to_string())
}

/// What a snapshot is of and which document place its first case rests on,
/// read back from its header (`expression`, and `description`'s parentheses).
pub(super) fn origin(text: &str) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct Back {
        expression: Option<String>,
        description: Option<String>,
    }
    let header = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(h, _)| h);
    let Some(back) = header.and_then(|h| serde_saphyr::from_str::<Back>(h).ok()) else {
        return (None, None);
    };
    let doc = back.description.as_deref().and_then(|d| {
        let inner = d.split_once(" (")?.1;
        Some(inner.strip_suffix(')').unwrap_or(inner).to_string())
    });
    (back.expression, doc)
}

/// Equal as insta compares text: line endings and trailing blank space aside.
pub(super) fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
    norm(a) == norm(b)
}

/// A file name for a request: readable, and unique by a hash of the whole key
/// (two queries may slug alike, and file names have a length limit).
pub(super) fn name(key: &str) -> String {
    let mut slug = String::new();
    for c in key.chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '=' | '-') {
            c.to_ascii_lowercase()
        } else {
            '_'
        };
        if !(c == '_' && slug.ends_with('_')) {
            slug.push(c);
        }
        if slug.len() >= 80 {
            break;
        }
    }
    format!("{}-{:08x}", slug.trim_matches('_'), fnv(key) as u32)
}

/// FNV-1a: a hash whose value never changes between builds, unlike std's.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_readable_unique_and_stable() {
        let a = name("GET /api/v1/countries?page=2&per_page=10");
        assert_eq!(
            a,
            format!(
                "get_api_v1_countries_page=2_per_page=10-{:08x}",
                fnv("GET /api/v1/countries?page=2&per_page=10") as u32
            )
        );
        assert_ne!(
            a,
            name("GET /api/v1/countries?page=2&per_page=10 (credentials: none)")
        );
        assert!(name(&"x".repeat(500)).len() < 100);
    }

    #[test]
    fn content_follows_the_header() {
        let r = Recorded {
            line: "GET /a".into(),
            credentials: crate::generate::Credentials::Valid,
            status: 200,
            content_type: None,
            body: Vec::new(),
            origin: String::new(),
            case: "api/a/status/ok".into(),
            doc: "a.txt:1".into(),
        };
        let text = render("GET /a", &r, "200\n---\nbody\n\n");
        assert!(text.starts_with("---\nsource: assay record\n"), "{text}");
        assert_eq!(content(&text).as_deref(), Some("200\n---\nbody\n"));
        assert!(same("200\r\nbody\n", "200\nbody"));
        assert_eq!(content("no header"), None);
        assert_eq!(
            origin(&text),
            (Some("GET /a".to_string()), Some("a.txt:1".to_string()))
        );
    }
}
