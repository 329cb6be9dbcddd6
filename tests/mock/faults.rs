//! Each fault shows on the wire: the mock with it breaks the contract the way its
//! description says, and the same request to a clean mock does not.

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
    let body: Value = json_get(
        &c,
        format!("{}/api/projects", m.url()),
        (
            "Authorization",
            &format!("Bearer {}", token["accessToken"].as_str().unwrap()),
        ),
    )
    .await;
    let first = &body["_embedded"]["projects"][0];
    let href = first["_links"]["self"]["href"].as_str().unwrap_or("");
    assert!(href.contains("999999999"), "{first}");
}
