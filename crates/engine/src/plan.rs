//! The plan: Swarmplan's one source of truth, as written in a `.swarmplan.yaml` file.
//!
//! These types are the plan format's contract (`docs/plan-format.md` is generated from them).
//! Everything a user can write is kept: fields Swarmplan models are typed here, and each stack's
//! compose file is kept whole as a YAML value so that keys Swarmplan does not model are written
//! back unchanged.

use crate::units::{Bytes, Cpus};
use indexmap::IndexMap;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

/// The plan format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// A whole plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The format version (`swarmplan: 1`).
    pub swarmplan: u32,
    /// The plan's name, as reports and runbooks title it.
    pub name: String,
    /// What the plan is for, in a few sentences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Physical servers: the smallest failure domain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Host>,
    /// Swarm nodes, usually VMs on the hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<Node>,
    /// Named sources of traffic (CIDRs or addresses) for the firewall.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub zones: IndexMap<String, Vec<String>>,
    /// The stacks to run, each deployed with `docker stack deploy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stacks: Vec<Stack>,
    /// Openings beyond the ports Swarm needs and the stacks publish.
    #[serde(default, skip_serializing_if = "Firewall::is_empty")]
    pub firewall: Firewall,
    /// How the swarm is created: its address pool, data path port, autolock, certificates.
    #[serde(default, skip_serializing_if = "SwarmSettings::is_empty")]
    pub swarm: SwarmSettings,
    /// What the nodes' own network is: its MTU, and whether VMware NSX carries it.
    #[serde(default, skip_serializing_if = "Underlay::is_empty")]
    pub network: Underlay,
    /// Where the nodes get their images: from the registries the image names point to (the
    /// default), or, for a site without one, from archives the operator puts in the bundle.
    #[serde(default, skip_serializing_if = "Images::is_empty")]
    pub images: Images,
    /// What the install runbook does beyond Swarmplan's own steps.
    #[serde(default, skip_serializing_if = "Install::is_empty")]
    pub install: Install,
    /// What the upgrade (or active/passive update) runbook changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Upgrade>,
    /// External load balancers that nodes leave and rejoin around their upgrade.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LoadBalancer>,
    /// How the exports lay out what the plan does not say by itself: split stack files, shared
    /// (NAS) folders and their owners.
    #[serde(default, skip_serializing_if = "ExportSettings::is_empty")]
    pub export: ExportSettings,
}

impl Plan {
    /// An empty plan of the current format version.
    pub fn new(name: impl Into<String>) -> Self {
        Plan {
            swarmplan: FORMAT_VERSION,
            name: name.into(),
            description: None,
            hosts: Vec::new(),
            nodes: Vec::new(),
            zones: IndexMap::new(),
            stacks: Vec::new(),
            firewall: Firewall::default(),
            swarm: SwarmSettings::default(),
            network: Underlay::default(),
            images: Images::default(),
            install: Install::default(),
            upgrade: None,
            load_balancers: Vec::new(),
            export: ExportSettings::default(),
        }
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.name == name)
    }

    pub fn managers(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|n| n.role == Role::Manager)
    }
}

/// A service's name as Swarmplan writes it everywhere: `stack/service` (Docker's own is
/// `stack_service`). Findings, analyses, runbooks and the app name services this way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServiceId<'a> {
    pub stack: &'a str,
    pub service: &'a str,
}

impl<'a> ServiceId<'a> {
    pub fn new(stack: &'a str, service: &'a str) -> Self {
        ServiceId { stack, service }
    }
}

impl fmt::Display for ServiceId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.stack, self.service)
    }
}

/// A physical server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Host {
    /// The server's name; nodes name it in `host:`.
    pub name: String,
    /// The rack it stands in: a larger failure domain, known by its name across sites.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
    /// The site (data centre) it stands in: the largest failure domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Its CPUs, against which the VMs on it are checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Cpus>,
    /// Its memory, against which the VMs on it are checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Bytes>,
}

impl Host {
    pub fn new(name: impl Into<String>) -> Self {
        Host {
            name: name.into(),
            rack: None,
            site: None,
            cpus: None,
            memory: None,
        }
    }
}

/// A swarm node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// `node.hostname`.
    pub name: String,
    /// The physical server the node runs on. A node without one is taken to be alone on a
    /// server of its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `manager` or `worker` (the default).
    #[serde(default)]
    pub role: Role,
    /// `node.ip`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<IpAddr>,
    /// `active` (the default), `pause` or `drain`, as `docker node update --availability` sets
    /// it.
    #[serde(default, skip_serializing_if = "Availability::is_active")]
    pub availability: Availability,
    /// The VM's CPUs: what Swarm sees as `NanoCPUs` and checks reservations against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Cpus>,
    /// The VM's memory: what Swarm sees as `MemoryBytes` and checks reservations against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Bytes>,
    /// `node.platform.os`; Swarm nodes report `linux` unless told otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    /// `node.platform.arch`, raw as the engine reports it (`x86_64`, `aarch64`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// `node.labels.*`.
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        deserialize_with = "scalar_map"
    )]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::scalar_map"))]
    pub labels: IndexMap<String, String>,
    /// `engine.labels.*`.
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        deserialize_with = "scalar_map"
    )]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::scalar_map"))]
    pub engine_labels: IndexMap<String, String>,
    /// `node.id`: the ID Swarm gave the node, known once imported from a running cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The manager that leads the Raft group, as a running cluster reported it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub leader: bool,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl Node {
    pub fn new(name: impl Into<String>, host: impl Into<String>, role: Role) -> Self {
        Node {
            name: name.into(),
            host: Some(host.into()),
            role,
            ip: None,
            availability: Availability::Active,
            cpus: None,
            memory: None,
            os: None,
            arch: None,
            labels: IndexMap::new(),
            engine_labels: IndexMap::new(),
            id: None,
            leader: false,
        }
    }

    /// The failure domain the node belongs to: its host, or itself when it names none.
    pub fn host_name(&self) -> &str {
        self.host.as_deref().unwrap_or(&self.name)
    }

    pub fn os(&self) -> &str {
        self.os.as_deref().unwrap_or("linux")
    }

    pub fn arch(&self) -> &str {
        self.arch.as_deref().unwrap_or("x86_64")
    }
}

/// A node's role in the swarm.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Manager,
    #[default]
    Worker,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Manager => "manager",
            Role::Worker => "worker",
        })
    }
}

/// Whether Swarm may schedule tasks on a node (`docker node update --availability`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    #[default]
    Active,
    Pause,
    Drain,
}

impl Availability {
    fn is_active(&self) -> bool {
        *self == Availability::Active
    }
}

impl fmt::Display for Availability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Availability::Active => "active",
            Availability::Pause => "pause",
            Availability::Drain => "drain",
        })
    }
}

/// A stack, deployed with `docker stack deploy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Stack {
    /// The stack's name: `docker stack deploy … NAME`, and the prefix of its services.
    pub name: String,
    /// Stacks that must be deployed before this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// Values for `${VAR}` references in the compose file.
    #[serde(
        default,
        skip_serializing_if = "IndexMap::is_empty",
        deserialize_with = "scalar_map"
    )]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::scalar_map"))]
    pub variables: IndexMap<String, String>,
    /// The compose file, exactly as `docker stack deploy` reads it.
    #[serde(default = "empty_mapping")]
    #[cfg_attr(feature = "schema", schemars(schema_with = "schema::compose"))]
    pub compose: serde_yaml_ng::Value,
}

fn empty_mapping() -> serde_yaml_ng::Value {
    serde_yaml_ng::Value::Mapping(serde_yaml_ng::Mapping::new())
}

/// Extra firewall rules, beyond the ports Swarm itself needs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Firewall {
    /// Each an opening: a port from a zone to some nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<FirewallRule>,
}

impl Firewall {
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FirewallRule {
    /// The port or range to open.
    pub port: PortRange,
    /// `tcp` (the default) or `udp`.
    #[serde(default)]
    pub proto: Protocol,
    /// A zone name.
    pub from: String,
    /// `all`, `managers`, `workers` or a node name.
    #[serde(default = "all_nodes")]
    pub to: String,
    /// What the opening is for, as the port table says it (`ssh`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

fn all_nodes() -> String {
    "all".to_owned()
}

/// A port or an inclusive range of ports, written `22` or `"32768-60999"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    pub first: u16,
    pub last: u16,
}

impl PortRange {
    pub const fn single(port: u16) -> Self {
        PortRange {
            first: port,
            last: port,
        }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let port = |t: &str| -> Result<u16, String> {
            match t.trim().parse::<u16>() {
                Ok(0) | Err(_) => Err(format!("`{text}` is not a port or port range (1-65535)")),
                Ok(p) => Ok(p),
            }
        };
        let range = match text.split_once('-') {
            Some((a, b)) => PortRange {
                first: port(a)?,
                last: port(b)?,
            },
            None => PortRange::single(port(text)?),
        };
        if range.first > range.last {
            return Err(format!(
                "`{text}` is not a port range: it ends before it starts"
            ));
        }
        Ok(range)
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.first == self.last {
            write!(f, "{}", self.first)
        } else {
            write!(f, "{}-{}", self.first, self.last)
        }
    }
}

impl Serialize for PortRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.first == self.last {
            s.serialize_u16(self.first)
        } else {
            s.collect_str(self)
        }
    }
}

impl<'de> Deserialize<'de> for PortRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?.0;
        PortRange::parse(&text).map_err(de::Error::custom)
    }
}

/// A port's transport protocol.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    #[default]
    Tcp,
    Udp,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        })
    }
}

/// What an upgrade runbook changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    /// `rolling` (the default): nodes one at a time, keeping quorum; or `active-passive`:
    /// standby first, then fail over.
    #[serde(default)]
    pub strategy: UpgradeStrategy,
    /// Image (without tag) → new image reference.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub images: IndexMap<String, String>,
    /// Shell lines run on each node to upgrade it (the vendor's upgrade script, a package
    /// update). Without them the runbook asks the operator to upgrade the node by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub node_commands: Vec<String>,
    /// The active/passive pair's roles and hooks (strategy `active-passive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_passive: Option<ActivePassive>,
    /// Whose node order a rolling upgrade follows: Swarmplan's, which keeps quorum (`safe`, the
    /// default: workers first, managers one at a time, the leader last, workers promoted when
    /// fewer than three managers cannot lose one), or the vendor's `sequence` (`vendor`),
    /// whatever it costs; the runbook then says what it costs.
    #[serde(default, skip_serializing_if = "UpgradeOrder::is_safe")]
    pub order: UpgradeOrder,
    /// The vendor's node order, first upgraded first (`order: vendor`). Nodes it leaves out
    /// follow in Swarmplan's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sequence: Vec<String>,
    /// The vendor's upgrade of one node, in its phases (each a column of the runbook's summary
    /// table, as a vendor's own upgrade tool reports them). Instead of `node_commands`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<NodePhase>,
    /// How to roll one node's upgrade back, the vendor's way: shell lines run on the node (the
    /// summary table's ROLLBACK column). Placeholders as in `phases`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollback: Vec<String>,
    /// Stacks the vendor restarts once their new images are deployed: removed, then deployed
    /// again from the same files (`docker stack rm`, `docker stack deploy`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restart_stacks: Vec<String>,
    /// The vendor's own steps, placed among the runbook's by `after`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<CustomStep>,
}

/// Whose node order an upgrade follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum UpgradeOrder {
    /// Swarmplan's order, which keeps quorum whenever the plan can.
    #[default]
    Safe,
    /// The vendor's `sequence`, whatever it costs.
    Vendor,
}

impl UpgradeOrder {
    fn is_safe(&self) -> bool {
        *self == UpgradeOrder::Safe
    }
}

/// One phase of a vendor's per-node upgrade. Its shell lines may name `{node}` and `{ip}` (the
/// node upgraded), `{manager}`, `{manager_ip}` and `{manager_address}` (the manager the runbook
/// runs swarm commands on, and its `IP:2377`), and `{token:worker}` or `{token:manager}` (a
/// join token, asked of that manager as the step runs and kept in the script's memory only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NodePhase {
    /// The phase's name, as the vendor's tool reports it (`EXPORT`, `APPLY`): the step's id
    /// part and the summary table's column.
    pub name: String,
    /// Shell lines run on every node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run: Vec<String>,
    /// Shell lines run on managers instead of `run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Vec<String>>,
    /// Shell lines run on workers instead of `run`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker: Option<Vec<String>>,
    /// Shell lines run on one node instead: node name → lines.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub nodes: IndexMap<String, Vec<String>>,
    /// What a person does in this phase, when it is done by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manual: Vec<String>,
    /// Whether the node's engine is down during this phase (the phase that upgrades Docker or
    /// restarts the node). Without it, the runbook takes the engine to be down while the node's
    /// last phase runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_down: Option<bool>,
}

/// Steps a vendor adds that Swarmplan cannot compute (a library to install, a check of a
/// service's log, a change in a product's admin console), placed among the runbook's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomStep {
    /// The step's id (letters, digits, `-`): what `--from` takes.
    pub id: String,
    pub title: String,
    /// The steps it follows: ids of the runbook's own steps (as `--dry-run` lists them) or of
    /// other custom steps. Without them, it follows the runbook's last step.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub after: Vec<String>,
    /// The runbook's own steps it must come before (a restart that needs it done first).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// Where it runs: `manager` (the default: the manager the runbook runs swarm commands on),
    /// `workstation`, a node's name, or `service:STACK/SERVICE` (the node the analysis places
    /// the service's first task on).
    #[serde(default = "on_manager", skip_serializing_if = "is_on_manager")]
    pub on: String,
    /// Shell lines, run with `bash -c` where the step runs; placeholders as in a `NodePhase`,
    /// where `{node}` and `{ip}` are the node the step runs on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub run: Vec<String>,
    /// What a person does (a product's admin console, a browser check).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manual: Vec<String>,
    /// How to check the step did its job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<CustomVerify>,
    /// How to undo it, for a person to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<String>,
    /// Why the step is there (the guide's words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

fn on_manager() -> String {
    "manager".to_owned()
}

fn is_on_manager(on: &str) -> bool {
    on == "manager"
}

/// A custom step's check: a shell line whose output must contain a text (or, without one,
/// that exits 0), retried for a few minutes when `wait` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomVerify {
    pub run: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub wait: bool,
    /// A check of the product itself (its log, its answer, its role), which a rehearsal on
    /// stand-in images cannot judge: the rehearsal reports it as not rehearsed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub product: bool,
}

/// `docker swarm init`'s settings.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SwarmSettings {
    /// The pools overlay networks take their subnets from (`--default-addr-pool`). Docker's
    /// default is 10.0.0.0/8; when the nodes' own addresses are in it, the install chooses a
    /// pool that is not (`address-pool-overlap` says which).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_addr_pool: Vec<String>,
    /// The UDP port of the overlay's VXLAN traffic (`--data-path-port`; Docker's default 4789,
    /// which VMware NSX uses for its own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_path_port: Option<u16>,
    /// Lock the managers' Raft keys (`--autolock`): a restarted manager then waits for
    /// `docker swarm unlock` with the unlock key, which no export holds.
    #[serde(default, skip_serializing_if = "is_false")]
    pub autolock: bool,
    /// How long node certificates are valid (`--cert-expiry`, such as `2160h`; Docker's default
    /// is 90 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert_expiry: Option<String>,
    /// Keep the join tokens the install used; by default the install rotates them once every
    /// node has joined, so that a token seen during the install joins no one later.
    #[serde(default, skip_serializing_if = "is_false")]
    pub keep_join_tokens: bool,
}

impl SwarmSettings {
    pub fn is_empty(&self) -> bool {
        *self == SwarmSettings::default()
    }
}

/// The nodes' own network, under the overlays.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Underlay {
    /// Its MTU; overlays add 50 bytes of VXLAN to every packet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    /// VMware NSX carries the nodes' traffic: it uses UDP 4789 for its own VXLAN.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nsx: bool,
}

impl Underlay {
    pub fn is_empty(&self) -> bool {
        *self == Underlay::default()
    }
}

/// How images reach the nodes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Images {
    /// Load every image on every node from `docker save` archives (`*.tar`) that the operator
    /// puts in the bundle's `images/` folder (its `images.txt` lists them), with `docker
    /// load`, instead of pulling them: for a site without a registry.
    #[serde(default, skip_serializing_if = "is_false")]
    pub load: bool,
}

impl Images {
    pub fn is_empty(&self) -> bool {
        !self.load
    }
}

/// What the install runbook does beyond Swarmplan's own steps, as a vendor's guide asks.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Install {
    /// Start and enable firewalld on every node before its rules are added (a new CentOS 7
    /// server has it disabled).
    #[serde(default, skip_serializing_if = "is_false")]
    pub start_firewalld: bool,
    /// Restart Docker on each node after its firewall is reloaded (a firewalld reload drops
    /// the rules Docker made, as the MSactivator guide notes).
    #[serde(default, skip_serializing_if = "is_false")]
    pub restart_docker: bool,
    /// The vendor's own steps, placed among the runbook's by `after`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<CustomStep>,
}

impl Install {
    pub fn is_empty(&self) -> bool {
        *self == Install::default()
    }
}

/// An active/passive pair: which node is active now, whether the active role returns to it
/// after the update, and the commands that freeze configuration sync between the two.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ActivePassive {
    /// The node that holds the active (MASTER) role now; without it, the first node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Give the active role back to the primary once both are updated.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fail_back: bool,
    /// Shell lines run on the primary before the standby is updated (stop replication).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freeze: Vec<String>,
    /// Shell lines run on the former primary once both are updated (undo `freeze`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unfreeze: Vec<String>,
    /// The services that are the pair's instances, one pinned to each node, as
    /// `stack/service`: the product is down only when none of them runs, so the instance on the
    /// node being updated may stop while the other one serves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
    /// A shell line, run on a node, that succeeds when that node holds the active (MASTER)
    /// role: the runbook waits on it after each change of role, and checks it at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_check: Option<String>,
}

/// How the upgrade runbook takes the cluster through an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "kebab-case")]
pub enum UpgradeStrategy {
    #[default]
    Rolling,
    ActivePassive,
}

/// Export settings: how stack files are split and which host folders live on shared storage.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportSettings {
    /// Stacks written as `docker-compose.yml` + `network.yml` (ports, networks) +
    /// `versiontag.yml` (images) and deployed with three `-c` options, as operators of the
    /// Digital Access guide keep them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub split_stacks: Vec<String>,
    /// Folders on shared storage (a NAS mount such as `/mnt/NASVolume`): bind-mount sources
    /// under them get `mkdir -p` (and `chown`, see `owners`) in the NAS script.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shared_folders: Vec<String>,
    /// Owner of a shared folder: path → `"UID[:GID]"`, or `{ owner: "UID:GID", recursive: true }`
    /// for `chown -R`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub owners: IndexMap<String, FolderOwner>,
}

impl ExportSettings {
    pub fn is_empty(&self) -> bool {
        self.split_stacks.is_empty() && self.shared_folders.is_empty() && self.owners.is_empty()
    }
}

/// Who owns a shared folder: `"70"`, `"1000:1000"`, or the long form with `recursive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum FolderOwner {
    Owner(String),
    Detailed {
        owner: String,
        #[serde(default)]
        recursive: bool,
    },
}

impl FolderOwner {
    /// `UID[:GID]`, as written.
    pub fn owner(&self) -> &str {
        match self {
            FolderOwner::Owner(owner) | FolderOwner::Detailed { owner, .. } => owner,
        }
    }

    pub fn recursive(&self) -> bool {
        matches!(
            self,
            FolderOwner::Detailed {
                recursive: true,
                ..
            }
        )
    }
}

/// An external load balancer to take nodes out of during upgrades.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct LoadBalancer {
    /// The balancer's name, as the runbook's steps say it.
    pub name: String,
    /// What it is (`nginx`, `haproxy`, `F5`), for the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The nodes behind it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backends: Vec<String>,
    /// The port it sends traffic to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// A shell line, run on the operator's workstation, that takes one backend out of the
    /// balancer; `{node}` and `{ip}` stand for the backend. Without it the step is manual.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable: Option<String>,
    /// The line that puts a backend back in, with the same placeholders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable: Option<String>,
}

/// Any YAML scalar read as text: label values such as `true` or `3` are strings to Swarm.
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl de::Visitor<'_> for ScalarVisitor {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
                Ok(Scalar(String::new()))
            }
        }
        d.deserialize_any(ScalarVisitor)
    }
}

fn scalar_map<'de, D: Deserializer<'de>>(d: D) -> Result<IndexMap<String, String>, D::Error> {
    let map: IndexMap<String, Scalar> = IndexMap::deserialize(d)?;
    Ok(map.into_iter().map(|(k, v)| (k, v.0)).collect())
}

/// The schemas of what the derive cannot see: values read leniently, and the compose file kept
/// whole.
#[cfg(feature = "schema")]
mod schema {
    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
    use std::borrow::Cow;

    pub fn scalar_map(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": { "type": ["string", "number", "boolean", "null"] }
        })
    }

    pub fn compose(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "A compose (stack) file, as `docker stack deploy` reads it: `services`, `networks`, `volumes`, `configs`, `secrets` and `x-` extensions. Kept whole, keys Swarmplan does not model included."
        })
    }

    impl JsonSchema for super::PortRange {
        fn schema_name() -> Cow<'static, str> {
            "PortRange".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "A port (`22`) or an inclusive range of ports (`\"32768-60999\"`).",
                "oneOf": [
                    { "type": "integer", "minimum": 1, "maximum": 65535 },
                    { "type": "string", "pattern": "^[0-9]+(-[0-9]+)?$" }
                ]
            })
        }
    }
}
