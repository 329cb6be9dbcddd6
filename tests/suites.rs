//! Committed suites: each generated suite is current, hand-written ones load and
//! keep clear of generated ids, and every case cites its spec's document.

use assay::generate;

use crate::common::{root, spec_names, spec_path};

#[test]
fn generated_suites_are_current() {
    let mut stale = Vec::new();
    for name in spec_names() {
        let spec = assay::spec::load(&spec_path(&name)).unwrap();
        let fresh = generate::to_yaml(&generate::generate(&spec));
        let path = root().join("suites").join(format!("{name}.yaml"));
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale suites {stale:?}: run `assay generate specs/NAME.yaml > suites/NAME.yaml`"
    );
}

#[test]
fn committed_suites_load_and_cite_their_document() {
    for name in spec_names() {
        let spec = assay::spec::load(&spec_path(&name)).unwrap();
        let generated =
            generate::load(&root().join("suites").join(format!("{name}.yaml"))).unwrap();
        assert!(!generated.cases.is_empty(), "{name}: no cases");
        let hand_path = root().join("suites").join(format!("{name}.hand.yaml"));
        let hand = if hand_path.exists() {
            generate::load(&hand_path).unwrap().cases
        } else {
            Vec::new()
        };
        for c in generated.cases.iter().chain(&hand) {
            assert!(
                c.id.starts_with(&format!("{name}/")),
                "{}: not under {name}/",
                c.id
            );
            assert_eq!(
                c.doc.file, spec.document,
                "{}: cites another document",
                c.id
            );
        }
        for c in &hand {
            assert!(
                !generated.cases.iter().any(|g| g.id == c.id),
                "{}: a hand-written case takes a generated id",
                c.id
            );
        }
    }
}

#[test]
fn a_suite_with_a_repeated_id_is_refused() {
    let dir = crate::common::tempdir();
    let path = dir.join("x.yaml");
    let case = "- id: x/a\n  check: status\n  severity: must\n  doc: x.txt:1\n  title: t\n  steps:\n  - request: {method: GET, path: /}\n";
    std::fs::write(&path, format!("spec: x\ncases:\n{case}{case}")).unwrap();
    let err = generate::load(&path).unwrap_err().to_string();
    assert!(err.contains("x/a") && err.contains("twice"), "{err}");
}
