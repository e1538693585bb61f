//! `analyze`: everything Swarmplan computes about a plan, in one deterministic value.
//!
//! - `mod.rs`: the analysis' types and `analyze` itself;
//! - `failures.rs`: the baseline placement and what the loss of any set of hosts does to it
//!   (every failure scenario, the survival summary, the app's what-if);
//! - `checks.rs`: the findings that need placement and failures, quorum's among them.

mod checks;
mod failures;
mod refused;

pub use failures::{what_if, what_if_from, Outage};

use crate::compose::{self, Compose};
use crate::domains::{self, DomainKind};
use crate::findings::{Code, Finding, Severity, Target};
use crate::order::{stack_order, StackOrder};
use crate::placement::{self, Cluster, Pending, Spec, Task};
use crate::plan::{Plan, ServiceId};
use crate::quorum::Quorum;
use crate::validate;
use failures::Baseline;
use serde::Serialize;

/// What to compute beyond the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also analyse the loss of every pair of hosts.
    pub host_pairs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub quorum: Quorum,
    /// Stacks in deployment order, with the variables their compose files use.
    pub stacks: Vec<StackInfo>,
    /// Where every task runs, stacks in deployment order, services in file order.
    pub placement: Vec<Task>,
    /// Tasks that run nowhere, with Docker's reason.
    pub pending: Vec<Pending>,
    /// Each service: desired and running tasks, on which nodes and physical hosts.
    pub services: Vec<ServiceStatus>,
    /// One scenario per failure domain: every host, rack and site (and pair of hosts on request).
    pub failures: Vec<FailureScenario>,
    pub survival: Survival,
    /// Errors first, then warnings, then information; in plan order within each.
    pub findings: Vec<Finding>,
}

impl Analysis {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// The worst impact of any single host, rack or site loss (pairs of hosts aside).
    pub fn worst_single_loss(&self) -> Impact {
        self.failures
            .iter()
            .filter(|f| f.domain != DomainKind::Hosts)
            .map(FailureScenario::impact)
            .max()
            .unwrap_or(Impact::None)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StackInfo {
    pub name: String,
    pub variables: Vec<compose::interpolate::Variable>,
}

/// How a service fares: all its tasks run, some, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Degraded,
    Down,
    /// Nothing is asked of it: zero replicas, or a global service no node is eligible for.
    Idle,
}

impl Health {
    /// The health of a service that runs `running` of the `desired` tasks.
    pub fn of(desired: u64, running: u64) -> Health {
        if desired == 0 {
            Health::Idle
        } else if running >= desired {
            Health::Healthy
        } else if running == 0 {
            Health::Down
        } else {
            Health::Degraded
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Degraded => "degraded",
            Health::Down => "down",
            Health::Idle => "idle",
        }
    }
}

/// A service's mode, as the analysis reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceMode {
    Replicated,
    Global,
}

impl ServiceMode {
    pub fn name(self) -> &'static str {
        match self {
            ServiceMode::Replicated => "replicated",
            ServiceMode::Global => "global",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    pub stack: String,
    pub service: String,
    pub mode: ServiceMode,
    /// Replicas asked for; for a global service, the nodes it should run on.
    pub desired: u64,
    pub running: u64,
    pub health: Health,
    pub nodes: Vec<String>,
    /// The physical hosts under those nodes: what Swarm cannot see.
    pub hosts: Vec<String>,
}

impl ServiceStatus {
    pub fn id(&self) -> String {
        ServiceId::new(&self.stack, &self.service).to_string()
    }
}

/// Services hurt by a failure, as `stack/service`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServiceImpact {
    pub down: Vec<String>,
    pub degraded: Vec<String>,
}

/// What the loss of one failure domain does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureScenario {
    pub domain: DomainKind,
    pub name: String,
    pub hosts: Vec<String>,
    pub lost_nodes: Vec<String>,
    pub managers_left: usize,
    /// Whether the managers left still form a quorum. Without it, nothing is rescheduled.
    pub quorum: bool,
    pub services: ServiceImpact,
    /// Tasks started elsewhere to replace those lost.
    pub rescheduled: Vec<Task>,
    /// Tasks that cannot run anywhere during the failure.
    pub pending: Vec<Pending>,
    /// Services whose tasks stay where they were rescheduled when the domain comes back: Swarm
    /// does not move them back; `docker service update --force` spreads them again.
    pub rebalance: Vec<String>,
}

impl FailureScenario {
    /// The plan survives this failure: quorum holds and no service is down.
    pub fn survived(&self) -> bool {
        self.quorum && self.services.down.is_empty()
    }

    /// How bad the failure is, worst first: what the app colours a domain with.
    pub fn impact(&self) -> Impact {
        if !self.quorum {
            Impact::QuorumLost
        } else if !self.services.down.is_empty() {
            Impact::ServicesDown
        } else if !self.services.degraded.is_empty() {
            Impact::ServicesDegraded
        } else {
            Impact::None
        }
    }
}

/// What a failure costs, from nothing to the swarm's management. Ordered: the largest is the
/// worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    None,
    ServicesDegraded,
    ServicesDown,
    QuorumLost,
}

impl Impact {
    /// The finding severity a failure of this impact deserves: none, a warning when services
    /// stop or degrade, an error when quorum goes.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Impact::None => None,
            Impact::ServicesDegraded | Impact::ServicesDown => Some(Severity::Warning),
            Impact::QuorumLost => Some(Severity::Error),
        }
    }
}

/// Which kinds of single loss the plan survives with its quorum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Survival {
    pub host: bool,
    /// `None` when the plan places no host in a rack.
    pub rack: Option<bool>,
    /// `None` when the plan places no host in a site.
    pub site: Option<bool>,
    /// One sentence, such as "survives any single host or rack loss; not the loss of site dc1".
    pub summary: String,
}

/// Every stack's compose file, read in deployment order.
fn read_stacks(plan: &Plan, order: &StackOrder) -> Vec<Compose> {
    order
        .order
        .iter()
        .map(|&i| compose::read(&plan.stacks[i]))
        .collect()
}

/// The scheduler's view of every service, stacks in deployment order, services in file order.
fn service_specs<'a>(plan: &'a Plan, composes: &'a [Compose]) -> Vec<Spec<'a>> {
    placement::specs(
        plan,
        composes
            .iter()
            .flat_map(|c| c.services.iter().map(move |s| (c.stack.as_str(), s))),
    )
}

/// Analyses a plan. Pure and deterministic: the same plan gives the same analysis.
pub fn analyze(plan: &Plan, options: &Options) -> Analysis {
    let managers = plan.managers().count();
    let quorum = Quorum::of(managers);

    let order = stack_order(plan);
    let composes = read_stacks(plan, &order);
    let refusals = crate::budget::check(
        plan,
        &composes,
        options.host_pairs,
        crate::budget::Work::Analysis,
    );
    if !refusals.is_empty() {
        return refused::analysis(quorum, &composes, refusals);
    }
    let specs = service_specs(plan, &composes);

    let mut cluster = Cluster::new(plan, &specs);
    let uneven = cluster.place_all();
    let baseline = Baseline::of(plan, &cluster);

    let mut domains = domains::single_domains(plan);
    if options.host_pairs {
        domains.extend(domains::host_pairs(plan));
    }
    let failures: Vec<FailureScenario> = domains.iter().map(|d| baseline.fail(d)).collect();
    let survival = failures::survival(&failures, managers);

    let mut findings = validate::structure(plan);
    if !order.cycle.is_empty() {
        findings.push(Finding::new(
            Code::StackCycle,
            Target::Stack(order.cycle[0].clone()),
            format!(
                "stacks {} wait for each other in `after:`: no order can deploy them",
                order.cycle.join(", ")
            ),
        ));
    }
    findings.extend(checks::quorum(managers, &failures));
    findings.extend(composes.iter().flat_map(|c| c.findings.iter().cloned()));
    findings.extend(crate::swarm_network::findings(plan, &composes));
    findings.extend(checks::placement(
        plan,
        &composes,
        &specs,
        &cluster,
        &baseline.services,
        &uneven,
    ));
    findings.extend(checks::failures(&failures));
    // A stable sort keeps plan order within each severity.
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
        placement: cluster.named(&cluster.placed),
        pending: cluster.named_waiting(),
        services: baseline.services,
        failures,
        survival,
        findings,
    }
}
