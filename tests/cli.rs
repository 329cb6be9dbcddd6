use std::process::Command;

use clap::CommandFactory;

use crate::common::*;

#[test]
fn verify_cli() {
    assay::cli::Cli::command().debug_assert();
}

pub(crate) fn assay(args: &[&str]) -> (i32, String, String) {
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

/// The JSON report, decoded.
#[derive(serde::Deserialize)]
struct Report {
    summary: Summary,
    cases: Vec<ReportCase>,
}

#[derive(serde::Deserialize, PartialEq, Debug)]
struct Summary {
    passed: usize,
    failed: usize,
    skipped: usize,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct ReportCase {
    id: String,
    check: String,
    severity: String,
    status: String,
    doc: String,
    message: String,
    diff: Option<String>,
}

#[test]
fn run_reports_in_every_format_with_exit_codes() {
    let (code, out, err) = assay(&["run", "specs/impc_images.yaml", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(report.summary.failed, 0);
    assert_eq!(
        report.summary.passed + report.summary.skipped,
        report.cases.len()
    );

    let (code, out, _) = assay(&[
        "run",
        "specs/impc_images.yaml",
        "--mock-fault",
        "ignore-filter",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: Report = serde_json::from_str(&out).unwrap();
    let failed: Vec<&ReportCase> = report
        .cases
        .iter()
        .filter(|c| c.status == "failed")
        .collect();
    assert_eq!(failed.len(), report.summary.failed);
    assert!(
        failed
            .iter()
            .all(|c| c.check == "filters" && c.doc.starts_with("impc_images.txt:"))
    );

    let (code, out, _) = assay(&[
        "run",
        "specs/impc_images.yaml",
        "--mock-fault",
        "wrong-total-count",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("FAIL impc_images/impc_images/list/pagination/walk"),
        "{out}"
    );
    assert!(out.contains("the total says"), "{out}");
    assert!(out.lines().last().unwrap().ends_with("skipped"), "{out}");

    // A walk that comes up short names the ids the readings disagree on.
    let (code, out, _) = assay(&[
        "run",
        "specs/impc_images.yaml",
        "--mock-fault",
        "off-by-one-pages",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("missing from a reading at") && out.contains("(page 1 at"),
        "{out}"
    );

    let (code, out, _) = assay(&[
        "run",
        "specs/impc_images.yaml",
        "--mock-fault",
        "wrong-content-type",
        "--format",
        "junit",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("<testsuite name=\"impc_images\"") && out.contains("<failure"),
        "{out}"
    );

    let (code, out, _) = assay(&[
        "run",
        "specs/impc_images.yaml",
        "--mock-fault",
        "wrong-content-type",
        "--format",
        "github",
    ]);
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error file=impc_images.txt,line=")),
        "{out}"
    );
}

#[test]
fn run_refuses_bad_arguments_with_exit_2() {
    for (args, says) in [
        (
            &["run", "specs/bip.yaml", "--partition", "3/2"][..],
            "no partition",
        ),
        (
            &["run", "specs/bip.yaml", "--timeout", "soon"][..],
            "no duration",
        ),
        (
            &["run", "specs/bip.yaml", "--max-body", "lots"][..],
            "no size",
        ),
        (&["run", "no/such.yaml"][..], "no/such.yaml"),
        (
            &["run", "specs/bip.yaml", "--base-url", "ftp://x"][..],
            "not http",
        ),
        (
            &[
                "run",
                "specs/bip.yaml",
                "specs/idr.yaml",
                "--base-url",
                "http://x",
            ][..],
            "one spec",
        ),
        (
            &["run", "specs/bip.yaml", "--mock-fault", "ignore-filtre"][..],
            "did you mean `ignore-filter`",
        ),
    ] {
        let (code, _, err) = assay(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn secrets_from_the_environment_stay_out_of_help_and_reports() {
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["run", "--help"])
        .env("ASSAY_API_KEY", "very-secret-key-4242")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("ASSAY_API_KEY") && !text.contains("very-secret-key-4242"),
        "{text}"
    );
}

#[test]
fn merged_shards_are_the_whole_run_and_overlaps_are_refused() {
    let dir = tempdir();
    let run = |extra: &[&str]| {
        let mut args = vec!["run", "specs/impc_images.yaml", "--format", "json"];
        args.extend_from_slice(&["--mock-fault", "ignore-filter"]);
        args.extend_from_slice(extra);
        let (code, out, err) = assay(&args);
        assert_eq!(code, 1, "{err}");
        out
    };
    let whole: Report = serde_json::from_str(&run(&[])).unwrap();
    let mut shards = Vec::new();
    for k in 1..=3 {
        let path = dir.join(format!("shard{k}.json"));
        std::fs::write(&path, run(&["--partition", &format!("{k}/3")])).unwrap();
        shards.push(path.to_str().unwrap().to_string());
    }
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(String::as_str));
    let (code, out, err) = assay(&args);
    assert_eq!(code, 1, "{err}");
    let merged: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(merged.summary, whole.summary);
    let ids = |r: &Report| {
        let mut v: Vec<(String, String)> = r
            .cases
            .iter()
            .map(|c| (c.id.clone(), c.status.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&merged), ids(&whole));

    let (code, _, err) = assay(&["merge", &shards[0], &shards[0]]);
    assert_eq!(code, 2);
    assert!(err.contains("overlap"), "{err}");
}

#[test]
fn progress_is_drawn_on_a_terminal_only() {
    // Not a terminal: stderr stays empty, stdout is the report alone.
    let (code, out, err) = assay(&["run", "specs/idr.yaml"]);
    assert_eq!(code, 0);
    assert!(err.is_empty(), "{err}");
    assert!(!out.contains("req/s"), "{out}");
    // On a terminal (util-linux `script` gives one), the bar counts the cases.
    let bin = env!("CARGO_BIN_EXE_assay");
    let out = Command::new("script")
        .args([
            "-qc",
            &format!("{bin} run specs/idr.yaml > /dev/null"),
            "/dev/null",
        ])
        .current_dir(root())
        .output()
        .expect("util-linux `script` runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cases") && text.contains("req/s"), "{text}");
}

#[test]
fn a_baseline_fails_only_new_failures_and_names_the_fixed() {
    let base = tempdir().join("known.txt");
    let base = base.to_str().unwrap();
    let run = |faults: &[&str], extra: &[&str]| {
        let mut args = vec!["run", "specs/impc_images.yaml", "--baseline", base];
        for f in faults {
            args.extend_from_slice(&["--mock-fault", f]);
        }
        args.extend_from_slice(extra);
        assay(&args)
    };
    let (code, _, err) = run(&["wrong-content-type"], &[]);
    assert_eq!(code, 2, "no baseline yet: {err}");
    assert!(err.contains("--update-baseline"), "{err}");
    let (code, _, _) = run(&["wrong-content-type"], &["--update-baseline"]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(base).unwrap();
    assert!(
        text.lines()
            .any(|l| l == "impc_images/impc_images/list/content_type"),
        "{text}"
    );
    let (code, out, _) = run(&["wrong-content-type"], &[]);
    assert_eq!(code, 0, "only known failures: {out}");
    assert!(out.contains("known failures (in the baseline): 1"), "{out}");
    let (code, out, _) = run(&["wrong-content-type", "ignore-filter"], &[]);
    assert_eq!(code, 1, "a new failure: {out}");
    let (code, out, _) = run(&[], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("fixed since the baseline: 1"), "{out}");
}

#[test]
fn diff_classifies_each_change_and_exits_1_on_a_breaking_one() {
    let dir = tempdir();
    let old = assay::spec::load(&spec_path("bip")).unwrap();
    let mut new = old.clone();
    let line = new
        .resources
        .iter_mut()
        .find(|r| r.name == "plant_line")
        .unwrap();
    let name = line
        .fields
        .iter_mut()
        .find(|f| f.path == "plant_line_name")
        .unwrap();
    name.ty = "int".parse().unwrap();
    line.fields.retain(|f| f.path != "comments");
    line.fields[1].description.push_str(" (reworded)");
    new.operations.retain(|o| o.id != "countries/get");
    new.examples
        .retain(|e| e.operation.as_deref() != Some("countries/get"));
    if let Some(p) = &mut new.pagination {
        p.max_size = Some(100);
    }
    let path = dir.join("new.yaml");
    std::fs::write(&path, assay::spec::to_yaml(&new)).unwrap();
    let (code, out, err) = assay(&[
        "diff",
        "specs/bip.yaml",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    #[derive(serde::Deserialize)]
    struct Change {
        impact: String,
        kind: String,
        at: String,
    }
    let changes: Vec<Change> = serde_json::from_str(&out).unwrap();
    let has = |impact: &str, kind: &str, at: &str| {
        changes
            .iter()
            .any(|c| c.impact == impact && c.kind == kind && c.at == at)
    };
    assert!(has(
        "breaking",
        "type changed",
        "plant_line.plant_line_name"
    ));
    assert!(has("breaking", "field removed", "plant_line.comments"));
    assert!(has("breaking", "operation removed", "countries/get"));
    assert!(has("breaking", "pagination maximum lowered", "pagination"));
    assert!(
        changes
            .iter()
            .any(|c| c.impact == "compatible" && c.kind == "description changed")
    );
    let (code, out, _) = assay(&["diff", "specs/bip.yaml", "specs/bip.yaml"]);
    assert_eq!(code, 0);
    assert!(out.ends_with("0 breaking, 0 compatible\n"), "{out}");
}

#[test]
fn diff_classifies_changes_of_the_conventions() {
    let dir = tempdir();
    let old = assay::spec::load(&spec_path("bip")).unwrap();
    let mut new = old.clone();
    if let assay::spec::Auth::ApiKeyHeader { header, .. } = &mut new.auth {
        *header = "X-Api-Key".into();
    }
    new.envelope.list = "/data".into();
    let path = dir.join("new.yaml");
    std::fs::write(&path, assay::spec::to_yaml(&new)).unwrap();
    let row = |args: &[&str], kind: &str| {
        let (_, out, _) = assay(args);
        out.lines()
            .find(|l| l.contains(kind))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{kind}: {out}"))
    };
    let p = path.to_str().unwrap();
    for kind in ["auth changed", "envelope changed"] {
        let line = row(&["diff", "specs/bip.yaml", p, "--format", "markdown"], kind);
        assert!(line.contains("❌"), "{kind} is breaking: {line}");
    }
    // OMERO omits nulls: allowing them surprises a client, omitting them again
    // does not.
    let mut nulls = assay::spec::load(&spec_path("omero")).unwrap();
    nulls.representation.nulls = assay::spec::Nulls::Allowed;
    std::fs::write(&path, assay::spec::to_yaml(&nulls)).unwrap();
    let there = row(
        &["diff", "specs/omero.yaml", p, "--format", "markdown"],
        "nulls changed",
    );
    assert!(there.contains("❌"), "{there}");
    let back = row(
        &["diff", p, "specs/omero.yaml", "--format", "markdown"],
        "nulls changed",
    );
    assert!(!back.contains("❌"), "{back}");
    // A header name in another case is the same header.
    let mut case = assay::spec::load(&spec_path("bip")).unwrap();
    if let assay::spec::Auth::ApiKeyHeader { header, .. } = &mut case.auth {
        *header = header.to_ascii_lowercase();
    }
    std::fs::write(&path, assay::spec::to_yaml(&case)).unwrap();
    let (code, out, _) = assay(&["diff", "specs/bip.yaml", p]);
    assert_eq!(code, 0, "{out}");
    // IDR declares nulls per field: allowing them anywhere adds nulls.
    let mut idr = assay::spec::load(&spec_path("idr")).unwrap();
    idr.representation.nulls = assay::spec::Nulls::Allowed;
    std::fs::write(&path, assay::spec::to_yaml(&idr)).unwrap();
    let more = row(
        &["diff", "specs/idr.yaml", p, "--format", "markdown"],
        "nulls changed",
    );
    assert!(more.contains("❌"), "{more}");
}

#[test]
fn out_writes_the_report_to_a_file_and_refuses_one_it_cannot_write() {
    let dir = tempdir();
    let file = dir.join("idr.json");
    let (code, out, err) = assay(&[
        "run",
        "specs/idr.yaml",
        "--format",
        "json",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "the report went to the file: {out}");
    let report: Report = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(report.summary.failed, 0);

    let merged = dir.join("merged.txt");
    let (code, out, err) = assay(&[
        "merge",
        file.to_str().unwrap(),
        "--format",
        "human",
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    let text = std::fs::read_to_string(&merged).unwrap();
    let s = &report.summary;
    let closing = format!("{} passed, 0 failed, {} skipped\n", s.passed, s.skipped);
    assert!(text.ends_with(&closing), "{text}");

    // Refused before the run, naming the file, and nothing is left behind.
    let missing = dir.join("no/such/folder/report.html");
    for args in [
        &["run", "specs/idr.yaml", "--out", missing.to_str().unwrap()][..],
        &[
            "merge",
            file.to_str().unwrap(),
            "--out",
            missing.to_str().unwrap(),
        ][..],
        &["run", "specs/idr.yaml", "--out", dir.to_str().unwrap()][..],
    ] {
        let (code, _, err) = assay(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("cannot write") && err.contains(args[args.len() - 1]),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(!missing.exists());
}
