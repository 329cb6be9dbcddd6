//! Each fault of the mock, switched on alone, fails the run, and exactly the
//! checks that should catch it do. A fault no check caught would be a gap in the
//! catalogue.

use std::collections::BTreeSet;
use std::time::Duration;

use assay::mock::Fault;

use super::{failed, run_mock};

/// The fault, the spec that shows it, and the checks whose cases fail. A fault
/// that shifts pages also shifts which item a write takes its references from,
/// and concurrent writes may then meet an item another case deleted: those
/// collateral failures are listed in `MAY`, allowed but not required.
const CAUGHT: &[(Fault, &str, &[&str])] = &[
    (
        Fault::DropRequiredField,
        "bip",
        &["identity", "pagination", "schema"],
    ),
    (Fault::WrongFieldType, "omero", &["schema", "state"]),
    (
        Fault::ExtraNullFields,
        "omero",
        &["representation", "schema"],
    ),
    (Fault::IgnorePageSize, "bip", &["filters", "pagination"]),
    (Fault::IgnoreMaxPageSize, "omero", &["pagination"]),
    (Fault::OffByOnePages, "bip", &["pagination"]),
    (
        Fault::DuplicateAcrossPages,
        "bip",
        &["filters", "pagination"],
    ),
    // Filters read their answers in pages too, and compare them with the whole.
    (Fault::UnstableOrder, "bip", &["filters", "pagination"]),
    (Fault::WrongTotalCount, "bip", &["filters", "pagination"]),
    // A deleted item still turns up when the list is filtered on its id.
    (Fault::IgnoreFilter, "bip", &["filters", "state"]),
    (Fault::IgnoreSort, "gentar", &["sorting"]),
    (Fault::OkForUnknownId, "omero", &["identity", "state"]),
    (
        Fault::WrongErrorBody,
        "bip",
        &["auth", "identity", "state", "writes"],
    ),
    (Fault::AuthNotEnforced, "gentar", &["auth"]),
    (Fault::WrongContentType, "impc_images", &["content_type"]),
    (Fault::ServerErrorOnBadParam, "omero", &["pagination"]),
    (Fault::AcceptUnknownAttribute, "bip", &["writes"]),
    (Fault::AcceptMissingRequired, "bip", &["state", "writes"]),
    (Fault::ReadonlyWritable, "bip", &["writes"]),
    (Fault::BrokenLinks, "gentar", &["links"]),
    // A created item reads back with its references changed too.
    (Fault::DanglingReferences, "bip", &["references", "state"]),
    (Fault::OneWayReferences, "bip", &["references"]),
    (Fault::WrongTotalPages, "gentar", &["filters", "pagination"]),
    (Fault::NoServerSetFields, "bip", &["writes"]),
    // bip's actions change only what no read shows (`published`); OMERO's
    // updates are read back.
    (Fault::LostWrites, "omero", &["state"]),
    (Fault::MissingHeaders, "omero", &["representation"]),
    (Fault::WrongSuccessStatus, "idr", &["status"]),
];

const MAY: &[(Fault, &[&str])] = &[
    (Fault::OffByOnePages, &["writes", "state"]),
    (Fault::DuplicateAcrossPages, &["writes", "state"]),
    (Fault::UnstableOrder, &["writes", "state"]),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_is_caught_by_the_checks_that_own_it() {
    let mut wrong = Vec::new();
    for (fault, spec, checks) in CAUGHT {
        let results = run_mock(spec, &[*fault], |_| {}).await;
        let may: BTreeSet<&str> = MAY
            .iter()
            .filter(|(f, _)| f == fault)
            .flat_map(|(_, c)| c.iter().copied())
            .collect();
        let caught: BTreeSet<&str> = failed(&results)
            .iter()
            .map(|r| r.check.as_str())
            .filter(|c| !may.contains(c) || checks.contains(c))
            .collect();
        let want: BTreeSet<&str> = checks.iter().copied().collect();
        if caught != want {
            wrong.push(format!(
                "{fault} on {spec}: caught by {caught:?}, expected {want:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_table_names_every_fault_but_the_transport_ones() {
    for f in Fault::ALL {
        let listed = CAUGHT.iter().any(|(x, _, _)| x == f);
        assert_eq!(listed, !matches!(f, Fault::Slow | Fault::Reset), "{f}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_fails_its_cases_at_the_deadline() {
    let started = std::time::Instant::now();
    let results = run_mock("impc_images", &[Fault::Slow], |c| {
        c.timeout = Duration::from_millis(300);
        c.filter = vec!["status".into(), "content_type".into()];
    })
    .await;
    assert!(!results.is_empty());
    for r in &results {
        assert!(
            r.message.contains("timed out") || r.message.contains("no complete response"),
            "{}: {}",
            r.id,
            r.message
        );
    }
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_cutting_responses_off_fails_every_case_with_the_reason() {
    for spec in ["idr", "gentar"] {
        let results = run_mock(spec, &[Fault::Reset], |_| {}).await;
        let bad = failed(&results);
        assert_eq!(bad.len(), results.len(), "{spec}: every case fails");
        for r in bad {
            assert!(
                r.message.contains("connection closed")
                    || r.message.contains("broke off")
                    || r.message.contains("cannot sign in"),
                "{}: {}",
                r.id,
                r.message
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_the_server_loses_is_missing_from_the_history() {
    let only = |c: &mut assay::run::Config| c.filter = vec!["records_change".into()];
    let clean = run_mock("gentar", &[], only).await;
    assert!(!clean.is_empty() && failed(&clean).is_empty(), "{clean:?}");
    let lost = run_mock("gentar", &[Fault::LostWrites], only).await;
    assert_eq!(failed(&lost).len(), clean.len());
    assert!(failed(&lost)[0].message.contains("does not mention"));
}
