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
