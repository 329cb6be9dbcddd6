//! Stage 7, the mock: a stateful deployment of any spec, served by axum on tokio.
//!
//! It is the runner's embedded default target and a stand-in for a server that does
//! not exist yet. Everything it does is read from the spec: routes from operation
//! paths, auth from the auth scheme, envelopes and pagination from their pointers,
//! error bodies from their templates. Records are the document's examples plus
//! generated ones, the same for the same seed.

mod data;
mod pointer;
mod routes;
mod serve;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::spec::{Auth, Spec};

pub use serve::API_KEY;

#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// Records per resource.
    pub records: usize,
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            records: 50,
            seed: 1,
        }
    }
}

/// A mock serving in the background; dropping it (or `stop`) shuts it down.
pub struct Running {
    pub addr: SocketAddr,
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
    let tables = data::generate(&spec, config.records, config.seed);
    let state = Arc::new(serve::State {
        routes: routes::compile(&spec),
        spec: Arc::new(spec),
        tables: Mutex::new(tables),
    });
    let app = axum::Router::new()
        .fallback(serve::handle)
        .with_state(state);
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
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// What a client must send to be let in, for `assay mock` to print.
pub fn credentials(spec: &Spec) -> Vec<String> {
    match &spec.auth {
        Auth::None { .. } => vec!["no credentials needed".into()],
        Auth::ApiKeyHeader { header, .. } => vec![format!("header {header}: {API_KEY}")],
        Auth::BearerSignin { signin_path, .. } => {
            vec![format!("sign in at {signin_path} (not served yet)")]
        }
        Auth::CsrfSession { login_path, .. } => {
            vec![format!("log in at {login_path} (not served yet)")]
        }
    }
}
