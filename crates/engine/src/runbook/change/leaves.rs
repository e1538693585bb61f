//! Nodes that change or leave, one at a time: workers first, then managers, demoted one at a
//! time with the leader last and from another manager; a move or resize is a manual step between
//! drain and activate.

use crate::export::shell::quote;
use crate::plan::{Availability, Node, Role};
use crate::runbook::node_steps::{self as node, chain, inspect};
use crate::runbook::{Effect, Expect, Phase, RunsOn, Step};

use super::Builder;
use super::{phase_of, Fate};

impl<'p> Builder<'p, '_> {
    /// Nodes that change availability, are moved or resized, or leave: one at a time, drained
    /// until their tasks run elsewhere. Managers that go are left to [`Self::managers_out`].
    pub(super) fn workers(&mut self, after: String) -> Option<String> {
        let mut last = Some(after);
        for fate in self.nodes.clone() {
            let steps = match fate {
                Fate::Leaves(o) if o.role == Role::Worker => self.leave(o),
                Fate::Stays(o, n) if o.role == Role::Worker => self.rework(o, n),
                Fate::Joins(n) => self.availability(Availability::Active, n),
                _ => continue,
            };
            last = chain(self.graph, steps, last);
        }
        last
    }

    /// Managers that are moved or resized, then those that go (demoted, or removed), the
    /// leader last.
    pub(super) fn managers_out(&mut self, after: Option<String>) -> Option<String> {
        let mut last = after;
        let track: Vec<Fate<'p>> = self
            .nodes
            .iter()
            .filter(|f| matches!(f, Fate::Stays(o, n) if o.role == Role::Manager && n.role == Role::Manager))
            .copied()
            .collect();
        for fate in &track {
            if let Fate::Stays(o, n) = fate {
                let steps = self.rework(o, n);
                last = chain(self.graph, steps, last);
            }
        }
        let mut going: Vec<Fate<'p>> = self
            .nodes
            .iter()
            .filter(|f| match f {
                Fate::Leaves(o) => o.role == Role::Manager,
                Fate::Stays(o, n) => o.role == Role::Manager && n.role == Role::Worker,
                Fate::Joins(_) => false,
            })
            .copied()
            .collect();
        // The leader last.
        going.sort_by_key(|f| match f {
            Fate::Leaves(o) | Fate::Stays(o, _) => o.name == self.lead.name,
            Fate::Joins(_) => false,
        });
        for fate in going {
            let steps = match fate {
                Fate::Leaves(o) => self.leave(o),
                Fate::Stays(o, n) => {
                    let mut steps = self.demote(o);
                    steps.extend(self.rework(o, n));
                    steps
                }
                Fate::Joins(_) => continue,
            };
            last = chain(self.graph, steps, last);
        }
        last
    }

    /// A staying node's availability change, and its move or resize.
    fn rework(&self, old: &Node, new: &Node) -> Vec<Step> {
        let reasons = self.maintenance(old, new);
        if reasons.is_empty() {
            return self.availability(old.availability, new);
        }
        self.maintain(old, new, &reasons)
    }

    /// What has to be done to the VM by hand: a move to another server, a new size, platform,
    /// address or engine labels.
    pub(super) fn maintenance(&self, old: &Node, new: &Node) -> Vec<String> {
        let mut reasons = Vec::new();
        if old.host_name() != new.host_name() {
            reasons.push(format!(
                "move the VM from server {} to server {}",
                old.host_name(),
                new.host_name()
            ));
        }
        for change in self.node_changes(&new.name) {
            let field = change.field.as_str();
            let is_maintenance = matches!(field, "cpus" | "memory" | "os" | "arch" | "ip")
                || field.starts_with("engine_labels.");
            if is_maintenance {
                reasons.push(format!(
                    "set {field} from {} to {}",
                    change.before.as_deref().unwrap_or("(none)"),
                    change.after.as_deref().unwrap_or("(none)")
                ));
            }
        }
        reasons
    }

    /// Drain, wait, change the VM by hand, bring it back, verify.
    fn maintain(&self, old: &Node, new: &Node, reasons: &[String]) -> Vec<Step> {
        let on = self.control(&new.name);
        let phase = phase_of(old);
        let mut steps = node::balancer(self.before, old, true, phase);
        steps.push(node::drain(&new.name, on.clone(), phase));
        steps.push(node::wait_empty(&new.name, on.clone(), phase));
        steps.push(
            Step::new(
                format!("maintain-{}", new.name),
                format!("Change the VM {}", new.name),
                phase,
                RunsOn::Workstation,
            )
            .about(&new.name, crate::runbook::Stage::Upgrade)
            .manual(format!(
                "On the virtualisation platform, {}: {}; then start it and let it rejoin the swarm",
                new.name,
                reasons.join("; ")
            ))
            .rollback(format!(
                "restore the snapshot of {} taken before the change",
                new.name
            ))
            .why(if new.role == Role::Manager {
                "a manager is down while its VM changes: the others must still form a majority"
            } else {
                "the node is drained: its tasks run elsewhere while the VM changes"
            })
            .effect(Effect::Down(new.name.clone()))
            .effect(Effect::Adopt(new.name.clone())),
        );
        let mut verify =
            node::verify(new, new.role, on.clone(), phase).effect(Effect::Up(new.name.clone()));
        match new.availability {
            Availability::Active => steps.push(node::activate(new, on, phase)),
            Availability::Pause => verify = verify.effect(Effect::Pause(new.name.clone())),
            Availability::Drain => {}
        }
        steps.push(verify);
        steps.extend(node::balancer(self.after, new, false, phase));
        steps
    }

    /// Pause or drain (and wait until the tasks run elsewhere) when the new plan says so.
    pub(super) fn availability(&self, from: Availability, new: &Node) -> Vec<Step> {
        if from == new.availability {
            return Vec::new();
        }
        let on = self.control(&new.name);
        let phase = phase_of(new);
        match new.availability {
            Availability::Drain => vec![
                node::drain(&new.name, on.clone(), phase),
                node::wait_empty(&new.name, on.clone(), phase),
                elsewhere(&new.name, on, phase),
            ],
            Availability::Pause => vec![Step::new(
                format!("pause-{}", new.name),
                format!("Pause {}", new.name),
                phase,
                on,
            )
            .shell(format!(
                "docker node update --availability pause {}",
                quote(&new.name)
            ))
            .verify(
                inspect("{{.Spec.Availability}}", &new.name),
                Expect::Contains("pause".into()),
            )
            .rollback(format!(
                "docker node update --availability active {}",
                quote(&new.name)
            ))
            .why("the new plan pauses the node: its tasks keep running, no new one is scheduled there")
            .effect(Effect::Pause(new.name.clone()))],
            // Activations come before the stacks ([`Self::before_stacks`]).
            Availability::Active => Vec::new(),
        }
    }

    /// A node that leaves: out of the balancers, drained, its tasks elsewhere, demoted if it
    /// is a manager, out of the swarm, off the node list.
    pub(super) fn leave(&self, old: &Node) -> Vec<Step> {
        let on = self.control(&old.name);
        let phase = phase_of(old);
        let mut steps = node::balancer(self.before, old, true, phase);
        steps.push(node::drain(&old.name, on.clone(), phase));
        steps.push(node::wait_empty(&old.name, on.clone(), phase));
        steps.push(elsewhere(&old.name, on.clone(), phase));
        if old.role == Role::Manager {
            steps.extend(self.demote(old));
        }
        steps.push(
            Step::new(
                format!("leave-{}", old.name),
                format!("{} leaves the swarm", old.name),
                phase,
                RunsOn::Node(old.name.clone()),
            )
            .shell("docker swarm leave")
            .verify(
                format!(
                    "docker info --format {}",
                    quote("{{.Swarm.LocalNodeState}}")
                ),
                Expect::Contains("inactive".into()),
            )
            .rollback(format!(
                "join it again: docker swarm join --token <WORKER-TOKEN> on {}",
                old.name
            ))
            .why("the node runs no task any more; a worker leaves cleanly, then a manager removes it from the node list")
            .effect(Effect::Leave(old.name.clone())),
        );
        steps.push(
            Step::new(
                format!("down-{}", old.name),
                format!("Wait until the swarm sees {} down", old.name),
                phase,
                on.clone(),
            )
            .wait_until(
                inspect("{{.Status.State}}", &old.name),
                Expect::Contains("down".into()),
            )
            .rollback(format!("join {} again", old.name)),
        );
        steps.push(
            Step::new(
                format!("remove-{}", old.name),
                format!("Remove {} from the node list", old.name),
                phase,
                on,
            )
            .shell(format!("docker node rm {}", quote(&old.name)))
            .verify(
                inspect("{{.ID}}", &old.name),
                Expect::Contains("No such node".into()),
            )
            .rollback(format!(
                "join {} again (docker swarm join with a fresh token)",
                old.name
            )),
        );
        steps
    }

    /// `docker node demote`, from another manager when the node leads; then, for the leader,
    /// the check that another manager leads.
    pub(super) fn demote(&self, old: &Node) -> Vec<Step> {
        let is_leader = old.name == self.lead.name;
        let why = if is_leader {
            format!(
                "{} leads the Raft group: it is demoted last, from another manager, once every new manager is reachable, so that leadership moves once",
                old.name
            )
        } else {
            "new managers joined first: the managers that stay keep the majority".to_owned()
        };
        let demote = Step::new(
            format!("demote-{}", old.name),
            format!("Demote {}", old.name),
            phase_of(old),
            self.control(&old.name),
        )
        .shell(format!("docker node demote {}", quote(&old.name)))
        .verify(
            inspect("{{.Spec.Role}}", &old.name),
            Expect::Contains("worker".into()),
        )
        .rollback(format!("docker node promote {}", quote(&old.name)))
        .why(why)
        .effect(Effect::Demote(old.name.clone()));
        if !is_leader {
            return vec![demote];
        }
        let new_leader = Step::new(
            "check-new-leader",
            format!("Check that a manager other than {} leads", old.name),
            phase_of(old),
            self.on_head(),
        )
        .wait_until(
            format!(
                "docker node ls --filter role=manager --format {}",
                quote("{{.ManagerStatus}}")
            ),
            Expect::Contains("Leader".into()),
        )
        .rollback(format!(
            "docker node promote {}; the managers elect a leader among themselves",
            quote(&old.name)
        ))
        .why("the remaining managers elect a new leader within seconds; nothing else changes until they have");
        vec![demote, new_leader]
    }
}

/// After a drain: every service runs all its replicas again, on other nodes.
pub(super) fn elsewhere(node: &str, on: RunsOn, phase: Phase) -> Step {
    Step::new(
        format!("elsewhere-{node}"),
        format!("Check that {node}'s tasks run elsewhere"),
        phase,
        on,
    )
    .wait_until(
        format!("docker service ls --format {}", quote("{{.Replicas}}")),
        Expect::AllReplicas,
    )
    .rollback(format!(
        "docker node update --availability active {}",
        quote(node)
    ))
    .why("the node goes only once every service runs all its replicas on the other nodes")
}
