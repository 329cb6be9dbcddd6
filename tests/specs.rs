use crate::common::*;

#[test]
fn spec_schema_is_fresh() {
    let committed = std::fs::read_to_string(root().join("specs/spec.schema.json")).unwrap();
    assert!(
        committed == assay::cli::spec_schema(),
        "specs/spec.schema.json is stale: run `cargo run -- spec-schema > specs/spec.schema.json`"
    );
}

#[test]
fn every_spec_has_an_overlay_and_loads() {
    let names = spec_names();
    assert!(!names.is_empty(), "no specs in specs/");
    for name in names {
        let spec = assay::spec::load(&spec_path(&name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            spec.name, name,
            "specs/{name}.yaml names itself `{}`",
            spec.name
        );
        assert!(
            overlay_path(&name).is_file(),
            "specs/{name}.yaml has no overlay"
        );
        // What is committed is what the loader writes back: no hand edits.
        let text = std::fs::read_to_string(spec_path(&name)).unwrap();
        assert!(
            assay::spec::to_yaml(&spec) == text,
            "specs/{name}.yaml does not round-trip through the spec model"
        );
    }
}

#[test]
fn extraction_and_overlay_reproduce_each_spec() {
    let docs = docs();
    for name in spec_names() {
        let spec = assay::spec::load(&spec_path(&name)).unwrap();
        let doc = docs.join(&spec.document);
        let text = std::fs::read_to_string(&doc)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", doc.display()));
        let rebuilt =
            assay::cli::extract_command(&doc, &text, None, Some(&overlay_path(&name))).unwrap();
        let committed = std::fs::read_to_string(spec_path(&name)).unwrap();
        if rebuilt != committed {
            let diff = similar::TextDiff::from_lines(&committed, &rebuilt);
            panic!(
                "specs/{name}.yaml is not what extraction + overlay give; regenerate with\n  \
                 cargo run -- extract {} --overlay specs/overlay/{name}.yaml > specs/{name}.yaml\n{}",
                doc.display(),
                diff.unified_diff().header("committed", "extracted")
            );
        }
    }
}

#[test]
fn specs_may_be_json() {
    let spec = assay::spec::load(&spec_path("bip")).unwrap();
    let path = tempdir().join("bip.json");
    std::fs::write(&path, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    assert_eq!(assay::spec::load(&path).unwrap(), spec);
    std::fs::write(&path, "{\"name\": \"bip\",\n \"title\": 3}").unwrap();
    let err = assay::spec::load(&path).unwrap_err().to_string();
    assert!(err.contains("bip.json:2:"), "{err}");
}

#[test]
fn a_broken_overlay_names_the_bad_value() {
    let docs = docs();
    let overlay = tempdir().join("overlay.yaml");
    std::fs::write(
        &overlay,
        "style: bip\nresources:\n  - name: plant_line\n    fields:\n      - {path: newfield, doc: bip.txt:1}\n",
    )
    .unwrap();
    let doc = docs.join("bip.txt");
    let text = std::fs::read_to_string(&doc).unwrap();
    let err = assay::cli::extract_command(&doc, &text, None, Some(&overlay))
        .unwrap_err()
        .to_string();
    assert!(err.contains("overlay.yaml"), "{err}");
    assert!(err.contains("fields[") && err.contains("`type`"), "{err}");

    std::fs::write(
        &overlay,
        "style: bip\nfor_each_resource:\n  - resources: [plant_lien]\n    merge: {}\n",
    )
    .unwrap();
    let err = assay::cli::extract_command(&doc, &text, None, Some(&overlay))
        .unwrap_err()
        .to_string();
    assert!(err.contains("did you mean `plant_line`"), "{err}");
}
