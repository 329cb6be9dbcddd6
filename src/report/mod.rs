//! Stage 8 of a run, reports: reporters consume the runner's events and render
//! them as text for people (grouped by resource, with diffs), JSON (the keys of
//! DESIGN.md's conventions), JUnit XML or GitHub workflow annotations. Each run's
//! report is written fresh.

pub mod baseline;
mod github;
mod human;
mod json;
mod junit;
mod merge;
mod progress;

pub use merge::merge;
pub use progress::Progress;

use crate::run::{CaseResult, Event, Summary};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Junit,
    Github,
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
        }
    }
}
