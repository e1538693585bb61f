//! Stable topological order: a dependency graph (petgraph) sorted so that, among nodes ready at
//! the same time, the one added first goes first. The order then stays put as plans grow and
//! reads like the author's intent. Stacks (`after:`) and runbook steps are both ordered by it.

use crate::plan::Plan;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Every node of `graph` in a topological order, insertion order breaking ties (Kahn's
/// algorithm with a min-heap of node indices); then the nodes caught in a cycle, in insertion
/// order. Returns the order and how many of its last nodes are in the cycle.
pub fn stable_order<N, E>(graph: &DiGraph<N, E>) -> (Vec<NodeIndex>, usize) {
    let count = graph.node_count();
    let mut indegree: Vec<usize> = graph
        .node_indices()
        .map(|n| graph.neighbors_directed(n, petgraph::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..count)
        .filter(|&i| indegree[i] == 0)
        .map(Reverse)
        .collect();
    let mut order: Vec<NodeIndex> = Vec::with_capacity(count);
    let mut placed = vec![false; count];
    while let Some(Reverse(i)) = ready.pop() {
        order.push(NodeIndex::new(i));
        placed[i] = true;
        for next in graph.neighbors_directed(NodeIndex::new(i), petgraph::Outgoing) {
            let j = next.index();
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    let stuck = count - order.len();
    order.extend((0..count).filter(|&i| !placed[i]).map(NodeIndex::new));
    (order, stuck)
}

/// Stack indices in deployment order, and the stacks caught in a cycle of `after:` (deployed
/// last, in plan order, since no order satisfies them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackOrder {
    pub order: Vec<usize>,
    pub cycle: Vec<String>,
}

pub fn stack_order(plan: &Plan) -> StackOrder {
    let mut graph = DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..plan.stacks.len()).map(|i| graph.add_node(i)).collect();
    // Names looked up in a map and each edge added once: a plan whose stacks all wait for
    // each other stays a quick sort, not stacks × waits × edges.
    let mut index: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (i, stack) in plan.stacks.iter().enumerate() {
        index.entry(stack.name.as_str()).or_insert(i);
    }
    let mut edges = std::collections::BTreeSet::new();
    for (i, stack) in plan.stacks.iter().enumerate() {
        for after in &stack.after {
            if let Some(&j) = index.get(after.as_str()) {
                if i != j && edges.insert((j, i)) {
                    graph.add_edge(nodes[j], nodes[i], ());
                }
            }
        }
    }
    let (sorted, stuck) = stable_order(&graph);
    let order: Vec<usize> = sorted.iter().map(|&n| graph[n]).collect();
    let names = order[order.len() - stuck..]
        .iter()
        .map(|&i| plan.stacks[i].name.clone())
        .collect();
    StackOrder {
        order,
        cycle: names,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Stack;

    fn plan(stacks: &[(&str, &[&str])]) -> Plan {
        let mut plan = Plan::new("order");
        for (name, after) in stacks {
            plan.stacks.push(Stack {
                name: (*name).into(),
                after: after.iter().map(|a| (*a).to_owned()).collect(),
                variables: Default::default(),
                compose: Default::default(),
            });
        }
        plan
    }

    #[test]
    fn after_edges_order_stacks_and_plan_order_breaks_ties() {
        let p = plan(&[
            ("core", &["db", "traefik"]),
            ("monitoring", &[]),
            ("db", &["traefik"]),
            ("traefik", &[]),
        ]);
        let order = stack_order(&p);
        let names: Vec<&str> = order
            .order
            .iter()
            .map(|&i| p.stacks[i].name.as_str())
            .collect();
        assert_eq!(names, ["monitoring", "traefik", "db", "core"]);
        assert!(order.cycle.is_empty());
    }

    #[test]
    fn cycles_are_named_and_deployed_last() {
        let p = plan(&[("a", &["b"]), ("b", &["a"]), ("c", &[]), ("d", &["zzz"])]);
        let order = stack_order(&p);
        assert_eq!(order.order, [2, 3, 0, 1]);
        assert_eq!(order.cycle, ["a", "b"]);
    }
}
