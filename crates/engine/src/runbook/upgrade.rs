//! The rolling, zero-downtime upgrade: snapshots, pre-checks (every manager Reachable, the
//! leader), a backup of the swarm state from a stopped manager, then node by node — workers
//! first, managers one at a time, the leader last — out of the balancer, drain, wait, upgrade,
//! activate, verify, back in; then the stacks with the new image tags of `upgrade.images`.
//!
//! Preparatory steps where the plan allows them: workers promoted for the upgrade when fewer
//! than three managers cannot lose one; a one-replica service scaled to two before its node is
//! drained (and back after), or updated start-first, when a second task has room and the
//! service keeps no state.

use super::graph::StepGraph;
use super::node_steps::{self as node, chain, control, inspect, leader, safe_nodes};
use super::simulate::{drain_outcome, second_replica_fits, State};
use super::{vendor, Effect, Expect, Phase, RunsOn, Step};
use crate::compose::{self, MountKind, PortMode, UpdateOrder};
use crate::export::commands::{deploy_line, deploy_order, stack_environment};
use crate::export::firewall::{firewall_args, Opening, Proto, Source};
use crate::export::shell::{self, quote};
use crate::export::stack_files;
use crate::findings::{Code, Finding, Target};
use crate::plan::{Node, Plan, Role, ServiceId, UpgradeOrder, UpgradeStrategy};
use crate::quorum;
use crate::yaml::Value;
use std::collections::BTreeSet;

/// Where the stack files with the new tags are in the bundle.
pub const UPGRADE_STACKS: &str = "runbooks/upgrade-stacks";

pub fn steps(plan: &Plan) -> (StepGraph, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut graph = StepGraph::new();
    match &plan.upgrade {
        None => findings.push(Finding::new(Code::RunbookNoUpgrade, Target::Plan, "the plan has no `upgrade:` section: the runbook upgrades the nodes and leaves the stacks' images as they are").hint("add `upgrade: { images: { IMAGE: NEW-REFERENCE } }`")),
        Some(u) if u.strategy == UpgradeStrategy::ActivePassive => findings.push(Finding::new(Code::RunbookStrategy, Target::Plan, "the plan's upgrade strategy is active-passive: the failover runbook follows it").hint("swarmplan runbook PLAN failover")),
        Some(_) => {}
    }
    findings.extend(vendor::procedure_findings(plan));
    let nodes = safe_nodes(plan, &mut findings);
    let Some(lead) = leader(&nodes) else {
        findings.push(Finding::new(
            Code::RunbookNoManager,
            Target::Plan,
            "the plan has no manager node: there is no swarm to upgrade",
        ));
        return (graph, findings);
    };
    let on_lead = RunsOn::Node(lead.name.clone());
    let prepare = graph.add(
        Step::new("prerequisites", "Prerequisites", Phase::Prepare, RunsOn::Workstation)
            .manual("Take a snapshot (or backup) of every VM before the upgrade")
            .manual("Copy the upgrade package to every node, and note which nodes the load balancers send traffic to")
            .rollback("nothing has changed yet"),
        &[],
    );
    let vendor_order = plan
        .upgrade
        .as_ref()
        .is_some_and(|u| u.order == UpgradeOrder::Vendor);
    let mut checks = prechecks(lead, &on_lead);
    if vendor_order {
        checks[1].why = Some(format!(
            "the runbook runs its swarm commands on the leader; the plan assumes {}",
            lead.name
        ));
    }
    let mut checked = chain(&mut graph, checks, Some(prepare));
    checked = chain(&mut graph, image_checks(plan, &nodes), checked);

    let mut state = State::new(plan);
    let promoted = if vendor_order {
        findings.push(Finding::new(Code::RunbookVendorOrder, Target::Plan, "upgrade.order is `vendor`: the nodes are upgraded in the vendor's sequence, as the guide does, and no worker is promoted for the upgrade; the simulation below says what that costs").hint("`order: safe` upgrades workers first, managers one at a time and the leader last, promoting workers when fewer than three managers cannot lose one"));
        Vec::new()
    } else {
        promotions(&nodes, lead, &mut findings)
    };
    let mut promote_steps = Vec::new();
    for worker in &promoted {
        promote_steps.push(promotion_firewall(plan, worker, true));
        promote_steps.push(promote(worker, &on_lead));
        state.apply(&Effect::Promote(worker.name.clone()));
    }
    let after_promotion = chain(&mut graph, promote_steps, checked);
    let managers: Vec<String> = state.plan.managers().map(|n| n.name.clone()).collect();
    let backup_from = managers
        .iter()
        .find(|m| **m != lead.name)
        .unwrap_or(&lead.name)
        .clone();
    let backup_node = nodes
        .iter()
        .find(|n| n.name == backup_from)
        .copied()
        .unwrap_or(lead);
    let on_backup = control(&managers, &lead.name, &backup_from);
    let mut last = chain(
        &mut graph,
        backup(plan, backup_node, on_backup),
        after_promotion,
    );

    let order = if vendor_order {
        vendor_sequence(plan, &nodes, lead)
    } else {
        upgrade_order(&nodes, lead)
    };
    let mut in_window = BTreeSet::new();
    for target in order {
        let role = if managers.contains(&target.name) {
            Role::Manager
        } else {
            Role::Worker
        };
        let on = control(&managers, &lead.name, &target.name);
        let phase = if role == Role::Manager {
            Phase::Managers
        } else {
            Phase::Workers
        };
        let steps = node_chain(
            plan,
            &state,
            target,
            role,
            on,
            phase,
            &mut in_window,
            &mut findings,
        );
        last = chain(&mut graph, steps, last);
    }
    last = image_steps(
        plan,
        &state,
        &mut graph,
        &on_lead,
        last,
        &in_window,
        &mut findings,
    );
    last = chain(
        &mut graph,
        restart_steps(plan, &on_lead, &mut findings),
        last,
    );
    let mut finish: Vec<Step> = Vec::new();
    for w in &promoted {
        finish.push(
            Step::new(
                format!("demote-{}", w.name),
                format!("Demote {} back to worker", w.name),
                Phase::Finish,
                on_lead.clone(),
            )
            .shell(format!("docker node demote {}", quote(&w.name)))
            .verify(
                inspect("{{.Spec.Role}}", &w.name),
                Expect::Contains("worker".into()),
            )
            .rollback(format!("docker node promote {}", quote(&w.name)))
            .effect(Effect::Demote(w.name.clone())),
        );
        finish.push(promotion_firewall(plan, w, false));
    }
    finish.push(final_check(&on_lead));
    last = chain(&mut graph, finish, last);
    if let Some(upgrade) = &plan.upgrade {
        vendor::add_custom_steps(plan, &mut graph, &upgrade.steps, lead, last, &mut findings);
    }
    (graph, findings)
}

/// Before anything stops: every node has the images the upgrade brings (and, where the site
/// loads its images from the bundle, every image), loaded or pulled.
pub(super) fn image_checks(plan: &Plan, nodes: &[&Node]) -> Vec<Step> {
    let mut images = super::images::upgrade_images(plan);
    if plan.images.load {
        for image in super::images::stack_images(plan) {
            if !images.contains(&image) {
                images.push(image);
            }
        }
    }
    nodes
        .iter()
        .flat_map(|node| super::images::ready_steps(plan, node, &images, "images", Phase::PreCheck))
        .collect()
}

/// Opens (or, once it is demoted, closes) 2377/tcp on a worker the upgrade promotes: a manager
/// must be reachable on it from every node, and a worker's firewall does not open it.
fn promotion_firewall(plan: &Plan, worker: &Node, open: bool) -> Step {
    let opening = Opening {
        port: Some(crate::plan::PortRange::single(2377)),
        proto: Proto::Tcp,
        from: Source::Cluster,
        services: vec!["docker swarm management".to_owned()],
        nodes: vec![worker.name.clone()],
    };
    let (args, _) = firewall_args(plan, &opening);
    let (verb, undo) = if open {
        ("--add-", "--remove-")
    } else {
        ("--remove-", "--add-")
    };
    let words = |from: &str, to: &str| -> Vec<String> {
        args.iter()
            .map(|arg| {
                format!(
                    "sudo firewall-cmd --permanent {}",
                    quote(&arg.replacen(from, to, 1))
                )
            })
            .collect()
    };
    let lines = words("--add-", verb);
    let undo_lines = words("--add-", undo);
    let (id, title) = if open {
        (
            format!("firewall-promote-{}", worker.name),
            format!("Open 2377/tcp on {} for its promotion", worker.name),
        )
    } else {
        (
            format!("firewall-demote-{}", worker.name),
            format!("Close 2377/tcp on {} again", worker.name),
        )
    };
    let mut step = Step::new(
        id,
        title,
        if open { Phase::PreCheck } else { Phase::Finish },
        RunsOn::Node(worker.name.clone()),
    );
    for line in lines {
        step = step.shell(line);
    }
    step = step.shell("sudo firewall-cmd --reload");
    let listed = "sudo firewall-cmd --list-all".to_owned();
    step = if open {
        step.verify(listed, Expect::Contains("2377".into()))
            .why("a promoted worker is a manager: every node must reach it on 2377/tcp, which a worker's firewall script does not open")
    } else {
        step.why("the node is a worker again: it needs 2377/tcp no more")
    };
    step.rollback(format!(
        "{}; sudo firewall-cmd --reload",
        undo_lines.join("; ")
    ))
}

/// The vendor's node order: `upgrade.sequence` as written, then the nodes it leaves out in
/// Swarmplan's order.
fn vendor_sequence<'p>(plan: &Plan, nodes: &[&'p Node], lead: &Node) -> Vec<&'p Node> {
    let sequence = plan
        .upgrade
        .as_ref()
        .map(|u| u.sequence.as_slice())
        .unwrap_or_default();
    let mut order: Vec<&Node> = sequence
        .iter()
        .filter_map(|name| nodes.iter().find(|n| &n.name == name).copied())
        .collect();
    for node in upgrade_order(nodes, lead) {
        if !order.iter().any(|n| n.name == node.name) {
            order.push(node);
        }
    }
    order
}

pub(super) fn prechecks(lead: &Node, on: &RunsOn) -> Vec<Step> {
    vec![
        Step::new("check-managers", "Check that every manager is Leader or Reachable", Phase::PreCheck, on.clone())
            .verify(format!("docker node ls --filter role=manager --format {}", quote("{{.ManagerStatus}}")), Expect::EveryLineIs(vec!["Leader".into(), "Reachable".into()]))
            .rollback("nothing has changed: repair the unreachable manager before upgrading")
            .why("an upgrade takes one manager down at a time: every other one must be reachable"),
        Step::new("check-leader", format!("Check that {} is the leader", lead.name), Phase::PreCheck, on.clone())
            .verify(format!("docker node ls --filter role=manager --format {}", quote("{{.Hostname}} {{.ManagerStatus}}")), Expect::Contains(format!("{} Leader", lead.name)))
            .rollback("nothing has changed: mark the real leader with `leader: true` in the plan and generate the runbook again")
            .why(format!("the leader is upgraded last, so that leadership changes once; the plan assumes {}", lead.name)),
        Step::new("check-nodes", "Check that every node is Ready", Phase::PreCheck, on.clone())
            .verify(format!("docker node ls --format {}", quote("{{.Status}}")), Expect::EveryLineIs(vec!["Ready".into()]))
            .rollback("nothing has changed"),
        Step::new("check-services", "Check that every service runs all its replicas", Phase::PreCheck, on.clone())
            .verify(format!("docker service ls --format {}", quote("{{.Replicas}}")), Expect::AllReplicas)
            .rollback("nothing has changed: fix the service first, an upgrade would hide its problem"),
    ]
}

/// Workers to promote so that one manager can be down: a swarm of fewer than three managers
/// cannot lose one. Workers on hosts without a manager come first, one per host.
fn promotions<'p>(nodes: &[&'p Node], lead: &Node, findings: &mut Vec<Finding>) -> Vec<&'p Node> {
    let managers: Vec<&&Node> = nodes.iter().filter(|n| n.role == Role::Manager).collect();
    if quorum::tolerates(managers.len()) > 0 {
        return Vec::new();
    }
    let need = 3 - managers.len();
    let mut hosts: Vec<&str> = managers.iter().map(|m| m.host_name()).collect();
    let mut chosen: Vec<&Node> = Vec::new();
    for spread in [true, false] {
        for worker in nodes.iter().filter(|n| n.role == Role::Worker) {
            if chosen.len() == need || chosen.iter().any(|c| c.name == worker.name) {
                continue;
            }
            if !spread || !hosts.contains(&worker.host_name()) {
                hosts.push(worker.host_name());
                chosen.push(worker);
            }
        }
    }
    if chosen.len() < need {
        findings.push(
            Finding::new(Code::RunbookTooFewManagers, Target::Node(lead.name.clone()), format!("{} manager(s) and {} worker(s): upgrading a manager stops the swarm's management, and there are not enough workers to promote for the upgrade", managers.len(), chosen.len()))
                .hint(format!("add {} node(s) as managers, each on its own host, to have three", need - chosen.len())),
        );
        return Vec::new();
    }
    findings.push(Finding::new(Code::RunbookPromote, Target::Node(lead.name.clone()), format!("{} manager(s) cannot lose one: the upgrade promotes {} for its duration and demotes them at the end", managers.len(), chosen.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "))).hint("three managers on three hosts need no promotion"));
    chosen
}

fn promote(worker: &Node, on: &RunsOn) -> Step {
    Step::new(format!("promote-{}", worker.name), format!("Promote {} to manager for the upgrade", worker.name), Phase::PreCheck, on.clone())
        .shell(format!("docker node promote {}", quote(&worker.name)))
        .wait_until(inspect("{{.ManagerStatus.Reachability}}", &worker.name), Expect::Contains("reachable".into()))
        .rollback(format!("docker node demote {}", quote(&worker.name)))
        .why(format!("with fewer than three managers, one down loses quorum; a promoted {} keeps the majority (it needs 2377/tcp open from every node)", worker.name))
        .effect(Effect::Promote(worker.name.clone()))
}

/// Docker's backup: on a manager other than the leader, out of its balancers and drained first
/// so that its tasks run elsewhere, stop the engine, archive `/var/lib/docker/swarm`, start it,
/// activate the node and put it back in.
fn backup(plan: &Plan, manager: &Node, control: RunsOn) -> Vec<Step> {
    let name = manager.name.as_str();
    let on = RunsOn::Node(name.to_owned());
    let prefixed = |mut step: Step| {
        step.id = format!("backup-{}", step.id);
        step.phase = Phase::Backup;
        step.subject = None;
        step
    };
    let mut steps: Vec<Step> = node::balancer(plan, manager, true, Phase::Backup)
        .into_iter()
        .map(prefixed)
        .collect();
    steps.extend([
        prefixed(node::drain(name, control.clone(), Phase::Backup)),
        prefixed(node::wait_empty(name, control.clone(), Phase::Backup)),
        Step::new(format!("backup-{name}"), format!("Back up the swarm state on {name} (engine stopped)"), Phase::Backup, on.clone())
            .shell("sudo systemctl stop docker")
            .shell("sudo tar -czf /root/swarm-backup.tgz -C /var/lib/docker swarm")
            .verify("sudo tar -tzf /root/swarm-backup.tgz swarm/raft", Expect::Contains("swarm/raft".into()))
            .rollback("sudo systemctl start docker")
            .why("Docker's backup procedure: the Raft state is consistent only while the engine is stopped; a manager other than the leader keeps leadership stable")
            .effect(Effect::Down(name.to_owned())),
        Step::new(format!("backup-restart-{name}"), format!("Start the engine on {name} again"), Phase::Backup, on)
            .shell("sudo systemctl start docker")
            .wait_until(format!("docker info --format {}", quote("{{.Swarm.LocalNodeState}}")), Expect::Contains("active".into()))
            .rollback("sudo systemctl restart docker")
            .effect(Effect::Up(name.to_owned())),
        prefixed(node::activate(manager, control, Phase::Backup)),
    ]);
    steps.extend(
        node::balancer(plan, manager, false, Phase::Backup)
            .into_iter()
            .map(prefixed),
    );
    steps
}

/// Workers first, then managers, the leader last; plan order otherwise.
fn upgrade_order<'p>(nodes: &[&'p Node], lead: &Node) -> Vec<&'p Node> {
    let workers = nodes.iter().filter(|n| n.role == Role::Worker);
    let managers = nodes
        .iter()
        .filter(|n| n.role == Role::Manager && n.name != lead.name);
    let last = nodes.iter().filter(|n| n.name == lead.name);
    workers.chain(managers).chain(last).copied().collect()
}

/// One node's steps, with scale-ups around it for one-replica services that would restart.
/// A service with new image tags that runs only on this node (pinned to it) is updated in the
/// node's window, after the node is back and before it re-enters its balancers, so that it
/// never restarts while it takes traffic; those services are added to `in_window`.
#[allow(clippy::too_many_arguments)]
pub(super) fn node_chain(
    plan: &Plan,
    state: &State,
    target: &Node,
    role: Role,
    on: RunsOn,
    phase: Phase,
    in_window: &mut BTreeSet<(String, String)>,
    findings: &mut Vec<Finding>,
) -> Vec<Step> {
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let mut restart_notes = Vec::new();
    let outcome = drain_outcome(state, &target.name);
    for (stack, service) in outcome.moved_single {
        let name = format!("{stack}_{service}");
        if !shell::is_safe_name(&name) {
            continue;
        }
        if !is_stateful(plan, &stack, &service)
            && second_replica_fits(state, &stack, &service, &target.name)
        {
            let (up, down) = scale_pair(&stack, &service, &target.name, &on, phase);
            before.push(up);
            after.push(down);
        } else {
            restart_notes.push(ServiceId::new(&stack, &service).to_string());
            super::push_unique(findings, Finding::new(Code::RunbookBriefRestart, Target::Service { stack: stack.clone(), service: service.clone() }, format!("{stack}/{service} has one replica and keeps state (or has no room for a second): it restarts on another node when {} is drained", target.name)).hint("give it a second replica if the application allows, or accept a short interruption"));
        }
    }
    let (_, changed) = upgraded(plan);
    let window: Vec<Step> = changed
        .iter()
        .filter(|(stack, service, _)| {
            outcome
                .pinned
                .iter()
                .any(|(s, v)| s == stack && v == service)
                && shell::is_safe_name(&format!("{stack}_{service}"))
        })
        .map(|(stack, service, image)| {
            in_window.insert((stack.clone(), service.clone()));
            window_update(stack, service, image, &target.name, &on, phase)
        })
        .collect();
    let manager = state
        .plan
        .node(match &on {
            RunsOn::Node(name) => name,
            RunsOn::Workstation => &target.name,
        })
        .unwrap_or(target)
        .clone();
    let mut steps = before;
    steps.extend(node::balancer(plan, target, true, phase));
    let mut drain = node::drain(&target.name, on.clone(), phase);
    if !restart_notes.is_empty() {
        drain.why = Some(format!(
            "{}; {} restart on another node (one replica each)",
            drain.why.unwrap_or_default(),
            restart_notes.join(", ")
        ));
    }
    steps.push(drain);
    steps.push(node::wait_empty(&target.name, on.clone(), phase));
    steps.extend(node::upgrade(plan, target, role, &manager, phase));
    steps.push(node::activate(target, on.clone(), phase));
    steps.push(node::verify(target, role, on, phase));
    steps.extend(window);
    steps.extend(node::balancer(plan, target, false, phase));
    steps.extend(after);
    steps
}

/// A service pinned to one node, updated to its new image while that node is out of its
/// balancers: its task restarts once, on the node, with the new image.
fn window_update(
    stack: &str,
    service: &str,
    image: &str,
    node: &str,
    on: &RunsOn,
    phase: Phase,
) -> Step {
    let name = format!("{stack}_{service}");
    Step::new(format!("image-{name}"), format!("Update {stack}/{service} to {image} on {node}"), phase, on.clone())
        .shell(format!("docker service update --detach=false --image {} {}", quote(image), quote(&name)))
        .verify(format!("docker service inspect --format {} {}", quote("{{.Spec.TaskTemplate.ContainerSpec.Image}}"), quote(&name)), Expect::Contains(image.to_owned()))
        .rollback(format!("docker service rollback {}", quote(&name)))
        .why(format!("{stack}/{service} runs only on {node}: updated in {node}'s window, it restarts while {node} takes no traffic, and the stack update later finds it done"))
}

/// The vendor's restart of a stack once its new images are deployed (`upgrade.restart_stacks`):
/// removed, gone with its networks, deployed again from the same files, converged.
fn restart_steps(plan: &Plan, on: &RunsOn, findings: &mut Vec<Finding>) -> Vec<Step> {
    let Some(upgrade) = &plan.upgrade else {
        return Vec::new();
    };
    let (new, _) = upgraded(plan);
    let mut steps = Vec::new();
    for name in &upgrade.restart_stacks {
        let Some(stack) = new.stacks.iter().find(|s| &s.name == name) else {
            findings.push(Finding::new(
                Code::UnknownStack,
                Target::Plan,
                format!("upgrade.restart_stacks names `{name}`, which is not a stack of the plan"),
            ));
            continue;
        };
        if !shell::is_safe_name(&stack.name) {
            continue;
        }
        let files = upgraded_files(plan, &new, stack);
        let env = stack_environment(stack, findings);
        let prefix = if env.is_empty() {
            String::new()
        } else {
            format!("env {env}")
        };
        let deploy = format!("{prefix}{}", deploy_line(stack, &files));
        let quoted = quote(&stack.name);
        steps.push(
            Step::new(format!("restart-rm-{}", stack.name), format!("Remove stack {} to restart it", stack.name), Phase::Images, on.clone())
                .shell(format!("docker stack rm {quoted}"))
                .wait_until(
                    format!("docker network ls --quiet --filter label=com.docker.stack.namespace={quoted}"),
                    Expect::Empty,
                )
                .rollback(deploy.clone())
                .why("the vendor restarts the stack this way once its new images run; its services stop until it is deployed again, and its networks must be gone before")
                .effect(Effect::Stop(stack.name.clone())),
        );
        steps.push(
            Step::new(
                format!("restart-deploy-{}", stack.name),
                format!("Deploy stack {} again", stack.name),
                Phase::Images,
                on.clone(),
            )
            .shell(deploy.clone())
            .wait_until(super::install::replicas(&stack.name), Expect::AllReplicas)
            .rollback(deploy)
            .effect(Effect::Deploy(stack.name.clone())),
        );
    }
    steps
}

fn scale_pair(stack: &str, service: &str, node: &str, on: &RunsOn, phase: Phase) -> (Step, Step) {
    let name = format!("{stack}_{service}");
    let replicas = format!(
        "docker service inspect --format {} {}",
        quote("{{.Spec.Mode.Replicated.Replicas}}"),
        quote(&name)
    );
    let scale = |n: u64| format!("docker service scale --detach=false {}={n}", quote(&name));
    let up = Step::new(format!("scale-up-{name}-{node}"), format!("Scale {stack}/{service} to two replicas before {node} is drained"), phase, on.clone())
        .shell(scale(2))
        .verify(replicas.clone(), Expect::Contains("2".into()))
        .rollback(scale(1))
        .why(format!("{stack}/{service} has one replica on {node}: a second one elsewhere keeps it running while {node} is drained (there is room for it)"))
        .effect(Effect::Scale { stack: stack.to_owned(), service: service.to_owned(), replicas: 2 });
    let down = Step::new(
        format!("scale-back-{name}-{node}"),
        format!("Scale {stack}/{service} back to one replica"),
        phase,
        on.clone(),
    )
    .shell(scale(1))
    .verify(replicas, Expect::Contains("1".into()))
    .rollback(scale(2))
    .effect(Effect::Scale {
        stack: stack.to_owned(),
        service: service.to_owned(),
        replicas: 1,
    });
    (up, down)
}

/// A service keeps state when it mounts a volume, or a folder on shared storage: two copies
/// of it must not run at once.
fn is_stateful(plan: &Plan, stack: &str, service: &str) -> bool {
    let Some(compose) = plan
        .stacks
        .iter()
        .find(|s| s.name == stack)
        .map(compose::read)
    else {
        return true;
    };
    let Some(service) = compose.service(service) else {
        return true;
    };
    service.mounts.iter().any(|m| match m.kind {
        MountKind::Volume => true,
        MountKind::Bind => m.source.as_deref().is_some_and(|src| {
            plan.export
                .shared_folders
                .iter()
                .any(|root| src.starts_with(root.trim_end_matches('/')))
        }),
        MountKind::Tmpfs => false,
    })
}

/// `repo/name:tag` or `repo/name@digest` without its tag or digest.
fn untagged(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(colon) if !image[colon..].contains('/') => &image[..colon],
        _ => image,
    }
}

/// The plan with `upgrade.images` applied to every service's `image:`, and which services of
/// which stacks changed (stack, service, new image).
pub fn upgraded(plan: &Plan) -> (Plan, Vec<(String, String, String)>) {
    let mut new = plan.clone();
    let mut changed = Vec::new();
    let Some(upgrade) = &plan.upgrade else {
        return (new, changed);
    };
    for stack in &mut new.stacks {
        let Some(Value::Mapping(services)) = stack.compose.get_mut("services") else {
            continue;
        };
        for (name, body) in services.iter_mut() {
            let Some(Value::String(image)) = body.get_mut("image") else {
                continue;
            };
            if let Some(to) = upgrade.images.get(untagged(image)) {
                if image != to {
                    *image = to.clone();
                    changed.push((
                        stack.name.clone(),
                        name.as_str().unwrap_or_default().to_owned(),
                        to.clone(),
                    ));
                }
            }
        }
    }
    (new, changed)
}

/// The stack files with the new tags, as bundle paths: only `versiontag.yml` for a split
/// stack (as the Digital Access guide edits it), the whole file otherwise.
pub fn upgraded_stack_files(plan: &Plan) -> Vec<(String, String)> {
    let (new, changed) = upgraded(plan);
    let mut files = Vec::new();
    for stack in new
        .stacks
        .iter()
        .filter(|s| shell::is_safe_name(&s.name) && changed.iter().any(|c| c.0 == s.name))
    {
        for (file, text) in stack_files::stack_files(&new, stack) {
            if !stack_files::is_split(&new, stack) || file == stack_files::SPLIT_FILES[2] {
                files.push((format!("{UPGRADE_STACKS}/{}/{file}", stack.name), text));
            }
        }
    }
    files
}

/// The files a stack is deployed from once its tags change: the upgraded ones from
/// `runbooks/upgrade-stacks`, the others as the install deployed them, as paths on the manager.
fn upgraded_files(plan: &Plan, new: &Plan, stack: &crate::plan::Stack) -> Vec<String> {
    let upgraded = upgraded_stack_files(plan);
    stack_files::stack_files(new, stack)
        .into_iter()
        .map(|(file, _)| {
            let path = format!("{UPGRADE_STACKS}/{}/{file}", stack.name);
            if upgraded.iter().any(|(p, _)| *p == path) {
                format!("{}/{path}", super::install::REMOTE_DIR)
            } else {
                format!(
                    "{}/stacks/{}/{file}",
                    super::install::REMOTE_DIR,
                    stack.name
                )
            }
        })
        .collect()
}

/// Services a stack update replaces in an order Swarm chooses, while the nodes that run them
/// take traffic from a balancer: a host-mode service behind a balancer that is not pinned to
/// one node, so that no node's window can hold its update.
fn behind_balancer(
    plan: &Plan,
    changed: &[(String, String, String)],
    in_window: &BTreeSet<(String, String)>,
) -> Vec<Finding> {
    // The backends of each balancer, and the port it sends to (any, when it names none).
    let fronted: Vec<(&str, Option<u16>)> = plan
        .load_balancers
        .iter()
        .flat_map(|lb| lb.backends.iter().map(move |b| (b.as_str(), lb.port)))
        .collect();
    if fronted.is_empty() {
        return Vec::new();
    }
    let analysis = crate::analyze(plan, &crate::Options::default());
    let mut findings = Vec::new();
    for (stack, service, _) in changed {
        if in_window.contains(&(stack.clone(), service.clone())) {
            continue;
        }
        let Some(svc) = plan
            .stacks
            .iter()
            .find(|s| &s.name == stack)
            .map(compose::read)
            .and_then(|c| c.service(service).cloned())
        else {
            continue;
        };
        let host_ports: Vec<u16> = svc
            .ports
            .iter()
            .filter(|p| p.mode == PortMode::Host)
            .filter_map(|p| p.published)
            .collect();
        let behind = |node: &str| {
            fronted.iter().any(|(backend, port)| {
                *backend == node && port.is_none_or(|p| host_ports.contains(&p))
            })
        };
        let mut serving: Vec<&str> = analysis
            .placement
            .iter()
            .filter(|t| &t.stack == stack && &t.service == service)
            .map(|t| t.node.as_str())
            .filter(|n| !host_ports.is_empty() && behind(n))
            .collect();
        serving.dedup();
        if serving.is_empty() {
            continue;
        }
        findings.push(
            Finding::new(
                Code::RunbookUpdateBehindBalancer,
                Target::Service { stack: stack.clone(), service: service.clone() },
                format!(
                    "the stack update replaces {stack}/{service}'s tasks on {} in an order Swarm chooses, while the balancer still sends them traffic: each instance stops for a moment in service",
                    serving.join(", ")
                ),
            )
            .hint("run one service per node, pinned with a constraint (node.hostname or a label), so that the runbook updates each while its node is out of the balancer"),
        );
    }
    findings
}

fn image_steps(
    plan: &Plan,
    state: &State,
    graph: &mut StepGraph,
    on: &RunsOn,
    after: Option<String>,
    in_window: &BTreeSet<(String, String)>,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let (new, changed) = upgraded(plan);
    if changed.is_empty() {
        return after;
    }
    let RunsOn::Node(manager) = on else {
        return after;
    };
    findings.extend(behind_balancer(plan, &changed, in_window));
    let copy = Step::new(
        "copy-upgrade-stacks",
        format!("Copy the stack files with the new tags to {manager}"),
        Phase::Images,
        RunsOn::Workstation,
    )
    .copy(manager, "stacks")
    .copy(manager, UPGRADE_STACKS);
    let mut last = chain(graph, vec![copy], after);
    let (order, _) = deploy_order(plan);
    for index in order {
        let stack = &new.stacks[index];
        let services: Vec<&(String, String, String)> =
            changed.iter().filter(|c| c.0 == stack.name).collect();
        if services.is_empty() || !shell::is_safe_name(&stack.name) {
            continue;
        }
        let mut steps: Vec<Step> = services
            .iter()
            .filter(|(s, svc, _)| !in_window.contains(&(s.clone(), svc.clone())))
            .filter_map(|(s, svc, image)| start_first(plan, state, s, svc, image, on))
            .collect();
        let files = upgraded_files(plan, &new, stack);
        let old_files: Vec<String> = stack_files::stack_files(plan, stack)
            .into_iter()
            .map(|(file, _)| {
                format!(
                    "{}/stacks/{}/{file}",
                    super::install::REMOTE_DIR,
                    stack.name
                )
            })
            .collect();
        let env = stack_environment(stack, findings);
        let prefix = if env.is_empty() {
            String::new()
        } else {
            format!("env {env}")
        };
        steps.push(
            Step::new(
                format!("update-{}", stack.name),
                format!("Update stack {} to the new image tags", stack.name),
                Phase::Images,
                on.clone(),
            )
            .shell(format!("{prefix}{}", deploy_line(stack, &files)))
            .wait_until(
                format!(
                    "docker stack services {} --format {}",
                    quote(&stack.name),
                    quote("{{.Image}}")
                ),
                Expect::Contains(services[0].2.clone()),
            )
            .rollback(format!("{prefix}{}", deploy_line(stack, &old_files)))
            .why(if stack_files::is_split(plan, stack) {
                "only versiontag.yml changes; docker-compose.yml and network.yml stay as deployed"
                    .to_owned()
            } else {
                "the stack file with the new tags; Swarm replaces the tasks one at a time"
                    .to_owned()
            }),
        );
        steps.push(
            Step::new(
                format!("converged-{}", stack.name),
                format!("Wait until stack {} runs all its replicas", stack.name),
                Phase::Images,
                on.clone(),
            )
            .wait_until(super::install::replicas(&stack.name), Expect::AllReplicas)
            .rollback(format!(
                "docker service rollback SERVICE for each service of {} that does not converge",
                stack.name
            )),
        );
        last = chain(graph, steps, last);
    }
    last
}

/// A one-replica, stop-first service without state or host-mode ports, whose second task has
/// room: updated start-first, so that the new task runs before the old one stops.
fn start_first(
    plan: &Plan,
    state: &State,
    stack: &str,
    service: &str,
    image: &str,
    on: &RunsOn,
) -> Option<Step> {
    let compose = plan
        .stacks
        .iter()
        .find(|s| s.name == stack)
        .map(compose::read)?;
    let svc = compose.service(service)?;
    let host_port = svc.ports.iter().any(|p| p.mode == PortMode::Host);
    if svc.replicas() != Some(1)
        || svc.update_order != UpdateOrder::StopFirst
        || host_port
        || is_stateful(plan, stack, service)
        || !second_replica_fits(state, stack, service, "")
    {
        return None;
    }
    let name = format!("{stack}_{service}");
    if !shell::is_safe_name(&name) {
        return None;
    }
    Some(
        Step::new(format!("start-first-{name}"), format!("Update {stack}/{service} start-first"), Phase::Images, on.clone())
            .shell(format!("docker service update --detach=false --update-order start-first --image {} {}", quote(image), quote(&name)))
            .verify(format!("docker service inspect --format {} {}", quote("{{.Spec.TaskTemplate.ContainerSpec.Image}}"), quote(&name)), Expect::Contains(image.to_owned()))
            .rollback(format!("docker service rollback {}", quote(&name)))
            .why("one replica: start-first runs the new task before stopping the old one, and there is room for both"),
    )
}

fn final_check(on: &RunsOn) -> Step {
    Step::new("verify-cluster", "Check every node and service", Phase::Finish, on.clone())
        .wait_until(format!("docker service ls --format {}", quote("{{.Replicas}}")), Expect::AllReplicas)
        .rollback("the per-phase rollbacks above, newest first")
        .why("Swarm does not move tasks back to upgraded nodes by itself: `docker service update --force SERVICE` spreads a service again")
}

#[cfg(test)]
mod tests {
    /// Found by the rehearsal lab: a worker promoted for the upgrade needs 2377/tcp, which its
    /// firewall script does not open ("could not connect to prospective new cluster member");
    /// the runbook opens it before the promotion and closes it after the demotion.
    #[test]
    fn a_promoted_worker_opens_2377_first_and_closes_it_after_its_demotion() {
        let example = crate::examples::example("digital-access").expect("the example");
        let safe = example.yaml.replace("order: vendor", "order: safe");
        let plan = crate::parse_plan(&safe).expect("the example reads");
        let book = crate::runbook::runbook(&plan, crate::runbook::Kind::Upgrade);
        let ids: Vec<&str> = book.steps.iter().map(|s| s.id.as_str()).collect();
        let at = |id: &str| ids.iter().position(|s| *s == id).expect(id);
        for node in ["da-node1", "da-node2"] {
            assert!(at(&format!("firewall-promote-{node}")) < at(&format!("promote-{node}")));
            assert!(at(&format!("demote-{node}")) < at(&format!("firewall-demote-{node}")));
        }
    }
}
