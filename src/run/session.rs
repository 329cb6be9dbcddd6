//! Credentials and how each auth scheme applies them: an API key header, a bearer
//! token from sign-in (or given), a CSRF token and session cookie from login.
//! Secrets live in `Secret`, whose `Debug` and `Display` print `(redacted)`; the
//! session lists every secret it holds so reports can scrub them from anything a
//! server echoes back.

use std::fmt;

use serde_json::json;

use super::http::{Body, Http, Outgoing, Response};
use crate::generate::Credentials;
use crate::spec::{Auth, Method, Spec};

#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

/// What the user gave: flags or `ASSAY_API_KEY`, `ASSAY_USERNAME`,
/// `ASSAY_PASSWORD`, `ASSAY_TOKEN`.
#[derive(Debug, Clone, Default)]
pub struct Given {
    pub api_key: Option<Secret>,
    pub username: Option<Secret>,
    pub password: Option<Secret>,
    pub token: Option<Secret>,
    /// A token the server issued that has expired, for the expired-token cases.
    pub expired_token: Option<Secret>,
    /// Headers sent with valid credentials besides the scheme's own (`--header`):
    /// for an auth scheme assay cannot perform itself.
    pub headers: Vec<(String, Secret)>,
}

/// Credentials in effect for a run.
#[derive(Debug)]
pub struct Session {
    auth: Auth,
    /// Headers that carry valid credentials; None when none were given.
    valid: Option<Vec<(String, Secret)>>,
    /// The CSRF token to send on protected methods.
    csrf: Option<Secret>,
    given: Given,
    /// Why signing in failed, when the server would not let the runner in.
    pub broken: Option<String>,
}

impl Session {
    /// Signs in where the scheme needs it. A failed sign-in is an error naming the
    /// request; missing credentials are not (cases that need them are skipped).
    pub async fn open(
        spec: &Spec,
        http: &Http,
        base: &reqwest::Url,
        given: Given,
    ) -> Result<Self, String> {
        let mut s = Session {
            auth: spec.auth.clone(),
            valid: None,
            csrf: None,
            given: given.clone(),
            broken: None,
        };
        s.open_scheme(spec, http, base, given).await?;
        if let Some(valid) = &mut s.valid {
            valid.extend(s.given.headers.iter().cloned());
        }
        Ok(s)
    }

    async fn open_scheme(
        &mut self,
        spec: &Spec,
        http: &Http,
        base: &reqwest::Url,
        given: Given,
    ) -> Result<(), String> {
        let s = self;
        match &spec.auth {
            Auth::None { .. } => s.valid = Some(Vec::new()),
            Auth::ApiKeyHeader { header, .. } => {
                s.valid = given.api_key.map(|k| vec![(header.clone(), k)]);
            }
            Auth::BearerSignin {
                signin_path,
                username_field,
                password_field,
                token_pointer,
                header,
                prefix,
                ..
            } => {
                let token = match (&given.token, &given.username, &given.password) {
                    (Some(t), _, _) => Some(t.clone()),
                    (None, Some(u), Some(p)) => {
                        let req = Outgoing {
                            method: Method::Post,
                            url: join(base, signin_path)?,
                            headers: vec![],
                            body: Some(Body::Json(json!({
                                username_field.clone(): u.expose(),
                                password_field.clone(): p.expose(),
                            }))),
                        };
                        let (_, token) = token_from(http, &req, token_pointer, "sign-in").await?;
                        Some(Secret::new(token))
                    }
                    _ => None,
                };
                s.valid = token.map(|t| {
                    vec![(
                        header.clone(),
                        Secret::new(format!("{prefix}{}", t.expose())),
                    )]
                });
            }
            Auth::CsrfSession {
                token_path,
                token_pointer,
                cookie,
                header,
                login_path,
                ..
            } => {
                let (Some(u), Some(p)) = (&given.username, &given.password) else {
                    return Ok(());
                };
                let req = Outgoing {
                    method: Method::Get,
                    url: join(base, token_path)?,
                    headers: vec![],
                    body: None,
                };
                let (resp, token) = token_from(http, &req, token_pointer, "CSRF token").await?;
                let csrf_cookie = set_cookie(&resp, cookie).unwrap_or_else(|| token.clone());
                let login = Outgoing {
                    method: Method::Post,
                    url: join(base, login_path)?,
                    headers: vec![
                        (header.clone(), token.clone()),
                        ("Cookie".into(), format!("{cookie}={csrf_cookie}")),
                    ],
                    body: Some(Body::Form(vec![
                        ("server".into(), "1".into()),
                        ("username".into(), u.expose().into()),
                        ("password".into(), p.expose().into()),
                    ])),
                };
                let resp = http
                    .send(&login)
                    .await
                    .map_err(|e| format!("login {}: {e}", login.line()))?;
                let session = set_cookie(&resp, "sessionid").ok_or_else(|| {
                    format!(
                        "login {} answered {} without a session cookie",
                        login.line(),
                        resp.status
                    )
                })?;
                s.valid = Some(vec![(
                    "Cookie".into(),
                    Secret::new(format!("{cookie}={csrf_cookie}; sessionid={session}")),
                )]);
                s.csrf = Some(Secret::new(token));
            }
        }
        Ok(())
    }

    /// A session whose sign-in failed: cases that need credentials fail with `why`,
    /// the others still run.
    pub fn failed(spec: &Spec, given: Given, why: String) -> Self {
        Session {
            auth: spec.auth.clone(),
            valid: None,
            csrf: None,
            given,
            broken: Some(why),
        }
    }

    /// Whether valid credentials are at hand (always, for an open API).
    pub fn has_valid(&self) -> bool {
        self.valid.is_some()
    }

    /// Whether an expired token was given.
    pub fn has_expired(&self) -> bool {
        self.given.expired_token.is_some()
    }

    /// What to tell the user when they are not.
    pub fn missing(&self) -> &'static str {
        match self.auth {
            Auth::None { .. } => "",
            Auth::ApiKeyHeader { .. } => "no API key given (--api-key or ASSAY_API_KEY)",
            Auth::BearerSignin { .. } => {
                "no token or user name and password given (--token / ASSAY_TOKEN, or --username and --password)"
            }
            Auth::CsrfSession { .. } => {
                "no user name and password given (--username and --password)"
            }
        }
    }

    /// The headers a request carries for the credentials it asks for.
    pub fn headers(&self, mode: Credentials, method: Method) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        match mode {
            Credentials::None => {}
            Credentials::Valid => {
                for (k, v) in self.valid.iter().flatten() {
                    out.push((k.clone(), v.expose().to_string()));
                }
                if let (
                    Auth::CsrfSession {
                        header,
                        protected_methods,
                        ..
                    },
                    Some(t),
                ) = (&self.auth, &self.csrf)
                    && protected_methods.contains(&method)
                {
                    out.push((header.clone(), t.expose().to_string()));
                }
            }
            Credentials::Expired => {
                if let (Auth::BearerSignin { header, prefix, .. }, Some(t)) =
                    (&self.auth, &self.given.expired_token)
                {
                    out.push((header.clone(), format!("{prefix}{}", t.expose())));
                }
            }
            Credentials::Wrong => match &self.auth {
                Auth::None { .. } => {}
                Auth::ApiKeyHeader { header, .. } => {
                    out.push((header.clone(), "assay-wrong-key-0000000000000000".into()))
                }
                Auth::BearerSignin { header, prefix, .. } => {
                    out.push((header.clone(), format!("{prefix}assay.wrong.token")))
                }
                Auth::CsrfSession { .. } => {
                    out.push(("Cookie".into(), "sessionid=assay-wrong-session".into()))
                }
            },
        }
        out
    }

    /// A value the case text names by `{username}` or `{password}`.
    pub fn placeholder(&self, name: &str) -> Option<&Secret> {
        match name {
            "username" => self.given.username.as_ref(),
            "password" => self.given.password.as_ref(),
            _ => None,
        }
    }

    /// Every secret in play, for scrubbing output.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = [
            &self.given.api_key,
            &self.given.password,
            &self.given.token,
            &self.given.expired_token,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.expose().to_string())
        .collect();
        for (_, v) in self.valid.iter().flatten() {
            out.push(v.expose().to_string());
            // The token alone, without its `Bearer ` prefix or cookie name.
            if let Some((_, rest)) = v.expose().split_once(' ') {
                out.push(rest.to_string());
            }
            for part in v.expose().split(';') {
                if let Some((_, value)) = part.split_once('=') {
                    out.push(value.to_string());
                }
            }
        }
        if let Some(t) = &self.csrf {
            out.push(t.expose().to_string());
        }
        out.retain(|s| s.len() >= 4);
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out.dedup();
        out
    }
}

/// Sends a request whose answer carries a token at a pointer: the answer and the
/// token, or why not.
async fn token_from(
    http: &Http,
    req: &Outgoing,
    pointer: &str,
    what: &str,
) -> Result<(Response, String), String> {
    let resp = http
        .send(req)
        .await
        .map_err(|e| format!("{what} {}: {e}", req.line()))?;
    let token = resp
        .json
        .as_ref()
        .ok()
        .and_then(|v| v.pointer(pointer))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| {
            format!(
                "{what} {} answered {} without a token at {pointer}",
                req.line(),
                resp.status
            )
        })?;
    Ok((resp, token))
}

pub fn join(base: &reqwest::Url, path: &str) -> Result<reqwest::Url, String> {
    let mut text = base.as_str().trim_end_matches('/').to_string();
    text.push_str(path);
    reqwest::Url::parse(&text).map_err(|e| format!("cannot form a URL from {base} and {path}: {e}"))
}

fn set_cookie(resp: &Response, name: &str) -> Option<String> {
    resp.all_headers("set-cookie").find_map(|v| {
        v.strip_prefix(&format!("{name}="))
            .map(|r| r.split(';').next().unwrap_or("").to_string())
    })
}
