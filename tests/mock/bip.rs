//! The bip mock: paging, errors, filters, writes and their rules, scale.

use serde_json::Value;

use super::*;

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
    // A value of another type than the table's is not kept, to be served back
    // against the document (Schemathesis found it was).
    let r = refused(post(serde_json::json!({"trait_score": {"score_value": {"a": 1}, "plant_scoring_unit_id": 1, "trait_descriptor_id": 1}})).await.unwrap()).await;
    assert_eq!(r, (422, "score_value".to_string()));

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
    // `published` is sent, never shown: no table of bip.txt lists it.
    let body: Value = published.json().await.unwrap();
    assert!(body["trait_score"].get("published").is_none(), "{body}");
    assert_eq!(body["trait_score"]["id"], id);

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
