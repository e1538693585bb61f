//! Recovering a swarm that has lost quorum (Docker's "Recover from losing the quorum"): on the
//! manager that survives, `docker swarm init --force-new-cluster` makes it the one manager of a
//! new Raft group that keeps the swarm's state, services and workers; or, when no manager's state
//! survives, the state is first restored from the backup the upgrade runbook takes. Then each
//! other manager leaves its old group, is removed from the node list, and joins again, one at a
//! time, each reachable before the next.
//!
//! The runbook is made for the plan's leader (`leader: true`, else the first manager) as the
//! survivor: mark another manager as leader in the plan to make it for that one.

use super::graph::StepGraph;
use super::install::join_step;
use super::node_steps::{chain, inspect, leader, safe_nodes};
use super::{Effect, Expect, Phase, RunsOn, Step};
use crate::export::shell::quote;
use crate::findings::{Code, Finding, Target};
use crate::plan::{Node, Plan, Role};

pub fn steps(plan: &Plan) -> (StepGraph, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut graph = StepGraph::new();
    let nodes = safe_nodes(plan, &mut findings);
    let Some(survivor) = leader(&nodes) else {
        findings.push(Finding::new(
            Code::RunbookNoManager,
            Target::Plan,
            "the plan has no manager node: there is no quorum to recover",
        ));
        return (graph, findings);
    };
    let others: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.role == Role::Manager && n.name != survivor.name)
        .copied()
        .collect();
    let on = RunsOn::Node(survivor.name.clone());
    let mut steps = vec![
        Step::new("prerequisites", "Prerequisites", Phase::Prepare, RunsOn::Workstation)
            .manual(format!(
                "Quorum is lost: fewer than a majority of the managers answer. Bring back what can come back first; recover only if a majority cannot return. This runbook keeps {} as the surviving manager",
                survivor.name
            ))
            .manual("Running tasks go on while the swarm cannot be managed: nothing here stops them")
            .rollback("nothing has changed yet")
            // The simulation starts from the loss: every manager but the survivor is down.
            .effects(others.iter().map(|m| Effect::Down(m.name.clone()))),
        Step::new("check-lost", format!("Check that {} sees the quorum lost", survivor.name), Phase::PreCheck, on.clone())
            .verify("docker node ls", Expect::Contains("does not have a leader".into()))
            .rollback("nothing has changed: if the swarm has a leader, quorum is not lost and there is nothing to recover")
            .why("forcing a new cluster on a swarm that still has its quorum would split it"),
        Step::new("restore-backup", format!("Only if {}'s swarm state is lost: restore it from the backup", survivor.name), Phase::Backup, on.clone())
            .manual(format!(
                "Skip this step if {0}'s engine still holds its swarm state. Otherwise, on {0}: sudo systemctl stop docker; sudo rm -rf /var/lib/docker/swarm; sudo tar -xzf /root/swarm-backup.tgz -C /var/lib/docker (the archive the upgrade runbook's backup step wrote); sudo systemctl start docker",
                survivor.name
            ))
            .rollback("the backup is a copy: the state it replaced was lost already"),
        Step::new("force-new-cluster", format!("Make {} the one manager of a new cluster", survivor.name), Phase::Managers, on.clone())
            .shell(force_new_cluster(survivor))
            .wait_until(
                format!("docker node ls --filter role=manager --format {}", quote("{{.Hostname}} {{.ManagerStatus}}")),
                Expect::Contains(format!("{} Leader", survivor.name)),
            )
            .rollback("nothing to undo: the old Raft group cannot come back once a new cluster is forced")
            .why("Docker's recovery: the surviving manager keeps the swarm's state, services and workers, and forms a Raft group of one")
            .effects(others.iter().map(|m| Effect::Demote(m.name.clone()))),
    ];
    for manager in &others {
        steps.extend(rejoin(manager, survivor, &on));
    }
    steps.push(
        Step::new(
            "nodes-ready",
            "Check that every node is Ready",
            Phase::Finish,
            on.clone(),
        )
        .wait_until(
            format!("docker node ls --format {}", quote("{{.Status}}")),
            Expect::EveryLineIs(vec!["Ready".into()]),
        )
        .rollback("a node that stays Down: start its engine, or remove it with docker node rm"),
    );
    steps.push(
        Step::new("verify-cluster", "Check every service", Phase::Finish, on)
            .wait_until(format!("docker service ls --format {}", quote("{{.Replicas}}")), Expect::AllReplicas)
            .rollback("docker service update --force SERVICE, for a service that does not converge")
            .why("the services are the swarm's state: they run on as before, and Swarm restarts what the lost managers ran"),
    );
    chain(&mut graph, steps, None);
    (graph, findings)
}

/// `docker swarm init --force-new-cluster [--advertise-addr IP]`.
fn force_new_cluster(survivor: &Node) -> String {
    match survivor.ip {
        Some(ip) => format!(
            "docker swarm init --force-new-cluster --advertise-addr {}",
            quote(&ip.to_string())
        ),
        None => "docker swarm init --force-new-cluster".to_owned(),
    }
}

/// A lost manager back into the new cluster: out of its old group, off the node list, joined
/// again as a manager, reachable.
fn rejoin(manager: &Node, survivor: &Node, on: &RunsOn) -> Vec<Step> {
    let name = manager.name.as_str();
    let mut join = join_step(manager, survivor);
    join.id = format!("rejoin-{name}");
    join.title = format!("Join {name} again as a manager");
    join.phase = Phase::Managers;
    join.effects = vec![
        Effect::Up(name.to_owned()),
        Effect::Promote(name.to_owned()),
    ];
    vec![
        Step::new(format!("leave-{name}"), format!("Take {name} out of the old cluster"), Phase::Managers, RunsOn::Node(name.to_owned()))
            .shell("docker swarm leave --force")
            .verify(format!("docker info --format {}", quote("{{.Swarm.LocalNodeState}}")), Expect::Contains("inactive".into()))
            .rollback("nothing to undo: its old group is gone")
            .why(format!("{name} still belongs to the Raft group that lost its quorum")),
        Step::new(format!("remove-{name}"), format!("Remove {name}'s old entry from the node list"), Phase::Managers, on.clone())
            .shell(format!("docker node demote {}", quote(name)))
            .shell(format!("docker node rm --force {}", quote(name)))
            .rollback("nothing to undo: the node joins again in the next step"),
        join,
        Step::new(format!("reachable-{name}"), format!("Wait until {name} is a reachable manager"), Phase::Managers, on.clone())
            .wait_until(inspect("{{.ManagerStatus.Reachability}}", name), Expect::Contains("reachable".into()))
            .rollback(format!("docker node demote {}", quote(name)))
            .why("managers join one at a time, each reachable before the next, so that the majority only grows"),
    ]
}
