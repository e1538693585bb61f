//! Pre-sales sizing: from physical servers, the failures to survive and the stacks to run, to a
//! ready topology — how many managers and where, which worker VMs of which size — and the plan
//! that builds it.
//!
//! The sizer does not trust its own arithmetic: every topology it proposes is analysed with
//! [`analyze`], as Swarm would schedule it, and workers are added where tasks stay pending after
//! a failure that was asked to be survived, until none does or the request proves impossible.
//! Managers follow Docker's advice for zones: spread as evenly as the failure domains allow
//! (3 → 1-1-1, 5 → 2-2-1, 7 → 3-2-2), the fewest that survive the loss asked for.

use crate::analysis::{analyze, Analysis, Options};
use crate::compose::{self, Mode, Resources, Service};
use crate::constraint::{self, Key, Operator};
use crate::domains::DomainKind;
use crate::findings::{Code, Finding, Severity, Target};
use crate::plan::{Availability, Host, Node, Plan, Role, Stack};
use crate::quorum;
use crate::units::{Bytes, Cpus};
use indexmap::IndexMap;
use serde::Serialize;
use std::fmt;

/// Manager counts the sizer considers, in order of preference: odd, and at most seven.
const MANAGER_COUNTS: [usize; 3] = [3, 5, 7];

/// Rounds of "analyse, then add workers where tasks wait" before giving up.
const MAX_ROUNDS: usize = 40;

/// Nodes a role with only global services gets: enough for a cluster of three (Elasticsearch
/// masters, consul servers) without growing with the number of servers.
const GLOBAL_ONLY_NODES: usize = 3;

/// The failure the topology must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Survive {
    /// Any one physical server.
    #[serde(rename = "host")]
    Host,
    /// Any two physical servers at once.
    #[serde(rename = "2hosts")]
    TwoHosts,
    /// A whole rack.
    #[serde(rename = "rack")]
    Rack,
    /// A whole site.
    #[serde(rename = "site")]
    Site,
}

impl Survive {
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "host" | "server" => Ok(Survive::Host),
            "2hosts" | "two-hosts" | "2servers" => Ok(Survive::TwoHosts),
            "rack" => Ok(Survive::Rack),
            "site" => Ok(Survive::Site),
            _ => Err(format!(
                "`{text}` is not a failure to survive: use host, 2hosts, rack or site"
            )),
        }
    }

    /// How many failure domains one scenario takes down.
    fn domains_lost(self) -> usize {
        match self {
            Survive::TwoHosts => 2,
            _ => 1,
        }
    }

    /// The word for one failure domain of this kind.
    fn domain_word(self) -> &'static str {
        match self {
            Survive::Host | Survive::TwoHosts => "server",
            Survive::Rack => "rack",
            Survive::Site => "site",
        }
    }

    /// The analysis scenarios that must be survived.
    fn scenario_kinds(self) -> &'static [DomainKind] {
        match self {
            Survive::Host => &[DomainKind::Host],
            Survive::TwoHosts => &[DomainKind::Host, DomainKind::Hosts],
            Survive::Rack => &[DomainKind::Rack],
            Survive::Site => &[DomainKind::Site],
        }
    }
}

impl fmt::Display for Survive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Survive::Host => "the loss of any one server",
            Survive::TwoHosts => "the loss of any two servers",
            Survive::Rack => "the loss of a rack",
            Survive::Site => "the loss of a site",
        })
    }
}

/// A VM size on offer, written `4:8GiB` (CPUs, memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct VmSize {
    pub cpus: Cpus,
    pub memory: Bytes,
}

impl VmSize {
    pub const fn new(cpus: u64, memory_gib: u64) -> Self {
        VmSize {
            cpus: Cpus::whole(cpus),
            memory: Bytes::gib(memory_gib),
        }
    }

    /// Reads `4:8GiB`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (cpus, memory) = text
            .split_once(':')
            .ok_or_else(|| format!("`{text}` is not a VM size: write CPUS:MEMORY, as 4:8GiB"))?;
        let size = VmSize {
            cpus: Cpus::parse(cpus)?,
            memory: Bytes::parse(memory)?,
        };
        if size.cpus.millis() == 0 || size.memory.0 == 0 {
            return Err(format!(
                "`{text}` is not a VM size: it has no CPU or no memory"
            ));
        }
        Ok(size)
    }

    /// Reads a comma-separated list, `2:4GiB,4:8GiB`.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, String> {
        text.split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| VmSize::parse(s.trim()))
            .collect()
    }

    fn holds(&self, need: Resources) -> bool {
        need.cpus <= self.cpus && need.memory <= self.memory
    }
}

impl fmt::Display for VmSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.cpus, self.memory)
    }
}

/// The VM sizes offered when the request names none.
pub fn default_vm_sizes() -> Vec<VmSize> {
    vec![
        VmSize::new(2, 4),
        VmSize::new(4, 8),
        VmSize::new(8, 16),
        VmSize::new(16, 32),
    ]
}

/// What to size for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Physical servers.
    pub servers: usize,
    /// Racks the servers stand in, dealt out in turn; 0 when not known.
    pub racks: usize,
    /// Sites the racks (or, without racks, the servers) stand in, dealt out in turn; 0 when not
    /// known.
    pub sites: usize,
    pub server_cpus: Option<Cpus>,
    pub server_memory: Option<Bytes>,
    pub survive: Survive,
    pub stacks: Vec<Stack>,
    /// The VM sizes on offer, smallest first after sorting.
    pub vm_sizes: Vec<VmSize>,
}

impl Request {
    pub fn new(servers: usize, survive: Survive, stacks: Vec<Stack>) -> Self {
        Request {
            servers,
            racks: 0,
            sites: 0,
            server_cpus: None,
            server_memory: None,
            survive,
            stacks,
            vm_sizes: default_vm_sizes(),
        }
    }
}

/// The answer: the topologies that survive what was asked (best first), or findings that say
/// why none can and what would make one possible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sizing {
    pub alternatives: Vec<Alternative>,
    pub findings: Vec<Finding>,
}

/// One topology that survives what was asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// What it favours: `fewest VMs`, `smallest VMs` or `most headroom`.
    pub name: &'static str,
    pub managers: ManagerSizing,
    pub roles: Vec<RoleSizing>,
    pub total_vms: usize,
    pub load: Vec<ServerLoad>,
    /// One line, as "3 managers (1-1-1) + 3 app workers (8:16GiB) over 3 servers = 6 VMs".
    pub summary: String,
    /// The plan that builds it; `analyze` on it shows it survives what was asked.
    #[serde(skip)]
    pub plan: Plan,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManagerSizing {
    pub count: usize,
    pub size: VmSize,
    /// Managers per failure domain of the kind to survive, in domain order.
    pub spread: Vec<DomainShare>,
}

impl ManagerSizing {
    /// Docker's notation, largest share first: `2-2-1`.
    pub fn spread_text(&self) -> String {
        let mut shares: Vec<usize> = self.spread.iter().map(|d| d.managers).collect();
        shares.sort_unstable_by(|a, b| b.cmp(a));
        shares.retain(|&n| n > 0);
        shares
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join("-")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainShare {
    pub domain: String,
    pub managers: usize,
}

/// The worker VMs of one role: the nodes that carry one set of constraint labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleSizing {
    pub role: String,
    /// The node labels its VMs carry (`worker: app`); empty for general workers.
    pub labels: IndexMap<String, String>,
    pub engine_labels: IndexMap<String, String>,
    pub vms: usize,
    pub size: VmSize,
    /// The services it runs, as `stack/service`.
    pub services: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerLoad {
    pub server: String,
    pub vms: usize,
    pub cpus: Cpus,
    pub memory: Bytes,
}

/// Sizes a topology for the request. Pure and deterministic.
pub fn size(request: &Request) -> Sizing {
    let mut findings = request_findings(request);
    if !findings.is_empty() {
        return Sizing {
            alternatives: Vec::new(),
            findings,
        };
    }
    let layout = Layout::of(request);
    let Some(manager_count) = manager_count(&layout, request.survive) else {
        return Sizing {
            alternatives: Vec::new(),
            findings: vec![too_few_domains(request, layout.domains.len())],
        };
    };
    let mut sizes = request.vm_sizes.clone();
    sizes.sort();
    sizes.dedup();
    let demand = match Demand::of(&request.stacks) {
        Ok(demand) => demand,
        Err(findings) => {
            return Sizing {
                alternatives: Vec::new(),
                findings,
            }
        }
    };
    findings.extend(unreserved(&request.stacks));
    let mut alternatives: Vec<Alternative> = Vec::new();
    let mut failures: Vec<(&'static str, Vec<Finding>)> = Vec::new();
    for strategy in Strategy::ALL {
        let draft = match Draft::initial(request, &layout, &demand, &sizes, manager_count, strategy)
        {
            Ok(draft) => draft,
            Err(problems) => {
                failures.push((strategy.name(), problems));
                continue;
            }
        };
        if alternatives.iter().any(|a| draft.same_as(a)) {
            continue;
        }
        match draft.settle(request, &layout, &demand, &sizes) {
            Ok(alternative) => {
                if !alternatives
                    .iter()
                    .any(|a| a.plan.nodes == alternative.plan.nodes)
                {
                    alternatives.push(alternative);
                }
            }
            Err(problems) => failures.push((strategy.name(), problems)),
        }
    }
    if alternatives.is_empty() {
        for (_, problems) in failures {
            for problem in problems {
                if !findings.contains(&problem) {
                    findings.push(problem);
                }
            }
        }
    } else {
        for (name, problems) in failures {
            if let Some(first) = problems.first() {
                findings.push(Finding::new(
                    Code::SizingAlternativeDropped,
                    Target::Plan,
                    format!("no `{name}` alternative: {}", first.message),
                ));
            }
        }
    }
    Sizing {
        alternatives,
        findings,
    }
}

/// Services that reserve nothing: the sizer cannot count what they use.
fn unreserved(stacks: &[Stack]) -> Option<Finding> {
    let (mut unreserved, mut all) = (Vec::new(), 0);
    for stack in stacks {
        for service in compose::read(stack).services {
            all += 1;
            if service.reservations == Resources::default() {
                unreserved.push(format!("{}/{}", stack.name, service.name));
            }
        }
    }
    (!unreserved.is_empty()).then(|| {
        Finding::new(
            Code::SizingUnreserved,
            Target::Plan,
            format!(
                "{} of {all} services reserve no CPU or memory ({}): the VM sizes cover reservations only",
                unreserved.len(),
                unreserved.join(", ")
            ),
        )
        .hint("give them deploy.resources.reservations so that sizing counts what they use")
    })
}

/// Mistakes in the request itself, found before any topology is tried.
fn request_findings(request: &Request) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut refuse = |code: Code, message: String, hint: &str| {
        findings.push(Finding::new(code, Target::Plan, message).hint(hint));
    };
    if request.servers == 0 {
        refuse(
            Code::SizingNoServers,
            "no physical servers to size for".into(),
            "give the number of servers (--servers)",
        );
    }
    if request.vm_sizes.is_empty() {
        refuse(
            Code::SizingNoVmSizes,
            "no VM sizes on offer".into(),
            "offer at least one size, as 4:8GiB",
        );
    }
    if request.racks > request.servers {
        refuse(
            Code::SizingEmptyRacks,
            format!(
                "{} racks for {} servers: some racks would hold no server",
                request.racks, request.servers
            ),
            "give at most one rack per server",
        );
    }
    let site_holders = if request.racks > 0 {
        request.racks
    } else {
        request.servers
    };
    if request.sites > site_holders {
        refuse(
            Code::SizingEmptySites,
            format!(
                "{} sites for {site_holders} {}: some sites would hold nothing",
                request.sites,
                if request.racks > 0 {
                    "racks"
                } else {
                    "servers"
                }
            ),
            "give at most one site per rack (or per server without racks)",
        );
    }
    match request.survive {
        Survive::Rack if request.racks == 0 => refuse(
            Code::SizingNeedsRacks,
            "surviving the loss of a rack needs servers in racks".into(),
            "say how many racks the servers stand in (--racks), at least three",
        ),
        Survive::Site if request.sites == 0 => refuse(
            Code::SizingNeedsSites,
            "surviving the loss of a site needs servers in sites".into(),
            "say how many sites the servers stand in (--sites), at least three",
        ),
        _ => {}
    }
    findings
}

/// The finding for a request with too few failure domains to keep a quorum after the loss.
fn too_few_domains(request: &Request, domains: usize) -> Finding {
    let lost = request.survive.domains_lost();
    let word = request.survive.domain_word();
    // With managers spread evenly, losing k of d domains keeps a majority only when d > 2k.
    let needed = 2 * lost + 1;
    let (what, hint) = match request.survive {
        Survive::Host | Survive::TwoHosts => (
            format!(
                "surviving {} needs managers on at least {needed} servers; {} given",
                request.survive, domains
            ),
            format!(
                "add servers: {needed} servers with one manager each keep a majority after losing {lost}"
            ),
        ),
        Survive::Rack | Survive::Site => (
            format!(
                "surviving {} needs managers in at least {needed} {word}s; {domains} given",
                request.survive
            ),
            format!(
                "use {needed} {word}s (a small third {word} holding one manager is enough as a tie-breaker)"
            ),
        ),
    };
    Finding::new(
        Code::SizingImpossible,
        Target::Plan,
        format!(
            "{what}: losing the {word}{} holding most managers always leaves fewer than a majority",
            if lost > 1 { "s" } else { "" }
        ),
    )
    .hint(hint)
}

/// The servers, and the failure domains of the kind to survive, as indices into them.
struct Layout {
    hosts: Vec<Host>,
    /// Names and hosts of each failure domain of the kind to survive.
    domains: Vec<(String, Vec<usize>)>,
}

impl Layout {
    fn of(request: &Request) -> Self {
        let hosts: Vec<Host> = (0..request.servers)
            .map(|i| {
                let mut host = Host::new(format!("server{}", i + 1));
                let rack = (request.racks > 0).then_some(i % request.racks.max(1));
                host.rack = rack.map(|r| format!("rack{}", r + 1));
                host.site = (request.sites > 0)
                    .then(|| format!("site{}", rack.unwrap_or(i) % request.sites.max(1) + 1));
                host.cpus = request.server_cpus;
                host.memory = request.server_memory;
                host
            })
            .collect();
        let key = |host: &Host| -> String {
            match request.survive {
                Survive::Host | Survive::TwoHosts => host.name.clone(),
                Survive::Rack => host.rack.clone().unwrap_or_default(),
                Survive::Site => host.site.clone().unwrap_or_default(),
            }
        };
        let mut domains: Vec<(String, Vec<usize>)> = Vec::new();
        for (index, host) in hosts.iter().enumerate() {
            let name = key(host);
            match domains.iter_mut().find(|(n, _)| *n == name) {
                Some((_, members)) => members.push(index),
                None => domains.push((name, vec![index])),
            }
        }
        Layout { hosts, domains }
    }
}

/// The most that the loss of `lost` domains takes when `count` things are dealt evenly over
/// `domains` domains.
fn worst_loss(count: usize, domains: usize, lost: usize) -> usize {
    if domains == 0 {
        return count;
    }
    let mut shares: Vec<usize> = (0..domains)
        .map(|d| count / domains + usize::from(d < count % domains))
        .collect();
    shares.sort_unstable_by(|a, b| b.cmp(a));
    shares.iter().take(lost).sum()
}

/// The fewest managers that, spread evenly, keep a quorum after the loss asked for.
fn manager_count(layout: &Layout, survive: Survive) -> Option<usize> {
    let domains = layout.domains.len();
    MANAGER_COUNTS.into_iter().find(|&managers| {
        let lost = worst_loss(managers, domains, survive.domains_lost());
        quorum::holds(managers, managers - lost.min(managers))
    })
}

/// Where a service's tasks may run, read from its constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Home {
    /// `node.role == manager`.
    Managers,
    /// Workers carrying these labels (none: general workers).
    Workers(RoleKey),
    /// No constraint that selects nodes: a global service of this kind runs on every node.
    Anywhere,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
struct RoleKey {
    labels: Vec<(String, String)>,
    engine_labels: Vec<(String, String)>,
}

fn home_of(service: &Service) -> Home {
    let Ok(constraints) = constraint::parse_all(&service.constraints) else {
        // Docker refuses the service; the analysis says why. General workers are as good a
        // guess as any.
        return Home::Workers(RoleKey::default());
    };
    let mut key = RoleKey::default();
    let (mut managers, mut workers) = (false, false);
    for c in &constraints {
        match (&c.key, c.operator) {
            (Key::NodeLabel(name), Operator::Equal) => {
                key.labels.push((name.clone(), c.value.clone()))
            }
            (Key::EngineLabel(name), Operator::Equal) => {
                key.engine_labels.push((name.clone(), c.value.clone()))
            }
            (Key::Role, Operator::Equal) => {
                managers |= c.value.eq_ignore_ascii_case("manager");
                workers |= c.value.eq_ignore_ascii_case("worker");
            }
            (Key::Role, Operator::NotEqual) => {
                managers |= c.value.eq_ignore_ascii_case("worker");
                workers |= c.value.eq_ignore_ascii_case("manager");
            }
            _ => {}
        }
    }
    key.labels.sort();
    key.labels.dedup();
    key.engine_labels.sort();
    key.engine_labels.dedup();
    if managers {
        Home::Managers
    } else if workers || !key.labels.is_empty() || !key.engine_labels.is_empty() {
        Home::Workers(key)
    } else {
        Home::Anywhere
    }
}

/// What one role (or the managers) must run.
#[derive(Debug, Clone, Default, PartialEq)]
struct Load {
    /// Replicated services: reservation per task, replicas, max per node.
    replicated: Vec<(Resources, u64, Option<u64>)>,
    /// What global services reserve on each node.
    per_node: Resources,
    services: Vec<String>,
}

impl Load {
    /// The smallest VM that holds the global tasks and the largest replicated task.
    fn smallest_vm(&self) -> Resources {
        let largest = self
            .replicated
            .iter()
            .fold(Resources::default(), |most, (r, _, _)| Resources {
                cpus: most.cpus.max(r.cpus),
                memory: most.memory.max(r.memory),
            });
        add(self.per_node, largest)
    }

    /// Nodes needed with all of them up, on VMs of `size`.
    fn nodes_needed(&self, size: VmSize) -> usize {
        if self.replicated.is_empty() {
            return GLOBAL_ONLY_NODES;
        }
        let spread = self
            .replicated
            .iter()
            .map(|(_, replicas, max)| match max {
                Some(max) if *max > 0 => replicas.div_ceil(*max),
                _ => 1,
            })
            .max()
            .unwrap_or(1);
        let free_cpus = size
            .cpus
            .millis()
            .saturating_sub(self.per_node.cpus.millis());
        let free_memory = size.memory.0.saturating_sub(self.per_node.memory.0);
        let total_cpus: u64 = self
            .replicated
            .iter()
            .map(|(r, n, _)| r.cpus.millis() * n)
            .sum();
        let total_memory: u64 = self.replicated.iter().map(|(r, n, _)| r.memory.0 * n).sum();
        let by = |total: u64, free: u64| -> u64 {
            if total == 0 {
                0
            } else {
                total.div_ceil(free.max(1))
            }
        };
        let by_resources = by(total_cpus, free_cpus).max(by(total_memory, free_memory));
        (spread.max(by_resources).max(1)) as usize
    }
}

fn add(a: Resources, b: Resources) -> Resources {
    Resources {
        cpus: Cpus(a.cpus.millis() + b.cpus.millis()),
        memory: Bytes(a.memory.0 + b.memory.0),
    }
}

/// Every stack's services, by where they run.
struct Demand {
    managers: Load,
    roles: Vec<(RoleKey, Load)>,
}

impl Demand {
    fn of(stacks: &[Stack]) -> Result<Self, Vec<Finding>> {
        let mut demand = Demand {
            managers: Load::default(),
            roles: Vec::new(),
        };
        let mut everywhere = Resources::default();
        let mut everywhere_services = Vec::new();
        let mut problems = Vec::new();
        for stack in stacks {
            let compose = compose::read(stack);
            problems.extend(
                compose
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .cloned(),
            );
            for service in &compose.services {
                let id = format!("{}/{}", stack.name, service.name);
                let home = home_of(service);
                let load = match &home {
                    Home::Managers => &mut demand.managers,
                    Home::Workers(key) => demand.role(key),
                    Home::Anywhere => match service.mode {
                        Mode::Global => {
                            everywhere = add(everywhere, service.reservations);
                            everywhere_services.push(id);
                            continue;
                        }
                        Mode::Replicated(_) => demand.role(&RoleKey::default()),
                    },
                };
                load.services.push(id);
                match service.mode {
                    Mode::Global => load.per_node = add(load.per_node, service.reservations),
                    Mode::Replicated(n) => load.replicated.push((
                        service.reservations,
                        n,
                        service.max_replicas_per_node,
                    )),
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if demand.roles.is_empty() && !everywhere_services.is_empty() {
            // Drained managers run nothing: services meant for every node need workers.
            demand.role(&RoleKey::default()).services = everywhere_services;
        }
        if !demand.managers.services.is_empty() {
            demand.managers.per_node = add(demand.managers.per_node, everywhere);
        }
        for (_, load) in &mut demand.roles {
            load.per_node = add(load.per_node, everywhere);
        }
        Ok(demand)
    }

    fn role(&mut self, key: &RoleKey) -> &mut Load {
        let index = match self.roles.iter().position(|(k, _)| k == key) {
            Some(index) => index,
            None => {
                self.roles.push((key.clone(), Load::default()));
                self.roles.len() - 1
            }
        };
        &mut self.roles[index].1
    }
}

/// What an alternative favours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    /// Per role, the VM size that needs the fewest VMs.
    FewestVms,
    /// Per role, the smallest VM size that holds its tasks.
    SmallestVms,
    /// The fewest VMs' sizes one step larger, and a spare worker per role that runs replicas.
    MostHeadroom,
}

impl Strategy {
    const ALL: [Strategy; 3] = [
        Strategy::FewestVms,
        Strategy::SmallestVms,
        Strategy::MostHeadroom,
    ];

    fn name(self) -> &'static str {
        match self {
            Strategy::FewestVms => "fewest VMs",
            Strategy::SmallestVms => "smallest VMs",
            Strategy::MostHeadroom => "most headroom",
        }
    }
}

/// A topology being sized: managers and roles with their counts and sizes.
#[derive(Debug, Clone)]
struct Draft {
    strategy: Strategy,
    managers: usize,
    manager_size: usize,
    /// Per role of the demand: its name, VM size (index into the sorted sizes) and VM count.
    roles: Vec<(String, usize, usize)>,
}

impl Draft {
    fn initial(
        request: &Request,
        layout: &Layout,
        demand: &Demand,
        sizes: &[VmSize],
        managers: usize,
        strategy: Strategy,
    ) -> Result<Self, Vec<Finding>> {
        let mut problems = Vec::new();
        let manager_size = smallest_holding(sizes, demand.managers.smallest_vm());
        if manager_size.is_none() {
            problems.push(too_large(&demand.managers, "managers", sizes));
        }
        let names = role_names(&demand.roles);
        let mut roles = Vec::new();
        for ((_, load), name) in demand.roles.iter().zip(names) {
            let Some(smallest) = smallest_holding(sizes, load.smallest_vm()) else {
                problems.push(too_large(load, &format!("{name} workers"), sizes));
                continue;
            };
            let count_on = |size: usize| {
                survivable_count(
                    load.nodes_needed(sizes[size]),
                    layout.domains.len(),
                    request.survive.domains_lost(),
                    load.replicated.is_empty(),
                )
            };
            let fewest = (smallest..sizes.len())
                .min_by_key(|&s| (count_on(s), s))
                .unwrap_or(smallest);
            let size = match strategy {
                Strategy::SmallestVms => smallest,
                Strategy::FewestVms => fewest,
                // One size up, where one is on offer.
                Strategy::MostHeadroom => (fewest + 1).min(sizes.len().saturating_sub(1)),
            };
            // A spare worker for roles that run replicas; roles of global services only keep
            // their cluster size (three Elasticsearch masters, not four).
            let spare =
                usize::from(strategy == Strategy::MostHeadroom && !load.replicated.is_empty());
            roles.push((name, size, count_on(size) + spare));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Draft {
            strategy,
            managers,
            manager_size: manager_size.unwrap_or(0),
            roles,
        })
    }

    /// Whether an alternative already offered has this draft's counts and sizes.
    fn same_as(&self, alternative: &Alternative) -> bool {
        alternative.managers.count == self.managers
            && alternative.roles.len() == self.roles.len()
            && alternative
                .roles
                .iter()
                .zip(&self.roles)
                .all(|(a, (name, _, count))| a.role == *name && a.vms == *count)
    }

    /// Analyses the draft's plan and adds workers where tasks wait after a failure to survive,
    /// until none does.
    fn settle(
        mut self,
        request: &Request,
        layout: &Layout,
        demand: &Demand,
        sizes: &[VmSize],
    ) -> Result<Alternative, Vec<Finding>> {
        let options = Options {
            host_pairs: request.survive == Survive::TwoHosts,
        };
        for _ in 0..MAX_ROUNDS {
            let plan = self.plan(request, layout, demand, sizes);
            let analysis = analyze(&plan, &options);
            let blocking: Vec<Finding> = analysis
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error && f.code != Code::TasksPending)
                .cloned()
                .collect();
            if !blocking.is_empty() {
                return Err(blocking);
            }
            let waiting = waiting_services(&analysis, request.survive);
            if waiting.is_empty() && survives(&analysis, request.survive) {
                return Ok(self.alternative(plan, layout, demand, sizes));
            }
            if !self.grow(&waiting, demand, sizes) {
                return Err(unplaceable(&analysis, &waiting, request.survive));
            }
        }
        let plan = self.plan(request, layout, demand, sizes);
        let analysis = analyze(&plan, &options);
        let waiting = waiting_services(&analysis, request.survive);
        Err(unplaceable(&analysis, &waiting, request.survive))
    }

    /// Adds one worker to each role with waiting tasks (a larger VM for the managers). False
    /// when nothing can be added that would help.
    fn grow(&mut self, waiting: &[String], demand: &Demand, sizes: &[VmSize]) -> bool {
        let mut grew = false;
        if waiting.iter().any(|w| demand.managers.services.contains(w)) {
            if self.manager_size + 1 < sizes.len() {
                self.manager_size += 1;
                grew = true;
            } else {
                return false;
            }
        }
        // A service of no role (a global one that runs everywhere) waits for room left by the
        // others: more workers of every role spread those thinner.
        let homeless = waiting.iter().any(|w| {
            !demand.managers.services.contains(w)
                && !demand
                    .roles
                    .iter()
                    .any(|(_, load)| load.services.contains(w))
        });
        for (role, (_, load)) in self.roles.iter_mut().zip(&demand.roles) {
            if homeless || waiting.iter().any(|w| load.services.contains(w)) {
                role.2 += 1;
                grew = true;
            }
        }
        grew
    }

    /// The plan of this draft: managers, then each role's workers, dealt over the failure
    /// domains so that no domain holds more than its share.
    fn plan(&self, request: &Request, layout: &Layout, demand: &Demand, sizes: &[VmSize]) -> Plan {
        let mut plan = Plan::new(format!(
            "{} servers sized to survive {}",
            request.servers, request.survive
        ));
        plan.hosts = layout.hosts.clone();
        plan.stacks = request.stacks.clone();
        let mut dealer = Dealer::new(layout);
        for i in 0..self.managers {
            let host = dealer.next(0);
            let mut node = Node::new(
                format!("manager{}", i + 1),
                layout.hosts[host].name.clone(),
                Role::Manager,
            );
            set_size(&mut node, sizes[self.manager_size]);
            // Docker's advice for production swarms: managers that run no service are drained,
            // so that no task competes with Raft for their CPUs and memory.
            if demand.managers.services.is_empty() {
                node.availability = Availability::Drain;
            }
            plan.nodes.push(node);
        }
        for (index, ((key, _), (name, size, count))) in
            demand.roles.iter().zip(&self.roles).enumerate()
        {
            let separator = if name.ends_with(|c: char| c.is_ascii_digit()) {
                "-"
            } else {
                ""
            };
            for i in 0..*count {
                let host = dealer.next(index + 1);
                let mut node = Node::new(
                    format!("{name}{separator}{}", i + 1),
                    layout.hosts[host].name.clone(),
                    Role::Worker,
                );
                set_size(&mut node, sizes[*size]);
                node.labels = key.labels.iter().cloned().collect();
                node.engine_labels = key.engine_labels.iter().cloned().collect();
                plan.nodes.push(node);
            }
        }
        plan.description = Some(describe(self, &plan, layout, sizes));
        plan
    }

    fn alternative(
        self,
        plan: Plan,
        layout: &Layout,
        demand: &Demand,
        sizes: &[VmSize],
    ) -> Alternative {
        let spread = layout
            .domains
            .iter()
            .map(|(name, members)| DomainShare {
                domain: name.clone(),
                managers: plan
                    .managers()
                    .filter(|n| {
                        members
                            .iter()
                            .any(|&h| layout.hosts[h].name == n.host_name())
                    })
                    .count(),
            })
            .collect();
        let roles = self
            .roles
            .iter()
            .zip(&demand.roles)
            .map(|((name, size, count), (key, load))| RoleSizing {
                role: name.clone(),
                labels: key.labels.iter().cloned().collect(),
                engine_labels: key.engine_labels.iter().cloned().collect(),
                vms: *count,
                size: sizes[*size],
                services: load.services.clone(),
            })
            .collect();
        Alternative {
            name: self.strategy.name(),
            managers: ManagerSizing {
                count: self.managers,
                size: sizes[self.manager_size],
                spread,
            },
            roles,
            total_vms: plan.nodes.len(),
            load: server_load(&plan),
            summary: plan.description.clone().unwrap_or_default(),
            plan,
        }
    }
}

fn set_size(node: &mut Node, size: VmSize) {
    node.cpus = Some(size.cpus);
    node.memory = Some(size.memory);
}

/// Deals VMs over the failure domains: each goes to the domain, then the server, with the
/// fewest VMs of its kind, then the fewest VMs in all.
struct Dealer<'a> {
    layout: &'a Layout,
    /// Per host: VMs of each kind (0: managers, then roles), and in all.
    of_kind: Vec<Vec<usize>>,
    total: Vec<usize>,
}

impl<'a> Dealer<'a> {
    fn new(layout: &'a Layout) -> Self {
        Dealer {
            layout,
            of_kind: vec![Vec::new(); layout.hosts.len()],
            total: vec![0; layout.hosts.len()],
        }
    }

    fn count(&self, host: usize, kind: usize) -> usize {
        self.of_kind[host].get(kind).copied().unwrap_or(0)
    }

    fn next(&mut self, kind: usize) -> usize {
        let domain = (0..self.layout.domains.len())
            .min_by_key(|&d| {
                let members = &self.layout.domains[d].1;
                (
                    members.iter().map(|&h| self.count(h, kind)).sum::<usize>(),
                    members.iter().map(|&h| self.total[h]).sum::<usize>() * 1000
                        / members.len().max(1),
                    d,
                )
            })
            .unwrap_or(0);
        let host = self.layout.domains[domain]
            .1
            .iter()
            .copied()
            .min_by_key(|&h| (self.count(h, kind), self.total[h], h))
            .unwrap_or(0);
        if self.of_kind[host].len() <= kind {
            self.of_kind[host].resize(kind + 1, 0);
        }
        self.of_kind[host][kind] += 1;
        self.total[host] += 1;
        host
    }
}

/// The VMs each role needs so that, dealt evenly over `domains`, losing `lost` of them leaves
/// `needed`.
fn survivable_count(needed: usize, domains: usize, lost: usize, global_only: bool) -> usize {
    if global_only {
        return needed.min(domains.max(1)).max(1);
    }
    let mut count = needed;
    // Bounded: once every domain holds `needed`, losing any leaves at least `needed` when there
    // are more domains than losses, which the manager check has made sure of.
    while count < needed * (domains + 1) && count - worst_loss(count, domains, lost) < needed {
        count += 1;
    }
    count
}

fn smallest_holding(sizes: &[VmSize], need: Resources) -> Option<usize> {
    sizes.iter().position(|s| s.holds(need))
}

fn too_large(load: &Load, who: &str, sizes: &[VmSize]) -> Finding {
    let need = load.smallest_vm();
    let largest = sizes.last().copied().unwrap_or(VmSize {
        cpus: Cpus(0),
        memory: Bytes(0),
    });
    Finding::new(
        Code::SizingVmTooSmall,
        Target::Plan,
        format!(
            "the {who} must hold {} CPUs and {} at once ({}); the largest VM size on offer is {largest}",
            need.cpus,
            need.memory,
            load.services.join(", ")
        ),
    )
    .hint(format!(
        "offer a VM size of at least {}:{}, or lower the reservations",
        need.cpus, need.memory
    ))
}

/// Role names from their labels: the label values (`app`, `db`), or `key-value` where values
/// repeat; `worker` for general workers; never `manager`.
fn role_names(roles: &[(RoleKey, Load)]) -> Vec<String> {
    let short = |key: &RoleKey| -> String {
        let values: Vec<&str> = key
            .labels
            .iter()
            .chain(&key.engine_labels)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            "worker".to_owned()
        } else {
            slug(&values.join("-"))
        }
    };
    let long = |key: &RoleKey| -> String {
        let parts: Vec<String> = key
            .labels
            .iter()
            .chain(&key.engine_labels)
            .map(|(k, v)| format!("{k}-{v}"))
            .collect();
        slug(&parts.join("-"))
    };
    let mut names: Vec<String> = Vec::new();
    for (key, _) in roles {
        let mut name = short(key);
        if name == "manager" || roles.iter().filter(|(k, _)| short(k) == name).count() > 1 {
            name = long(key);
        }
        let base = if name.is_empty() {
            "worker".to_owned()
        } else {
            name
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) || name == "manager" {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}

/// Lower-case letters, digits and `-`: a name fit for a hostname.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Services with tasks pending with every node up, or after a failure that must be survived,
/// as `stack/service`, in order of first appearance.
fn waiting_services(analysis: &Analysis, survive: Survive) -> Vec<String> {
    let mut waiting: Vec<String> = Vec::new();
    let scenarios = analysis
        .failures
        .iter()
        .filter(|f| survive.scenario_kinds().contains(&f.domain) && f.quorum);
    let pending = analysis
        .pending
        .iter()
        .chain(scenarios.flat_map(|f| f.pending.iter()));
    for p in pending {
        let id = format!("{}/{}", p.stack, p.service);
        if !waiting.contains(&id) {
            waiting.push(id);
        }
    }
    waiting
}

/// Whether every failure to survive keeps its quorum and its services.
fn survives(analysis: &Analysis, survive: Survive) -> bool {
    analysis
        .failures
        .iter()
        .filter(|f| survive.scenario_kinds().contains(&f.domain))
        .all(|f| f.survived() && f.pending.is_empty() && f.services.degraded.is_empty())
}

/// Findings for tasks that no added worker could place.
fn unplaceable(analysis: &Analysis, waiting: &[String], survive: Survive) -> Vec<Finding> {
    let reason = |id: &str| -> String {
        let scenarios = analysis
            .failures
            .iter()
            .filter(|f| survive.scenario_kinds().contains(&f.domain));
        analysis
            .pending
            .iter()
            .chain(scenarios.flat_map(|f| f.pending.iter()))
            .find(|p| format!("{}/{}", p.stack, p.service) == id)
            .map(|p| p.reason.clone())
            .unwrap_or_else(|| "its tasks do not all run".to_owned())
    };
    let mut findings: Vec<Finding> = waiting
        .iter()
        .map(|id| {
            let (stack, service) = id.split_once('/').unwrap_or((id, ""));
            Finding::new(
                Code::SizingUnplaceable,
                Target::Service {
                    stack: stack.to_owned(),
                    service: service.to_owned(),
                },
                format!(
                    "service {id} cannot keep all its tasks through {survive}, whatever workers are added: {}",
                    reason(id)
                ),
            )
            .hint("its constraints name nodes the sizer cannot create (node.hostname, node.id, node.ip), or its tasks outgrow every VM size and server: relax them or offer larger sizes")
        })
        .collect();
    if findings.is_empty() {
        findings.push(
            Finding::new(
                Code::SizingUnplaceable,
                Target::Plan,
                format!("no topology found that survives {survive}"),
            )
            .hint("add servers or failure domains"),
        );
    }
    findings
}

fn server_load(plan: &Plan) -> Vec<ServerLoad> {
    plan.hosts
        .iter()
        .map(|host| {
            let vms: Vec<&Node> = plan
                .nodes
                .iter()
                .filter(|n| n.host_name() == host.name)
                .collect();
            ServerLoad {
                server: host.name.clone(),
                vms: vms.len(),
                cpus: Cpus(vms.iter().filter_map(|n| n.cpus).map(Cpus::millis).sum()),
                memory: Bytes(vms.iter().filter_map(|n| n.memory).map(|m| m.0).sum()),
            }
        })
        .collect()
}

/// "3 managers (1-1-1, 2:4GiB) + 3 app workers (8:16GiB) over 3 servers = 6 VMs".
fn describe(draft: &Draft, plan: &Plan, layout: &Layout, sizes: &[VmSize]) -> String {
    let mut shares: Vec<usize> = layout
        .domains
        .iter()
        .map(|(_, members)| {
            plan.managers()
                .filter(|n| {
                    members
                        .iter()
                        .any(|&h| layout.hosts[h].name == n.host_name())
                })
                .count()
        })
        .filter(|&n| n > 0)
        .collect();
    shares.sort_unstable_by(|a, b| b.cmp(a));
    let spread = shares
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("-");
    let mut parts = vec![format!(
        "{} managers ({spread}, {})",
        draft.managers, sizes[draft.manager_size]
    )];
    for (name, size, count) in &draft.roles {
        parts.push(format!("{count} {name} workers ({})", sizes[*size]));
    }
    format!(
        "{} over {} servers = {} VMs",
        parts.join(" + "),
        layout.hosts.len(),
        plan.nodes.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_losses_of_an_even_spread() {
        assert_eq!(worst_loss(3, 3, 1), 1);
        assert_eq!(worst_loss(5, 3, 1), 2);
        assert_eq!(worst_loss(7, 3, 1), 3);
        assert_eq!(worst_loss(5, 5, 2), 2);
        assert_eq!(worst_loss(5, 4, 2), 3);
    }

    #[test]
    fn survivable_counts_cover_the_worst_loss() {
        assert_eq!(survivable_count(3, 3, 1, false), 5);
        assert_eq!(survivable_count(1, 3, 1, false), 2);
        assert_eq!(survivable_count(2, 3, 1, false), 3);
        assert_eq!(survivable_count(3, 3, 1, true), 3);
        assert_eq!(survivable_count(3, 2, 1, true), 2);
    }

    #[test]
    fn vm_sizes_read_as_cpus_and_memory() {
        assert_eq!(VmSize::parse("4:8GiB"), Ok(VmSize::new(4, 8)));
        assert_eq!(
            VmSize::parse_list("2:4G, 8:16GiB"),
            Ok(vec![VmSize::new(2, 4), VmSize::new(8, 16)])
        );
        assert!(VmSize::parse("4").is_err());
        assert!(VmSize::parse("0:8GiB").is_err());
        assert_eq!(VmSize::new(4, 8).to_string(), "4:8GiB");
    }

    #[test]
    fn role_names_come_from_label_values() {
        let key = |pairs: &[(&str, &str)]| RoleKey {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            engine_labels: Vec::new(),
        };
        let roles = vec![
            (key(&[("worker", "app")]), Load::default()),
            (key(&[("tier", "app")]), Load::default()),
            (key(&[]), Load::default()),
            (key(&[("role", "manager")]), Load::default()),
        ];
        assert_eq!(
            role_names(&roles),
            vec!["worker-app", "tier-app", "worker", "role-manager"]
        );
    }
}
