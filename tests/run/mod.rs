//! The runner: clean mocks pass, every fault is caught by the checks that should
//! catch it, and a hostile server fails cases without crashing or hanging it.

mod faults;
mod hostile;

use std::sync::Arc;

use assay::mock::Fault;
use assay::run::{CaseResult, Config, Event, Given, Secret, Status};

use crate::common::spec_path;

/// Runs a spec's generated cases (writes allowed) against its mock with `faults`;
/// the results.
async fn run_mock(
    name: &str,
    faults: &[Fault],
    tweak: impl FnOnce(&mut Config),
) -> Vec<CaseResult> {
    let spec = assay::spec::load(&spec_path(name)).unwrap();
    run_against(spec.clone(), spec, faults, tweak).await
}

/// Runs the cases of `cases` (writes allowed) against a mock of `deployed` with
/// `faults`: a spec read another way, tested against the deployment it describes.
pub(crate) async fn run_against(
    deployed: assay::spec::Spec,
    spec: assay::spec::Spec,
    faults: &[Fault],
    tweak: impl FnOnce(&mut Config),
) -> Vec<CaseResult> {
    let mock_config = assay::mock::Config {
        faults: faults.to_vec(),
        ..Default::default()
    };
    let mock = assay::mock::start(deployed, &mock_config).await.unwrap();
    let mut config = Config {
        given: Given {
            api_key: Some(Secret::new(assay::mock::API_KEY)),
            username: Some(Secret::new(assay::mock::USERNAME)),
            password: Some(Secret::new(assay::mock::PASSWORD)),
            token: None,
            expired_token: Some(Secret::new(&mock.expired_token)),
            headers: Vec::new(),
        },
        allow_writes: true,
        ..Default::default()
    };
    tweak(&mut config);
    let cases = assay::run::select(assay::generate::generate(&spec).cases, &config);
    let mut results = Vec::new();
    let mut report = |e| {
        if let Event::CaseFinished(r) = e {
            results.push(r)
        }
    };
    assay::run::run(Arc::new(spec), cases, &mock.url(), &config, &mut report)
        .await
        .unwrap();
    mock.stop().await;
    results
}

pub(crate) fn failed(results: &[CaseResult]) -> Vec<&CaseResult> {
    results
        .iter()
        .filter(|r| r.status == Status::Failed)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_spec_passes_against_its_clean_mock() {
    for name in crate::common::spec_names() {
        let results = run_mock(&name, &[], |_| {}).await;
        let bad: Vec<String> = failed(&results)
            .iter()
            .map(|r| format!("{}: {}", r.id, r.message))
            .collect();
        assert!(bad.is_empty(), "{name}: {bad:#?}");
        let passed = results
            .iter()
            .filter(|r| r.status == Status::Passed)
            .count();
        assert!(
            passed * 10 > results.len() * 9,
            "{name}: only {passed} of {} passed",
            results.len()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_only_by_default_and_writes_are_counted_as_skipped() {
    let results = run_mock("bip", &[], |c| c.allow_writes = false).await;
    let writes: Vec<&CaseResult> = results
        .iter()
        .filter(|r| {
            matches!(
                r.check,
                assay::generate::Check::Writes | assay::generate::Check::State
            )
        })
        .collect();
    assert!(!writes.is_empty());
    assert!(
        writes
            .iter()
            .all(|r| r.status == Status::Skipped && r.message.contains("--allow-writes"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filter_and_partition_select_stable_disjoint_shards() {
    let all = run_mock("impc_images", &[], |c| c.filter = vec!["pagination".into()]).await;
    assert!(all.len() > 3 && all.iter().all(|r| r.id.contains("pagination")));
    let mut ids: Vec<String> = Vec::new();
    for k in 1..=3 {
        let shard = run_mock("impc_images", &[], |c| {
            c.filter = vec!["pagination".into()];
            c.partition = Some((k, 3));
        })
        .await;
        ids.extend(shard.into_iter().map(|r| r.id));
    }
    let mut expected: Vec<String> = all.into_iter().map(|r| r.id).collect();
    ids.sort();
    expected.sort();
    assert_eq!(
        ids, expected,
        "the shards together are the whole, each case once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_credentials_skip_what_needs_them() {
    let results = run_mock("bip", &[], |c| c.given = Given::default()).await;
    let auth: Vec<&CaseResult> = results.iter().filter(|r| r.id.contains("/auth/")).collect();
    // A refusal on a list needs no credentials; one on an item needs valid ones
    // first, to find the item, and is skipped like everything else.
    assert!(auth.iter().any(|r| r.status == Status::Passed));
    assert!(auth.iter().all(|r| r.status != Status::Failed));
    let auth: Vec<&CaseResult> = auth
        .into_iter()
        .filter(|r| r.status == Status::Passed)
        .collect();
    let skipped = results
        .iter()
        .filter(|r| r.status == Status::Skipped)
        .count();
    assert!(
        skipped + auth.len() == results.len(),
        "everything else needs the key"
    );
    assert!(results.iter().any(|r| r.message.contains("ASSAY_API_KEY")));
    // A sign-in case has nothing to sign in with: skipped, not failed.
    let results = run_mock("gentar", &[], |c| c.given = Given::default()).await;
    let signin = results
        .iter()
        .find(|r| r.id == "gentar/auth/signin/auth/valid")
        .unwrap();
    assert_eq!(signin.status, Status::Skipped, "{}", signin.message);
    assert!(failed(&results).is_empty(), "{:?}", failed(&results));
}
