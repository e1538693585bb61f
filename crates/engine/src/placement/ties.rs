//! What Swarm could equally have done: for each task, the other nodes it could have run on
//! (its ties), and for each service, the hosts, racks and sites that could hold most of its
//! tasks in some outcome (its exposures).
//!
//! Two sources, by cluster size. A cluster of at most eight nodes has every outcome
//! enumerated, with its probability (`exact.rs`): a task's ties are the nodes that hold its
//! place in another outcome. A larger cluster is placed once, and each decision of a leaf's
//! fill is recorded as a round: the nodes Swarm's comparator ranked equal to the chosen one
//! (same tasks of the service, same tasks in all, able to take it), any of which its map order
//! could have put first. A round's ties are its equal nodes that the round did not choose.

use crate::domains::{single_domains, DomainKind};
use crate::plan::Plan;
use std::collections::BTreeMap;

/// Ties are named while there are at most this many; beyond, they are counted among a named
/// candidate set.
pub const TIES_LISTED: usize = 16;

/// The other nodes a task could equally have run on, by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tie {
    /// Every one of them, in join order; empty when the choice was forced.
    Listed(Vec<u32>),
    /// `count` nodes of the candidate set `among` (the cluster's `candidate_sets`).
    Many { among: u32, count: u32 },
}

/// A host, rack or site that could hold `most` of a service's tasks, more than half of them,
/// in some outcome of Swarm's draws.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub kind: DomainKind,
    /// The domain, by its index in [`DomainIndex::names`] of its kind.
    pub domain: u32,
    pub most: u32,
    /// Whether every outcome puts that many there: no tie could have avoided it.
    pub certain: bool,
    /// Whether every outcome puts that many in some domain of this kind (not always this one).
    pub somewhere: bool,
}

/// Whether `most` of `running` tasks in one domain is worth telling: at least two, and a
/// majority (its loss takes more than half of the service at once).
pub fn is_exposure(most: u32, running: u32) -> bool {
    most >= 2 && 2 * most > running
}

/// The kinds of single domain, in the order [`DomainIndex`] keeps them.
pub const KINDS: [DomainKind; 3] = [DomainKind::Host, DomainKind::Rack, DomainKind::Site];

/// Each node's host, rack and site, by index.
#[derive(Debug)]
pub struct DomainIndex {
    /// Per kind (host, rack, site): the names of its domains.
    pub names: [Vec<String>; 3],
    /// Per node and kind: its domain, or `u32::MAX` when it is in none of that kind.
    pub of_node: Vec<[u32; 3]>,
}

impl DomainIndex {
    pub fn of(plan: &Plan) -> Self {
        let mut names: [Vec<String>; 3] = Default::default();
        let mut of_node = vec![[u32::MAX; 3]; plan.nodes.len()];
        let mut nodes_of_host: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, node) in plan.nodes.iter().enumerate() {
            nodes_of_host.entry(node.host_name()).or_default().push(i);
        }
        for domain in single_domains(plan) {
            let Some(kind) = KINDS.iter().position(|&k| k == domain.kind) else {
                continue;
            };
            let id = names[kind].len() as u32;
            for host in &domain.hosts {
                for &node in nodes_of_host.get(host.as_str()).into_iter().flatten() {
                    of_node[node][kind] = id;
                }
            }
            names[kind].push(domain.name);
        }
        DomainIndex { names, of_node }
    }

    /// Whether a kind has more than one domain: only then can spreading over it help.
    pub fn several(&self, kind: usize) -> bool {
        self.names[kind].len() > 1
    }
}

/// The most tasks any domain could hold, accumulated over a service's rounds or outcomes, and
/// the fewest it holds in any outcome. Counters per domain of each kind, with the domains
/// touched, so that a round costs its own nodes only.
#[derive(Debug)]
pub(super) struct Most {
    most: [Vec<u32>; 3],
    least: [Vec<u32>; 3],
    here: [Vec<u32>; 3],
    /// The domains `most` holds a count for, and those `here` holds one for.
    touched: [Vec<u32>; 3],
    touched_here: [Vec<u32>; 3],
    /// Outcomes seen, for `least`: a domain missing from one holds none there.
    outcomes: u32,
    /// Per kind: the fewest tasks the fullest domain held in any outcome.
    floor: [u32; 3],
    /// Whether some round had a choice, or there was more than one outcome.
    ties: bool,
}

impl Most {
    pub(super) fn new(domains: &DomainIndex) -> Self {
        let zeros = |kind: usize| vec![0; domains.names[kind].len()];
        Most {
            most: [zeros(0), zeros(1), zeros(2)],
            least: [zeros(0), zeros(1), zeros(2)],
            here: [zeros(0), zeros(1), zeros(2)],
            touched: Default::default(),
            touched_here: Default::default(),
            outcomes: 0,
            floor: [u32::MAX; 3],
            ties: false,
        }
    }

    fn count(&mut self, domains: &DomainIndex, node: u32, tasks: u32) {
        for (kind, &domain) in domains.of_node[node as usize].iter().enumerate() {
            if domain != u32::MAX {
                if self.here[kind][domain as usize] == 0 {
                    self.touched_here[kind].push(domain);
                }
                self.here[kind][domain as usize] += tasks;
            }
        }
    }

    /// A round put `drawn` tasks on distinct nodes of `tied`: any domain could have got as
    /// many of them as it has nodes there.
    pub(super) fn round(&mut self, domains: &DomainIndex, tied: &[u32], drawn: u32) {
        if tied.len() as u32 > drawn {
            self.ties = true;
        }
        for &node in tied {
            self.count(domains, node, 1);
        }
        for kind in 0..3 {
            for domain in std::mem::take(&mut self.touched_here[kind]) {
                let d = domain as usize;
                if self.most[kind][d] == 0 {
                    self.touched[kind].push(domain);
                }
                self.most[kind][d] += self.here[kind][d].min(drawn);
                self.here[kind][d] = 0;
            }
        }
    }

    /// One whole outcome: tasks per node.
    pub(super) fn outcome(&mut self, domains: &DomainIndex, tasks: &[(u32, u32)]) {
        for &(node, count) in tasks {
            self.count(domains, node, count);
        }
        if self.outcomes > 0 {
            self.ties = true;
        }
        for kind in 0..3 {
            let fullest = self.touched_here[kind]
                .iter()
                .map(|&d| self.here[kind][d as usize])
                .max()
                .unwrap_or(0);
            self.floor[kind] = self.floor[kind].min(fullest);
            // A domain this outcome leaves empty holds none in it.
            for &domain in &self.touched[kind] {
                let d = domain as usize;
                self.least[kind][d] = self.least[kind][d].min(self.here[kind][d]);
            }
            for domain in std::mem::take(&mut self.touched_here[kind]) {
                let d = domain as usize;
                if self.most[kind][d] == 0 {
                    self.touched[kind].push(domain);
                    // Met for the first time: earlier outcomes had none there.
                    self.least[kind][d] = if self.outcomes == 0 {
                        self.here[kind][d]
                    } else {
                        0
                    };
                }
                self.most[kind][d] = self.most[kind][d].max(self.here[kind][d]);
                self.here[kind][d] = 0;
            }
        }
        self.outcomes += 1;
    }

    /// The domains that could hold a majority of `running` tasks, of kinds with more than one
    /// domain.
    pub(super) fn exposures(self, domains: &DomainIndex, running: u32) -> Vec<Exposure> {
        let mut exposures = Vec::new();
        for (kind, touched) in self.touched.iter().enumerate() {
            if !domains.several(kind) {
                continue;
            }
            let mut touched = touched.clone();
            touched.sort_unstable();
            for domain in touched {
                let d = domain as usize;
                let most = self.most[kind][d].min(running);
                if !is_exposure(most, running) {
                    continue;
                }
                let certain = !self.ties || self.least[kind][d] >= most;
                exposures.push(Exposure {
                    kind: KINDS[kind],
                    domain,
                    most,
                    certain,
                    somewhere: certain || (self.outcomes > 0 && self.floor[kind] >= most),
                });
            }
        }
        exposures
    }
}

/// One decision class of a leaf's fill: the nodes ranked equal under Swarm's comparator, and
/// which of them got a task.
#[derive(Debug)]
pub(super) struct Round {
    /// Tasks of the service, tasks in all: the standing the nodes shared.
    pub(super) key: (u32, u32),
    pub(super) leaf: u32,
    pub(super) tied: Vec<u32>,
    /// The tasks placed in this round, by index in the cluster's `placed`, and their nodes.
    pub(super) chosen: Vec<(u32, u32)>,
}
