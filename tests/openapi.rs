//! OpenAPI export and import: exports of the five specs are valid OpenAPI 3.1
//! (checked by an independent validator), carry their operations, and come back
//! unchanged through an import.
//!
//! The validator is Python's `openapi-spec-validator` (`.ci/run` installs it).

use std::process::Command;

use serde_json::Value;

use crate::common::*;

fn export(name: &str) -> Value {
    assay::openapi::export(&assay::spec::load(&spec_path(name)).unwrap())
}

#[test]
fn export_import_export_is_stable_for_every_spec() {
    for name in spec_names() {
        let first = export(&name);
        let text = serde_json::to_string(&first).unwrap();
        let spec = assay::openapi::import(std::path::Path::new("export.json"), &text)
            .unwrap_or_else(|e| panic!("{name}: the export does not import: {e}"));
        let original = assay::spec::load(&spec_path(&name)).unwrap();
        assert_eq!(spec.operations.len(), original.operations.len(), "{name}");
        let second = assay::openapi::export(&spec);
        assert!(
            first == second,
            "{name}: export → import → export changed it"
        );
    }
}

#[test]
fn exports_validate_against_the_openapi_3_1_schema() {
    let probe = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output();
    assert!(
        probe.is_ok_and(|o| o.status.success()),
        "this test needs python3 with `openapi-spec-validator`: run `python3 -m pip install openapi-spec-validator` (.ci/run does)"
    );
    let dir = tempdir();
    for name in spec_names() {
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, serde_json::to_string(&export(&name)).unwrap()).unwrap();
        let out = Command::new("python3")
            .args(["-m", "openapi_spec_validator"])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{name}: {}",
            &text[..text.len().min(2000)]
        );
    }
    // The validator is not a yes-man: a parameter without `in` is refused.
    let mut broken = export("bip");
    let path = broken["paths"]["/api/v1/countries"]["get"]
        .as_object_mut()
        .unwrap();
    path.insert("parameters".into(), serde_json::json!([{"name": "x"}]));
    let file = dir.join("broken.json");
    std::fs::write(&file, serde_json::to_string(&broken).unwrap()).unwrap();
    let out = Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a broken export passed the validator"
    );
}

#[test]
fn every_operation_with_a_literal_path_is_a_path_item() {
    let spec = assay::spec::load(&spec_path("bip")).unwrap();
    let doc = export("bip");
    for op in &spec.operations {
        let method = op.method.as_str().to_ascii_lowercase();
        let item = &doc["paths"][&op.path][&method];
        assert_eq!(
            item["operationId"],
            op.id.as_str(),
            "{} {}",
            op.method.as_str(),
            op.path
        );
        for name in op.path.split('{').skip(1).filter_map(|s| s.split_once('}')) {
            let declared = item["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["name"] == name.0 && p["in"] == "path"));
            assert!(
                declared,
                "{}: path parameter {} not declared",
                op.id, name.0
            );
        }
    }
    // bip's key travels in a header, and operations that need it say so.
    assert_eq!(
        doc["components"]["securitySchemes"]["apiKey"],
        serde_json::json!({"type": "apiKey", "in": "header", "name": "X-BIP-Api-Key"})
    );
}

#[test]
fn import_refuses_what_is_not_openapi_3() {
    let err = |text: &str| {
        assay::openapi::import(std::path::Path::new("api.json"), text)
            .unwrap_err()
            .to_string()
    };
    assert!(
        err(r#"{"swagger": "2.0"}"#).contains("Swagger 2"),
        "{}",
        err(r#"{"swagger": "2.0"}"#)
    );
    assert!(err(r#"{"openapi": "4.0.0"}"#).contains("3.x only"));
    assert!(err("{").contains("api.json"));
}
