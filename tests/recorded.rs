//! Recorded snapshots: a record of a clean deployment matches a second reading
//! of it, a broken or changed deployment drifts and leaves `.snap.new` files to
//! review, the files hold no secret and no host, and insta reads them as its own.

use std::path::Path;

use crate::cli::assay;
use crate::common::*;

fn files(dir: &Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

#[test]
fn a_record_matches_a_second_reading_and_drift_is_reported_for_review() {
    let dir = tempdir();
    let out = dir.to_str().unwrap();
    let (code, text, err) = assay(&[
        "record",
        "specs/bip.yaml",
        "specs/gentar.yaml",
        "specs/omero.yaml",
        "--out",
        out,
    ]);
    assert_eq!(code, 0, "{text}{err}");
    assert!(
        text.contains("bip: ") && text.contains("responses recorded"),
        "{text}"
    );
    let bip = dir.join("bip");
    let recorded = files(&bip, ".snap");
    // One a distinct request the read-only cases send themselves: for each of
    // bip's 27 resources at least its list, a page size, past the end, an
    // unknown id and the auth refusals (226 when written; the answers a filter
    // relation reads inside its case are not recorded).
    assert!(
        recorded.len() > 200,
        "only {} bip snapshots",
        recorded.len()
    );

    // A second mock of the same data: nothing drifts (gentar's error timestamps
    // and history dates, OMERO's CSRF tokens and every mock's port are volatile).
    let (code, text, err) = assay(&[
        "run",
        "specs/bip.yaml",
        "specs/gentar.yaml",
        "specs/omero.yaml",
        "--snapshots",
        out,
    ]);
    assert_eq!(code, 0, "{}{err}", &text[text.len().saturating_sub(3000)..]);
    assert!(files(&bip, ".snap.new").is_empty());

    // A deployment that types a field wrong drifts; each drift is a failure of
    // check `snapshot` with a diff, and its new answer waits beside the old.
    let (code, text, _) = assay(&[
        "run",
        "specs/bip.yaml",
        "--snapshots",
        out,
        "--mock-fault",
        "wrong-field-type",
        "--filter",
        "countries",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let drifted: Vec<&serde_json::Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "snapshot" && c["status"] == "failed")
        .collect();
    assert!(!drifted.is_empty());
    let first = drifted[0];
    assert!(
        first["id"]
            .as_str()
            .unwrap()
            .starts_with("bip/snapshots/get_api_v1_countries"),
        "{first}"
    );
    assert!(
        first["diff"]
            .as_str()
            .unwrap()
            .contains("+      \"country_code\": 12345"),
        "{first}"
    );
    assert!(
        first["doc"].as_str().unwrap().starts_with("bip.txt:"),
        "{first}"
    );
    let pending = files(&bip, ".snap.new");
    assert_eq!(pending.len(), drifted.len());

    // More records: the totals drift too.
    let (code, text, _) = assay(&[
        "run",
        "specs/bip.yaml",
        "--snapshots",
        out,
        "--mock-records",
        "51",
        "--filter",
        "countries/list/status",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "a total that changed went unnoticed");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let total = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "snapshot" && c["status"] == "failed")
        .expect("a drifted snapshot");
    assert!(
        total["diff"]
            .as_str()
            .unwrap()
            .contains("+    \"total_count\": 51"),
        "{total}"
    );

    // A spec never recorded: each of its requests fails, naming what to do; the
    // run goes on.
    let (code, text, err) = assay(&["run", "specs/idr.yaml", "--snapshots", out]);
    assert_eq!(code, 1, "{err}");
    assert!(text.contains("has no snapshot in"), "{text}");
    assert!(!files(&dir.join("idr"), ".snap.new").is_empty());

    // Reading the clean deployment again withdraws what no longer differs
    // (requests only the broken one led to stay pending, for review).
    let (code, _, _) = assay(&[
        "run",
        "specs/bip.yaml",
        "--snapshots",
        out,
        "--filter",
        "countries",
    ]);
    assert_eq!(code, 0);
    let left = files(&bip, ".snap.new");
    assert!(left.len() < pending.len(), "{left:?}");
    assert!(
        !left
            .iter()
            .any(|p| p.to_string_lossy().contains("get_api_v1_countries-"))
    );
}

#[test]
fn snapshots_hold_no_secret_and_no_host() {
    let dir = tempdir();
    let (code, text, err) = assay(&[
        "record",
        "specs/bip.yaml",
        "specs/omero.yaml",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{text}{err}");
    let token = files(&dir.join("omero"), ".snap")
        .into_iter()
        .find(|p| p.to_string_lossy().contains("get_api_v0_token"))
        .expect("the CSRF token endpoint is recorded");
    assert!(
        std::fs::read_to_string(&token)
            .unwrap()
            .contains("\"data\": \"[token]\"")
    );
    for spec in ["bip", "omero"] {
        for f in files(&dir.join(spec), ".snap") {
            let text = std::fs::read_to_string(&f).unwrap();
            assert!(!text.contains(assay::mock::API_KEY), "{}", f.display());
            assert!(
                !text.contains("127.0.0.1"),
                "{}: the host is recorded",
                f.display()
            );
            assert!(
                !text.contains("\"csrf"),
                "{}: a CSRF token is recorded",
                f.display()
            );
        }
    }
}

#[test]
fn insta_reads_recorded_snapshots_as_its_own() {
    let dir = tempdir();
    let (code, _, err) = assay(&[
        "record",
        "specs/bip.yaml",
        "--filter",
        "countries/list/status",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let snap = files(&dir.join("bip"), ".snap")
        .into_iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("get_api_v1_countries-")
        })
        .expect("GET /api/v1/countries is recorded");
    let name = snap.file_stem().unwrap().to_string_lossy().into_owned();
    // The same answer, read and normalized here, is what insta must find in the
    // file assay wrote.
    let spec = assay::spec::load(&spec_path("bip")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let content = runtime.block_on(async {
        let mock = assay::mock::start(spec.clone(), &Default::default())
            .await
            .unwrap();
        let resp = reqwest::Client::new()
            .get(format!("{}/api/v1/countries", mock.url()))
            .header("X-BIP-Api-Key", assay::mock::API_KEY)
            .send()
            .await
            .unwrap();
        let recorded = assay::snapshot::Recorded {
            line: "GET /api/v1/countries".into(),
            credentials: assay::generate::Credentials::Valid,
            status: resp.status().as_u16(),
            content_type: resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string()),
            origin: mock.url().trim_end_matches('/').to_string(),
            body: resp.bytes().await.unwrap().to_vec(),
            case: String::new(),
            doc: String::new(),
        };
        mock.stop().await;
        assay::snapshot::normalize(&spec, &recorded)
    });
    insta::with_settings!({snapshot_path => dir.join("bip"), prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, content);
    });
}

/// A snapshot no case asks any more: a whole run reports it, a whole record
/// removes it; a filtered run says nothing of it.
#[test]
fn a_snapshot_no_case_asks_is_reported_and_rerecorded_away() {
    let dir = tempdir();
    let out = dir.to_str().unwrap();
    let (code, _, err) = assay(&["record", "specs/idr.yaml", "--out", out]);
    assert_eq!(code, 0, "{err}");
    let gone = dir.join("idr/get_webclient_gone-00000000.snap");
    std::fs::write(
        &gone,
        "---\nsource: assay record\ndescription: first asked by idr/gone/status/ok (idr.txt:7)\nexpression: GET /webclient/gone/\n---\n200 application/json\n{}\n",
    )
    .unwrap();
    let (code, text, _) = assay(&[
        "run",
        "specs/idr.yaml",
        "--snapshots",
        out,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    let failed: Vec<&serde_json::Value> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["id"], "idr/snapshots/get_webclient_gone-00000000");
    assert_eq!(failed[0]["doc"], "idr.txt:7");
    let (code, _, _) = assay(&[
        "run",
        "specs/idr.yaml",
        "--snapshots",
        out,
        "--filter",
        "map",
    ]);
    assert_eq!(code, 0, "a filtered run asks only some");
    let (code, _, _) = assay(&["record", "specs/idr.yaml", "--out", out]);
    assert_eq!(code, 0);
    assert!(!gone.exists(), "a whole record keeps only what is asked");
}
