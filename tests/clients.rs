//! Clients written by the documents' authors, run against the mock: the IDR
//! document's example script (made Python 3, pointed at the mock) end to end.
//! Needs python3 with `requests` (`.ci/run` installs it).

use std::process::Command;

use crate::common::*;

/// The example client of idr.txt, as runnable Python 3 aimed at `base`: the code
/// from `import requests` to "back to top", without the prose headings between its
/// blocks, with Python 2 `print x` statements made calls.
fn idr_client(base: &str) -> String {
    let text = std::fs::read_to_string(docs().join("idr.txt")).unwrap();
    let mut out = String::new();
    let mut started = false;
    for line in text.lines() {
        if line.starts_with("import requests") {
            started = true;
        }
        if !started {
            continue;
        }
        if line.trim() == "back to top" {
            break;
        }
        let prose = line.chars().next().is_some_and(|c| c.is_uppercase()) && !line.contains(" = ");
        if prose {
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let code = match line.trim_start().strip_prefix("print ") {
            Some(rest) if !rest.starts_with('(') => format!("{indent}print({rest})"),
            _ => line.to_string(),
        };
        out.push_str(&code.replace("https://idr.openmicroscopy.org", base));
        out.push('\n');
    }
    out
}

fn python() -> Command {
    let probe = Command::new("python3")
        .args(["-c", "import requests"])
        .output();
    match probe {
        Ok(o) if o.status.success() => Command::new("python3"),
        _ => panic!(
            "these tests need python3 with the `requests` package: run `python3 -m pip install requests` (.ci/run does)"
        ),
    }
}

#[test]
fn the_idr_example_client_runs_against_the_mock() {
    let spec = assay::spec::load(&spec_path("idr")).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = rt
        .block_on(assay::mock::start(spec, &assay::mock::Config::default()))
        .unwrap();
    let script = tempdir().join("idr_client.py");
    std::fs::write(&script, idr_client(&mock.url())).unwrap();
    let dir = script.parent().unwrap().to_path_buf();
    let out = python()
        .arg(&script)
        .current_dir(&dir)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the client failed:\n{stderr}\n--- its output:\n{stdout}"
    );
    // It walked the whole chain: plates, the plate grid, an image, its thumbnail
    // (written to a file as JPEG), annotations, and the mapr queries.
    assert!(stdout.contains("Download URL:"), "{stdout}");
    assert!(stdout.contains("Thumbnail URL:"), "{stdout}");
    let thumb = std::fs::read(dir.join("path_to_thumbnail")).expect("the thumbnail was saved");
    assert_eq!(&thumb[..2], &[0xFF, 0xD8], "a JPEG");
    rt.block_on(mock.stop());
}
