//! The order of a runbook's steps: a dependency graph (petgraph), sorted by `order::stable_order`.
//! Among steps that are ready at the same time, the one added first goes first, so that the order
//! is stable as plans grow and reads like the builder's intent.

use super::Step;
use crate::findings::{Code, Finding, Target};
use crate::order::stable_order;
use petgraph::graph::{DiGraph, NodeIndex};

/// Steps and the steps each must follow.
#[derive(Debug, Default)]
pub struct StepGraph {
    graph: DiGraph<Step, ()>,
    findings: Vec<Finding>,
}

impl StepGraph {
    pub fn new() -> Self {
        StepGraph::default()
    }

    /// Adds a step that runs after the steps named in `after` (unknown names are ignored: a
    /// builder may name a step it left out). Returns the step's id.
    pub fn add(&mut self, step: Step, after: &[String]) -> String {
        let id = step.id.clone();
        if self.index(&id).is_some() {
            self.findings.push(Finding::new(
                Code::RunbookDuplicateStep,
                Target::Plan,
                format!("two runbook steps are named `{id}`; the second is left out"),
            ));
            return id;
        }
        let before: Vec<NodeIndex> = after.iter().filter_map(|a| self.index(a)).collect();
        let node = self.graph.add_node(step);
        for b in before {
            self.graph.update_edge(b, node, ());
        }
        id
    }

    /// Makes `step` follow `before` as well (both must have been added).
    pub fn order(&mut self, before: &str, step: &str) {
        if let (Some(b), Some(s)) = (self.index(before), self.index(step)) {
            if b != s {
                self.graph.update_edge(b, s, ());
            }
        }
    }

    /// The phase of the step `id`, when it has been added.
    pub fn phase_of(&self, id: &str) -> Option<super::Phase> {
        self.index(id).map(|i| self.graph[i].phase)
    }

    pub fn contains(&self, id: &str) -> bool {
        self.index(id).is_some()
    }

    fn index(&self, id: &str) -> Option<NodeIndex> {
        self.graph.node_indices().find(|&i| self.graph[i].id == id)
    }

    /// The steps in order. Steps caught in a cycle (a builder's mistake) come last, in insertion
    /// order, with a finding.
    pub fn into_order(self) -> (Vec<Step>, Vec<Finding>) {
        let StepGraph {
            graph,
            mut findings,
        } = self;
        let (order, stuck) = stable_order(&graph);
        if stuck > 0 {
            findings.push(Finding::new(
                Code::RunbookCycle,
                Target::Plan,
                format!(
                    "runbook steps {} wait for each other; they are listed in the order they were built",
                    order[order.len() - stuck..]
                        .iter()
                        .map(|&i| graph[i].id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let (nodes, _) = graph.into_nodes_edges();
        let mut slots: Vec<Option<Step>> = nodes.into_iter().map(|n| Some(n.weight)).collect();
        let steps = order
            .into_iter()
            .filter_map(|i| slots[i.index()].take())
            .collect();
        (steps, findings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::{Phase, RunsOn};

    fn step(id: &str) -> Step {
        Step::new(id, id, Phase::Prepare, RunsOn::Workstation)
    }

    #[test]
    fn dependencies_decide_and_insertion_order_breaks_ties() {
        let mut graph = StepGraph::new();
        graph.add(step("c"), &[]);
        graph.add(step("a"), &[]);
        graph.add(step("b"), &[]);
        graph.order("b", "c");
        let (steps, findings) = graph.into_order();
        let ids: Vec<&str> = steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert!(findings.is_empty());
    }

    #[test]
    fn a_cycle_is_a_finding_not_a_panic() {
        let mut graph = StepGraph::new();
        graph.add(step("a"), &[]);
        graph.add(step("b"), &["a".to_owned()]);
        graph.order("b", "a");
        let (steps, findings) = graph.into_order();
        assert_eq!(steps.len(), 2);
        assert_eq!(findings[0].code, "runbook-cycle");
    }
}
