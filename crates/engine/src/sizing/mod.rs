//! Pre-sales sizing: from physical servers, the failures to survive and the stacks to run, to a
//! ready topology — how many managers and where, which worker VMs of which size — and the plan
//! that builds it.
//!
//! The sizer does not trust its own arithmetic: every topology it proposes is analysed with
//! [`analyze`], as Swarm would schedule it, and workers are added where tasks stay pending after
//! a failure that was asked to be survived, until none does or the request proves impossible.
//! Managers follow Docker's advice for zones: spread as evenly as the failure domains allow
//! (3 → 1-1-1, 5 → 2-2-1, 7 → 3-2-2), the fewest that survive the loss asked for.

mod demand;
mod draft;
mod report;
mod request;

pub use report::server_load;
pub use request::{default_vm_sizes, Request, Survive, VmSize};

use crate::analysis::Analysis;
use crate::findings::{Code, Finding, Target};
use crate::plan::{Plan, ServiceId};
use crate::units::{Bytes, Cpus};
use demand::Demand;
use draft::{manager_count, Draft, Layout, Strategy};
use indexmap::IndexMap;
use request::{request_findings, too_few_domains, unreserved};
use serde::Serialize;

/// Rounds of "analyse, then add workers where tasks wait" before giving up.
const MAX_ROUNDS: usize = 40;

/// The answer: the topologies that survive what was asked (best first), or findings that say
/// why none can and what would make one possible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sizing {
    pub alternatives: Vec<Alternative>,
    pub findings: Vec<Finding>,
}

/// One topology that survives what was asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// What it favours: `fewest VMs`, `smallest VMs` or `most headroom`.
    pub name: &'static str,
    pub managers: ManagerSizing,
    pub roles: Vec<RoleSizing>,
    pub total_vms: usize,
    pub load: Vec<ServerLoad>,
    /// One line, as "3 managers (1-1-1) + 3 app workers (8:16GiB) over 3 servers = 6 VMs".
    pub summary: String,
    /// The plan that builds it; `analyze` on it shows it survives what was asked.
    #[serde(skip)]
    pub plan: Plan,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManagerSizing {
    pub count: usize,
    pub size: VmSize,
    /// Managers per failure domain of the kind to survive, in domain order.
    pub spread: Vec<DomainShare>,
}

impl ManagerSizing {
    /// Docker's notation, largest share first: `2-2-1`.
    pub fn spread_text(&self) -> String {
        let mut shares: Vec<usize> = self.spread.iter().map(|d| d.managers).collect();
        shares.sort_unstable_by(|a, b| b.cmp(a));
        shares.retain(|&n| n > 0);
        shares
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("-")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainShare {
    pub domain: String,
    pub managers: usize,
}

/// The worker VMs of one role: the nodes that carry one set of constraint labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleSizing {
    pub role: String,
    /// The node labels its VMs carry (`worker: app`); empty for general workers.
    pub labels: IndexMap<String, String>,
    pub engine_labels: IndexMap<String, String>,
    pub vms: usize,
    pub size: VmSize,
    /// The services it runs, as `stack/service`.
    pub services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerLoad {
    pub server: String,
    pub vms: usize,
    pub cpus: Cpus,
    pub memory: Bytes,
}

/// Sizes a topology for the request. Pure and deterministic.
pub fn size(request: &Request) -> Sizing {
    let mut findings = request_findings(request);
    if !findings.is_empty() {
        return Sizing {
            alternatives: Vec::new(),
            findings,
        };
    }
    let layout = Layout::of(request);
    let Some(manager_count) = manager_count(&layout, request.survive) else {
        return Sizing {
            alternatives: Vec::new(),
            findings: vec![too_few_domains(request, layout.domains.len())],
        };
    };
    let mut sizes = request.vm_sizes.clone();
    sizes.sort();
    sizes.dedup();
    let demand = match Demand::of(&request.stacks) {
        Ok(demand) => demand,
        Err(findings) => {
            return Sizing {
                alternatives: Vec::new(),
                findings,
            }
        }
    };
    findings.extend(unreserved(&request.stacks));
    let mut alternatives: Vec<Alternative> = Vec::new();
    let mut failures: Vec<(&'static str, Vec<Finding>)> = Vec::new();
    for strategy in Strategy::ALL {
        let draft = match Draft::initial(request, &layout, &demand, &sizes, manager_count, strategy)
        {
            Ok(draft) => draft,
            Err(problems) => {
                failures.push((strategy.name(), problems));
                continue;
            }
        };
        if alternatives.iter().any(|a| draft.same_as(a)) {
            continue;
        }
        match draft.settle(request, &layout, &demand, &sizes) {
            Ok(alternative) => {
                if !alternatives
                    .iter()
                    .any(|a| a.plan.nodes == alternative.plan.nodes)
                {
                    alternatives.push(alternative);
                }
            }
            Err(problems) => failures.push((strategy.name(), problems)),
        }
    }
    if alternatives.is_empty() {
        for (_, problems) in failures {
            for problem in problems {
                if !findings.contains(&problem) {
                    findings.push(problem);
                }
            }
        }
    } else {
        for (name, problems) in failures {
            if let Some(first) = problems.first() {
                findings.push(Finding::new(
                    Code::SizingAlternativeDropped,
                    Target::Plan,
                    format!("no `{name}` alternative: {}", first.message),
                ));
            }
        }
    }
    Sizing {
        alternatives,
        findings,
    }
}

/// Services with tasks pending with every node up, or after a failure that must be survived,
/// as `stack/service`, in order of first appearance.
fn waiting_services(analysis: &Analysis, survive: Survive) -> Vec<String> {
    let mut waiting: Vec<String> = Vec::new();
    let scenarios = analysis
        .failures
        .iter()
        .filter(|f| survive.scenario_kinds().contains(&f.domain) && f.quorum);
    let pending = analysis
        .pending
        .iter()
        .chain(scenarios.flat_map(|f| f.pending.iter()));
    for p in pending {
        let id = ServiceId::new(&p.stack, &p.service).to_string();
        if !waiting.contains(&id) {
            waiting.push(id);
        }
    }
    waiting
}

/// Whether every failure to survive keeps its quorum and its services.
fn survives(analysis: &Analysis, survive: Survive) -> bool {
    analysis
        .failures
        .iter()
        .filter(|f| survive.scenario_kinds().contains(&f.domain))
        .all(|f| f.survived() && f.pending.is_empty() && f.services.degraded.is_empty())
}

/// Findings for tasks that no added worker could place.
fn unplaceable(analysis: &Analysis, waiting: &[String], survive: Survive) -> Vec<Finding> {
    let reason = |id: &str| -> String {
        let scenarios = analysis
            .failures
            .iter()
            .filter(|f| survive.scenario_kinds().contains(&f.domain));
        analysis
            .pending
            .iter()
            .chain(scenarios.flat_map(|f| f.pending.iter()))
            .find(|p| ServiceId::new(&p.stack, &p.service).to_string() == id)
            .map(|p| p.reason.clone())
            .unwrap_or_else(|| "its tasks do not all run".to_owned())
    };
    let mut findings: Vec<Finding> = waiting
        .iter()
        .map(|id| {
            let (stack, service) = id.split_once('/').unwrap_or((id, ""));
            Finding::new(
                Code::SizingUnplaceable,
                Target::Service {
                    stack: stack.to_owned(),
                    service: service.to_owned(),
                },
                format!(
                    "service {id} cannot keep all its tasks through {survive}, whatever workers are added: {}",
                    reason(id)
                ),
            )
            .hint("its constraints name nodes the sizer cannot create (node.hostname, node.id, node.ip), or its tasks outgrow every VM size and server: relax them or offer larger sizes")
        })
        .collect();
    if findings.is_empty() {
        findings.push(
            Finding::new(
                Code::SizingUnplaceable,
                Target::Plan,
                format!("no topology found that survives {survive}"),
            )
            .hint("add servers or failure domains"),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::demand::{role_names, Load, RoleKey};
    use super::draft::{survivable_count, worst_loss};
    use super::*;

    #[test]
    fn worst_losses_of_an_even_spread() {
        assert_eq!(worst_loss(3, 3, 1), 1);
        assert_eq!(worst_loss(5, 3, 1), 2);
        assert_eq!(worst_loss(7, 3, 1), 3);
        assert_eq!(worst_loss(5, 5, 2), 2);
        assert_eq!(worst_loss(5, 4, 2), 3);
    }

    #[test]
    fn survivable_counts_cover_the_worst_loss() {
        assert_eq!(survivable_count(3, 3, 1, false), 5);
        assert_eq!(survivable_count(1, 3, 1, false), 2);
        assert_eq!(survivable_count(2, 3, 1, false), 3);
        assert_eq!(survivable_count(3, 3, 1, true), 3);
        assert_eq!(survivable_count(3, 2, 1, true), 2);
    }

    #[test]
    fn vm_sizes_read_as_cpus_and_memory() {
        assert_eq!(VmSize::parse("4:8GiB"), Ok(VmSize::new(4, 8)));
        assert_eq!(
            VmSize::parse_list("2:4G, 8:16GiB"),
            Ok(vec![VmSize::new(2, 4), VmSize::new(8, 16)])
        );
        assert!(VmSize::parse("4").is_err());
        assert!(VmSize::parse("0:8GiB").is_err());
        assert_eq!(VmSize::new(4, 8).to_string(), "4:8GiB");
    }

    #[test]
    fn role_names_come_from_label_values() {
        let key = |pairs: &[(&str, &str)]| RoleKey {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            engine_labels: Vec::new(),
        };
        let roles = vec![
            (key(&[("worker", "app")]), Load::default()),
            (key(&[("tier", "app")]), Load::default()),
            (key(&[]), Load::default()),
            (key(&[("role", "manager")]), Load::default()),
        ];
        assert_eq!(
            role_names(&roles),
            vec!["worker-app", "tier-app", "worker", "role-manager"]
        );
    }
}
