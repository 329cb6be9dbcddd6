//! Requests to operations: which resource a request path addresses, what it does
//! there, and the path template it stands for.
//!
//! A path is read from its end: its last segment naming a known collection picks the
//! resource, and what follows that segment (nothing, an identifier, an identifier and
//! a word) picks the kind of operation. Identifier segments become the placeholders
//! of the template (`/api/plans/PIN:1` → `/api/plans/{pin}`), so every example of
//! one operation, whatever ids it uses, gets the same operation id.

use crate::spec::{Method, OperationKind};

pub(super) struct Class {
    pub id: String,
    pub kind: OperationKind,
    pub resource: Option<String>,
    pub template: String,
}

/// The path's segments, without its query.
pub(super) fn segments(target: &str) -> Vec<&str> {
    let path = target.split('?').next().unwrap_or(target);
    path.trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect()
}

/// The path parameter an identifier segment stands for: `TPN:000000001` → `tpn`, an
/// email address → `email`, a number → `id`.
pub(super) fn placeholder(segment: &str) -> Option<String> {
    if let Some((prefix, number)) = segment.split_once(':')
        && !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
    {
        return Some(prefix.to_lowercase());
    }
    if segment.contains('@') {
        return Some("email".into());
    }
    (segment.chars().all(|c| c.is_ascii_digit())).then(|| "id".into())
}

/// The operation of a request: the resource whose collection is the path's last
/// collection segment, and what follows it (`[]`, `[id]`, `[id, history]`, …).
/// `plurals` pairs collection names with resource names.
pub(super) fn classify(plurals: &[(String, String)], method: Method, target: &str) -> Class {
    let segs = segments(target);
    let template = format!(
        "/{}",
        segs.iter()
            .map(|s| placeholder(s).map_or(s.to_string(), |p| format!("{{{p}}}")))
            .collect::<Vec<_>>()
            .join("/")
    );
    let collection = segs.iter().enumerate().rev().find_map(|(i, s)| {
        let (plural, resource) = plurals.iter().find(|(p, _)| p == s)?;
        Some((i, plural, resource))
    });
    let Some((at, plural, resource)) = collection else {
        let id = segs
            .iter()
            .filter(|s| placeholder(s).is_none())
            .copied()
            .collect::<Vec<_>>()
            .join("/");
        return Class {
            id,
            kind: OperationKind::Other,
            resource: None,
            template,
        };
    };
    let rest: Vec<(&str, bool)> = segs[at + 1..]
        .iter()
        .map(|s| (*s, placeholder(s).is_some()))
        .collect();
    let method_name = method.as_str().to_lowercase();
    let (kind, suffix) = match (&rest[..], method) {
        ([], Method::Get) => (OperationKind::List, "list".to_string()),
        ([], Method::Post) => (OperationKind::Create, "create".into()),
        ([], Method::Put | Method::Patch) => (OperationKind::Update, method_name),
        ([(_, true)], Method::Get) => (OperationKind::Get, "get".into()),
        ([(_, true)], Method::Put | Method::Patch) => (OperationKind::Update, "update".into()),
        ([(_, true)], Method::Delete) => (OperationKind::Delete, "delete".into()),
        ([(_, true), ("history", false)], Method::Get) => {
            (OperationKind::History, "history".into())
        }
        ([(_, true), (word, false)], _) => (OperationKind::Action, word.to_string()),
        ([(word, false)], _) => (OperationKind::Other, word.to_string()),
        _ => (
            OperationKind::Other,
            rest.iter()
                .filter(|(_, id)| !id)
                .map(|(s, _)| *s)
                .chain(std::iter::once(method_name.as_str()))
                .collect::<Vec<_>>()
                .join("/"),
        ),
    };
    Class {
        id: format!("{plural}/{suffix}"),
        kind,
        resource: Some(resource.clone()),
        template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths_by_their_last_collection() {
        let plurals = [
            ("plans".to_string(), "plan".to_string()),
            ("outcomes".to_string(), "outcome".to_string()),
            ("people".to_string(), "user".to_string()),
        ];
        let c = classify(
            &plurals,
            Method::Get,
            "/api/plans/PIN:0000000001/outcomes/TPO:000000000002/history",
        );
        assert_eq!(c.id, "outcomes/history");
        assert_eq!(c.kind, OperationKind::History);
        assert_eq!(c.template, "/api/plans/{pin}/outcomes/{tpo}/history");
        let c = classify(&plurals, Method::Post, "/api/plans/");
        assert_eq!(
            (c.id.as_str(), c.kind),
            ("plans/create", OperationKind::Create)
        );
        assert_eq!(c.template, "/api/plans");
        let c = classify(&plurals, Method::Get, "/api/plans?statusName=x&a=b");
        assert_eq!(c.id, "plans/list");
        let c = classify(&plurals, Method::Put, "/api/people/a@b.org");
        assert_eq!(
            (c.id.as_str(), c.template.as_str()),
            ("people/update", "/api/people/{email}")
        );
        let c = classify(&plurals, Method::Put, "/api/people");
        assert_eq!(
            (c.id.as_str(), c.kind),
            ("people/put", OperationKind::Update)
        );
        let c = classify(&plurals, Method::Get, "/api/people/currentPerson");
        assert_eq!(
            (c.id.as_str(), c.kind),
            ("people/currentPerson", OperationKind::Other)
        );
        let c = classify(&plurals, Method::Post, "/auth/signin");
        assert_eq!((c.id.as_str(), c.resource), ("auth/signin", None));
    }
}
