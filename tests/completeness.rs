//! Every table row, endpoint and example of each document is in its spec: a line of
//! the document that states one is cited by some item of the spec.

use std::collections::BTreeSet;

use crate::common::*;

/// Places the spec cites in its own document, as (line, column) with column 0 for
/// line citations.
fn cited(spec: &assay::spec::Spec) -> BTreeSet<(u32, u32)> {
    fn walk(v: &serde_json::Value, file: &str, out: &mut BTreeSet<(u32, u32)>) {
        match v {
            serde_json::Value::String(s) => {
                if let Ok(r) = s.parse::<assay::spec::DocRef>()
                    && r.file == file
                {
                    out.insert((r.line, r.column.unwrap_or(0)));
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, file, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| walk(x, file, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(
        &serde_json::to_value(spec).unwrap(),
        &spec.document,
        &mut out,
    );
    out
}

fn document(spec: &assay::spec::Spec) -> String {
    std::fs::read_to_string(docs().join(&spec.document)).unwrap()
}

fn cited_lines(spec: &assay::spec::Spec) -> BTreeSet<u32> {
    cited(spec).into_iter().map(|(l, _)| l).collect()
}

/// Lines of the document matching `states` that no spec item cites.
fn uncited(name: &str, states: impl Fn(&[&str], usize) -> bool) -> Vec<String> {
    let spec = assay::spec::load(&spec_path(name)).unwrap();
    let lines = cited_lines(&spec);
    let text = document(&spec);
    let all: Vec<&str> = text.lines().collect();
    (0..all.len())
        .filter(|&i| states(&all, i) && !lines.contains(&(i as u32 + 1)))
        .map(|i| {
            format!(
                "{}:{}: {}",
                spec.document,
                i + 1,
                all[i].chars().take(80).collect::<String>()
            )
        })
        .collect()
}

#[test]
fn bip_cites_every_table_row_and_request() {
    let spec = assay::spec::load(&spec_path("bip")).unwrap();
    let cited = cited_lines(&spec);
    let text = document(&spec);
    let missing: Vec<String> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.matches(" | ").count() >= 2 || l.contains(" HTTP/1.1"))
        .map(|(i, l)| (i as u32 + 1, l))
        .filter(|(n, _)| !cited.contains(n))
        .map(|(n, l)| format!("bip.txt:{n}: {}", l.chars().take(80).collect::<String>()))
        .collect();
    assert!(
        missing.is_empty(),
        "lines of bip.txt no spec item cites:\n{}",
        missing.join("\n")
    );
}

#[test]
fn bip_has_all_resources_and_their_operations() {
    let spec = assay::spec::load(&spec_path("bip")).unwrap();
    assert_eq!(spec.resources.len(), 25);
    let ops = |r: &str| -> Vec<String> {
        let plural = spec.resource(r).unwrap().plural().to_string();
        spec.operations
            .iter()
            .filter(|o| o.id.starts_with(&format!("{plural}/")))
            .map(|o| o.id[plural.len() + 1..].to_string())
            .collect()
    };
    for r in [
        "country",
        "plant_part",
        "population_type",
        "taxonomy_term",
        "trait",
    ] {
        assert_eq!(ops(r), ["list", "get"], "{r} is fetch-only");
    }
    let mut writable = ops("plant_line");
    writable.sort();
    assert_eq!(
        writable,
        ["create", "delete", "get", "list", "publish", "revoke"]
    );
    let writable_count = spec
        .resources
        .iter()
        .filter(|r| ops(&r.name).contains(&"create".to_string()))
        .count();
    assert_eq!(writable_count, 20);
    let fields: usize = spec.resources.iter().map(|r| r.fields.len()).sum();
    let rows = document(&spec)
        .lines()
        .skip_while(|l| *l != "Detailed model introduction")
        .filter(|l| l.matches(" | ").count() >= 2)
        .count();
    // Every row of the attribute tables, plus the `published` flag the document
    // shows only in an example, on each of the twenty writable resources, plus the
    // `id` the PlantPopulationList table leaves out (bip.txt:155).
    assert_eq!(fields, rows + 20 + 1);
}

const REST_DOCS_TYPES: [&str; 7] = [
    "String", "Number", "Boolean", "Array", "Object", "Null", "Varies",
];

#[test]
fn gentar_cites_every_field_row_and_request() {
    // A Path cell is a line whose next non-blank line is a type cell.
    let missing = uncited("gentar", |all, i| {
        let next = all[i + 1..].iter().find(|l| !l.trim().is_empty());
        let is_path = !all[i].trim().is_empty()
            && !all[i].contains(' ')
            && next.is_some_and(|n| REST_DOCS_TYPES.contains(&n.trim()));
        is_path || all[i].starts_with("$ curl") || all[i].contains(" HTTP/1.1")
    });
    assert!(missing.is_empty(), "uncited:\n{}", missing.join("\n"));
}

#[test]
fn impc_images_cites_every_row_and_example_key() {
    let missing = uncited("impc_images", |all, i| {
        let row = all[i].ends_with(" |") && !all[i].starts_with('|');
        let key = all[i].starts_with('"') && all[i].contains("\" : ");
        row || key
    });
    assert!(missing.is_empty(), "uncited:\n{}", missing.join("\n"));
}

#[test]
fn idr_cites_every_url_template_and_field_read() {
    let missing = uncited("idr", |all, i| {
        let l = all[i];
        l.contains("_URL = \"") || l.contains("_PAGE = \"") || l.contains("['")
    });
    assert!(missing.is_empty(), "uncited:\n{}", missing.join("\n"));
}

#[test]
fn omero_cites_every_request_it_prints() {
    let spec = assay::spec::load(&spec_path("omero")).unwrap();
    let places = cited(&spec);
    let text = document(&spec);
    let mut missing = Vec::new();
    for method in ["GET /api", "POST /api", "PUT /api", "DELETE /api"] {
        for (at, _) in text.match_indices(method) {
            let column = text[..at].chars().count() as u32 + 1;
            if !places.contains(&(1, column)) {
                missing.push(format!(
                    "omero.txt:1:{column}: {}",
                    &text[at..(at + 50).min(text.len())]
                ));
            }
        }
    }
    assert!(missing.is_empty(), "uncited:\n{}", missing.join("\n"));
}
