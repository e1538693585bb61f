//! What a sizing is asked: the servers, the failure to survive, the VM sizes on offer and the
//! stacks; and the mistakes a request can hold before any topology is tried.

use crate::compose::{self, Resources};
use crate::domains::DomainKind;
use crate::findings::{Code, Finding, Target};
use crate::plan::{ServiceId, Stack};
use crate::units::{Bytes, Cpus};
use serde::Serialize;
use std::fmt;

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
    pub(super) fn domains_lost(self) -> usize {
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
    pub(super) fn scenario_kinds(self) -> &'static [DomainKind] {
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

    pub(super) fn holds(&self, need: Resources) -> bool {
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

/// Services that reserve nothing: the sizer cannot count what they use.
pub(super) fn unreserved(stacks: &[Stack]) -> Option<Finding> {
    let (mut unreserved, mut all) = (Vec::new(), 0);
    for stack in stacks {
        for service in compose::read(stack).services {
            all += 1;
            if service.reservations == Resources::default() {
                unreserved.push(ServiceId::new(&stack.name, &service.name).to_string());
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
pub(super) fn request_findings(request: &Request) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut refuse = |code: Code, message: String, hint: &str| {
        findings.push(Finding::new(code, Target::Plan, message).hint(hint));
    };
    if crate::limits::Limit::Hosts.exceeded_by(request.servers as u64) {
        refuse(
            Code::LimitExceeded,
            format!(
                "{} servers to size for, over Swarmplan's limit of {} {}",
                crate::limits::grouped(request.servers as u64),
                crate::limits::grouped(crate::limits::Limit::Hosts.value()),
                crate::limits::Limit::Hosts.name()
            ),
            "size the estate in parts (a site at a time)",
        );
        return findings;
    }
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
pub(super) fn too_few_domains(request: &Request, domains: usize) -> Finding {
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
