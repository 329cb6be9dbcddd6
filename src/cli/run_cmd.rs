//! `assay run`: arguments to a plain run config, cases from the spec and the
//! hand-written suite, a mock started where no base URL is given, the report.

use std::sync::Arc;

use super::{RecordArgs, RunArgs, check_writable, emit_to};
use crate::error::{Error, Result};
use crate::report::Collected;
use crate::run::{Config, Given, Secret};
use crate::snapshot::Mode;
use crate::{generate, spec};

pub fn run(args: RunArgs) -> Result<i32> {
    // Read before the run: a missing baseline is bad input, found at once.
    let known = match (&args.baseline, args.update_baseline) {
        (Some(path), false) => crate::report::baseline::load(path)?,
        _ => Default::default(),
    };
    check_writable(args.out.as_deref())?;
    let snapshots = match &args.snapshots {
        Some(dir) if !dir.is_dir() => {
            return Err(Error::Usage(format!(
                "no snapshots at {}: record them first with `assay record SPEC --out {}`",
                dir.display(),
                dir.display()
            )));
        }
        Some(dir) => Some(Mode::Compare(dir.clone())),
        None => None,
    };
    let collected = execute(
        &args,
        snapshots,
        args.format == crate::report::Format::Human,
    )?;
    let mut text = collected.render(args.format);
    let failed = match (&args.baseline, args.update_baseline) {
        (Some(path), true) => {
            let n = crate::report::baseline::write(path, &collected)?;
            eprintln!("baseline {}: {n} known failures written", path.display());
            false
        }
        (Some(_), false) => {
            let verdict = crate::report::baseline::compare(&collected, &known);
            if args.format == crate::report::Format::Human {
                text.push('\n');
                text.push_str(&crate::report::baseline::render(&verdict));
            } else {
                eprint!("{}", crate::report::baseline::render(&verdict));
            }
            !verdict.new.is_empty()
        }
        (None, _) => collected.summary().failed > 0,
    };
    emit_to(args.out.as_deref(), &text)?;
    Ok(if failed { 1 } else { 0 })
}

/// `assay record`: the read-only cases run as usual; what matters is what they
/// were answered, written as snapshots. Failing cases do not stop a record.
pub fn record(args: RecordArgs) -> Result<i32> {
    let out = args.out.clone();
    let run = args.into_run();
    let collected = execute(&run, Some(Mode::Record(out.clone())), true)?;
    let mut text = String::new();
    for r in &collected.runs {
        let snapshots = r
            .results
            .iter()
            .filter(|c| c.check == crate::generate::Check::Snapshot)
            .count();
        let failed = r
            .results
            .iter()
            .filter(|c| c.status == crate::run::Status::Failed)
            .count();
        text.push_str(&format!(
            "{}: {snapshots} responses recorded in {}",
            r.spec,
            out.join(&r.spec).display()
        ));
        if failed > 0 {
            text.push_str(&format!(
                " ({failed} cases failed meanwhile: `assay run` says why)"
            ));
        }
        text.push('\n');
    }
    emit_to(None, &text)?;
    Ok(0)
}

/// Runs the selected cases of each spec against its target; the results.
fn execute(args: &RunArgs, snapshots: Option<Mode>, show_progress: bool) -> Result<Collected> {
    if args.base_url.is_some() && args.specs.len() > 1 {
        return Err(Error::Usage(
            "--base-url names one deployment: give one spec with it".into(),
        ));
    }
    let mut plans = Vec::new();
    for path in &args.specs {
        let spec = spec::load(path)?;
        let mut cases = generate::generate(&spec).cases;
        let hand = args.suites.join(format!("{}.hand.yaml", spec.name));
        if hand.exists() {
            let suite = generate::load(&hand)?;
            for c in suite.cases {
                if cases.iter().any(|g| g.id == c.id) {
                    return Err(Error::SpecInvalid {
                        path: hand.clone(),
                        message: format!("case id `{}` is also a generated case's", c.id),
                    });
                }
                cases.push(c);
            }
        }
        plans.push((spec, cases));
    }
    let secret = |s: &Option<String>| s.as_ref().map(Secret::new);
    let mut config = Config {
        given: Given {
            api_key: secret(&args.credentials.api_key),
            username: secret(&args.credentials.username),
            password: secret(&args.credentials.password),
            token: secret(&args.credentials.token),
            expired_token: secret(&args.credentials.expired_token),
            headers: args
                .credentials
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), Secret::new(v)))
                .collect(),
        },
        jobs: args.limits.jobs,
        timeout: args.limits.timeout,
        retries: args.limits.retries,
        rate: args.limits.rate,
        filter: args.filter.clone(),
        partition: args.partition,
        allow_writes: args.allow_writes,
        max_body: args.limits.max_body,
        walk_budget: args.limits.walk_budget,
        snapshots,
    };
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| Error::Usage(format!("cannot start the async runtime: {e}")))?;
    let mut collected = Collected::default();
    let selected: u64 = plans
        .iter()
        .map(|(_, cases)| crate::run::select(cases.clone(), &config).len() as u64)
        .sum();
    let mut progress = crate::report::Progress::new(selected, show_progress);
    runtime.block_on(async {
        for (spec, cases) in plans {
            let cases = crate::run::select(cases, &config);
            let spec = Arc::new(spec);
            let mut report = |e: crate::run::Event| {
                progress.event(&e);
                collected.event(e)
            };
            match &args.base_url {
                Some(url) => {
                    crate::run::run(spec, cases, url, &config, &mut report).await?;
                }
                None => {
                    let (faults, blind) = crate::mock::FaultName::split(&args.mock_faults);
                    let mock = crate::mock::Config {
                        records: args.mock_records,
                        faults,
                        blind,
                        ..Default::default()
                    };
                    let running = crate::mock::start((*spec).clone(), &mock).await?;
                    let url = running.url();
                    // The mock's own credentials: ones exported for a live server
                    // would only lock the run out.
                    config.given = Given {
                        api_key: Some(Secret::new(&mock.api_key)),
                        username: Some(Secret::new(&mock.username)),
                        password: Some(Secret::new(&mock.password)),
                        token: None,
                        expired_token: Some(Secret::new(&running.expired_token)),
                        headers: config.given.headers.clone(),
                    };
                    let result = crate::run::run(spec, cases, &url, &config, &mut report).await;
                    running.stop().await;
                    result?;
                }
            }
        }
        Ok::<(), Error>(())
    })?;
    progress.finish();
    collected.settle();
    Ok(collected)
}
