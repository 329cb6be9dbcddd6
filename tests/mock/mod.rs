//! The mock against what its spec says, over real HTTP on a free port.

use serde_json::Value;

use crate::common::*;
use assay::mock::{API_KEY, Config, start};

/// Every spec: records and links, determinism, Solr.
mod across;
/// bip: pages, errors, filters, writes, permanence, scale.
mod bip;
/// Each fault written blind from the documents, shown on the wire, and kept to its API.
mod blind;
/// Each named fault, shown on the wire.
mod faults;
/// gentar: sign-in, history, transitions, comma lists, sorting.
mod gentar;
/// omero: CSRF login, children, shapes, orphans.
mod omero;

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

fn load(name: &str) -> assay::spec::Spec {
    assay::spec::load(&spec_path(name)).unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
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

/// Logs in to an omero mock: the client, the session cookie, the CSRF token.
async fn omero_session(url: &str) -> (reqwest::Client, String, String) {
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
    (c, format!("sessionid={session}"), token)
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
            let (_, cookie, _) = omero_session(url).await;
            vec![("Cookie".into(), cookie)]
        }
    }
}

/// A GET with one header, its body as JSON.
async fn json_get(c: &reqwest::Client, url: impl reqwest::IntoUrl, header: (&str, &str)) -> Value {
    c.get(url)
        .header(header.0, header.1)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
