//! The bounded node heap of a spread tree's leaf, exactly as swarmkit's `nodeMaxHeap`
//! (manager/scheduler/nodeheap.go) behaves under Go's `container/heap`.
//!
//! Exactness matters here because the heap breaks Swarm's ties. `Less` is reversed, so the
//! root is the worst node kept; `up` and `down` swap only on a strict comparison, so equal
//! nodes never move past each other; `Pop` swaps the root to the end of the live range, and
//! popping everything (`decisionTree.orderedNodes`) leaves the slice sorted best first. Of `k`
//! equal nodes pushed in the order `x1 … xk`, that sort gives `x2 … xk, x1`: the node met first
//! comes last.

/// A leaf's heap: node indices, and how many of them are live (Go's `length`; a popped node
/// stays in the slice).
#[derive(Debug, Clone, Default)]
pub struct NodeHeap {
    pub nodes: Vec<u32>,
    length: usize,
}

impl NodeHeap {
    pub fn len(&self) -> usize {
        self.length
    }

    /// Go's `h.Less(i, j)`: `lessFunc(nodes[j], nodes[i])`.
    fn less(&self, i: usize, j: usize, better: &impl Fn(u32, u32) -> bool) -> bool {
        better(self.nodes[j], self.nodes[i])
    }

    fn up(&mut self, mut j: usize, better: &impl Fn(u32, u32) -> bool) {
        while j > 0 {
            let i = (j - 1) / 2;
            if !self.less(j, i, better) {
                break;
            }
            self.nodes.swap(i, j);
            j = i;
        }
    }

    fn down(&mut self, i0: usize, n: usize, better: &impl Fn(u32, u32) -> bool) -> bool {
        let mut i = i0;
        loop {
            let j1 = 2 * i + 1;
            if j1 >= n {
                break;
            }
            let mut j = j1;
            let j2 = j1 + 1;
            if j2 < n && self.less(j2, j1, better) {
                j = j2;
            }
            if !self.less(j, i, better) {
                break;
            }
            self.nodes.swap(i, j);
            i = j;
        }
        i > i0
    }

    /// `heap.Push`.
    pub fn push(&mut self, node: u32, better: &impl Fn(u32, u32) -> bool) {
        self.nodes.push(node);
        self.length += 1;
        self.up(self.length - 1, better);
    }

    /// The worst node kept.
    pub fn root(&self) -> u32 {
        self.nodes[0]
    }

    /// `nodes[0] = node; heap.Fix(h, 0)`: a better node takes the worst one's place.
    pub fn replace_root(&mut self, node: u32, better: &impl Fn(u32, u32) -> bool) {
        self.nodes[0] = node;
        if !self.down(0, self.length, better) {
            self.up(0, better);
        }
    }

    /// `decisionTree.orderedNodes`: on a later call, first drops the nodes that no longer fit
    /// (each replaced by the last) and re-heapifies (`heap.Init`); then pops every node, which
    /// leaves them best first.
    pub fn ordered(
        &mut self,
        fits: impl Fn(u32) -> bool,
        better: &impl Fn(u32, u32) -> bool,
    ) -> &[u32] {
        if self.length != self.nodes.len() {
            let mut i = 0;
            while i < self.nodes.len() {
                if fits(self.nodes[i]) {
                    i += 1;
                } else {
                    let last = self.nodes.len() - 1;
                    self.nodes[i] = self.nodes[last];
                    self.nodes.truncate(last);
                }
            }
            self.length = self.nodes.len();
            let n = self.length;
            for i in (0..n / 2).rev() {
                self.down(i, n, better);
            }
        }
        while self.length > 0 {
            let n = self.length - 1;
            self.nodes.swap(0, n);
            self.down(0, n, better);
            self.length -= 1;
        }
        &self.nodes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pushes nodes with these keys (lower is better) into a heap of `keep`, as
    /// `nodeSet.tree` does, and orders them.
    fn kept(keys: &[i32], keep: usize) -> Vec<u32> {
        let better = |a: u32, b: u32| keys[a as usize] < keys[b as usize];
        let mut heap = NodeHeap::default();
        for node in 0..keys.len() as u32 {
            if heap.len() < keep {
                heap.push(node, &better);
            } else if better(node, heap.root()) {
                heap.replace_root(node, &better);
            }
        }
        heap.ordered(|_| true, &better).to_vec()
    }

    #[test]
    fn equal_nodes_come_out_with_the_first_met_last() {
        assert_eq!(kept(&[0, 0], 2), vec![1, 0]);
        for k in 1..=8 {
            let order = kept(&vec![0; k], k);
            let expected: Vec<u32> = (1..k as u32).chain([0]).collect();
            assert_eq!(order, expected, "{k} equal nodes");
        }
    }

    #[test]
    fn a_better_node_evicts_the_root_not_the_last_met() {
        // Keys 0,0,0,-1,0,0 in a heap of three: x4 (index 3) evicts the root, x1.
        let mut order = kept(&[0, 0, 0, -1, 0, 0], 3);
        order.sort_unstable();
        assert_eq!(order, vec![1, 2, 3]);
    }

    #[test]
    fn a_one_slot_heap_keeps_the_first_best_node() {
        assert_eq!(kept(&[1, 0, 0, 1], 1), vec![1]);
    }
}
