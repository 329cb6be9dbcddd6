//! Each fault written blind from the documents, shown on the wire: for every one,
//! a request (in the table below) that two clean mocks of its API answer alike and
//! the mock with the fault answers otherwise. The faults of one API change nothing
//! in the mocks of the others.

use serde_json::Value;

use super::*;
use assay::mock::{Blind, FaultName};

/// Whose credentials a request carries.
#[derive(Debug, Clone, Copy)]
enum Who {
    /// The mock's own: API key, bearer token, or session cookie and CSRF token.
    Client,
    /// None at all.
    Nobody,
    /// The session cookie, without the CSRF token (OMERO).
    NoCsrf,
    /// A bearer token of the client's own making.
    Bearer(&'static str),
}

#[derive(Debug, Clone, Copy)]
struct Req {
    method: &'static str,
    target: &'static str,
    body: Option<&'static str>,
    who: Who,
    /// Request instead the URL the answer holds at this pointer.
    follow: Option<&'static str>,
}

const fn get(target: &'static str) -> Req {
    Req {
        method: "GET",
        target,
        body: None,
        who: Who::Client,
        follow: None,
    }
}

const fn send(method: &'static str, target: &'static str, body: Option<&'static str>) -> Req {
    Req {
        method,
        target,
        body,
        who: Who::Client,
        follow: None,
    }
}

impl Req {
    const fn who(self, who: Who) -> Req {
        Req { who, ..self }
    }

    const fn follow(self, pointer: &'static str) -> Req {
        Req {
            follow: Some(pointer),
            ..self
        }
    }
}

struct Case {
    fault: &'static str,
    /// Requests made first, answers ignored.
    setup: &'static [Req],
    /// The request whose answer the fault changes.
    probe: Req,
    /// Keys whose values change from one moment to the next (stamps of now).
    redact: &'static [&'static str],
    /// Headers compared besides the content type.
    headers: &'static [&'static str],
}

const fn case(fault: &'static str, probe: Req) -> Case {
    Case {
        fault,
        setup: &[],
        probe,
        redact: &[],
        headers: &[],
    }
}

impl Case {
    const fn after(self, setup: &'static [Req]) -> Case {
        Case { setup, ..self }
    }

    const fn redact(self, redact: &'static [&'static str]) -> Case {
        Case { redact, ..self }
    }

    const fn headers(self, headers: &'static [&'static str]) -> Case {
        Case { headers, ..self }
    }
}

const CASES: &[Case] = &[
    // bip
    case(
        "bip-per-page-capped-at-100",
        get("/api/v1/plant_lines?per_page=150"),
    ),
    case(
        "bip-later-pages-skip-first",
        get("/api/v1/plant_lines?per_page=10&page=2"),
    ),
    case(
        "bip-filter-ignores-case",
        get("/api/v1/plant_lines?plant_line%5Bquery%5D%5Bplant_line_name%5D=PLANT_LINE_NAME%203"),
    ),
    case(
        "bip-search-ignores-page",
        get("/api/v1/plant_lines?plant_line%5Bfetch%5D=line_name&per_page=2&page=2"),
    ),
    case(
        "bip-filtered-total-is-page-length",
        get("/api/v1/plant_lines?plant_line%5Bfetch%5D=line_name&per_page=2"),
    ),
    case(
        "bip-only-mine-ignored-with-page",
        get("/api/v1/plant_lines?only_mine=true&page=1"),
    ),
    case(
        "bip-id-filter-ignored",
        get("/api/v1/trait_scores?trait_score%5Bquery%5D%5Bid%5D=3"),
    ),
    case("bip-single-dates-day-first", get("/api/v1/plant_lines/3")),
    case("bip-single-ids-drop-last", get("/api/v1/plant_lines/3")),
    case("bip-create-drops-comments", get("/api/v1/plant_lines/51")).after(&[send(
        "POST",
        "/api/v1/plant_lines",
        Some(r#"{"plant_line": {"plant_line_name": "A blind line", "comments": "worth keeping"}}"#),
    )]),
    case(
        "bip-bad-reference-error-keyed",
        send(
            "POST",
            "/api/v1/plant_lines",
            Some(
                r#"{"plant_line": {"plant_line_name": "A blind line", "taxonomy_term_id": 99999}}"#,
            ),
        ),
    ),
    case(
        "bip-get-by-id-without-key",
        get("/api/v1/plant_lines/3").who(Who::Nobody),
    ),
    case(
        "bip-not-owner-delete-403",
        send("DELETE", "/api/v1/plant_lines/3", None),
    ),
    // gentar
    case(
        "gentar-sort-desc-ignored",
        get("/api/projects?sort=tpn,DESC&size=3"),
    ),
    case(
        "gentar-filter-names-ignore-case",
        get("/api/projects?TPN=TPN:000000001"),
    ),
    case(
        "gentar-comma-list-first-only",
        get("/api/projects?tpn=TPN:000000001,TPN:000000004"),
    ),
    case(
        "gentar-self-link-drops-filters",
        get("/api/plans?typeName=production&size=5"),
    ),
    case(
        "gentar-total-pages-rounded-down",
        get("/api/projects?size=20"),
    ),
    case(
        "gentar-page-number-one-based",
        get("/api/projects?page=1&size=5"),
    ),
    case(
        "gentar-history-skips-nested-fields",
        send(
            "PUT",
            "/api/plans/PIN:0000000001",
            Some(r#"{"pin": "PIN:0000000001", "crisprAttempt": {"comment": "changed"}}"#),
        ),
    )
    .redact(&["date"]),
    case(
        "gentar-history-date-day-first",
        get("/api/plans/PIN:0000000001/history"),
    ),
    case(
        "gentar-nested-routes-trust-any-token",
        get("/api/plans/PIN:0000000001/outcomes").who(Who::Bearer("assay.forged.token")),
    ),
    case(
        "gentar-signin-error-spring-shape",
        send(
            "POST",
            "/auth/signin",
            Some(r#"{"userName": "nobody", "password": "wrong"}"#),
        )
        .who(Who::Nobody),
    ),
    case(
        "gentar-nested-list-leaks-next-plan",
        get("/api/plans/PIN:0000000001/outcomes"),
    ),
    case(
        "gentar-update-loses-comment",
        send(
            "PUT",
            "/api/projects/TPN:000000001",
            Some(r#"{"tpn": "TPN:000000001", "comment": "A new comment"}"#),
        ),
    )
    .redact(&["date"]),
    // omero
    case(
        "omero-limit-over-max-echoed",
        get("/api/v0/m/projects/?limit=600"),
    ),
    case(
        "omero-later-page-total-count",
        get("/api/v0/m/projects/?offset=10&limit=5"),
    ),
    case(
        "omero-child-count-zero-down-list",
        get("/api/v0/m/projects/?childCount=true&limit=6"),
    ),
    case(
        "omero-parent-filter-lost-with-offset",
        get("/api/v0/m/datasets/?project=11601&offset=1"),
    ),
    case(
        "omero-normalize-partial",
        get("/api/v0/m/projects/?normalize=true&limit=5&offset=3"),
    ),
    case(
        "omero-errors-without-version-header",
        get("/api/v0/m/projects/999999/"),
    )
    .headers(&["x-omero-apiversion"]),
    case(
        "omero-bad-offset-500",
        get("/api/v0/m/projects/?offset=foo"),
    ),
    case(
        "omero-delete-no-body",
        send("DELETE", "/api/v0/m/projects/3872/", None),
    ),
    case(
        "omero-delete-skips-csrf",
        send("DELETE", "/api/v0/m/projects/567/", None).who(Who::NoCsrf),
    ),
    // idr
    case(
        "idr-plate-child-count-text",
        get("/webclient/api/plates/?id=102"),
    ),
    case("idr-last-well-empty-object", get("/webgateway/plate/1/0/")),
    case(
        "idr-image-map-values-object",
        get("/webclient/api/annotations/?type=map&image=1"),
    ),
    case(
        "idr-thumb-url-json",
        get("/webgateway/plate/1/0/").follow("/grid/0/0/thumb_url"),
    ),
    case(
        "idr-file-annotation-id-nested",
        get("/webclient/api/annotations/?type=file&screen=102"),
    ),
    case(
        "idr-mapr-screen-id-text",
        get("/mapr/api/gene/?value=CDC20"),
    ),
    // impc_images
    case(
        "impc-filter-ignores-case",
        get("/solr/impc_images/select?q=*:*&fq=sex:%22male%22"),
    ),
    case(
        "impc-numfound-counts-to-page-end",
        get("/solr/impc_images/select?q=*:*&rows=5"),
    ),
    case(
        "impc-start-ignored-with-filter",
        get("/solr/impc_images/select?q=*:*&fq=sex:%22Male%22&start=1"),
    ),
    case(
        "impc-single-values-unwrapped",
        get("/solr/impc_images/select?q=*:*&rows=3"),
    ),
    case(
        "impc-numbers-as-text-down-page",
        get("/solr/impc_images/select?q=*:*&rows=3"),
    ),
    case(
        "impc-dates-day-first",
        get("/solr/impc_images/select?q=*:*&rows=1"),
    ),
];

fn blind(name: &str) -> Blind {
    Blind::from_name(name).unwrap_or_else(|| panic!("no blind fault named `{name}`"))
}

/// What a client holds to be let in to one running mock.
struct Session {
    headers: Vec<(String, String)>,
    /// OMERO's CSRF header, sent apart from the session cookie.
    csrf: Option<(String, String)>,
}

async fn session(spec: &assay::spec::Spec, url: &str) -> Session {
    match &spec.auth {
        assay::spec::Auth::CsrfSession { header, .. } => {
            let (_, cookie, token) = omero_session(url).await;
            Session {
                headers: vec![("Cookie".into(), cookie)],
                csrf: Some((header.clone(), token)),
            }
        }
        _ => Session {
            headers: credentials(spec, url).await,
            csrf: None,
        },
    }
}

/// An answer as compared: status, some headers, the body (JSON with the mock's
/// own address and the redacted keys blanked, or text).
#[derive(Debug, PartialEq)]
struct Seen {
    status: u16,
    headers: Vec<(String, Option<String>)>,
    body: Value,
}

async fn request(
    c: &reqwest::Client,
    url: &str,
    s: &Session,
    r: &Req,
    target: &str,
) -> reqwest::Response {
    let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
    let full = if target.starts_with("http") {
        target.to_string()
    } else {
        format!("{url}{target}")
    };
    let mut b = c.request(method, full);
    match r.who {
        Who::Client => {
            for (k, v) in s.headers.iter().chain(&s.csrf) {
                b = b.header(k, v);
            }
        }
        Who::NoCsrf => {
            for (k, v) in &s.headers {
                b = b.header(k, v);
            }
        }
        Who::Nobody => {}
        Who::Bearer(t) => b = b.header("Authorization", format!("Bearer {t}")),
    }
    if let Some(body) = r.body {
        b = b
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    b.send().await.unwrap()
}

fn blank(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if keys.contains(&k.as_str()) {
                    *x = Value::String("[redacted]".into());
                } else {
                    blank(x, keys);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| blank(x, keys)),
        _ => {}
    }
}

/// Starts a mock, makes a case's requests and returns what the probe was answered.
async fn observe(spec: &assay::spec::Spec, faults: Vec<Blind>, case: &Case) -> Seen {
    let config = Config {
        blind: faults,
        ..Config::default()
    };
    let mock = start(spec.clone(), &config).await.unwrap();
    let url = mock.url();
    let s = session(spec, &url).await;
    let c = client();
    for r in case.setup {
        let _ = request(&c, &url, &s, r, r.target).await;
    }
    let r = &case.probe;
    let mut resp = request(&c, &url, &s, r, r.target).await;
    if let Some(pointer) = r.follow {
        let body: Value = resp.json().await.unwrap();
        let next = body
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{}: nothing to follow at {pointer}", case.fault))
            .to_string();
        resp = request(&c, &url, &s, &get(""), &next).await;
    }
    let status = resp.status().as_u16();
    let headers = ["content-type"]
        .iter()
        .chain(case.headers)
        .map(|h| {
            let v = resp
                .headers()
                .get(*h)
                .map(|v| v.to_str().unwrap().to_string());
            (h.to_string(), v)
        })
        .collect();
    let bytes = resp.bytes().await.unwrap();
    let text = String::from_utf8_lossy(&bytes).replace(&url, "{mock}");
    let body = match serde_json::from_str::<Value>(&text) {
        Ok(mut v) => {
            // Error bodies stamp the second they were made (GenTaR's `apierror`).
            blank(&mut v, &["timestamp"]);
            blank(&mut v, case.redact);
            v
        }
        Err(_) => Value::String(text),
    };
    mock.stop().await;
    Seen {
        status,
        headers,
        body,
    }
}

#[test]
fn every_blind_fault_has_one_case() {
    for b in Blind::ALL {
        let n = CASES.iter().filter(|c| c.fault == b.name()).count();
        assert_eq!(n, 1, "{}: {n} cases", b.name());
    }
    for c in CASES {
        blind(c.fault);
    }
    let mut per_api = std::collections::BTreeMap::new();
    for b in Blind::ALL {
        *per_api.entry(b.api()).or_insert(0) += 1;
    }
    assert_eq!(per_api.len(), spec_names().len(), "{per_api:?}");
    assert!(per_api.values().all(|n| *n >= 4), "{per_api:?}");
    assert!(Blind::ALL.len() >= 30);
}

/// Each fault cites a place of its own API's document that exists: a line, or
/// for a document without lines a column under the heading it names.
#[test]
fn every_blind_fault_cites_its_document() {
    let docs = docs();
    for b in Blind::ALL {
        let spec = load(b.api());
        let place: assay::spec::DocRef = b.doc().parse().unwrap();
        assert_eq!(place.file, spec.document, "{}", b.name());
        let text = std::fs::read_to_string(docs.join(&place.file)).unwrap();
        let line = text
            .lines()
            .nth(place.line as usize - 1)
            .unwrap_or_else(|| panic!("{}: no line {}", b.name(), place.line));
        if let Some(col) = place.column {
            assert!((col as usize) <= line.chars().count(), "{}", b.name());
            let heading = place.heading.as_deref().unwrap();
            let at = line.char_indices().nth(col as usize - 1).unwrap().0;
            let before = &line[..at];
            let found = before.rfind(heading).unwrap_or_else(|| {
                panic!("{}: heading `{heading}` is not before the place", b.name())
            });
            assert!(found < at, "{}", b.name());
        } else {
            assert!(
                !line.trim().is_empty(),
                "{}: line {} is empty",
                b.name(),
                place.line
            );
        }
    }
}

#[test]
fn blind_faults_are_named_like_the_others() {
    let b: FaultName = "bip-search-ignores-page".parse().unwrap();
    assert!(matches!(b, FaultName::Blind(Blind::BipSearchIgnoresPage)));
    let w: FaultName = "ignore-filter".parse().unwrap();
    assert!(matches!(w, FaultName::Written(_)));
    let err = "bip-search-ignore-page".parse::<FaultName>().unwrap_err();
    assert!(
        err.contains("did you mean `bip-search-ignores-page`"),
        "{err}"
    );
    let err = "no-such-fault-at-all".parse::<FaultName>().unwrap_err();
    assert!(err.contains("--list-faults"), "{err}");
    let (written, blind) = FaultName::split(&[b, w, b]);
    assert_eq!((written.len(), blind.len()), (1, 1));
    let listed = assay::cli::list_faults_text();
    let (_, second) = listed
        .split_once("written blind from the documents:")
        .expect("a second group");
    for f in Blind::ALL {
        assert!(
            second.contains(f.name()) && second.contains(f.doc()),
            "{listed}"
        );
    }
}

/// Runs one check per case, all at once; the problems they found.
async fn each_case<F, Fut>(check: F) -> Vec<String>
where
    F: Fn(&'static Case) -> Fut,
    Fut: std::future::Future<Output = Option<String>> + Send + 'static,
{
    let tasks: Vec<_> = CASES.iter().map(|c| tokio::spawn(check(c))).collect();
    let mut problems = Vec::new();
    for t in tasks {
        problems.extend(t.await.unwrap());
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn each_blind_fault_changes_an_answer() {
    let problems = each_case(|c| async move {
        let fault = blind(c.fault);
        let spec = load(fault.api());
        let clean = observe(&spec, vec![], c).await;
        let again = observe(&spec, vec![], c).await;
        let faulty = observe(&spec, vec![fault], c).await;
        if clean != again {
            Some(format!(
                "{}: two clean mocks answer the probe differently:\n{clean:?}\n{again:?}",
                c.fault
            ))
        } else if clean == faulty {
            Some(format!(
                "{}: the fault changes nothing in the answer {clean:?}",
                c.fault
            ))
        } else {
            None
        }
    })
    .await;
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// The faults of the other APIs, all switched on at once, leave every probe of
/// an API as the clean mock answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn blind_faults_keep_to_their_own_api() {
    let problems = each_case(|c| async move {
        let api = blind(c.fault).api();
        let spec = load(api);
        let others: Vec<Blind> = Blind::ALL
            .iter()
            .copied()
            .filter(|b| b.api() != api)
            .collect();
        let clean = observe(&spec, vec![], c).await;
        let with_others = observe(&spec, others, c).await;
        (clean != with_others).then(|| {
            format!(
                "{}: faults of other APIs change the answer:\n{clean:?}\n{with_others:?}",
                c.fault
            )
        })
    })
    .await;
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
