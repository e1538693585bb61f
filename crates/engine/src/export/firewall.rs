//! The firewall: the port matrix a plan needs (Swarm's own ports, published ports from their
//! zones, the plan's rules), and what it turns into.
//!
//! - 2377/tcp on managers, from every node; 7946/tcp+udp and 4789/udp on every node, from
//!   every node; ESP (IP protocol 50) among the nodes when an overlay is encrypted;
//! - published ports: ingress-mode ports on every node, host-mode ports on the nodes that run
//!   the task, open to the zones of the plan's rules for that port (else `users`, else
//!   anywhere);
//! - the plan's own `firewall.rules`.
//!
//! Per node, a `firewall-cmd --permanent` script: rich rules admitting only the cluster's node
//! addresses (when the plan knows them all) or the zone's addresses, then `--reload`. Per role,
//! the plain `--add-port` lists of the vendor guides. The table in Markdown and CSV.

use super::shell::{self, quote};
use super::{script_prelude, Task};
use crate::compose::{self, PortMode};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Node, Plan, PortRange, Protocol, Role, ServiceId};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
    /// IP protocol 50, for encrypted overlays; it has no ports.
    Esp,
}

impl Proto {
    pub fn name(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Esp => "esp",
        }
    }
}

impl From<Protocol> for Proto {
    fn from(p: Protocol) -> Self {
        match p {
            Protocol::Tcp => Proto::Tcp,
            Protocol::Udp => Proto::Udp,
        }
    }
}

/// Where traffic to an opening comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The swarm's own nodes.
    Cluster,
    /// A zone of the plan.
    Zone(String),
    /// Any address.
    Anywhere,
}

/// One row of the matrix: a port (or ESP), from a source, open on some nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Opening {
    /// `None` for ESP.
    pub port: Option<PortRange>,
    pub proto: Proto,
    pub from: Source,
    /// What it is for: Swarm's own names, `stack/service`, or a rule's purpose.
    pub services: Vec<String>,
    /// The nodes it is open on, in plan order.
    pub nodes: Vec<String>,
}

impl Opening {
    /// `2377/tcp`, `2376-2377/tcp` or `esp`.
    pub fn port_text(&self) -> String {
        match self.port {
            Some(port) => format!("{port}/{}", self.proto.name()),
            None => self.proto.name().to_owned(),
        }
    }
}

/// What a source admits, as a firewall sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admits {
    Anywhere,
    /// Addresses and CIDRs, checked and normalised.
    Only(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortMatrix {
    pub openings: Vec<Opening>,
    pub findings: Vec<Finding>,
}

impl PortMatrix {
    pub fn for_node<'a>(&'a self, node: &'a str) -> impl Iterator<Item = &'a Opening> + 'a {
        self.openings
            .iter()
            .filter(move |o| o.nodes.iter().any(|n| n == node))
    }
}

const SWARM_MANAGEMENT: &str = "docker swarm management";
const SWARM_GOSSIP: &str = "docker node communication";
const SWARM_VXLAN: &str = "docker overlay network (VXLAN)";
const SWARM_ESP: &str = "docker encrypted overlay (ESP)";

/// Swarm's own ports, which must not be open to users.
const CONTROL_PLANE: [(u16, Proto); 4] = [
    (2377, Proto::Tcp),
    (7946, Proto::Tcp),
    (7946, Proto::Udp),
    (4789, Proto::Udp),
];

struct Builder<'a> {
    /// Each node's place in the plan (the first, for a repeated name): openings list their
    /// nodes in plan order.
    order: BTreeMap<&'a str, usize>,
    openings: Vec<Opening>,
    findings: Vec<Finding>,
}

impl Builder<'_> {
    fn add(
        &mut self,
        port: Option<PortRange>,
        proto: Proto,
        from: Source,
        service: &str,
        nodes: &[&str],
    ) {
        let index = match self
            .openings
            .iter()
            .position(|o| o.port == port && o.proto == proto && o.from == from)
        {
            Some(i) => i,
            None => {
                self.openings.push(Opening {
                    port,
                    proto,
                    from,
                    services: Vec::new(),
                    nodes: Vec::new(),
                });
                self.openings.len() - 1
            }
        };
        let opening = &mut self.openings[index];
        if !opening.services.iter().any(|s| s == service) {
            opening.services.push(service.to_owned());
        }
        // A set, not a scan per node: an opening on every node of a large plan stays cheap.
        let mut present: BTreeSet<String> = opening.nodes.iter().cloned().collect();
        for node in nodes {
            if present.insert((*node).to_owned()) {
                opening.nodes.push((*node).to_owned());
            }
        }
        let order = &self.order;
        opening
            .nodes
            .sort_by_key(|name| order.get(name.as_str()).copied().unwrap_or(usize::MAX));
    }
}

/// Whether a rule's `to:` (`all`, `managers`, `workers` or a node) takes in `node`.
fn rule_covers(plan: &Plan, rule: &crate::plan::FirewallRule, node: &str) -> bool {
    match rule.to.as_str() {
        "all" => true,
        "managers" => plan.node(node).is_some_and(|n| n.role == Role::Manager),
        "workers" => plan.node(node).is_some_and(|n| n.role == Role::Worker),
        name => name == node,
    }
}

/// The port matrix of a plan, given where its tasks run.
pub fn port_matrix(plan: &Plan, tasks: &[Task]) -> PortMatrix {
    let mut order = BTreeMap::new();
    for (i, node) in plan.nodes.iter().enumerate() {
        order.entry(node.name.as_str()).or_insert(i);
    }
    let mut b = Builder {
        order,
        openings: Vec::new(),
        findings: Vec::new(),
    };
    let all: Vec<&str> = plan.nodes.iter().map(|n| n.name.as_str()).collect();
    let managers: Vec<&str> = plan.managers().map(|n| n.name.as_str()).collect();
    if !all.is_empty() {
        b.add(
            Some(PortRange::single(2377)),
            Proto::Tcp,
            Source::Cluster,
            SWARM_MANAGEMENT,
            &managers,
        );
        b.add(
            Some(PortRange::single(7946)),
            Proto::Tcp,
            Source::Cluster,
            SWARM_GOSSIP,
            &all,
        );
        b.add(
            Some(PortRange::single(7946)),
            Proto::Udp,
            Source::Cluster,
            SWARM_GOSSIP,
            &all,
        );
        b.add(
            Some(PortRange::single(crate::swarm_network::data_path_port(
                plan,
            ))),
            Proto::Udp,
            Source::Cluster,
            SWARM_VXLAN,
            &all,
        );
    }
    let composes: Vec<compose::Compose> = plan.stacks.iter().map(compose::read).collect();
    if composes
        .iter()
        .any(|c| c.networks.iter().any(|n| n.encrypted))
        && !all.is_empty()
    {
        b.add(None, Proto::Esp, Source::Cluster, SWARM_ESP, &all);
    }
    let default_zone = if plan.zones.contains_key("users") {
        Source::Zone("users".into())
    } else {
        Source::Anywhere
    };
    for compose in &composes {
        for service in &compose.services {
            let name = ServiceId::new(&compose.stack, &service.name).to_string();
            let target = Target::Service {
                stack: compose.stack.clone(),
                service: service.name.clone(),
            };
            for port in &service.ports {
                let Some(published) = port.published else {
                    b.findings.push(
                        Finding::new(
                            Code::PortUnpublished,
                            target.clone(),
                            format!("`{name}` publishes target port {} without a published port: Swarm picks one in 30000-32767, which the firewall scripts do not open", port.target),
                        )
                        .hint("give the port a `published:` number"),
                    );
                    continue;
                };
                let nodes: Vec<&str> = match port.mode {
                    PortMode::Ingress => all.clone(),
                    PortMode::Host => {
                        let mut on: Vec<&str> = tasks
                            .iter()
                            .filter(|t| t.stack == compose.stack && t.service == service.name)
                            .map(|t| t.node.as_str())
                            .collect();
                        on.sort_by_key(|n| b.order.get(n).copied());
                        on.dedup();
                        on
                    }
                };
                let proto = Proto::from(port.protocol);
                // Each node opens the published port to the zones of the rules that name the
                // port and open it on that node (`to:`); a node no rule names, to the default.
                let mut by_zone: Vec<(Source, Vec<&str>)> = Vec::new();
                for node in &nodes {
                    let zones: BTreeSet<Source> = plan
                        .firewall
                        .rules
                        .iter()
                        .filter(|r| {
                            Proto::from(r.proto) == proto
                                && r.port.first <= published
                                && published <= r.port.last
                                && rule_covers(plan, r, node)
                        })
                        .map(|r| Source::Zone(r.from.clone()))
                        .collect();
                    let zones = if zones.is_empty() {
                        BTreeSet::from([default_zone.clone()])
                    } else {
                        zones
                    };
                    for zone in zones {
                        match by_zone.iter_mut().find(|(z, _)| *z == zone) {
                            Some((_, on)) => on.push(node),
                            None => by_zone.push((zone, vec![node])),
                        }
                    }
                }
                for (zone, on) in by_zone {
                    b.add(Some(PortRange::single(published)), proto, zone, &name, &on);
                }
            }
        }
    }
    for rule in &plan.firewall.rules {
        let nodes: Vec<&str> = match rule.to.as_str() {
            "all" => all.clone(),
            "managers" => managers.clone(),
            "workers" => plan
                .nodes
                .iter()
                .filter(|n| n.role == Role::Worker)
                .map(|n| n.name.as_str())
                .collect(),
            name => match plan.node(name) {
                Some(node) => vec![node.name.as_str()],
                None => {
                    b.findings.push(Finding::new(
                        Code::UnknownNode,
                        Target::Zone(rule.from.clone()),
                        format!("a firewall rule for port {} opens it on `{name}`, which is not `all`, `managers`, `workers` or a node of the plan", rule.port),
                    ));
                    continue;
                }
            },
        };
        let purpose = rule
            .purpose
            .clone()
            .unwrap_or_else(|| format!("rule: port {}", rule.port));
        b.add(
            Some(rule.port),
            rule.proto.into(),
            Source::Zone(rule.from.clone()),
            &purpose,
            &nodes,
        );
    }
    b.openings.retain(|o| !o.nodes.is_empty());

    // Findings on what the matrix admits.
    let mut findings = std::mem::take(&mut b.findings);
    let openings = b.openings;
    for opening in &openings {
        let is_control = opening.port.is_some_and(|p| {
            CONTROL_PLANE
                .iter()
                .any(|(port, proto)| *proto == opening.proto && p.first <= *port && *port <= p.last)
        });
        let user_facing = match &opening.from {
            Source::Cluster => false,
            Source::Anywhere => true,
            Source::Zone(zone) => {
                zone == "users" || admits(plan, &opening.from).0 == Admits::Anywhere
            }
        };
        if is_control && user_facing {
            let from = source_text(plan, &opening.from);
            findings.push(
                Finding::new(
                    Code::ControlPlaneExposed,
                    match &opening.from {
                        Source::Zone(z) => Target::Zone(z.clone()),
                        _ => Target::Plan,
                    },
                    format!(
                        "{} is Swarm's control plane or overlay traffic, and the plan opens it to {from}",
                        opening.port_text()
                    ),
                )
                .hint("open 2377, 7946 and 4789 to the cluster's nodes only; Swarmplan's scripts already do"),
            );
        }
    }
    let (_, missing) = cluster_addresses(plan);
    if !missing.is_empty() && !plan.nodes.is_empty() {
        findings.push(
            Finding::new(
                Code::FirewallUnrestricted,
                Target::Node(missing[0].clone()),
                format!(
                    "node(s) {} have no IP in the plan, so Swarm's ports (2377, 7946, 4789{}) cannot be limited to the cluster's addresses and are opened to anywhere",
                    missing.join(", "),
                    if openings.iter().any(|o| o.proto == Proto::Esp) { ", ESP" } else { "" }
                ),
            )
            .hint("give every node its `ip:`"),
        );
    }
    for (zone, addresses) in &plan.zones {
        for address in addresses {
            if normalise_address(address).is_none() {
                findings.push(
                    Finding::new(
                        Code::InvalidZoneAddress,
                        Target::Zone(zone.clone()),
                        format!("zone `{zone}` lists {address:?}, which is not an IP address or CIDR; the firewall scripts leave it out"),
                    )
                    .hint("write addresses as 10.0.0.5 or 10.0.0.0/24"),
                );
            }
        }
    }
    PortMatrix { openings, findings }
}

/// An address or CIDR, checked and written back in canonical form; `None` when invalid.
pub fn normalise_address(text: &str) -> Option<String> {
    let (ip, prefix) = match text.trim().split_once('/') {
        Some((ip, prefix)) => (ip, Some(prefix)),
        None => (text.trim(), None),
    };
    let ip: IpAddr = ip.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    match prefix {
        None => Some(ip.to_string()),
        Some(p) => {
            let p: u8 = p.parse().ok().filter(|p| *p <= max)?;
            if p == max {
                Some(ip.to_string())
            } else {
                Some(format!("{ip}/{p}"))
            }
        }
    }
}

fn is_everywhere(address: &str) -> bool {
    address == "0.0.0.0/0" || address == "::/0"
}

/// The cluster's node addresses in plan order, and the nodes without one.
fn cluster_addresses(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let mut addresses = Vec::new();
    let mut missing = Vec::new();
    for node in &plan.nodes {
        match node.ip {
            Some(ip) if !addresses.contains(&ip.to_string()) => addresses.push(ip.to_string()),
            Some(_) => {}
            None => missing.push(node.name.clone()),
        }
    }
    (addresses, missing)
}

/// What a source admits, and a note when it had to be widened.
pub fn admits(plan: &Plan, source: &Source) -> (Admits, Option<String>) {
    match source {
        Source::Anywhere => (Admits::Anywhere, None),
        Source::Cluster => {
            let (addresses, missing) = cluster_addresses(plan);
            if missing.is_empty() {
                (Admits::Only(addresses), None)
            } else {
                (
                    Admits::Anywhere,
                    Some(format!(
                        "open to anywhere: the plan gives no IP for {}",
                        missing.join(", ")
                    )),
                )
            }
        }
        Source::Zone(zone) => {
            let addresses: Vec<String> = plan
                .zones
                .get(zone)
                .into_iter()
                .flatten()
                .filter_map(|a| normalise_address(a))
                .collect();
            if addresses.iter().any(|a| is_everywhere(a)) {
                (Admits::Anywhere, None)
            } else {
                (Admits::Only(addresses), None)
            }
        }
    }
}

/// How a source reads in a table: `cluster nodes`, `management (10.0.0.0/24)`, `anywhere`.
pub fn source_text(plan: &Plan, source: &Source) -> String {
    match source {
        Source::Cluster => "cluster nodes".to_owned(),
        Source::Anywhere => "anywhere".to_owned(),
        Source::Zone(zone) => {
            let addresses = plan
                .zones
                .get(zone)
                .map(|a| a.join(", "))
                .unwrap_or_default();
            format!("{zone} ({addresses})")
        }
    }
}

/// The firewalld rich rule admitting `address` to an opening.
pub fn rich_rule(address: &str, opening: &Opening) -> String {
    let family = if address.contains(':') {
        "ipv6"
    } else {
        "ipv4"
    };
    match opening.port {
        Some(port) => format!(
            "rule family=\"{family}\" source address=\"{address}\" port port=\"{port}\" protocol=\"{}\" accept",
            opening.proto.name()
        ),
        None => format!(
            "rule family=\"{family}\" source address=\"{address}\" protocol value=\"{}\" accept",
            opening.proto.name()
        ),
    }
}

/// The `firewall-cmd` arguments that open `opening` as the plan asks: one per admitted address.
pub fn firewall_args(plan: &Plan, opening: &Opening) -> (Vec<String>, Option<String>) {
    let (admits, note) = admits(plan, &opening.from);
    let args = match admits {
        Admits::Anywhere => vec![match opening.port {
            Some(port) => format!("--add-port={port}/{}", opening.proto.name()),
            None => format!("--add-protocol={}", opening.proto.name()),
        }],
        Admits::Only(addresses) => addresses
            .iter()
            .map(|a| format!("--add-rich-rule={}", rich_rule(a, opening)))
            .collect(),
    };
    (args, note)
}

const FIREWALL_CMD: &str = "fw=\"${FIREWALL_CMD:-firewall-cmd}\"\n\n";

/// A script's firewall-cmd arguments, gathered so that each kind goes to firewalld in one call:
/// `--add-port`, `--add-protocol` and `--add-rich-rule` may not share a call, and one call per
/// argument took a node about half a second each.
#[derive(Default)]
struct Calls {
    /// Per kind (the option's name), in the order first met: the shell array it fills.
    kinds: Vec<(&'static str, &'static str)>,
}

impl Calls {
    /// The array an argument goes to, and its line: `ports+=(--add-port=80/tcp)`.
    fn line(&mut self, arg: &str) -> String {
        let (kind, array) = if arg.starts_with("--add-rich-rule=") {
            ("rich-rule", "rules")
        } else if arg.starts_with("--add-protocol=") {
            ("protocol", "protocols")
        } else {
            ("port", "ports")
        };
        if !self.kinds.iter().any(|(k, _)| *k == kind) {
            self.kinds.push((kind, array));
        }
        format!("{array}+=({})\n", quote(arg))
    }

    /// The arrays' declarations, for the script's head.
    fn declarations(&self) -> String {
        self.kinds
            .iter()
            .map(|(_, array)| format!("{array}=()\n"))
            .collect()
    }

    /// One firewall-cmd call per kind, then the reload.
    fn finish(&self, permanent_first: bool) -> String {
        let mut text = String::from("\n");
        for (_, array) in &self.kinds {
            if permanent_first {
                text.push_str(&format!("run \"$fw\" --permanent \"${{{array}[@]}}\"\n"));
            } else {
                text.push_str(&format!("run \"$fw\" \"${{{array}[@]}}\" --permanent\n"));
            }
        }
        text.push_str("run \"$fw\" --reload\n");
        text
    }
}

/// The `firewall-cmd` script of one node: exactly its part of the matrix, then `--reload`.
/// `None` when the node's name cannot be used (see [`shell::is_safe_name`]).
pub fn node_script(plan: &Plan, matrix: &PortMatrix, node: &Node) -> Option<String> {
    if !shell::is_safe_name(&node.name) {
        return None;
    }
    let mut text = script_prelude(
        &format!("Firewall of node {} ({}): the ports the plan needs on it, and no other.", node.name, node.role),
        &[
            &format!("Run on {} as root. Usage: ./{}.sh [--dry-run]", node.name, node.name),
            "FIREWALL_CMD names the command to use (default firewall-cmd); it gets the same arguments.",
        ],
    );
    text.push_str(FIREWALL_CMD);
    let mut seen = BTreeSet::new();
    let mut calls = Calls::default();
    let mut body = String::new();
    for opening in matrix.for_node(&node.name) {
        let (args, note) = firewall_args(plan, opening);
        body.push_str(&format!(
            "# {} from {}: {}\n",
            opening.port_text(),
            shell::comment(&source_text(plan, &opening.from)),
            shell::comment(&opening.services.join(", "))
        ));
        if let Some(note) = note {
            body.push_str(&format!("# {}\n", shell::comment(&note)));
        }
        if matches!(admits(plan, &opening.from).0, Admits::Only(ref a) if a.is_empty()) {
            body.push_str("# The zone lists no usable address: nothing to open.\n");
        }
        for arg in args {
            if seen.insert(arg.clone()) {
                body.push_str(&calls.line(&arg));
            }
        }
    }
    text.push_str(&calls.declarations());
    text.push_str(&body);
    text.push_str(&calls.finish(true));
    Some(text)
}

/// The simple variant of the vendor guides for one role: plain `--add-port` (open to anywhere)
/// for what every node of the role needs. Openings only some nodes of the role need are named
/// in a comment; the per-node scripts have them.
pub fn role_script(plan: &Plan, matrix: &PortMatrix, role: Role) -> String {
    let nodes: Vec<&str> = plan
        .nodes
        .iter()
        .filter(|n| n.role == role)
        .map(|n| n.name.as_str())
        .collect();
    let mut text = script_prelude(
        &format!(
            "Firewall of every {role} node, the simple way of the vendor guides: plain --add-port, open to any source."
        ),
        &[
            &format!("Run on each {role} as root. Usage: ./{role}.sh [--dry-run]"),
            "The per-node scripts in ../nodes are stricter: they admit Swarm's ports from the cluster's nodes only.",
            "FIREWALL_CMD names the command to use (default firewall-cmd); it gets the same arguments.",
        ],
    );
    text.push_str(FIREWALL_CMD);
    let mut seen = BTreeSet::new();
    let mut partial = Vec::new();
    let mut calls = Calls::default();
    let mut body = String::new();
    for opening in &matrix.openings {
        let everywhere =
            !nodes.is_empty() && nodes.iter().all(|n| opening.nodes.iter().any(|o| o == n));
        if !everywhere {
            let some: Vec<&str> = opening
                .nodes
                .iter()
                .map(String::as_str)
                .filter(|n| nodes.contains(n))
                .collect();
            if !some.is_empty() {
                partial.push(format!("{} on {}", opening.port_text(), some.join(", ")));
            }
            continue;
        }
        let arg = match opening.port {
            Some(port) => format!("--add-port={port}/{}", opening.proto.name()),
            None => format!("--add-protocol={}", opening.proto.name()),
        };
        if seen.insert(arg.clone()) {
            body.push_str(&calls.line(&arg));
        }
    }
    partial.dedup();
    for line in partial {
        body.push_str(&format!(
            "# Only on some {role}s (see ../nodes): {}\n",
            shell::comment(&line)
        ));
    }
    text.push_str(&calls.declarations());
    text.push_str(&body);
    text.push_str(&calls.finish(false));
    text
}

fn nodes_text(plan: &Plan, nodes: &[String]) -> String {
    let of_role = |role: Role| -> Vec<String> {
        plan.nodes
            .iter()
            .filter(|n| n.role == role)
            .map(|n| n.name.clone())
            .collect()
    };
    if nodes.len() == plan.nodes.len() {
        "all nodes".to_owned()
    } else if nodes == of_role(Role::Manager).as_slice() {
        "managers".to_owned()
    } else if nodes == of_role(Role::Worker).as_slice() {
        "workers".to_owned()
    } else {
        nodes.join(", ")
    }
}

/// The port table's rows, one per opening, in `PORT_TABLE_HEADER`'s columns: the Markdown and CSV
/// tables, and the design report's.
pub fn port_table_rows(plan: &Plan, matrix: &PortMatrix) -> Vec<[String; 5]> {
    matrix
        .openings
        .iter()
        .map(|o| {
            [
                o.port.map(|p| p.to_string()).unwrap_or_default(),
                match o.proto {
                    Proto::Esp => "ESP (IP protocol 50)".to_owned(),
                    p => p.name().to_ascii_uppercase(),
                },
                o.services.join(", "),
                source_text(plan, &o.from),
                nodes_text(plan, &o.nodes),
            ]
        })
        .collect()
}

/// The port table's columns.
pub const PORT_TABLE_HEADER: [&str; 5] = ["port", "protocol", "service", "inbound from", "nodes"];

/// The port table as Markdown, like the tables of the Nuvla guide.
pub fn port_table_markdown(plan: &Plan, matrix: &PortMatrix) -> String {
    let cell = |t: &str| crate::text::one_line(t).replace('|', "\\|");
    let mut text = format!("# Ports of {}\n\n", cell(&plan.name));
    text.push_str(&format!("| {} |\n", PORT_TABLE_HEADER.join(" | ")));
    text.push_str("|---|---|---|---|---|\n");
    for row in port_table_rows(plan, matrix) {
        let row: Vec<String> = row
            .iter()
            .map(|c| {
                if c.is_empty() {
                    "—".to_owned()
                } else {
                    cell(c)
                }
            })
            .collect();
        text.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    text
}

/// The port table as CSV: RFC 4180 quoting, `\n` line ends (as spreadsheets and `git` like them).
pub fn port_table_csv(plan: &Plan, matrix: &PortMatrix) -> String {
    let field = |t: &str| {
        if t.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", t.replace('"', "\"\""))
        } else {
            t.to_owned()
        }
    };
    let mut text = format!("{}\n", PORT_TABLE_HEADER.join(","));
    for row in port_table_rows(plan, matrix) {
        text.push_str(&row.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        text.push('\n');
    }
    text
}
