use std::process::Command;

use clap::CommandFactory;

use crate::common::*;

#[test]
fn verify_cli() {
    assay::cli::Cli::command().debug_assert();
}

fn assay(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn validate_prints_each_violation_with_its_path() {
    let dir = tempdir();
    let file = dir.join("lines.json");
    std::fs::write(
        &file,
        r#"{"plant_lines": [{"id": 1, "plant_line_name": "a"}, {"id": "2", "plant_line_name": 5}], "meta": {"page": 1, "per_page": 50, "total_count": 2}}"#,
    )
    .unwrap();
    let (code, out, err) = assay(&[
        "validate",
        "specs/bip.yaml",
        "plant_line.list",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("/plant_lines/1/id"), "{out}");
    assert!(out.contains("/plant_lines/1/plant_line_name"), "{out}");
    assert!(out.contains("2 violations"), "{out}");

    std::fs::write(
        &file,
        r#"{"plant_lines": [], "meta": {"page": 1, "per_page": 50, "total_count": 0}}"#,
    )
    .unwrap();
    let (code, out, _) = assay(&[
        "validate",
        "specs/bip.yaml",
        "plant_line.list",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let dir = tempdir();
    let (code, _, err) = assay(&["validate", "specs/bip.yaml", "plant_lnie", "x.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `plant_line`"), "{err}");

    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "name: x\ntitle: [unclosed\n").unwrap();
    let (code, _, err) = assay(&["lint", broken.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("broken.yaml:"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let (code, _, err) = assay(&["extract", "--style", "bipp", "specs/bip.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `bip`"), "{err}");

    let (code, _, err) = assay(&["lint", "no/such/spec.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/spec.yaml"), "{err}");
}

#[test]
fn schema_writes_every_schema_file() {
    let dir = tempdir();
    let (code, _, err) = assay(&["schema", "specs/bip.yaml", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    for f in [
        "plant_line.json",
        "plant_line.list.json",
        "plant_line.create.json",
        "error.reason.json",
        "error.validation.json",
        "country.json",
    ] {
        assert!(dir.join(f).is_file(), "{f} not written");
    }
    assert!(
        !dir.join("country.create.json").exists(),
        "countries cannot be submitted"
    );
}

#[test]
fn every_style_refuses_a_document_it_cannot_read() {
    let empty = tempdir().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    for style in ["bip", "restdocs", "omero", "impc", "idr"] {
        let (code, out, err) = assay(&["extract", "--style", style, empty.to_str().unwrap()]);
        assert_eq!(code, 2, "{style}: {out}");
        assert!(err.contains("empty.txt:1"), "{style}: {err}");
    }
}
