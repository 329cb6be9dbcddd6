//! URL templates as the client writes them (`https://host/path/{id}/?type=map&{type}={v}`):
//! their placeholders, the target a request is sent to (relative to the host), and
//! that target's path and query parameters.
//!
//! Invariants: templates are read, never rewritten: what is cited (`url_templates`)
//! is the text the document prints. A target's path holds no query: every
//! `name=value` pair after `?` is a query parameter, whatever its value.

/// `{name}` placeholders of a template, in order, each once.
pub(super) fn placeholders(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        let name = rest[i + 1..i + j].to_string();
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &rest[i + j + 1..];
    }
    out
}

/// The template without scheme and host.
pub(super) fn relative(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let at = rest.find(['/', '{']).unwrap_or(rest.len());
    &rest[at..]
}

/// A target's path and its query string (without the `?`; empty when it has none).
pub(super) fn split_target(target: &str) -> (&str, &str) {
    target.split_once('?').unwrap_or((target, ""))
}

/// What the value of a query pair is.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum QueryValue<'t> {
    /// No placeholder: the template always sends it (`type=map`).
    Fixed(&'t str),
    /// A placeholder alone (`screen={screen_id}`): the parameter takes the
    /// placeholder's value.
    Placeholder(String),
    /// Text around placeholders (`query=Well-{well_id}`): always that text, filled.
    Template(&'t str),
}

/// The `name=value` pairs of a query string, in order; a name without `=` has the
/// empty value.
pub(super) fn query_pairs(query: &str) -> Vec<(&str, QueryValue<'_>)> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (name, value) = kv.split_once('=').unwrap_or((kv, ""));
            let inner = value.strip_prefix('{').and_then(|v| v.strip_suffix('}'));
            let value = match inner {
                Some(p) if placeholders(value) == [p] => QueryValue::Placeholder(p.to_string()),
                _ if placeholders(value).is_empty() => QueryValue::Fixed(value),
                _ => QueryValue::Template(value),
            };
            (name, value)
        })
        .collect()
}

/// Placeholders that stand where a query parameter's name goes (`{type}=…`).
pub(super) fn name_placeholders(target: &str) -> Vec<String> {
    query_pairs(split_target(target).1)
        .into_iter()
        .flat_map(|(name, _)| placeholders(name))
        .collect()
}

/// The parameter a placeholder of the target fills: itself where it stands in the
/// path, else the query parameter whose value holds it (`screen` for
/// `screen={screen_id}`).
pub(super) fn param_of(target: &str, placeholder: &str) -> String {
    let (path, query) = split_target(target);
    let mark = format!("{{{placeholder}}}");
    if path.contains(&mark) {
        return placeholder.to_string();
    }
    query_pairs(query)
        .into_iter()
        .find(|(_, v)| match v {
            QueryValue::Placeholder(p) => p == placeholder,
            QueryValue::Template(t) => t.contains(&mark),
            QueryValue::Fixed(_) => false,
        })
        .map_or_else(|| placeholder.to_string(), |(name, _)| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_templates() {
        let url = "https://h.org/api/{kind}/?type=map&{type}={sid}";
        assert_eq!(placeholders(url), ["kind", "type", "sid"]);
        assert_eq!(relative(url), "/api/{kind}/?type=map&{type}={sid}");
        assert_eq!(relative("https://h.org{thumb_url}"), "{thumb_url}");
        assert_eq!(name_placeholders(relative(url)), ["type"]);
        assert!(name_placeholders("/a/{b}/").is_empty());
    }

    #[test]
    fn reads_query_parameters() {
        let target = "/t/{w}/q/?type=map&screen={sid}&query=Well-{w}&show=image-{i}&flag";
        assert_eq!(split_target(target).0, "/t/{w}/q/");
        let pairs = query_pairs(split_target(target).1);
        assert_eq!(
            pairs,
            [
                ("type", QueryValue::Fixed("map")),
                ("screen", QueryValue::Placeholder("sid".into())),
                ("query", QueryValue::Template("Well-{w}")),
                ("show", QueryValue::Template("image-{i}")),
                ("flag", QueryValue::Fixed("")),
            ]
        );
        // `{a}{b}` is two placeholders, no single one.
        assert_eq!(query_pairs("x={a}{b}")[0].1, QueryValue::Template("{a}{b}"));
        assert_eq!(param_of(target, "sid"), "screen");
        assert_eq!(param_of(target, "w"), "w");
        assert_eq!(param_of(target, "i"), "show");
        assert_eq!(split_target("{thumb_url}"), ("{thumb_url}", ""));
    }
}
