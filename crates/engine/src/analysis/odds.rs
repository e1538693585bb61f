//! The odds: Swarm's deployment replayed many times under the modelled randomness (the order
//! `docker stack deploy` creates each stack's services, the node map's order in every
//! `nodeSet.tree`, the spread levels' order on every pass), from a fixed seed, so the same plan
//! always gives the same estimate. Each draw is a whole deployment followed by every single
//! host, rack and site failure; the tallies say how often each outcome, each exposure and
//! each failure's impact came up.

use super::failures::Baseline;
use super::{FailureScenario, ServiceChance, ServiceStatus};
use crate::domains::Domain;
use crate::placement::dice::{Rng, Seeded};
use crate::placement::ties::{is_exposure, DomainIndex, KINDS};
use crate::placement::{join_rank, Chance, Cluster, Spec, Task, Ties};
use crate::plan::Plan;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The seed of every sample: the odds are a function of the plan alone.
const SEED: u64 = 0x5357_4152_4D50_4C4E;

/// How many draws `swarmplan analyze` samples by default, and the largest plan it samples
/// without being asked (each draw costs about one analysis).
pub const DEFAULT_DRAWS: u32 = 1000;
pub const DEFAULT_MAX_NODES: usize = 64;
pub const DEFAULT_MAX_TASKS: u64 = 2000;

/// The draws to sample for a plan unless told otherwise: [`DEFAULT_DRAWS`] for a plan of at
/// most [`DEFAULT_MAX_NODES`] nodes and [`DEFAULT_MAX_TASKS`] tasks, none for a larger one.
pub fn default_draws(plan: &Plan) -> u32 {
    if plan.nodes.len() > DEFAULT_MAX_NODES {
        return 0;
    }
    let nodes = plan.nodes.len() as u64;
    let tasks: u64 = plan
        .stacks
        .iter()
        .flat_map(|stack| crate::compose::read(stack).services)
        .map(|service| match service.mode {
            crate::compose::Mode::Replicated(replicas) => replicas,
            crate::compose::Mode::Global => nodes,
        })
        .sum();
    if tasks > DEFAULT_MAX_TASKS {
        0
    } else {
        DEFAULT_DRAWS
    }
}

/// Tasks per node in one outcome of a service: (node index, tasks), ascending node.
type Outcome = Vec<(u32, u32)>;

/// What the draws saw.
pub(super) struct Sample {
    pub draws: u32,
    /// Per service: each outcome seen, and in how many draws.
    outcomes: Vec<BTreeMap<Outcome, u32>>,
    /// Per single domain, per service: the draws in which losing the domain stops it, and
    /// those in which it degrades it.
    down: Vec<BTreeMap<usize, u32>>,
    degraded: Vec<BTreeMap<usize, u32>>,
}

/// Replays the deployment `draws` times and every single-domain failure after each.
pub(super) fn sample(plan: &Plan, specs: &[Spec], domains: &[Domain], draws: u32) -> Sample {
    let ids: BTreeMap<String, usize> = specs.iter().enumerate().map(|(i, s)| (s.id(), i)).collect();
    let mut out = Sample {
        draws,
        outcomes: vec![BTreeMap::new(); specs.len()],
        down: vec![BTreeMap::new(); domains.len()],
        degraded: vec![BTreeMap::new(); domains.len()],
    };
    let mut seeds = Rng::seeded(SEED);
    for _ in 0..draws {
        let mut dice = Seeded(Rng::seeded(seeds.next_u64()));
        let mut cluster = Cluster::new(plan, specs);
        cluster.place_all_drawn(&mut dice);
        let mut per_service: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); specs.len()];
        for task in &cluster.placed {
            *per_service[task.spec].entry(task.node as u32).or_default() += 1;
        }
        for (tally, tasks) in out.outcomes.iter_mut().zip(per_service) {
            *tally.entry(tasks.into_iter().collect()).or_default() += 1;
        }
        let baseline = Baseline::of(plan, &cluster);
        for (d, domain) in domains.iter().enumerate() {
            let scenario = baseline.fail(domain);
            for id in &scenario.services.down {
                *out.down[d].entry(ids[id]).or_default() += 1;
            }
            for id in &scenario.services.degraded {
                *out.degraded[d].entry(ids[id]).or_default() += 1;
            }
        }
    }
    out
}

/// How a service's tasks fell on the domains of one kind over the draws.
#[derive(Debug, Default)]
pub(super) struct SampledExposure {
    /// Draws in which one domain held more than half of the tasks (at least two).
    pub majority: u32,
    /// Draws in which one domain held all of them.
    pub all: u32,
    /// The most tasks one domain held in a draw, and the domains that held that many.
    pub most: u32,
    pub worst: BTreeSet<u32>,
}

/// How one service came out over the draws.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceOdds {
    pub draws: u32,
    /// The outcomes seen, most frequent first (at most [`OUTCOMES_LISTED`]).
    pub outcomes: Vec<OutcomeOdds>,
    /// Per node: how often it runs at least one of the service's tasks, most often first.
    pub nodes: Vec<NodeOdds>,
}

/// The outcomes of a service listed at most.
pub const OUTCOMES_LISTED: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutcomeOdds {
    /// Tasks per node, in join order.
    pub tasks: Vec<NodeTasks>,
    pub p: Chance,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeTasks {
    pub node: String,
    pub tasks: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeOdds {
    pub node: String,
    pub p: Chance,
}

impl ServiceOdds {
    /// The odds in a line: "m3 33 %, m1 17 %, w1 17 %" for one task, the likeliest outcomes
    /// ("m1+w1 75 %, w1+w2 13 %") for more.
    pub fn summary(&self) -> String {
        let one_task = self
            .outcomes
            .iter()
            .all(|o| o.tasks.iter().map(|t| t.tasks).sum::<u32>() <= 1);
        let parts: Vec<String> = if one_task {
            self.nodes
                .iter()
                .map(|n| format!("{} {}", n.node, n.p.percent()))
                .collect()
        } else {
            self.outcomes
                .iter()
                .map(|o| {
                    let nodes: Vec<String> = o
                        .tasks
                        .iter()
                        .map(|t| match t.tasks {
                            1 => t.node.clone(),
                            n => format!("{}×{n}", t.node),
                        })
                        .collect();
                    format!("{} {}", nodes.join("+"), o.p.percent())
                })
                .collect()
        };
        parts.join(", ")
    }
}

impl Sample {
    fn chance(&self, hits: u32) -> Chance {
        Chance {
            hits,
            draws: self.draws,
        }
    }

    /// Each service's odds, and `p` and the sampled alternatives of every task placed.
    pub(super) fn annotate(
        &self,
        cluster: &Cluster,
        placement: &mut [Task],
        services: &mut [ServiceStatus],
    ) {
        let plan_nodes = &cluster.plan().nodes;
        let name = |n: u32| plan_nodes[n as usize].name.clone();
        let rank = join_rank(cluster.plan());
        for (index, status) in services.iter_mut().enumerate() {
            let tally = &self.outcomes[index];
            let mut outcomes: Vec<(&Outcome, u32)> = tally.iter().map(|(o, &h)| (o, h)).collect();
            outcomes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            let mut holds: BTreeMap<u32, u32> = BTreeMap::new();
            for (outcome, hits) in &outcomes {
                for &(node, _) in outcome.iter() {
                    *holds.entry(node).or_default() += hits;
                }
            }
            let mut nodes: Vec<(u32, u32)> = holds.into_iter().collect();
            nodes.sort_by_key(|&(node, hits)| (std::cmp::Reverse(hits), rank[node as usize]));
            status.odds = Some(ServiceOdds {
                draws: self.draws,
                outcomes: outcomes
                    .iter()
                    .take(OUTCOMES_LISTED)
                    .map(|(outcome, hits)| {
                        let mut tasks: Vec<(u32, u32)> = outcome.to_vec();
                        tasks.sort_by_key(|&(node, _)| rank[node as usize]);
                        OutcomeOdds {
                            tasks: tasks
                                .into_iter()
                                .map(|(node, tasks)| NodeTasks {
                                    node: name(node),
                                    tasks,
                                })
                                .collect(),
                            p: self.chance(*hits),
                        }
                    })
                    .collect(),
                nodes: nodes
                    .into_iter()
                    .map(|(node, hits)| NodeOdds {
                        node: name(node),
                        p: self.chance(hits),
                    })
                    .collect(),
            });
        }
        // Each task: the share of draws with at least as many of its service's tasks on its
        // node as the placement shows up to it, and the nodes that hold its place otherwise.
        let index_of: BTreeMap<&str, usize> = plan_nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.as_str(), i))
            .collect();
        let mut copies: BTreeMap<(usize, u32), u32> = BTreeMap::new();
        let mut placed: Vec<BTreeMap<u32, u32>> = vec![BTreeMap::new(); services.len()];
        for task in &cluster.placed {
            *placed[task.spec].entry(task.node as u32).or_default() += 1;
        }
        for (task, at) in placement.iter_mut().zip(&cluster.placed) {
            let node = index_of[task.node.as_str()] as u32;
            let copy = copies.entry((at.spec, node)).or_default();
            *copy += 1;
            let chosen = &placed[at.spec];
            let mut hits = 0;
            let mut others: BTreeSet<u32> = BTreeSet::new();
            for (outcome, &n) in &self.outcomes[at.spec] {
                let here = outcome
                    .iter()
                    .find(|&&(m, _)| m == node)
                    .map_or(0, |&(_, c)| c);
                if here >= *copy {
                    hits += n;
                } else {
                    others.extend(
                        outcome
                            .iter()
                            .filter(|&&(m, c)| c > chosen.get(&m).copied().unwrap_or(0))
                            .map(|&(m, _)| m),
                    );
                }
            }
            task.p = Some(self.chance(hits));
            if let Some(Ties::Nodes(listed)) = &mut task.ties {
                let mut all: BTreeSet<u32> =
                    listed.iter().map(|n| index_of[n.as_str()] as u32).collect();
                all.extend(others);
                let mut all: Vec<u32> = all.into_iter().collect();
                all.sort_by_key(|&n| rank[n as usize]);
                *listed = all.into_iter().map(name).collect();
            }
        }
    }

    /// How a service's tasks fell on the domains of each kind over the draws.
    pub(super) fn exposures(&self, domains: &DomainIndex, service: usize) -> [SampledExposure; 3] {
        let mut found: [SampledExposure; 3] = Default::default();
        for (outcome, &hits) in &self.outcomes[service] {
            let running: u32 = outcome.iter().map(|&(_, c)| c).sum();
            for (kind, slot) in found.iter_mut().enumerate() {
                if !domains.several(kind) {
                    continue;
                }
                let mut per_domain: BTreeMap<u32, u32> = BTreeMap::new();
                for &(node, count) in outcome {
                    let domain = domains.of_node[node as usize][kind];
                    if domain != u32::MAX {
                        *per_domain.entry(domain).or_default() += count;
                    }
                }
                let mut exposed = false;
                for (domain, tasks) in per_domain {
                    if is_exposure(tasks, running) {
                        exposed = true;
                        if tasks == running {
                            slot.all += hits;
                        }
                        if tasks > slot.most {
                            slot.most = tasks;
                            slot.worst.clear();
                        }
                        if tasks == slot.most {
                            slot.worst.insert(domain);
                        }
                    }
                }
                if exposed {
                    slot.majority += hits;
                }
            }
        }
        debug_assert_eq!(KINDS.len(), found.len());
        found
    }

    /// What each single-domain failure may stop or degrade beyond what it does to the
    /// placement shown: services down or degraded in some draws.
    pub(super) fn annotate_failures(
        &self,
        specs: &[Spec],
        failures: &mut [FailureScenario],
        singles: &[usize],
    ) {
        for (d, &f) in singles.iter().enumerate() {
            let failure = &mut failures[f];
            for (&service, &hits) in &self.down[d] {
                let id = specs[service].id();
                if !failure.services.down.contains(&id) {
                    failure.services.may_stop.push(ServiceChance {
                        service: id,
                        p: Some(self.chance(hits)),
                    });
                }
            }
            for (&service, &hits) in &self.degraded[d] {
                let id = specs[service].id();
                if !failure.services.down.contains(&id)
                    && !failure.services.degraded.contains(&id)
                    && !failure.services.may_stop.iter().any(|s| s.service == id)
                {
                    failure.services.may_degrade.push(ServiceChance {
                        service: id,
                        p: Some(self.chance(hits)),
                    });
                }
            }
        }
    }
}
