//! Whether a real placement agrees with the analysis, where Swarm's dice leave it a choice: a
//! task on any node of its tie counts, and so does any node the sampled draws put it on. What
//! the rehearsal lab (`swarmplan lab check`) asks of the engine.

use super::Analysis;
use crate::placement::Ties;
use crate::plan::ServiceId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One task seen running on a real swarm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub stack: String,
    pub service: String,
    pub node: String,
}

/// How one service's real tasks compare with the analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// `stack/service`.
    pub service: String,
    /// Every task the analysis places has a real task on one of its nodes, and no real task is
    /// left over.
    pub agrees: bool,
    /// The nodes of real tasks that no task of the analysis could have run on.
    pub unexpected: Vec<String>,
    /// Tasks the analysis places that no real task stands for.
    pub missing: usize,
}

/// The nodes each task of the analysis could run on: its own node and its ties.
pub fn candidates(analysis: &Analysis) -> Vec<BTreeSet<String>> {
    analysis
        .placement
        .iter()
        .map(|task| {
            let mut nodes: BTreeSet<String> = BTreeSet::from([task.node.clone()]);
            match &task.ties {
                Some(Ties::Nodes(others)) => nodes.extend(others.iter().cloned()),
                Some(Ties::Many { among, .. }) => {
                    nodes.extend(analysis.candidates[*among].iter().cloned())
                }
                None => {}
            }
            nodes
        })
        .collect()
}

/// Compares a real placement with the analysis, service by service: the real tasks of a
/// service agree when each can stand for a different task of the analysis whose node or ties
/// hold its node (a matching, found by augmenting paths).
pub fn judge(analysis: &Analysis, observed: &[Observed]) -> Vec<Verdict> {
    let sets = candidates(analysis);
    let mut expected: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for status in &analysis.services {
        expected.entry(status.id()).or_default();
    }
    for (i, task) in analysis.placement.iter().enumerate() {
        expected
            .entry(ServiceId::new(&task.stack, &task.service).to_string())
            .or_default()
            .push(i);
    }
    let mut seen: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for task in observed {
        seen.entry(ServiceId::new(&task.stack, &task.service).to_string())
            .or_default()
            .push(&task.node);
    }
    let mut ids: Vec<&String> = expected.keys().chain(seen.keys()).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let tasks = expected.get(id).map(Vec::as_slice).unwrap_or_default();
            let real = seen.get(id).map(Vec::as_slice).unwrap_or_default();
            // For each real task, the analysis task it stands for.
            let mut stands_for: Vec<Option<usize>> = vec![None; real.len()];
            let mut taken_by: Vec<Option<usize>> = vec![None; tasks.len()];
            for r in 0..real.len() {
                let mut visited = vec![false; tasks.len()];
                augment(
                    r,
                    real,
                    tasks,
                    &sets,
                    &mut visited,
                    &mut stands_for,
                    &mut taken_by,
                );
            }
            let unexpected: Vec<String> = real
                .iter()
                .zip(&stands_for)
                .filter(|(_, t)| t.is_none())
                .map(|(node, _)| (*node).to_owned())
                .collect();
            let missing = taken_by.iter().filter(|t| t.is_none()).count();
            Verdict {
                service: id.clone(),
                agrees: unexpected.is_empty() && missing == 0,
                unexpected,
                missing,
            }
        })
        .collect()
}

/// Kuhn's augmenting path from real task `r`.
fn augment(
    r: usize,
    real: &[&str],
    tasks: &[usize],
    sets: &[BTreeSet<String>],
    visited: &mut [bool],
    stands_for: &mut [Option<usize>],
    taken_by: &mut [Option<usize>],
) -> bool {
    for (t, &task) in tasks.iter().enumerate() {
        if visited[t] || !sets[task].contains(real[r]) {
            continue;
        }
        visited[t] = true;
        let free = match taken_by[t] {
            None => true,
            Some(other) => augment(other, real, tasks, sets, visited, stands_for, taken_by),
        };
        if free {
            taken_by[t] = Some(r);
            stands_for[r] = Some(t);
            return true;
        }
    }
    false
}
