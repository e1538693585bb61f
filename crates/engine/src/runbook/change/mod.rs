//! The change runbook: from the cluster of one plan (as it runs) to the cluster of another (as
//! proposed), in the order that keeps the swarm managed and the services running.
//!
//! - pre-checks on the current leader (every manager reachable, the leader as the plan says);
//! - firewalls of new nodes, and of nodes whose openings change, before anyone joins;
//! - new managers join, and workers are promoted, one at a time, before any manager goes; then
//!   new workers join;
//! - labels are added (or given their new value) and drained nodes activated before the
//!   stacks that need them are updated; new networks and shared folders before the stacks;
//! - nodes that leave, are drained, are moved or resized, one at a time: drained, and only once
//!   their tasks run elsewhere do they leave (`docker swarm leave`, `docker node rm`);
//! - managers that go are demoted one at a time, the leader last and from another manager;
//! - labels nobody needs any more are removed, and `docker service update --force` spreads the
//!   services that a fresh deployment would place on nodes that joined or came back (Swarm does
//!   not move running tasks by itself).
//!
//! What changes is read from [`crate::diff`]; commands come from `export::commands` and the
//! steps the other runbooks share.

mod finish;
mod joins;
mod leaves;
mod setup;

use super::graph::StepGraph;
use super::node_steps::{chain, control, leader, safe_nodes};
use super::{upgrade, Phase, RunsOn, Step};
use crate::analysis::Options;
use crate::diff::{diff, same_node, PlanDiff};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Node, Plan, Role};

/// Builds the steps of the change runbook and the dependencies between them.
pub fn steps(before: &Plan, after: &Plan) -> (StepGraph, Vec<Finding>) {
    let mut findings = Vec::new();
    let mut graph = StepGraph::new();
    let old_nodes = safe_nodes(before, &mut findings);
    let new_nodes = safe_nodes(after, &mut findings);
    let Some(lead) = leader(&old_nodes) else {
        findings.push(Finding::new(
            Code::RunbookNoManager,
            Target::Plan,
            "the current plan has no manager node: there is no swarm to change",
        ));
        return (graph, findings);
    };
    let Some(new_lead) = leader(&new_nodes) else {
        findings.push(Finding::new(
            Code::RunbookNoManager,
            Target::Plan,
            "the new plan has no manager node: a swarm cannot run without one",
        ));
        return (graph, findings);
    };
    let changes = diff(before, after, &Options::default());
    if changes.is_empty() {
        findings.push(Finding::new(
            Code::RunbookNoChange,
            Target::Plan,
            "the two plans describe the same cluster: the runbook only checks it",
        ));
    }
    let mut book = Builder {
        before,
        after,
        changes,
        lead,
        head: head(lead, new_lead, after),
        nodes: node_plans(&old_nodes, &new_nodes),
        findings,
        graph: &mut graph,
    };
    book.build();
    let findings = book.findings;
    (graph, findings)
}

/// The nodes of both plans, for the bash script's addresses: the new plan's, then those that
/// leave.
pub fn both_plans(before: &Plan, after: &Plan) -> Plan {
    let mut plan = after.clone();
    for old in &before.nodes {
        if !after.nodes.iter().any(|n| same_node(old, n)) {
            plan.nodes.push(old.clone());
        }
    }
    plan
}

/// The manager that runs cluster commands once the change is done: the current leader if it
/// stays a manager, otherwise the new plan's leader.
fn head(lead: &Node, new_lead: &Node, after: &Plan) -> String {
    match after.nodes.iter().find(|n| same_node(lead, n)) {
        Some(n) if n.role == Role::Manager => n.name.clone(),
        _ => new_lead.name.clone(),
    }
}

/// What happens to one node: it joins, leaves, or stays (with its old and new definition).
#[derive(Debug, Clone, Copy)]
pub(super) enum Fate<'p> {
    Joins(&'p Node),
    Leaves(&'p Node),
    Stays(&'p Node, &'p Node),
}

/// Every node in the order the new plan lists them, then those that leave.
fn node_plans<'p>(old: &[&'p Node], new: &[&'p Node]) -> Vec<Fate<'p>> {
    let mut fates: Vec<Fate<'p>> = new
        .iter()
        .map(|n| match old.iter().find(|o| same_node(o, n)) {
            Some(o) => Fate::Stays(o, n),
            None => Fate::Joins(n),
        })
        .collect();
    for o in old {
        if !new.iter().any(|n| same_node(o, n)) {
            fates.push(Fate::Leaves(o));
        }
    }
    fates
}

pub(super) struct Builder<'p, 'g> {
    pub(super) before: &'p Plan,
    pub(super) after: &'p Plan,
    pub(super) changes: PlanDiff,
    pub(super) lead: &'p Node,
    head: String,
    pub(super) nodes: Vec<Fate<'p>>,
    pub(super) findings: Vec<Finding>,
    pub(super) graph: &'g mut StepGraph,
}

impl<'p> Builder<'p, '_> {
    pub(super) fn on_lead(&self) -> RunsOn {
        RunsOn::Node(self.lead.name.clone())
    }

    pub(super) fn on_head(&self) -> RunsOn {
        RunsOn::Node(self.head.clone())
    }

    /// The managers a command about a leaving manager may run on: the new plan's first.
    pub(super) fn managers(&self) -> Vec<String> {
        self.after
            .managers()
            .chain(self.before.managers())
            .map(|n| n.name.clone())
            .collect()
    }

    pub(super) fn control(&self, node: &str) -> RunsOn {
        control(&self.managers(), &self.lead.name, node)
    }

    fn build(&mut self) {
        let prerequisites = self.prerequisites();
        let prepare = self.graph.add(prerequisites, &[]);
        let prechecks = prechecks(self.lead, &self.on_lead());
        let checked = chain(self.graph, prechecks, Some(prepare)).unwrap_or_default();
        let firewalls = self.firewalls(&checked);
        let joined = self.joins(&checked, &firewalls);
        let ready = self.before_stacks(&joined);
        let deployed = self.stacks(&ready);
        let workers = self.workers(deployed);
        let managers = self.managers_out(workers);
        let mut last = self.cleanup(managers);
        last = self.rebalance(last);
        let checks = self.final_checks();
        chain(self.graph, checks, last);
    }

    fn prerequisites(&self) -> Step {
        let joining: Vec<&str> = self.joining().map(|n| n.name.as_str()).collect();
        let mut step = Step::new(
            "prerequisites",
            "Prerequisites",
            Phase::Prepare,
            RunsOn::Workstation,
        )
        .manual("Take a snapshot (or backup) of every VM before the change")
        .manual("Export the new plan's bundle (swarmplan export PLAN --out DIR) and run this runbook from its runbooks folder");
        if !joining.is_empty() {
            step = step.manual(format!(
                "Create the new VMs {} with Docker Engine installed and a fixed IP, on the servers the plan names",
                joining.join(", ")
            ));
        }
        step.rollback("nothing has changed yet")
    }

    fn joining(&self) -> impl Iterator<Item = &'p Node> + '_ {
        self.nodes.iter().filter_map(|f| match f {
            Fate::Joins(n) => Some(*n),
            _ => None,
        })
    }
}

fn phase_of(node: &Node) -> Phase {
    match node.role {
        Role::Manager => Phase::Managers,
        Role::Worker => Phase::Workers,
    }
}

/// The upgrade's pre-checks, with the reasons a change has for them.
fn prechecks(lead: &Node, on: &RunsOn) -> Vec<Step> {
    upgrade::prechecks(lead, on)
        .into_iter()
        .map(|mut step| {
            match step.id.as_str() {
                "check-managers" => {
                    step.why = Some("managers are added and removed one at a time: every other one must be reachable meanwhile".to_owned());
                    step.rollback = vec!["nothing has changed: repair the unreachable manager before the change".to_owned()];
                }
                "check-leader" => {
                    step.why = Some(format!("if the leader goes, it goes last, so that leadership changes once; the plan assumes {}", lead.name));
                }
                "check-services" => {
                    step.rollback = vec!["nothing has changed: fix the service first, the change would hide its problem".to_owned()];
                }
                _ => {}
            }
            step
        })
        .collect()
}
