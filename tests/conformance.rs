//! Every case of every spec as a test trial (libtest-mimic), against the embedded
//! mocks: `cargo test --test conformance -- bip/plant_lines` runs what matches.
//!
//! With `ASSAY_SPEC` and `ASSAY_BASE_URL` set, the trials are that spec's cases
//! against that deployment instead, credentials from `ASSAY_API_KEY`,
//! `ASSAY_USERNAME`/`ASSAY_PASSWORD` or `ASSAY_TOKEN`; cases that write run only
//! with `ASSAY_ALLOW_WRITES=1`.
//!
//! Against the mocks, reads and writes go to two mocks of each spec, so a case
//! that creates an item never meets a walk that counts them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assay::generate::{self, Case};
use assay::run::{Config, Given, Runner, Secret, Status};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let runtime: &'static tokio::runtime::Runtime = Box::leak(Box::new(
        tokio::runtime::Runtime::new().expect("a tokio runtime starts"),
    ));
    let trials = match runtime.block_on(trials(runtime)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    libtest_mimic::run(&args, trials).exit();
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn trials(rt: &'static tokio::runtime::Runtime) -> Result<Vec<Trial>, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut out = Vec::new();
    match (env("ASSAY_SPEC"), env("ASSAY_BASE_URL")) {
        (Some(spec), Some(url)) => {
            let config = Config {
                given: Given {
                    api_key: env("ASSAY_API_KEY").map(Secret::new),
                    username: env("ASSAY_USERNAME").map(Secret::new),
                    password: env("ASSAY_PASSWORD").map(Secret::new),
                    token: env("ASSAY_TOKEN").map(Secret::new),
                    expired_token: env("ASSAY_EXPIRED_TOKEN").map(Secret::new),
                    headers: Vec::new(),
                },
                allow_writes: env("ASSAY_ALLOW_WRITES").is_some_and(|v| v == "1"),
                ..Config::default()
            };
            let spec = Arc::new(assay::spec::load(Path::new(&spec)).map_err(|e| e.to_string())?);
            let connect = || async {
                Runner::connect(spec.clone(), &url, &config)
                    .await
                    .map_err(|e| e.to_string())
            };
            // Write cases share no reads: what they change must be read again.
            let (reads, writes) = (Arc::new(connect().await?), Arc::new(connect().await?));
            writes.set_writing(true);
            for case in cases(&spec)? {
                let runner = if case.writes {
                    writes.clone()
                } else {
                    reads.clone()
                };
                out.push(trial(rt, runner, case));
            }
        }
        (None, None) => {
            let mut names: Vec<PathBuf> = std::fs::read_dir(root().join("specs"))
                .map_err(|e| e.to_string())?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .collect();
            names.sort();
            for path in names {
                let spec = Arc::new(assay::spec::load(&path).map_err(|e| e.to_string())?);
                let (reads, writes) = (mock(&spec).await?, mock(&spec).await?);
                writes.set_writing(true);
                let (reads, writes) = (Arc::new(reads), Arc::new(writes));
                for case in cases(&spec)? {
                    let runner = if case.writes {
                        writes.clone()
                    } else {
                        reads.clone()
                    };
                    out.push(trial(rt, runner, case));
                }
            }
        }
        _ => return Err("set both ASSAY_SPEC and ASSAY_BASE_URL, or neither".into()),
    }
    Ok(out)
}

/// A mock of the spec, started on a free port for the rest of the process, and
/// a runner connected to it with the mock's credentials.
async fn mock(spec: &Arc<assay::spec::Spec>) -> Result<Runner, String> {
    let config = assay::mock::Config::default();
    let running = assay::mock::start((**spec).clone(), &config)
        .await
        .map_err(|e| e.to_string())?;
    let url = running.url();
    let expired = running.expired_token.clone();
    // The mock serves until the process ends.
    std::mem::forget(running);
    let run = Config {
        given: Given {
            api_key: Some(Secret::new(&config.api_key)),
            username: Some(Secret::new(&config.username)),
            password: Some(Secret::new(&config.password)),
            token: None,
            expired_token: Some(Secret::new(&expired)),
            headers: Vec::new(),
        },
        allow_writes: true,
        ..Config::default()
    };
    Runner::connect(spec.clone(), &url, &run)
        .await
        .map_err(|e| e.to_string())
}

/// The generated cases and the hand-written ones of a spec.
fn cases(spec: &assay::spec::Spec) -> Result<Vec<Case>, String> {
    let mut cases = generate::generate(spec).cases;
    let hand = root()
        .join("suites")
        .join(format!("{}.hand.yaml", spec.name));
    if hand.exists() {
        cases.extend(generate::load(&hand).map_err(|e| e.to_string())?.cases);
    }
    Ok(cases)
}

fn trial(rt: &'static tokio::runtime::Runtime, runner: Arc<Runner>, case: Case) -> Trial {
    let id = case.id.clone();
    let kind = case.check.as_str();
    let case = Arc::new(case);
    Trial::test(id, move || {
        let result = rt.block_on(runner.case(case));
        match result.status {
            Status::Passed => Ok(()),
            Status::Skipped => Ok(()),
            Status::Failed => {
                let mut text = format!(
                    "[{}, {}] {}\n{}",
                    result.check.as_str(),
                    result.severity.as_str(),
                    result.doc,
                    result.message
                );
                if let Some(d) = &result.diff {
                    text.push('\n');
                    text.push_str(d);
                }
                Err(Failed::from(text))
            }
        }
    })
    .with_kind(kind)
}
