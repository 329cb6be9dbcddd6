//! `--format html`: the page of a failing run is self-contained and names every
//! failure with its document place; hostile text stays text; and in headless
//! Chromium the filters follow the URL fragment. That test saves the page and a
//! screenshot as `TARGET_DIR/test-artefacts/report.{html,png}` (by default
//! `target/test-artefacts/`) for a reviewer to look at.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assay::generate::{Check, Severity};
use assay::report::{Collected, Format, Run};
use assay::run::{CaseResult, Status, Summary};

use crate::common::*;

/// One failing run of bip (its filters ignored), as HTML and as JSON, shared by
/// the tests: a run takes seconds.
struct Fixture {
    html: PathBuf,
    text: String,
    cases: Vec<JsonCase>,
}

#[derive(serde::Deserialize)]
struct JsonReport {
    cases: Vec<JsonCase>,
}

#[derive(serde::Deserialize)]
struct JsonCase {
    id: String,
    check: String,
    severity: String,
    status: String,
    doc: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempdir();
        let html = dir.join("report.html");
        let json = dir.join("report.json");
        for (format, out) in [("html", &html), ("json", &json)] {
            let run = Command::new(env!("CARGO_BIN_EXE_assay"))
                .args(["run", "specs/bip.yaml", "--mock-fault", "ignore-filter"])
                .args(["--format", format, "--out"])
                .arg(out)
                .current_dir(root())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&run.stderr);
            assert_eq!(run.status.code(), Some(1), "a failing run: {err}");
            assert!(run.stdout.is_empty(), "the report went to --out");
        }
        let report: JsonReport =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        Fixture {
            text: std::fs::read_to_string(&html).unwrap(),
            html,
            cases: report.cases,
        }
    })
}

#[test]
fn the_page_is_self_contained_and_names_every_failure() {
    let f = fixture();
    let page = &f.text;
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..100]);
    // Nothing to fetch: no attribute or rule that loads anything, and the only
    // URL is the mock's address, shown as text.
    for loads in [
        "src=", "<link", "<img", "<iframe", "url(", "@import", "srcset",
    ] {
        assert!(!page.contains(loads), "the page loads something: `{loads}`");
    }
    for (at, _) in page.match_indices("href=\"") {
        let value = &page[at + 6..];
        assert!(
            value.starts_with('#'),
            "a link off the page: {}",
            &value[..60]
        );
    }
    for (at, _) in page.match_indices("://") {
        let url = &page[at.saturating_sub(4)..at + 20];
        assert!(url.starts_with("http://127.0.0.1:"), "a URL: {url}");
    }
    let failed: Vec<&JsonCase> = f.cases.iter().filter(|c| c.status == "failed").collect();
    assert!(failed.len() > 10, "ignore-filter breaks many cases");
    for c in &failed {
        let card = format!("<code class=\"id\">{}</code>", escaped(&c.id));
        let at = page
            .find(&card)
            .unwrap_or_else(|| panic!("{} not on the page", c.id));
        let end = at + page[at..].find("</article>").unwrap();
        assert!(
            page[at..end].contains(&format!("<span class=\"doc\">{}</span>", escaped(&c.doc))),
            "{} without its place {}",
            c.id,
            c.doc
        );
    }
    assert!(page.contains(&format!(
        "<b id=\"shown\">{n}</b> of {n} cases",
        n = f.cases.len()
    )));

    // Without --out the page goes to standard output, like every format.
    let json = f.html.with_extension("json");
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(["merge", "--format", "html"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("<!DOCTYPE html>"));
}

/// The page's own escaping of the few characters case ids and places may hold.
fn escaped(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn hostile_text_from_a_server_stays_text() {
    let case = |id: &str, status, message: &str, diff: Option<&str>| CaseResult {
        id: id.into(),
        check: Check::Schema,
        severity: Severity::Must,
        status,
        doc: "bip.txt:1\"><script>alert(4)</script>".into(),
        title: "<style>body{display:none}</style>".into(),
        message: message.into(),
        diff: diff.map(Into::into),
        duration_ms: 1,
    };
    let results = vec![
        case(
            "bip/<img src=x onerror=alert(1)>/get",
            Status::Failed,
            "<script>alert(1)</script>",
            Some(
                "--- expected\n+++ actual\n@@ -1 +1 @@\n-</pre><script>alert(2)</script>\n+\"'&amp;",
            ),
        ),
        case(
            "bip/x/skipped",
            Status::Skipped,
            "<script>alert(3)</script>",
            None,
        ),
    ];
    let collected = Collected {
        runs: vec![Run {
            spec: "bip</title><script>alert(5)</script>".into(),
            target: "http://user:hunter2@evil.example/<p>?token=s3cret#<q>".into(),
            results,
            summary: Summary {
                passed: 0,
                failed: 1,
                skipped: 1,
            },
            requests: 2,
            millis: 10,
        }],
    };
    let page = collected.render(Format::Html);
    assert_eq!(
        page.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert_eq!(page.matches("</script>").count(), 1);
    assert_eq!(
        page.matches("<style").count(),
        1,
        "only the page's own style"
    );
    for hostile in ["<img", "<p>", "</pre><", "onerror=alert(1)>", "<q>"] {
        assert!(!page.contains(hostile), "`{hostile}` is markup on the page");
    }
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("-&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    assert!(page.contains("+&quot;&#39;&amp;amp;"));
    for secret in ["user", "hunter2", "s3cret", "token"] {
        assert!(!page.contains(secret), "the target shows `{secret}`");
    }
}

/// Chromium, where the machine has it.
fn chromium() -> Option<PathBuf> {
    let usual = PathBuf::from("/usr/bin/chromium");
    if usual.is_file() {
        return Some(usual);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("chromium"))
        .find(|p| p.is_file())
}

/// Runs headless Chromium on a page; its standard output goes to `stdout`.
/// Killed, with the processes it started, after a minute: a hung browser must
/// not hang the tests.
fn headless(chromium: &Path, args: &[String], stdout: &Path) {
    use std::os::unix::process::CommandExt;
    let profile = tempdir();
    let log = profile.with_extension("log");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(stdout).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .process_group(0)
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium took over 60 s on {args:?}; its log:\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "chromium {args:?}: {status}\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// The cases of a dumped page: check, severity, status, and whether hidden.
fn cases_in(dom: &str) -> Vec<(String, String, String, bool)> {
    let attr = |tag: &str, name: &str| {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let len = tag[start..].find('"')?;
        Some(tag[start..start + len].to_string())
    };
    dom.match_indices('<')
        .filter_map(|(at, _)| {
            let tag = &dom[at..at + dom[at..].find('>')?];
            attr(tag, "data-case")?;
            Some((
                attr(tag, "data-check")?,
                attr(tag, "data-severity")?,
                attr(tag, "data-status")?,
                attr(tag, "hidden").is_some(),
            ))
        })
        .collect()
}

fn shown(dom: &str) -> usize {
    let at = dom.find("<b id=\"shown\">").expect("the counter") + 14;
    dom[at..at + dom[at..].find('<').unwrap()].parse().unwrap()
}

#[test]
fn in_chromium_the_filters_follow_the_url_fragment() {
    let Some(chromium) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "chromium is not installed: apt-get install chromium (CI installs it in .ci/run)"
            );
        }
        eprintln!("skipped: chromium not installed (apt-get install chromium)");
        return;
    };
    let f = fixture();
    let artefacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let page = artefacts.join("report.html");
    std::fs::copy(&f.html, &page).unwrap();
    let url = format!("file://{}", page.display());
    let work = tempdir();

    let png = artefacts.join("report.png");
    let _ = std::fs::remove_file(&png);
    headless(
        &chromium,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".into(),
            url.clone(),
        ],
        &work.join("screenshot.out"),
    );
    let image = std::fs::read(&png).expect("a screenshot");
    assert!(
        image.starts_with(b"\x89PNG") && image.len() > 20_000,
        "{} bytes",
        image.len()
    );

    // Only `must` pagination cases; none of them fails under this fault.
    let dump = work.join("pagination.html");
    headless(
        &chromium,
        &[
            "--dump-dom".into(),
            format!("{url}#check=pagination&severity=must"),
        ],
        &dump,
    );
    let dom = std::fs::read_to_string(&dump).unwrap();
    let cases = cases_in(&dom);
    assert_eq!(cases.len(), f.cases.len(), "every case is on the page once");
    let wanted = |c: &str, s: &str| c == "pagination" && s == "must";
    for (check, severity, _, hidden) in &cases {
        assert_eq!(*hidden, !wanted(check, severity), "{check}, {severity}");
    }
    let expected = f
        .cases
        .iter()
        .filter(|c| wanted(&c.check, &c.severity))
        .count();
    assert!(expected > 0 && expected < cases.len());
    assert_eq!(shown(&dom), expected, "the counter");

    // Failures only: exactly the JSON report's, and the folded table of the
    // others is hidden with them.
    let dump = work.join("failed.html");
    headless(
        &chromium,
        &["--dump-dom".into(), format!("{url}#status=failed")],
        &dump,
    );
    let dom = std::fs::read_to_string(&dump).unwrap();
    let failed = f.cases.iter().filter(|c| c.status == "failed").count();
    assert_eq!(shown(&dom), failed);
    let visible: Vec<_> = cases_in(&dom).into_iter().filter(|c| !c.3).collect();
    assert!(visible.iter().all(|c| c.2 == "failed") && visible.len() == failed);
    assert!(dom.contains("<details class=\"others\" data-box=\"\" hidden=\"\">"));
}
