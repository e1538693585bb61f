//! The order stacks are deployed in: a dependency graph of `after:` edges (petgraph), sorted
//! topologically with plan order breaking ties, so that the order is stable as plans grow.

use crate::plan::Plan;
use petgraph::graph::DiGraph;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
    for (i, stack) in plan.stacks.iter().enumerate() {
        for after in &stack.after {
            if let Some(j) = plan.stacks.iter().position(|s| &s.name == after) {
                if i != j {
                    graph.update_edge(nodes[j], nodes[i], ());
                }
            }
        }
    }
    // Kahn's algorithm with a min-heap of plan indices: the earliest ready stack goes first.
    let mut indegree: Vec<usize> = nodes
        .iter()
        .map(|&n| graph.neighbors_directed(n, petgraph::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<usize>> = (0..nodes.len())
        .filter(|&i| indegree[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for next in graph.neighbors_directed(nodes[i], petgraph::Outgoing) {
            let j = graph[next];
            indegree[j] -= 1;
            if indegree[j] == 0 {
                ready.push(Reverse(j));
            }
        }
    }
    let cycle: Vec<usize> = (0..nodes.len()).filter(|i| !order.contains(i)).collect();
    let names = cycle.iter().map(|&i| plan.stacks[i].name.clone()).collect();
    order.extend(cycle);
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
