//! Authentication as each scheme of the model works: an API key header, a sign-in
//! endpoint issuing signed bearer tokens that expire, or a CSRF token plus a session
//! cookie from a login form.
//!
//! Tokens are signed with a per-server secret (SipHash, keyed): enough for a mock to
//! tell its own unexpired tokens from tampered, expired or foreign ones; not meant to
//! protect anything.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::pointer::set;
use super::serve::{Request, error, json_response};
use crate::spec::{Auth, Operation, Spec};

/// Credentials the mock accepts, and the state of its sign-ins.
pub struct Gate {
    pub api_key: String,
    pub username: String,
    pub password: String,
    pub token_lifetime: Duration,
    secret: std::hash::RandomState,
    csrf_tokens: Mutex<HashSet<String>>,
    sessions: Mutex<HashSet<String>>,
    counter: Mutex<u64>,
}

impl Gate {
    pub fn new(api_key: &str, username: &str, password: &str, token_lifetime: Duration) -> Self {
        Gate {
            api_key: api_key.into(),
            username: username.into(),
            password: password.into(),
            token_lifetime,
            secret: std::hash::RandomState::new(),
            csrf_tokens: Mutex::new(HashSet::new()),
            sessions: Mutex::new(HashSet::new()),
            counter: Mutex::new(0),
        }
    }

    fn sign(&self, payload: &str) -> String {
        let mut h = self.secret.build_hasher();
        h.write(payload.as_bytes());
        format!("{:016x}", h.finish())
    }

    fn fresh(&self, prefix: &str) -> String {
        let mut n = self.counter.lock().expect("never poisoned");
        *n += 1;
        let id = format!("{prefix}{}", *n);
        let sig = self.sign(&id);
        format!("{id}{sig}")
    }

    /// A bearer token for the user, valid for the configured lifetime. Shaped like
    /// a JWT (three dot-separated parts) so clients that peek at it are not thrown.
    pub fn issue_token(&self) -> String {
        // Expiry in whole milliseconds: the payload's parts are split on dots.
        let exp = ((now_secs() + self.token_lifetime.as_secs_f64()) * 1000.0) as u64;
        let payload = format!("{}.{exp}", hex(&self.username));
        format!("assay.{payload}.{}", self.sign(&payload))
    }

    /// A token this mock signed that expired a minute ago: what a client holds
    /// after the lifetime has passed, for testing the refusal without waiting.
    pub fn issue_expired(&self) -> String {
        let exp = ((now_secs() - 60.0).max(0.0) * 1000.0) as u64;
        let payload = format!("{}.{exp}", hex(&self.username));
        format!("assay.{payload}.{}", self.sign(&payload))
    }

    /// Whether a token is one this mock issued and has not expired.
    pub fn token_valid(&self, token: &str) -> bool {
        let mut parts = token.rsplitn(2, '.');
        let (Some(sig), Some(rest)) = (parts.next(), parts.next()) else {
            return false;
        };
        let Some(payload) = rest.strip_prefix("assay.") else {
            return false;
        };
        if self.sign(payload) != sig {
            return false;
        }
        payload
            .rsplit_once('.')
            .and_then(|(_, exp)| exp.parse::<u64>().ok())
            .is_some_and(|exp| exp as f64 > now_secs() * 1000.0)
    }

    pub fn issue_csrf(&self) -> String {
        let t = self.fresh("csrf");
        self.csrf_tokens
            .lock()
            .expect("never poisoned")
            .insert(t.clone());
        t
    }

    pub fn csrf_valid(&self, token: &str) -> bool {
        self.csrf_tokens
            .lock()
            .expect("never poisoned")
            .contains(token)
    }

    pub fn open_session(&self) -> String {
        let s = self.fresh("session");
        self.sessions
            .lock()
            .expect("never poisoned")
            .insert(s.clone());
        s
    }

    pub fn session_valid(&self, id: &str) -> bool {
        self.sessions.lock().expect("never poisoned").contains(id)
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The value of a cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Answers the endpoints of the auth scheme itself: sign-in, CSRF token, login.
pub fn endpoint(spec: &Spec, gate: &Gate, op: &Operation, req: &Request) -> Option<Response> {
    match &spec.auth {
        Auth::BearerSignin {
            signin_path,
            username_field,
            password_field,
            token_pointer,
            rejected,
            ..
        } if op.path == *signin_path => {
            let fields = req.fields();
            let given = |name: &str| {
                fields
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
            };
            if given(username_field) != Some(&gate.username)
                || given(password_field) != Some(&gate.password)
            {
                return Some(error(
                    spec,
                    rejected.status,
                    "Invalid user name or password",
                ));
            }
            let mut body = super::data::sample_body(&op.response_fields);
            if body.get(username_field).is_some() {
                body[username_field] = json!(gate.username);
            }
            set(&mut body, token_pointer, json!(gate.issue_token()));
            Some(json_response(spec, 200, body))
        }
        Auth::CsrfSession {
            token_path,
            token_pointer,
            cookie,
            ..
        } if op.path == *token_path => {
            let token = gate.issue_csrf();
            let mut body = Value::Null;
            set(&mut body, token_pointer, json!(token));
            let mut r = json_response(spec, 200, body);
            set_cookie(&mut r, cookie, &token);
            Some(r)
        }
        Auth::CsrfSession {
            login_path,
            login_params,
            ..
        } if op.path == *login_path => {
            if !csrf_ok(spec, gate, req) {
                return Some(error(spec, 403, "CSRF verification failed"));
            }
            let fields = req.fields();
            // The login form names its user and password fields; find them by name.
            let named = |part: &str| {
                login_params
                    .iter()
                    .find(|p| p.name.to_lowercase().contains(part))
                    .and_then(|p| fields.iter().find(|(k, _)| *k == p.name))
                    .map(|(_, v)| v.as_str())
            };
            if named("user") != Some(&gate.username) || named("pass") != Some(&gate.password) {
                return Some(error(spec, 403, "Invalid user name or password"));
            }
            let session = gate.open_session();
            let body = super::data::sample_body(&op.response_fields);
            let mut r = json_response(spec, 200, body);
            set_cookie(&mut r, SESSION_COOKIE, &session);
            Some(r)
        }
        _ => None,
    }
}

/// The cookie a login sets; Django's name, which OMERO.web keeps.
pub const SESSION_COOKIE: &str = "sessionid";

fn set_cookie(r: &mut Response, name: &str, value: &str) {
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly")) {
        r.headers_mut().append(axum::http::header::SET_COOKIE, v);
    }
}

fn csrf_ok(spec: &Spec, gate: &Gate, req: &Request) -> bool {
    let Auth::CsrfSession {
        header, form_field, ..
    } = &spec.auth
    else {
        return true;
    };
    let from_header = req
        .headers
        .get(header.as_str())
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let from_form = req
        .fields()
        .into_iter()
        .find(|(k, _)| k == form_field)
        .map(|(_, v)| v);
    from_header
        .or(from_form)
        .is_some_and(|t| gate.csrf_valid(&t))
}

/// `None` when the request may proceed; otherwise the documented rejection.
pub fn check(spec: &Spec, gate: &Gate, op: &Operation, req: &Request) -> Option<Response> {
    if !op.auth {
        return None;
    }
    match &spec.auth {
        Auth::None { .. } => None,
        Auth::ApiKeyHeader {
            header, rejected, ..
        } => {
            let given = req
                .headers
                .get(header.as_str())
                .and_then(|v| v.to_str().ok());
            (given != Some(gate.api_key.as_str())).then(|| {
                let status = rejected.as_ref().map_or(401, |r| r.status);
                error(spec, status, "Invalid or missing API key")
            })
        }
        Auth::BearerSignin {
            header,
            prefix,
            rejected,
            ..
        } => {
            let given = req
                .headers
                .get(header.as_str())
                .and_then(|v| v.to_str().ok());
            let token = given.and_then(|v| strip_prefix_ignore_case(v, prefix.trim()));
            (!token.is_some_and(|t| gate.token_valid(t.trim()))).then(|| {
                error(
                    spec,
                    rejected.status,
                    "Full authentication is required to access this resource",
                )
            })
        }
        Auth::CsrfSession {
            protected_methods, ..
        } => {
            let session = cookie(req.headers, SESSION_COOKIE);
            if !session.is_some_and(|s| gate.session_valid(&s)) {
                return Some(error(spec, 403, "Not logged in"));
            }
            (protected_methods.contains(&req.method) && !csrf_ok(spec, gate, req))
                .then(|| error(spec, 403, "CSRF verification failed"))
        }
    }
}

fn strip_prefix_ignore_case<'v>(value: &'v str, prefix: &str) -> Option<&'v str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_resist_tampering() {
        let gate = Gate::new("k", "u", "p", Duration::from_secs(60));
        let t = gate.issue_token();
        assert!(gate.token_valid(&t));
        assert!(!gate.token_valid(&t.replace("assay.", "assay.7")));
        assert!(!gate.token_valid("assay.x.1.0000"));
        let other = Gate::new("k", "u", "p", Duration::from_secs(60));
        assert!(!other.token_valid(&t), "another server's token");
        let short = Gate::new("k", "u", "p", Duration::from_millis(1));
        let t = short.issue_token();
        std::thread::sleep(Duration::from_millis(20));
        assert!(!short.token_valid(&t), "expired");
    }
}
