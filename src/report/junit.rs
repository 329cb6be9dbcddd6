//! `--format junit`: one test suite per spec, one test case per case; a failure
//! carries the message and, as its text, the diff.

use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::Collected;
use crate::run::Status;

pub fn render(c: &Collected) -> String {
    let mut report = Report::new("assay");
    for run in &c.runs {
        let mut suite = TestSuite::new(run.spec.as_str());
        suite.set_time(Duration::from_millis(run.millis));
        for r in &run.results {
            let status = match r.status {
                Status::Passed => TestCaseStatus::success(),
                Status::Skipped => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(r.message.as_str());
                    s
                }
                Status::Failed => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(format!(
                        "{} ({}, {})",
                        r.message,
                        r.severity.as_str(),
                        r.doc
                    ));
                    s.set_type(r.check.as_str());
                    if let Some(d) = &r.diff {
                        s.set_description(d.as_str());
                    }
                    s
                }
            };
            let mut case = TestCase::new(r.id.as_str(), status);
            case.set_classname(format!("{}.{}", run.spec, r.check.as_str()));
            case.set_time(Duration::from_millis(r.duration_ms));
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot write JUnit: {e} -->\n"))
}
