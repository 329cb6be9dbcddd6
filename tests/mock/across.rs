//! Every spec's mock: records validate and links resolve; seeds; Solr.

use serde_json::Value;

use super::*;

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

#[tokio::test]
async fn a_method_no_operation_has_answers_405_with_allow() {
    let mock = start(load("impc_images"), &Config::default())
        .await
        .unwrap();
    let c = client();
    let trace = reqwest::Method::from_bytes(b"TRACE").unwrap();
    let r = c
        .request(
            trace.clone(),
            format!("{}/solr/impc_images/select", mock.url()),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    let r = c
        .request(trace, format!("{}/nowhere", mock.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    mock.stop().await;
}
