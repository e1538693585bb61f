//! Every outcome of a small cluster. While the scheduler's node map fits in one group of eight
//! slots, each `range` over it (and over a spread level) is one of at most eight rotations,
//! each with a known weight: the engine replays Swarm's scheduler (`replay.rs`) on every
//! combination, adds up the probability of each outcome, and places the most probable.

use super::cluster::Cluster;
use super::dice::{map_order, Dice, Scripted};
use super::replay::Replay;
use super::ties::{Most, Tie};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The most combinations walked for one service; beyond, the outcomes walked so far count.
/// Fewer for a service with many tasks: at most [`crate::limits::EXACT_STEPS`] task placements.
const PATHS: usize = crate::limits::EXACT_PATHS as usize;

/// One outcome of a service: its tasks per node (ascending node), how likely it is, and the
/// choices of its first path, to replay it.
#[derive(Debug)]
struct Outcome {
    tasks: Vec<(u32, u32)>,
    probability: f64,
    script: Vec<usize>,
}

impl Cluster<'_> {
    /// Replays Swarm's scheduler for the queued tasks of one service, meeting the nodes in
    /// the node map's order under `dice`.
    pub(super) fn replay(
        &mut self,
        spec_index: usize,
        tasks: &[u32],
        counts: &mut [u32],
        holders: &mut Vec<usize>,
        queue: &mut VecDeque<u64>,
        dice: &mut dyn Dice,
    ) {
        let specs = self.specs;
        let spec = &specs[spec_index];
        let join = self.join.clone();
        let order = map_order(dice, &join);
        Replay {
            cluster: self,
            spec,
            spec_index,
            shape: &spec.shape,
            tasks,
            counts,
            holders,
            queue,
            dice,
        }
        .run(&order);
    }

    /// Places the queued tasks of a service as its most probable outcome.
    pub(super) fn place_exactly(
        &mut self,
        spec_index: usize,
        tasks: &[u32],
        counts: &mut [u32],
        holders: &mut Vec<usize>,
        queue: &mut VecDeque<u64>,
    ) {
        let first = self.placed.len();
        let holders_before = holders.len();
        let start = queue.clone();
        let mut outcomes: Vec<Outcome> = Vec::new();
        let mut path = Some(Scripted::new());
        let mut walked = 0;
        let paths = (crate::limits::EXACT_STEPS as usize / start.len().max(1)).clamp(1, PATHS);
        while let Some(mut dice) = path {
            let mut trial = start.clone();
            self.replay(spec_index, tasks, counts, holders, &mut trial, &mut dice);
            let got = self.tasks_since(first);
            match outcomes.iter_mut().find(|o| o.tasks == got) {
                Some(outcome) => outcome.probability += dice.probability,
                None => outcomes.push(Outcome {
                    tasks: got,
                    probability: dice.probability,
                    script: dice.script(),
                }),
            }
            while self.placed.len() > first {
                self.unassign_last(counts);
            }
            holders.truncate(holders_before);
            walked += 1;
            path = if walked == paths || dice.unenumerable {
                None
            } else {
                dice.next()
            };
        }
        // The first path walked starts every rotation at join order: it wins among equals.
        let mut best = 0;
        for (i, outcome) in outcomes.iter().enumerate() {
            if outcome.probability > outcomes[best].probability {
                best = i;
            }
        }
        let mut dice = Scripted::replaying(outcomes[best].script.clone());
        self.replay(spec_index, tasks, counts, holders, queue, &mut dice);
        if self.record {
            self.settle_outcomes(spec_index, first, &outcomes, best);
        }
    }

    /// A service's tasks placed since `first`, per node.
    fn tasks_since(&self, first: usize) -> Vec<(u32, u32)> {
        let mut per_node: BTreeMap<u32, u32> = BTreeMap::new();
        for task in &self.placed[first..] {
            *per_node.entry(task.node as u32).or_default() += 1;
        }
        per_node.into_iter().collect()
    }

    /// Ties and exposures from every outcome: the `j`-th task on node X ties with the nodes
    /// that hold more tasks than the placed outcome in any outcome with fewer than `j` on X.
    fn settle_outcomes(
        &mut self,
        spec_index: usize,
        first: usize,
        outcomes: &[Outcome],
        best: usize,
    ) {
        let chosen: BTreeMap<u32, u32> = outcomes[best].tasks.iter().copied().collect();
        let count = |tasks: &[(u32, u32)], node: u32| {
            tasks
                .iter()
                .find(|&&(n, _)| n == node)
                .map_or(0, |&(_, c)| c)
        };
        let mut copies: BTreeMap<u32, u32> = BTreeMap::new();
        self.ties.resize(self.placed.len(), None);
        for index in first..self.placed.len() {
            let node = self.placed[index].node as u32;
            let copy = copies.entry(node).or_default();
            *copy += 1;
            let mut others: BTreeSet<u32> = BTreeSet::new();
            for outcome in outcomes {
                if count(&outcome.tasks, node) < *copy {
                    others.extend(
                        outcome
                            .tasks
                            .iter()
                            .filter(|&&(n, c)| c > chosen.get(&n).copied().unwrap_or(0))
                            .map(|&(n, _)| n),
                    );
                }
            }
            let mut others: Vec<u32> = others.into_iter().collect();
            others.sort_by_key(|&n| self.rank[n as usize]);
            self.ties[index] = Some(Tie::Listed(others));
        }
        let mut most = Most::new(&self.domains);
        for outcome in outcomes {
            most.outcome(&self.domains, &outcome.tasks);
        }
        let running = (self.placed.len() - first) as u32;
        let exposures = most.exposures(&self.domains, running);
        if !exposures.is_empty() {
            self.exposures.insert(spec_index, exposures);
        }
    }
}
