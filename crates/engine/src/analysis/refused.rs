//! The analysis of a plan over Swarmplan's limits or its work budget: nothing placed and no
//! failure computed, the findings that say why, and those the compose files give on their own.

use super::{Analysis, StackInfo, Survival};
use crate::compose::Compose;
use crate::findings::Finding;
use crate::quorum::Quorum;

pub(super) fn analysis(quorum: Quorum, composes: &[Compose], refusals: Vec<Finding>) -> Analysis {
    let mut findings = refusals;
    findings.extend(composes.iter().flat_map(|c| c.findings.iter().cloned()));
    findings.sort_by_key(|f| f.severity);
    Analysis {
        quorum,
        stacks: composes
            .iter()
            .map(|c| StackInfo {
                name: c.stack.clone(),
                variables: c.variables.clone(),
            })
            .collect(),
        placement: Vec::new(),
        candidates: Vec::new(),
        pending: Vec::new(),
        services: Vec::new(),
        failures: Vec::new(),
        survival: Survival {
            host: false,
            rack: None,
            site: None,
            summary: "not analysed: the plan is over Swarmplan's limits (see the findings)"
                .to_owned(),
        },
        findings,
    }
}
