//! Matching a request to the spec's operations by path template and method.

use crate::spec::{Method, Spec};

/// A compiled path template: literal segments and `{param}` placeholders.
pub struct Route {
    pub op: usize,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param(String),
}

pub fn compile(spec: &Spec) -> Vec<Route> {
    spec.operations
        .iter()
        .enumerate()
        // A path that is a placeholder alone (`{thumb_url}`) is a URL some response
        // hands out, reached by following it, not a route.
        .filter(|(_, o)| o.path.starts_with('/'))
        .map(|(op, o)| Route {
            op,
            segments: o
                .path
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(p) => Segment::Param(p.to_string()),
                        None => Segment::Literal(s.to_string()),
                    },
                )
                .collect(),
        })
        .collect()
}

/// A route's path parameters, by name.
pub type Params = Vec<(String, String)>;

/// What a path and method resolve to.
pub enum Found {
    Operation(usize, Params),
    /// The path is known but not for this method: the methods it allows.
    WrongMethod(Vec<Method>),
    Nowhere,
}

pub fn find(
    spec: &Spec,
    routes: &[Route],
    method: Method,
    path: &str,
    query: &[(String, String)],
) -> Found {
    let parts: Vec<&str> = path.split('/').collect();
    let mut allowed = Vec::new();
    // Literal segments win over parameters (`/plans/{pin}/history` vs `/plans/{pin}/{x}`).
    let mut best: Option<(usize, usize, Params)> = None;
    for r in routes {
        if r.segments.len() != parts.len() {
            continue;
        }
        let mut params = Vec::new();
        let mut literals = 0;
        let ok = r.segments.iter().zip(&parts).all(|(s, p)| match s {
            Segment::Literal(l) => {
                literals += 1;
                l == p
            }
            Segment::Param(name) => {
                params.push((name.clone(), decode(p)));
                !p.is_empty()
            }
        });
        if !ok {
            continue;
        }
        let op = &spec.operations[r.op];
        if op.method != method {
            allowed.push(op.method);
            continue;
        }
        // Operations sharing a path differ by the fixed query values they send
        // (`type=map` or `type=file`); each fixed value counts like a literal.
        let fixed: Vec<(&str, &str)> = op
            .params
            .iter()
            .filter_map(|p| Some((p.name.as_str(), p.value.as_deref()?)))
            .filter(|(_, v)| !v.contains('{'))
            .collect();
        if !fixed
            .iter()
            .all(|(k, v)| query.iter().any(|(qk, qv)| qk == k && qv == v))
        {
            continue;
        }
        let literals = literals + fixed.len();
        if best.as_ref().is_none_or(|(l, _, _)| literals > *l) {
            best = Some((literals, r.op, params));
        }
    }
    match best {
        Some((_, op, params)) => Found::Operation(op, params),
        None if !allowed.is_empty() => Found::WrongMethod(allowed),
        None => Found::Nowhere,
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}
