//! The mock against what its spec says, over real HTTP on a free port.

use serde_json::Value;

use crate::common::*;
use assay::mock::{API_KEY, Config, start};

fn bip() -> assay::spec::Spec {
    assay::spec::load(&spec_path("bip")).unwrap()
}

async fn get(url: &str, key: Option<&str>) -> (u16, Value) {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut req = client.get(url);
    if let Some(k) = key {
        req = req.header("X-BIP-Api-Key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn bip_pages_as_documented() {
    let config = Config {
        records: 450,
        ..Config::default()
    };
    let mock = start(bip(), &config).await.unwrap();
    let base = format!("{}/api/v1/plant_lines", mock.url());

    let (status, body) = get(&base, Some(API_KEY)).await;
    assert_eq!(status, 200);
    assert_eq!(
        body["plant_lines"].as_array().unwrap().len(),
        50,
        "default size 50"
    );
    assert_eq!(body["meta"]["page"], 1, "pages start at 1");
    assert_eq!(body["meta"]["total_count"], 450);

    let (_, body) = get(&format!("{base}?per_page=1000"), Some(API_KEY)).await;
    assert_eq!(
        body["plant_lines"].as_array().unwrap().len(),
        200,
        "max size 200"
    );

    // Walking every page yields every record once, ordered by id.
    let mut ids = Vec::new();
    for page in 1..=5 {
        let (_, body) = get(&format!("{base}?per_page=100&page={page}"), Some(API_KEY)).await;
        ids.extend(
            body["plant_lines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
    }
    assert_eq!(ids.len(), 450);
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ordered by id, no duplicates"
    );

    let (_, body) = get(&format!("{base}?page=99"), Some(API_KEY)).await;
    assert_eq!(
        body["plant_lines"],
        serde_json::json!([]),
        "past the end is empty"
    );
    mock.stop().await;
}

#[tokio::test]
async fn bip_answers_errors_with_documented_bodies() {
    let mock = start(bip(), &Config::default()).await.unwrap();
    let url = mock.url();
    let (status, body) = get(&format!("{url}/api/v1/plant_lines/99999"), Some(API_KEY)).await;
    assert_eq!((status, body["reason"].is_string()), (404, true));
    let (status, body) = get(&format!("{url}/api/v1/plant_lines"), None).await;
    assert_eq!((status, body["reason"].is_string()), (401, true));
    let (status, _) = get(&format!("{url}/api/v1/plant_lines"), Some("wrong")).await;
    assert_eq!(status, 401);
    let (status, _) = get(&format!("{url}/api/v1/nothing_here"), Some(API_KEY)).await;
    assert_eq!(status, 404);
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let resp = client
        .put(format!("{url}/api/v1/plant_lines"))
        .header("X-BIP-Api-Key", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    mock.stop().await;
}

#[tokio::test]
async fn bip_filters_by_filterable_attributes() {
    let mock = start(bip(), &Config::default()).await.unwrap();
    let base = format!("{}/api/v1/plant_lines", mock.url());
    let (_, all) = get(&format!("{base}?per_page=200"), Some(API_KEY)).await;
    let name = all["plant_lines"][3]["plant_line_name"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, one) = get(
        &format!(
            "{base}?plant_line%5Bquery%5D%5Bplant_line_name%5D={}",
            name.replace(' ', "%20")
        ),
        Some(API_KEY),
    )
    .await;
    let found = one["plant_lines"].as_array().unwrap();
    assert!(!found.is_empty());
    assert!(found.iter().all(|i| i["plant_line_name"] == name.as_str()));
    assert_eq!(one["meta"]["total_count"], found.len());
    mock.stop().await;
}

/// Every generated record validates against the schema of its resource, and every
/// reference resolves, both ways where the tables have a field for the way back.
#[tokio::test]
async fn bip_records_are_valid_and_references_resolve() {
    let spec = bip();
    let mock = start(
        spec.clone(),
        &Config {
            records: 30,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let schemas = assay::schema::generate(&spec);
    let mut items: std::collections::HashMap<String, Vec<Value>> = Default::default();
    for r in &spec.resources {
        let url = format!("{}/api/v1/{}?per_page=200", mock.url(), r.plural());
        let (status, body) = get(&url, Some(API_KEY)).await;
        assert_eq!(status, 200, "{url}");
        let list = schemas
            .iter()
            .find(|s| s.name == format!("{}.list", r.name))
            .unwrap();
        let v = assay::schema::Validator::new(&list.name, &list.schema).unwrap();
        let bad = v.violations(&body);
        assert!(bad.is_empty(), "{}: {:?}", r.name, &bad[..bad.len().min(3)]);
        items.insert(r.name.clone(), body[r.plural()].as_array().unwrap().clone());
    }
    let exists = |res: &str, id: &Value| items[res].iter().any(|i| &i["id"] == id);
    // trait_score.plant_scoring_unit_id ↔ plant_scoring_unit.trait_score_ids
    for ts in &items["trait_score"] {
        let psu = &ts["plant_scoring_unit_id"];
        assert!(exists("plant_scoring_unit", psu), "dangling {psu}");
        let back = items["plant_scoring_unit"]
            .iter()
            .find(|p| &p["id"] == psu)
            .unwrap();
        assert!(
            back["trait_score_ids"]
                .as_array()
                .unwrap()
                .contains(&ts["id"])
        );
    }
    for p in &items["plant_line"] {
        if let Some(t) = p.get("taxonomy_term_id") {
            assert!(exists("taxonomy_term", t), "dangling taxonomy_term_id {t}");
        }
    }
    mock.stop().await;
}

#[test]
fn the_same_seed_gives_the_same_records() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fetch = |seed: u64| {
        rt.block_on(async {
            let mock = start(
                bip(),
                &Config {
                    seed,
                    ..Config::default()
                },
            )
            .await
            .unwrap();
            let (_, body) = get(
                &format!("{}/api/v1/trait_scores?per_page=200", mock.url()),
                Some(API_KEY),
            )
            .await;
            mock.stop().await;
            body
        })
    };
    assert_eq!(fetch(7), fetch(7));
    assert_ne!(fetch(7), fetch(8));
}

fn load(name: &str) -> assay::spec::Spec {
    assay::spec::load(&spec_path(name)).unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn gentar_signs_in_with_expiring_tokens() {
    let config = Config {
        token_lifetime: Some(std::time::Duration::from_millis(2500)),
        ..Config::default()
    };
    let mock = start(load("gentar"), &config).await.unwrap();
    let url = mock.url();
    let c = client();
    let signin = |user: &str, pass: &str| {
        c.post(format!("{url}/auth/signin"))
            .json(&serde_json::json!({"userName": user, "password": pass}))
            .send()
    };
    let bad = signin("assay", "wrong").await.unwrap();
    assert_eq!(bad.status().as_u16(), 401);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["apierror"]["status"], "UNAUTHORIZED", "{body}");

    let ok: Value = signin(assay::mock::USERNAME, assay::mock::PASSWORD)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = ok["accessToken"].as_str().unwrap().to_string();
    let projects = |auth: Option<String>| {
        let mut r = c.get(format!("{url}/api/projects"));
        if let Some(a) = auth {
            r = r.header("Authorization", a);
        }
        r.send()
    };
    assert_eq!(
        projects(Some(format!("Bearer {token}")))
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(projects(None).await.unwrap().status().as_u16(), 401);
    let tampered = format!("Bearer {}x", token);
    assert_eq!(
        projects(Some(tampered)).await.unwrap().status().as_u16(),
        401
    );
    tokio::time::sleep(std::time::Duration::from_millis(3000)).await;
    let expired = projects(Some(format!("Bearer {token}"))).await.unwrap();
    assert_eq!(expired.status().as_u16(), 401, "the token expired");
    let body: Value = expired.json().await.unwrap();
    assert!(body["apierror"]["message"].is_string(), "{body}");
    mock.stop().await;
}

fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.strip_prefix(&format!("{name}="))
                .map(|r| r.split(';').next().unwrap().to_string())
        })
}

#[tokio::test]
async fn omero_logs_in_with_csrf_and_session() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let c = client();
    let projects = format!("{url}/api/v0/m/projects/");
    assert_eq!(
        c.get(&projects).send().await.unwrap().status().as_u16(),
        403,
        "no session"
    );

    let resp = c.get(format!("{url}/api/v0/token/")).send().await.unwrap();
    let cookie = set_cookie(&resp, "csrftoken").expect("csrftoken cookie");
    let token: Value = resp.json().await.unwrap();
    let token = token["data"].as_str().unwrap().to_string();
    assert_eq!(cookie, token);

    let form = [
        ("server", "1"),
        ("username", assay::mock::USERNAME),
        ("password", assay::mock::PASSWORD),
    ];
    let no_csrf = c
        .post(format!("{url}/api/v0/login/"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(no_csrf.status().as_u16(), 403, "login needs the CSRF token");
    let login = c
        .post(format!("{url}/api/v0/login/"))
        .header("X-CSRFToken", &token)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(login.status().as_u16(), 200);
    let session = set_cookie(&login, "sessionid").expect("session cookie");
    let listed = c
        .get(&projects)
        .header("Cookie", format!("sessionid={session}"))
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status().as_u16(), 200);
    let body: Value = listed.json().await.unwrap();
    assert!(
        body["data"].is_array() && body["meta"]["totalCount"].is_number(),
        "{body}"
    );
    // A write without the CSRF token is refused even with a session.
    let write = c
        .post(format!("{url}/api/v0/m/save/"))
        .header("Cookie", format!("sessionid={session}"))
        .json(&serde_json::json!({"@type": "http://www.openmicroscopy.org/Schemas/OME/2016-06#Project", "Name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status().as_u16(), 403);
    mock.stop().await;
}

#[tokio::test]
async fn bip_writes_follow_the_tables() {
    let mock = start(bip(), &Config::default()).await.unwrap();
    let url = format!("{}/api/v1", mock.url());
    let c = client();
    let post = |body: Value| {
        c.post(format!("{url}/trait_scores"))
            .header("X-BIP-Api-Key", API_KEY)
            .json(&body)
            .send()
    };
    let refused = |resp: reqwest::Response| async move {
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.unwrap();
        (
            status,
            body["errors"][0]["attribute"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    };
    // Missing required attribute, unknown attribute, readonly attribute, dangling reference.
    let r = refused(post(serde_json::json!({"trait_score": {"plant_scoring_unit_id": 1, "trait_descriptor_id": 1}})).await.unwrap()).await;
    assert_eq!(r, (422, "score_value".to_string()));
    let r = refused(post(serde_json::json!({"trait_score": {"score_value": "1", "plant_scoring_unit_id": 1, "trait_descriptor_id": 1, "priner": 2}})).await.unwrap()).await;
    assert_eq!(r, (422, "priner".to_string()));
    let r = refused(post(serde_json::json!({"trait_score": {"score_value": "1", "plant_scoring_unit_id": 1, "trait_descriptor_id": 1, "id": 5}})).await.unwrap()).await;
    assert_eq!(r, (422, "id".to_string()));
    let r = refused(post(serde_json::json!({"trait_score": {"score_value": "1", "plant_scoring_unit_id": 1000000, "trait_descriptor_id": 1}})).await.unwrap()).await;
    assert_eq!(r, (422, "plant_scoring_unit_id".to_string()));

    let created = post(serde_json::json!({"trait_score": {"score_value": "1000", "plant_scoring_unit_id": 1, "trait_descriptor_id": 2, "published": false}}))
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    let body: Value = created.json().await.unwrap();
    let item = &body["trait_score"];
    assert_eq!(item["entered_by_whom"], assay::mock::USERNAME, "server-set");
    assert!(item["date_entered"].as_str().unwrap().len() == 10);
    let id = item["id"].as_i64().unwrap();
    assert!(id > 50, "a fresh id");

    let (status, _) = get(&format!("{url}/trait_scores/{id}"), Some(API_KEY)).await;
    assert_eq!(status, 200);
    let (_, mine) = get(&format!("{url}/trait_scores?only_mine=true"), Some(API_KEY)).await;
    assert_eq!(mine["trait_scores"].as_array().unwrap().len(), 1);

    let send = |m: reqwest::Method, path: String| {
        c.request(m, format!("{url}{path}"))
            .header("X-BIP-Api-Key", API_KEY)
            .send()
    };
    let published = send(
        reqwest::Method::PATCH,
        format!("/trait_scores/{id}/publish"),
    )
    .await
    .unwrap();
    assert_eq!(published.status().as_u16(), 200);
    let body: Value = published.json().await.unwrap();
    assert_eq!(body["trait_score"]["published"], true);

    let not_mine = send(reqwest::Method::DELETE, "/trait_scores/1".into())
        .await
        .unwrap();
    assert_eq!(
        not_mine.status().as_u16(),
        401,
        "seeded records belong to someone else"
    );
    let gone = send(reqwest::Method::DELETE, format!("/trait_scores/{id}"))
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 204);
    let (status, body) = get(&format!("{url}/trait_scores/{id}"), Some(API_KEY)).await;
    assert_eq!((status, body["reason"].is_string()), (404, true));
    let again = send(reqwest::Method::DELETE, format!("/trait_scores/{id}"))
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 404);
    mock.stop().await;
}

/// Each fault shows on the wire: the mock with it breaks the contract the way its
/// description says, and the same request to a clean mock does not.
mod faults {
    use super::*;
    use assay::mock::Fault;

    async fn with(fault: Fault, records: usize) -> assay::mock::Running {
        let config = Config {
            records,
            faults: vec![fault],
            ..Config::default()
        };
        start(bip(), &config).await.unwrap()
    }

    async fn lines(mock: &assay::mock::Running, query: &str) -> (u16, Value) {
        get(
            &format!("{}/api/v1/plant_lines{query}", mock.url()),
            Some(API_KEY),
        )
        .await
    }

    fn ids(body: &Value) -> Vec<i64> {
        body["plant_lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["id"].as_i64())
            .collect()
    }

    #[tokio::test]
    async fn item_faults() {
        let m = with(Fault::DropRequiredField, 10).await;
        let (_, b) = lines(&m, "/1").await;
        assert!(b["plant_line"].get("id").is_none(), "{b}");
        let m = with(Fault::WrongFieldType, 10).await;
        let (_, b) = lines(&m, "/1").await;
        assert!(b["plant_line"]["plant_line_name"].is_number(), "{b}");
        let m = with(Fault::OkForUnknownId, 10).await;
        assert_eq!(lines(&m, "/99999").await.0, 200);
        let m = with(Fault::WrongErrorBody, 10).await;
        let (status, b) = lines(&m, "/99999").await;
        assert_eq!(status, 404);
        assert!(b.get("reason").is_none() && b.get("error").is_some(), "{b}");
    }

    #[tokio::test]
    async fn paging_faults() {
        let m = with(Fault::IgnorePageSize, 120).await;
        assert_eq!(ids(&lines(&m, "?per_page=5").await.1).len(), 50);
        let m = with(Fault::IgnoreMaxPageSize, 450).await;
        assert_eq!(ids(&lines(&m, "?per_page=300").await.1).len(), 300);
        let m = with(Fault::OffByOnePages, 50).await;
        assert_eq!(ids(&lines(&m, "?per_page=10&page=1").await.1)[0], 11);
        let m = with(Fault::DuplicateAcrossPages, 50).await;
        assert_eq!(ids(&lines(&m, "?per_page=10&page=2").await.1)[0], 10);
        let m = with(Fault::WrongTotalCount, 50).await;
        assert_eq!(lines(&m, "").await.1["meta"]["total_count"], 51);
        let m = with(Fault::UnstableOrder, 50).await;
        let first = ids(&lines(&m, "?per_page=5").await.1);
        let second = ids(&lines(&m, "?per_page=5").await.1);
        assert_ne!(first, second);
        let m = with(Fault::ServerErrorOnBadParam, 50).await;
        assert_eq!(lines(&m, "?per_page=foo").await.0, 500);
        let clean = start(bip(), &Config::default()).await.unwrap();
        assert_eq!(
            lines(&clean, "?per_page=foo").await.0,
            200,
            "bip documents no answer: the default stands"
        );
    }

    #[tokio::test]
    async fn filter_and_auth_faults() {
        let m = with(Fault::IgnoreFilter, 30).await;
        let (_, b) = lines(&m, "?plant_line%5Bquery%5D%5Bid%5D=3").await;
        assert_eq!(ids(&b).len(), 30);
        let m = with(Fault::AuthNotEnforced, 10).await;
        let (status, _) = get(&format!("{}/api/v1/plant_lines", m.url()), None).await;
        assert_eq!(status, 200);
        let m = with(Fault::WrongContentType, 10).await;
        let resp = client()
            .get(format!("{}/api/v1/plant_lines", m.url()))
            .header("X-BIP-Api-Key", API_KEY)
            .send()
            .await
            .unwrap();
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }

    #[tokio::test]
    async fn write_faults() {
        for (fault, body) in [
            (
                Fault::AcceptUnknownAttribute,
                serde_json::json!({"score_value": "1", "plant_scoring_unit_id": 1, "trait_descriptor_id": 1, "priner": 2}),
            ),
            (
                Fault::AcceptMissingRequired,
                serde_json::json!({"plant_scoring_unit_id": 1, "trait_descriptor_id": 1}),
            ),
            (
                Fault::ReadonlyWritable,
                serde_json::json!({"score_value": "1", "plant_scoring_unit_id": 1, "trait_descriptor_id": 1, "published_on": "2020-01-01T00:00:00Z"}),
            ),
        ] {
            let m = with(fault, 10).await;
            let resp = client()
                .post(format!("{}/api/v1/trait_scores", m.url()))
                .header("X-BIP-Api-Key", API_KEY)
                .json(&serde_json::json!({"trait_score": body}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status().as_u16(), 201, "{fault}");
        }
    }

    #[tokio::test]
    async fn connection_faults() {
        let m = with(Fault::Slow, 5).await;
        let t = std::time::Instant::now();
        lines(&m, "").await;
        assert!(t.elapsed() >= std::time::Duration::from_secs(2));
        let m = with(Fault::Reset, 5).await;
        let resp = client()
            .get(format!("{}/api/v1/plant_lines", m.url()))
            .header("X-BIP-Api-Key", API_KEY)
            .send()
            .await;
        let body = match resp {
            Ok(r) => r.text().await.map(|_| ()),
            Err(e) => Err(e),
        };
        assert!(body.is_err(), "the body is cut off");
    }

    #[tokio::test]
    async fn link_faults() {
        let config = Config {
            faults: vec![Fault::BrokenLinks],
            ..Config::default()
        };
        let m = start(load("gentar"), &config).await.unwrap();
        let c = client();
        let token = gentar_token(&c, &m.url()).await;
        let body: Value = c
            .get(format!("{}/api/projects", m.url()))
            .header(
                "Authorization",
                format!("Bearer {}", token["accessToken"].as_str().unwrap()),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let first = &body["_embedded"]["projects"][0];
        let href = first["_links"]["self"]["href"].as_str().unwrap_or("");
        assert!(href.contains("999999999"), "{first}");
    }
}

#[tokio::test]
async fn gentar_updates_leave_history_and_run_transitions() {
    let mock = start(load("gentar"), &Config::default()).await.unwrap();
    let url = mock.url();
    let c = client();
    let token = gentar_token(&c, &url).await;
    let auth = format!("Bearer {}", token["accessToken"].as_str().unwrap());
    let plan_url = format!("{url}/api/plans/PIN:0000000001");
    let plan: Value = c
        .get(&plan_url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        plan["statusTransition"]["currentStatus"], "Founder Obtained",
        "the document's own plan"
    );

    let mut change = plan.clone();
    change["comment"] = serde_json::json!("changed by assay");
    change["statusTransition"]["actionToExecute"] = serde_json::json!("abortWhenFounderObtained");
    let resp = c
        .put(&plan_url)
        .header("Authorization", &auth)
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let body: Value = resp.json().await.unwrap();
    let details = body["history"][0]["details"].as_array().unwrap();
    let fields: Vec<&str> = details
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"comment"), "{body}");
    assert!(fields.contains(&"statusTransition.currentStatus"), "{body}");
    let comment = details.iter().find(|d| d["field"] == "comment").unwrap();
    assert_eq!(comment["newValue"], "changed by assay");
    assert_eq!(comment["note"], "Field changed");
    assert!(
        body["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/api/plans/PIN:0000000001")
    );

    let after: Value = c
        .get(&plan_url)
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["statusTransition"]["currentStatus"],
        "Attempt Aborted"
    );
    assert_eq!(after["comment"], "changed by assay");
    let history: Value = c
        .get(format!("{plan_url}/history"))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        history.as_array().unwrap().len(),
        2,
        "creation, then the update: {history}"
    );

    let mut bad = after.clone();
    bad["statusTransition"]["actionToExecute"] = serde_json::json!("abortWhenFounderObtained");
    let refused = c
        .put(&plan_url)
        .header("Authorization", &auth)
        .json(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 400, "no longer offered");
    mock.stop().await;
}

/// A hundred thousand records per resource: served page by page, the last one
/// included, and fetched by id (records are computed on demand, not stored).
#[tokio::test]
async fn bip_serves_a_hundred_thousand_records() {
    let config = Config {
        records: 100_000,
        ..Config::default()
    };
    let mock = start(bip(), &config).await.unwrap();
    let base = format!("{}/api/v1/trait_scores", mock.url());
    let (status, body) = get(&format!("{base}?per_page=200&page=500"), Some(API_KEY)).await;
    assert_eq!(status, 200);
    let items = body["trait_scores"].as_array().unwrap();
    assert_eq!(items.len(), 200);
    assert_eq!(items[199]["id"], 100_000);
    assert_eq!(body["meta"]["total_count"], 100_000);
    let psu = items[0]["plant_scoring_unit_id"].clone();
    let (status, unit) = get(
        &format!("{}/api/v1/plant_scoring_units/{psu}", mock.url()),
        Some(API_KEY),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        unit["plant_scoring_unit"]["trait_score_ids"]
            .as_array()
            .unwrap()
            .contains(&items[0]["id"])
    );
    mock.stop().await;
}

#[tokio::test]
async fn solr_filter_queries_and_start_rows() {
    let mock = start(
        load("impc_images"),
        &Config {
            records: 60,
            ..Config::default()
        },
    )
    .await
    .unwrap();
    let base = format!("{}/solr/impc_images/select", mock.url());
    let (status, all) = get(&format!("{base}?q=*:*&rows=100"), None).await;
    assert_eq!(status, 200);
    assert_eq!(all["response"]["numFound"], 60);
    let sex = all["response"]["docs"][5]["sex"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, some) = get(
        &format!("{base}?q=*:*&rows=100&fq=sex:{}", sex.replace(' ', "%20")),
        None,
    )
    .await;
    let docs = some["response"]["docs"].as_array().unwrap();
    assert!(
        !docs.is_empty() && docs.iter().all(|d| d["sex"] == sex.as_str()),
        "{some}"
    );
    assert_eq!(some["response"]["numFound"], docs.len());
    let (_, by_q) = get(
        &format!("{base}?rows=100&q=sex:{}", sex.replace(' ', "%20")),
        None,
    )
    .await;
    assert_eq!(
        by_q["response"]["docs"], some["response"]["docs"],
        "q takes the same field:value form"
    );
    let (_, page) = get(&format!("{base}?start=50&rows=20"), None).await;
    assert_eq!(page["response"]["docs"].as_array().unwrap().len(), 10);
    assert_eq!(page["response"]["start"], 50);
    mock.stop().await;
}

#[tokio::test]
async fn gentar_comma_lists_are_unions() {
    let mock = start(load("gentar"), &Config::default()).await.unwrap();
    let c = client();
    let token = gentar_token(&c, &mock.url()).await;
    let auth = format!("Bearer {}", token["accessToken"].as_str().unwrap());
    let fetch = |q: &'static str| {
        c.get(format!("{}/api/projects?size=200&{q}", mock.url()))
            .header("Authorization", &auth)
            .send()
    };
    let count = |v: &Value| v["_embedded"]["projects"].as_array().map_or(0, Vec::len);
    let public: Value = fetch("privacyName=public")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let restricted: Value = fetch("privacyName=restricted")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let both: Value = fetch("privacyName=public,restricted")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(count(&public) > 0 && count(&restricted) > 0);
    assert_eq!(count(&both), count(&public) + count(&restricted));
    assert!(
        both["_embedded"]["projects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["privacyName"] != "protected")
    );
    mock.stop().await;
}

async fn omero_session(url: &str) -> (reqwest::Client, String) {
    let c = client();
    let resp = c.get(format!("{url}/api/v0/token/")).send().await.unwrap();
    let token: Value = resp.json().await.unwrap();
    let token = token["data"].as_str().unwrap().to_string();
    let login = c
        .post(format!("{url}/api/v0/login/"))
        .header("X-CSRFToken", &token)
        .form(&[
            ("server", "1"),
            ("username", assay::mock::USERNAME),
            ("password", assay::mock::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let session = set_cookie(&login, "sessionid").unwrap();
    (c, format!("sessionid={session}"))
}

#[tokio::test]
async fn omero_children_by_path_and_by_filter_agree() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let (c, cookie) = omero_session(&url).await;
    let fetch = |path: String| {
        c.get(format!("{url}{path}"))
            .header("Cookie", &cookie)
            .send()
    };
    let projects: Value = fetch("/api/v0/m/projects/".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut seen = 0;
    for p in projects["data"].as_array().unwrap().iter().take(10) {
        let id = &p["@id"];
        let nested: Value = fetch(format!("/api/v0/m/projects/{id}/datasets/"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let filtered: Value = fetch(format!("/api/v0/m/datasets/?project={id}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(nested["data"], filtered["data"], "project {id}");
        assert_eq!(
            nested["meta"]["totalCount"],
            nested["data"].as_array().unwrap().len()
        );
        seen += nested["data"].as_array().unwrap().len();
    }
    assert!(seen > 0, "projects have datasets");
    let all: Value = fetch("/api/v0/m/datasets/".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        all["meta"]["totalCount"].as_u64().unwrap() > seen as u64,
        "the filter narrows"
    );
    mock.stop().await;
}

/// Signs in to a gentar mock; the sign-in body, token and all.
async fn gentar_token(c: &reqwest::Client, url: &str) -> Value {
    c.post(format!("{url}/auth/signin"))
        .json(&serde_json::json!({"userName": assay::mock::USERNAME, "password": assay::mock::PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// What a client of each spec sends to be let in, against a running mock.
async fn credentials(spec: &assay::spec::Spec, url: &str) -> Vec<(String, String)> {
    use assay::spec::Auth;
    let c = client();
    match &spec.auth {
        Auth::None { .. } => vec![],
        Auth::ApiKeyHeader { header, .. } => vec![(header.clone(), API_KEY.into())],
        Auth::BearerSignin { .. } => {
            let token = gentar_token(&c, url).await;
            vec![(
                "Authorization".into(),
                format!("Bearer {}", token["accessToken"].as_str().unwrap()),
            )]
        }
        Auth::CsrfSession { .. } => {
            let (_, cookie) = omero_session(url).await;
            vec![("Cookie".into(), cookie)]
        }
    }
}

/// Every list of every spec's mock, as served, validates against the list schema
/// the spec generates; so does every item fetched by the id the list gives.
#[tokio::test]
async fn every_mock_list_and_item_validates_against_its_schema() {
    for name in spec_names() {
        let spec = load(&name);
        let mock = start(
            spec.clone(),
            &Config {
                records: 25,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        let url = mock.url();
        let headers = credentials(&spec, &url).await;
        let schemas = assay::schema::generate(&spec);
        let c = client();
        let send = |path: String| {
            let mut r = c.get(format!("{url}{path}"));
            for (k, v) in &headers {
                r = r.header(k, v);
            }
            r.send()
        };
        for op in spec
            .operations
            .iter()
            .filter(|o| o.kind == assay::spec::OperationKind::List && !o.path.contains('{'))
        {
            let Some(r) = op.resource.as_deref().and_then(|r| spec.resource(r)) else {
                continue;
            };
            let Some(list_schema) = schemas
                .iter()
                .find(|s| s.name == format!("{}.list", r.name))
            else {
                continue;
            };
            let fixed: Vec<String> = op
                .params
                .iter()
                .filter_map(|p| Some(format!("{}={}", p.name, p.value.as_deref()?)))
                .collect();
            let path = format!("{}?{}", op.path, fixed.join("&"));
            let resp = send(path.clone()).await.unwrap();
            assert_eq!(resp.status().as_u16(), 200, "{name} {path}");
            let body: Value = resp.json().await.unwrap();
            let v = assay::schema::Validator::new(&list_schema.name, &list_schema.schema).unwrap();
            let bad = v.violations(&body);
            assert!(
                bad.is_empty(),
                "{name} {path}: {:?}",
                &bad[..bad.len().min(3)]
            );
            // Each listed item by its id, where the spec has a get.
            let Some(get) = spec.operations.iter().find(|o| {
                o.kind == assay::spec::OperationKind::Get
                    && o.resource.as_deref() == Some(r.name.as_str())
                    && o.path.matches('{').count() == 1
            }) else {
                continue;
            };
            let item_schema = schemas.iter().find(|s| s.name == r.name).unwrap();
            let v = assay::schema::Validator::new(&item_schema.name, &item_schema.schema).unwrap();
            let items = body
                .pointer(
                    &op.items_pointer
                        .clone()
                        .unwrap_or_else(|| r.pointer(&spec.envelope.list)),
                )
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for item in items.iter().take(3) {
                let id_field = r.id_field.as_deref().unwrap_or("id");
                let id = match id_field.split('.').try_fold(item, |v, k| v.get(k)) {
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => panic!("{name}: a listed {} has no {id_field}", r.name),
                };
                let at = get.path.split('{').next().unwrap().to_string()
                    + &id
                    + get.path.rsplit('}').next().unwrap();
                let resp = send(at.clone()).await.unwrap();
                assert_eq!(resp.status().as_u16(), 200, "{name} {at}");
                let one: Value = resp.json().await.unwrap();
                let bad = v.violations(&one);
                assert!(
                    bad.is_empty(),
                    "{name} {at}: {:?}",
                    &bad[..bad.len().min(3)]
                );
            }
        }
        mock.stop().await;
    }
}

#[tokio::test]
async fn omero_child_counts_only_when_asked() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let (c, cookie) = omero_session(&url).await;
    let fetch = |q: &'static str| {
        c.get(format!("{url}/api/v0/m/projects/{q}"))
            .header("Cookie", &cookie)
            .send()
    };
    let plain: Value = fetch("").await.unwrap().json().await.unwrap();
    assert!(
        plain["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("omero:childCount").is_none())
    );
    let counted: Value = fetch("?childCount=true")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = &plain["data"][1]["@id"];
    let one = c
        .get(format!("{url}/api/v0/m/projects/{id}/"))
        .header("Cookie", &cookie)
        .send();
    let one: Value = one.await.unwrap().json().await.unwrap();
    assert!(
        one["data"].get("omero:childCount").is_none(),
        "a single project too: {one}"
    );
    assert!(
        counted["data"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .all(|p| p["omero:childCount"].is_number()),
        "{counted}"
    );
    mock.stop().await;
}

#[tokio::test]
async fn omero_orphans_are_what_clients_saved_outside_containers() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let c = client();
    let token: Value = c
        .get(format!("{url}/api/v0/token/"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["data"].as_str().unwrap().to_string();
    let login = c
        .post(format!("{url}/api/v0/login/"))
        .header("X-CSRFToken", &token)
        .form(&[
            ("server", "1"),
            ("username", assay::mock::USERNAME),
            ("password", assay::mock::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookie = format!("sessionid={}", set_cookie(&login, "sessionid").unwrap());
    let orphans = || {
        c.get(format!("{url}/api/v0/m/datasets/?orphaned=true"))
            .header("Cookie", &cookie)
            .send()
    };
    let none: Value = orphans().await.unwrap().json().await.unwrap();
    assert_eq!(
        none["data"],
        serde_json::json!([]),
        "seeded datasets all sit in projects"
    );
    let saved = c
        .post(format!("{url}/api/v0/m/save/?group=1"))
        .header("Cookie", &cookie)
        .header("X-CSRFToken", &token)
        .json(&serde_json::json!({"@type": "http://www.openmicroscopy.org/Schemas/OME/2016-06#Dataset", "Name": "loose"}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status().as_u16(), 201);
    let one: Value = orphans().await.unwrap().json().await.unwrap();
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    assert_eq!(one["data"][0]["Name"], "loose");
    mock.stop().await;
}

#[tokio::test]
async fn gentar_sorts_both_ways() {
    let mock = start(load("gentar"), &Config::default()).await.unwrap();
    let c = client();
    let token = gentar_token(&c, &mock.url()).await;
    let auth = format!("Bearer {}", token["accessToken"].as_str().unwrap());
    for (dir, want) in [
        ("ASC", std::cmp::Ordering::Less),
        ("DESC", std::cmp::Ordering::Greater),
    ] {
        let body: Value = c
            .get(format!(
                "{}/api/projects?size=50&sort=tpn,{dir}",
                mock.url()
            ))
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let tpns: Vec<&str> = body["_embedded"]["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["tpn"].as_str().unwrap())
            .collect();
        assert!(tpns.len() > 2);
        assert!(
            tpns.windows(2).all(|w| w[0].cmp(w[1]) == want),
            "{dir}: {tpns:?}"
        );
    }
    let unsorted = Config {
        faults: vec![assay::mock::Fault::IgnoreSort],
        ..Config::default()
    };
    let faulty = start(load("gentar"), &unsorted).await.unwrap();
    let token = gentar_token(&c, &faulty.url()).await;
    let body: Value = c
        .get(format!(
            "{}/api/projects?size=50&sort=tpn,DESC",
            faulty.url()
        ))
        .header(
            "Authorization",
            format!("Bearer {}", token["accessToken"].as_str().unwrap()),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = body["_embedded"]["projects"][0]["tpn"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        first, "TPN:000000001",
        "the fault leaves the order as it was"
    );
    mock.stop().await;
}

#[tokio::test]
async fn omero_normalize_gathers_owners_and_groups() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let (c, cookie) = omero_session(&url).await;
    let body: Value = c
        .get(format!("{url}/api/v0/m/projects/?normalize=true"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let owners = body["experimenters"]
        .as_array()
        .expect("experimenters at the top");
    assert!(
        !owners.is_empty() && body["experimenterGroups"].is_array(),
        "{body}"
    );
    for p in body["data"].as_array().unwrap() {
        assert!(p["omero:details"].get("owner").is_none(), "moved out: {p}");
    }
    let plain: Value = c
        .get(format!("{url}/api/v0/m/projects/"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(plain.get("experimenters").is_none());
    mock.stop().await;
}

/// Published data can be revoked or deleted only within the window the document
/// gives (a week; shortened here), then it is permanent: 403.
#[tokio::test]
async fn bip_published_data_becomes_permanent() {
    let config = Config {
        revocable: Some(std::time::Duration::from_millis(300)),
        ..Config::default()
    };
    let mock = start(bip(), &config).await.unwrap();
    let url = format!("{}/api/v1", mock.url());
    let c = client();
    let created: Value = c
        .post(format!("{url}/primers"))
        .header("X-BIP-Api-Key", API_KEY)
        .json(&serde_json::json!({"primer": {"primer": "pr1", "sequence": "GTCA"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["primer"]["id"].as_i64().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let send = |m: reqwest::Method, path: String| {
        c.request(m, format!("{url}{path}"))
            .header("X-BIP-Api-Key", API_KEY)
            .send()
    };
    let revoke = send(reqwest::Method::PATCH, format!("/primers/{id}/revoke"))
        .await
        .unwrap();
    assert_eq!(revoke.status().as_u16(), 403);
    let delete = send(reqwest::Method::DELETE, format!("/primers/{id}"))
        .await
        .unwrap();
    assert_eq!(delete.status().as_u16(), 403);
    let body: Value = delete.json().await.unwrap();
    assert!(
        body["reason"].as_str().unwrap().contains("irrevocable"),
        "{body}"
    );
    mock.stop().await;
}

/// Every link a mock hands out in its lists (HAL `_links.*.href`, OMERO `url:*`)
/// answers 200 from the same mock.
#[tokio::test]
async fn every_link_in_a_mock_list_resolves() {
    fn links(v: &Value, prefix: Option<&str>, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    let is_link = k == "href" || prefix.is_some_and(|p| k.starts_with(p));
                    match child {
                        Value::String(s) if is_link && s.starts_with("http") => out.push(s.clone()),
                        other => links(other, prefix, out),
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| links(x, prefix, out)),
            _ => {}
        }
    }
    for name in ["gentar", "omero"] {
        let spec = load(name);
        let mock = start(
            spec.clone(),
            &Config {
                records: 10,
                ..Config::default()
            },
        )
        .await
        .unwrap();
        let url = mock.url();
        let headers = credentials(&spec, &url).await;
        let c = client();
        let get = |u: String| {
            let mut r = c.get(u);
            for (k, v) in &headers {
                r = r.header(k, v);
            }
            r.send()
        };
        let mut found = Vec::new();
        for op in spec
            .operations
            .iter()
            .filter(|o| o.kind == assay::spec::OperationKind::List && !o.path.contains('{'))
        {
            let body: Value = get(format!("{url}{}", op.path))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            links(
                &body,
                spec.representation.link_prefix.as_deref(),
                &mut found,
            );
        }
        found.sort();
        found.dedup();
        assert!(found.len() > 10, "{name}: links found: {found:?}");
        for link in found.iter().filter(|l| l.starts_with(&url)) {
            let status = get(link.clone()).await.unwrap().status().as_u16();
            assert_eq!(status, 200, "{name}: {link}");
        }
        mock.stop().await;
    }
}
