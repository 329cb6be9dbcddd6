//! Which resource an `X_id` / `X_ids` field points at. The documents never say
//! it in a table; they say it by name (`plant_line_id`) or in the description
//! ("the Plant Line which…"). The mock links its records by this rule and the
//! reference cases check a deployment by the same one.

use super::{Field, Resource, Spec};

impl Spec {
    /// The resource a field refers to and whether it holds many ids (`_ids`): one
    /// whose name the field ends with (the longest such name), or else the one
    /// whose title its description names first ("the Primer associated with this
    /// marker assay" is a primer), of the type of that resource's ids.
    pub fn reference_target(&self, f: &Field) -> Option<(&Resource, bool)> {
        let field = f.path.as_str();
        let (base, many) = if let Some(b) = field.strip_suffix("_ids") {
            (b, true)
        } else {
            (field.strip_suffix("_id")?, false)
        };
        let named = |r: &&Resource| base == r.name || base.ends_with(&format!("_{}", r.name));
        let description = f.description.to_lowercase();
        // Where the description names the resource's title, and how early.
        let mentioned = |r: &Resource| {
            let title = r
                .title
                .as_deref()
                .map(words)
                .unwrap_or_else(|| r.name.replace('_', " "));
            (!title.is_empty())
                .then(|| description.find(&title.to_lowercase()))
                .flatten()
        };
        let by_name = self
            .resources
            .iter()
            .filter(|r| named(r))
            .max_by_key(|r| r.name.len());
        // First named wins; of two titles at one place, the longer.
        let by_description = || {
            self.resources
                .iter()
                .filter_map(|r| Some((mentioned(r)?, r)))
                .min_by_key(|(at, r)| (*at, std::cmp::Reverse(r.name.len())))
                .map(|(_, r)| r)
        };
        let same_type = |t: &(&Resource, bool)| {
            t.0.field(t.0.id_field.as_deref().unwrap_or("id"))
                .is_some_and(|id| id.ty.kind == f.ty.kind)
        };
        by_name
            .or_else(by_description)
            .map(|r| (r, many))
            .filter(same_type)
    }
}

/// `PlantLine` → `Plant Line`: a title's words, split at capitals.
pub fn words(title: &str) -> String {
    let mut out = String::new();
    for (i, c) in title.chars().enumerate() {
        if i > 0 && c.is_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
