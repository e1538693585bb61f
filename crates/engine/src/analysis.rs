//! `analyze`: everything Swarmplan computes about a plan, in one deterministic value.

use crate::compose::{self, Compose, Mode};
use crate::findings::{Finding, Severity, Target};
use crate::order::stack_order;
use crate::placement::{Cluster, Pending, Spec, Task};
use crate::plan::{Plan, Role};
use crate::quorum::{self, Quorum};
use crate::topology::{self, Domain, DomainKind};
use crate::{checks, validate};
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

    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StackInfo {
    pub name: String,
    pub variables: Vec<compose::interpolate::Variable>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Degraded,
    Down,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceStatus {
    pub stack: String,
    pub service: String,
    /// `replicated` or `global`.
    pub mode: &'static str,
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
        format!("{}/{}", self.stack, self.service)
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

/// Analyses a plan. Pure and deterministic: the same plan gives the same analysis.
pub fn analyze(plan: &Plan, options: &Options) -> Analysis {
    let managers = plan.managers().count();
    let quorum = Quorum::of(managers);

    let order = stack_order(plan);
    let composes: Vec<Compose> = order.order.iter().map(|&i| compose::read(&plan.stacks[i])).collect();
    let specs: Vec<Spec> = composes.iter().flat_map(|c| c.services.iter().map(|s| Spec::new(&c.stack, s))).collect();

    let mut baseline = Cluster::new(plan);
    let order_dependent = baseline.place_all(&specs);
    let services = statuses(plan, &specs, &baseline);

    let mut domains = topology::single_domains(plan);
    if options.host_pairs {
        domains.extend(topology::host_pairs(plan));
    }
    let failures: Vec<FailureScenario> =
        domains.iter().map(|d| fail(plan, d, managers, &specs, &baseline, &services)).collect();
    let survival = survival(&failures, managers);

    let mut findings = validate::structure(plan);
    if !order.cycle.is_empty() {
        findings.push(Finding::error(
            "stack-cycle",
            Target::Stack(order.cycle[0].clone()),
            format!("stacks {} wait for each other in `after:`: no order can deploy them", order.cycle.join(", ")),
        ));
    }
    findings.extend(quorum_findings(managers, &failures));
    findings.extend(composes.iter().flat_map(|c| c.findings.iter().cloned()));
    findings.extend(checks::placement(plan, &composes, &specs, &baseline, &services, &order_dependent));
    findings.extend(checks::failures(&failures));
    // A stable sort keeps plan order within each severity.
    findings.sort_by_key(|f| f.severity);

    Analysis {
        quorum,
        stacks: composes.iter().map(|c| StackInfo { name: c.stack.clone(), variables: c.variables.clone() }).collect(),
        placement: baseline.tasks.clone(),
        pending: baseline.pending.clone(),
        services,
        failures,
        survival,
        findings,
    }
}

/// Whether a global service should run on a node: up, active, and meeting its constraints.
fn global_eligible(plan: &Plan, cluster_up: &dyn Fn(usize) -> bool, spec: &Spec) -> u64 {
    let Ok(constraints) = &spec.constraints else { return 0 };
    plan.nodes
        .iter()
        .enumerate()
        .filter(|(i, n)| {
            cluster_up(*i)
                && n.availability == crate::plan::Availability::Active
                && crate::constraint::all_match(constraints, n)
        })
        .count() as u64
}

fn statuses(plan: &Plan, specs: &[Spec], cluster: &Cluster) -> Vec<ServiceStatus> {
    statuses_with(plan, specs, cluster, &|_| true)
}

fn statuses_with(plan: &Plan, specs: &[Spec], cluster: &Cluster, up: &dyn Fn(usize) -> bool) -> Vec<ServiceStatus> {
    specs
        .iter()
        .map(|spec| {
            let tasks: Vec<&Task> =
                cluster.tasks.iter().filter(|t| t.stack == spec.stack && t.service == spec.service.name).collect();
            let mut nodes: Vec<String> = Vec::new();
            let mut hosts: Vec<String> = Vec::new();
            for task in &tasks {
                if !nodes.contains(&task.node) {
                    nodes.push(task.node.clone());
                }
                let host = plan.node(&task.node).map(|n| n.host_name().to_owned()).unwrap_or_default();
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
            }
            let (mode, desired) = match spec.service.mode {
                Mode::Replicated(n) => ("replicated", n),
                Mode::Global => ("global", global_eligible(plan, up, spec)),
            };
            let running = tasks.len() as u64;
            let health = if running >= desired {
                Health::Healthy
            } else if running == 0 {
                Health::Down
            } else {
                Health::Degraded
            };
            ServiceStatus {
                stack: spec.stack.to_owned(),
                service: spec.service.name.clone(),
                mode,
                desired,
                running,
                health,
                nodes,
                hosts,
            }
        })
        .collect()
}

fn fail(
    plan: &Plan,
    domain: &Domain,
    managers: usize,
    specs: &[Spec],
    baseline: &Cluster,
    before: &[ServiceStatus],
) -> FailureScenario {
    let lost: Vec<usize> = plan
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| domain.hosts.iter().any(|h| h == n.host_name()))
        .map(|(i, _)| i)
        .collect();
    let managers_lost = lost.iter().filter(|&&i| plan.nodes[i].role == Role::Manager).count();
    let managers_left = managers - managers_lost;
    let quorum = quorum::holds(managers, managers_left);

    let mut cluster = baseline.clone();
    let gone = cluster.fail_nodes(&lost);
    cluster.recount(specs);
    let retried = std::mem::take(&mut cluster.pending);
    let kept = cluster.tasks.len();
    if quorum {
        for spec in specs.iter().filter(|s| matches!(s.service.mode, Mode::Replicated(_))) {
            let is_this = |stack: &str, service: &str| stack == spec.stack && service == spec.service.name;
            let mut slots: Vec<u64> = gone.iter().filter(|t| is_this(&t.stack, &t.service)).map(|t| t.slot).collect();
            slots.extend(retried.iter().filter(|p| is_this(&p.stack, &p.service)).map(|p| p.slot));
            slots.sort_unstable();
            if !slots.is_empty() {
                cluster.place_replicated(spec, slots);
            }
        }
    } else {
        cluster.pending = retried;
        for task in gone.iter().filter(|t| specs.iter().any(|s| s.stack == t.stack && s.service.name == t.service && s.service.replicas().is_some())) {
            cluster.pending.push(Pending {
                stack: task.stack.clone(),
                service: task.service.clone(),
                slot: task.slot,
                reason: "quorum lost: the managers left cannot reschedule tasks".to_owned(),
            });
        }
    }
    let rescheduled: Vec<Task> = cluster.tasks[kept..].to_vec();
    let lost_set: Vec<usize> = lost.clone();
    let after = statuses_with(plan, specs, &cluster, &|i| !lost_set.contains(&i));
    let mut services = ServiceImpact::default();
    for (status, previous) in after.iter().zip(before) {
        // Only what the failure itself does counts: a service already short before it is
        // reported by the pending findings.
        if previous.running > 0 && status.running == 0 {
            services.down.push(status.id());
        } else if status.running < status.desired && status.running < previous.running {
            services.degraded.push(status.id());
        }
    }
    let mut rebalance: Vec<String> = Vec::new();
    for task in &rescheduled {
        let id = format!("{}/{}", task.stack, task.service);
        if !rebalance.contains(&id) {
            rebalance.push(id);
        }
    }
    FailureScenario {
        domain: domain.kind,
        name: domain.name.clone(),
        hosts: domain.hosts.clone(),
        lost_nodes: lost.iter().map(|&i| plan.nodes[i].name.clone()).collect(),
        managers_left,
        quorum,
        services,
        rescheduled,
        pending: cluster.pending,
        rebalance,
    }
}

fn survival(failures: &[FailureScenario], managers: usize) -> Survival {
    let kind_survives = |kind: DomainKind| -> Option<bool> {
        let mut of_kind = failures.iter().filter(|f| f.domain == kind).peekable();
        of_kind.peek()?;
        Some(of_kind.all(FailureScenario::survived))
    };
    let host = managers > 0 && kind_survives(DomainKind::Host).unwrap_or(true);
    let rack = kind_survives(DomainKind::Rack);
    let site = kind_survives(DomainKind::Site);

    let summary = if managers == 0 {
        "no managers: there is no swarm to keep".to_owned()
    } else {
        let mut kinds = vec![];
        if host {
            kinds.push("host");
        }
        if rack == Some(true) {
            kinds.push("rack");
        }
        if site == Some(true) {
            kinds.push("site");
        }
        let single = |f: &&FailureScenario| f.domain != DomainKind::Hosts;
        let describe = |f: &FailureScenario| format!("{} {}", f.domain, f.name);
        let quorum_lost: Vec<String> = failures.iter().filter(single).filter(|f| !f.quorum).map(describe).collect();
        let services_stop: Vec<String> =
            failures.iter().filter(single).filter(|f| f.quorum && !f.survived()).map(describe).collect();
        let mut clauses: Vec<String> = Vec::new();
        if !kinds.is_empty() {
            clauses.push(format!("survives any single {} loss", join_or(&kinds)));
        }
        if !quorum_lost.is_empty() {
            clauses.push(format!("quorum is lost with {}", join_and(&quorum_lost)));
        }
        if !services_stop.is_empty() {
            clauses.push(format!("services stop with {}", join_and(&services_stop)));
        }
        clauses.join("; ")
    };
    Survival { host, rack, site, summary }
}

fn join_with(items: &[impl AsRef<str>], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., tail] => format!(
            "{} {last} {}",
            init.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", "),
            tail.as_ref()
        ),
    }
}

fn join_or(items: &[impl AsRef<str>]) -> String {
    join_with(items, "or")
}

fn join_and(items: &[impl AsRef<str>]) -> String {
    join_with(items, "and")
}

fn quorum_findings(managers: usize, failures: &[FailureScenario]) -> Vec<Finding> {
    let mut findings = Vec::new();
    match managers {
        0 => findings.push(
            Finding::error("no-managers", Target::Plan, "the plan has no manager node: a swarm needs at least one")
                .hint("give three nodes on three different hosts the role manager"),
        ),
        1 => findings.push(
            Finding::warning("single-manager", Target::Plan, "one manager tolerates no loss: if it fails, the swarm can no longer be managed")
                .hint("use three managers on three different hosts"),
        ),
        n if n % 2 == 0 => findings.push(
            Finding::warning(
                "even-managers",
                Target::Plan,
                format!(
                    "{n} managers tolerate {} loss(es), no more than {} would: an even count adds a node that must stay up without adding tolerance",
                    quorum::tolerates(n),
                    n - 1
                ),
            )
            .hint(format!("use {} or {} managers", n - 1, n + 1)),
        ),
        _ => {}
    }
    if managers > 7 {
        findings.push(
            Finding::warning(
                "too-many-managers",
                Target::Plan,
                format!("{managers} managers: Docker advises at most seven, since every manager takes part in each Raft write"),
            )
            .hint("keep 3, 5 or 7 managers and make the other nodes workers"),
        );
    }
    if managers > 0 {
        for failure in failures.iter().filter(|f| !f.quorum && f.domain != DomainKind::Hosts) {
            let only_one = failures.iter().filter(|f| f.domain == failure.domain).count() == 1;
            if only_one && failure.domain != DomainKind::Host {
                // A plan drawn in one rack or one site cannot survive its loss, whatever the
                // managers do: that is a fact of the design to state, not a mistake to fix.
                findings.push(
                    Finding::info(
                        if failure.domain == DomainKind::Rack { "single-rack" } else { "single-site" },
                        if failure.domain == DomainKind::Rack { Target::Rack(failure.name.clone()) } else { Target::Site(failure.name.clone()) },
                        format!("every host is in {} {}: its loss stops the swarm", failure.domain, failure.name),
                    )
                    .hint(format!("to survive the loss of a {0}, spread the managers over three {0}s", failure.domain)),
                );
                continue;
            }
            let (code, target) = match failure.domain {
                DomainKind::Host => ("host-loss-breaks-quorum", Target::Host(failure.name.clone())),
                DomainKind::Rack => ("rack-loss-breaks-quorum", Target::Rack(failure.name.clone())),
                DomainKind::Site => ("site-loss-breaks-quorum", Target::Site(failure.name.clone())),
                DomainKind::Hosts => unreachable!("pairs are filtered out above"),
            };
            let lost = managers - failure.managers_left;
            findings.push(
                Finding::error(
                    code,
                    target,
                    format!(
                        "losing {} {} takes {lost} of {managers} managers: {} left, quorum needs {}",
                        failure.domain,
                        failure.name,
                        failure.managers_left,
                        quorum::majority(managers)
                    ),
                )
                .hint(match quorum::tolerates(managers) {
                    0 => format!("{managers} manager(s) tolerate no loss: use three managers, each in a different {}", failure.domain),
                    most => format!("spread the managers so that no {} holds more than {most}", failure.domain),
                }),
            );
        }
    }
    findings
}
