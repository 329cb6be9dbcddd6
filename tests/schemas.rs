use crate::common::*;
use assay::schema::{Validator, generate, schema_for_example};
use assay::spec::ExampleKind;

/// Every response example of every document validates against the schema generated
/// for it, unless lint reports (and the spec acknowledges) the contradiction.
#[test]
fn every_response_example_validates_or_is_acknowledged() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for name in spec_names() {
        let spec = assay::spec::load(&spec_path(&name)).unwrap();
        let schemas = generate(&spec);
        let findings = assay::lint::lint(&spec);
        for ex in &spec.examples {
            let Some(body) = &ex.body else { continue };
            if ex.kind != ExampleKind::Response {
                continue;
            }
            let Some(schema_name) = schema_for_example(&spec, ex) else {
                problems.push(format!("{name}: response example {} has no shape", ex.id));
                continue;
            };
            let schema = schemas
                .iter()
                .find(|s| s.name == schema_name)
                .unwrap_or_else(|| panic!("{name}: no schema {schema_name} for {}", ex.id));
            let acknowledged = findings.iter().any(|f| {
                f.acknowledged.is_some() && f.message.starts_with(&format!("example {} ", ex.id))
            });
            let value: serde_json::Value = match serde_json::from_str(body) {
                Ok(v) => v,
                Err(e) if !acknowledged => {
                    problems.push(format!(
                        "{name}: {} is not JSON ({e}) and lint does not acknowledge it",
                        ex.id
                    ));
                    continue;
                }
                Err(_) => continue,
            };
            let violations = Validator::new(&schema_name, &schema.schema)
                .unwrap()
                .violations(&value);
            checked += 1;
            if !violations.is_empty() && !acknowledged {
                problems.push(format!(
                    "{name}: {} breaks `{schema_name}`: {}",
                    ex.id,
                    violations
                        .iter()
                        .map(|v| format!("{} {}", v.instance_path, v.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(checked > 0, "no response example was checked");
}

/// Generated schemas are snapshotted in snapshots/SPEC/; a spec change fails here
/// until the new snapshots are reviewed (`cargo insta review`).
#[test]
fn schemas_match_snapshots() {
    for name in spec_names() {
        let spec = assay::spec::load(&spec_path(&name)).unwrap();
        let dir = root().join("snapshots").join(&name);
        let all = generate(&spec);
        insta::with_settings!({
            snapshot_path => &dir,
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            for n in &all {
                insta::assert_json_snapshot!(n.name.clone(), n.schema);
            }
        });
        // A schema the spec no longer generates leaves its snapshot behind.
        let stale: Vec<String> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter_map(|f| f.strip_suffix(".snap").map(String::from))
            .filter(|f| !all.iter().any(|n| &n.name == f))
            .collect();
        assert!(
            stale.is_empty(),
            "snapshots/{name}/ holds snapshots of schemas the spec no longer generates: {stale:?}"
        );
    }
}

#[test]
fn every_generated_schema_compiles() {
    for name in spec_names() {
        let spec = assay::spec::load(&spec_path(&name)).unwrap();
        for n in generate(&spec) {
            Validator::new(&n.name, &n.schema).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}

#[test]
fn write_schemas_enforce_the_tables() {
    let spec = assay::spec::load(&spec_path("bip")).unwrap();
    let all = generate(&spec);
    let create = &all
        .iter()
        .find(|n| n.name == "plant_accession.create")
        .unwrap()
        .schema;
    let v = Validator::new("plant_accession.create", create).unwrap();
    let ok = serde_json::json!({"plant_accession": {"plant_accession": "A1", "originating_organisation": "EI", "plant_line_id": 1}});
    assert!(v.violations(&ok).is_empty(), "{:?}", v.violations(&ok));
    // Missing required attribute, unknown attribute, readonly attribute, both of a one-of pair.
    for bad in [
        serde_json::json!({"plant_accession": {"originating_organisation": "EI", "plant_line_id": 1}}),
        serde_json::json!({"plant_accession": {"plant_accession": "A1", "originating_organisation": "EI", "plant_line_id": 1, "priner": 1}}),
        serde_json::json!({"plant_accession": {"plant_accession": "A1", "originating_organisation": "EI", "plant_line_id": 1, "id": 4}}),
        serde_json::json!({"plant_accession": {"plant_accession": "A1", "originating_organisation": "EI", "plant_line_id": 1, "plant_variety_id": 2}}),
        serde_json::json!({"plant_accession": {"plant_accession": "A1", "originating_organisation": "EI"}}),
    ] {
        assert!(!v.violations(&bad).is_empty(), "accepted {bad}");
    }
    let one_given = serde_json::json!({"plant_accession": {"plant_accession": "A1", "originating_organisation": "EI", "plant_line_id": 1, "plant_variety_id": null}});
    assert!(
        v.violations(&one_given).is_empty(),
        "a null id is not given"
    );
    let item = &all
        .iter()
        .find(|n| n.name == "plant_accession")
        .unwrap()
        .schema;
    let v = Validator::new("plant_accession", item).unwrap();
    let bad_date = serde_json::json!({"plant_accession": {"id": 1, "plant_accession": "A", "originating_organisation": "EI", "date_harvested": "July 2015"}});
    let found = v.violations(&bad_date);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].instance_path, "/plant_accession/date_harvested");
}
