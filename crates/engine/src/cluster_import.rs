//! Importing a running swarm: the JSON of `docker node inspect $(docker node ls -q)` and,
//! optionally, of `docker service inspect $(docker service ls -q)`, into a plan.
//!
//! Docker does not know physical servers, so each node starts on a host of its own, named after
//! it, and a finding asks which VMs share a server. Services come back as stack files, one per
//! `com.docker.stack.namespace`, with the stack prefix taken off their names. Docker's JSON is
//! read leniently: a missing or unexpected field gets a default and a finding, never a panic.

use crate::findings::{Code, Finding, Severity, Target};
use crate::plan::{Availability, Host, Node, Plan, Role, Stack};
use crate::units::{Bytes, Cpus};
use crate::yaml::{Mapping, PlanError, Value as Yaml};
use indexmap::IndexMap;
use serde_json::Value as Json;
use std::net::IpAddr;

/// The label `docker stack deploy` puts on every service it creates.
const STACK_NAMESPACE: &str = "com.docker.stack.namespace";

/// The stack that services created without `docker stack deploy` are put in.
pub const UNSTACKED: &str = "services";

/// A plan rebuilt from a running swarm, and what the import could not be sure of.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterImport {
    pub plan: Plan,
    pub findings: Vec<Finding>,
}

/// Reads one of Docker's JSON outputs; a bad file is an error with its line and column.
pub fn parse_json(text: &str) -> Result<Json, PlanError> {
    serde_json::from_str(text).map_err(|e| {
        let mut message = e.to_string();
        // serde_json appends " at line L column C"; the place is kept apart.
        if let Some(cut) = message.find(" at line ") {
            message.truncate(cut);
        }
        PlanError {
            message,
            line: Some(e.line()),
            column: Some(e.column()),
        }
    })
}

/// Builds a plan from `docker node inspect` output and, when given, `docker service inspect`
/// output. With a `base` plan, its hosts, zones, firewall and other settings are kept, nodes it
/// already places on a host stay there, and stacks the cluster runs replace those of the same
/// name.
pub fn import_cluster(nodes: &Json, services: Option<&Json>, base: Option<&Plan>) -> ClusterImport {
    import_cluster_with_networks(nodes, services, None, base)
}

/// [`import_cluster`], with the JSON of `docker network inspect $(docker network ls -q)` too:
/// the services' `TaskTemplate.Networks` hold only network IDs, which it resolves to the
/// networks' names, so each stack gets its `networks:` back (driver, `encrypted`,
/// `attachable`, or `external` for networks the stack did not create). Without it, services
/// come back without their networks.
pub fn import_cluster_with_networks(
    nodes: &Json,
    services: Option<&Json>,
    networks: Option<&Json>,
    base: Option<&Plan>,
) -> ClusterImport {
    let mut findings = Vec::new();
    let mut plan = base
        .cloned()
        .unwrap_or_else(|| Plan::new("imported cluster"));
    let imported = read_nodes(nodes, &mut findings);
    place_nodes(&mut plan, imported, &mut findings);
    let known = networks
        .map(|n| read_networks(n, &mut findings))
        .unwrap_or_default();
    if let Some(services) = services {
        for stack in read_services(services, &known, &mut findings) {
            match plan.stacks.iter_mut().find(|s| s.name == stack.name) {
                Some(existing) => existing.compose = stack.compose,
                None => plan.stacks.push(stack),
            }
        }
    }
    ClusterImport { plan, findings }
}

/// The value at a path of object keys.
fn at<'a>(value: &'a Json, path: &[&str]) -> Option<&'a Json> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn text_at<'a>(value: &'a Json, path: &[&str]) -> Option<&'a str> {
    at(value, path).and_then(Json::as_str)
}

/// A JSON object of labels as text (Docker's labels are strings; anything else is written as
/// JSON text).
fn labels_at(value: &Json, path: &[&str]) -> IndexMap<String, String> {
    match at(value, path) {
        Some(Json::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
        _ => IndexMap::new(),
    }
}

/// The elements of a JSON array, or none with a finding when it is something else.
fn elements<'a>(value: &'a Json, what: &str, findings: &mut Vec<Finding>) -> Vec<&'a Json> {
    match value {
        Json::Array(items) => items.iter().collect(),
        // `docker node inspect` of a single node still prints an array; an object alone is
        // most likely one element copied out of it.
        Json::Object(_) => vec![value],
        _ => {
            findings.push(
                Finding::new(
                    Code::ClusterJsonShape,
                    Target::Plan,
                    format!("the {what} JSON is not an array of objects, as `docker {what} inspect` prints"),
                )
                .hint(format!("paste the whole output of `docker {what} inspect $(docker {what} ls -q)`")),
            );
            Vec::new()
        }
    }
}

/// One node as Docker describes it.
struct ImportedNode {
    node: Node,
    state: Option<String>,
}

fn read_nodes(value: &Json, findings: &mut Vec<Finding>) -> Vec<ImportedNode> {
    let mut nodes: Vec<ImportedNode> = Vec::new();
    for (index, item) in elements(value, "node", findings).into_iter().enumerate() {
        let mut imported = read_node(item, index, findings);
        let name = imported.node.name.clone();
        if nodes.iter().any(|n| n.node.name == name) {
            let suffix: String = imported
                .node
                .id
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(6)
                .collect();
            let renamed = if suffix.is_empty() {
                format!("{name}-{}", index + 1)
            } else {
                format!("{name}-{suffix}")
            };
            findings.push(Finding::new(
                Code::ClusterDuplicateHostname,
                Target::Node(renamed.clone()),
                format!("two nodes are named `{name}`; the second is called `{renamed}` in the plan"),
            ).hint("node.hostname constraints match both: give the VMs different hostnames"));
            imported.node.name = renamed;
        }
        nodes.push(imported);
    }
    nodes
}

fn read_node(item: &Json, index: usize, findings: &mut Vec<Finding>) -> ImportedNode {
    let id = text_at(item, &["ID"]).map(str::to_owned);
    let name = match text_at(item, &["Description", "Hostname"]).filter(|h| !h.is_empty()) {
        Some(hostname) => hostname.to_owned(),
        None => {
            let name = id
                .as_deref()
                .map(|id| format!("node-{}", id.chars().take(12).collect::<String>()))
                .unwrap_or_else(|| format!("node{}", index + 1));
            findings.push(
                Finding::new(
                    Code::ClusterFieldMissing,
                    Target::Node(name.clone()),
                    format!(
                        "node {} has no Description.Hostname; it is called `{name}`",
                        index + 1
                    ),
                )
                .hint(
                    "rename it to the VM's hostname, which node.hostname constraints compare with",
                ),
            );
            name
        }
    };
    let target = Target::Node(name.clone());
    let mut node = Node::new(name.clone(), name.clone(), Role::Worker);
    node.host = None;
    node.id = id;
    node.role = match text_at(item, &["Spec", "Role"]) {
        Some("manager") => Role::Manager,
        Some("worker") => Role::Worker,
        other => {
            findings.push(field_finding(&target, &name, "Spec.Role", other, "worker"));
            Role::Worker
        }
    };
    node.availability = match text_at(item, &["Spec", "Availability"]) {
        Some("active") => Availability::Active,
        Some("pause") => Availability::Pause,
        Some("drain") => Availability::Drain,
        other => {
            findings.push(field_finding(
                &target,
                &name,
                "Spec.Availability",
                other,
                "active",
            ));
            Availability::Active
        }
    };
    node.labels = labels_at(item, &["Spec", "Labels"]);
    node.engine_labels = labels_at(item, &["Description", "Engine", "Labels"]);
    node.os = text_at(item, &["Description", "Platform", "OS"]).map(str::to_owned);
    node.arch = text_at(item, &["Description", "Platform", "Architecture"]).map(str::to_owned);
    node.cpus = at(item, &["Description", "Resources", "NanoCPUs"])
        .and_then(Json::as_u64)
        .map(|nanos| Cpus(nanos / 1_000_000));
    node.memory = at(item, &["Description", "Resources", "MemoryBytes"])
        .and_then(Json::as_u64)
        .map(Bytes);
    if node.cpus.is_none() || node.memory.is_none() {
        findings.push(Finding::new(
            Code::ClusterFieldMissing,
            target.clone(),
            format!("node {name} reports no Description.Resources: reservations are not checked against it"),
        ).with_severity(Severity::Info));
    }
    node.ip = node_address(item);
    if node.ip.is_none() {
        findings.push(Finding::new(
            Code::ClusterFieldMissing,
            target.clone(),
            format!("node {name} reports no usable Status.Addr: firewall scripts cannot name its address"),
        ).with_severity(Severity::Info));
    }
    if node.role == Role::Manager {
        read_manager_status(item, &mut node, findings);
    }
    ImportedNode {
        node,
        state: text_at(item, &["Status", "State"]).map(str::to_owned),
    }
}

fn field_finding(
    target: &Target,
    name: &str,
    field: &str,
    found: Option<&str>,
    default: &str,
) -> Finding {
    let found = match found {
        Some(value) => format!("`{value}`, which Swarmplan does not know"),
        None => "nothing".to_owned(),
    };
    Finding::new(
        Code::ClusterFieldUnknown,
        target.clone(),
        format!("node {name}: {field} is {found}; taken as `{default}`"),
    )
    .hint(format!("check {field} in `docker node inspect {name}`"))
}

/// The node's address: `Status.Addr`, or for a manager whose status says 0.0.0.0, the address
/// it advertises to the other managers.
fn node_address(item: &Json) -> Option<IpAddr> {
    let status = text_at(item, &["Status", "Addr"])
        .and_then(|a| a.parse::<IpAddr>().ok())
        .filter(|ip| !ip.is_unspecified());
    status.or_else(|| {
        let advertised = text_at(item, &["ManagerStatus", "Addr"])?;
        let host = advertised
            .rsplit_once(':')
            .map(|(host, _)| host)
            .unwrap_or(advertised);
        host.trim_matches(|c| c == '[' || c == ']').parse().ok()
    })
}

fn read_manager_status(item: &Json, node: &mut Node, findings: &mut Vec<Finding>) {
    let target = Target::Node(node.name.clone());
    let Some(status) = item.get("ManagerStatus") else {
        findings.push(
            Finding::new(
                Code::ClusterFieldMissing,
                target,
                format!(
                    "manager {} has no ManagerStatus: its reachability and leadership are unknown",
                    node.name
                ),
            )
            .with_severity(Severity::Info),
        );
        return;
    };
    node.leader = status
        .get("Leader")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    match status.get("Reachability").and_then(Json::as_str) {
        Some("reachable") => {}
        Some(other) => findings.push(
            Finding::new(
                Code::ManagerUnreachable,
                target,
                format!("manager {} is {other}: the cluster runs with one manager fewer than the plan shows", node.name),
            )
            .hint("bring it back, or demote and remove it (`docker node demote`, `docker node rm`) so that the quorum counts only live managers"),
        ),
        None => findings.push(Finding::new(
            Code::ClusterFieldMissing,
            target,
            format!("manager {} reports no ManagerStatus.Reachability", node.name),
        ).with_severity(Severity::Info)),
    }
}

/// Puts the imported nodes in the plan: on the base plan's host when it places them, otherwise
/// on a host of their own.
fn place_nodes(plan: &mut Plan, imported: Vec<ImportedNode>, findings: &mut Vec<Finding>) {
    let previous = std::mem::take(&mut plan.nodes);
    let mut alone: Vec<String> = Vec::new();
    for ImportedNode { mut node, state } in imported {
        let known = previous
            .iter()
            .find(|p| p.name == node.name || (p.id.is_some() && p.id == node.id));
        match known.and_then(|p| p.host.clone()) {
            Some(host) => node.host = Some(host),
            None => {
                if plan.host(&node.name).is_none() {
                    plan.hosts.push(Host::new(node.name.clone()));
                }
                node.host = Some(node.name.clone());
                alone.push(node.name.clone());
            }
        }
        if let Some(state) = state.filter(|s| s != "ready") {
            findings.push(
                Finding::new(
                    Code::NodeNotReady,
                    Target::Node(node.name.clone()),
                    format!("node {} is {state}: Swarm schedules nothing on it, but the plan counts it as up", node.name),
                )
                .hint("bring it back, or remove it from the plan to see the cluster as it runs now"),
            );
        }
        plan.nodes.push(node);
    }
    for dropped in previous.iter().filter(|p| {
        !plan
            .nodes
            .iter()
            .any(|n| n.name == p.name || (p.id.is_some() && p.id == n.id))
    }) {
        findings.push(Finding::new(
            Code::NodeNotInCluster,
            Target::Node(dropped.name.clone()),
            format!(
                "node {} of the plan is not in the cluster: left out",
                dropped.name
            ),
        ));
    }
    if !alone.is_empty() {
        findings.push(
            Finding::new(
                Code::HostsUnknown,
                Target::Plan,
                format!(
                    "Docker does not know physical servers: {} each start on a server of their own. Say which VMs share a server, or a server's loss is not what the analysis shows",
                    alone.join(", ")
                ),
            )
            .hint("set each node's `host:` to its physical server (and racks and sites under `hosts:`)"),
        );
    }
}

/// The services, grouped into one stack file per stack namespace, in order of first appearance.
/// One network of `docker network inspect`.
#[derive(Debug, Clone)]
struct ImportedNetwork {
    name: String,
    driver: String,
    /// The stack that created it (`com.docker.stack.namespace`).
    stack: Option<String>,
    encrypted: bool,
    attachable: bool,
}

/// The networks by ID.
fn read_networks(value: &Json, findings: &mut Vec<Finding>) -> IndexMap<String, ImportedNetwork> {
    let mut networks = IndexMap::new();
    for item in elements(value, "network", findings) {
        let (Some(id), Some(name)) = (text_at(item, &["Id"]), text_at(item, &["Name"])) else {
            continue;
        };
        networks.insert(
            id.to_owned(),
            ImportedNetwork {
                name: name.to_owned(),
                driver: text_at(item, &["Driver"]).unwrap_or("overlay").to_owned(),
                stack: text_at(item, &["Labels", STACK_NAMESPACE]).map(str::to_owned),
                encrypted: at(item, &["Options", "encrypted"]).is_some(),
                attachable: at(item, &["Attachable"]).and_then(Json::as_bool) == Some(true),
            },
        );
    }
    networks
}

/// A service's networks, from `TaskTemplate.Networks` (or the older `Spec.Networks`), as
/// (key in the stack file, the network); IDs that `known` does not hold are left out.
fn service_networks<'n>(
    item: &Json,
    known: &'n IndexMap<String, ImportedNetwork>,
    stack: &str,
) -> Vec<(String, &'n ImportedNetwork)> {
    let attached = at(item, &["Spec", "TaskTemplate", "Networks"])
        .or_else(|| at(item, &["Spec", "Networks"]))
        .and_then(Json::as_array);
    attached
        .into_iter()
        .flatten()
        .filter_map(|n| text_at(n, &["Target"]))
        .filter_map(|target| {
            // A target is an ID, or a name when the service was created with one.
            known
                .get(target)
                .or_else(|| known.values().find(|n| n.name == target))
        })
        .filter(|n| n.name != "ingress")
        .map(|n| {
            let key = match &n.stack {
                Some(owner) if owner == stack => n
                    .name
                    .strip_prefix(&format!("{stack}_"))
                    .unwrap_or(&n.name)
                    .to_owned(),
                _ => n.name.clone(),
            };
            (key, n)
        })
        .collect()
}

/// The stack file's `networks:` entry of a network a service of `stack` joins.
fn network_entry(network: &ImportedNetwork, stack: &str) -> Mapping {
    let mut entry = Mapping::new();
    if network.stack.as_deref() == Some(stack) {
        entry.insert("driver".into(), network.driver.as_str().into());
        // A stack network named in its file (`name:`) does not carry the stack's prefix.
        if !network.name.starts_with(&format!("{stack}_")) {
            entry.insert("name".into(), network.name.as_str().into());
        }
        if network.encrypted {
            let mut opts = Mapping::new();
            opts.insert("encrypted".into(), "true".into());
            entry.insert("driver_opts".into(), Yaml::Mapping(opts));
        }
        if network.attachable {
            entry.insert("attachable".into(), true.into());
        }
    } else {
        entry.insert("external".into(), true.into());
        entry.insert("name".into(), network.name.as_str().into());
    }
    entry
}

fn read_services(
    value: &Json,
    known: &IndexMap<String, ImportedNetwork>,
    findings: &mut Vec<Finding>,
) -> Vec<Stack> {
    let mut stacks: IndexMap<String, Mapping> = IndexMap::new();
    let mut stack_networks: IndexMap<String, Mapping> = IndexMap::new();
    for (index, item) in elements(value, "service", findings).into_iter().enumerate() {
        let Some(full_name) = text_at(item, &["Spec", "Name"]).filter(|n| !n.is_empty()) else {
            findings.push(Finding::new(
                Code::ClusterFieldMissing,
                Target::Plan,
                format!("service {} has no Spec.Name: left out", index + 1),
            ));
            continue;
        };
        let namespace = text_at(item, &["Spec", "Labels", STACK_NAMESPACE]).map(str::to_owned);
        let (stack, name) = match &namespace {
            Some(ns) => (
                ns.clone(),
                full_name
                    .strip_prefix(&format!("{ns}_"))
                    .unwrap_or(full_name)
                    .to_owned(),
            ),
            None => {
                findings.push(Finding::new(
                    Code::ServiceWithoutStack,
                    Target::Service {
                        stack: UNSTACKED.to_owned(),
                        service: full_name.to_owned(),
                    },
                    format!("service {full_name} was not created by `docker stack deploy`: it is put in stack `{UNSTACKED}`"),
                ));
                (UNSTACKED.to_owned(), full_name.to_owned())
            }
        };
        let mut service = service_body(item, &stack, &name, findings);
        let networks = service_networks(item, known, &stack);
        // A service that names no network joins the stack's `default` one: written back, the
        // file says nothing, as its author wrote it.
        let only_default = matches!(networks.as_slice(), [(key, n)] if key == "default" && n.stack.as_deref() == Some(stack.as_str()));
        if !networks.is_empty() && !only_default {
            let entries = stack_networks.entry(stack.clone()).or_default();
            let mut keys = Vec::new();
            for (key, network) in networks {
                keys.push(Yaml::from(key.as_str()));
                entries
                    .entry(Yaml::from(key))
                    .or_insert_with(|| Yaml::Mapping(network_entry(network, &stack)));
            }
            service.insert("networks".into(), Yaml::Sequence(keys));
        }
        stacks
            .entry(stack)
            .or_default()
            .insert(Yaml::from(name), Yaml::Mapping(service));
    }
    stacks
        .into_iter()
        .map(|(name, services)| {
            let mut compose = Mapping::new();
            compose.insert("version".into(), "3.8".into());
            compose.insert("services".into(), Yaml::Mapping(services));
            if let Some(networks) = stack_networks.swap_remove(&name) {
                compose.insert("networks".into(), Yaml::Mapping(networks));
            }
            Stack {
                name,
                after: Vec::new(),
                variables: IndexMap::new(),
                compose: Yaml::Mapping(compose),
            }
        })
        .collect()
}

/// One service as a compose service: image, deploy (mode, replicas, placement, reservations,
/// update order), ports and mounts.
fn service_body(item: &Json, stack: &str, name: &str, findings: &mut Vec<Finding>) -> Mapping {
    let target = Target::Service {
        stack: stack.to_owned(),
        service: name.to_owned(),
    };
    let template = at(item, &["Spec", "TaskTemplate"]).unwrap_or(&Json::Null);
    let mut body = Mapping::new();
    match text_at(template, &["ContainerSpec", "Image"]) {
        // `docker stack deploy` pins the digest it resolved; the plan keeps the tag written.
        Some(image) => {
            let tag = image.split_once('@').map(|(tag, _)| tag).unwrap_or(image);
            body.insert("image".into(), tag.into());
        }
        None => findings.push(Finding::new(
            Code::ClusterFieldMissing,
            target.clone(),
            format!("service {stack}/{name} has no TaskTemplate.ContainerSpec.Image"),
        )),
    }
    let ports = service_ports(item);
    if !ports.is_empty() {
        body.insert("ports".into(), Yaml::Sequence(ports));
    }
    let mounts = service_mounts(template, stack);
    if !mounts.is_empty() {
        body.insert("volumes".into(), Yaml::Sequence(mounts));
    }
    body.insert(
        "deploy".into(),
        Yaml::Mapping(deploy(item, template, &target, findings)),
    );
    body
}

fn deploy(item: &Json, template: &Json, target: &Target, findings: &mut Vec<Finding>) -> Mapping {
    let mut deploy = Mapping::new();
    let mode = at(item, &["Spec", "Mode"]);
    if mode.and_then(|m| m.get("Global")).is_some() {
        deploy.insert("mode".into(), "global".into());
    } else if let Some(replicas) = mode
        .and_then(|m| at(m, &["Replicated", "Replicas"]))
        .and_then(Json::as_u64)
    {
        deploy.insert("replicas".into(), replicas.into());
    } else {
        let found = mode
            .and_then(Json::as_object)
            .and_then(|m| m.keys().next().cloned())
            .unwrap_or_else(|| "nothing".to_owned());
        findings.push(
            Finding::new(
                Code::ClusterFieldUnknown,
                target.clone(),
                format!("service {target}: Spec.Mode is {found}; taken as one replica"),
            )
            .hint("jobs (ReplicatedJob, GlobalJob) run to completion and are not planned by Swarmplan"),
        );
        deploy.insert("replicas".into(), 1u64.into());
    }
    let mut placement = Mapping::new();
    let constraints: Vec<Yaml> = at(template, &["Placement", "Constraints"])
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Json::as_str)
                .map(Yaml::from)
                .collect()
        })
        .unwrap_or_default();
    if !constraints.is_empty() {
        placement.insert("constraints".into(), Yaml::Sequence(constraints));
    }
    let preferences: Vec<Yaml> = at(template, &["Placement", "Preferences"])
        .and_then(Json::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|p| text_at(p, &["Spread", "SpreadDescriptor"]))
                .map(|descriptor| {
                    let mut spread = Mapping::new();
                    spread.insert("spread".into(), descriptor.into());
                    Yaml::Mapping(spread)
                })
                .collect()
        })
        .unwrap_or_default();
    if !preferences.is_empty() {
        placement.insert("preferences".into(), Yaml::Sequence(preferences));
    }
    if let Some(max) = at(template, &["Placement", "MaxReplicas"]).and_then(Json::as_u64) {
        if max > 0 {
            placement.insert("max_replicas_per_node".into(), max.into());
        }
    }
    if !placement.is_empty() {
        deploy.insert("placement".into(), Yaml::Mapping(placement));
    }
    let mut reservations = Mapping::new();
    if let Some(nanos) = at(template, &["Resources", "Reservations", "NanoCPUs"])
        .and_then(Json::as_u64)
        .filter(|&n| n > 0)
    {
        reservations.insert("cpus".into(), Cpus(nanos / 1_000_000).to_string().into());
    }
    if let Some(bytes) = at(template, &["Resources", "Reservations", "MemoryBytes"])
        .and_then(Json::as_u64)
        .filter(|&n| n > 0)
    {
        reservations.insert("memory".into(), compose_memory(bytes).into());
    }
    if !reservations.is_empty() {
        let mut resources = Mapping::new();
        resources.insert("reservations".into(), Yaml::Mapping(reservations));
        deploy.insert("resources".into(), Yaml::Mapping(resources));
    }
    if text_at(item, &["Spec", "UpdateConfig", "Order"]) == Some("start-first") {
        let mut update = Mapping::new();
        update.insert("order".into(), "start-first".into());
        deploy.insert("update_config".into(), Yaml::Mapping(update));
    }
    deploy
}

/// A memory size in the spelling Docker's compose loader reads: `4G`, `512M`, or bytes.
fn compose_memory(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)];
    UNITS
        .iter()
        .find(|(_, size)| bytes.is_multiple_of(*size))
        .map(|(unit, size)| format!("{}{unit}", bytes / size))
        .unwrap_or_else(|| bytes.to_string())
}

/// Published ports in compose's long syntax, from the spec (or, when the spec has none, from
/// what the endpoint reports).
fn service_ports(item: &Json) -> Vec<Yaml> {
    let ports = at(item, &["Spec", "EndpointSpec", "Ports"])
        .or_else(|| at(item, &["Endpoint", "Ports"]))
        .and_then(Json::as_array);
    ports
        .into_iter()
        .flatten()
        .filter_map(|port| {
            let target = port.get("TargetPort").and_then(Json::as_u64)?;
            let mut entry = Mapping::new();
            entry.insert("target".into(), target.into());
            if let Some(published) = port.get("PublishedPort").and_then(Json::as_u64) {
                entry.insert("published".into(), published.into());
            }
            entry.insert(
                "protocol".into(),
                text_at(port, &["Protocol"]).unwrap_or("tcp").into(),
            );
            entry.insert(
                "mode".into(),
                text_at(port, &["PublishMode"]).unwrap_or("ingress").into(),
            );
            Some(Yaml::Mapping(entry))
        })
        .collect()
}

/// Bind mounts and volumes in compose's short syntax; volume names lose the stack prefix
/// `docker stack deploy` gave them.
fn service_mounts(template: &Json, stack: &str) -> Vec<Yaml> {
    let mounts = at(template, &["ContainerSpec", "Mounts"]).and_then(Json::as_array);
    mounts
        .into_iter()
        .flatten()
        .filter_map(|mount| {
            let target = text_at(mount, &["Target"])?;
            let source = text_at(mount, &["Source"]).unwrap_or("");
            let read_only = mount.get("ReadOnly").and_then(Json::as_bool) == Some(true);
            let source = match text_at(mount, &["Type"]) {
                Some("volume") => source
                    .strip_prefix(&format!("{stack}_"))
                    .unwrap_or(source)
                    .to_owned(),
                Some("bind") => source.to_owned(),
                _ => return None,
            };
            let suffix = if read_only { ":ro" } else { "" };
            Some(Yaml::from(if source.is_empty() {
                target.to_owned()
            } else {
                format!("{source}:{target}{suffix}")
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_json_has_a_place() {
        let error = parse_json("[\n  {\"ID\": \"a\",\n  }\n]").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert!(error.column.is_some());
        assert!(!error.message.contains(" at line "), "{}", error.message);
    }

    #[test]
    fn memory_is_written_as_compose_reads_it() {
        assert_eq!(compose_memory(4 << 30), "4G");
        assert_eq!(compose_memory(64 << 20), "64M");
        assert_eq!(compose_memory(1000), "1000");
    }
}
