//! Findings that need placement: what Swarm would do with the plan, and what it cannot see
//! (physical hosts, racks and sites under its nodes).

use super::odds::Sample;
use super::{FailureScenario, ServiceStatus};
use crate::compose::{Compose, Mode, MountKind, PortMode, UpdateOrder};
use crate::constraint::{Key, Operator};
use crate::domains::DomainKind;
use crate::findings::{Code, Finding, Target};
use crate::placement::ties::KINDS;
use crate::placement::{Chance, Cluster, Spec};
use crate::plan::{Availability, Plan, Protocol};
use crate::quorum;
use crate::units::{Bytes, Cpus};
use std::collections::{BTreeMap, BTreeSet};

fn service_target(spec: &Spec) -> Target {
    Target::Service {
        stack: spec.stack.to_owned(),
        service: spec.service.name.clone(),
    }
}

pub fn placement(
    plan: &Plan,
    composes: &[Compose],
    specs: &[Spec],
    cluster: &Cluster,
    services: &[ServiceStatus],
    uneven: &[(usize, String)],
    sample: Option<&Sample>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(capacity(plan));
    let hosts_in_use: std::collections::BTreeSet<&str> =
        plan.nodes.iter().map(|n| n.host_name()).collect();
    let uneven: BTreeMap<usize, &str> = uneven.iter().map(|(i, how)| (*i, how.as_str())).collect();
    // Per service: its pending tasks, and the first one's reason.
    let mut pending: BTreeMap<usize, (usize, &str)> = BTreeMap::new();
    for waiting in &cluster.waiting {
        pending
            .entry(waiting.spec)
            .or_insert((0, &waiting.reason))
            .0 += 1;
    }
    for (index, spec) in specs.iter().enumerate() {
        let target = service_target(spec);
        let name = spec.id();
        match &spec.constraints {
            Err(error) => findings.push(
                Finding::new(Code::ConstraintInvalid, target.clone(), format!("service {name}: {error}; Docker refuses to create the service"))
                    .hint("constraints are `key == value` or `key != value`, such as node.labels.worker == app"),
            ),
            Ok(constraints) => findings.extend(constraint_findings(plan, spec, constraints)),
        }
        findings.extend(spread_findings(plan, spec, uneven.get(&index).copied()));
        if let Some(&(count, reason)) = pending.get(&index) {
            if spec.constraints.is_ok() {
                let of = match spec.service.mode {
                    Mode::Replicated(n) => format!("{count} of {n} tasks"),
                    Mode::Global => format!("{count} global task(s)"),
                };
                findings.push(
                    Finding::new(Code::TasksPending, target.clone(), format!("service {name}: {of} cannot be placed: {reason}"))
                        .hint("add nodes that meet the service's constraints, free capacity, or lower its replicas"),
                );
            }
        }
        let status = &services[index];
        // How often the odds saw every task on one host, and in one rack.
        let all_in_one = sample.map(|sample| {
            let sampled = sample.exposures(&cluster.domains, index);
            let chance = |hits| Chance {
                hits,
                draws: sample.draws,
            };
            (chance(sampled[0].all), chance(sampled[1].all))
        });
        findings.extend(spread_over_domains(
            plan,
            spec,
            status,
            hosts_in_use.len(),
            all_in_one,
        ));
        findings.extend(reservation_too_large(plan, spec));
        findings.extend(start_first_stall(plan, spec));
        findings.extend(local_volumes(composes, spec));
    }
    findings.extend(port_conflicts(specs));
    findings
}

fn constraint_findings(
    plan: &Plan,
    spec: &Spec,
    constraints: &[crate::constraint::Constraint],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for constraint in constraints {
        match &constraint.key {
            Key::Unknown(key) => findings.push(
                Finding::new(
                    Code::ConstraintKeyUnknown,
                    service_target(spec),
                    format!("service {}: constraint key `{key}` is not one Swarm knows, so it matches no node", spec.id()),
                )
                .hint("use node.id, node.hostname, node.ip, node.role, node.platform.os, node.platform.arch, node.labels.<name> or engine.labels.<name>"),
            ),
            Key::NodeLabel(label) | Key::EngineLabel(label) if constraint.operator == Operator::Equal => {
                let engine = matches!(constraint.key, Key::EngineLabel(_));
                let has = |n: &crate::plan::Node| if engine { n.engine_labels.contains_key(label) } else { n.labels.contains_key(label) };
                if !plan.nodes.iter().any(has) {
                    findings.push(
                        Finding::new(
                            Code::LabelMissing,
                            service_target(spec),
                            format!("service {} needs {} == {}, but no node has the label `{label}`", spec.id(), constraint.raw_key, constraint.value),
                        )
                        .hint(format!("docker node update --label-add {label}={} NODE", constraint.value)),
                    );
                }
            }
            _ => {}
        }
    }
    findings
}

fn spread_findings(plan: &Plan, spec: &Spec, uneven: Option<&str>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if spec.service.mode == Mode::Global {
        return findings;
    }
    for descriptor in &spec.service.preferences {
        let key = crate::constraint::parse(&format!("{descriptor}==x")).map(|c| c.key);
        let label = match &key {
            Ok(Key::NodeLabel(l)) | Ok(Key::EngineLabel(l)) => l,
            _ => {
                findings.push(Finding::new(
                    Code::SpreadIgnored,
                    service_target(spec),
                    format!("service {}: Swarm spreads only over node.labels.* and engine.labels.*; `spread: {descriptor}` is ignored", spec.id()),
                ));
                continue;
            }
        };
        let engine = matches!(key, Ok(Key::EngineLabel(_)));
        let missing: Vec<&str> = plan
            .nodes
            .iter()
            .filter(|n| {
                !(if engine {
                    n.engine_labels.contains_key(label)
                } else {
                    n.labels.contains_key(label)
                })
            })
            .map(|n| n.name.as_str())
            .collect();
        if !missing.is_empty() && missing.len() < plan.nodes.len() {
            findings.push(
                Finding::new(
                    Code::SpreadLabelMissing,
                    service_target(spec),
                    format!(
                        "service {} spreads over `{label}`, which node(s) {} lack: Swarm makes them a branch of their own and gives it a share of the tasks",
                        spec.id(),
                        missing.join(", ")
                    ),
                )
                .hint(format!("label every node with `{label}`, or drain/remove the others")),
            );
        }
    }
    if let Some(how) = uneven {
        findings.push(
            Finding::new(
                Code::SpreadUneven,
                service_target(spec),
                format!(
                    "service {}: its spread ends uneven, {how}: a branch without room for its share (drained, paused, full or constrained-out nodes) hands it to the other branches, in an order Swarm does not fix",
                    spec.id()
                ),
            )
            .hint("for an even split, give every node the spread label and keep only nodes that can run the service in each branch"),
        );
    }
    findings
}

/// Replicas that Swarm spread over nodes but that all stand on one host, rack or site.
fn spread_over_domains(
    plan: &Plan,
    spec: &Spec,
    status: &ServiceStatus,
    hosts_in_use: usize,
    all_in_one: Option<(Chance, Chance)>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let odds = |chance: Chance| {
        if chance.hits == chance.draws {
            " (in every one of Swarm's draws)".to_owned()
        } else {
            format!(" (in about {} of Swarm's draws)", chance.percent())
        }
    };
    if spec.service.mode == Mode::Global || status.running < 2 {
        return findings;
    }
    if status.hosts.len() == 1 && hosts_in_use > 1 {
        findings.push(
            Finding::new(
                Code::ReplicasOneHost,
                service_target(spec),
                format!(
                    "all {} tasks of {} run on nodes of host {}{}: Swarm cannot see that those VMs share a server, whose loss stops the service",
                    status.running,
                    status.id(),
                    status.hosts[0],
                    all_in_one.map(|(host, _)| odds(host)).unwrap_or_default()
                ),
            )
            .hint("constrain or spread the service over a label that differs per host (spread: node.labels.host)"),
        );
        return findings;
    }
    let racks: Vec<&str> = status
        .hosts
        .iter()
        .filter_map(|h| plan.host(h).and_then(|h| h.rack.as_deref()))
        .collect();
    let all_racks: std::collections::BTreeSet<&str> = plan
        .hosts
        .iter()
        .filter_map(|h| h.rack.as_deref())
        .collect();
    if racks.len() == status.hosts.len()
        && all_racks.len() > 1
        && racks.iter().all(|r| *r == racks[0])
    {
        findings.push(
            Finding::new(
                Code::ReplicasOneRack,
                service_target(spec),
                format!(
                    "all {} tasks of {} run in rack {}{}: its loss stops the service",
                    status.running,
                    status.id(),
                    racks[0],
                    all_in_one.map(|(_, rack)| odds(rack)).unwrap_or_default()
                ),
            )
            .hint("spread the service over a rack label (spread: node.labels.rack)"),
        );
    }
    findings
}

fn reservation_too_large(plan: &Plan, spec: &Spec) -> Vec<Finding> {
    let wanted = spec.service.reservations;
    let max_cpus = plan
        .nodes
        .iter()
        .map(|n| n.cpus)
        .collect::<Option<Vec<Cpus>>>()
        .and_then(|v| v.into_iter().max());
    let max_memory = plan
        .nodes
        .iter()
        .map(|n| n.memory)
        .collect::<Option<Vec<Bytes>>>()
        .and_then(|v| v.into_iter().max());
    let mut problems = Vec::new();
    if let Some(max) = max_cpus.filter(|max| wanted.cpus > *max) {
        problems.push(format!(
            "{} CPUs, more than the largest node's {max}",
            wanted.cpus
        ));
    }
    if let Some(max) = max_memory.filter(|max| wanted.memory > *max) {
        problems.push(format!(
            "{} of memory, more than the largest node's {max}",
            wanted.memory
        ));
    }
    if problems.is_empty() {
        return Vec::new();
    }
    vec![Finding::new(
        Code::ReservationTooLarge,
        service_target(spec),
        format!(
            "service {} reserves {} per task: no node can run it",
            spec.id(),
            problems.join(" and ")
        ),
    )
    .hint("lower the reservation or size a node for it")]
}

/// VMs whose CPUs or memory add up to more than their physical server has.
fn capacity(plan: &Plan) -> Vec<Finding> {
    let mut findings = Vec::new();
    for host in &plan.hosts {
        let vms: Vec<&crate::plan::Node> = plan
            .nodes
            .iter()
            .filter(|n| n.host.as_deref() == Some(&host.name))
            .collect();
        let cpus: u64 = vms.iter().filter_map(|n| n.cpus).map(Cpus::millis).sum();
        let memory: u64 = vms.iter().filter_map(|n| n.memory).map(|m| m.0).sum();
        if let Some(have) = host.cpus.filter(|have| cpus > have.millis()) {
            findings.push(
                Finding::new(
                    Code::HostCpusOvercommitted,
                    Target::Host(host.name.clone()),
                    format!(
                        "the VMs on host {} have {} CPUs in all; the server has {have}",
                        host.name,
                        Cpus(cpus)
                    ),
                )
                .hint("overcommitted CPUs slow every VM on the server when they are busy at once"),
            );
        }
        if let Some(have) = host.memory.filter(|have| memory > have.0) {
            findings.push(
                Finding::new(
                    Code::HostMemoryOvercommitted,
                    Target::Host(host.name.clone()),
                    format!(
                        "the VMs on host {} have {} of memory in all; the server has {have}",
                        host.name,
                        Bytes(memory)
                    ),
                )
                .hint("move a VM to another server or give it less memory"),
            );
        }
    }
    findings
}

/// A start-first update needs room for one more task than runs: with `max_replicas_per_node`
/// and every eligible node at its limit, the new task never starts and the update stalls.
fn start_first_stall(plan: &Plan, spec: &Spec) -> Vec<Finding> {
    let (Mode::Replicated(replicas), Some(max), UpdateOrder::StartFirst, Ok(constraints)) = (
        spec.service.mode,
        spec.service.max_replicas_per_node,
        spec.service.update_order,
        &spec.constraints,
    ) else {
        return Vec::new();
    };
    let eligible = plan
        .nodes
        .iter()
        .filter(|n| {
            n.availability == Availability::Active && crate::constraint::all_match(constraints, n)
        })
        .count() as u64;
    if eligible * max > replicas {
        return Vec::new();
    }
    vec![Finding::new(
        Code::StartFirstStalls,
        service_target(spec),
        format!(
            "service {}: a start-first update starts each new task before stopping the old one, but its {replicas} replicas already fill {eligible} eligible node(s) at {max} per node; the update stalls",
            spec.id()
        ),
    )
    .hint("use update_config.order: stop-first, raise max_replicas_per_node, or add an eligible node")]
}

fn local_volumes(composes: &[Compose], spec: &Spec) -> Vec<Finding> {
    if spec.service.mode == Mode::Global {
        return Vec::new();
    }
    let compose = composes.iter().find(|c| c.stack == spec.stack);
    let mut findings = Vec::new();
    for mount in spec
        .service
        .mounts
        .iter()
        .filter(|m| m.kind == MountKind::Volume)
    {
        let Some(source) = &mount.source else {
            continue;
        };
        let shared = compose
            .and_then(|c| c.volumes.iter().find(|v| &v.key == source))
            .is_some_and(|v| v.shared);
        if !shared {
            findings.push(
                Finding::new(
                    Code::LocalVolume,
                    service_target(spec),
                    format!(
                        "service {} keeps {} in local volume `{source}`: each node has its own copy, and a task rescheduled after a failure starts without its data",
                        spec.id(),
                        mount.target
                    ),
                )
                .hint("use a shared volume (NFS driver_opts or a volume plugin), a bind mount of shared storage, or pin the service to one node on purpose"),
            );
        }
    }
    findings
}

/// Ingress ports are published on every node: two services cannot publish the same one.
fn port_conflicts(specs: &[Spec]) -> Vec<Finding> {
    let mut ingress: BTreeMap<(u16, Protocol), Vec<String>> = BTreeMap::new();
    let mut host: BTreeMap<(u16, Protocol), Vec<String>> = BTreeMap::new();
    for spec in specs {
        for port in &spec.service.ports {
            let Some(published) = port.published else {
                continue;
            };
            let map = if port.mode == PortMode::Ingress {
                &mut ingress
            } else {
                &mut host
            };
            let users = map.entry((published, port.protocol)).or_default();
            if !users.contains(&spec.id()) {
                users.push(spec.id());
            }
        }
    }
    let mut findings = Vec::new();
    for ((port, protocol), users) in &ingress {
        if users.len() > 1 {
            findings.push(Finding::new(
                Code::IngressPortConflict,
                Target::Service { stack: users[1].split('/').next().unwrap_or_default().to_owned(), service: users[1].split('/').nth(1).unwrap_or_default().to_owned() },
                format!("port {port}/{protocol} is published through the ingress mesh by {}: Docker refuses the second one", users.join(" and ")),
            ));
        }
        if let Some(host_users) = host.get(&(*port, *protocol)) {
            findings.push(Finding::new(
                Code::IngressPortConflict,
                Target::Plan,
                format!("port {port}/{protocol} is published by {} on every node and in host mode by {}", users.join(", "), host_users.join(", ")),
            ));
        }
    }
    for ((port, protocol), users) in &host {
        if users.len() > 1 {
            findings.push(Finding::new(
                Code::HostPortShared,
                Target::Plan,
                format!("port {port}/{protocol} is published in host mode by {}: their tasks can never share a node", users.join(" and ")),
            ));
        }
    }
    findings
}

/// What single failures do to services.
pub fn failures(failures: &[FailureScenario]) -> Vec<Finding> {
    failures
        .iter()
        .filter(|f| f.domain != DomainKind::Hosts && f.quorum && !f.services.down.is_empty())
        .map(|f| {
            let target = match f.domain {
                DomainKind::Host => Target::Host(f.name.clone()),
                DomainKind::Rack => Target::Rack(f.name.clone()),
                _ => Target::Site(f.name.clone()),
            };
            Finding::new(
                Code::FailureStopsServices,
                target,
                format!(
                    "losing {} {} stops {}: no other node can run them",
                    f.domain,
                    f.name,
                    f.services.down.join(", ")
                ),
            )
            .hint("let more nodes meet those services' constraints, on other hosts")
        })
        .collect()
}

/// The findings about the managers: their count, and the failure domains whose loss breaks
/// their quorum.
pub fn quorum(managers: usize, failures: &[FailureScenario]) -> Vec<Finding> {
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

/// Names, as "host esx1", "hosts esx1 or esx2", "hosts esx1, esx2, esx3 or 4 others".
fn domain_names(kind: DomainKind, names: &[&str]) -> String {
    let (at, plural) = match kind {
        DomainKind::Host => ("on nodes of", "hosts"),
        DomainKind::Rack => ("in", "racks"),
        _ => ("in", "sites"),
    };
    match names {
        [one] => format!("{at} {kind} {one}"),
        [init @ .., last] if init.len() < 3 => {
            format!("{at} {plural} {} or {last}", init.join(", "))
        }
        _ => format!(
            "{at} {plural} {} or {} others",
            names[..3].join(", "),
            names.len() - 3
        ),
    }
}

/// Services whose tasks could, in some outcome of Swarm's draws, put more than half of them
/// (or all) on one host, rack or site: the worst case first, with how often the odds saw it,
/// or "possible" where only the ties say so.
pub(super) fn exposures(
    specs: &[Spec],
    cluster: &Cluster,
    services: &[ServiceStatus],
    sample: Option<&Sample>,
) -> Vec<Finding> {
    let domains = &cluster.domains;
    let plan = cluster.plan();
    let mut findings = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let status = &services[index];
        if spec.service.mode == Mode::Global || status.running < 2 {
            continue;
        }
        let running = status.running as u32;
        let sampled = sample.map(|s| s.exposures(domains, index));
        for (kind_index, &kind) in KINDS.iter().enumerate() {
            if !domains.several(kind_index) {
                continue;
            }
            let mut most = 0;
            let mut certain = false;
            let mut somewhere = false;
            let mut worst: BTreeSet<u32> = BTreeSet::new();
            for exposure in cluster.exposures.get(&index).into_iter().flatten() {
                if exposure.kind != kind {
                    continue;
                }
                if exposure.most > most {
                    most = exposure.most;
                    worst.clear();
                    certain = false;
                    somewhere = false;
                }
                if exposure.most == most {
                    worst.insert(exposure.domain);
                    certain |= exposure.certain;
                    somewhere |= exposure.somewhere;
                }
            }
            let sampled = sampled.as_ref().map(|s| &s[kind_index]);
            if let Some(sampled) = sampled {
                if sampled.most > most {
                    most = sampled.most;
                    worst.clear();
                    certain = false;
                    somewhere = false;
                }
                if sampled.most == most {
                    worst.extend(sampled.worst.iter().copied());
                }
            }
            if most == 0 {
                continue;
            }
            // The placement shown with every task on one host (or rack) is said already, and
            // so is every larger domain around it.
            let racks: BTreeSet<Option<&str>> = status
                .hosts
                .iter()
                .map(|h| plan.host(h).and_then(|h| h.rack.as_deref()))
                .collect();
            let one_host = status.hosts.len() == 1;
            let one_rack = racks.len() == 1 && !racks.contains(&None);
            if one_host || (one_rack && kind != DomainKind::Host) {
                continue;
            }
            let names: Vec<&str> = worst
                .iter()
                .map(|&d| domains.names[kind_index][d as usize].as_str())
                .collect();
            let draws = sample.map_or(1, |s| s.draws);
            let (verb, odds) = match sampled {
                Some(s) if s.majority == draws => {
                    ("puts", "in every one of Swarm's draws".to_owned())
                }
                Some(s) if s.majority > 0 => (
                    "may put",
                    format!(
                        "in about {} of Swarm's draws",
                        Chance {
                            hits: s.majority,
                            draws
                        }
                        .percent()
                    ),
                ),
                Some(_) => (
                    "may put",
                    "rarely: the ties allow it, no sampled draw did it".to_owned(),
                ),
                None if certain => ("puts", "whatever Swarm draws".to_owned()),
                None if somewhere => ("puts", "one or the other, whatever Swarm draws".to_owned()),
                None => (
                    "may put",
                    "possible: the nodes its tasks tie between allow it".to_owned(),
                ),
            };
            let (how, loss) = if most >= running {
                (
                    format!("all {running} tasks"),
                    "its loss stops the service until Swarm starts them elsewhere",
                )
            } else {
                (
                    format!("{most} of the {running} tasks"),
                    "its loss takes more than half of them at once",
                )
            };
            let (code, hint) = match kind {
                DomainKind::Host => (
                    Code::TasksMayShareHost,
                    "spread it over a label that differs per host (spread: node.labels.host), give it max_replicas_per_node: 1 with its nodes on different hosts, or constrain it to nodes on different hosts",
                ),
                DomainKind::Rack => (
                    Code::TasksMayShareRack,
                    "spread it over a rack label (spread: node.labels.rack), or constrain it to nodes in different racks",
                ),
                _ => (
                    Code::TasksMayShareSite,
                    "spread it over a site label (spread: node.labels.site), or constrain it to nodes in different sites",
                ),
            };
            findings.push(
                Finding::new(
                    code,
                    service_target(spec),
                    format!(
                        "Swarm {verb} {how} of {} {} ({odds}): {loss}",
                        spec.id(),
                        domain_names(kind, &names)
                    ),
                )
                .hint(hint),
            );
        }
    }
    findings
}

/// Spreads that Docker before 28.3 cannot finish: its scheduler loops where Swarmplan (as
/// current Docker) stops.
pub(super) fn old_docker_loops(
    specs: &[Spec],
    cluster: &Cluster,
    failures: &[FailureScenario],
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for &index in &cluster.stalled {
        findings.push(
            Finding::new(
                Code::SchedulerLoopsBefore28,
                service_target(&specs[index]),
                format!(
                    "placing {}: a spread branch above its share next to branches without room; Docker before 28.3 (Debian 12's 20.10, Debian 13's 26.1) can loop forever here and leave every new task in the swarm pending, Docker 28.3 and later leave these tasks pending",
                    specs[index].id()
                ),
            )
            .hint("run Docker 28.3 or later, or give every node the spread label and room in each branch"),
        );
    }
    for failure in failures.iter().filter(|f| f.domain != DomainKind::Hosts) {
        for id in &failure.loops_before_docker_28_3 {
            let (stack, service) = id.split_once('/').unwrap_or((id, ""));
            findings.push(
                Finding::new(
                    Code::SchedulerLoopsBefore28,
                    Target::Service {
                        stack: stack.to_owned(),
                        service: service.to_owned(),
                    },
                    format!(
                        "after losing {} {}, rescheduling {id} meets a spread branch above its share next to branches without room; Docker before 28.3 (Debian 12's 20.10, Debian 13's 26.1) can loop forever here and leave every new task in the swarm pending, Docker 28.3 and later leave these tasks pending",
                        failure.domain, failure.name
                    ),
                )
                .hint("run Docker 28.3 or later, or give every node the spread label and room in each branch"),
            );
        }
    }
    findings
}

/// What single failures may stop or degrade in other outcomes of Swarm's draws.
pub(super) fn failure_odds(failures: &[FailureScenario]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for f in failures
        .iter()
        .filter(|f| f.domain != DomainKind::Hosts && f.quorum)
    {
        let target = match f.domain {
            DomainKind::Host => Target::Host(f.name.clone()),
            DomainKind::Rack => Target::Rack(f.name.clone()),
            _ => Target::Site(f.name.clone()),
        };
        let describe = |chances: &[super::ServiceChance]| -> String {
            chances
                .iter()
                .map(|c| match c.p {
                    Some(p) => format!("{} (in about {} of Swarm's draws)", c.service, p.percent()),
                    None => format!("{} (possible)", c.service),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !f.services.may_stop.is_empty() {
            findings.push(
                Finding::new(
                    Code::FailureMayStopServices,
                    target.clone(),
                    format!(
                        "losing {} {} may stop {}: in those draws no other node can run them",
                        f.domain,
                        f.name,
                        describe(&f.services.may_stop)
                    ),
                )
                .hint("give those services eligible nodes in other domains, or constrain them so that every outcome keeps one outside"),
            );
        }
        if !f.services.may_degrade.is_empty() {
            findings.push(
                Finding::new(
                    Code::FailureMayDegradeServices,
                    target,
                    format!(
                        "losing {} {} may degrade {}: in those draws there is no room elsewhere for all their tasks",
                        f.domain,
                        f.name,
                        describe(&f.services.may_degrade)
                    ),
                )
                .hint("give those services room on nodes in other domains"),
            );
        }
    }
    findings
}
