//! Placing tasks as Swarm's scheduler does (moby/swarmkit `manager/scheduler` and the global
//! orchestrator), deterministically.
//!
//! For each replicated service, Swarm builds a decision tree from the spread preferences over
//! *every* node (including nodes that cannot take the task), splits the tasks evenly between
//! branches, hands the share of branches without room to the others, and within a leaf fills
//! nodes with the fewest tasks of the service first, then the fewest tasks in all. Each node
//! goes through the filters in Swarm's order: ready and active, reservations, constraints,
//! platform, host-mode ports, max replicas per node. Swarm walks tree branches in Go map order,
//! which is random; Swarmplan walks them in sorted order and reports when the order matters.

use crate::compose::{Mode, PortMode, Service};
use crate::constraint::{self, Constraint, Key};
use crate::plan::{Availability, Plan, Protocol};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

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
    const ALL: [Filter; 6] =
        [Filter::Ready, Filter::Resources, Filter::Constraints, Filter::Platform, Filter::HostPort, Filter::MaxReplicas];

    /// Swarm's own explanation for `nodes` nodes failing this filter.
    fn explain(self, nodes: usize) -> String {
        let count = |one: &str, many: &str| if nodes == 1 { one.to_owned() } else { many.replace("{}", &nodes.to_string()) };
        match self {
            Filter::Ready => count("1 node not available for new tasks", "{} nodes not available for new tasks"),
            Filter::Resources => count("insufficient resources on 1 node", "insufficient resources on {} nodes"),
            Filter::Constraints => {
                count("scheduling constraints not satisfied on 1 node", "scheduling constraints not satisfied on {} nodes")
            }
            Filter::Platform => count("unsupported platform on 1 node", "unsupported platform on {} nodes"),
            Filter::HostPort => count("host-mode port already in use on 1 node", "host-mode port already in use on {} nodes"),
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
}

impl<'a> Spec<'a> {
    pub fn new(stack: &'a str, service: &'a Service) -> Self {
        let host_ports = service
            .ports
            .iter()
            .filter(|p| p.mode == PortMode::Host)
            .filter_map(|p| p.published.map(|port| (port, p.protocol)))
            .collect();
        Spec { stack, service, constraints: constraint::parse_all(&service.constraints), host_ports }
    }

    /// The `node.labels.*`/`engine.labels.*` spread descriptors Swarm honours; others are ignored.
    fn spread_keys(&self) -> Vec<Key> {
        self.service
            .preferences
            .iter()
            .filter_map(|descriptor| match constraint::parse(&format!("{descriptor}==x")).map(|c| c.key) {
                Ok(key @ (Key::NodeLabel(_) | Key::EngineLabel(_))) => Some(key),
                _ => None,
            })
            .collect()
    }
}

/// What the scheduler knows of one node.
#[derive(Debug, Clone)]
struct NodeState {
    up: bool,
    cpus_free: Option<u64>,
    memory_free: Option<u64>,
    tasks: u32,
    host_ports: BTreeSet<(u16, Protocol)>,
}

/// The cluster's state while tasks are placed: every node, and every task so far.
#[derive(Debug, Clone)]
pub struct Cluster<'a> {
    plan: &'a Plan,
    nodes: Vec<NodeState>,
    pub tasks: Vec<Task>,
    pub pending: Vec<Pending>,
}

impl<'a> Cluster<'a> {
    pub fn new(plan: &'a Plan) -> Self {
        let nodes = plan
            .nodes
            .iter()
            .map(|n| NodeState {
                up: true,
                cpus_free: n.cpus.map(|c| c.millis()),
                memory_free: n.memory.map(|m| m.0),
                tasks: 0,
                host_ports: BTreeSet::new(),
            })
            .collect();
        Cluster { plan, nodes, tasks: Vec::new(), pending: Vec::new() }
    }

    /// Marks nodes down and removes their tasks, which are returned.
    pub fn fail_nodes(&mut self, lost: &[usize]) -> Vec<Task> {
        for &i in lost {
            self.nodes[i].up = false;
        }
        let names: BTreeSet<&str> = lost.iter().map(|&i| self.plan.nodes[i].name.as_str()).collect();
        let (gone, kept): (Vec<Task>, Vec<Task>) =
            std::mem::take(&mut self.tasks).into_iter().partition(|t| names.contains(t.node.as_str()));
        self.tasks = kept;
        gone
    }

    fn node_index(&self, name: &str) -> Option<usize> {
        self.plan.nodes.iter().position(|n| n.name == name)
    }

    /// Rebuilds each node's load from the task list: used after tasks were removed.
    pub fn recount(&mut self, specs: &[Spec]) {
        for (i, state) in self.nodes.iter_mut().enumerate() {
            let node = &self.plan.nodes[i];
            state.cpus_free = node.cpus.map(|c| c.millis());
            state.memory_free = node.memory.map(|m| m.0);
            state.tasks = 0;
            state.host_ports.clear();
        }
        for t in 0..self.tasks.len() {
            let task = &self.tasks[t];
            let Some(spec) = specs.iter().find(|s| s.stack == task.stack && s.service.name == task.service) else { continue };
            if let Some(i) = self.node_index(&task.node) {
                self.charge(i, spec);
            }
        }
    }

    fn charge(&mut self, node: usize, spec: &Spec) {
        let state = &mut self.nodes[node];
        let reservations = spec.service.reservations;
        if let Some(free) = &mut state.cpus_free {
            *free = free.saturating_sub(reservations.cpus.millis());
        }
        if let Some(free) = &mut state.memory_free {
            *free = free.saturating_sub(reservations.memory.0);
        }
        state.tasks += 1;
        state.host_ports.extend(spec.host_ports.iter().copied());
    }

    fn assign(&mut self, node: usize, spec: &Spec, slot: u64, counts: &mut [u32]) {
        self.charge(node, spec);
        counts[node] += 1;
        self.tasks.push(Task {
            stack: spec.stack.to_owned(),
            service: spec.service.name.clone(),
            slot,
            node: self.plan.nodes[node].name.clone(),
        });
    }

    /// The first filter a node fails for a task of `spec`, or `None` when it can take it.
    fn filter(&self, node: usize, spec: &Spec, constraints: &[Constraint], counts: &[u32]) -> Option<Filter> {
        let state = &self.nodes[node];
        let plan_node = &self.plan.nodes[node];
        if !state.up || plan_node.availability != Availability::Active {
            return Some(Filter::Ready);
        }
        let reservations = spec.service.reservations;
        let short = |free: Option<u64>, wanted: u64| free.is_some_and(|free| wanted > free);
        if short(state.cpus_free, reservations.cpus.millis()) || short(state.memory_free, reservations.memory.0) {
            return Some(Filter::Resources);
        }
        if !constraint::all_match(constraints, plan_node) {
            return Some(Filter::Constraints);
        }
        if spec.host_ports.iter().any(|port| state.host_ports.contains(port)) {
            return Some(Filter::HostPort);
        }
        if spec.service.max_replicas_per_node.is_some_and(|max| u64::from(counts[node]) >= max) {
            return Some(Filter::MaxReplicas);
        }
        None
    }

    /// Docker's "no suitable node (…)" for the cluster as it is now.
    fn explain(&self, spec: &Spec, constraints: &[Constraint], counts: &[u32]) -> String {
        let mut failures: BTreeMap<Filter, usize> = BTreeMap::new();
        for node in 0..self.nodes.len() {
            if let Some(filter) = self.filter(node, spec, constraints, counts) {
                *failures.entry(filter).or_default() += 1;
            }
        }
        let mut ordered: Vec<(Filter, usize)> = Filter::ALL.iter().filter_map(|f| failures.get(f).map(|n| (*f, *n))).collect();
        // Most failures first; Swarm's sort is not stable, Swarmplan keeps filter order on ties.
        ordered.sort_by(|a, b| b.1.cmp(&a.1));
        let explanation: Vec<String> = ordered.into_iter().map(|(f, n)| f.explain(n)).collect();
        if explanation.is_empty() {
            "no suitable node".to_owned()
        } else {
            format!("no suitable node ({})", explanation.join("; "))
        }
    }

    /// The number of tasks of a service on each node.
    fn counts(&self, spec: &Spec) -> Vec<u32> {
        let mut counts = vec![0; self.nodes.len()];
        for task in self.tasks.iter().filter(|t| t.stack == spec.stack && t.service == spec.service.name) {
            if let Some(i) = self.node_index(&task.node) {
                counts[i] += 1;
            }
        }
        counts
    }

    fn pend(&mut self, spec: &Spec, slots: impl IntoIterator<Item = u64>, reason: &str) {
        for slot in slots {
            self.pending.push(Pending {
                stack: spec.stack.to_owned(),
                service: spec.service.name.clone(),
                slot,
                reason: reason.to_owned(),
            });
        }
    }

    /// Places the given slots of a replicated service. Returns, for a service with spread
    /// preferences, whether walking the tree's branches in another order would place the tasks
    /// differently.
    pub fn place_replicated(&mut self, spec: &Spec, slots: Vec<u64>) -> bool {
        let constraints = match &spec.constraints {
            Ok(c) => c.clone(),
            Err(error) => {
                let reason = format!("service not created: {error}");
                self.pend(spec, slots, &reason);
                return false;
            }
        };
        if slots.is_empty() {
            return false;
        }
        let spread = spec.spread_keys();
        let mut order_matters = false;
        if !spread.is_empty() {
            let mut reversed = self.clone();
            reversed.place_group(spec, &constraints, &spread, slots.clone(), BranchOrder::Descending);
            let mut forward = self.clone();
            forward.place_group(spec, &constraints, &spread, slots.clone(), BranchOrder::Ascending);
            order_matters = forward.counts(spec) != reversed.counts(spec);
        }
        self.place_group(spec, &constraints, &spread, slots, BranchOrder::Ascending);
        order_matters
    }

    fn place_group(&mut self, spec: &Spec, constraints: &[Constraint], spread: &[Key], slots: Vec<u64>, order: BranchOrder) {
        let mut counts = self.counts(spec);
        let tree = self.tree(spec, constraints, spread, &counts);
        let mut queue: std::collections::VecDeque<u64> = slots.into();
        let wanted = queue.len();
        let mut walk = Walk { cluster: self, spec, constraints, counts: &mut counts, queue: &mut queue, order };
        walk.subtree(&tree, wanted);
        if !queue.is_empty() {
            let reason = self.explain(spec, constraints, &counts);
            self.pend(spec, queue, &reason);
        }
    }

    /// Swarm's decision tree: one level per spread preference, over every node.
    fn tree(&self, spec: &Spec, constraints: &[Constraint], spread: &[Key], counts: &[u32]) -> Tree {
        let mut root = Tree::default();
        for (i, node) in self.plan.nodes.iter().enumerate() {
            let mut branch = &mut root;
            for key in spread {
                let value = match key {
                    Key::NodeLabel(name) => node.labels.get(name),
                    Key::EngineLabel(name) => node.engine_labels.get(name),
                    _ => None,
                };
                branch.tasks += counts[i];
                branch = branch.next.entry(value.cloned().unwrap_or_default()).or_default();
            }
            branch.tasks += counts[i];
            if self.filter(i, spec, constraints, counts).is_none() {
                branch.nodes.push(i);
            }
        }
        root
    }

    /// Places a global service: one task on every ready, active node that meets its constraints.
    pub fn place_global(&mut self, spec: &Spec) {
        let constraints = match &spec.constraints {
            Ok(c) => c.clone(),
            Err(error) => {
                let reason = format!("service not created: {error}");
                self.pend(spec, [0], &reason);
                return;
            }
        };
        let mut counts = self.counts(spec);
        for i in 0..self.nodes.len() {
            let node = &self.plan.nodes[i];
            if !self.nodes[i].up || node.availability != Availability::Active || !constraint::all_match(&constraints, node) || counts[i] > 0 {
                continue;
            }
            match self.filter(i, spec, &constraints, &counts) {
                None => self.assign(i, spec, 0, &mut counts),
                Some(filter) => {
                    let reason = format!("no suitable node ({})", filter.explain(1));
                    self.pending.push(Pending {
                        stack: spec.stack.to_owned(),
                        service: spec.service.name.clone(),
                        slot: 0,
                        reason: format!("{reason} on {}", node.name),
                    });
                }
            }
        }
    }

    /// Places every service of every stack, stacks in deployment order, services in file order.
    pub fn place_all(&mut self, specs: &[Spec]) -> Vec<usize> {
        let mut order_dependent = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            match spec.service.mode {
                Mode::Global => self.place_global(spec),
                Mode::Replicated(replicas) => {
                    if self.place_replicated(spec, (1..=replicas).collect()) {
                        order_dependent.push(index);
                    }
                }
            }
        }
        order_dependent
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BranchOrder {
    Ascending,
    Descending,
}

#[derive(Debug, Default)]
struct Tree {
    /// Tasks of the service already in this branch.
    tasks: u32,
    next: BTreeMap<String, Tree>,
    /// At a leaf: the nodes that can take a task now.
    nodes: Vec<usize>,
}

struct Walk<'c, 'p, 's> {
    cluster: &'c mut Cluster<'p>,
    spec: &'s Spec<'s>,
    constraints: &'s [Constraint],
    counts: &'s mut Vec<u32>,
    queue: &'s mut std::collections::VecDeque<u64>,
    order: BranchOrder,
}

impl Walk<'_, '_, '_> {
    /// Swarm's node order: fewest tasks of this service, then fewest tasks in all (plan order
    /// breaks the remaining ties, where Swarm's heap order is arbitrary).
    fn less(&self, a: usize, b: usize) -> bool {
        (self.counts[a], self.cluster.nodes[a].tasks, a) < (self.counts[b], self.cluster.nodes[b].tasks, b)
    }

    fn fits(&self, node: usize) -> bool {
        self.cluster.filter(node, self.spec, self.constraints, self.counts).is_none()
    }

    /// `scheduleNTasksOnSubtree`: splits `n` tasks evenly over the branches that have room.
    /// As in Swarm, a branch's task count is the one it had when the tree was built: tasks
    /// placed by this walk do not change it, which is how a branch without room hands its
    /// share to the branches walked first.
    fn subtree(&mut self, tree: &Tree, n: usize) -> usize {
        if tree.next.is_empty() {
            return self.on_nodes(&tree.nodes, n);
        }
        let mut branches: Vec<&Tree> = tree.next.values().collect();
        if self.order == BranchOrder::Descending {
            branches.reverse();
        }
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
                } else if remainder > 0 {
                    remainder -= 1;
                }
                scheduled += done;
            }
        }
        scheduled
    }

    /// `scheduleNTasksOnNodes`: fills the nodes with the fewest tasks first, then round-robin.
    fn on_nodes(&mut self, candidates: &[usize], n: usize) -> usize {
        let mut nodes: Vec<usize> = candidates.iter().copied().filter(|&i| self.fits(i)).collect();
        nodes.sort_by(|&a, &b| (self.counts[a], self.cluster.nodes[a].tasks, a).cmp(&(self.counts[b], self.cluster.nodes[b].tasks, b)));
        let count = nodes.len();
        if count == 0 || n == 0 {
            return 0;
        }
        let mut failed = vec![false; count];
        let mut iter = 0usize;
        let mut scheduled = 0;
        while let Some(slot) = self.queue.pop_front() {
            let node = nodes[iter % count];
            self.cluster.assign(node, self.spec, slot, self.counts);
            scheduled += 1;
            if scheduled == n {
                return scheduled;
            }
            if iter + 1 < count {
                if self.less(nodes[(iter + 1) % count], node) {
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
