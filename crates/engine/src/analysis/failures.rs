//! The plan with every node up, and what the loss of any set of hosts does to it: which nodes
//! go, whether quorum holds, where Swarm reschedules the tasks, and how every service fares.

use super::{
    read_stacks, service_specs, FailureScenario, Health, ServiceImpact, ServiceMode, ServiceStatus,
    Survival,
};
use crate::compose::Mode;
use crate::domains::{Domain, DomainKind};
use crate::order::stack_order;
use crate::placement::{Cluster, Placed, Spec, Task, Waiting};
use crate::plan::{Availability, Plan, Role};
use crate::quorum;
use serde::Serialize;
use std::collections::BTreeMap;

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

fn spec_mode(spec: &Spec) -> ServiceMode {
    match spec.service.mode {
        Mode::Replicated(_) => ServiceMode::Replicated,
        Mode::Global => ServiceMode::Global,
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

/// Each service's status in a cluster, with the `lost` nodes down (sorted; none for the
/// baseline).
fn statuses(
    plan: &Plan,
    cluster: &Cluster,
    eligible: &GlobalEligibility,
    lost: &[usize],
) -> Vec<ServiceStatus> {
    (0..cluster.specs().len())
        .map(|index| status(plan, cluster, eligible, lost, index))
        .collect()
}

/// One service's status in a cluster with the `lost` nodes down.
fn status(
    plan: &Plan,
    cluster: &Cluster,
    eligible: &GlobalEligibility,
    lost: &[usize],
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
    let desired = desired(spec, eligible, lost, index);
    ServiceStatus {
        stack: spec.stack.to_owned(),
        service: spec.service.name.clone(),
        mode: spec_mode(spec),
        desired,
        running,
        health: Health::of(desired, running),
        nodes,
        hosts,
        ties: None,
        odds: None,
    }
}

/// What an outage does: its failure scenario, and how every service fares during it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outage {
    pub scenario: FailureScenario,
    /// Every service during the outage, in the order of `Analysis::services`: desired tasks
    /// (for a global service, on the nodes still up), running tasks, health, nodes and hosts.
    pub services: Vec<ServiceStatus>,
}

/// What losing an arbitrary set of hosts at once does: the live what-if of the app, where a user
/// fails several hosts, racks or sites together. The same machinery as the single domains of
/// `analyze`, over a `Hosts` domain named after the hosts it takes down.
pub fn what_if(plan: &Plan, lost_hosts: &[String]) -> Outage {
    let order = stack_order(plan);
    let composes = read_stacks(plan, &order);
    let specs = service_specs(plan, &composes);
    let mut cluster = Cluster::new(plan, &specs);
    cluster.place_all();
    outage(plan, &cluster, lost_hosts)
}

/// What losing a set of hosts does to a cluster whose tasks run where `placement` says (a
/// running cluster's real placement, which Swarm's random ties may have made different from the
/// plan's), rather than where the engine would place them: the what-if of a running cluster.
/// Slots of replicated services that `placement` does not run are taken as waiting.
pub fn what_if_from(plan: &Plan, placement: &[Task], lost_hosts: &[String]) -> Outage {
    let order = stack_order(plan);
    let composes = read_stacks(plan, &order);
    let specs = service_specs(plan, &composes);
    let cluster = Cluster::with_tasks(plan, &specs, placement);
    outage(plan, &cluster, lost_hosts)
}

/// The outage of `lost_hosts` on a placed cluster.
fn outage(plan: &Plan, cluster: &Cluster, lost_hosts: &[String]) -> Outage {
    let baseline = Baseline::of(plan, cluster);
    let domain = Domain {
        kind: DomainKind::Hosts,
        name: lost_hosts.join("+"),
        hosts: lost_hosts.to_vec(),
    };
    let lost = baseline.lost_nodes(&domain);
    let during = baseline.cluster_without(&lost);
    Outage {
        scenario: baseline.scenario(&domain, &lost, &during),
        services: statuses(plan, &during.cluster, &baseline.eligible, &lost),
    }
}

/// The plan with every node up, placed: what each failure scenario starts from.
pub(super) struct Baseline<'b> {
    plan: &'b Plan,
    managers: usize,
    cluster: &'b Cluster<'b>,
    /// Per node, the tasks on it.
    on_node: Vec<Vec<Placed>>,
    eligible: GlobalEligibility,
    pub(super) services: Vec<ServiceStatus>,
    /// Per host name, its nodes in plan order.
    nodes_of_host: BTreeMap<&'b str, Vec<usize>>,
}

impl<'b> Baseline<'b> {
    pub(super) fn of(plan: &'b Plan, cluster: &'b Cluster<'b>) -> Self {
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
            services: statuses(plan, cluster, &eligible, &[]),
            eligible,
            nodes_of_host,
        }
    }

    /// The nodes a domain takes down, in plan order.
    fn lost_nodes(&self, domain: &Domain) -> Vec<usize> {
        let mut lost: Vec<usize> = domain
            .hosts
            .iter()
            .filter_map(|h| self.nodes_of_host.get(h.as_str()))
            .flatten()
            .copied()
            .collect();
        lost.sort_unstable();
        lost.dedup();
        lost
    }

    /// The cluster with the `lost` nodes down: their replicated tasks (and those that were
    /// already waiting) placed again when the managers left keep quorum, and waiting otherwise.
    fn cluster_without(&self, lost: &[usize]) -> During<'b> {
        let Baseline {
            plan,
            managers,
            cluster: baseline,
            ref on_node,
            ..
        } = *self;
        let managers_lost = lost
            .iter()
            .filter(|&&i| plan.nodes[i].role == Role::Manager)
            .count();
        let managers_left = managers - managers_lost;
        let quorum = quorum::holds(managers, managers_left);

        let mut cluster = Cluster::without(baseline, lost);
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
        During {
            cluster,
            managers_left,
            quorum,
        }
    }

    /// What losing a domain does.
    pub(super) fn fail(&self, domain: &Domain) -> FailureScenario {
        let lost = self.lost_nodes(domain);
        let during = self.cluster_without(&lost);
        self.scenario(domain, &lost, &during)
    }

    /// The failure scenario of a domain whose `lost` nodes leave the cluster `during`.
    fn scenario(&self, domain: &Domain, lost: &[usize], during: &During) -> FailureScenario {
        let Baseline {
            plan,
            cluster: baseline,
            ref on_node,
            ref eligible,
            services: ref before,
            ..
        } = *self;
        let cluster = &during.cluster;
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
            let desired = desired(&baseline.specs()[spec], eligible, lost, spec);
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
            managers_left: during.managers_left,
            quorum: during.quorum,
            services,
            rescheduled: cluster.named(&cluster.placed),
            pending: cluster.named_waiting(),
            rebalance,
            loops_before_docker_28_3: cluster
                .stalled
                .iter()
                .map(|&spec| baseline.specs()[spec].id())
                .collect(),
        }
    }
}

/// The cluster during a failure.
struct During<'b> {
    cluster: Cluster<'b>,
    managers_left: usize,
    quorum: bool,
}

pub(super) fn survival(failures: &[FailureScenario], managers: usize) -> Survival {
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

#[cfg(test)]
mod tests {
    use super::{what_if, what_if_from};
    use crate::{analyze, examples, parse_plan, Options};

    /// Started from the engine's own placement, the what-if of a running cluster is the plan's.
    #[test]
    fn from_the_plans_own_placement_it_is_the_plans_what_if() {
        for example in examples::EXAMPLES {
            let plan = parse_plan(example.yaml).expect("the examples read");
            let analysis = analyze(&plan, &Options::default());
            for host in &plan.hosts {
                let lost = [host.name.clone()];
                assert_eq!(
                    what_if_from(&plan, &analysis.placement, &lost),
                    what_if(&plan, &lost),
                    "{} without {}",
                    example.id,
                    host.name
                );
            }
        }
    }

    /// A cluster whose tasks Swarm put elsewhere than the plan would: the loss of the host that
    /// really runs them takes them down, whatever the plan's own placement says.
    #[test]
    fn the_real_placement_decides_what_a_loss_takes() {
        let plan = parse_plan(
            "swarmplan: 1\nname: t\nhosts: [{name: h1}, {name: h2}, {name: h3}]\nnodes:\n  - {name: m1, host: h1, role: manager}\n  - {name: m2, host: h2, role: manager}\n  - {name: m3, host: h3, role: manager}\nstacks:\n  - name: s\n    compose:\n      services:\n        web: {image: x, deploy: {replicas: 2, placement: {max_replicas_per_node: 1, constraints: [node.hostname != m3]}}}\n",
        )
        .expect("the plan reads");
        let analysis = analyze(&plan, &Options::default());
        let on = |slot, node: &str| crate::placement::Task {
            stack: "s".into(),
            service: "web".into(),
            slot,
            node: node.into(),
            ties: None,
            p: None,
        };
        // The plan puts one task on m1 and one on m2 (which slot where is Swarm's draw); this
        // cluster runs only slot 1, on m2.
        let mut shown: Vec<_> = analysis.placement.iter().map(|t| t.node.as_str()).collect();
        shown.sort_unstable();
        assert_eq!(shown, vec!["m1", "m2"]);
        // The plan's what-if says losing h1 degrades the service; the real cluster runs nothing
        // there, so losing h1 costs it nothing.
        let real = [on(1, "m2")];
        assert_eq!(
            what_if(&plan, &["h1".to_owned()])
                .scenario
                .services
                .degraded,
            vec!["s/web".to_owned()]
        );
        let outage = what_if_from(&plan, &real, &["h1".to_owned()]);
        assert!(outage.scenario.services.degraded.is_empty());
        assert!(outage.scenario.services.down.is_empty());
        // Losing h2 moves the real task to m1, and slot 2 still has nowhere to go.
        let outage = what_if_from(&plan, &real, &["h2".to_owned()]);
        assert!(outage.scenario.quorum);
        assert_eq!(outage.scenario.rescheduled.len(), 1);
        assert_eq!(outage.scenario.rescheduled[0].node, "m1");
        assert_eq!(outage.scenario.pending.len(), 1);
        assert_eq!(outage.services[0].running, 1);
    }
}
