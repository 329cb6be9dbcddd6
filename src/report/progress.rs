//! The progress bar of a human run on a terminal: cases done of all, failures
//! so far, requests a second. Drawn on stderr by indicatif, which draws nothing
//! when stderr is not a terminal; other formats get no bar at all, so their
//! output stays exactly the report.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::run::{Event, Status};

pub struct Progress {
    bar: ProgressBar,
    failed: u64,
    requests: u64,
    started: Instant,
}

impl Progress {
    /// A bar over `cases` cases, or none when it would land in a file or pipe.
    pub fn new(cases: u64, wanted: bool) -> Self {
        let bar = if wanted && std::io::stderr().is_terminal() {
            ProgressBar::new(cases)
        } else {
            ProgressBar::hidden()
        };
        if let Ok(style) =
            ProgressStyle::default_bar().template("{bar:30} {pos}/{len} cases  {msg}  {elapsed}")
        {
            bar.set_style(style);
        }
        Progress {
            bar,
            failed: 0,
            requests: 0,
            started: Instant::now(),
        }
    }

    pub fn event(&mut self, e: &Event) {
        match e {
            Event::Progress { requests } => self.requests = *requests,
            Event::CaseFinished(r) => {
                if r.status == Status::Failed {
                    self.failed += 1;
                }
                self.bar.inc(1);
                let secs = self.started.elapsed().as_secs_f64().max(0.001);
                self.bar.set_message(format!(
                    "{} failed  {:.0} req/s",
                    self.failed,
                    self.requests as f64 / secs
                ));
            }
            _ => {}
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
