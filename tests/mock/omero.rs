//! The omero mock: CSRF login and sessions, parents and children, shapes, orphans.

use serde_json::Value;

use super::*;

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
async fn omero_children_by_path_and_by_filter_agree() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let (c, cookie, _) = omero_session(&url).await;
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

#[tokio::test]
async fn omero_child_counts_only_when_asked() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let (c, cookie, _) = omero_session(&url).await;
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
    let (c, cookie, token) = omero_session(&url).await;
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
async fn omero_normalize_gathers_owners_and_groups() {
    let mock = start(load("omero"), &Config::default()).await.unwrap();
    let url = mock.url();
    let (c, cookie, _) = omero_session(&url).await;
    let body: Value = json_get(
        &c,
        format!("{url}/api/v0/m/projects/?normalize=true"),
        ("Cookie", &cookie),
    )
    .await;
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
    let plain: Value = json_get(&c, format!("{url}/api/v0/m/projects/"), ("Cookie", &cookie)).await;
    assert!(plain.get("experimenters").is_none());
    mock.stop().await;
}
