//! Swarm's scheduler replayed step by step for one service, with its dice: `nodeSet.tree`
//! (nodeset.go) walks the node set in map order, grows the spread tree's branches as it meets
//! their values and keeps each leaf's best nodes in a bounded heap; `scheduleNTasksOnSubtree`
//! (scheduler.go) walks each level's branches in map order on every pass; `orderedNodes`
//! (decision_tree.go) and `scheduleNTasksOnNodes` fill a leaf's nodes, then go round-robin.
//!
//! This is the reference the rest of the placement agrees with. It costs a pass over every
//! node per service, as Swarm's own scheduler does, so the engine runs it where that is cheap:
//! to enumerate every outcome of a small cluster, and to sample the odds.

use super::cluster::Cluster;
use super::dice::{map_order, Dice};
use super::heap::NodeHeap;
use super::spec::Spec;
use super::spread::Shape;
use std::collections::VecDeque;

pub(super) struct Replay<'r, 'p> {
    pub(super) cluster: &'r mut Cluster<'p>,
    pub(super) spec: &'p Spec<'p>,
    pub(super) spec_index: usize,
    pub(super) shape: &'p Shape<'p>,
    /// Per branch: the service's tasks in it when the tree was built.
    pub(super) tasks: &'r [u32],
    pub(super) counts: &'r mut [u32],
    pub(super) holders: &'r mut Vec<usize>,
    pub(super) queue: &'r mut VecDeque<u64>,
    pub(super) dice: &'r mut dyn Dice,
}

/// The tree `nodeSet.tree` builds: per inner branch, its children in the order their values
/// were first met; per leaf, its heap.
struct Tree {
    next: Vec<Vec<u32>>,
    heaps: Vec<NodeHeap>,
}

impl Replay<'_, '_> {
    /// Swarm's `nodeLess` (in `scheduleTaskGroup`): fewer tasks of the service, then fewer
    /// tasks in all. Recent task failures come first in Swarm, but a plan has none.
    fn better(&self, a: u32, b: u32) -> bool {
        let key = |n: u32| {
            (
                self.counts[n as usize],
                self.cluster.nodes[n as usize].tasks,
            )
        };
        key(a) < key(b)
    }

    fn fits(&self, node: u32) -> bool {
        self.cluster.fits(node as usize, self.spec, self.counts)
    }

    /// Places the queued tasks (all of one group), the nodes met in `order`. Returns how many
    /// were placed; the rest stay queued.
    pub(super) fn run(&mut self, order: &[u32]) -> usize {
        let wanted = self.queue.len();
        if wanted == 0 {
            return 0;
        }
        let mut tree = self.build(order, wanted);
        self.subtree(&mut tree, 0, wanted)
    }

    fn build(&self, order: &[u32], max_assignments: usize) -> Tree {
        let shape = self.shape;
        let mut tree = Tree {
            next: vec![Vec::new(); shape.branches.len()],
            heaps: vec![NodeHeap::default(); shape.branches.len()],
        };
        let mut seen = vec![false; shape.branches.len()];
        let better = |a: u32, b: u32| self.better(a, b);
        let mut path: Vec<usize> = Vec::new();
        for &node in order {
            path.clear();
            path.extend(shape.path(node as usize));
            // Root first: each branch is added to its parent's map when first met.
            for window in path.windows(2).rev() {
                let (child, parent) = (window[0], window[1]);
                if !std::mem::replace(&mut seen[child], true) {
                    tree.next[parent].push(child as u32);
                }
            }
            let heap = &mut tree.heaps[path[0]];
            if heap.len() < max_assignments {
                if self.fits(node) {
                    heap.push(node, &better);
                }
            } else if better(node, heap.root()) && self.fits(node) {
                heap.replace_root(node, &better);
            }
        }
        tree
    }

    fn subtree(&mut self, tree: &mut Tree, branch: usize, n: usize) -> usize {
        if tree.next[branch].is_empty() {
            return self.on_nodes(tree, branch, n);
        }
        let children = tree.next[branch].clone();
        // Go's ints: the share left can go negative when a branch took more than its share.
        let n = n as i64;
        let mut scheduled: i64 = 0;
        let mut in_usable = i64::from(self.tasks[branch]);
        let mut no_room = vec![false; self.shape.branches.len()];
        let mut full = 0;
        let mut converging = true;
        while scheduled != n && full != children.len() && converging {
            let usable = (children.len() - full) as i64;
            let desired = (in_usable + n - scheduled) / usable;
            let mut remainder = (in_usable + n - scheduled) % usable;
            converging = false;
            for child in map_order(self.dice, &children) {
                let child = child as usize;
                if no_room[child] {
                    continue;
                }
                let have = i64::from(self.tasks[child]);
                if have < desired || (have == desired && remainder > 0) {
                    converging = true;
                    let mut assign = desired - have;
                    if remainder > 0 {
                        assign += 1;
                    }
                    let done = self.subtree(tree, child, assign as usize) as i64;
                    if done < assign {
                        no_room[child] = true;
                        full += 1;
                        in_usable -= have;
                    } else if remainder > 0 {
                        remainder -= 1;
                    }
                    scheduled += done;
                }
            }
        }
        if !converging && scheduled != n && full != children.len() {
            self.cluster.stalled.insert(self.spec_index);
        }
        scheduled.max(0) as usize
    }

    fn on_nodes(&mut self, tree: &mut Tree, leaf: usize, n: usize) -> usize {
        let mut heap = std::mem::take(&mut tree.heaps[leaf]);
        let nodes: Vec<u32> = {
            let better = |a: u32, b: u32| self.better(a, b);
            heap.ordered(|node| self.fits(node), &better).to_vec()
        };
        tree.heaps[leaf] = heap;
        let count = nodes.len();
        if count == 0 {
            return 0;
        }
        let mut failed = vec![false; count];
        let mut iter = 0usize;
        let mut scheduled = 0;
        while let Some(slot) = self.queue.pop_front() {
            let node = nodes[iter % count];
            if self.counts[node as usize] == 0 {
                self.holders.push(node as usize);
            }
            self.cluster
                .assign(node as usize, self.spec_index, slot, self.counts);
            scheduled += 1;
            if scheduled == n {
                return scheduled;
            }
            if iter + 1 < count {
                if self.better(nodes[(iter + 1) % count], node) {
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
