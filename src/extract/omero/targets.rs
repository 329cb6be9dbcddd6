//! What a request addresses. Paths under the model prefix `/m/` address resources:
//! the collection segment names the resource (`/m/projects/` lists projects,
//! `/m/projects/{project_id}/` gets one, `/m/projects/{project_id}/datasets/` lists
//! the datasets of one); a POST or PUT to a path naming no collection (`/m/save/`)
//! saves the resource its body names. Paths outside the prefix are operations of
//! their own.
//!
//! Invariant: a path under the prefix that addresses no known collection is an
//! error, so a new kind of URL in the document is noticed, not misread.

use super::MODEL_SEGMENT;
use crate::spec::{Method, OperationKind, Resource};

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Target {
    pub(super) kind: OperationKind,
    /// The collection of the resource addressed; `None` for other operations.
    pub(super) plural: Option<String>,
    /// Segments before the collection in a nested list, placeholders left out.
    pub(super) parents: Vec<String>,
    /// The resource is named by the request body's `@type`.
    pub(super) by_body: bool,
}

/// The segments under the model prefix, if the path is under it.
pub(super) fn model_segments(path: &str) -> Option<Vec<&str>> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let at = segs.iter().position(|s| *s == MODEL_SEGMENT)?;
    Some(segs[at + 1..].to_vec())
}

fn is_placeholder(s: &str) -> bool {
    s.starts_with('{') && s.ends_with('}')
}

/// The collection a GET path lists or gets from.
pub(super) fn collection_of(segs: &[&str]) -> Option<String> {
    match segs {
        [.., last] if !is_placeholder(last) => Some(last.to_string()),
        [coll, id] if is_placeholder(id) => Some(coll.to_string()),
        _ => None,
    }
}

pub(super) fn target_of(
    method: Method,
    path: &str,
    collections: &[String],
) -> Result<Target, String> {
    let Some(segs) = model_segments(path) else {
        return Ok(Target {
            kind: OperationKind::Other,
            plural: None,
            parents: Vec::new(),
            by_body: false,
        });
    };
    let known = |s: &str| collections.iter().any(|c| c == s);
    let target = |kind, plural: &str, parents: Vec<String>| Target {
        kind,
        plural: Some(plural.to_string()),
        parents,
        by_body: false,
    };
    Ok(match (&segs[..], method) {
        ([coll, id], m) if is_placeholder(id) && known(coll) => {
            let kind = match m {
                Method::Get => OperationKind::Get,
                Method::Delete => OperationKind::Delete,
                Method::Put | Method::Patch => OperationKind::Update,
                Method::Post => OperationKind::Action,
            };
            target(kind, coll, Vec::new())
        }
        ([before @ .., coll], Method::Get) if known(coll) => {
            let parents = before
                .iter()
                .filter(|s| !is_placeholder(s))
                .map(|s| s.to_string())
                .collect();
            target(OperationKind::List, coll, parents)
        }
        (segs, Method::Post | Method::Put)
            if !segs.iter().any(|s| is_placeholder(s) || known(s)) =>
        {
            Target {
                kind: if method == Method::Post {
                    OperationKind::Create
                } else {
                    OperationKind::Update
                },
                plural: None,
                parents: Vec::new(),
                by_body: true,
            }
        }
        _ => {
            return Err(format!(
                "`{} {path}` addresses no collection",
                method.as_str()
            ));
        }
    })
}

pub(super) fn resource_of<'r>(resources: &'r [Resource], plural: &str) -> Option<&'r Resource> {
    resources.iter().find(|r| r.plural() == plural)
}

/// `List supported versions` → `list_supported_versions`.
pub(super) use crate::extract::text::words_snake as slug;

/// `PlateAcquisition` → `plate_acquisition`, `ROI` → `roi`. Not the shared
/// `text::snake_case`, which splits every capital (`ROI` → `r_o_i`): OMERO type names
/// hold acronyms.
pub(super) fn snake_case(s: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in s.chars() {
        if c.is_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_resources_by_collection() {
        let colls = vec!["projects".to_string(), "datasets".to_string()];
        let t = target_of(
            Method::Get,
            "/api/v0/m/projects/{project_id}/datasets/",
            &colls,
        )
        .unwrap();
        assert_eq!(t.kind, OperationKind::List);
        assert_eq!(t.plural.as_deref(), Some("datasets"));
        assert_eq!(t.parents, ["projects"]);
        let t = target_of(Method::Delete, "/api/v0/m/projects/{project_id}/", &colls).unwrap();
        assert_eq!(t.kind, OperationKind::Delete);
        assert!(
            target_of(Method::Put, "/api/v0/m/save/", &colls)
                .unwrap()
                .by_body
        );
        assert_eq!(
            target_of(Method::Get, "/api/v0/token/", &colls)
                .unwrap()
                .kind,
            OperationKind::Other
        );
        assert_eq!(snake_case("PlateAcquisition"), "plate_acquisition");
        assert_eq!(snake_case("ROI"), "roi");
        assert_eq!(
            slug("List available OMERO servers"),
            "list_available_omero_servers"
        );
    }
}
