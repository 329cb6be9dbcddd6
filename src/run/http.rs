//! Sending requests: one reqwest client (rustls), a per-request deadline that
//! covers the whole body, a body size limit, retries with backoff only on 429 and
//! 503, an optional request rate, and redirects followed only on the host the user
//! named. Whatever the server does, the result is a `Response` or a one-line
//! `Transport` error naming the request; nothing here panics or waits forever.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::Mutex;

use crate::spec::Method;

#[derive(Debug, Clone)]
pub struct Limits {
    pub timeout: Duration,
    pub max_body: usize,
    pub retries: u32,
    /// Requests per second, at most.
    pub rate: Option<f64>,
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body as JSON, or why it is not.
    pub json: Result<Value, String>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn all_headers<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The start of the body, for messages: text as is, binary described.
    pub fn excerpt(&self, max: usize) -> String {
        if self.body.is_empty() {
            return "(empty body)".into();
        }
        match std::str::from_utf8(&self.body) {
            Ok(s) => {
                let s = s.trim();
                match s.char_indices().nth(max) {
                    Some((i, _)) => format!("{}…", &s[..i]),
                    None => s.to_string(),
                }
            }
            Err(_) => format!("({} bytes, not UTF-8)", self.body.len()),
        }
    }
}

/// A request as sent: what a report may show of it (never its credentials).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub method: Method,
    pub url: reqwest::Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Raw(String),
    Form(Vec<(String, String)>),
}

impl Outgoing {
    /// `GET /path?query`, for messages.
    pub fn line(&self) -> String {
        let mut target = self.url.path().to_string();
        if let Some(q) = self.url.query() {
            target.push('?');
            target.push_str(q);
        }
        format!("{} {target}", self.method.as_str())
    }
}

pub struct Http {
    client: reqwest::Client,
    limits: Limits,
    next_slot: Mutex<Instant>,
    pub sent: AtomicU64,
}

impl Http {
    /// One client for a run. `host` is the only host redirects may lead to.
    pub fn new(limits: Limits, base: &reqwest::Url, loopback: bool) -> Result<Arc<Self>, String> {
        let origin = (
            base.scheme().to_string(),
            base.host_str().map(str::to_string),
            base.port_or_known_default(),
        );
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            let u = attempt.url();
            let same = (
                u.scheme().to_string(),
                u.host_str().map(str::to_string),
                u.port_or_known_default(),
            ) == origin;
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirects (a redirect loop?)")
            } else if !same {
                // Never follow a server to a host the user did not name.
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("assay/", env!("CARGO_PKG_VERSION")))
            .redirect(policy)
            .connect_timeout(limits.timeout)
            .timeout(limits.timeout)
            .read_timeout(limits.timeout);
        if loopback {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Arc::new(Http {
            client,
            limits,
            next_slot: Mutex::new(Instant::now()),
            sent: AtomicU64::new(0),
        }))
    }

    /// Sends a request, retrying on 429 and 503 with backoff.
    pub async fn send(&self, req: &Outgoing) -> Result<Response, String> {
        let mut attempt = 0;
        loop {
            self.pace().await;
            let result = self.once(req).await;
            match &result {
                // A 503 may come after a write took effect: only reads are asked again
                // then. A 429 was refused before anything happened.
                Ok(r)
                    if (r.status == 429 || (r.status == 503 && req.method == Method::Get))
                        && attempt < self.limits.retries =>
                {
                    let backoff = 200u64.saturating_mul(1 << attempt.min(16));
                    let wait = retry_after(r).unwrap_or(Duration::from_millis(backoff));
                    tokio::time::sleep(wait.min(Duration::from_secs(10))).await;
                    attempt += 1;
                }
                _ => return result,
            }
        }
    }

    async fn pace(&self) {
        let Some(rate) = self.limits.rate.filter(|r| *r > 0.0) else {
            return;
        };
        let slot = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = (*next).max(now);
            *next = slot + Duration::from_secs_f64(1.0 / rate);
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
    }

    async fn once(&self, req: &Outgoing) -> Result<Response, String> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes())
            .expect("HTTP methods are valid");
        let mut builder = self.client.request(method, req.url.clone());
        for (k, v) in &req.headers {
            builder = builder.header(k, v);
        }
        builder = match &req.body {
            None => builder,
            Some(Body::Json(v)) => builder.json(v),
            Some(Body::Raw(s)) => builder
                .header("content-type", "application/json")
                .body(s.clone()),
            Some(Body::Form(f)) => builder.form(f),
        };
        // The client's timeout covers the body; this one also bounds anything else.
        let deadline = self.limits.timeout + Duration::from_secs(1);
        let work = async {
            let mut resp = builder.send().await.map_err(describe)?;
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            if let Some(n) = resp.content_length()
                && n > self.limits.max_body as u64
            {
                return Err(too_big(self.limits.max_body, Some(n)));
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(describe)? {
                if body.len() + chunk.len() > self.limits.max_body {
                    return Err(too_big(self.limits.max_body, None));
                }
                body.extend_from_slice(&chunk);
            }
            let json = if body.is_empty() {
                Err("the body is empty".to_string())
            } else {
                serde_json::from_slice(&body).map_err(|e| format!("the body is not JSON: {e}"))
            };
            Ok(Response {
                status,
                headers,
                body,
                json,
            })
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(r) => r,
            Err(_) => Err(format!(
                "no complete response within {:?}",
                self.limits.timeout
            )),
        }
    }
}

fn too_big(max: usize, announced: Option<u64>) -> String {
    match announced {
        Some(n) => format!("the body would be {n} bytes, over the limit of {max} (--max-body)"),
        None => format!("the body is over the limit of {max} bytes (--max-body)"),
    }
}

fn retry_after(r: &Response) -> Option<Duration> {
    let secs: u64 = r.header("retry-after")?.trim().parse().ok()?;
    Some(Duration::from_secs(secs))
}

/// One line for a transport error: its kind and the deepest cause, which is where
/// hyper says what the server did wrong.
fn describe(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_redirect() {
        "redirect refused"
    } else if e.is_body() || e.is_decode() {
        "the body broke off"
    } else {
        "the request failed"
    };
    let mut cause: &dyn std::error::Error = &e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let cause = cause.to_string();
    // reqwest's own message names the URL, which the case already names.
    format!("{kind}: {cause}")
}
