//! Every table row, endpoint and example of each document is in its spec: a line of
//! the document that states one is cited by some item of the spec.

use std::collections::BTreeSet;

use crate::common::*;

/// Lines (1-based) the spec cites in its own document.
fn cited_lines(spec: &assay::spec::Spec) -> BTreeSet<u32> {
    fn walk(v: &serde_json::Value, file: &str, out: &mut BTreeSet<u32>) {
        match v {
            serde_json::Value::String(s) => {
                if let Ok(r) = s.parse::<assay::spec::DocRef>()
                    && r.file == file
                {
                    out.insert(r.line);
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
    // shows only in an example, on each of the twenty writable resources.
    assert_eq!(fields, rows + 20);
}
