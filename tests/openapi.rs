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
        // The spec itself comes back: only its operations are regrouped by path.
        let by_id = |s: &assay::spec::Spec| {
            let mut s = s.clone();
            s.operations.sort_by(|a, b| a.id.cmp(&b.id));
            s
        };
        let original = assay::spec::load(&spec_path(&name)).unwrap();
        assert!(
            by_id(&spec) == by_id(&original),
            "{name}: the import differs from the spec"
        );
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

fn shelter() -> assay::spec::Spec {
    let path = root().join("tests/fixtures/shelter.openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assay::openapi::import(&path, &text).unwrap()
}

/// Line of the fixture holding `needle`, to check the places items cite.
fn fixture_line(needle: &str) -> u32 {
    let text = std::fs::read_to_string(root().join("tests/fixtures/shelter.openapi.yaml")).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() as u32 + 1
}

#[test]
fn a_description_without_extensions_is_read_from_its_standard_parts() {
    use assay::spec::{Auth, OperationKind, PageStyle};
    let spec = shelter();
    assert_eq!(spec.name, "shelter");
    assert_eq!(spec.base_path, "/v2");
    let animal = spec
        .resource("Animal")
        .expect("the resource lists and gets answer with");
    let field = |p: &str| animal.field(p).unwrap();
    // Required to create is what the create body requires; the server's own
    // fields are what the item has and the create body cannot send.
    assert!(field("name").required && field("species").required);
    assert!(!field("tags").required);
    assert!(field("id").readonly && field("admitted_at").readonly);
    assert!(field("birth_date").nullable);
    assert_eq!(field("species").values, ["cat", "dog", "rabbit"]);
    assert_eq!(field("microchip").pattern.as_deref(), Some("^[0-9]{15}$"));
    assert_eq!(field("tags").ty.to_string(), "string[]");
    let kinds: Vec<(&str, OperationKind)> = spec
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("listAnimals", OperationKind::List),
            ("admitAnimal", OperationKind::Create),
            ("getAnimal", OperationKind::Get),
            ("updateAnimal", OperationKind::Update),
            ("releaseAnimal", OperationKind::Delete),
            ("listShelters", OperationKind::List),
        ]
    );
    let list = spec.operation("listAnimals").unwrap();
    assert!(list.paginated && list.auth);
    assert_eq!(list.items_pointer.as_deref(), Some("/items"));
    assert_eq!(list.doc.line, fixture_line("operationId: listAnimals"));
    assert!(
        !spec.operation("listShelters").unwrap().auth,
        "`security: []` opens it"
    );
    let p = spec
        .pagination
        .as_ref()
        .expect("offset and limit with a total");
    assert_eq!(
        (p.style, p.position_param.as_str(), p.size_param.as_str()),
        (PageStyle::Offset, "offset", "limit")
    );
    assert_eq!((p.default_size, p.max_size), (Some(20), Some(100)));
    assert_eq!(p.total_pointer, "/total");
    match &spec.auth {
        Auth::ApiKeyHeader {
            header, rejected, ..
        } => {
            assert_eq!(header, "X-Api-Key");
            assert_eq!(rejected.as_ref().map(|r| r.status), Some(401));
        }
        other => panic!("expected an API key header, got {other:?}"),
    }
    let error = spec.error("Error").unwrap();
    assert_eq!(error.statuses, [401, 404]);
    assert!(error.fields.iter().all(|f| f.required));
    let example = &spec.examples[0];
    assert_eq!(example.operation.as_deref(), Some("admitAnimal"));
    assert!(example.body.as_deref().unwrap().contains("Biscuit"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_description_passes_its_clean_mock_and_catches_its_faults() {
    use assay::mock::Fault;
    use std::collections::BTreeSet;
    let spec = shelter();
    let clean = crate::run::run_against(spec.clone(), spec.clone(), &[], |_| {}).await;
    let bad: Vec<_> = crate::run::failed(&clean).iter().map(|r| &r.id).collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(clean.len() >= 25, "only {} cases", clean.len());
    for (fault, check) in [
        ("wrong-total-count", "pagination"),
        ("ok-for-unknown-id", "identity"),
        ("auth-not-enforced", "auth"),
        ("wrong-field-type", "schema"),
        ("wrong-error-body", "identity"),
        ("lost-writes", "state"),
        ("wrong-content-type", "content_type"),
    ] {
        let f: Fault = fault.parse().unwrap();
        let results = crate::run::run_against(spec.clone(), spec.clone(), &[f], |_| {}).await;
        let checks: BTreeSet<&str> = crate::run::failed(&results)
            .iter()
            .map(|r| r.check.as_str())
            .collect();
        assert!(checks.contains(check), "{fault}: failed checks {checks:?}");
    }
}

/// The strongest test of reading plain OpenAPI: bip's export with every `x-assay`
/// removed, imported, and its cases run against bip's own mock (the deployment
/// the description describes). Nothing may fail that the deployment does right,
/// and a broken deployment must still be caught.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_export_tested_against_the_deployment_it_describes_finds_no_fault() {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.shift_remove("x-assay");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let bip = assay::spec::load(&spec_path("bip")).unwrap();
    let mut doc = assay::openapi::export(&bip);
    strip(&mut doc);
    let text = serde_json::to_string(&doc).unwrap();
    let plain = assay::openapi::import(std::path::Path::new("bip.openapi.json"), &text).unwrap();
    assert_eq!(plain.operations.len(), bip.operations.len());
    assert!(plain.pagination.is_some() && plain.envelope.single == "/{name}");
    let results = crate::run::run_against(bip.clone(), plain.clone(), &[], |_| {}).await;
    let bad: Vec<String> = crate::run::failed(&results)
        .iter()
        .map(|r| format!("{}: {}", r.id, r.message))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    assert!(results.len() > 400, "only {} cases", results.len());
    let fault = "wrong-total-count".parse().unwrap();
    let broken = crate::run::run_against(bip, plain, &[fault], |_| {}).await;
    assert!(
        crate::run::failed(&broken)
            .iter()
            .any(|r| r.check.as_str() == "pagination"),
        "a wrong total went unnoticed"
    );
}

/// Descriptions written in ways the shelter does not show: a schema that holds
/// itself, a DELETE before its GET, a path item that is a reference, a page's
/// size beside its total.
#[test]
fn odd_but_valid_descriptions_are_read() {
    let text = serde_json::json!({
        "openapi": "3.1.0",
        "info": {"title": "Trees", "version": "1"},
        "paths": {
            "/nodes": {"$ref": "#/components/pathItems/Nodes"},
            "/nodes/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "delete": {"operationId": "dropNode", "responses": {"204": {"description": "gone"}}},
                "get": {"operationId": "getNode", "responses": {"200": {"description": "a node",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}
            }
        },
        "components": {
            "pathItems": {"Nodes": {"get": {
                "operationId": "listNodes",
                "parameters": [
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "size", "in": "query", "schema": {"type": "integer", "maximum": 50}}
                ],
                "responses": {"200": {"description": "a page", "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {
                        "count": {"type": "integer"},
                        "meta": {"type": "object", "properties": {"total": {"type": "integer"}}},
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
                    }
                }}}}}
            }}},
            "schemas": {"Node": {"type": "object", "properties": {
                "id": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "parent": {"$ref": "#/components/schemas/Node"}
            }}}
        }
    })
    .to_string();
    let spec = assay::openapi::import(std::path::Path::new("trees.json"), &text).unwrap();
    let node = spec.resource("Node").unwrap();
    let paths: Vec<&str> = node.fields.iter().map(|f| f.path.as_str()).collect();
    assert!(
        paths.len() < 20,
        "a schema holding itself is unfolded once: {paths:?}"
    );
    assert!(
        paths.contains(&"children[].id") && paths.contains(&"parent.id"),
        "{paths:?}"
    );
    let drop = spec.operation("dropNode").unwrap();
    assert_eq!(
        drop.resource.as_deref(),
        Some("Node"),
        "written before its GET"
    );
    let p = spec
        .pagination
        .as_ref()
        .expect("page and size with a total");
    assert_eq!(p.total_pointer, "/meta/total", "a bare `count` is no total");
    assert_eq!((p.first_page, p.max_size), (Some(1), Some(50)));
}
