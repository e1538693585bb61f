//! A topology being sized: the managers spread over the failure domains, the worker roles dealt
//! over the servers, and the plan that builds it, grown until the analysis finds no task waiting.

use super::demand::{role_names, Demand, Load};
use super::report::{describe, server_load};
use super::request::{Request, Survive, VmSize};
use super::{
    survives, unplaceable, waiting_services, Alternative, DomainShare, ManagerSizing, RoleSizing,
    MAX_ROUNDS,
};
use crate::analysis::{analyze, Options};
use crate::budget;
use crate::compose::Resources;
use crate::findings::{Code, Finding, Severity, Target};
use crate::limits::{grouped, Limit};
use crate::plan::{Availability, Host, Node, Plan, Role};
use crate::quorum;
use crate::units::{Bytes, Cpus};

/// Manager counts the sizer considers, in order of preference: odd, and at most seven.
const MANAGER_COUNTS: [usize; 3] = [3, 5, 7];

/// The servers, and the failure domains of the kind to survive, as indices into them.
pub(super) struct Layout {
    pub(super) hosts: Vec<Host>,
    /// Names and hosts of each failure domain of the kind to survive.
    pub(super) domains: Vec<(String, Vec<usize>)>,
}

impl Layout {
    pub(super) fn of(request: &Request) -> Self {
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
pub(super) fn worst_loss(count: usize, domains: usize, lost: usize) -> usize {
    if domains == 0 {
        return count;
    }
    // `count % domains` domains hold one more than the others; the largest shares go first.
    let lost = lost.min(domains);
    lost * (count / domains) + lost.min(count % domains)
}

/// The fewest managers that, spread evenly, keep a quorum after the loss asked for.
pub(super) fn manager_count(layout: &Layout, survive: Survive) -> Option<usize> {
    let domains = layout.domains.len();
    MANAGER_COUNTS.into_iter().find(|&managers| {
        let lost = worst_loss(managers, domains, survive.domains_lost());
        quorum::holds(managers, managers - lost.min(managers))
    })
}

/// What an alternative favours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Strategy {
    /// Per role, the VM size that needs the fewest VMs.
    FewestVms,
    /// Per role, the smallest VM size that holds its tasks.
    SmallestVms,
    /// The fewest VMs' sizes one step larger, and a spare worker per role that runs replicas.
    MostHeadroom,
}

impl Strategy {
    pub(super) const ALL: [Strategy; 3] = [
        Strategy::FewestVms,
        Strategy::SmallestVms,
        Strategy::MostHeadroom,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Strategy::FewestVms => "fewest VMs",
            Strategy::SmallestVms => "smallest VMs",
            Strategy::MostHeadroom => "most headroom",
        }
    }
}

/// A topology being sized: managers and roles with their counts and sizes.
#[derive(Debug, Clone)]
pub(super) struct Draft {
    strategy: Strategy,
    pub(super) managers: usize,
    pub(super) manager_size: usize,
    /// Per role of the demand: its name, VM size (index into the sorted sizes) and VM count.
    pub(super) roles: Vec<(String, usize, usize)>,
}

impl Draft {
    pub(super) fn initial(
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
            // More VMs than the node limit are not counted out one by one: such a role is
            // refused below.
            let count_on = |size: usize| {
                let needed = load.nodes_needed(sizes[size]);
                if Limit::Nodes.exceeded_by(needed as u64) {
                    return usize::MAX;
                }
                survivable_count(
                    needed,
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
            let count = count_on(size).saturating_add(spare);
            if Limit::Nodes.exceeded_by(count as u64) {
                problems.push(too_many_vms(&name, count, load));
                continue;
            }
            roles.push((name, size, count));
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
    pub(super) fn same_as(&self, alternative: &Alternative) -> bool {
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
    pub(super) fn settle(
        mut self,
        request: &Request,
        layout: &Layout,
        demand: &Demand,
        sizes: &[VmSize],
    ) -> Result<Alternative, Vec<Finding>> {
        let options = Options {
            host_pairs: request.survive == Survive::TwoHosts,
            ..Options::default()
        };
        // Each round's analysis counts against the work budget; sizing stops when they reach it.
        let mut spent: u64 = 0;
        for round in 0..MAX_ROUNDS {
            let plan = self.plan(request, layout, demand, sizes);
            spent = spent.saturating_add(budget::plan_analysis_work(&plan, options.host_pairs));
            if Limit::Work.exceeded_by(spent) {
                return Err(vec![over_budget(round, spent)]);
            }
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
    pub(super) fn plan(
        &self,
        request: &Request,
        layout: &Layout,
        demand: &Demand,
        sizes: &[VmSize],
    ) -> Plan {
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

    pub(super) fn alternative(
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
    pub(super) layout: &'a Layout,
    /// Per host: VMs of each kind (0: managers, then roles), and in all.
    of_kind: Vec<Vec<usize>>,
    pub(super) total: Vec<usize>,
}

impl<'a> Dealer<'a> {
    pub(super) fn new(layout: &'a Layout) -> Self {
        Dealer {
            layout,
            of_kind: vec![Vec::new(); layout.hosts.len()],
            total: vec![0; layout.hosts.len()],
        }
    }

    pub(super) fn count(&self, host: usize, kind: usize) -> usize {
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
pub(super) fn survivable_count(
    needed: usize,
    domains: usize,
    lost: usize,
    global_only: bool,
) -> usize {
    if global_only {
        return needed.min(domains.max(1)).max(1);
    }
    let mut count = needed;
    // Bounded: once every domain holds `needed`, losing any leaves at least `needed` when there
    // are more domains than losses, which the manager check has made sure of.
    while count < needed.saturating_mul(domains + 1)
        && count - worst_loss(count, domains, lost) < needed
    {
        count += 1;
    }
    count
}

/// A role that would need more VMs than the node limit.
fn too_many_vms(name: &str, count: usize, load: &Load) -> Finding {
    let count = if count == usize::MAX {
        "more".to_owned()
    } else {
        grouped(count as u64)
    };
    Finding::new(
        Code::LimitExceeded,
        Target::Plan,
        format!(
            "the {name} workers would need {count} VMs ({}), over Swarmplan's limit of {} {}",
            load.services.join(", "),
            grouped(Limit::Nodes.value()),
            Limit::Nodes.name()
        ),
    )
    .hint("lower the replicas or reservations, or offer larger VM sizes")
}

/// Sizing that stopped when its rounds' analyses reached the work budget.
fn over_budget(rounds: usize, spent: u64) -> Finding {
    Finding::new(
        Code::WorkBudgetExceeded,
        Target::Plan,
        format!(
            "sizing stopped after {rounds} round(s): the analyses of its drafts add up to {} units of work, over Swarmplan's budget of {}",
            grouped(spent),
            grouped(Limit::Work.value())
        ),
    )
    .hint("size fewer servers at once, or survive the loss of one server instead of two")
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
