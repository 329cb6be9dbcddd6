//! A server true to its document passes. Each of `tests/servers/NAME.py` was
//! written from the document alone, by someone who had read neither the checks
//! nor the mock, and uses the freedoms the document leaves (other ids and
//! orders, optional fields absent, extra headers, gzip, HTML error pages, slow
//! pages); `assay run` against it, writes allowed, must find nothing.
//! Needs python3 (standard library only).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::root;

/// A running independent server: its base URL and the credentials it printed.
struct Server {
    child: Child,
    url: String,
    lines: Vec<String>,
}

impl Server {
    fn start(name: &str) -> Server {
        let mut child = Command::new("python3")
            .arg(root().join(format!("tests/servers/{name}.py")))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let stdout = child.stdout.take().expect("piped");
        let mut reader = BufReader::new(stdout);
        let mut first = String::new();
        reader
            .read_line(&mut first)
            .expect("the server prints its address");
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{name}: unexpected first line {first:?}"))
            .to_string();
        // The credential lines follow at once; the rest of its output is not read.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        while let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(300)) {
            lines.push(line);
        }
        Server { child, url, lines }
    }

    fn value(&self, key: &str) -> Option<String> {
        self.lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{key}: ")))
            .map(str::to_string)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn passes(name: &str) {
    let server = Server::start(name);
    let mut args = vec![
        "run".to_string(),
        format!("specs/{name}.yaml"),
        "--base-url".into(),
        server.url.clone(),
        "--allow-writes".into(),
    ];
    if let Some(key) = server.value("api-key") {
        args.extend(["--api-key".into(), key]);
    }
    if let (Some(user), Some(password)) = (server.value("username"), server.value("password")) {
        args.extend(["--username".into(), user, "--password".into(), password]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_assay"))
        .args(&args)
        .current_dir(root())
        .output()
        .expect("assay runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "assay failed a server true to {name}.txt:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(" 0 failed"), "{text}");
}

#[test]
fn bip() {
    passes("bip");
}

#[test]
fn gentar() {
    passes("gentar");
}

#[test]
fn omero() {
    passes("omero");
}

#[test]
fn idr() {
    passes("idr");
}

#[test]
fn impc_images() {
    passes("impc_images");
}
