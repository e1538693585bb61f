//! The active/passive update of seed 003 (Skudonet): snapshots, freeze the replication on the
//! primary, update the standby first (and its own services' new images, verified there, before
//! the primary is touched), fail over by putting the primary in maintenance (Swarm's drain) and
//! wait until the standby holds the active role, update the former primary, undo the freeze,
//! optionally fail back (the standby in maintenance until the primary is active again), and
//! check which node holds the active role.

use super::graph::StepGraph;
use super::node_steps::{self as node, chain, control, inspect, safe_nodes};
use super::simulate::State;
use super::upgrade::node_chain;
use super::{vendor, Effect, Expect, Phase, RunsOn, Step};
use crate::export::shell::quote;
use crate::findings::{Code, Finding, Target};
use crate::plan::{ActivePassive, Node, Plan, UpgradeStrategy};
use std::collections::BTreeSet;

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
    findings.extend(vendor::procedure_findings(plan));
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
    let lead_node = super::node_steps::leader(&nodes).unwrap_or(primary);
    let lead = lead_node.name.clone();
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
    if let Some(check) = active_step(&settings, primary, "check-active", Phase::Prepare) {
        opening.push(check.why(format!(
            "the runbook takes {} to hold the active role now, as the plan says",
            primary.name
        )));
    }
    opening.extend(super::upgrade::image_checks(plan, &nodes));
    if !settings.freeze.is_empty() {
        let fill = vendor::Fill {
            node: Some(primary),
            manager: lead_node,
        };
        opening.push(
            Step::new(
                format!("freeze-{}", primary.name),
                format!("Freeze configuration sync on {}", primary.name),
                Phase::Prepare,
                on_primary.clone(),
            )
            .commands(fill.commands(&settings.freeze))
            .rollback("run the unfreeze commands of the plan")
            .why("the primary must not replicate half-updated configuration to the standby"),
        );
    }
    let mut last = chain(&mut graph, opening, None);

    let state = State::new(plan);
    let mut in_window = BTreeSet::new();
    for standby in &standbys {
        let on = control(&managers, &lead, &standby.name);
        let steps = node_chain(
            plan,
            &state,
            standby,
            standby.role,
            on,
            Phase::Standby,
            &mut in_window,
            &mut findings,
        );
        last = chain(&mut graph, steps, last);
    }
    let on_failover = control(&managers, &lead, &primary.name);
    let mut middle = vec![maintenance(primary, standby, true, on_failover.clone(), Phase::Failover)
        .about(&primary.name, super::Stage::Drain)
        .why(format!("the primary's tasks stop and {} takes the active role: the floating address moves to the updated node", standby.name))];
    middle.push(node::wait_empty(
        &primary.name,
        on_failover.clone(),
        Phase::Failover,
    ));
    middle.extend(active_step(&settings, standby, "active", Phase::Failover));
    let failover_manager = plan
        .node(match &on_failover {
            RunsOn::Node(name) => name,
            RunsOn::Workstation => &lead,
        })
        .unwrap_or(lead_node);
    middle.extend(node::upgrade(
        plan,
        primary,
        primary.role,
        failover_manager,
        Phase::Primary,
    ));
    middle.push(
        node::activate(primary, on_failover.clone(), Phase::Primary)
            .why("the former primary leaves maintenance and runs again as standby (or takes the active role back if the product fails back by itself)"),
    );
    middle.push(node::verify(
        primary,
        primary.role,
        on_failover.clone(),
        Phase::Primary,
    ));
    middle.extend(primary_window(
        plan,
        &state,
        primary,
        &on_failover,
        &mut in_window,
    ));
    middle.extend(image_roll(plan, &lead, &in_window, &mut findings));
    last = chain(&mut graph, middle, last);
    let mut closing = Vec::new();
    // The guide removes the ssh restriction before the role moves back.
    if !settings.unfreeze.is_empty() {
        let fill = vendor::Fill {
            node: Some(primary),
            manager: lead_node,
        };
        closing.push(
            Step::new(
                format!("unfreeze-{}", primary.name),
                format!("Undo the freeze on {}", primary.name),
                Phase::Finish,
                on_primary.clone(),
            )
            .commands(fill.commands(&settings.unfreeze))
            .rollback("run the freeze commands again"),
        );
    }
    let active_at_end = if settings.fail_back {
        let on = control(&managers, &lead, &standby.name);
        let mut on_step =
            maintenance(standby, primary, true, on.clone(), Phase::FailBack).why(format!(
                "with {} in maintenance, the active role returns to {} as it was before the update",
                standby.name, primary.name
            ));
        on_step.id = format!("failback-{}", on_step.id);
        closing.push(on_step);
        let mut wait = node::wait_empty(&standby.name, on.clone(), Phase::FailBack);
        wait.id = format!("failback-{}", wait.id);
        wait.subject = None;
        closing.push(wait);
        closing.extend(active_step(
            &settings,
            primary,
            "failback-active",
            Phase::FailBack,
        ));
        let mut off = maintenance(standby, primary, false, on, Phase::FailBack);
        off.id = format!("failback-{}", off.id);
        closing.push(off);
        primary
    } else {
        standby
    };
    closing.push(
        Step::new("verify-pair", "Check both nodes and the services", Phase::Finish, RunsOn::Node(lead.clone()))
            .wait_until(format!("docker node ls --format {}", quote("{{.Status}} {{.Availability}}")), Expect::EveryLineIs(vec!["Ready Active".into()]))
            .rollback("take the node that is not Active out of maintenance: docker node update --availability active NODE")
            .why("both nodes out of maintenance"),
    );
    closing.extend(active_step(
        &settings,
        active_at_end,
        "verify-active",
        Phase::Finish,
    ));
    if settings.active_check.is_none() {
        closing.push(
            Step::new("verify-roles", "Check which node holds the active role", Phase::Finish, RunsOn::Workstation)
                .manual(format!(
                    "In the product's own view (Skudonet: SYSTEM > Cluster), check that {} is the active node and the other one the standby",
                    active_at_end.name
                ))
                .why("the plan gives no `active_check` command, so a person checks the roles"),
        );
    }
    last = chain(&mut graph, closing, last);
    if let Some(upgrade) = &plan.upgrade {
        vendor::add_custom_steps(
            plan,
            &mut graph,
            &upgrade.steps,
            lead_node,
            last,
            &mut findings,
        );
    }
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

/// Waits until `node` holds the active role, by the plan's `active_check`.
fn active_step(settings: &ActivePassive, node: &Node, id: &str, phase: Phase) -> Option<Step> {
    let check = settings.active_check.as_ref()?;
    Some(
        Step::new(
            format!("{id}-{}", node.name),
            format!("Wait until {} holds the active role", node.name),
            phase,
            RunsOn::Node(node.name.clone()),
        )
        .wait_until(
            format!("bash -c {}", quote(&check.replace("{node}", &node.name))),
            Expect::Succeeds,
        )
        .product_check()
        .rollback(
            "nothing to undo: if the role does not move, take the other node out of maintenance",
        )
        .why("the role moves in the product, not in Swarm: the next step waits until it has"),
    )
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

/// The former primary's own services with new tags, updated once it is back (it is the standby
/// now, so no traffic reaches them while they restart).
fn primary_window(
    plan: &Plan,
    state: &State,
    primary: &Node,
    on: &RunsOn,
    in_window: &mut BTreeSet<(String, String)>,
) -> Vec<Step> {
    let outcome = super::simulate::drain_outcome(state, &primary.name);
    let (_, changed) = super::upgrade::upgraded(plan);
    changed
        .iter()
        .filter(|(stack, service, _)| {
            outcome.pinned.iter().any(|(s, v)| s == stack && v == service)
                && crate::export::shell::is_safe_name(&format!("{stack}_{service}"))
        })
        .map(|(stack, service, image)| {
            in_window.insert((stack.clone(), service.clone()));
            let name = format!("{stack}_{service}");
            Step::new(format!("image-{name}"), format!("Update {stack}/{service} to {image} on {}", primary.name), Phase::Primary, on.clone())
                .shell(format!("docker service update --detach=false --image {} {}", quote(image), quote(&name)))
                .verify(format!("docker service inspect --format {} {}", quote("{{.Spec.TaskTemplate.ContainerSpec.Image}}"), quote(&name)), Expect::Contains(image.clone()))
                .rollback(format!("docker service rollback {}", quote(&name)))
                .why(format!("{stack}/{service} runs only on {}, which is the standby now: it restarts with the new image while the other node serves", primary.name))
        })
        .collect()
}

/// The new image tags of services that run on both nodes, once both run the updated system.
/// Swarm replaces a global service's tasks one node at a time, in an order it chooses, so
/// which node restarts first is not the runbook's to say: a finding says so.
fn image_roll(
    plan: &Plan,
    lead: &str,
    in_window: &BTreeSet<(String, String)>,
    findings: &mut Vec<Finding>,
) -> Vec<Step> {
    let (_, changed) = super::upgrade::upgraded(plan);
    let on = RunsOn::Node(lead.to_owned());
    changed
        .iter()
        .filter(|(stack, service, _)| {
            !in_window.contains(&(stack.clone(), service.clone()))
                && crate::export::shell::is_safe_name(&format!("{stack}_{service}"))
        })
        .map(|(stack, service, image)| {
            findings.push(
                Finding::new(
                    Code::RunbookStandbyNotFirst,
                    Target::Service { stack: stack.clone(), service: service.clone() },
                    format!("{stack}/{service} runs on both nodes of the pair: Swarm rolls its new image over them in an order it chooses, so the standby may not be the first to run it"),
                )
                .hint("run one service per node, pinned with a constraint, so that the runbook updates the standby's first and verifies it before the primary's"),
            );
            let name = format!("{stack}_{service}");
            Step::new(format!("image-{name}"), format!("Roll {stack}/{service} to {image}, one node at a time"), Phase::Images, on.clone())
                .shell(format!("docker service update --detach=false --update-parallelism 1 --image {} {}", quote(image), quote(&name)))
                .verify(format!("docker service inspect --format {} {}", quote("{{.Spec.TaskTemplate.ContainerSpec.Image}}"), quote(&name)), Expect::Contains(image.clone()))
                .rollback(format!("docker service rollback {}", quote(&name)))
                .why("one task at a time: while one node's instance restarts, the other holds the active role; deploy the stack from runbooks/upgrade-stacks afterwards so that the next deploy keeps the new tag")
        })
        .collect()
}
