//! Swarm's spread decision tree: one level per spread preference over every node, branches in
//! the order of their label values, and the walk that splits a service's tasks over it
//! (`scheduleNTasksOnSubtree`) and fills the nodes of each leaf (`scheduleNTasksOnNodes`).

use super::cluster::Cluster;
use super::spec::Spec;
use super::ties::Round;
use std::collections::{BTreeMap, VecDeque};
use std::rc::Rc;

/// One spread preference's label over every node, interned: `names` sorted, so that branches
/// keyed by index are walked in the order of their values.
#[derive(Debug)]
pub(super) struct SpreadLevel<'a> {
    pub(super) names: Vec<&'a str>,
    of_node: Vec<u32>,
}

impl<'a> SpreadLevel<'a> {
    pub(super) fn new(values: Vec<&'a str>) -> Self {
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
pub(super) struct Shape<'a> {
    /// Which of the cluster's candidate orders belongs to this shape.
    pub(super) id: usize,
    pub(super) levels: Vec<Rc<SpreadLevel<'a>>>,
    /// Branches in depth-first order; the root is branch 0.
    pub(super) branches: Vec<Branch>,
    /// Per node: the leaf branch it is in.
    pub(super) leaf_of: Vec<u32>,
}

#[derive(Debug)]
pub(super) struct Branch {
    /// The branch above; the root's is itself.
    parent: u32,
    /// The interned label value of this branch at its level (0 for the root).
    value: u32,
    /// The branches below, in the order of their values; empty at a leaf.
    pub(super) children: Vec<u32>,
    /// The same, in the order the engine walks them when it cannot enumerate Swarm's: most
    /// nodes first (a range over the branch map most often starts at the branch inserted
    /// first, the branch of the first node met, and with nodes met in a random order that is
    /// most often the largest branch), then the branch met first in join order.
    pub(super) walk: Vec<u32>,
}

impl<'a> Shape<'a> {
    /// `rank` is each node's place in join order.
    pub(super) fn new(id: usize, levels: Vec<Rc<SpreadLevel<'a>>>, rank: &[u32]) -> Self {
        let nodes = rank.len();
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
                walk: Vec::new(),
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
        // Per branch: its nodes and the first of them in join order; children come after
        // their parent, so the leaves fill their parents from the end.
        let mut size = vec![0u32; shape.branches.len()];
        let mut first = vec![u32::MAX; shape.branches.len()];
        for (node, &joined) in rank.iter().enumerate() {
            let leaf = shape.leaf_of[node] as usize;
            size[leaf] += 1;
            first[leaf] = first[leaf].min(joined);
        }
        for index in (1..shape.branches.len()).rev() {
            let parent = shape.branches[index].parent as usize;
            size[parent] += size[index];
            first[parent] = first[parent].min(first[index]);
        }
        for branch in &mut shape.branches {
            let mut walk = branch.children.clone();
            walk.sort_by_key(|&c| (std::cmp::Reverse(size[c as usize]), first[c as usize]));
            branch.walk = walk;
        }
        shape
    }

    /// The branches from a node's leaf up to the root.
    pub(super) fn path(&self, node: usize) -> impl Iterator<Item = usize> + '_ {
        let mut next = Some(self.leaf_of[node] as usize);
        std::iter::from_fn(move || {
            let branch = next?;
            let parent = self.branches[branch].parent as usize;
            next = (parent != branch).then_some(parent);
            Some(branch)
        })
    }

    /// Per branch: the tasks of a service in it, from the nodes that run any.
    pub(super) fn per_branch(&self, holders: &[usize], counts: &[u32]) -> Vec<u32> {
        let mut tasks = vec![0; self.branches.len()];
        for &node in holders {
            for branch in self.path(node) {
                tasks[branch] += counts[node];
            }
        }
        tasks
    }
}

/// Describes a spread that ended uneven: at some level, branches that could take tasks differ
/// by more than one task, because a branch without room handed its share to the others.
/// `candidates` says which branches could take tasks, `totals` how many each ended with.
pub(super) fn uneven(
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

pub(super) struct Walk<'w, 'p> {
    pub(super) cluster: &'w mut Cluster<'p>,
    pub(super) spec: &'p Spec<'p>,
    pub(super) spec_index: usize,
    pub(super) shape: &'p Shape<'p>,
    /// Per branch: the service's tasks in it when the tree was built.
    pub(super) tasks: &'w [u32],
    pub(super) counts: &'w mut [u32],
    /// The nodes that run a task of the service.
    pub(super) holders: &'w mut Vec<usize>,
    pub(super) queue: &'w mut VecDeque<u64>,
    /// Swarm keeps the best `maxAssignments` (the group's task count) nodes of each leaf.
    pub(super) max_assignments: usize,
    /// Find a leaf's candidates among the nodes that meet the constraints (few of them), not in
    /// the leaf's order of all ready nodes.
    pub(super) scan_eligible: bool,
    /// Per leaf walked: the candidates kept the first time, as Swarm keeps its leaf's heap.
    pub(super) kept: BTreeMap<usize, Vec<usize>>,
    /// When ties are recorded: each round of equally ranked nodes the fill met.
    pub(super) rounds: Option<Vec<Round>>,
}

impl Walk<'_, '_> {
    /// Swarm's node order: fewest tasks of this service, then fewest tasks in all. Join order
    /// breaks the remaining ties: with more than eight nodes Swarm meets them in a hash order,
    /// so every tied node is as likely as any other, and the engine names the first to join.
    pub(super) fn key(&self, node: usize) -> (u32, u32, u32) {
        (
            self.counts[node],
            self.cluster.nodes[node].tasks,
            self.cluster.rank[node],
        )
    }

    /// The standing Swarm's comparator sees: tasks of this service, tasks in all.
    fn standing(&self, node: usize) -> (u32, u32) {
        (self.counts[node], self.cluster.nodes[node].tasks)
    }

    /// The nodes of a leaf that could take a task now and stand exactly at `standing`.
    fn tied(&self, leaf: usize, standing: (u32, u32)) -> Vec<u32> {
        let in_leaf = |i: usize| self.shape.leaf_of[i] as usize == leaf;
        let equal = |i: usize| self.standing(i) == standing;
        if self.scan_eligible {
            self.spec
                .eligible
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| in_leaf(i) && equal(i) && self.fits(i))
                .map(|i| i as u32)
                .collect()
        } else if standing.0 == 0 {
            let (_, order) = self.cluster.shapes[self.shape.id]
                .as_ref()
                .expect("every spec's shape has an order");
            let total = standing.1;
            order[leaf]
                .range((total, 0)..(total + 1, 0))
                .map(|&(_, rank)| self.cluster.join[rank as usize] as usize)
                .filter(|&i| self.counts[i] == 0 && self.fits(i))
                .map(|i| i as u32)
                .collect()
        } else {
            self.holders
                .iter()
                .copied()
                .filter(|&i| in_leaf(i) && equal(i) && self.fits(i))
                .map(|i| i as u32)
                .collect()
        }
    }

    pub(super) fn fits(&self, node: usize) -> bool {
        self.cluster.fits(node, self.spec, self.counts)
    }

    pub(super) fn assign(&mut self, node: usize, slot: u64) {
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
    pub(super) fn subtree(&mut self, branch: usize, n: usize) -> usize {
        let shape = self.shape;
        let children = &shape.branches[branch].walk;
        if children.is_empty() {
            return self.on_nodes(branch, n);
        }
        // Go's signed arithmetic: a branch may take more than this subtree's share (its
        // children's stale counts undercount it), and then the share left goes negative.
        let n = n as i64;
        let mut scheduled: i64 = 0;
        let mut in_usable = i64::from(self.tasks[branch]);
        let mut no_room = vec![false; children.len()];
        let mut full = 0;
        let mut converging = true;
        while scheduled != n && full != children.len() && converging {
            converging = false;
            let usable = (children.len() - full) as i64;
            let desired = (in_usable + n - scheduled) / usable;
            let mut remainder = (in_usable + n - scheduled) % usable;
            for (b, &child) in children.iter().enumerate() {
                let have = i64::from(self.tasks[child as usize]);
                if no_room[b] || !(have < desired || (have == desired && remainder > 0)) {
                    continue;
                }
                converging = true;
                let mut assign = desired - have;
                if remainder > 0 {
                    assign += 1;
                }
                let done = self.subtree(child as usize, assign as usize) as i64;
                if done < assign {
                    no_room[b] = true;
                    full += 1;
                    in_usable -= have;
                } else if remainder > 0 {
                    remainder -= 1;
                }
                scheduled += done;
            }
        }
        if !converging && scheduled != n && full != children.len() {
            self.cluster.stalled.insert(self.spec_index);
        }
        scheduled.max(0) as usize
    }

    /// A leaf's candidates when it is first walked (as when the tree was built: only the leaf's
    /// own nodes have changed since, and none yet), keyed by Swarm's order. Like Swarm's heap of
    /// `maxAssignments` nodes, only that many of the best take part.
    pub(super) fn candidates(&self, leaf: usize) -> Vec<(u32, u32, u32)> {
        let keep = self.max_assignments;
        let in_leaf = |node: usize| self.shape.leaf_of[node] as usize == leaf;
        let mut keyed: Vec<(u32, u32, u32)> = if self.scan_eligible {
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
            let mut keyed: Vec<(u32, u32, u32)> = order[leaf]
                .iter()
                .map(|&(_, rank)| self.cluster.join[rank as usize] as usize)
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
                let mut keyed: Vec<(u32, u32, u32)> = kept
                    .iter()
                    .copied()
                    .filter(|&i| self.fits(i))
                    .map(|i| self.key(i))
                    .collect();
                keyed.sort_unstable();
                keyed
                    .into_iter()
                    .map(|(_, _, rank)| self.cluster.join[rank as usize] as usize)
                    .collect()
            }
            None => {
                let nodes: Vec<usize> = self
                    .candidates(leaf)
                    .into_iter()
                    .map(|(_, _, rank)| self.cluster.join[rank as usize] as usize)
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
        let recording = self.rounds.is_some();
        let mut rounds: Vec<Round> = Vec::new();
        'fill: while let Some(slot) = self.queue.pop_front() {
            let node = nodes[iter % count];
            if recording {
                let standing = self.standing(node);
                if !rounds.iter().any(|r| r.key == standing) {
                    let tied = self.tied(leaf, standing);
                    rounds.push(Round {
                        key: standing,
                        leaf: leaf as u32,
                        tied,
                        chosen: Vec::new(),
                    });
                }
                let placed = self.cluster.placed.len() as u32;
                let round = rounds
                    .iter_mut()
                    .find(|r| r.key == standing)
                    .expect("the round was just made");
                round.chosen.push((placed, node as u32));
            }
            self.assign(node, slot);
            if recording {
                // A node that took a task may now stand equal to the nodes of a later round.
                let standing = self.standing(node);
                let fits = self.fits(node);
                if let Some(round) = rounds.iter_mut().find(|r| r.key == standing) {
                    if fits {
                        round.tied.push(node as u32);
                    }
                }
            }
            scheduled += 1;
            if scheduled == n {
                break;
            }
            if iter + 1 < count {
                // Swarm moves on only to a node strictly better than the one just filled.
                if self.standing(nodes[(iter + 1) % count]) < self.standing(node) {
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
                    break 'fill;
                }
            }
        }
        if let Some(all) = &mut self.rounds {
            all.extend(rounds);
        }
        scheduled
    }
}
