//! The steps every node goes through in an upgrade or an update, shared by the rolling and the
//! active/passive runbooks: out of the balancer, drain, wait, upgrade, activate, verify, back
//! into the balancer. Each builder returns one step; the caller chains them in the graph.

use super::graph::StepGraph;
use super::{vendor, Effect, Expect, Phase, RunsOn, Stage, Step};
use crate::export::shell::{self, quote};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Node, Plan, Role};

/// The nodes whose names can go into a shell command; the others are findings.
pub fn safe_nodes<'p>(plan: &'p Plan, findings: &mut Vec<Finding>) -> Vec<&'p Node> {
    plan.nodes
        .iter()
        .filter(|n| {
            let ok = shell::is_safe_name(&n.name);
            if !ok {
                super::push_unique(
                    findings,
                    Finding::new(
                        Code::RunbookUnsafeName,
                        Target::Node(n.name.clone()),
                        format!("node name {:?} cannot go into a shell command; the runbooks leave the node out", n.name),
                    )
                    .hint("use letters, digits, '-', '_' and '.', starting with a letter or digit"),
                );
            }
            ok
        })
        .collect()
}

/// The manager assumed to lead the Raft group: the one the plan marks as leader, otherwise the
/// first manager (where `docker swarm init` ran).
pub fn leader<'p>(nodes: &[&'p Node]) -> Option<&'p Node> {
    nodes
        .iter()
        .find(|n| n.role == Role::Manager && n.leader)
        .or_else(|| nodes.iter().find(|n| n.role == Role::Manager))
        .copied()
}

/// The manager that runs cluster commands about `node`: the leader, or when `node` is the
/// leader, another manager (from `managers`, the managers of the moment) if there is one.
pub fn control(managers: &[String], leader: &str, node: &str) -> RunsOn {
    let name = if leader != node {
        Some(leader)
    } else {
        managers
            .iter()
            .map(String::as_str)
            .find(|m| *m != node)
            .or(Some(node))
    };
    RunsOn::Node(name.unwrap_or(node).to_owned())
}

/// `docker node inspect --format FORMAT NODE`, both quoted.
pub(super) fn inspect(format: &str, node: &str) -> String {
    format!(
        "docker node inspect --format {} {}",
        quote(format),
        quote(node)
    )
}

/// Prints the value of one label of a node.
pub(super) fn label_inspect(key: &str, node: &str) -> String {
    inspect(&format!("{{{{index .Spec.Labels \"{key}\"}}}}"), node)
}

/// Removes one label from a node: the rollback of adding it.
pub(super) fn label_rm(node: &str, key: &str) -> String {
    format!(
        "docker node update --label-rm {} {}",
        quote(key),
        quote(node)
    )
}

fn availability(node: &str, to: &str) -> String {
    format!("docker node update --availability {to} {}", quote(node))
}

pub fn drain(node: &str, on: RunsOn, phase: Phase) -> Step {
    Step::new(
        format!("drain-{node}"),
        format!("Drain {node}"),
        phase,
        on,
    )
    .about(node, Stage::Drain)
    .shell(availability(node, "drain"))
    .verify(inspect("{{.Spec.Availability}}", node), Expect::Contains("drain".into()))
    .rollback(availability(node, "active"))
    .why("Swarm stops the node's tasks and starts them on other nodes; nothing new is scheduled on it")
    .effect(Effect::Drain(node.to_owned()))
}

pub fn wait_empty(node: &str, on: RunsOn, phase: Phase) -> Step {
    Step::new(
        format!("wait-{node}"),
        format!("Wait until {node}'s tasks run elsewhere"),
        phase,
        on,
    )
    .about(node, Stage::Drain)
    .wait_until(
        format!(
            "docker node ps {} --filter desired-state=running --format {}",
            quote(node),
            quote("{{.Name}}")
        ),
        Expect::Empty,
    )
    .rollback(availability(node, "active"))
}

/// Upgrades the node itself, on the node, one step per phase of the vendor's upgrade
/// (`upgrade.phases`), or one step with `upgrade.node_commands`, or one done by hand. The
/// vendor's lines have their placeholders filled for this node and `manager`, the manager that
/// runs the runbook's swarm commands meanwhile.
pub fn upgrade(plan: &Plan, node: &Node, role: Role, manager: &Node, phase: Phase) -> Vec<Step> {
    let phases = vendor::node_phases(plan, node, role);
    let vendor_phases = plan.upgrade.as_ref().is_some_and(|u| !u.phases.is_empty());
    let fill = vendor::Fill {
        node: Some(node),
        manager,
    };
    let rollback: Vec<String> = plan
        .upgrade
        .as_ref()
        .map(|u| u.rollback.iter().map(|line| fill.readable(line)).collect())
        .unwrap_or_default();
    let count = phases.len();
    phases
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let (id, title, stage) = if vendor_phases {
                (
                    format!("{}-{}", vendor::phase_id(&p.name), node.name),
                    format!("{} {}, the vendor's way", p.name, node.name),
                    Stage::Vendor(p.name.clone()),
                )
            } else {
                (
                    format!("upgrade-{}", node.name),
                    format!("Upgrade {}", node.name),
                    Stage::Upgrade,
                )
            };
            let mut step = Step::new(id, title, phase, RunsOn::Node(node.name.clone()))
                .about(&node.name, stage)
                .commands(fill.commands(&p.lines));
            for text in p.manual {
                step = step.manual(text);
            }
            if rollback.is_empty() {
                step = step.rollback(format!(
                    "restore the snapshot of {} taken before the upgrade",
                    node.name
                ));
            } else {
                step = step.rollback(rollback.join("; "));
            }
            if p.engine_down {
                step = step.effect(Effect::Down(node.name.clone()));
                if node.role == Role::Manager {
                    step = step.why(
                        "a manager is down while it is upgraded: the others must still form a majority",
                    );
                }
            }
            // The node is back in the swarm once its last phase is done.
            if i + 1 == count {
                step = step.wait_until(
                    format!(
                        "docker info --format {}",
                        quote("{{.Swarm.LocalNodeState}}")
                    ),
                    Expect::Contains("active".into()),
                );
            }
            step
        })
        .collect()
}

pub fn activate(node: &Node, on: RunsOn, phase: Phase) -> Step {
    Step::new(
        format!("activate-{}", node.name),
        format!("Activate {}", node.name),
        phase,
        on,
    )
    .about(&node.name, Stage::Activate)
    .shell(availability(&node.name, "active"))
    .verify(
        inspect("{{.Spec.Availability}}", &node.name),
        Expect::Contains("active".into()),
    )
    .rollback(availability(&node.name, "drain"))
    .why("Swarm does not move running tasks back by itself: the node takes new and rescheduled tasks")
    .effect(Effect::Up(node.name.clone()))
    .effect(Effect::Activate(node.name.clone()))
}

/// Checks the node is back: ready, and for a manager, reachable in the Raft group.
pub fn verify(node: &Node, role: Role, on: RunsOn, phase: Phase) -> Step {
    let (format, expect) = match role {
        Role::Manager => (
            "{{.Status.State}} {{.ManagerStatus.Reachability}}",
            "ready reachable",
        ),
        Role::Worker => ("{{.Status.State}}", "ready"),
    };
    Step::new(
        format!("verify-{}", node.name),
        format!("Verify {} is back", node.name),
        phase,
        on,
    )
    .about(&node.name, Stage::Verify)
    .wait_until(inspect(format, &node.name), Expect::Contains(expect.into()))
    .rollback(availability(&node.name, "drain"))
}

/// Takes the node out of (or back into) every balancer that has it as a backend.
pub fn balancer(plan: &Plan, node: &Node, out: bool, phase: Phase) -> Vec<Step> {
    plan.load_balancers
        .iter()
        .filter(|lb| lb.backends.iter().any(|b| b == &node.name))
        .map(|lb| {
            // The rollback is the opposite command, where the plan gives it.
            let (verb, stage, template, opposite, undo) = if out {
                (
                    "out of",
                    Stage::BalancerOut,
                    &lb.disable,
                    &lb.enable,
                    format!("put {} back into balancer {}", node.name, lb.name),
                )
            } else {
                (
                    "back into",
                    Stage::BalancerIn,
                    &lb.enable,
                    &lb.disable,
                    format!("take {} out of balancer {} again", node.name, lb.name),
                )
            };
            let safe_lb = lb
                .name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>();
            let mut step = Step::new(
                format!(
                    "lb-{}-{}-{}",
                    if out { "out" } else { "in" },
                    safe_lb,
                    node.name
                ),
                format!("Take {} {verb} balancer {}", node.name, lb.name),
                phase,
                RunsOn::Workstation,
            )
            .about(&node.name, stage)
            .rollback(match opposite {
                Some(line) => format!("{undo}: `{}`", fill(line, node)),
                None => undo,
            });
            step = match template {
                Some(line) => step.user_shell(fill(line, node)),
                None => step.manual(format!(
                    "Take {} {verb} balancer {}{} (backend port {})",
                    node.name,
                    lb.name,
                    lb.kind
                        .as_ref()
                        .map(|k| format!(" ({k})"))
                        .unwrap_or_default(),
                    lb.port
                        .map_or("of the service".to_owned(), |p| p.to_string()),
                )),
            };
            if out {
                step = step.why("no new request reaches the node while it is drained and upgraded");
            }
            step
        })
        .collect()
}

/// `{node}` and `{ip}` in a balancer command.
fn fill(template: &str, node: &Node) -> String {
    template.replace("{node}", &node.name).replace(
        "{ip}",
        &node.ip.map(|ip| ip.to_string()).unwrap_or_default(),
    )
}

/// Adds steps one after the other, each after the previous (and the first after `after`).
/// Returns the id of the last step added, or `after` when none was.
pub fn chain(graph: &mut StepGraph, steps: Vec<Step>, after: Option<String>) -> Option<String> {
    let mut last = after;
    for step in steps {
        let deps: Vec<String> = last.iter().cloned().collect();
        last = Some(graph.add(step, &deps));
    }
    last
}
