//! Stage 7, the mock: a stateful deployment of any spec, served by axum on tokio.
//!
//! It is the runner's embedded default target and a stand-in for a server that does
//! not exist yet. Everything it does is read from the spec: routes from operation
//! paths, auth from the auth scheme, envelopes and pagination from their pointers,
//! error bodies from their templates. Records are the document's examples plus
//! generated ones, the same for the same seed.

mod auth;
mod blind;
mod content;
mod data;
mod faults;
mod history;
mod list;
mod pointer;
mod routes;
mod serve;
mod table;
mod write;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::spec::{Auth, Spec};

pub use blind::{Blind, FaultName};
pub use faults::Fault;

/// The credentials a mock accepts unless configured otherwise. They guard nothing
/// but the mock, so printing them is fine.
pub const API_KEY: &str = "assay-mock-key";
pub const USERNAME: &str = "assay";
pub const PASSWORD: &str = "assay-mock-password";

#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Records per resource.
    pub records: usize,
    pub seed: u64,
    /// The API key, user name and password the mock accepts.
    pub api_key: String,
    pub username: String,
    pub password: String,
    /// Lifetime of bearer tokens; the spec's when not given.
    pub token_lifetime: Option<std::time::Duration>,
    /// Ways to break the contract, for showing that checks catch them.
    pub faults: Vec<Fault>,
    /// Faults written blind from the documents; each breaks only the mock of its
    /// own API and changes nothing in the others.
    pub blind: Vec<Blind>,
    /// How long published items stay revocable; the spec's when not given.
    pub revocable: Option<std::time::Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            records: 50,
            seed: 1,
            api_key: API_KEY.into(),
            username: USERNAME.into(),
            password: PASSWORD.into(),
            token_lifetime: None,
            faults: Vec::new(),
            blind: Vec::new(),
            revocable: None,
        }
    }
}

/// A mock serving in the background; dropping it (or `stop`) shuts it down.
pub struct Running {
    pub addr: SocketAddr,
    /// A bearer token the mock issued that has expired, for the auth cases.
    pub expired_token: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// The base URL of the deployment (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting connections and waits for the server to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Starts serving `spec` on the configured address, in the current tokio runtime.
pub async fn start(spec: Spec, config: &Config) -> Result<Running> {
    let mut blind: Vec<Blind> = Vec::new();
    for b in config.blind.iter().filter(|b| b.api() == spec.name) {
        if !blind.contains(b) {
            blind.push(*b);
        }
    }
    let tables = table::tables(&spec, config.records, config.seed);
    let lifetime = config.token_lifetime.unwrap_or_else(|| match &spec.auth {
        Auth::BearerSignin {
            expires_minutes, ..
        } => std::time::Duration::from_secs(u64::from(*expires_minutes) * 60),
        _ => std::time::Duration::from_secs(30 * 60),
    });
    let revocable = config.revocable.or_else(|| {
        let days = spec.visibility.as_ref()?.revocable_days?;
        Some(std::time::Duration::from_secs(u64::from(days) * 24 * 3600))
    });
    let gate = auth::Gate::new(
        &config.api_key,
        &config.username,
        &config.password,
        lifetime,
    );
    let expired_token = gate.issue_expired();
    let state = Arc::new(serve::State {
        gate,
        routes: routes::compile(&spec),
        spec: Arc::new(spec),
        tables: Mutex::new(tables),
        metas: Mutex::new(Default::default()),
        faults: faults::Faults::new(&config.faults),
        requests: Default::default(),
        histories: Mutex::new(Default::default()),
        revocable,
    });
    let app = if blind.is_empty() {
        axum::Router::new()
            .fallback(serve::handle)
            .with_state(state)
    } else {
        let creds = blind::Creds {
            api_key: config.api_key.clone(),
            username: config.username.clone(),
            password: config.password.clone(),
        };
        blind::router(state, blind, creds)
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| Error::Usage(format!("cannot listen on {}: {e}", config.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| Error::Usage(format!("cannot read the listening address: {e}")))?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok(Running {
        addr,
        expired_token,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// What a client must send to be let in, for `assay mock` to print.
pub fn credentials(spec: &Spec, config: &Config) -> Vec<String> {
    let (user, pass) = (&config.username, &config.password);
    match &spec.auth {
        Auth::None { .. } => vec!["no credentials needed".into()],
        Auth::ApiKeyHeader { header, .. } => vec![format!("header {header}: {}", config.api_key)],
        Auth::BearerSignin {
            signin_path,
            username_field,
            password_field,
            ..
        } => vec![format!(
            "POST {signin_path} {{\"{username_field}\": \"{user}\", \"{password_field}\": \"{pass}\"}}"
        )],
        Auth::CsrfSession {
            token_path,
            login_path,
            ..
        } => vec![
            format!("GET {token_path} for a CSRF token"),
            format!("POST {login_path} with username={user} password={pass}"),
        ],
    }
}
