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

/// Runs a Python script against a mock of the spec, in a folder of its own; its
/// output, and the folder it ran in. Fails with the script's errors.
fn run_against_mock(
    spec: &str,
    script: &str,
    args: &dyn Fn(&str) -> Vec<String>,
) -> (String, std::path::PathBuf) {
    let spec = assay::spec::load(&spec_path(spec)).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mock = rt
        .block_on(assay::mock::start(spec, &assay::mock::Config::default()))
        .unwrap();
    let dir = tempdir();
    let path = dir.join("client.py");
    std::fs::write(&path, script.replace("{BASE}", &mock.url())).unwrap();
    let out = python()
        .arg(&path)
        .args(args(&mock.url()))
        .current_dir(&dir)
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    rt.block_on(mock.stop());
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the client failed:\n{stderr}\n--- its output:\n{stdout}"
    );
    (stdout, dir)
}

#[test]
fn the_idr_example_client_runs_against_the_mock() {
    let (stdout, dir) = run_against_mock("idr", &idr_client("{BASE}"), &|_| Vec::new());
    // It walked the whole chain: plates, the plate grid, an image, its thumbnail
    // (written to a file as JPEG), annotations, and the mapr queries.
    assert!(stdout.contains("Download URL:"), "{stdout}");
    assert!(stdout.contains("Thumbnail URL:"), "{stdout}");
    let thumb = std::fs::read(dir.join("path_to_thumbnail")).expect("the thumbnail was saved");
    assert_eq!(&thumb[..2], &[0xFF, 0xD8], "a JPEG");
}

/// The OMERO document's flow with Python `requests`: supported versions, the base
/// URLs, a CSRF token, login, then list, create, update and delete a project,
/// following the URLs the API hands out.
const OMERO_FLOW: &str = r#"
import sys, requests
base, user, password = sys.argv[1:4]
s = requests.Session()
r = s.get(base + "/api/"); r.raise_for_status()
base_url = r.json()["data"][-1]["url:base"]
urls = s.get(base_url).json()
token = s.get(urls["url:token"]).json()["data"]
r = s.post(urls["url:login"], data={"server": 1, "username": user, "password": password,
                                    "csrfmiddlewaretoken": token})
r.raise_for_status()
context = r.json()["eventContext"]
projects = s.get(urls["url:projects"]).json()
print("projects", projects["meta"]["totalCount"])
headers = {"X-CSRFToken": token}
payload = {"Name": "My Project", "Description": "Created by assay",
           "@type": "http://www.openmicroscopy.org/Schemas/OME/2016-06#Project"}
r = s.post(urls["url:save"], json=payload, params={"group": context["groupId"]}, headers=headers)
assert r.status_code == 201, (r.status_code, r.text)
project = r.json()["data"]
project["Name"] = "Renamed"
r = s.put(urls["url:save"], json=project, headers=headers); r.raise_for_status()
assert r.json()["data"]["Name"] == "Renamed", r.text
one = urls["url:projects"] + str(project["@id"]) + "/"
assert s.get(one).json()["data"]["Name"] == "Renamed"
r = s.delete(one, headers=headers); r.raise_for_status()
assert s.get(one).status_code == 404
image = {"@type": "http://www.openmicroscopy.org/Schemas/OME/2016-06#Image", "Name": "x"}
assert s.post(urls["url:save"], json=image, headers=headers).status_code == 405
print("done")
"#;

#[test]
fn the_omero_flow_runs_against_the_mock() {
    let (stdout, _) = run_against_mock("omero", OMERO_FLOW, &|url| {
        vec![
            url.to_string(),
            assay::mock::USERNAME.to_string(),
            assay::mock::PASSWORD.to_string(),
        ]
    });
    assert!(stdout.contains("done"), "{stdout}");
}
