//! Placing tasks as Swarm's scheduler does (moby/swarmkit `manager/scheduler` and the global
//! orchestrator), deterministically.
//!
//! For each replicated service, Swarm builds a decision tree from the spread preferences over
//! *every* node (including nodes that cannot take the task), splits the tasks evenly between
//! branches, hands the share of branches without room to the others, and within a leaf fills
//! nodes with the fewest tasks of the service first, then the fewest tasks in all. Each node
//! goes through the filters in Swarm's order: ready and active, reservations, constraints,
//! platform, host-mode ports, max replicas per node. Swarm walks tree branches in Go map order,
//! which is random; Swarmplan walks them in sorted order and reports spreads that end uneven,
//! where that order decides which branch gets the extra tasks.
//!
//! Internally tasks are indices (service, slot, node); names are attached only for the output.
//! A failure scenario is an overlay on the baseline: it copies the node states, not the tasks.

use crate::compose::{Mode, PortMode, Service};
use crate::constraint::{self, Constraint, Key};
use crate::plan::{Availability, Plan, Protocol};
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// One running task: the slot of a replicated service (1, 2, …) or, for a global service, 0.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Task {
    pub stack: String,
    pub service: String,
    pub slot: u64,
    pub node: String,
}

/// A task that runs nowhere, and Docker's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub stack: String,
    pub service: String,
    pub slot: u64,
    pub reason: String,
}

/// The filters, in Swarm's order. Each node that fails is counted at the first filter it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Filter {
    Ready,
    Resources,
    Constraints,
    Platform,
    HostPort,
    MaxReplicas,
}

impl Filter {
    const ALL: [Filter; 6] = [
        Filter::Ready,
        Filter::Resources,
        Filter::Constraints,
        Filter::Platform,
        Filter::HostPort,
        Filter::MaxReplicas,
    ];

    /// Swarm's own explanation for `nodes` nodes failing this filter.
    fn explain(self, nodes: usize) -> String {
        let count = |one: &str, many: &str| {
            if nodes == 1 {
                one.to_owned()
            } else {
                many.replace("{}", &nodes.to_string())
            }
        };
        match self {
            Filter::Ready => count(
                "1 node not available for new tasks",
                "{} nodes not available for new tasks",
            ),
            Filter::Resources => count(
                "insufficient resources on 1 node",
                "insufficient resources on {} nodes",
            ),
            Filter::Constraints => count(
                "scheduling constraints not satisfied on 1 node",
                "scheduling constraints not satisfied on {} nodes",
            ),
            Filter::Platform => count(
                "unsupported platform on 1 node",
                "unsupported platform on {} nodes",
            ),
            Filter::HostPort => count(
                "host-mode port already in use on 1 node",
                "host-mode port already in use on {} nodes",
            ),
            Filter::MaxReplicas => "max replicas per node limit exceed".to_owned(),
        }
    }
}

/// A service as the scheduler sees it.
pub struct Spec<'a> {
    pub stack: &'a str,
    pub service: &'a Service,
    /// `Err` holds Docker's parse error: the service cannot be created.
    pub constraints: Result<Vec<Constraint>, String>,
    host_ports: Vec<(u16, Protocol)>,
    max_replicas_per_node: Option<u64>,
    /// Per node: whether it meets the constraints. Labels do not change while tasks are placed,
    /// so this is computed once per distinct constraint list and shared.
    pub matches: Rc<[bool]>,
    /// The nodes that meet the constraints, in plan order.
    eligible: Rc<[u32]>,
    /// Per spread level, per node: the node's value for the label ("" when it has none). Only
    /// `node.labels.*` and `engine.labels.*` spread descriptors count; Swarm ignores others.
    spread_values: Vec<Rc<SpreadLevel<'a>>>,
}

/// One spread preference's label over every node, interned: `names` sorted, so that branches
/// keyed by index are walked in the order of their values.
#[derive(Debug)]
struct SpreadLevel<'a> {
    names: Vec<&'a str>,
    of_node: Vec<u32>,
}

impl<'a> SpreadLevel<'a> {
    fn new(values: Vec<&'a str>) -> Self {
        let mut names = values.clone();
        names.sort_unstable();
        names.dedup();
        let of_node = values
            .iter()
            .map(|v| {
                names
                    .binary_search(v)
                    .expect("every value is among the names") as u32
            })
            .collect();
        SpreadLevel { names, of_node }
    }
}

/// Per node, whether it meets a constraint list; and the nodes that do.
type Matching = (Rc<[bool]>, Rc<[u32]>);

/// Builds the scheduler's view of every service, computing constraint matches and spread label
/// values once per distinct constraint list and label.
pub fn specs<'a>(
    plan: &'a Plan,
    services: impl IntoIterator<Item = (&'a str, &'a Service)>,
) -> Vec<Spec<'a>> {
    let mut matches: BTreeMap<&'a [String], Matching> = BTreeMap::new();
    let mut values: BTreeMap<(bool, &'a str), Rc<SpreadLevel<'a>>> = BTreeMap::new();
    services
        .into_iter()
        .map(|(stack, service)| {
            let mut spec = Spec::new(stack, service);
            let (matching, eligible) = matches
                .entry(service.constraints.as_slice())
                .or_insert_with(|| {
                    let matching: Rc<[bool]> = match &spec.constraints {
                        Ok(constraints) => plan
                            .nodes
                            .iter()
                            .map(|n| constraint::all_match(constraints, n))
                            .collect(),
                        Err(_) => plan.nodes.iter().map(|_| false).collect(),
                    };
                    let eligible = (0..matching.len() as u32)
                        .filter(|&i| matching[i as usize])
                        .collect();
                    (matching, eligible)
                })
                .clone();
            spec.matches = matching;
            spec.eligible = eligible;
            spec.spread_values = service
                .preferences
                .iter()
                .filter_map(|descriptor| {
                    match constraint::parse(&format!("{descriptor}==x")).map(|c| c.key) {
                        Ok(Key::NodeLabel(_)) => Some((false, descriptor)),
                        Ok(Key::EngineLabel(_)) => Some((true, descriptor)),
                        _ => None,
                    }
                })
                .map(|(engine, descriptor)| {
                    values
                        .entry((engine, descriptor.as_str()))
                        .or_insert_with(|| {
                            let prefix = if engine {
                                "engine.labels.".len()
                            } else {
                                "node.labels.".len()
                            };
                            let label = &descriptor[prefix..];
                            Rc::new(SpreadLevel::new(
                                plan.nodes
                                    .iter()
                                    .map(|n| {
                                        let labels =
                                            if engine { &n.engine_labels } else { &n.labels };
                                        labels.get(label).map(String::as_str).unwrap_or("")
                                    })
                                    .collect(),
                            ))
                        })
                        .clone()
                })
                .collect();
            spec
        })
        .collect()
}

impl<'a> Spec<'a> {
    fn new(stack: &'a str, service: &'a Service) -> Self {
        let host_ports = service
            .ports
            .iter()
            .filter(|p| p.mode == PortMode::Host)
            .filter_map(|p| p.published.map(|port| (port, p.protocol)))
            .collect();
        Spec {
            stack,
            service,
            constraints: constraint::parse_all(&service.constraints),
            host_ports,
            max_replicas_per_node: service.max_replicas_per_node,
            matches: Rc::from(Vec::new()),
            eligible: Rc::from(Vec::new()),
            spread_values: Vec::new(),
        }
    }

    pub fn id(&self) -> String {
        format!("{}/{}", self.stack, self.service.name)
    }
}

/// A task placed on a node, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub spec: usize,
    pub slot: u64,
    pub node: usize,
}

/// A task that could not be placed, by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub spec: usize,
    pub slot: u64,
    pub reason: String,
}

/// What the scheduler knows of one node.
#[derive(Debug, Clone)]
struct NodeState {
    up: bool,
    /// Up and active: Swarm's first filter, kept here so the hot path need not read the plan.
    ready: bool,
    cpus_free: Option<u64>,
    memory_free: Option<u64>,
    tasks: u32,
    host_ports: Vec<(u16, Protocol)>,
}

/// The cluster while tasks are placed: every node's state, and the tasks placed so far. A
/// failure scenario is a cluster on top of a baseline, whose tasks on nodes still up it keeps.
pub struct Cluster<'p> {
    plan: &'p Plan,
    specs: &'p [Spec<'p>],
    nodes: Vec<NodeState>,
    base: Option<&'p Cluster<'p>>,
    /// This cluster's own tasks (for a scenario: those it rescheduled).
    pub placed: Vec<Placed>,
    by_spec: Vec<Vec<u32>>,
    pub waiting: Vec<Waiting>,
}

impl<'p> Cluster<'p> {
    pub fn new(plan: &'p Plan, specs: &'p [Spec<'p>]) -> Self {
        let nodes = plan
            .nodes
            .iter()
            .map(|n| NodeState {
                up: true,
                ready: n.availability == Availability::Active,
                cpus_free: n.cpus.map(|c| c.millis()),
                memory_free: n.memory.map(|m| m.0),
                tasks: 0,
                host_ports: Vec::new(),
            })
            .collect();
        Cluster {
            plan,
            specs,
            nodes,
            base: None,
            placed: Vec::new(),
            by_spec: vec![Vec::new(); specs.len()],
            waiting: Vec::new(),
        }
    }

    /// The cluster with `lost` nodes down, on top of `base`: the tasks on surviving nodes stay.
    pub fn without(base: &'p Cluster<'p>, lost: &[usize]) -> Self {
        let mut nodes = base.nodes.clone();
        for &i in lost {
            nodes[i].up = false;
            nodes[i].ready = false;
        }
        Cluster {
            plan: base.plan,
            specs: base.specs,
            nodes,
            base: Some(base),
            placed: Vec::new(),
            by_spec: vec![Vec::new(); base.specs.len()],
            waiting: Vec::new(),
        }
    }

    pub fn specs(&self) -> &'p [Spec<'p>] {
        self.specs
    }

    /// Every task of a service that runs: the baseline's on nodes still up, then this cluster's.
    pub fn tasks_of(&self, spec: usize) -> impl Iterator<Item = Placed> + '_ {
        let inherited = self.base.into_iter().flat_map(move |base| {
            base.by_spec[spec]
                .iter()
                .map(move |&t| base.placed[t as usize])
                .filter(|t| self.nodes[t.node].up)
        });
        inherited.chain(self.by_spec[spec].iter().map(|&t| self.placed[t as usize]))
    }

    /// The number of tasks of a service on each node.
    fn counts(&self, spec: usize) -> Vec<u32> {
        let mut counts = vec![0; self.nodes.len()];
        for task in self.tasks_of(spec) {
            counts[task.node] += 1;
        }
        counts
    }

    fn assign(&mut self, node: usize, spec: usize, slot: u64, counts: &mut [u32]) {
        let service = &self.specs[spec];
        let state = &mut self.nodes[node];
        let reservations = service.service.reservations;
        if let Some(free) = &mut state.cpus_free {
            *free = free.saturating_sub(reservations.cpus.millis());
        }
        if let Some(free) = &mut state.memory_free {
            *free = free.saturating_sub(reservations.memory.0);
        }
        state.tasks += 1;
        state.host_ports.extend(service.host_ports.iter().copied());
        counts[node] += 1;
        self.by_spec[spec].push(self.placed.len() as u32);
        self.placed.push(Placed { spec, slot, node });
    }

    /// The first filter a node fails for a task of `spec`, or `None` when it can take it.
    fn filter(&self, node: usize, spec: &Spec, counts: &[u32]) -> Option<Filter> {
        let state = &self.nodes[node];
        let plan_node = &self.plan.nodes[node];
        if !state.up || plan_node.availability != Availability::Active {
            return Some(Filter::Ready);
        }
        let reservations = spec.service.reservations;
        let short = |free: Option<u64>, wanted: u64| free.is_some_and(|free| wanted > free);
        if short(state.cpus_free, reservations.cpus.millis())
            || short(state.memory_free, reservations.memory.0)
        {
            return Some(Filter::Resources);
        }
        if !spec.matches[node] {
            return Some(Filter::Constraints);
        }
        if spec
            .host_ports
            .iter()
            .any(|port| state.host_ports.contains(port))
        {
            return Some(Filter::HostPort);
        }
        if spec
            .service
            .max_replicas_per_node
            .is_some_and(|max| u64::from(counts[node]) >= max)
        {
            return Some(Filter::MaxReplicas);
        }
        None
    }

    /// Whether a node can take a task of `spec` now: `filter` without the explanation, cheapest
    /// and most selective checks first.
    fn fits(&self, node: usize, spec: &Spec, counts: &[u32]) -> bool {
        let state = &self.nodes[node];
        let reservations = spec.service.reservations;
        let room = |free: Option<u64>, wanted: u64| free.is_none_or(|free| wanted <= free);
        spec.matches[node]
            && state.ready
            && room(state.cpus_free, reservations.cpus.millis())
            && room(state.memory_free, reservations.memory.0)
            && spec
                .max_replicas_per_node
                .is_none_or(|max| u64::from(counts[node]) < max)
            && !spec
                .host_ports
                .iter()
                .any(|port| state.host_ports.contains(port))
    }

    /// Docker's "no suitable node (…)" for the cluster as it is now.
    fn explain(&self, spec: &Spec, counts: &[u32]) -> String {
        let mut failures: BTreeMap<Filter, usize> = BTreeMap::new();
        for node in 0..self.nodes.len() {
            if let Some(filter) = self.filter(node, spec, counts) {
                *failures.entry(filter).or_default() += 1;
            }
        }
        let mut ordered: Vec<(Filter, usize)> = Filter::ALL
            .iter()
            .filter_map(|f| failures.get(f).map(|n| (*f, *n)))
            .collect();
        // Most failures first; Swarm's sort is not stable, Swarmplan keeps filter order on ties.
        ordered.sort_by_key(|&(_, failures)| std::cmp::Reverse(failures));
        let explanation: Vec<String> = ordered.into_iter().map(|(f, n)| f.explain(n)).collect();
        if explanation.is_empty() {
            "no suitable node".to_owned()
        } else {
            format!("no suitable node ({})", explanation.join("; "))
        }
    }

    fn wait(&mut self, spec: usize, slots: impl IntoIterator<Item = u64>, reason: &str) {
        for slot in slots {
            self.waiting.push(Waiting {
                spec,
                slot,
                reason: reason.to_owned(),
            });
        }
    }

    /// Places the given slots of a replicated service. For a spread that ends uneven (a branch
    /// had no room for its share), returns how the tasks fell per branch, e.g. "4/3/2 over
    /// dc1/dc2/dc3".
    pub fn place_replicated(&mut self, spec_index: usize, slots: Vec<u64>) -> Option<String> {
        let spec = &self.specs[spec_index];
        if let Err(error) = &spec.constraints {
            let reason = format!("service not created: {error}");
            self.wait(spec_index, slots, &reason);
            return None;
        }
        if slots.is_empty() {
            return None;
        }
        let mut counts = self.counts(spec_index);
        let tree = self.tree(spec, &counts);
        let mut queue: VecDeque<u64> = slots.into();
        let wanted = queue.len();
        let mut walk = Walk {
            cluster: self,
            spec_index,
            counts: &mut counts,
            queue: &mut queue,
            max_assignments: wanted,
        };
        walk.subtree(&tree, wanted);
        if !queue.is_empty() {
            let reason = self.explain(spec, &counts);
            self.wait(spec_index, queue, &reason);
        }
        uneven(&tree, &spec.spread_values, &counts)
    }

    /// Swarm's decision tree: one level per spread preference, over every node.
    fn tree(&self, spec: &Spec, counts: &[u32]) -> Tree {
        let mut root = Tree::default();
        if spec.spread_values.is_empty() {
            // No spread: one leaf, and only the nodes that meet the constraints can take a task.
            root.nodes = spec
                .eligible
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| self.fits(i, spec, counts))
                .collect();
            return root;
        }
        for i in 0..self.nodes.len() {
            let mut branch = &mut root;
            for level in &spec.spread_values {
                branch.tasks += counts[i];
                branch.all.push(i);
                branch = branch.next.entry(level.of_node[i]).or_default();
            }
            branch.tasks += counts[i];
            branch.all.push(i);
            if self.fits(i, spec, counts) {
                branch.nodes.push(i);
            }
        }
        root
    }

    /// Places a global service: one task on every ready, active node that meets its constraints.
    pub fn place_global(&mut self, spec_index: usize) {
        let spec = &self.specs[spec_index];
        if let Err(error) = &spec.constraints {
            let reason = format!("service not created: {error}");
            self.wait(spec_index, [0], &reason);
            return;
        }
        let mut counts = self.counts(spec_index);
        for i in 0..self.nodes.len() {
            let node = &self.plan.nodes[i];
            if !self.nodes[i].up
                || node.availability != Availability::Active
                || counts[i] > 0
                || !spec.matches[i]
            {
                continue;
            }
            match self.filter(i, spec, &counts) {
                None => self.assign(i, spec_index, 0, &mut counts),
                Some(filter) => {
                    let reason =
                        format!("no suitable node ({}) on {}", filter.explain(1), node.name);
                    self.wait(spec_index, [0], &reason);
                }
            }
        }
    }

    /// Places every service, in the order of the specs (stacks in deployment order, services in
    /// file order). Returns the uneven spreads, by service.
    pub fn place_all(&mut self) -> Vec<(usize, String)> {
        let mut uneven = Vec::new();
        for index in 0..self.specs.len() {
            match self.specs[index].service.mode {
                Mode::Global => self.place_global(index),
                Mode::Replicated(replicas) => {
                    if let Some(description) =
                        self.place_replicated(index, (1..=replicas).collect())
                    {
                        uneven.push((index, description));
                    }
                }
            }
        }
        uneven
    }

    /// The tasks as names, for the analysis.
    pub fn named(&self, tasks: &[Placed]) -> Vec<Task> {
        tasks
            .iter()
            .map(|t| Task {
                stack: self.specs[t.spec].stack.to_owned(),
                service: self.specs[t.spec].service.name.clone(),
                slot: t.slot,
                node: self.plan.nodes[t.node].name.clone(),
            })
            .collect()
    }

    pub fn named_waiting(&self) -> Vec<Pending> {
        self.waiting
            .iter()
            .map(|w| Pending {
                stack: self.specs[w.spec].stack.to_owned(),
                service: self.specs[w.spec].service.name.clone(),
                slot: w.slot,
                reason: w.reason.clone(),
            })
            .collect()
    }
}

/// Describes a spread that ended uneven: at some level, branches that could take tasks differ
/// by more than one task, because a branch without room handed its share to the others.
fn uneven(tree: &Tree, levels: &[Rc<SpreadLevel>], counts: &[u32]) -> Option<String> {
    if tree.next.is_empty() {
        return None;
    }
    let usable: Vec<u32> = tree
        .next
        .values()
        .filter(|branch| branch.has_candidates())
        .map(|branch| branch.all.iter().map(|&i| counts[i]).sum())
        .collect();
    let most = usable.iter().copied().max().unwrap_or(0);
    let least = usable.iter().copied().min().unwrap_or(0);
    if most > least + 1 {
        let shares: Vec<String> = tree
            .next
            .values()
            .map(|b| b.all.iter().map(|&i| counts[i]).sum::<u32>().to_string())
            .collect();
        let names: Vec<&str> = tree
            .next
            .keys()
            .map(|&k| match levels[0].names[k as usize] {
                "" => "(no label)",
                name => name,
            })
            .collect();
        return Some(format!("{} over {}", shares.join("/"), names.join("/")));
    }
    tree.next
        .values()
        .find_map(|branch| uneven(branch, &levels[1..], counts))
}

#[derive(Debug, Default)]
struct Tree {
    /// Tasks of the service already in this branch when the tree was built.
    tasks: u32,
    /// Branches by interned label value.
    next: BTreeMap<u32, Tree>,
    /// Every node in this branch.
    all: Vec<usize>,
    /// At a leaf: the nodes that could take a task when the tree was built.
    nodes: Vec<usize>,
}

impl Tree {
    fn has_candidates(&self) -> bool {
        !self.nodes.is_empty() || self.next.values().any(Tree::has_candidates)
    }
}

struct Walk<'w, 'p> {
    cluster: &'w mut Cluster<'p>,
    spec_index: usize,
    counts: &'w mut Vec<u32>,
    queue: &'w mut VecDeque<u64>,
    /// Swarm keeps the best `maxAssignments` (the group's task count) nodes of each leaf.
    max_assignments: usize,
}

impl Walk<'_, '_> {
    /// Swarm's node order: fewest tasks of this service, then fewest tasks in all (plan order
    /// breaks the remaining ties, where Swarm's heap order is arbitrary).
    fn key(&self, node: usize) -> (u32, u32, usize) {
        (self.counts[node], self.cluster.nodes[node].tasks, node)
    }

    fn fits(&self, node: usize) -> bool {
        let spec = &self.cluster.specs[self.spec_index];
        self.cluster.fits(node, spec, self.counts)
    }

    /// `scheduleNTasksOnSubtree`: splits `n` tasks evenly over the branches that have room.
    /// As in Swarm, a branch's task count is the one it had when the tree was built: tasks
    /// placed by this walk do not change it, which is how a branch without room hands its
    /// share to the branches walked first.
    fn subtree(&mut self, tree: &Tree, n: usize) -> usize {
        if tree.next.is_empty() {
            return self.on_nodes(&tree.nodes, n);
        }
        let branches: Vec<&Tree> = tree.next.values().collect();
        let mut scheduled = 0;
        let mut in_usable = tree.tasks as usize;
        let mut no_room = vec![false; branches.len()];
        let mut full = 0;
        while scheduled != n && full != branches.len() && !self.queue.is_empty() {
            let usable = branches.len() - full;
            let desired = (in_usable + n - scheduled) / usable;
            let mut remainder = (in_usable + n - scheduled) % usable;
            for (b, branch) in branches.iter().enumerate() {
                let have = branch.tasks as usize;
                if no_room[b] || !(have < desired || (have == desired && remainder > 0)) {
                    continue;
                }
                let mut assign = desired - have.min(desired);
                if remainder > 0 {
                    assign += 1;
                }
                let done = self.subtree(branch, assign);
                if done < assign {
                    no_room[b] = true;
                    full += 1;
                    in_usable = in_usable.saturating_sub(have);
                } else {
                    remainder = remainder.saturating_sub(1);
                }
                scheduled += done;
            }
        }
        scheduled
    }

    /// `scheduleNTasksOnNodes`: fills the nodes with the fewest tasks first, then round-robin.
    /// Like Swarm's heap of `maxAssignments` nodes, only that many of the best candidates take
    /// part.
    fn on_nodes(&mut self, candidates: &[usize], n: usize) -> usize {
        let mut keyed: Vec<(u32, u32, usize)> = candidates
            .iter()
            .copied()
            .filter(|&i| self.fits(i))
            .map(|i| self.key(i))
            .collect();
        let keep = self.max_assignments;
        if keyed.len() > keep && keep > 0 {
            keyed.select_nth_unstable(keep - 1);
            keyed.truncate(keep);
        }
        keyed.sort_unstable();
        let nodes: Vec<usize> = keyed.into_iter().map(|(_, _, node)| node).collect();
        let count = nodes.len();
        if count == 0 || n == 0 {
            return 0;
        }
        let mut failed = vec![false; count];
        let mut iter = 0usize;
        let mut scheduled = 0;
        while let Some(slot) = self.queue.pop_front() {
            let node = nodes[iter % count];
            self.cluster
                .assign(node, self.spec_index, slot, self.counts);
            scheduled += 1;
            if scheduled == n {
                return scheduled;
            }
            if iter + 1 < count {
                if self.key(nodes[(iter + 1) % count]) < self.key(node) {
                    iter += 1;
                }
            } else {
                iter += 1;
            }
            let start = iter;
            while failed[iter % count] || !self.fits(nodes[iter % count]) {
                failed[iter % count] = true;
                iter += 1;
                if iter - start == count {
                    return scheduled;
                }
            }
        }
        scheduled
    }
}
