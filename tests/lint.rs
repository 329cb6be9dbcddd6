use crate::common::*;
use assay::lint::lint;

#[test]
fn every_committed_spec_lints_clean() {
    let paths: Vec<_> = spec_names().iter().map(|n| spec_path(n)).collect();
    let (report, code) = assay::cli::lint_command(&paths, None).unwrap();
    assert_eq!(code, 0, "assay lint finds open contradictions:\n{report}");
}

#[test]
fn unacknowledged_contradictions_fail_and_cite_both_places() {
    let mut spec = assay::spec::load(&spec_path("bip")).unwrap();
    let acknowledged = spec.acknowledged.len();
    assert!(acknowledged > 0);
    spec.acknowledged.clear();
    let findings = lint(&spec);
    assert!(findings.iter().all(|f| f.acknowledged.is_none()));
    let dup = findings
        .iter()
        .find(|f| f.code == "duplicate-field")
        .expect("bip.txt lists data_owned_by twice in PlantPopulation");
    assert_eq!(dup.at.to_string(), "bip.txt:734");
    assert_eq!(dup.also[0].0.to_string(), "bip.txt:724");
    let typo = findings
        .iter()
        .find(|f| f.code == "example-unknown-filter")
        .expect("bip.txt:114 filters on a misspelt attribute");
    assert!(
        typo.message.contains("reqistration_year"),
        "{}",
        typo.message
    );
    // A body that is not JSON is still read for what it shows: bip.txt:253 submits a
    // readonly object attribute as a string.
    let lenient = findings
        .iter()
        .find(|f| f.code == "example-breaks-schema" && f.at.to_string() == "bip.txt:253")
        .expect("the # WRONG example is checked despite its comments and elisions");
    assert!(
        lenient.message.contains("read past its JSON errors"),
        "{}",
        lenient.message
    );
}

#[test]
fn an_injected_contradiction_is_found() {
    let mut spec = assay::spec::load(&spec_path("bip")).unwrap();
    let before = lint(&spec).len();
    // A field typed null, and a write example setting a readonly attribute.
    let line = &mut spec.resources[0];
    let mut f = line.fields[1].clone();
    f.path = "nothing".into();
    f.ty = "null".parse().unwrap();
    line.fields.push(f);
    let create = spec
        .examples
        .iter_mut()
        .find(|e| e.operation.as_deref() == Some("plant_lines/create") && e.body.is_some())
        .expect("bip shows a plant line create body");
    create.body = Some(r#"{"plant_line": {"plant_line_name": "x", "id": 7}}"#.into());
    // A request example sending a parameter its operation does not take.
    let list = spec
        .examples
        .iter_mut()
        .find(|e| e.operation.as_deref() == Some("plant_lines/list") && e.target.is_some())
        .unwrap();
    list.target = Some("/api/v1/plant_lines?pag=2".into());
    let found = lint(&spec);
    assert!(found.iter().any(|f| f.code == "null-type"));
    assert!(found.iter().any(|f| f.code == "example-sets-readonly"));
    let param = found
        .iter()
        .find(|f| f.code == "example-unknown-param")
        .expect("`pag` is no parameter of the plant line list");
    assert!(
        param.message.contains("did you mean `page`"),
        "{}",
        param.message
    );
    assert!(found.len() >= before + 3);
}

#[test]
fn stale_acknowledgements_fail_the_lint() {
    let dir = tempdir();
    let mut spec = assay::spec::load(&spec_path("bip")).unwrap();
    spec.acknowledged.push(assay::spec::Acknowledgement {
        lint: "duplicate-field".into(),
        at: "bip.txt:1".parse().unwrap(),
        reason: "nothing is there".into(),
    });
    let path = dir.join("bip.yaml");
    std::fs::write(&path, assay::spec::to_yaml(&spec)).unwrap();
    let (report, code) = assay::cli::lint_command(&[path], Some(&docs())).unwrap();
    assert_eq!(code, 1);
    assert!(report.contains("stale[duplicate-field]"), "{report}");
    // With the documents at hand, each place shows its line.
    assert!(report.contains("734 | data_owned_by | string"), "{report}");
}
