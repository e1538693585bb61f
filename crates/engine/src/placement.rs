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
//!
//! Placing a few tasks costs little more than those tasks, whatever the cluster's size: tree
//! shapes are built once per spread preference list, a service's task counts per branch are
//! laid over the shape from the nodes that run it, and each leaf keeps its ready nodes ordered
//! by (tasks, node), which is Swarm's order for every node without a task of the service. A
//! leaf's best candidates are then the first ones in that order that fit, or, for a service
//! that few nodes can run, found among those nodes.

use crate::compose::{Mode, PortMode, Service};
use crate::constraint::{self, Constraint, Key};
use crate::plan::{Availability, Plan, Protocol};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
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
    /// The shape of the service's spread tree, shared by every service with the same spread
    /// preferences. Only `node.labels.*` and `engine.labels.*` descriptors count; Swarm ignores
    /// others.
    shape: Rc<Shape<'a>>,
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

/// Swarm's decision tree for one list of spread preferences, without the tasks: one level per
/// preference, over every node (including those that cannot take a task), branches in the
/// order of their label values. Built once per distinct list; a service's task counts per
/// branch are laid over it each time its tasks are placed.
#[derive(Debug)]
struct Shape<'a> {
    /// Which of the cluster's candidate orders belongs to this shape.
    id: usize,
    levels: Vec<Rc<SpreadLevel<'a>>>,
    /// Branches in depth-first order; the root is branch 0.
    branches: Vec<Branch>,
    /// Per node: the leaf branch it is in.
    leaf_of: Vec<u32>,
}

#[derive(Debug)]
struct Branch {
    /// The branch above; the root's is itself.
    parent: u32,
    /// The interned label value of this branch at its level (0 for the root).
    value: u32,
    /// The branches below, in the order of their values; empty at a leaf.
    children: Vec<u32>,
}

impl<'a> Shape<'a> {
    fn new(id: usize, levels: Vec<Rc<SpreadLevel<'a>>>, nodes: usize) -> Self {
        #[derive(Default)]
        struct Building {
            next: BTreeMap<u32, Building>,
            nodes: Vec<u32>,
        }
        let mut root = Building::default();
        for node in 0..nodes {
            let mut branch = &mut root;
            for level in &levels {
                branch = branch.next.entry(level.of_node[node]).or_default();
            }
            branch.nodes.push(node as u32);
        }
        let mut shape = Shape {
            id,
            levels,
            branches: Vec::new(),
            leaf_of: vec![0; nodes],
        };
        fn flatten(shape: &mut Shape, building: Building, parent: u32, value: u32) -> u32 {
            let index = shape.branches.len() as u32;
            shape.branches.push(Branch {
                parent: if shape.branches.is_empty() {
                    index
                } else {
                    parent
                },
                value,
                children: Vec::new(),
            });
            if building.next.is_empty() {
                for node in building.nodes {
                    shape.leaf_of[node as usize] = index;
                }
            } else {
                let children = building
                    .next
                    .into_iter()
                    .map(|(value, next)| flatten(shape, next, index, value))
                    .collect();
                shape.branches[index as usize].children = children;
            }
            index
        }
        flatten(&mut shape, root, 0, 0);
        shape
    }

    /// The branches from a node's leaf up to the root.
    fn path(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = Some(self.leaf_of[node] as usize);
        std::iter::from_fn(move || {
            let branch = next?;
            let parent = self.branches[branch].parent as usize;
            next = (parent != branch).then_some(parent);
            Some(branch)
        })
    }

    /// Per branch: the tasks of a service in it, from the nodes that run any.
    fn per_branch(&self, holders: &[usize], counts: &[u32]) -> Vec<u32> {
        let mut tasks = vec![0; self.branches.len()];
        for &node in holders {
            for branch in self.path(node) {
                tasks[branch] += counts[node];
            }
        }
        tasks
    }
}

/// Per node, whether it meets a constraint list; and the nodes that do.
type Matching = (Rc<[bool]>, Rc<[u32]>);

/// Builds the scheduler's view of every service, computing constraint matches, spread label
/// values and spread tree shapes once per distinct constraint list, label and preference list.
pub fn specs<'a>(
    plan: &'a Plan,
    services: impl IntoIterator<Item = (&'a str, &'a Service)>,
) -> Vec<Spec<'a>> {
    let mut matches: BTreeMap<&'a [String], Matching> = BTreeMap::new();
    let mut values: BTreeMap<(bool, &'a str), Rc<SpreadLevel<'a>>> = BTreeMap::new();
    let mut shapes: BTreeMap<Vec<(bool, &'a str)>, Rc<Shape<'a>>> = BTreeMap::new();
    services
        .into_iter()
        .map(|(stack, service)| {
            let constraints = constraint::parse_all(&service.constraints);
            let (matching, eligible) = matches
                .entry(service.constraints.as_slice())
                .or_insert_with(|| {
                    let matching: Rc<[bool]> = match &constraints {
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
            let spreads: Vec<(bool, &'a str)> = service
                .preferences
                .iter()
                .filter_map(|descriptor| {
                    match constraint::parse(&format!("{descriptor}==x")).map(|c| c.key) {
                        Ok(Key::NodeLabel(_)) => Some((false, descriptor.as_str())),
                        Ok(Key::EngineLabel(_)) => Some((true, descriptor.as_str())),
                        _ => None,
                    }
                })
                .collect();
            let next_id = shapes.len();
            let shape = shapes
                .entry(spreads)
                .or_insert_with_key(|spreads| {
                    let levels = spreads
                        .iter()
                        .map(|&(engine, descriptor)| {
                            values
                                .entry((engine, descriptor))
                                .or_insert_with(|| Rc::new(spread_level(plan, engine, descriptor)))
                                .clone()
                        })
                        .collect();
                    Rc::new(Shape::new(next_id, levels, plan.nodes.len()))
                })
                .clone();
            Spec {
                stack,
                service,
                constraints,
                host_ports: service
                    .ports
                    .iter()
                    .filter(|p| p.mode == PortMode::Host)
                    .filter_map(|p| p.published.map(|port| (port, p.protocol)))
                    .collect(),
                max_replicas_per_node: service.max_replicas_per_node,
                matches: matching,
                eligible,
                shape,
            }
        })
        .collect()
}

/// Every node's value for a `node.labels.*` (or, with `engine`, `engine.labels.*`) spread
/// descriptor; "" for a node without the label.
fn spread_level<'a>(plan: &'a Plan, engine: bool, descriptor: &'a str) -> SpreadLevel<'a> {
    let prefix = if engine {
        "engine.labels.".len()
    } else {
        "node.labels.".len()
    };
    let label = &descriptor[prefix..];
    SpreadLevel::new(
        plan.nodes
            .iter()
            .map(|n| {
                let labels = if engine { &n.engine_labels } else { &n.labels };
                labels.get(label).map(String::as_str).unwrap_or("")
            })
            .collect(),
    )
}

impl Spec<'_> {
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

/// For one shape, per branch (only leaves hold any): the ready nodes ordered by (tasks, node).
/// Nodes that run no task of a service come out of it in the order Swarm prefers them for that
/// service, so a leaf's best candidates are found without looking at every node.
type Order = Vec<BTreeSet<(u32, u32)>>;

/// The cluster while tasks are placed: every node's state, and the tasks placed so far. A
/// failure scenario is a cluster on top of a baseline, whose tasks on nodes still up it keeps.
pub struct Cluster<'p> {
    plan: &'p Plan,
    specs: &'p [Spec<'p>],
    nodes: Vec<NodeState>,
    /// The spread tree shapes of the specs, by id, each with its candidate order.
    shapes: Vec<Option<(Rc<Shape<'p>>, Order)>>,
    base: Option<&'p Cluster<'p>>,
    /// This cluster's own tasks (for a scenario: those it rescheduled).
    pub placed: Vec<Placed>,
    by_spec: BTreeMap<usize, Vec<u32>>,
    pub waiting: Vec<Waiting>,
    /// Per node, the tasks of the service being placed: all zero between placements.
    counts: Vec<u32>,
}

#[cfg(test)]
thread_local! {
    /// Tests force either way of finding a leaf's candidates, to show that both agree.
    static SCAN_ELIGIBLE: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
}

impl<'p> Cluster<'p> {
    /// A cluster with every node up and no task, for `specs` as built by [`specs`].
    pub fn new(plan: &'p Plan, specs: &'p [Spec<'p>]) -> Self {
        let nodes: Vec<NodeState> = plan
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
        let mut shapes: Vec<Option<(Rc<Shape>, Order)>> = Vec::new();
        for spec in specs {
            let id = spec.shape.id;
            if shapes.len() <= id {
                shapes.resize_with(id + 1, || None);
            }
            shapes[id].get_or_insert_with(|| {
                let shape = spec.shape.clone();
                let mut order: Order = vec![BTreeSet::new(); shape.branches.len()];
                for (i, node) in nodes.iter().enumerate() {
                    if node.ready {
                        order[shape.leaf_of[i] as usize].insert((0, i as u32));
                    }
                }
                (shape, order)
            });
        }
        Cluster {
            plan,
            specs,
            counts: vec![0; nodes.len()],
            nodes,
            shapes,
            base: None,
            placed: Vec::new(),
            by_spec: BTreeMap::new(),
            waiting: Vec::new(),
        }
    }

    /// A cluster whose tasks are the given ones, such as a running cluster's real placement:
    /// each task of a known service on a known node is assigned as if the scheduler had put it
    /// there; the slots of a replicated service that run nowhere wait.
    pub fn with_tasks(plan: &'p Plan, specs: &'p [Spec<'p>], tasks: &[Task]) -> Self {
        let mut cluster = Cluster::new(plan, specs);
        let mut counts = std::mem::take(&mut cluster.counts);
        for task in tasks {
            let spec = specs
                .iter()
                .position(|s| s.stack == task.stack && s.service.name == task.service);
            let node = plan.nodes.iter().position(|n| n.name == task.node);
            if let (Some(spec), Some(node)) = (spec, node) {
                cluster.assign(node, spec, task.slot, &mut counts);
            }
        }
        counts.fill(0);
        cluster.counts = counts;
        for (index, spec) in specs.iter().enumerate() {
            if let Mode::Replicated(replicas) = spec.service.mode {
                let running: BTreeSet<u64> = cluster.tasks_of(index).map(|t| t.slot).collect();
                for slot in (1..=replicas).filter(|s| !running.contains(s)) {
                    cluster.waiting.push(Waiting {
                        spec: index,
                        slot,
                        reason: "not running in the given placement".to_owned(),
                    });
                }
            }
        }
        cluster
    }

    /// The cluster with `lost` nodes down, on top of `base`: the tasks on surviving nodes stay.
    pub fn without(base: &'p Cluster<'p>, lost: &[usize]) -> Self {
        let mut nodes = base.nodes.clone();
        let mut shapes = base.shapes.clone();
        for &i in lost {
            if nodes[i].ready {
                for (shape, order) in shapes.iter_mut().flatten() {
                    order[shape.leaf_of[i] as usize].remove(&(nodes[i].tasks, i as u32));
                }
            }
            nodes[i].up = false;
            nodes[i].ready = false;
        }
        Cluster {
            plan: base.plan,
            specs: base.specs,
            counts: vec![0; nodes.len()],
            nodes,
            shapes,
            base: Some(base),
            placed: Vec::new(),
            by_spec: BTreeMap::new(),
            waiting: Vec::new(),
        }
    }

    pub fn specs(&self) -> &'p [Spec<'p>] {
        self.specs
    }

    /// Every task of a service that runs: the baseline's on nodes still up, then this cluster's.
    pub fn tasks_of(&self, spec: usize) -> impl Iterator<Item = Placed> + '_ {
        let inherited = self.base.into_iter().flat_map(move |base| {
            base.by_spec
                .get(&spec)
                .into_iter()
                .flatten()
                .map(move |&t| base.placed[t as usize])
                .filter(|t| self.nodes[t.node].up)
        });
        let own = self.by_spec.get(&spec).into_iter().flatten();
        inherited.chain(own.map(|&t| self.placed[t as usize]))
    }

    /// Takes the scratch counts and fills them with a service's tasks per node; returns them
    /// with the nodes that run any.
    fn load_counts(&mut self, spec: usize) -> (Vec<u32>, Vec<usize>) {
        let mut counts = std::mem::take(&mut self.counts);
        let mut holders = Vec::new();
        for task in self.tasks_of(spec) {
            if counts[task.node] == 0 {
                holders.push(task.node);
            }
            counts[task.node] += 1;
        }
        (counts, holders)
    }

    /// Gives the scratch counts back, zeroed.
    fn unload_counts(&mut self, mut counts: Vec<u32>, holders: &[usize]) {
        for &node in holders {
            counts[node] = 0;
        }
        self.counts = counts;
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
        for (shape, order) in self.shapes.iter_mut().flatten() {
            let leaf = &mut order[shape.leaf_of[node] as usize];
            leaf.remove(&(state.tasks, node as u32));
            leaf.insert((state.tasks + 1, node as u32));
        }
        state.tasks += 1;
        state.host_ports.extend(service.host_ports.iter().copied());
        counts[node] += 1;
        let own = self.by_spec.entry(spec).or_default();
        own.push(self.placed.len() as u32);
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

    /// Places the given slots of a replicated service.
    pub fn place_replicated(&mut self, spec: usize, slots: Vec<u64>) {
        self.place(spec, slots, false);
    }

    /// Places the given slots of a replicated service. With `describe`, for a spread that ends
    /// uneven (a branch had no room for its share), returns how the tasks fell per branch, e.g.
    /// "4/3/2 over dc1/dc2/dc3".
    fn place(&mut self, spec_index: usize, slots: Vec<u64>, describe: bool) -> Option<String> {
        let spec = &self.specs[spec_index];
        if let Err(error) = &spec.constraints {
            let reason = format!("service not created: {error}");
            self.wait(spec_index, slots, &reason);
            return None;
        }
        if slots.is_empty() {
            return None;
        }
        let shape: &Shape = &spec.shape;
        let (mut counts, mut holders) = self.load_counts(spec_index);
        // Swarm's decision tree: each branch's tasks of the service when the tree is built.
        let tasks = shape.per_branch(&holders, &counts);
        let candidates = (describe && !shape.levels.is_empty())
            .then(|| self.branches_with_candidates(spec, shape, &counts));
        let mut queue: VecDeque<u64> = slots.into();
        let wanted = queue.len();
        let eligible = spec.eligible.len();
        #[cfg_attr(not(test), allow(unused_mut))]
        let mut scan_eligible = eligible * eligible <= wanted * self.nodes.len();
        #[cfg(test)]
        if let Some(forced) = SCAN_ELIGIBLE.get() {
            scan_eligible = forced;
        }
        let mut walk = Walk {
            cluster: self,
            spec,
            spec_index,
            shape,
            tasks: &tasks,
            counts: &mut counts,
            holders: &mut holders,
            queue: &mut queue,
            max_assignments: wanted,
            scan_eligible,
            kept: BTreeMap::new(),
        };
        walk.subtree(0, wanted);
        if !queue.is_empty() {
            let reason = self.explain(spec, &counts);
            self.wait(spec_index, queue, &reason);
        }
        let description = candidates.and_then(|candidates| {
            uneven(
                shape,
                0,
                0,
                &candidates,
                &shape.per_branch(&holders, &counts),
            )
        });
        self.unload_counts(counts, &holders);
        description
    }

    /// Per branch of a spread tree, whether any of its nodes could take a task of `spec` now.
    fn branches_with_candidates(&self, spec: &Spec, shape: &Shape, counts: &[u32]) -> Vec<bool> {
        let (_, order) = self.shapes[shape.id]
            .as_ref()
            .expect("every spec's shape has an order");
        let mut candidates = vec![false; shape.branches.len()];
        // Children come after their parent in depth-first order: fill from the leaves up.
        for (index, branch) in shape.branches.iter().enumerate().rev() {
            candidates[index] = if branch.children.is_empty() {
                order[index]
                    .iter()
                    .any(|&(_, node)| self.fits(node as usize, spec, counts))
            } else {
                branch.children.iter().any(|&c| candidates[c as usize])
            };
        }
        candidates
    }

    /// Places a global service: one task on every ready, active node that meets its constraints.
    pub fn place_global(&mut self, spec_index: usize) {
        let spec = &self.specs[spec_index];
        if let Err(error) = &spec.constraints {
            let reason = format!("service not created: {error}");
            self.wait(spec_index, [0], &reason);
            return;
        }
        let (mut counts, _) = self.load_counts(spec_index);
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
        counts.fill(0);
        self.counts = counts;
    }

    /// Places every service, in the order of the specs (stacks in deployment order, services in
    /// file order). Returns the uneven spreads, by service.
    pub fn place_all(&mut self) -> Vec<(usize, String)> {
        let mut uneven = Vec::new();
        for index in 0..self.specs.len() {
            match self.specs[index].service.mode {
                Mode::Global => self.place_global(index),
                Mode::Replicated(replicas) => {
                    if let Some(description) = self.place(index, (1..=replicas).collect(), true) {
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
/// `candidates` says which branches could take tasks, `totals` how many each ended with.
fn uneven(
    shape: &Shape,
    branch: usize,
    depth: usize,
    candidates: &[bool],
    totals: &[u32],
) -> Option<String> {
    let children = &shape.branches[branch].children;
    if children.is_empty() {
        return None;
    }
    let usable: Vec<u32> = children
        .iter()
        .filter(|&&c| candidates[c as usize])
        .map(|&c| totals[c as usize])
        .collect();
    let most = usable.iter().copied().max().unwrap_or(0);
    let least = usable.iter().copied().min().unwrap_or(0);
    if most > least + 1 {
        let shares: Vec<String> = children
            .iter()
            .map(|&c| totals[c as usize].to_string())
            .collect();
        let names: Vec<&str> = children
            .iter()
            .map(
                |&c| match shape.levels[depth].names[shape.branches[c as usize].value as usize] {
                    "" => "(no label)",
                    name => name,
                },
            )
            .collect();
        return Some(format!("{} over {}", shares.join("/"), names.join("/")));
    }
    children
        .iter()
        .find_map(|&c| uneven(shape, c as usize, depth + 1, candidates, totals))
}

struct Walk<'w, 'p> {
    cluster: &'w mut Cluster<'p>,
    spec: &'p Spec<'p>,
    spec_index: usize,
    shape: &'p Shape<'p>,
    /// Per branch: the service's tasks in it when the tree was built.
    tasks: &'w [u32],
    counts: &'w mut [u32],
    /// The nodes that run a task of the service.
    holders: &'w mut Vec<usize>,
    queue: &'w mut VecDeque<u64>,
    /// Swarm keeps the best `maxAssignments` (the group's task count) nodes of each leaf.
    max_assignments: usize,
    /// Find a leaf's candidates among the nodes that meet the constraints (few of them), not in
    /// the leaf's order of all ready nodes.
    scan_eligible: bool,
    /// Per leaf walked: the candidates kept the first time, as Swarm keeps its leaf's heap.
    kept: BTreeMap<usize, Vec<usize>>,
}

impl Walk<'_, '_> {
    /// Swarm's node order: fewest tasks of this service, then fewest tasks in all (plan order
    /// breaks the remaining ties, where Swarm's heap order is arbitrary).
    fn key(&self, node: usize) -> (u32, u32, usize) {
        (self.counts[node], self.cluster.nodes[node].tasks, node)
    }

    fn fits(&self, node: usize) -> bool {
        self.cluster.fits(node, self.spec, self.counts)
    }

    fn assign(&mut self, node: usize, slot: u64) {
        if self.counts[node] == 0 {
            self.holders.push(node);
        }
        self.cluster
            .assign(node, self.spec_index, slot, self.counts);
    }

    /// `scheduleNTasksOnSubtree`: splits `n` tasks evenly over the branches that have room.
    /// As in Swarm, a branch's task count is the one it had when the tree was built: tasks
    /// placed by this walk do not change it, which is how a branch without room hands its
    /// share to the branches walked first. A round in which no branch is below its share ends
    /// the walk of this subtree (swarmkit #3200, Docker 28.3): without it, a branch above its
    /// share next to full ones kept the scheduler looping forever.
    fn subtree(&mut self, branch: usize, n: usize) -> usize {
        let shape = self.shape;
        let children = &shape.branches[branch].children;
        if children.is_empty() {
            return self.on_nodes(branch, n);
        }
        let mut scheduled = 0;
        let mut in_usable = self.tasks[branch] as usize;
        let mut no_room = vec![false; children.len()];
        let mut full = 0;
        let mut converging = true;
        while scheduled != n && full != children.len() && !self.queue.is_empty() && converging {
            converging = false;
            let usable = children.len() - full;
            let desired = (in_usable + n - scheduled) / usable;
            let mut remainder = (in_usable + n - scheduled) % usable;
            for (b, &child) in children.iter().enumerate() {
                let have = self.tasks[child as usize] as usize;
                if no_room[b] || !(have < desired || (have == desired && remainder > 0)) {
                    continue;
                }
                converging = true;
                let mut assign = desired - have.min(desired);
                if remainder > 0 {
                    assign += 1;
                }
                let done = self.subtree(child as usize, assign);
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

    /// A leaf's candidates when it is first walked (as when the tree was built: only the leaf's
    /// own nodes have changed since, and none yet), keyed by Swarm's order. Like Swarm's heap of
    /// `maxAssignments` nodes, only that many of the best take part.
    fn candidates(&self, leaf: usize) -> Vec<(u32, u32, usize)> {
        let keep = self.max_assignments;
        let in_leaf = |node: usize| self.shape.leaf_of[node] as usize == leaf;
        let mut keyed: Vec<(u32, u32, usize)> = if self.scan_eligible {
            self.spec
                .eligible
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| in_leaf(i) && self.fits(i))
                .map(|i| self.key(i))
                .collect()
        } else {
            // Nodes without a task of the service come first, in the leaf's (tasks, node)
            // order: the best `keep` of them are the first `keep` that fit. Those with tasks of
            // the service are few, and all come after.
            let (_, order) = self.cluster.shapes[self.shape.id]
                .as_ref()
                .expect("every spec's shape has an order");
            let mut keyed: Vec<(u32, u32, usize)> = order[leaf]
                .iter()
                .map(|&(_, node)| node as usize)
                .filter(|&i| self.counts[i] == 0 && self.fits(i))
                .take(keep)
                .map(|i| self.key(i))
                .collect();
            keyed.extend(
                self.holders
                    .iter()
                    .copied()
                    .filter(|&i| in_leaf(i) && self.fits(i))
                    .map(|i| self.key(i)),
            );
            keyed
        };
        if keyed.len() > keep && keep > 0 {
            keyed.select_nth_unstable(keep - 1);
            keyed.truncate(keep);
        }
        keyed.sort_unstable();
        keyed
    }

    /// `scheduleNTasksOnNodes`: fills the nodes with the fewest tasks first, then round-robin.
    fn on_nodes(&mut self, leaf: usize, n: usize) -> usize {
        let nodes: Vec<usize> = match self.kept.get(&leaf) {
            // A leaf walked again: Swarm goes back to the nodes it kept for the leaf when it
            // built the tree, drops those that no longer fit and orders the rest anew.
            Some(kept) => {
                let mut keyed: Vec<(u32, u32, usize)> = kept
                    .iter()
                    .copied()
                    .filter(|&i| self.fits(i))
                    .map(|i| self.key(i))
                    .collect();
                keyed.sort_unstable();
                keyed.into_iter().map(|(_, _, node)| node).collect()
            }
            None => {
                let nodes: Vec<usize> = self
                    .candidates(leaf)
                    .into_iter()
                    .map(|(_, _, node)| node)
                    .collect();
                self.kept.insert(leaf, nodes.clone());
                nodes
            }
        };
        let count = nodes.len();
        if count == 0 || n == 0 {
            return 0;
        }
        let mut failed = vec![false; count];
        let mut iter = 0usize;
        let mut scheduled = 0;
        while let Some(slot) = self.queue.pop_front() {
            let node = nodes[iter % count];
            self.assign(node, slot);
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

#[cfg(test)]
mod tests {
    use super::SCAN_ELIGIBLE;
    use crate::{analyze, examples, parse_plan, Analysis, Options};
    use std::fmt::Write;

    /// A small random plan: hosts in racks and sites, nodes with labels, resources and
    /// availabilities, services with constraints, spreads, limits and host ports.
    fn random_plan(seed: u64) -> String {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut below = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let hosts = 1 + below(10);
        let nodes = 1 + below(30);
        let mut out = String::from("swarmplan: 1\nname: random\nhosts:\n");
        for h in 0..hosts {
            let (rack, site) = (below(3), below(3));
            writeln!(out, "  - {{ name: h{h}, rack: r{rack}, site: s{site} }}").unwrap();
        }
        out.push_str("nodes:\n");
        for n in 0..nodes {
            let role = if n < 3 { "manager" } else { "worker" };
            let availability = ["active", "active", "active", "drain", "pause"][below(5) as usize];
            writeln!(
                out,
                "  - {{ name: n{n}, host: h{}, role: {role}, availability: {availability}, cpus: {}, memory: {}GiB, labels: {{ zone: z{}, rk: k{}, tier: t{} }} }}",
                below(hosts),
                1 + below(6),
                1 + below(6),
                below(3),
                below(4),
                below(3),
            )
            .unwrap();
        }
        out.push_str("stacks:\n  - name: app\n    compose:\n      services:\n");
        for s in 0..below(20) {
            let constraint = [
                "",
                "constraints: [node.labels.tier == t1], ",
                "constraints: [node.role == worker], ",
                "constraints: [node.hostname == n0], ",
            ][below(4) as usize];
            let spread = [
                "",
                "",
                "preferences: [{ spread: node.labels.zone }], ",
                "preferences: [{ spread: node.labels.zone }, { spread: node.labels.rk }], ",
            ][below(4) as usize];
            let max = match below(3) {
                0 => format!("max_replicas_per_node: {}, ", 1 + below(2)),
                _ => String::new(),
            };
            let port = match below(4) {
                0 => "ports: [{ target: 80, published: 8080, mode: host }], ",
                _ => "",
            };
            writeln!(
                out,
                "        s{s}: {{ image: x, {port}deploy: {{ replicas: {}, placement: {{ {constraint}{spread}{max}}}, resources: {{ reservations: {{ cpus: '{}', memory: {}M }} }} }} }}",
                below(14),
                0.5 * below(5) as f64,
                256 * below(8),
            )
            .unwrap();
        }
        out
    }

    fn analyze_with(text: &str, scan_eligible: Option<bool>) -> Analysis {
        let plan = parse_plan(text).expect("the generated plan reads");
        SCAN_ELIGIBLE.set(scan_eligible);
        let analysis = analyze(&plan, &Options { host_pairs: true });
        SCAN_ELIGIBLE.set(None);
        analysis
    }

    /// A leaf's candidates are found either among the nodes that meet the constraints or in the
    /// leaf's (tasks, node) order of ready nodes, whichever is cheaper: both give the same
    /// placement, in the baseline and in every failure.
    #[test]
    fn both_candidate_searches_place_alike() {
        let plans = examples::EXAMPLES
            .iter()
            .map(|e| e.yaml.to_owned())
            .chain((0..300).map(random_plan));
        for text in plans {
            let by_eligible = analyze_with(&text, Some(true));
            let by_order = analyze_with(&text, Some(false));
            assert_eq!(by_eligible, by_order, "{text}");
            assert_eq!(analyze_with(&text, None), by_order, "{text}");
        }
    }
}
