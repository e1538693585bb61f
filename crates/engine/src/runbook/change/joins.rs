//! New nodes: their firewalls opened first, then the managers join (or workers are promoted)
//! one at a time, each reachable before the next, so that the majority only grows; then the
//! workers join.

use crate::analysis::{analyze, Options};
use crate::export::firewall::{node_script, port_matrix};
use crate::export::shell::quote;
use crate::plan::{Node, Role};
use crate::runbook::install::{firewall_step, join_step};
use crate::runbook::node_steps::{self as node, inspect};
use crate::runbook::{Effect, Expect, Phase, Step};

use super::Builder;
use super::Fate;

impl<'p> Builder<'p, '_> {
    /// The firewall of every new node, and of every node whose openings change (a new node's
    /// address, a published port): before anyone joins.
    pub(super) fn firewalls(&mut self, checked: &str) -> Vec<String> {
        let old_matrix = port_matrix(
            self.before,
            &analyze(self.before, &Options::default()).placement,
        );
        let new_matrix = port_matrix(
            self.after,
            &analyze(self.after, &Options::default()).placement,
        );
        let mut ids = Vec::new();
        for fate in self.nodes.clone() {
            let new = match fate {
                Fate::Joins(n) => n,
                Fate::Stays(o, n)
                    if node_script(self.before, &old_matrix, o)
                        != node_script(self.after, &new_matrix, n) =>
                {
                    n
                }
                _ => continue,
            };
            let step = firewall_step(self.after, new).why(match fate {
                Fate::Joins(_) => "Swarm's own ports must be open before the node joins, or the join times out",
                _ => "the node's openings change with the new plan (new nodes' addresses, published ports): the new plan's script opens them before anything joins",
            });
            ids.push(self.graph.add(step, &[checked.to_owned()]));
        }
        ids
    }

    /// Managers arrive one at a time (joins, then promotions), then new workers join. Returns
    /// the last step.
    pub(super) fn joins(&mut self, checked: &str, firewalls: &[String]) -> String {
        let mut deps = vec![checked.to_owned()];
        deps.extend(firewalls.iter().cloned());
        let mut last: Option<String> = None;
        let joins_manager = |f: &Fate| matches!(f, Fate::Joins(n) if n.role == Role::Manager);
        let promoted = |f: &Fate| matches!(f, Fate::Stays(o, n) if o.role == Role::Worker && n.role == Role::Manager);
        let joins_worker = |f: &Fate| matches!(f, Fate::Joins(n) if n.role == Role::Worker);
        let order: Vec<Fate<'p>> = self
            .nodes
            .iter()
            .filter(|f| joins_manager(f))
            .chain(self.nodes.iter().filter(|f| promoted(f)))
            .chain(self.nodes.iter().filter(|f| joins_worker(f)))
            .copied()
            .collect();
        for fate in order {
            let steps = match fate {
                Fate::Joins(n) => self.join(n),
                Fate::Stays(_, n) => vec![self.promote(n)],
                Fate::Leaves(_) => continue,
            };
            for step in steps {
                let after = match &last {
                    Some(l) => vec![l.clone()],
                    None => deps.clone(),
                };
                last = Some(self.graph.add(step, &after));
            }
        }
        last.unwrap_or_else(|| checked.to_owned())
    }

    pub(super) fn join(&self, new: &Node) -> Vec<Step> {
        let mut steps = vec![join_step(new, self.lead).effect(Effect::Join(new.name.clone()))];
        if new.role == Role::Manager {
            steps[0].why = Some(format!(
                "{}; a new manager joins before any old one goes, so that the majority only grows",
                steps[0].why.clone().unwrap_or_default()
            ));
            steps.push(self.reachable(new));
        }
        steps.extend(node::balancer(self.after, new, false, Phase::Swarm));
        steps
    }

    /// Waits until a new manager is a reachable member of the Raft group.
    pub(super) fn reachable(&self, new: &Node) -> Step {
        Step::new(
            format!("reachable-{}", new.name),
            format!("Check that {} is a reachable manager", new.name),
            Phase::Swarm,
            self.on_lead(),
        )
        .wait_until(
            inspect("{{.ManagerStatus.Reachability}}", &new.name),
            Expect::Contains("reachable".into()),
        )
        .rollback(format!(
            "docker node demote {}, then remove it",
            quote(&new.name)
        ))
    }

    pub(super) fn promote(&self, new: &Node) -> Step {
        Step::new(
            format!("promote-{}", new.name),
            format!("Promote {} to manager", new.name),
            Phase::Swarm,
            self.on_lead(),
        )
        .shell(format!("docker node promote {}", quote(&new.name)))
        .wait_until(
            inspect("{{.ManagerStatus.Reachability}}", &new.name),
            Expect::Contains("reachable".into()),
        )
        .rollback(format!("docker node demote {}", quote(&new.name)))
        .why("managers are added before any is demoted or removed, so that the majority only grows; the node needs 2377/tcp open from every node")
        .effect(Effect::Promote(new.name.clone()))
    }
}
