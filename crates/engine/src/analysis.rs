//! `analyze`: everything Swarmplan computes about a plan, in one deterministic value.

use crate::compose::{self, Compose, Mode};

use crate::findings::{Code, Finding, Severity, Target};
use crate::order::{stack_order, StackOrder};
use crate::placement::{self, Cluster, Pending, Placed, Spec, Task, Waiting};
use crate::plan::{Availability, Plan, Role};
use crate::quorum::{self, Quorum};
use crate::topology::{self, Domain, DomainKind};
use crate::{checks, validate};
use serde::Serialize;
use std::collections::BTreeMap;

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
    let specs = service_specs(plan, &composes);

    let mut cluster = Cluster::new(plan, &specs);
    let uneven = cluster.place_all();
    let baseline = Baseline::of(plan, &cluster);

    let mut domains = topology::single_domains(plan);
    if options.host_pairs {
        domains.extend(topology::host_pairs(plan));
    }
    let failures: Vec<FailureScenario> = domains.iter().map(|d| baseline.fail(d)).collect();
    let survival = survival(&failures, managers);

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
    findings.extend(quorum_findings(managers, &failures));
    findings.extend(composes.iter().flat_map(|c| c.findings.iter().cloned()));
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

/// For each global service, the nodes it should run on when all are up: active nodes that meet
/// its constraints. A failure removes the lost ones from that count.
struct GlobalEligibility(Vec<Vec<usize>>);

impl GlobalEligibility {
    fn of(plan: &Plan, specs: &[Spec]) -> Self {
        GlobalEligibility(
            specs
                .iter()
                .map(|spec| match (&spec.service.mode, &spec.constraints) {
                    (Mode::Global, Ok(_)) => plan
                        .nodes
                        .iter()
                        .enumerate()
                        .filter(|(i, n)| n.availability == Availability::Active && spec.matches[*i])
                        .map(|(i, _)| i)
                        .collect(),
                    _ => Vec::new(),
                })
                .collect(),
        )
    }
}

fn tasks_by_node(cluster: &Cluster, nodes: usize) -> Vec<Vec<Placed>> {
    let mut on_node = vec![Vec::new(); nodes];
    for task in &cluster.placed {
        on_node[task.node].push(*task);
    }
    on_node
}

fn spec_mode(spec: &Spec) -> &'static str {
    match spec.service.mode {
        Mode::Replicated(_) => "replicated",
        Mode::Global => "global",
    }
}

/// Replicas asked for; for a global service, its eligible nodes not `lost`.
fn desired(spec: &Spec, eligible: &GlobalEligibility, lost: &[usize], index: usize) -> u64 {
    match spec.service.mode {
        Mode::Replicated(n) => n,
        Mode::Global => eligible.0[index]
            .iter()
            .filter(|i| lost.binary_search(i).is_err())
            .count() as u64,
    }
}

fn health(desired: u64, running: u64) -> Health {
    if running >= desired {
        Health::Healthy
    } else if running == 0 {
        Health::Down
    } else {
        Health::Degraded
    }
}

/// Each service's status in a cluster.
fn statuses(plan: &Plan, cluster: &Cluster, eligible: &GlobalEligibility) -> Vec<ServiceStatus> {
    (0..cluster.specs().len())
        .map(|index| status(plan, cluster, eligible, index))
        .collect()
}

/// One service's status in a cluster with every node up.
fn status(
    plan: &Plan,
    cluster: &Cluster,
    eligible: &GlobalEligibility,
    index: usize,
) -> ServiceStatus {
    let spec = &cluster.specs()[index];
    let mut seen = vec![false; plan.nodes.len()];
    let mut nodes: Vec<String> = Vec::new();
    let mut hosts: Vec<String> = Vec::new();
    let mut running = 0;
    for task in cluster.tasks_of(index) {
        running += 1;
        if std::mem::replace(&mut seen[task.node], true) {
            continue;
        }
        let node = &plan.nodes[task.node];
        nodes.push(node.name.clone());
        if !hosts.iter().any(|h| h == node.host_name()) {
            hosts.push(node.host_name().to_owned());
        }
    }
    let (mode, desired) = (spec_mode(spec), desired(spec, eligible, &[], index));
    ServiceStatus {
        stack: spec.stack.to_owned(),
        service: spec.service.name.clone(),
        mode,
        desired,
        running,
        health: health(desired, running),
        nodes,
        hosts,
    }
}

/// What losing an arbitrary set of hosts at once does: the live what-if of the app, where a user
/// fails several hosts, racks or sites together. The same machinery as the single domains of
/// `analyze`, over a `Hosts` domain named after the hosts it takes down.
pub fn what_if(plan: &Plan, lost_hosts: &[String]) -> FailureScenario {
    let order = stack_order(plan);
    let composes = read_stacks(plan, &order);
    let specs = service_specs(plan, &composes);
    let mut cluster = Cluster::new(plan, &specs);
    cluster.place_all();
    Baseline::of(plan, &cluster).fail(&Domain {
        kind: DomainKind::Hosts,
        name: lost_hosts.join("+"),
        hosts: lost_hosts.to_vec(),
    })
}

/// The plan with every node up, placed: what each failure scenario starts from.
struct Baseline<'b> {
    plan: &'b Plan,
    managers: usize,
    cluster: &'b Cluster<'b>,
    /// Per node, the tasks on it.
    on_node: Vec<Vec<Placed>>,
    eligible: GlobalEligibility,
    services: Vec<ServiceStatus>,
    /// Per host name, its nodes in plan order.
    nodes_of_host: BTreeMap<&'b str, Vec<usize>>,
}

impl<'b> Baseline<'b> {
    fn of(plan: &'b Plan, cluster: &'b Cluster<'b>) -> Self {
        let eligible = GlobalEligibility::of(plan, cluster.specs());
        let mut nodes_of_host: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, node) in plan.nodes.iter().enumerate() {
            nodes_of_host.entry(node.host_name()).or_default().push(i);
        }
        Baseline {
            plan,
            managers: plan.managers().count(),
            cluster,
            on_node: tasks_by_node(cluster, plan.nodes.len()),
            services: statuses(plan, cluster, &eligible),
            eligible,
            nodes_of_host,
        }
    }

    /// What losing a domain does.
    fn fail(&self, domain: &Domain) -> FailureScenario {
        let Baseline {
            plan,
            managers,
            cluster: baseline,
            ref on_node,
            ref eligible,
            services: ref before,
            ..
        } = *self;
        let mut lost: Vec<usize> = domain
            .hosts
            .iter()
            .filter_map(|h| self.nodes_of_host.get(h.as_str()))
            .flatten()
            .copied()
            .collect();
        lost.sort_unstable();
        lost.dedup();
        let managers_lost = lost
            .iter()
            .filter(|&&i| plan.nodes[i].role == Role::Manager)
            .count();
        let managers_left = managers - managers_lost;
        let quorum = quorum::holds(managers, managers_left);

        let mut cluster = Cluster::without(baseline, &lost);
        // The replicated tasks lost with the domain, and those that were already waiting: Swarm
        // tries them all again. Global tasks are not moved: their nodes are gone.
        let mut retry: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        let replicated =
            |spec: usize| matches!(baseline.specs()[spec].service.mode, Mode::Replicated(_));
        for task in lost.iter().flat_map(|&i| &on_node[i]) {
            if replicated(task.spec) {
                retry.entry(task.spec).or_default().push(task.slot);
            }
        }
        for waiting in &baseline.waiting {
            if replicated(waiting.spec) && baseline.specs()[waiting.spec].constraints.is_ok() {
                retry.entry(waiting.spec).or_default().push(waiting.slot);
            } else {
                cluster.waiting.push(waiting.clone());
            }
        }
        if quorum {
            for (spec, mut slots) in retry {
                slots.sort_unstable();
                cluster.place_replicated(spec, slots);
            }
        } else {
            for (spec, slots) in retry {
                for slot in slots {
                    cluster.waiting.push(Waiting {
                        spec,
                        slot,
                        reason: "quorum lost: the managers left cannot reschedule tasks".to_owned(),
                    });
                }
            }
        }
        let hurt: Vec<usize> = {
            let mut hurt: Vec<usize> = lost
                .iter()
                .flat_map(|&i| on_node[i].iter().map(|t| t.spec))
                .collect();
            hurt.sort_unstable();
            hurt.dedup();
            hurt
        };
        let mut services = ServiceImpact::default();
        for &spec in &hurt {
            let previous = &before[spec];
            let running = cluster.tasks_of(spec).count() as u64;
            let desired = desired(&baseline.specs()[spec], eligible, &lost, spec);
            // Only what the failure itself does counts: a service already short before it is
            // reported by the pending findings.
            if previous.running > 0 && running == 0 {
                services.down.push(previous.id());
            } else if running < desired && running < previous.running {
                services.degraded.push(previous.id());
            }
        }
        let mut moved: Vec<usize> = cluster.placed.iter().map(|t| t.spec).collect();
        moved.sort_unstable();
        moved.dedup();
        let rebalance: Vec<String> = moved
            .iter()
            .map(|&spec| baseline.specs()[spec].id())
            .collect();
        FailureScenario {
            domain: domain.kind,
            name: domain.name.clone(),
            hosts: domain.hosts.clone(),
            lost_nodes: lost.iter().map(|&i| plan.nodes[i].name.clone()).collect(),
            managers_left,
            quorum,
            services,
            rescheduled: cluster.named(&cluster.placed),
            pending: cluster.named_waiting(),
            rebalance,
        }
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
        let quorum_lost: Vec<String> = failures
            .iter()
            .filter(single)
            .filter(|f| !f.quorum)
            .map(describe)
            .collect();
        let services_stop: Vec<String> = failures
            .iter()
            .filter(single)
            .filter(|f| f.quorum && !f.survived())
            .map(describe)
            .collect();
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
    Survival {
        host,
        rack,
        site,
        summary,
    }
}

fn join_with(items: &[impl AsRef<str>], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., tail] => format!(
            "{} {last} {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
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
            Finding::new(Code::NoManagers, Target::Plan, "the plan has no manager node: a swarm needs at least one")
                .hint("give three nodes on three different hosts the role manager"),
        ),
        1 => findings.push(
            Finding::new(Code::SingleManager, Target::Plan, "one manager tolerates no loss: if it fails, the swarm can no longer be managed")
                .hint("use three managers on three different hosts"),
        ),
        n if n % 2 == 0 => findings.push(
            Finding::new(
                Code::EvenManagers,
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
            Finding::new(
                Code::TooManyManagers,
                Target::Plan,
                format!("{managers} managers: Docker advises at most seven, since every manager takes part in each Raft write"),
            )
            .hint("keep 3, 5 or 7 managers and make the other nodes workers"),
        );
    }
    if managers > 0 {
        for failure in failures
            .iter()
            .filter(|f| !f.quorum && f.domain != DomainKind::Hosts)
        {
            let only_one = failures
                .iter()
                .filter(|f| f.domain == failure.domain)
                .count()
                == 1;
            if only_one && failure.domain != DomainKind::Host {
                // A plan drawn in one rack or one site cannot survive its loss, whatever the
                // managers do: that is a fact of the design to state, not a mistake to fix.
                findings.push(
                    Finding::new(
                        if failure.domain == DomainKind::Rack {
                            Code::SingleRack
                        } else {
                            Code::SingleSite
                        },
                        if failure.domain == DomainKind::Rack {
                            Target::Rack(failure.name.clone())
                        } else {
                            Target::Site(failure.name.clone())
                        },
                        format!(
                            "every host is in {} {}: its loss stops the swarm",
                            failure.domain, failure.name
                        ),
                    )
                    .hint(format!(
                        "to survive the loss of a {0}, spread the managers over three {0}s",
                        failure.domain
                    )),
                );
                continue;
            }
            let (code, target) = match failure.domain {
                DomainKind::Host => (
                    Code::HostLossBreaksQuorum,
                    Target::Host(failure.name.clone()),
                ),
                DomainKind::Rack => (
                    Code::RackLossBreaksQuorum,
                    Target::Rack(failure.name.clone()),
                ),
                DomainKind::Site => (
                    Code::SiteLossBreaksQuorum,
                    Target::Site(failure.name.clone()),
                ),
                DomainKind::Hosts => unreachable!("pairs are filtered out above"),
            };
            let lost = managers - failure.managers_left;
            findings.push(
                Finding::new(
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
