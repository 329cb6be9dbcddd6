//! Stage 6, run: executes cases against a deployment, concurrently and bounded.
//!
//! Cases that only read run first, all together, sharing identical GETs; cases
//! that write run after them (never while a walk counts items), and only when
//! writes are allowed — otherwise they are counted as skipped. Each case ends as
//! passed, failed (with its problems, each a message and maybe a diff) or skipped
//! (with the reason). Results stream out as events for reporters; no secret the
//! session holds survives into a result.

mod collection;
mod exec;
mod expect;
mod filtered;
pub mod http;
mod probe;
pub mod session;
mod walk;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::generate::{Case, Check, Credentials, Severity};
use crate::schema::Validator;
use crate::spec::Spec;
pub use session::{Given, Secret};

#[derive(Debug, Clone)]
pub struct Config {
    pub given: Given,
    /// Cases in flight at once.
    pub jobs: usize,
    pub timeout: Duration,
    pub retries: u32,
    /// Requests per second, at most.
    pub rate: Option<f64>,
    /// Run only cases whose id contains one of these.
    pub filter: Vec<String>,
    /// Run only shard K of N (1-based), by position among the selected cases.
    pub partition: Option<(usize, usize)>,
    pub allow_writes: bool,
    pub max_body: usize,
    /// Record the responses of read-only cases, or compare them with records.
    pub snapshots: Option<crate::snapshot::Mode>,
    /// Most pages one walk of a list reads.
    pub walk_budget: u64,
}

/// Most pages one walk of a list reads unless told otherwise: at the largest
/// page sizes APIs serve, a hundred thousand items or more.
pub const WALK_BUDGET: u64 = 1000;

impl Default for Config {
    fn default() -> Self {
        Config {
            given: Given::default(),
            jobs: 16,
            timeout: Duration::from_secs(30),
            retries: 2,
            rate: None,
            filter: Vec::new(),
            partition: None,
            allow_writes: false,
            max_body: 32 << 20,
            snapshots: None,
            walk_budget: WALK_BUDGET,
        }
    }
}

/// One problem a case found.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub diff: Option<String>,
}

impl Problem {
    pub fn msg(message: impl Into<String>) -> Self {
        Problem {
            message: message.into(),
            diff: None,
        }
    }

    /// A problem shown with the start of the response body.
    pub fn with_body(message: impl Into<String>, resp: &http::Response) -> Self {
        Problem {
            message: message.into(),
            diff: Some(format!("body: {}", resp.excerpt(300))),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Passed,
    Failed(Vec<Problem>),
    Skipped(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

/// A finished case, as every reporter sees it (and as `merge` reads it back from
/// a JSON report, which leaves out the title and duration).
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CaseResult {
    pub id: String,
    pub check: Check,
    pub severity: Severity,
    pub status: Status,
    pub doc: String,
    #[serde(default)]
    pub title: String,
    /// Why it failed or was skipped; empty when it passed.
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub diff: Option<String>,
    #[serde(default)]
    pub duration_ms: u64,
}

impl CaseResult {
    fn new(case: &Case, outcome: Outcome, took: Duration, secrets: &[String]) -> Self {
        let (status, message, diff) = match outcome {
            Outcome::Passed => (Status::Passed, String::new(), None),
            Outcome::Skipped(why) => (Status::Skipped, why, None),
            Outcome::Failed(problems) => {
                let message = problems
                    .iter()
                    .map(|p| p.message.as_str())
                    .collect::<Vec<_>>()
                    .join("\n");
                let diffs: Vec<&str> = problems.iter().filter_map(|p| p.diff.as_deref()).collect();
                let diff = (!diffs.is_empty()).then(|| diffs.join("\n"));
                (Status::Failed, message, diff)
            }
        };
        CaseResult {
            id: case.id.clone(),
            check: case.check,
            severity: case.severity,
            status,
            doc: case.doc.to_string(),
            title: case.title.clone(),
            message: scrub(&message, secrets),
            diff: diff.map(|d| scrub(&d, secrets)),
            duration_ms: took.as_millis() as u64,
        }
    }
}

/// A copy of a response with every secret scrubbed from its body, when the body
/// holds one; None when it holds none.
pub(crate) fn scrubbed(resp: &http::Response, secrets: &[String]) -> Option<http::Response> {
    let text = String::from_utf8_lossy(&resp.body);
    let escaped = |s: &String| serde_json::to_string(s).unwrap_or_default();
    let hit = secrets
        .iter()
        .any(|s| text.contains(s.as_str()) || text.contains(escaped(s).trim_matches('"')));
    if !hit {
        return None;
    }
    let mut clean = scrub(&text, secrets);
    for s in secrets {
        clean = clean.replace(escaped(s).trim_matches('"'), "(redacted)");
    }
    let json = serde_json::from_str(&clean).map_err(|e| format!("the body is not JSON: {e}"));
    Some(http::Response {
        status: resp.status,
        headers: resp.headers.clone(),
        body: clean.into_bytes(),
        json: if resp.json.is_ok() {
            json
        } else {
            resp.json.clone()
        },
    })
}

/// Replaces every secret in a text (servers echo what they are sent).
pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "(redacted)");
        }
    }
    out
}

#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Passed => self.passed += 1,
            Status::Failed => self.failed += 1,
            Status::Skipped => self.skipped += 1,
        }
    }
}

/// What reporters consume.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        spec: String,
        target: String,
        cases: usize,
    },
    CaseFinished(CaseResult),
    /// Requests sent so far, before each finished case.
    Progress {
        requests: u64,
    },
    RunFinished {
        spec: String,
        summary: Summary,
        requests: u64,
        millis: u64,
    },
}

pub(crate) struct Ctx {
    pub spec: Arc<Spec>,
    pub base: reqwest::Url,
    pub http: Arc<http::Http>,
    pub session: session::Session,
    pub validators: HashMap<String, Validator>,
    pub allow_writes: bool,
    writing: AtomicBool,
    /// Responses of read-only cases by request, when snapshots are wanted.
    pub recorded: Option<std::sync::Mutex<BTreeMap<String, crate::snapshot::Recorded>>>,
    /// Most pages one walk reads.
    pub walk_budget: u64,
    /// The run's own marker (`assay-…`), in every value it makes unique, so
    /// that what an interrupted run left behind can be found.
    pub marker: String,
    pub cases_started: std::sync::atomic::AtomicU64,
    /// Lists read whole, by request, credentials and paging.
    #[allow(clippy::type_complexity)]
    pub walks: std::sync::Mutex<
        HashMap<
            (
                String,
                Credentials,
                crate::generate::Paging,
                collection::Purpose,
            ),
            Arc<tokio::sync::OnceCell<Result<Arc<collection::Collection>, Problem>>>,
        >,
    >,
    #[allow(clippy::type_complexity)]
    cache: std::sync::Mutex<
        HashMap<
            (String, Credentials),
            Arc<tokio::sync::OnceCell<Result<Arc<http::Response>, String>>>,
        >,
    >,
}

impl Ctx {
    pub(crate) fn allow_writes_now(&self) -> bool {
        self.writing.load(Ordering::Relaxed)
    }
}

/// A marker no other run shares: the time and process, in a few characters.
fn marker() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed = nanos ^ (u64::from(std::process::id()) << 40);
    format!("assay-{:08x}", mixed & 0xffff_ffff)
}

/// The cases a run selects: by filter, then by partition.
pub fn select(cases: Vec<Case>, config: &Config) -> Vec<Case> {
    let filtered: Vec<Case> = cases
        .into_iter()
        .filter(|c| {
            config.filter.is_empty() || config.filter.iter().any(|f| c.id.contains(f.as_str()))
        })
        .collect();
    match config.partition {
        Some((k, n)) => filtered
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, c)| c)
            .collect(),
        None => filtered,
    }
}

/// A connection to one deployment: client, credentials and schemas, ready to
/// run cases one by one (the test harness) or all together (`run`).
pub struct Runner {
    ctx: Arc<Ctx>,
}

impl Runner {
    /// Checks the URL, builds the client, compiles the schemas and signs in.
    pub async fn connect(spec: Arc<Spec>, base_url: &str, config: &Config) -> Result<Self> {
        let base = reqwest::Url::parse(base_url)
            .map_err(|e| Error::Usage(format!("invalid base URL `{base_url}`: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(Error::Usage(format!(
                "base URL `{base_url}` is not http or https"
            )));
        }
        let loopback = matches!(base.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        let http = http::Http::new(
            http::Limits {
                timeout: config.timeout,
                max_body: config.max_body,
                retries: config.retries,
                rate: config.rate,
            },
            &base,
            loopback,
        )
        .map_err(Error::Usage)?;
        let mut validators = HashMap::new();
        for n in crate::schema::generate(&spec) {
            let v = Validator::new(&n.name, &n.schema)
                .map_err(|e| Error::Usage(format!("schema `{}` of {}: {e}", n.name, spec.name)))?;
            validators.insert(n.name, v);
        }
        let session = match session::Session::open(&spec, &http, &base, config.given.clone()).await
        {
            Ok(s) => s,
            Err(why) => session::Session::failed(&spec, config.given.clone(), why),
        };
        Ok(Runner {
            ctx: Arc::new(Ctx {
                spec,
                base,
                http,
                session,
                validators,
                allow_writes: config.allow_writes,
                writing: AtomicBool::new(false),
                recorded: config.snapshots.as_ref().map(|_| Default::default()),
                walk_budget: config.walk_budget,
                marker: marker(),
                cases_started: Default::default(),
                walks: Default::default(),
                cache: Default::default(),
            }),
        })
    }

    /// Whether the runner is in its write phase: reads are no longer shared.
    pub fn set_writing(&self, writing: bool) {
        self.ctx.writing.store(writing, Ordering::Relaxed);
    }

    pub async fn case(&self, case: Arc<Case>) -> CaseResult {
        exec::run_case(self.ctx.clone(), case).await
    }

    /// The responses recorded so far, by request.
    pub fn recorded(&self) -> Vec<crate::snapshot::Recorded> {
        self.ctx
            .recorded
            .as_ref()
            .map(|m| {
                let map = m.lock().expect("the record lock is never poisoned");
                map.values().cloned().collect()
            })
            .unwrap_or_default()
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u64 {
        self.ctx.http.sent.load(Ordering::Relaxed)
    }
}

/// Runs cases of a spec against `base_url`; events go to `report` as cases finish.
pub async fn run(
    spec: Arc<Spec>,
    cases: Vec<Case>,
    base_url: &str,
    config: &Config,
    report: &mut dyn FnMut(Event),
) -> Result<Summary> {
    let started = std::time::Instant::now();
    let runner = Arc::new(Runner::connect(spec.clone(), base_url, config).await?);
    report(Event::RunStarted {
        spec: spec.name.clone(),
        target: base_url.to_string(),
        cases: cases.len(),
    });
    let (reads, writes): (Vec<Case>, Vec<Case>) = cases.into_iter().partition(|c| !c.writes);
    let mut summary = Summary::default();
    for (phase, list) in [(false, reads), (true, writes)] {
        runner.set_writing(phase);
        let sem = Arc::new(tokio::sync::Semaphore::new(config.jobs.max(1)));
        let mut set = tokio::task::JoinSet::new();
        let mut running = HashMap::new();
        for case in list {
            let case = Arc::new(case);
            let (runner, sem, mine) = (runner.clone(), sem.clone(), case.clone());
            let handle = set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                runner.case(mine).await
            });
            running.insert(handle.id(), case);
        }
        while let Some(done) = set.join_next_with_id().await {
            // A case that broke the runner fails alone; the others go on.
            let result = match done {
                Ok((_, result)) => result,
                Err(e) => {
                    let Some(case) = running.get(&e.id()) else {
                        continue;
                    };
                    let why = Problem::msg(format!("the runner broke down on this case: {e}"));
                    CaseResult::new(case, Outcome::Failed(vec![why]), Duration::ZERO, &[])
                }
            };
            summary.add(result.status);
            report(Event::Progress {
                requests: runner.requests(),
            });
            report(Event::CaseFinished(result));
        }
        // After the reads, before anything is written: the records are of the
        // deployment as it was found.
        if !phase && let Some(mode) = &config.snapshots {
            let whole = config.filter.is_empty() && config.partition.is_none();
            let recorded = runner.recorded();
            for result in crate::snapshot::apply(mode, &spec, &recorded, whole)? {
                summary.add(result.status);
                report(Event::CaseFinished(result));
            }
        }
    }
    report(Event::RunFinished {
        spec: spec.name.clone(),
        summary,
        requests: runner.requests(),
        millis: started.elapsed().as_millis() as u64,
    });
    Ok(summary)
}
