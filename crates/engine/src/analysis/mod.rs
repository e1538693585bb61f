//! `analyze`: everything Swarmplan computes about a plan, in one deterministic value.
//!
//! - `mod.rs`: the analysis' types and `analyze` itself;
//! - `failures.rs`: the baseline placement and what the loss of any set of hosts does to it
//!   (every failure scenario, the survival summary, the app's what-if);
//! - `checks.rs`: the findings that need placement and failures, quorum's among them.

pub mod agreement;
mod checks;
mod failures;
pub mod odds;
mod refused;

pub use failures::{what_if, what_if_from, Outage};
pub use odds::ServiceOdds;

use crate::compose::{self, Compose};
use crate::domains::{self, DomainKind};
use crate::findings::{Code, Finding, Severity, Target};
use crate::order::{stack_order, StackOrder};
use crate::placement::{self, Chance, Cluster, Pending, Spec, Task, Ties};
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
    /// Sample Swarm's dice this many times (0: not at all) for the odds: each service's
    /// outcomes, each task's `p`, how likely each exposure and failure impact is. Each draw
    /// replays the whole deployment and every single-domain failure, so this costs about as
    /// many analyses: for the examples, `odds::DEFAULT_DRAWS` take a few tens of
    /// milliseconds natively.
    pub odds: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub quorum: Quorum,
    /// Stacks in deployment order, with the variables their compose files use.
    pub stacks: Vec<StackInfo>,
    /// Where every task runs, stacks in deployment order, services in file order: the most
    /// probable outcome of Swarm's draws, each task with its ties (and, with odds, `p`).
    pub placement: Vec<Task>,
    /// The node sets that ties too large to list refer to (`Ties::Many { among, .. }`): the
    /// ready nodes of a spread branch that meet a service's constraints, in join order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<Vec<String>>,
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
    /// The other nodes its tasks could equally have run on: every task's ties together (or,
    /// when any is too large to list, the largest of them). Stated for the analysis' own
    /// placement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ties: Option<Ties>,
    /// Its outcomes over Swarm's sampled draws, when odds were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub odds: Option<ServiceOdds>,
}

impl ServiceStatus {
    pub fn id(&self) -> String {
        ServiceId::new(&self.stack, &self.service).to_string()
    }

    /// Where Swarm could equally have put its tasks, when it had a choice: "one of m3, m1, w1"
    /// for one task, "2 tasks on 2 of m1, w1, w2" for more; `None` when every task was forced.
    pub fn one_of(&self) -> Option<String> {
        let ties = match self.ties.as_ref()? {
            Ties::Nodes(nodes) if nodes.is_empty() => return None,
            Ties::Nodes(nodes) => nodes.join(", "),
            Ties::Many { count, .. } => format!("{count} other nodes"),
        };
        let nodes = self.nodes.join(", ");
        Some(match (self.running, self.nodes.len()) {
            (1, _) => format!("one of {nodes}, {ties}"),
            (running, on) => format!("{running} tasks on {on} of {nodes}, {ties}"),
        })
    }
}

/// Services hurt by a failure, as `stack/service`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServiceImpact {
    /// What the failure does to the placement shown.
    pub down: Vec<String>,
    pub degraded: Vec<String>,
    /// What it does in some other outcome of Swarm's draws, and how often (with odds).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub may_stop: Vec<ServiceChance>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub may_degrade: Vec<ServiceChance>,
}

/// A service, and how likely something is to happen to it (`None`: possible, odds unknown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceChance {
    pub service: String,
    pub p: Option<Chance>,
}

impl ServiceChance {
    /// Services and their chances as `analyze` and the design report print them:
    /// `msa/db (33 %), msa/api (possible)`.
    pub fn list(chances: &[ServiceChance]) -> String {
        chances
            .iter()
            .map(|c| match c.p {
                Some(p) => format!("{} ({})", c.service, p.percent()),
                None => format!("{} (possible)", c.service),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
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
    /// Services whose rescheduling leaves Swarm's scheduler looping before Docker 28.3
    /// (swarmkit #3200): there, every new task in the swarm would stay pending.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub loops_before_docker_28_3: Vec<String>,
}

impl FailureScenario {
    /// Every task that runs during the failure, with whether the failure moved it there: those
    /// of `placement` (the analysis' own) on the nodes left, then the rescheduled ones.
    pub fn running<'a>(&'a self, placement: &'a [Task]) -> impl Iterator<Item = (&'a Task, bool)> {
        placement
            .iter()
            .filter(|t| !self.lost_nodes.contains(&t.node))
            .map(|t| (t, false))
            .chain(self.rescheduled.iter().map(|t| (t, true)))
    }

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
    let size =
        crate::budget::Size::of(plan, &composes, options.host_pairs).with_draws(options.odds);
    let refusals = crate::budget::check_size(plan, &size, crate::budget::Work::Analysis);
    if !refusals.is_empty() {
        return refused::analysis(quorum, &composes, refusals);
    }
    let specs = service_specs(plan, &composes);

    let mut cluster = Cluster::new(plan, &specs);
    let uneven = cluster.place_all();
    let baseline = Baseline::of(plan, &cluster);

    let singles = domains::single_domains(plan);
    let mut domains = singles.clone();
    if options.host_pairs {
        domains.extend(domains::host_pairs(plan));
    }
    let mut failures: Vec<FailureScenario> = domains.iter().map(|d| baseline.fail(d)).collect();
    let survival = failures::survival(&failures, managers);

    let mut placement = cluster.named_placement();
    let mut services = baseline.services.clone();
    let sample = (options.odds > 0).then(|| odds::sample(plan, &specs, &singles, options.odds));
    if let Some(sample) = &sample {
        sample.annotate(&cluster, &mut placement, &mut services);
        let singles: Vec<usize> = (0..singles.len()).collect();
        sample.annotate_failures(&specs, &mut failures, &singles);
    }
    service_ties(&cluster, &placement, &mut services);

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
        &services,
        &uneven,
        sample.as_ref(),
    ));
    findings.extend(checks::exposures(
        &specs,
        &cluster,
        &services,
        sample.as_ref(),
    ));
    findings.extend(checks::old_docker_loops(&specs, &cluster, &failures));
    findings.extend(checks::failures(&failures));
    findings.extend(checks::failure_odds(&failures));
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
        placement,
        candidates: cluster.named_candidates(),
        pending: cluster.named_waiting(),
        services,
        failures,
        survival,
        findings,
    }
}

/// Each service's ties: every task's together, without the nodes it runs on; or, when any is
/// too large to list, the largest of them. Gathered by node index, named once.
fn service_ties(cluster: &Cluster, placement: &[Task], services: &mut [ServiceStatus]) {
    let plan = cluster.plan();
    let rank = placement::join_rank(plan);
    let index_of: std::collections::BTreeMap<&str, u32> = plan
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i as u32))
        .collect();
    let mut listed: Vec<std::collections::BTreeSet<(u32, u32)>> =
        vec![Default::default(); services.len()];
    let mut many: Vec<Option<(usize, usize)>> = vec![None; services.len()];
    let mut stated = vec![false; services.len()];
    for (task, placed) in placement.iter().zip(&cluster.placed) {
        let service = placed.spec;
        match &task.ties {
            None => continue,
            Some(Ties::Nodes(nodes)) => {
                for name in nodes {
                    let node = index_of[name.as_str()];
                    listed[service].insert((rank[node as usize], node));
                }
            }
            Some(Ties::Many { among, count }) => {
                let (among, count) = (*among, *count);
                if many[service].is_none_or(|(_, most)| count > most) {
                    many[service] = Some((among, count));
                }
            }
        }
        stated[service] = true;
    }
    for (index, status) in services.iter_mut().enumerate() {
        if !stated[index] {
            continue;
        }
        status.ties = Some(match many[index] {
            Some((among, count)) => Ties::Many { among, count },
            None => Ties::Nodes(
                listed[index]
                    .iter()
                    .map(|&(_, node)| plan.nodes[node as usize].name.clone())
                    .filter(|name| !status.nodes.contains(name))
                    .collect(),
            ),
        });
    }
}
