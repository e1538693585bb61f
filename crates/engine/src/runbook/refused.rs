//! A runbook is refused before it is built when a plan it reads is over Swarmplan's limits or
//! the work budget: every step replays an analysis, so a runbook costs its steps times one
//! analysis (`budget.rs`).

use crate::budget::{self, Work};
use crate::findings::Finding;
use crate::plan::Plan;

/// What stops a runbook from `before` to `after` (the same plan for all but a change).
pub(super) fn check(before: &Plan, after: &Plan) -> Vec<Finding> {
    let mut findings = budget::check_plan(after, false, Work::Runbook);
    if !std::ptr::eq(before, after) {
        for finding in budget::check_plan(before, false, Work::Runbook) {
            if !findings.contains(&finding) {
                findings.push(finding);
            }
        }
    }
    findings
}
