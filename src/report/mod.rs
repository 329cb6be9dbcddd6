//! Stage 8 of a run, reports: reporters consume the runner's events and render
//! them as text for people (grouped by resource, with diffs), JSON (the keys of
//! DESIGN.md's conventions), JUnit XML, GitHub workflow annotations or one
//! self-contained HTML page. Each run's report is written fresh.

pub mod baseline;
mod github;
mod html;
mod human;
mod json;
mod junit;
mod merge;
mod progress;

pub use merge::merge;
pub use progress::Progress;

use std::collections::BTreeMap;

use crate::run::{CaseResult, Event, Status, Summary};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Junit,
    Github,
    // One self-contained page: no network, filters by status, severity and check.
    Html,
}

/// Collects events; renders the whole report at the end.
#[derive(Default)]
pub struct Collected {
    /// Per spec: its name, target, results in the suite's order, and totals.
    pub runs: Vec<Run>,
}

pub struct Run {
    pub spec: String,
    pub target: String,
    pub results: Vec<CaseResult>,
    pub summary: Summary,
    pub requests: u64,
    pub millis: u64,
}

impl Collected {
    pub fn event(&mut self, e: Event) {
        match e {
            Event::RunStarted { spec, target, .. } => self.runs.push(Run {
                spec,
                target,
                results: Vec::new(),
                summary: Summary::default(),
                requests: 0,
                millis: 0,
            }),
            Event::CaseFinished(r) => {
                if let Some(run) = self.runs.last_mut() {
                    run.results.push(r);
                }
            }
            Event::Progress { .. } => {}
            Event::RunFinished {
                summary,
                requests,
                millis,
                ..
            } => {
                if let Some(run) = self.runs.last_mut() {
                    run.summary = summary;
                    run.requests = requests;
                    run.millis = millis;
                }
            }
        }
    }

    /// Sorts each run's results by id, so a report reads the same whatever order
    /// the cases finished in.
    pub fn settle(&mut self) {
        for run in &mut self.runs {
            run.results.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.runs {
            s.passed += r.summary.passed;
            s.failed += r.summary.failed;
            s.skipped += r.summary.skipped;
        }
        s
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Human => human::render(self),
            Format::Json => json::render(self),
            Format::Junit => junit::render(self),
            Format::Github => github::render(self),
            Format::Html => html::render(self),
        }
    }
}

/// A run's failures by resource (the second segment of the case id), resources
/// in name order, cases in the run's order.
fn failures_by_resource(run: &Run) -> BTreeMap<&str, Vec<&CaseResult>> {
    let mut groups: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
    for r in run.results.iter().filter(|r| r.status == Status::Failed) {
        let group = r.id.split('/').nth(1).unwrap_or("");
        groups.entry(group).or_default().push(r);
    }
    groups
}

/// How many cases of a run were skipped for each reason. Cases that found no
/// data each say which data in their message; counted apart, they would bury
/// the reasons that matter under one line each.
fn skip_reasons(run: &Run) -> BTreeMap<&str, usize> {
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for r in run.results.iter().filter(|r| r.status == Status::Skipped) {
        let reason = if r.message.contains("(no data to test with)") {
            "no data to test with"
        } else {
            r.message.as_str()
        };
        *reasons.entry(reason).or_default() += 1;
    }
    reasons
}

/// The target without user info or query, where a careless URL may hold a secret.
fn shown_target(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}://{}{}{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port().map(|p| format!(":{p}")).unwrap_or_default(),
            u.path().trim_end_matches('/')
        ),
        Err(_) => "(the given URL)".into(),
    }
}
