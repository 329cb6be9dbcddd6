//! A server that breaks HTTP itself, one way per path: every case against it
//! fails with a message that says what the server did, the run ends on time, and
//! what the server echoes of the credentials never reaches the report.

use std::sync::Arc;
use std::time::Duration;

use assay::generate::{Case, Check, Expect, PointerValue, Request, Severity, Step};
use assay::run::{Config, Event, Given, Secret, Status};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "hostile-test-key-0123456789";

async fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer(stream, addr.port()));
        }
    });
    format!("http://{addr}")
}

/// Requests `/busy` has answered, so it refuses the first two of every three.
static BUSY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn answer(mut s: TcpStream, port: u16) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let path = text
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .split('?')
        .next()
        .unwrap_or("/")
        .to_string();
    let json = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n";
    let reply = |s: String| s.into_bytes();
    let out: Vec<u8> = match path.as_str() {
        "/not-json" => reply(format!("{json}content-length: 13\r\n\r\n<html>oops</h")),
        "/bad-utf8" => {
            let mut v = format!("{json}content-length: 6\r\n\r\n").into_bytes();
            v.extend_from_slice(b"\"\xff\xfe\xfd\"\n");
            v
        }
        "/huge-announced" => reply(format!("{json}content-length: 999999999\r\n\r\n{{")),
        "/huge-chunked" => {
            let _ = s
                .write_all(format!("{json}transfer-encoding: chunked\r\n\r\n").as_bytes())
                .await;
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "x".repeat(64 * 1024));
            for _ in 0..64 {
                if s.write_all(chunk.as_bytes()).await.is_err() {
                    return;
                }
            }
            return;
        }
        "/drip" => {
            let _ = s
                .write_all(format!("{json}content-length: 1000\r\n\r\n").as_bytes())
                .await;
            for _ in 0..1000 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if s.write_all(b" ").await.is_err() {
                    return;
                }
            }
            return;
        }
        "/hang" => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        // Closed with the request read and nothing answered.
        "/reset" => return,
        "/busy" => {
            let n = BUSY.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n % 3 < 2 {
                reply("HTTP/1.1 503 Busy\r\nretry-after: 0\r\ncontent-length: 0\r\n\r\n".into())
            } else {
                reply(format!("{json}content-length: 12\r\n\r\n{{\"ok\": true}}"))
            }
        }
        "/capture" => {
            let body = r#"{"at": "@127.0.0.2/ok", "dot": ".evil.example/ok"}"#;
            reply(format!(
                "{json}content-length: {}\r\n\r\n{body}",
                body.len()
            ))
        }
        "/short" => reply(format!("{json}content-length: 100\r\n\r\n{{\"ok\": true}}")),
        "/loop" => {
            reply("HTTP/1.1 302 Found\r\nlocation: /loop\r\ncontent-length: 0\r\n\r\n".into())
        }
        "/away" => reply(format!(
            "HTTP/1.1 302 Found\r\nlocation: http://127.0.0.2:{port}/ok\r\ncontent-length: 0\r\n\r\n"
        )),
        "/echo" => {
            let body = serde_json::to_string(&text).unwrap();
            reply(format!(
                "HTTP/1.1 500 Oops\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            ))
        }
        _ => reply(format!("{json}content-length: 12\r\n\r\n{{\"ok\": true}}")),
    };
    let _ = s.write_all(&out).await;
    let _ = s.shutdown().await;
}

fn case(path: &str) -> Case {
    let mut step = Step::new(Request::get(path));
    step.expect = vec![
        Expect::Status(vec![200]),
        Expect::Equals(PointerValue {
            pointer: "/ok".into(),
            value: true.into(),
        }),
    ];
    Case {
        id: format!("hostile{path}"),
        check: Check::Status,
        severity: Severity::Must,
        doc: "bip.txt:1".parse().unwrap(),
        title: path.into(),
        writes: false,
        steps: vec![step],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_server_fails_cases_with_reasons_and_never_hangs_the_runner() {
    let url = serve().await;
    let spec = assay::spec::load(&crate::common::spec_path("bip")).unwrap();
    let expected = [
        ("/ok", ""),
        ("/not-json", "not JSON"),
        ("/bad-utf8", "not JSON"),
        ("/huge-announced", "over the limit"),
        ("/huge-chunked", "over the limit"),
        ("/drip", "timed out"),
        ("/hang", "timed out"),
        ("/reset", "request failed"),
        ("/short", "broke off"),
        ("/loop", "redirect"),
        ("/away", "got 302"),
        ("/echo", "got 500"),
    ];
    let cases: Vec<Case> = expected.iter().map(|(p, _)| case(p)).collect();
    let config = Config {
        given: Given {
            api_key: Some(Secret::new(KEY)),
            ..Given::default()
        },
        // Long enough that a loaded machine still reads the fast answers in time.
        timeout: Duration::from_secs(2),
        max_body: 1 << 20,
        retries: 0,
        ..Config::default()
    };
    let mut results = Vec::new();
    let started = std::time::Instant::now();
    let mut report = |e| {
        if let Event::CaseFinished(r) = e {
            results.push(r)
        }
    };
    let run = assay::run::run(Arc::new(spec), cases, &url, &config, &mut report);
    tokio::time::timeout(Duration::from_secs(20), run)
        .await
        .expect("the run ends")
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    for (path, says) in expected {
        let r = results
            .iter()
            .find(|r| r.id == format!("hostile{path}"))
            .unwrap();
        if says.is_empty() {
            assert_eq!(r.status, Status::Passed, "{path}: {}", r.message);
            continue;
        }
        assert_eq!(r.status, Status::Failed, "{path}");
        let text = format!("{} {}", r.message, r.diff.clone().unwrap_or_default());
        // The deadline may be met by the client's timer or by the runner's own.
        let alike = says == "timed out" && text.contains("no complete response");
        assert!(
            text.contains(says) || alike,
            "{path}: expected `{says}` in: {text}"
        );
        assert!(
            r.message.contains(path),
            "{path}: the message names the request: {}",
            r.message
        );
    }
    let echoed = results.iter().find(|r| r.id == "hostile/echo").unwrap();
    let text = format!("{:?}", echoed);
    assert!(
        text.contains("X-BIP-Api-Key") || text.contains("x-bip-api-key"),
        "{text}"
    );
    assert!(!text.contains(KEY), "the key leaked: {text}");
}

async fn run_cases(url: &str, cases: Vec<Case>, config: Config) -> Vec<assay::run::CaseResult> {
    let spec = assay::spec::load(&crate::common::spec_path("idr")).unwrap();
    let mut results = Vec::new();
    let mut report = |e| {
        if let Event::CaseFinished(r) = e {
            results.push(r)
        }
    };
    assay::run::run(Arc::new(spec), cases, url, &config, &mut report)
        .await
        .unwrap();
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_server_is_retried_only_as_often_as_allowed() {
    let url = serve().await;
    BUSY.store(0, std::sync::atomic::Ordering::SeqCst);
    let patient = Config {
        retries: 2,
        jobs: 1,
        ..Config::default()
    };
    let r = run_cases(&url, vec![case("/busy")], patient).await;
    assert_eq!(r[0].status, Status::Passed, "{}", r[0].message);
    BUSY.store(0, std::sync::atomic::Ordering::SeqCst);
    let impatient = Config {
        retries: 1,
        jobs: 1,
        ..Config::default()
    };
    let r = run_cases(&url, vec![case("/busy")], impatient).await;
    assert_eq!(r[0].status, Status::Failed);
    assert!(r[0].message.contains("got 503"), "{}", r[0].message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_spaces_requests_out() {
    let url = serve().await;
    let cases: Vec<Case> = (0..6)
        // Six different paths: identical reads would be shared, not repeated.
        .map(|i| case(&format!("/ok/{i}")))
        .collect();
    let config = Config {
        rate: Some(20.0),
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let r = run_cases(&url, cases, config).await;
    assert!(r.iter().all(|x| x.status == Status::Passed));
    // Six requests at 20 a second take at least five intervals of 50 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_captured_path_never_moves_a_request_to_another_host() {
    let url = serve().await;
    let mut cases = Vec::new();
    for name in ["at", "dot"] {
        let mut first = Step::new(Request::get("/capture"));
        first.capture.insert(name.into(), format!("/{name}"));
        let mut second = Step::new(Request::get(format!("{{{name}}}")));
        second.expect = vec![Expect::Status(vec![200])];
        let mut c = case("/capture");
        c.id = format!("hostile/capture/{name}");
        c.steps = vec![first, second];
        cases.push(c);
    }
    let r = run_cases(&url, cases, Config::default()).await;
    assert_eq!(r.len(), 2);
    for x in &r {
        assert_eq!(x.status, Status::Failed, "{}", x.id);
        let refused =
            x.message.contains("would leave the host") || x.message.contains("cannot form a URL");
        assert!(refused, "{}: {}", x.id, x.message);
    }
}

/// A header given for a scheme assay does not perform (`--header`) goes with
/// every request that carries valid credentials, and never shows, even echoed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_given_header_is_sent_and_never_shown() {
    let url = serve().await;
    let config = Config {
        given: Given {
            headers: vec![(
                "Authorization".into(),
                Secret::new("Bearer s3cret-given-token"),
            )],
            ..Given::default()
        },
        retries: 0,
        ..Config::default()
    };
    let results = run_cases(&url, vec![case("/echo")], config).await;
    let text = format!("{:?}", results[0]);
    assert!(
        text.to_ascii_lowercase().contains("authorization"),
        "not sent: {text}"
    );
    assert!(
        !text.contains("s3cret-given-token"),
        "the header leaked: {text}"
    );
}
