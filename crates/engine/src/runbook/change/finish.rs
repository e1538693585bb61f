//! The end of a change: labels nobody needs removed, services spread again over the nodes that
//! joined or came back, and the final checks.

use crate::analysis::{analyze, Options, ServiceMode};
use crate::diff::Change;
use crate::export::commands::label_line;
use crate::export::shell::{self, quote};
use crate::plan::Availability;
use crate::runbook::node_steps::{chain, label_inspect, label_rm};
use crate::runbook::{Effect, Expect, Phase, Step};

use super::setup::service_body;
use super::Builder;
use super::Fate;

impl<'p> Builder<'p, '_> {
    /// Labels the new plan drops, once no service needs them.
    pub(super) fn cleanup(&mut self, after: Option<String>) -> Option<String> {
        let mut steps = Vec::new();
        for fate in self.nodes.clone() {
            let Fate::Stays(_, new) = fate else { continue };
            let changes = self
                .node_changes(&new.name)
                .into_iter()
                .filter(|c| c.field.starts_with("labels."))
                .collect();
            let removed: Vec<(String, Change)> = self
                .safe_label_changes(&new.name, changes)
                .into_iter()
                .filter(|(_, c)| c.after.is_none())
                .collect();
            let Some((first, _)) = removed.first() else {
                continue;
            };
            let mut step = Step::new(
                format!("unlabel-{}", new.name),
                format!("Remove the labels {} no longer has", new.name),
                Phase::Finish,
                self.on_head(),
            )
            .verify(label_inspect(first, &new.name), Expect::Empty)
            .why("the updated stacks no longer need them");
            for (key, change) in &removed {
                step = step
                    .shell(label_rm(&new.name, key))
                    .rollback(label_line(
                        &new.name,
                        key,
                        change.before.as_deref().unwrap_or_default(),
                    ))
                    .effect(Effect::Label {
                        node: new.name.clone(),
                        key: key.clone(),
                        value: None,
                    });
            }
            steps.push(step);
        }
        chain(self.graph, steps, after)
    }

    /// `docker service update --force` for each replicated service of several tasks whose
    /// definition did not change (a stack update re-places those that did) and that a fresh
    /// deployment would put on a node that joined or came back.
    pub(super) fn rebalance(&mut self, after: Option<String>) -> Option<String> {
        let arrived = self.arrived();
        if arrived.is_empty() {
            return after;
        }
        let analysis = analyze(self.after, &Options::default());
        let mut steps = Vec::new();
        for status in analysis
            .services
            .iter()
            .filter(|s| s.mode == ServiceMode::Replicated && s.desired >= 2)
        {
            let unchanged = self.before_stack(&status.stack).is_some_and(|old| {
                let new = self.after.stacks.iter().find(|s| s.name == status.stack);
                new.is_some_and(|new| {
                    old.variables == new.variables
                        && service_body(old, &status.service).is_some()
                        && service_body(old, &status.service) == service_body(new, &status.service)
                })
            });
            let lands: Vec<&String> = status
                .nodes
                .iter()
                .filter(|n| arrived.contains(n))
                .collect();
            let name = format!("{}_{}", status.stack, status.service);
            if !unchanged || lands.is_empty() || !shell::is_safe_name(&name) {
                continue;
            }
            steps.push(
                Step::new(
                    format!("rebalance-{name}"),
                    format!("Spread {} again", status.id()),
                    Phase::Finish,
                    self.on_head(),
                )
                .shell(format!("docker service update --detach=false --force {}", quote(&name)))
                .verify(
                    format!("docker service inspect --format {} {}", quote("{{.UpdateStatus.State}}"), quote(&name)),
                    Expect::Contains("completed".into()),
                )
                .rollback("nothing to undo: the service's definition is unchanged, only its tasks moved")
                .why(format!(
                    "Swarm does not move running tasks onto nodes that join or come back; a fresh deployment would run tasks on {}: --force replaces the tasks one at a time (update_config) and spreads them",
                    lands.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                )),
            );
        }
        chain(self.graph, steps, after)
    }

    /// Nodes that joined, were activated, came back from a change, or got a label.
    fn arrived(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter_map(|f| match f {
                Fate::Joins(n) => Some(n.name.clone()),
                Fate::Stays(o, n) => {
                    let back = n.availability == Availability::Active
                        && (o.availability != Availability::Active
                            || !self.maintenance(o, n).is_empty());
                    let labelled = self
                        .node_changes(&n.name)
                        .iter()
                        .any(|c| c.field.starts_with("labels.") && c.after.is_some());
                    (back || labelled).then(|| n.name.clone())
                }
                Fate::Leaves(_) => None,
            })
            .collect()
    }

    pub(super) fn final_checks(&self) -> Vec<Step> {
        let on = self.on_head();
        vec![
            Step::new(
                "check-managers-after",
                "Check that every manager is Leader or Reachable",
                Phase::Finish,
                on.clone(),
            )
            .wait_until(
                format!(
                    "docker node ls --filter role=manager --format {}",
                    quote("{{.ManagerStatus}}")
                ),
                Expect::EveryLineIs(vec!["Leader".into(), "Reachable".into()]),
            )
            .rollback("the per-phase rollbacks above, newest first")
            .why(format!(
                "the new plan has {} manager(s)",
                self.after.managers().count()
            )),
            Step::new("verify-cluster", "Check every service", Phase::Finish, on)
                .wait_until(
                    format!("docker service ls --format {}", quote("{{.Replicas}}")),
                    Expect::AllReplicas,
                )
                .rollback("the per-phase rollbacks above, newest first"),
        ]
    }
}
