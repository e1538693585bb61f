//! The cluster while tasks are placed: every node's state, the filters in Swarm's order with
//! Docker's explanations, and the overlay a failure scenario lays on its baseline.

use super::dice::{creation_order, Dice, SMALL_MAP_SLOTS};
use super::spec::Spec;
use super::spread::{uneven, Shape, Walk};
use super::ties::{DomainIndex, Exposure, Most, Round, Tie, TIES_LISTED};
use super::{Pending, Placed, Task, Ties, Waiting};
use crate::compose::Mode;
use crate::plan::{Availability, Plan, Protocol};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

/// The filters, in Swarm's order. Each node that fails is counted at the first filter it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Filter {
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

/// What the scheduler knows of one node.
#[derive(Debug, Clone)]
pub(super) struct NodeState {
    up: bool,
    /// Up and active: Swarm's first filter, kept here so the hot path need not read the plan.
    ready: bool,
    cpus_free: Option<u64>,
    memory_free: Option<u64>,
    pub(super) tasks: u32,
    pub(super) host_ports: Vec<(u16, Protocol)>,
}

/// For one shape, per branch (only leaves hold any): the ready nodes ordered by (tasks, join
/// rank). Nodes that run no task of a service come out of it in the order Swarm prefers them
/// for that service, ties in join order, so a leaf's best candidates are found without looking
/// at every node.
type Order = Vec<BTreeSet<(u32, u32)>>;

/// The cluster while tasks are placed: every node's state, and the tasks placed so far. A
/// failure scenario is a cluster on top of a baseline, whose tasks on nodes still up it keeps.
#[derive(Clone)]
pub struct Cluster<'p> {
    pub(super) plan: &'p Plan,
    pub(super) specs: &'p [Spec<'p>],
    pub(super) nodes: Vec<NodeState>,
    /// The spread tree shapes of the specs, by id, each with its candidate order.
    pub(super) shapes: Vec<Option<(Rc<Shape<'p>>, Order)>>,
    base: Option<&'p Cluster<'p>>,
    /// This cluster's own tasks (for a scenario: those it rescheduled).
    pub placed: Vec<Placed>,
    by_spec: BTreeMap<usize, Vec<u32>>,
    pub waiting: Vec<Waiting>,
    /// Per node, the tasks of the service being placed: all zero between placements.
    pub(super) counts: Vec<u32>,
    /// The nodes in the order they joined the swarm (the order of the scheduler's node map on
    /// a fresh swarm), and each node's place in it.
    pub(super) join: Rc<[u32]>,
    pub(super) rank: Rc<[u32]>,
    /// Whether every outcome is enumerated: the node map is one group of eight slots in join
    /// order (at most eight nodes, and the first leader still leads).
    pub(super) exact: bool,
    /// Whether to record ties and exposures (the baseline does; failure scenarios do not).
    pub(super) record: bool,
    /// Per task in `placed`: the other nodes it could equally have run on (when recorded).
    pub ties: Vec<Option<Tie>>,
    /// Per service: the domains that could hold a majority of its tasks (when recorded).
    pub exposures: BTreeMap<usize, Vec<Exposure>>,
    /// The candidate sets that large ties refer to: a leaf's ready nodes that meet a constraint
    /// list, in join order; and which (constraint list, shape, leaf) each one is.
    pub candidate_sets: Vec<Vec<u32>>,
    candidate_index: BTreeMap<(usize, usize, u32), u32>,
    pub domains: Rc<DomainIndex>,
    /// The services whose spread walk ended because no branch was below its share while tasks
    /// were left: swarmkit #3200's exit (Docker 28.3); older Docker loops forever there.
    pub stalled: BTreeSet<usize>,
}

#[cfg(test)]
thread_local! {
    /// Tests force either way of finding a leaf's candidates, to show that both agree.
    pub(super) static SCAN_ELIGIBLE: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
}

impl<'p> Cluster<'p> {
    /// A cluster with every node up and no task, for `specs` as built by [`specs`].
    pub fn new(plan: &'p Plan, specs: &'p [Spec<'p>]) -> Self {
        let join: Rc<[u32]> = super::join_order(plan)
            .into_iter()
            .map(|n| n as u32)
            .collect();
        let rank: Rc<[u32]> = super::join_rank(plan).into();
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
                        order[shape.leaf_of[i] as usize].insert((0, rank[i]));
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
            exact: plan.nodes.len() <= SMALL_MAP_SLOTS,
            record: true,
            ties: Vec::new(),
            exposures: BTreeMap::new(),
            candidate_sets: Vec::new(),
            candidate_index: BTreeMap::new(),
            domains: Rc::new(DomainIndex::of(plan)),
            stalled: BTreeSet::new(),
            join,
            rank,
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
                    order[shape.leaf_of[i] as usize].remove(&(nodes[i].tasks, base.rank[i]));
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
            // A new leader rebuilds the node map in node-ID order: a random one.
            // A plan without nodes (a host drawn first) has no leader to lose.
            exact: base.exact
                && base
                    .join
                    .first()
                    .is_none_or(|&first| !lost.contains(&(first as usize))),
            record: false,
            ties: Vec::new(),
            exposures: BTreeMap::new(),
            candidate_sets: Vec::new(),
            candidate_index: BTreeMap::new(),
            domains: base.domains.clone(),
            stalled: BTreeSet::new(),
            join: base.join.clone(),
            rank: base.rank.clone(),
        }
    }

    pub fn specs(&self) -> &'p [Spec<'p>] {
        self.specs
    }

    pub fn plan(&self) -> &'p Plan {
        self.plan
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

    pub(super) fn assign(&mut self, node: usize, spec: usize, slot: u64, counts: &mut [u32]) {
        let service = &self.specs[spec];
        let state = &mut self.nodes[node];
        let reservations = service.service.reservations;
        if let Some(free) = &mut state.cpus_free {
            *free = free.saturating_sub(reservations.cpus.millis());
        }
        if let Some(free) = &mut state.memory_free {
            *free = free.saturating_sub(reservations.memory.0);
        }
        let rank = self.rank[node];
        if state.ready {
            for (shape, order) in self.shapes.iter_mut().flatten() {
                let leaf = &mut order[shape.leaf_of[node] as usize];
                leaf.remove(&(state.tasks, rank));
                leaf.insert((state.tasks + 1, rank));
            }
        }
        state.tasks += 1;
        state.host_ports.extend(service.host_ports.iter().copied());
        counts[node] += 1;
        let own = self.by_spec.entry(spec).or_default();
        own.push(self.placed.len() as u32);
        self.placed.push(Placed { spec, slot, node });
    }

    /// Takes back the last task placed: `assign` undone, to try another outcome.
    pub(super) fn unassign_last(&mut self, counts: &mut [u32]) {
        let Placed { spec, node, .. } = self.placed.pop().expect("a task to take back");
        let service = &self.specs[spec];
        let state = &mut self.nodes[node];
        let reservations = service.service.reservations;
        if let Some(free) = &mut state.cpus_free {
            *free += reservations.cpus.millis();
        }
        if let Some(free) = &mut state.memory_free {
            *free += reservations.memory.0;
        }
        let rank = self.rank[node];
        if state.ready {
            for (shape, order) in self.shapes.iter_mut().flatten() {
                let leaf = &mut order[shape.leaf_of[node] as usize];
                leaf.remove(&(state.tasks, rank));
                leaf.insert((state.tasks - 1, rank));
            }
        }
        state.tasks -= 1;
        let kept = state.host_ports.len() - service.host_ports.len();
        state.host_ports.truncate(kept);
        counts[node] -= 1;
        if let Some(own) = self.by_spec.get_mut(&spec) {
            own.pop();
            if own.is_empty() {
                self.by_spec.remove(&spec);
            }
        }
    }

    /// The first filter a node fails for a task of `spec`, or `None` when it can take it.
    pub(super) fn filter(&self, node: usize, spec: &Spec, counts: &[u32]) -> Option<Filter> {
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
    pub(super) fn fits(&self, node: usize, spec: &Spec, counts: &[u32]) -> bool {
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
        let first = self.placed.len();
        if self.exact {
            self.place_exactly(spec_index, &tasks, &mut counts, &mut holders, &mut queue);
        } else {
            let eligible = spec.eligible.len();
            #[cfg_attr(not(test), allow(unused_mut))]
            let mut scan_eligible = eligible * eligible <= wanted * self.nodes.len();
            #[cfg(test)]
            if let Some(forced) = SCAN_ELIGIBLE.get() {
                scan_eligible = forced;
            }
            let record = self.record;
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
                rounds: record.then(Vec::new),
            };
            walk.subtree(0, wanted);
            if let Some(rounds) = walk.rounds.take() {
                self.settle_rounds(spec_index, first, rounds);
            }
        }
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

    /// Ties and exposures from the rounds of a leaf's fill: each round's tasks tie with the
    /// round's equal nodes that it did not choose.
    fn settle_rounds(&mut self, spec_index: usize, first: usize, rounds: Vec<Round>) {
        let spec = &self.specs[spec_index];
        let mut most = Most::new(&self.domains);
        self.ties.resize(self.placed.len(), None);
        for round in rounds {
            most.round(&self.domains, &round.tied, round.chosen.len() as u32);
            let chosen: BTreeSet<u32> = round.chosen.iter().map(|&(_, node)| node).collect();
            let mut others: Vec<u32> = round
                .tied
                .iter()
                .copied()
                .filter(|n| !chosen.contains(n))
                .collect();
            let tie = if others.len() <= TIES_LISTED {
                others.sort_by_key(|&n| self.rank[n as usize]);
                Tie::Listed(others)
            } else {
                Tie::Many {
                    among: self.candidate_set(spec, round.leaf),
                    count: others.len() as u32,
                }
            };
            for &(placed, _) in &round.chosen {
                self.ties[placed as usize] = Some(tie.clone());
            }
        }
        let running = (self.placed.len() - first) as u32;
        let exposures = most.exposures(&self.domains, running);
        if !exposures.is_empty() {
            self.exposures.insert(spec_index, exposures);
        }
    }

    /// The named set of a leaf's ready nodes that meet a service's constraints, which large
    /// ties count among: made once per constraint list and leaf.
    fn candidate_set(&mut self, spec: &Spec, leaf: u32) -> u32 {
        let key = (spec.constraint_id, spec.shape.id, leaf);
        if let Some(&index) = self.candidate_index.get(&key) {
            return index;
        }
        let nodes: Vec<u32> = self
            .join
            .iter()
            .copied()
            .filter(|&n| {
                let n = n as usize;
                spec.shape.leaf_of[n] == leaf && spec.matches[n] && self.nodes[n].ready
            })
            .collect();
        let index = self.candidate_sets.len() as u32;
        self.candidate_sets.push(nodes);
        self.candidate_index.insert(key, index);
        index
    }

    /// Places every service once under `dice`, as Swarm might on one deployment: each stack's
    /// services in the order `docker stack deploy` creates them, each replayed step by step.
    pub fn place_all_drawn(&mut self, dice: &mut dyn Dice) {
        let specs = self.specs;
        let mut start = 0;
        while start < specs.len() {
            let stack = specs[start].stack;
            let end = start
                + specs[start..]
                    .iter()
                    .take_while(|s| s.stack == stack)
                    .count();
            for offset in creation_order(dice, end - start) {
                let index = start + offset as usize;
                match specs[index].service.mode {
                    Mode::Global => self.place_global(index),
                    Mode::Replicated(replicas) => {
                        self.place_drawn(index, (1..=replicas).collect(), dice)
                    }
                }
            }
            start = end;
        }
    }

    /// Places the given slots of a replicated service under `dice`.
    pub(super) fn place_drawn(&mut self, spec_index: usize, slots: Vec<u64>, dice: &mut dyn Dice) {
        let spec = &self.specs[spec_index];
        if let Err(error) = &spec.constraints {
            let reason = format!("service not created: {error}");
            self.wait(spec_index, slots, &reason);
            return;
        }
        if slots.is_empty() {
            return;
        }
        let (mut counts, mut holders) = self.load_counts(spec_index);
        let tasks = spec.shape.per_branch(&holders, &counts);
        let mut queue: VecDeque<u64> = slots.into();
        self.replay(
            spec_index,
            &tasks,
            &mut counts,
            &mut holders,
            &mut queue,
            dice,
        );
        if !queue.is_empty() {
            let reason = self.explain(spec, &counts);
            self.wait(spec_index, queue, &reason);
        }
        self.unload_counts(counts, &holders);
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
                None => {
                    self.assign(i, spec_index, 0, &mut counts);
                    if self.record {
                        self.ties.resize(self.placed.len(), None);
                        *self.ties.last_mut().expect("the task just placed") =
                            Some(Tie::Listed(Vec::new()));
                    }
                }
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
                ties: None,
                p: None,
            })
            .collect()
    }

    /// This cluster's own tasks as names, each with its ties when they were recorded.
    pub fn named_placement(&self) -> Vec<Task> {
        let mut tasks = self.named(&self.placed);
        if self.record {
            for (index, task) in tasks.iter_mut().enumerate() {
                task.ties = Some(match self.ties.get(index).cloned().flatten() {
                    Some(Tie::Listed(nodes)) => Ties::Nodes(
                        nodes
                            .iter()
                            .map(|&n| self.plan.nodes[n as usize].name.clone())
                            .collect(),
                    ),
                    Some(Tie::Many { among, count }) => Ties::Many {
                        among: among as usize,
                        count: count as usize,
                    },
                    None => Ties::Nodes(Vec::new()),
                });
            }
        }
        tasks
    }

    /// The candidate sets large ties refer to, as node names.
    pub fn named_candidates(&self) -> Vec<Vec<String>> {
        self.candidate_sets
            .iter()
            .map(|set| {
                set.iter()
                    .map(|&n| self.plan.nodes[n as usize].name.clone())
                    .collect()
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

#[cfg(test)]
impl Cluster<'_> {
    /// What Swarm's scheduler can tell apart about a node for a task of `spec`: nodes of one
    /// class are interchangeable, so outcomes that differ only between them are the same draw
    /// relabelled. The room a node has counts in tasks of the service; when the room of some
    /// node runs out before the service's replicas, which tied node got the round-robin's
    /// extra tasks can matter later, and `binding` says so.
    pub(super) fn class_of(&self, node: usize, spec_index: usize) -> (impl Ord, bool) {
        let spec = &self.specs[spec_index];
        let state = &self.nodes[node];
        let counts = self.tasks_of(spec_index).filter(|t| t.node == node).count();
        let port_taken = spec
            .host_ports
            .iter()
            .any(|port| state.host_ports.contains(port));
        // How many of its tasks the node has room for: free resources matter only in units of
        // what a task reserves.
        let reservations = spec.service.reservations;
        let room = |free: Option<u64>, wanted: u64| match (free, wanted) {
            (Some(free), wanted) if wanted > 0 => free / wanted,
            _ => u64::MAX,
        };
        let replicas = match spec.service.mode {
            crate::compose::Mode::Replicated(n) => n,
            crate::compose::Mode::Global => 1,
        };
        let capacity = room(state.cpus_free, reservations.cpus.millis())
            .min(room(state.memory_free, reservations.memory.0))
            .min(replicas);
        let binding = state.ready && spec.matches[node] && capacity < replicas;
        (
            (
                spec.shape.leaf_of[node],
                state.ready,
                spec.matches[node],
                counts,
                state.tasks,
                capacity,
                port_taken,
            ),
            binding,
        )
    }
}
