//! The active/passive update of seed 003 (Skudonet): snapshots, freeze the replication on the
//! primary, update the standby first, fail over by putting the primary in maintenance (Swarm's
//! drain), update the former primary, bring it back, roll the new image tags, optionally fail
//! back (the standby in maintenance for a moment), then undo the freeze.

use super::graph::StepGraph;
use super::node_steps::{self as node, chain, control, inspect, safe_nodes};
use super::simulate::State;
use super::upgrade::node_chain;
use super::{Effect, Expect, Phase, RunsOn, Step};
use crate::export::shell::quote;
use crate::findings::{Code, Finding, Target};
use crate::plan::{ActivePassive, Node, Plan, UpgradeStrategy};

pub fn steps(plan: &Plan) -> (StepGraph, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut graph = StepGraph::new();
    let settings = plan
        .upgrade
        .as_ref()
        .and_then(|u| u.active_passive.clone())
        .unwrap_or_default();
    if plan.upgrade.as_ref().map(|u| u.strategy) != Some(UpgradeStrategy::ActivePassive) {
        findings.push(Finding::new(Code::RunbookStrategy, Target::Plan, "the plan's upgrade strategy is not active-passive: this runbook treats its first node as the active one").hint("set `upgrade: { strategy: active-passive }`, or use the upgrade runbook"));
    }
    let nodes = safe_nodes(plan, &mut findings);
    let Some(primary) = primary_node(&nodes, &settings, &mut findings) else {
        findings.push(Finding::new(
            Code::RunbookNoPair,
            Target::Plan,
            "an active/passive update needs two nodes",
        ));
        return (graph, findings);
    };
    let standbys: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.name != primary.name)
        .copied()
        .collect();
    let Some(standby) = standbys.first().copied() else {
        findings.push(
            Finding::new(
                Code::RunbookNoPair,
                Target::Plan,
                "an active/passive update needs a standby node besides the primary",
            )
            .hint("add a second node on another host"),
        );
        return (graph, findings);
    };
    let managers: Vec<String> = plan.managers().map(|m| m.name.clone()).collect();
    let lead = super::node_steps::leader(&nodes).map_or(primary.name.clone(), |l| l.name.clone());
    let on_primary = RunsOn::Node(primary.name.clone());

    let mut opening = vec![Step::new(
        "prerequisites",
        "Prerequisites",
        Phase::Prepare,
        RunsOn::Workstation,
    )
    .manual(format!(
        "Take a snapshot of {} and {}",
        primary.name,
        standbys
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .rollback("nothing has changed yet")
    .why("the snapshots are the way back if an update fails")];
    if !settings.freeze.is_empty() {
        let mut freeze = Step::new(
            format!("freeze-{}", primary.name),
            format!("Freeze configuration sync on {}", primary.name),
            Phase::Prepare,
            on_primary.clone(),
        )
        .rollback("run the unfreeze commands of the plan")
        .why("the primary must not replicate half-updated configuration to the standby");
        for line in &settings.freeze {
            freeze = freeze.user_shell(line.clone());
        }
        opening.push(freeze);
    }
    let mut last = chain(&mut graph, opening, None);

    let state = State::new(plan);
    for standby in &standbys {
        let role = standby.role;
        let on = control(&managers, &lead, &standby.name);
        let steps = node_chain(
            plan,
            &state,
            standby,
            role,
            on,
            Phase::Standby,
            &mut findings,
        );
        last = chain(&mut graph, steps, last);
    }
    let on_failover = control(&managers, &lead, &primary.name);
    let mut middle = vec![
        maintenance(primary, standby, true, on_failover.clone(), Phase::Failover)
            .about(&primary.name, super::Stage::Drain)
            .why(format!("the primary's tasks stop and {} takes the active role: the floating address moves to the updated node", standby.name)),
        node::wait_empty(&primary.name, on_failover.clone(), Phase::Failover),
        node::upgrade(plan, primary, Phase::Primary),
        node::activate(primary, on_failover.clone(), Phase::Primary)
            .why("the former primary leaves maintenance and runs again as standby (or takes the active role back if the product fails back by itself)"),
        node::verify(primary, primary.role, on_failover.clone(), Phase::Primary),
    ];
    middle.extend(image_roll(plan, &lead));
    last = chain(&mut graph, middle, last);
    let mut closing = Vec::new();
    if settings.fail_back {
        let on = control(&managers, &lead, &standby.name);
        closing.push(
            maintenance(standby, primary, true, on.clone(), Phase::FailBack).why(format!(
                "with {} in maintenance, the active role returns to {} as it was before the update",
                standby.name, primary.name
            )),
        );
        closing.push(node::wait_empty(&standby.name, on.clone(), Phase::FailBack));
        closing.push(maintenance(standby, primary, false, on, Phase::FailBack));
    }
    if !settings.unfreeze.is_empty() {
        let mut unfreeze = Step::new(
            format!("unfreeze-{}", primary.name),
            format!("Undo the freeze on {}", primary.name),
            Phase::Finish,
            on_primary.clone(),
        )
        .rollback("run the freeze commands again");
        for line in &settings.unfreeze {
            unfreeze = unfreeze.user_shell(line.clone());
        }
        closing.push(unfreeze);
    }
    closing.push(
        Step::new("verify-pair", "Check both nodes and the services", Phase::Finish, RunsOn::Node(lead.clone()))
            .wait_until(format!("docker node ls --format {}", quote("{{.Status}} {{.Availability}}")), Expect::EveryLineIs(vec!["Ready Active".into()]))
            .rollback("take the node that is not Active out of maintenance: docker node update --availability active NODE")
            .why("both nodes out of maintenance; then check which node holds the active role in the product's own view"),
    );
    chain(&mut graph, closing, last);
    (graph, findings)
}

fn primary_node<'p>(
    nodes: &[&'p Node],
    settings: &ActivePassive,
    findings: &mut Vec<Finding>,
) -> Option<&'p Node> {
    match &settings.primary {
        Some(name) => {
            let found = nodes.iter().find(|n| &n.name == name).copied();
            if found.is_none() {
                findings.push(Finding::new(Code::RunbookUnknownPrimary, Target::Plan, format!("upgrade.active_passive.primary names `{name}`, which is not a node of the plan")));
            }
            found
        }
        None => nodes.first().copied(),
    }
}

/// Maintenance mode as Swarm has it: the node drained (its tasks stop, the other node's take
/// over), or active again.
fn maintenance(node: &Node, other: &Node, on_: bool, on: RunsOn, phase: Phase) -> Step {
    let (id, title, to, back, effect) = if on_ {
        (
            "maintenance-on",
            format!(
                "Put {} in maintenance ({} takes over)",
                node.name, other.name
            ),
            "drain",
            "active",
            Effect::Drain(node.name.clone()),
        )
    } else {
        (
            "maintenance-off",
            format!("Take {} out of maintenance", node.name),
            "active",
            "drain",
            Effect::Activate(node.name.clone()),
        )
    };
    Step::new(format!("{id}-{}", node.name), title, phase, on)
        .shell(format!(
            "docker node update --availability {to} {}",
            quote(&node.name)
        ))
        .verify(
            inspect("{{.Spec.Availability}}", &node.name),
            Expect::Contains(to.into()),
        )
        .rollback(format!(
            "docker node update --availability {back} {}",
            quote(&node.name)
        ))
        .effect(effect)
}

/// The new image tags, once both nodes run the updated system: Swarm replaces a global
/// service's tasks one node at a time, so one node always serves.
fn image_roll(plan: &Plan, lead: &str) -> Vec<Step> {
    let (_, changed) = super::upgrade::upgraded(plan);
    if changed.is_empty() {
        return Vec::new();
    }
    let on = RunsOn::Node(lead.to_owned());
    changed
        .iter()
        .filter(|(stack, service, _)| crate::export::shell::is_safe_name(&format!("{stack}_{service}")))
        .map(|(stack, service, image)| {
            let name = format!("{stack}_{service}");
            Step::new(format!("image-{name}"), format!("Roll {stack}/{service} to {image}, one node at a time"), Phase::Images, on.clone())
                .shell(format!("docker service update --detach=false --update-parallelism 1 --image {} {}", quote(image), quote(&name)))
                .verify(format!("docker service inspect --format {} {}", quote("{{.Spec.TaskTemplate.ContainerSpec.Image}}"), quote(&name)), Expect::Contains(image.clone()))
                .rollback(format!("docker service rollback {}", quote(&name)))
                .why("one task at a time: while one node's instance restarts, the other holds the active role; deploy the stack from runbooks/upgrade-stacks afterwards so that the next deploy keeps the new tag")
        })
        .collect()
}
