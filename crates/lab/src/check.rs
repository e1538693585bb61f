//! `lab check`: the real placement, read from a manager, against `analyze`.
//!
//! Swarm breaks ties between equally good nodes at random (its node heap, and Go's map order in
//! the spread tree). Whether a real placement is one Swarm could have drawn is the engine's
//! judgement (`swarmplan_engine::analysis::agreement`: each real task on its task's node or one
//! of its ties); the lab does not re-derive it. The report shows both sides per class of nodes
//! whose attributes are identical (role, availability, size, platform, labels), and where the
//! engine states no ties (a failure scenario's rescheduling) a service agrees when it runs as
//! many tasks on each class as the engine predicts. Pending tasks are compared by count and by
//! Docker's own text.

use crate::docker::{text, Docker};
use crate::state::Lab;
use crate::{lab_error, Result};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;
use swarmplan_engine::analysis::agreement::{self, Observed};
use swarmplan_engine::placement::Task;
use swarmplan_engine::{analyze, Analysis, Options, Plan};

/// Nodes with identical attributes, by node name: the class's name lists its members.
#[derive(Debug, Clone)]
pub struct Classes {
    of_node: BTreeMap<String, String>,
}

impl Classes {
    pub fn of(plan: &Plan) -> Classes {
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let key = |n: &swarmplan_engine::plan::Node| {
            let mut labels: Vec<_> = n.labels.iter().collect();
            labels.sort();
            let mut engine: Vec<_> = n.engine_labels.iter().collect();
            engine.sort();
            format!(
                "{}|{}|{:?}|{:?}|{}|{}|{labels:?}|{engine:?}",
                n.role,
                n.availability,
                n.cpus,
                n.memory,
                n.os(),
                n.arch()
            )
        };
        for node in &plan.nodes {
            members
                .entry(key(node))
                .or_default()
                .push(node.name.clone());
        }
        let mut of_node = BTreeMap::new();
        for node in &plan.nodes {
            let names = &members[&key(node)];
            let name = if names.len() == 1 {
                names[0].clone()
            } else {
                format!("{{{}}}", names.join(","))
            };
            of_node.insert(node.name.clone(), name);
        }
        Classes { of_node }
    }

    pub fn class(&self, node: &str) -> String {
        self.of_node
            .get(node)
            .cloned()
            .unwrap_or_else(|| format!("{node} (not in the plan)"))
    }
}

/// Tasks per (service, class).
pub fn canonical_counts(classes: &Classes, tasks: &[Task]) -> BTreeMap<(String, String), usize> {
    let mut counts = BTreeMap::new();
    for task in tasks {
        *counts
            .entry((
                format!("{}/{}", task.stack, task.service),
                classes.class(&task.node),
            ))
            .or_insert(0) += 1;
    }
    counts
}

/// One node as a manager sees it.
#[derive(Debug, Clone)]
pub struct LiveNode {
    pub id: String,
    pub hostname: String,
    pub manager: bool,
    pub leader: bool,
    pub reachable: bool,
    pub ready: bool,
    /// Swarm has marked it down (not only `unknown`, as every node is for a moment after the
    /// leader changes).
    pub down: bool,
    pub availability: String,
}

/// A service's task that should run but waits, with Docker's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LivePending {
    pub service: String,
    pub slot: u64,
    pub reason: String,
}

/// The swarm as one manager sees it.
#[derive(Debug, Clone)]
pub struct Live {
    pub nodes: Vec<LiveNode>,
    /// Running tasks, as the engine names them.
    pub tasks: Vec<Task>,
    pub pending: Vec<LivePending>,
    /// `stack/service` → (running, desired); desired is the replicas of a replicated service,
    /// or the nodes a global service has a task for.
    pub replicas: BTreeMap<String, (u64, u64)>,
    /// Tasks on their way (assigned, preparing, starting…): the swarm has not settled.
    pub moving: usize,
    pub raw_nodes: Vec<Value>,
    pub raw_services: Vec<Value>,
}

/// `stack/service` of a service's spec, from its stack label.
pub fn service_id(service: &Value) -> String {
    let name = text(service, &["Spec", "Name"]);
    let stack = service
        .pointer("/Spec/Labels/com.docker.stack.namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    match name.strip_prefix(&format!("{stack}_")) {
        Some(short) if !stack.is_empty() => format!("{stack}/{short}"),
        _ => format!("-/{name}"),
    }
}

impl Live {
    /// Reads nodes, services and tasks from the engine at `socket` (a manager).
    pub fn read(docker: &Docker) -> Result<Live> {
        let raw_nodes = docker.nodes()?;
        let raw_services = docker.services()?;
        let raw_tasks = docker.tasks()?;
        let mut hostname_of = BTreeMap::new();
        let mut nodes = Vec::new();
        for node in &raw_nodes {
            let id = text(node, &["ID"]).to_owned();
            let hostname = text(node, &["Description", "Hostname"]).to_owned();
            hostname_of.insert(id.clone(), hostname.clone());
            let manager_status = node.get("ManagerStatus");
            nodes.push(LiveNode {
                id,
                hostname,
                manager: text(node, &["Spec", "Role"]) == "manager",
                leader: manager_status
                    .and_then(|m| m.get("Leader"))
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                reachable: manager_status
                    .is_some_and(|m| text(m, &["Reachability"]) == "reachable"),
                ready: text(node, &["Status", "State"]) == "ready",
                down: text(node, &["Status", "State"]) == "down",
                availability: text(node, &["Spec", "Availability"]).to_owned(),
            });
        }
        let mut names = BTreeMap::new();
        let mut replicas = BTreeMap::new();
        for service in &raw_services {
            let id = service_id(service);
            names.insert(text(service, &["ID"]).to_owned(), id.clone());
            let desired = service
                .pointer("/Spec/Mode/Replicated/Replicas")
                .and_then(Value::as_u64);
            replicas.insert(id, (0u64, desired.unwrap_or(0)));
        }
        let mut tasks = Vec::new();
        let mut pending = Vec::new();
        let mut moving = 0;
        for task in &raw_tasks {
            if text(task, &["DesiredState"]) != "running" {
                continue;
            }
            let Some(id) = names.get(text(task, &["ServiceID"])) else {
                continue;
            };
            let state = text(task, &["Status", "State"]);
            let slot = task.get("Slot").and_then(Value::as_u64).unwrap_or(0);
            let global = task.get("Slot").is_none() || slot == 0;
            let entry = replicas
                .get_mut(id)
                .expect("every task's service is listed");
            // A global task on its way (its node just came back) is starting, not missing.
            if global && matches!(state, "running" | "pending" | "rejected" | "failed") {
                entry.1 += 1;
            }
            match state {
                "running" => {
                    entry.0 += 1;
                    let (stack, service) = id.split_once('/').unwrap_or(("-", id));
                    tasks.push(Task {
                        stack: stack.to_owned(),
                        service: service.to_owned(),
                        slot,
                        node: hostname_of
                            .get(text(task, &["NodeID"]))
                            .cloned()
                            .unwrap_or_default(),
                        ties: None,
                        p: None,
                    });
                }
                "pending" => pending.push(LivePending {
                    service: id.clone(),
                    slot,
                    reason: text(task, &["Status", "Err"]).to_owned(),
                }),
                "new" | "allocated" | "assigned" | "accepted" | "preparing" | "ready"
                | "starting" => moving += 1,
                _ => {}
            }
        }
        tasks.sort();
        Ok(Live {
            nodes,
            tasks,
            pending,
            replicas,
            moving,
            raw_nodes,
            raw_services,
        })
    }
}

/// A manager of the lab whose engine answers for the swarm (it is part of a quorum).
pub fn manager(lab: &Lab) -> Result<Docker> {
    for node in &lab.state.nodes {
        let docker = Docker::new(lab.socket(&node.name));
        if let Ok(info) = docker.info() {
            if info
                .pointer("/Swarm/ControlAvailable")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                && docker.nodes().is_ok()
            {
                return Ok(docker);
            }
        }
    }
    Err(lab_error!(
        "no manager of the lab answers for the swarm: is it installed (`swarmplan lab run PLAN install`), and does it have quorum?"
    ))
}

/// The outcome of comparing a placement with the engine's.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    pub agree: bool,
    /// One line per service: agreeing or not, with both sides by class.
    pub lines: Vec<String>,
    pub disagreements: Vec<String>,
}

/// The engine's judgement of each service's real tasks against the analysis, by `stack/service`:
/// whether Swarm could have drawn them.
pub fn engine_verdicts(analysis: &Analysis, real: &[Task]) -> BTreeMap<String, bool> {
    let observed: Vec<Observed> = real
        .iter()
        .map(|t| Observed {
            stack: t.stack.clone(),
            service: t.service.clone(),
            node: t.node.clone(),
        })
        .collect();
    agreement::judge(analysis, &observed)
        .into_iter()
        .map(|v| (v.service, v.agrees))
        .collect()
}

/// Compares running tasks and pending tasks with expected ones. Where `verdicts` has the
/// engine's judgement of a service's placement, it decides; elsewhere the counts per class do.
pub fn compare(
    classes: &Classes,
    verdicts: &BTreeMap<String, bool>,
    expected: &[Task],
    expected_pending: &[(String, String)],
    real: &[Task],
    real_pending: &[LivePending],
) -> Comparison {
    let want = canonical_counts(classes, expected);
    let got = canonical_counts(classes, real);
    let mut services: BTreeSet<String> = want.keys().map(|k| k.0.clone()).collect();
    services.extend(got.keys().map(|k| k.0.clone()));
    services.extend(expected_pending.iter().map(|p| p.0.clone()));
    services.extend(real_pending.iter().map(|p| p.service.clone()));
    let mut out = Comparison {
        agree: true,
        ..Comparison::default()
    };
    let side = |counts: &BTreeMap<(String, String), usize>, service: &str| -> String {
        let parts: Vec<String> = counts
            .iter()
            .filter(|(k, _)| k.0 == service)
            .map(|(k, n)| format!("{n}×{}", k.1))
            .collect();
        if parts.is_empty() {
            "nothing".to_owned()
        } else {
            parts.join(" ")
        }
    };
    for service in services {
        let w = side(&want, &service);
        let g = side(&got, &service);
        let mut want_reasons: Vec<&str> = expected_pending
            .iter()
            .filter(|p| p.0 == service)
            .map(|p| p.1.as_str())
            .collect();
        let mut got_reasons: Vec<&str> = real_pending
            .iter()
            .filter(|p| p.service == service)
            .map(|p| p.reason.as_str())
            .collect();
        want_reasons.sort_unstable();
        got_reasons.sort_unstable();
        let placed_agree = verdicts.get(&service).copied().unwrap_or(w == g);
        let pending_agree = want_reasons.len() == got_reasons.len()
            && want_reasons
                .iter()
                .zip(&got_reasons)
                .all(|(a, b)| same_reason(a, b));
        let mut line = format!("{service}: engine {w}; swarm {g}");
        if !want_reasons.is_empty() || !got_reasons.is_empty() {
            let _ = write!(
                line,
                "; pending: engine {} [{}], swarm {} [{}]",
                want_reasons.len(),
                dedup(&want_reasons),
                got_reasons.len(),
                dedup(&got_reasons)
            );
        }
        if placed_agree && pending_agree {
            out.lines.push(format!("agree  {line}"));
        } else {
            out.agree = false;
            out.lines.push(format!("DIFFER {line}"));
            out.disagreements.push(line);
        }
    }
    out
}

fn dedup(reasons: &[&str]) -> String {
    let mut seen: Vec<&str> = reasons.to_vec();
    seen.dedup();
    seen.join(" | ")
}

/// Docker's pending text and the engine's agree when they say the same once the counts of
/// nodes are set aside: Swarm counts the nodes of each filter as it meets them.
pub fn same_reason(engine: &str, swarm: &str) -> bool {
    let strip = |s: &str| -> String {
        s.split(|c: char| c.is_ascii_digit())
            .collect::<String>()
            .replace("nodes", "node")
    };
    engine == swarm || strip(engine) == strip(swarm)
}

/// `lab check`: the report, and whether Swarm and the engine agree.
pub fn check(lab: &Lab, plan: &Plan) -> Result<(bool, String)> {
    let docker = manager(lab)?;
    let live = Live::read(&docker)?;
    let lab_plan = crate::labplan::LabPlan::of(plan, machine_cpus(), machine_memory());
    let analysis = analyze(&lab_plan.plan, &Options::default());
    let classes = Classes::of(&lab_plan.plan);
    let expected_pending: Vec<(String, String)> = analysis
        .pending
        .iter()
        .map(|p| (format!("{}/{}", p.stack, p.service), p.reason.clone()))
        .collect();
    let verdicts = engine_verdicts(&analysis, &live.tasks);
    let comparison = compare(
        &classes,
        &verdicts,
        &analysis.placement,
        &expected_pending,
        &live.tasks,
        &live.pending,
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lab check of {}: {}",
        plan.name,
        if comparison.agree {
            "Swarm and the engine agree"
        } else {
            "Swarm and the engine DISAGREE"
        }
    );
    let _ = writeln!(out, "\nServices (tasks per class of identical nodes):");
    for line in &comparison.lines {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "\nNodes (engine | swarm):");
    for node in &lab_plan.plan.nodes {
        let list = |tasks: &[Task]| -> String {
            let names: Vec<String> = tasks
                .iter()
                .filter(|t| t.node == node.name)
                .map(|t| format!("{}/{}", t.stack, t.service))
                .collect();
            if names.is_empty() {
                "-".into()
            } else {
                names.join(" ")
            }
        };
        let _ = writeln!(
            out,
            "  {:<14} {} | {}",
            node.name,
            list(&analysis.placement),
            list(&live.tasks)
        );
    }
    if live.moving > 0 {
        let _ = writeln!(
            out,
            "\n{} task(s) were still on their way when read.",
            live.moving
        );
    }
    if !lab_plan.not_preserved.is_empty() {
        let _ = writeln!(
            out,
            "\nThe lab's CPU scaling does not preserve these placements of the plan:"
        );
        for line in &lab_plan.not_preserved {
            let _ = writeln!(out, "  {line}");
        }
    }
    Ok((comparison.agree, out))
}

/// The CPUs every engine reports: its affinity mask, the machine's cores.
pub fn machine_cpus() -> u64 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u64)
}

/// The machine's memory in bytes: what a node without a size in the plan reports.
pub fn machine_memory() -> u64 {
    crate::host::meminfo_kib("MemTotal").unwrap_or(0) * 1024
}

/// The cluster import judged by the lab: `docker node inspect`, `docker service inspect` and
/// `docker network inspect` of the running swarm through `swarmplan import-cluster` must give
/// the plan back (the lab's copy of it: scaled CPUs, no encryption): nodes, roles, addresses,
/// labels, availability, leader, services and networks.
pub fn import_check(lab: &Lab, plan: &Plan) -> Result<(bool, String)> {
    use swarmplan_engine::cluster_import::import_cluster_with_networks;
    let docker = manager(lab)?;
    let nodes = Value::Array(
        docker
            .nodes()?
            .iter()
            .map(|n| docker.node(text(n, &["ID"])))
            .collect::<Result<Vec<_>>>()?,
    );
    let services = Value::Array(
        docker
            .services()?
            .iter()
            .map(|s| docker.service(text(s, &["ID"])))
            .collect::<Result<Vec<_>>>()?,
    );
    let networks = Value::Array(
        docker
            .networks()?
            .iter()
            .filter(|n| text(n, &["Scope"]) == "swarm" || text(n, &["Name"]) == "host")
            .map(|n| docker.network(text(n, &["Id"]), false))
            .collect::<Result<Vec<_>>>()?,
    );
    let dir = lab.runs_dir().join("import");
    for (name, value) in [
        ("nodes", &nodes),
        ("services", &services),
        ("networks", &networks),
    ] {
        crate::util::write(
            &dir.join(format!("{name}.json")),
            serde_json::to_string_pretty(value).expect("JSON"),
        )?;
    }
    let import = import_cluster_with_networks(&nodes, Some(&services), Some(&networks), None);
    let lab_plan = crate::labplan::LabPlan::of(plan, machine_cpus(), machine_memory());
    let differences = import_differences(&lab_plan.plan, &import.plan);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "
import-cluster of the running swarm (JSON in {}): {}",
        dir.display(),
        if differences.is_empty() {
            "equals the plan".to_owned()
        } else {
            format!("{} difference(s)", differences.len())
        }
    );
    for d in &differences {
        let _ = writeln!(out, "  DIFFER {d}");
    }
    Ok((differences.is_empty(), out))
}

/// What an imported plan says differently from the plan: nodes, roles, addresses, labels,
/// availability, leader, and each stack's services and networks as the engine reads them.
pub fn import_differences(plan: &Plan, imported: &Plan) -> Vec<String> {
    use swarmplan_engine::compose;
    let mut out = Vec::new();
    let leader = plan
        .nodes
        .iter()
        .find(|n| n.leader)
        .or_else(|| plan.managers().next())
        .map(|n| n.name.clone());
    for node in &plan.nodes {
        let Some(got) = imported.node(&node.name) else {
            out.push(format!("node {}: not in the import", node.name));
            continue;
        };
        let mut differ = |what: &str, want: String, have: String| {
            if want != have {
                out.push(format!(
                    "node {}: {what} {want} in the plan, {have} imported",
                    node.name
                ));
            }
        };
        differ("role", node.role.to_string(), got.role.to_string());
        differ(
            "availability",
            node.availability.to_string(),
            got.availability.to_string(),
        );
        if node.ip.is_some() {
            differ("address", format!("{:?}", node.ip), format!("{:?}", got.ip));
        }
        let sorted = |m: &indexmap::IndexMap<String, String>| {
            let mut v: Vec<_> = m.iter().map(|(k, v)| format!("{k}={v}")).collect();
            v.sort();
            v.join(",")
        };
        differ("labels", sorted(&node.labels), sorted(&got.labels));
        differ(
            "engine labels",
            sorted(&node.engine_labels),
            sorted(&got.engine_labels),
        );
        differ(
            "leader",
            (leader.as_deref() == Some(&node.name)).to_string(),
            got.leader.to_string(),
        );
    }
    for node in &imported.nodes {
        if plan.node(&node.name).is_none() {
            out.push(format!("node {}: imported, not in the plan", node.name));
        }
    }
    for stack in &plan.stacks {
        let want = compose::read(stack);
        let Some(got_stack) = imported.stacks.iter().find(|s| s.name == stack.name) else {
            if !want.services.is_empty() {
                out.push(format!("stack {}: not in the import", stack.name));
            }
            continue;
        };
        let got = compose::read(got_stack);
        for service in &want.services {
            let Some(have) = got.services.iter().find(|s| s.name == service.name) else {
                out.push(format!(
                    "service {}/{}: not in the import",
                    stack.name, service.name
                ));
                continue;
            };
            let view = |s: &compose::Service, c: &compose::Compose| {
                let mut networks: Vec<String> = s
                    .networks
                    .iter()
                    .map(|key| {
                        c.networks
                            .iter()
                            .find(|n| &n.key == key)
                            .map_or_else(|| key.clone(), |n| n.name.clone())
                    })
                    .collect();
                networks.sort();
                let mut constraints = s.constraints.clone();
                constraints.sort();
                let mut ports: Vec<String> = s
                    .ports
                    .iter()
                    .map(|p| {
                        format!(
                            "{:?}/{:?}/{:?}/{:?}",
                            p.target, p.published, p.protocol, p.mode
                        )
                    })
                    .collect();
                ports.sort();
                format!(
                    "image {:?}, mode {:?}, constraints {constraints:?}, spread {:?}, max per node {:?}, reservations {:?}, ports {ports:?}, networks {networks:?}",
                    s.image, s.mode, s.preferences, s.max_replicas_per_node, s.reservations
                )
            };
            let (w, h) = (view(service, &want), view(have, &got));
            if w != h {
                out.push(format!(
                    "service {}/{}: plan {w}; imported {h}",
                    stack.name, service.name
                ));
            }
        }
        let used: BTreeSet<&String> = want.services.iter().flat_map(|s| &s.networks).collect();
        for network in want.networks.iter().filter(|n| used.contains(&n.key)) {
            let Some(have) = got.networks.iter().find(|n| n.name == network.name) else {
                out.push(format!("network {}: not in the import", network.name));
                continue;
            };
            if (network.external, network.encrypted) != (have.external, have.encrypted) {
                out.push(format!(
                    "network {}: external {} encrypted {} in the plan, external {} encrypted {} imported",
                    network.name, network.external, network.encrypted, have.external, have.encrypted
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::placement::Ties;

    /// The engine decides: a task moved to one of its ties still agrees, a task moved to a node
    /// that no task of its service could run on does not.
    #[test]
    fn the_engine_judges_whether_a_real_placement_could_have_been_drawn() {
        let mut judged = 0;
        for example in swarmplan_engine::examples::EXAMPLES {
            let plan = swarmplan_engine::parse_plan(example.yaml).expect("example parses");
            let analysis = analyze(&plan, &Options::default());
            assert!(engine_verdicts(&analysis, &analysis.placement)
                .values()
                .all(|&agrees| agrees));
            let Some((index, tie)) =
                analysis
                    .placement
                    .iter()
                    .enumerate()
                    .find_map(|(i, t)| match &t.ties {
                        Some(Ties::Nodes(nodes)) => nodes.first().map(|n| (i, n.clone())),
                        _ => None,
                    })
            else {
                continue;
            };
            let task = &analysis.placement[index];
            let mut real = analysis.placement.clone();
            real[index].node = tie;
            let id = format!("{}/{}", task.stack, task.service);
            assert!(engine_verdicts(&analysis, &real)[&id], "{id}");
            real[index].node = "no-such-node".to_owned();
            assert!(!engine_verdicts(&analysis, &real)[&id], "{id}");
            judged += 1;
        }
        assert!(judged > 0, "some example has a task with ties");
    }
}
