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

use super::graph::StepGraph;
use super::install::{firewall_step, join_step, stack_paths};
use super::node_steps::{
    self as node, chain, control, inspect, label_inspect, label_rm, leader, safe_nodes,
};
use super::{install, upgrade, Effect, Expect, Phase, RunsOn, Step};
use crate::analysis::{analyze, Options, ServiceMode};
use crate::compose;
use crate::diff::{diff, same_node, Change, PlanDiff};
use crate::export::commands::{
    commands, deploy_line, deploy_order, external_networks, label_line, network_line,
    stack_environment,
};
use crate::export::firewall::{node_script, port_matrix};
use crate::export::shell::{self, quote};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Availability, Node, Plan, Role, Stack};
use crate::yaml::Value;

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
enum Fate<'p> {
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

struct Builder<'p, 'g> {
    before: &'p Plan,
    after: &'p Plan,
    changes: PlanDiff,
    lead: &'p Node,
    head: String,
    nodes: Vec<Fate<'p>>,
    findings: Vec<Finding>,
    graph: &'g mut StepGraph,
}

impl<'p> Builder<'p, '_> {
    fn on_lead(&self) -> RunsOn {
        RunsOn::Node(self.lead.name.clone())
    }

    fn on_head(&self) -> RunsOn {
        RunsOn::Node(self.head.clone())
    }

    /// The managers a command about a leaving manager may run on: the new plan's first.
    fn managers(&self) -> Vec<String> {
        self.after
            .managers()
            .chain(self.before.managers())
            .map(|n| n.name.clone())
            .collect()
    }

    fn control(&self, node: &str) -> RunsOn {
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

    /// The firewall of every new node, and of every node whose openings change (a new node's
    /// address, a published port): before anyone joins.
    fn firewalls(&mut self, checked: &str) -> Vec<String> {
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
            let step = firewall_step(new).why(match fate {
                Fate::Joins(_) => "Swarm's own ports must be open before the node joins, or the join times out",
                _ => "the node's openings change with the new plan (new nodes' addresses, published ports): the new plan's script opens them before anything joins",
            });
            ids.push(self.graph.add(step, &[checked.to_owned()]));
        }
        ids
    }

    /// Managers arrive one at a time (joins, then promotions), then new workers join. Returns
    /// the last step.
    fn joins(&mut self, checked: &str, firewalls: &[String]) -> String {
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

    fn join(&self, new: &Node) -> Vec<Step> {
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
    fn reachable(&self, new: &Node) -> Step {
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

    fn promote(&self, new: &Node) -> Step {
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

    /// Labels, activations, networks and shared folders: what the updated stacks need. Returns
    /// the steps the stacks wait for.
    fn before_stacks(&mut self, joined: &str) -> Vec<String> {
        let mut ready = vec![joined.to_owned()];
        for fate in self.nodes.clone() {
            let (old, new) = match fate {
                Fate::Joins(n) => (None, n),
                Fate::Stays(o, n) => (Some(o), n),
                Fate::Leaves(_) => continue,
            };
            if let Some(step) = self.label_step(old, new) {
                ready.push(self.graph.add(step, &[joined.to_owned()]));
            }
            if let Some(o) = old {
                if o.availability != Availability::Active
                    && new.availability == Availability::Active
                    && self.maintenance(o, new).is_empty()
                {
                    let step = node::activate(new, self.on_lead(), Phase::Swarm);
                    ready.push(self.graph.add(step, &[joined.to_owned()]));
                }
            }
        }
        for step in self.network_steps() {
            ready.push(self.graph.add(step, &[joined.to_owned()]));
        }
        if let Some(step) = self.folders_step() {
            ready.push(self.graph.add(step, &[joined.to_owned()]));
        }
        ready
    }

    /// Labels the node gets or whose value changes, from the diff (all of a new node's).
    fn label_changes(&self, old: Option<&Node>, new: &Node) -> Vec<Change> {
        match old {
            None => new
                .labels
                .iter()
                .map(|(k, v)| Change {
                    field: format!("labels.{k}"),
                    before: None,
                    after: Some(v.clone()),
                })
                .collect(),
            Some(_) => self
                .node_changes(&new.name)
                .into_iter()
                .filter(|c| c.field.starts_with("labels."))
                .collect(),
        }
    }

    fn node_changes(&self, name: &str) -> Vec<Change> {
        self.changes
            .nodes
            .changed
            .iter()
            .find(|c| c.node == name)
            .map(|c| c.changes.clone())
            .unwrap_or_default()
    }

    /// Label changes whose words can go into a shell; the others are findings.
    fn safe_label_changes(&mut self, node: &str, changes: Vec<Change>) -> Vec<(String, Change)> {
        let mut safe = Vec::new();
        for change in changes {
            let key = change.field.trim_start_matches("labels.").to_owned();
            let values_ok = [&change.before, &change.after]
                .iter()
                .all(|v| v.as_deref().is_none_or(|v| shell::is_safe_label(v, false)));
            if shell::is_safe_label(&key, true) && values_ok {
                safe.push((key, change));
            } else {
                super::push_unique(&mut self.findings, Finding::new(Code::RunbookUnsafeLabel, Target::Node(node.to_owned()), format!("label {key:?} of node `{node}` cannot go into a shell command; the runbook leaves it out")));
            }
        }
        safe
    }

    fn label_step(&mut self, old: Option<&Node>, new: &Node) -> Option<Step> {
        let changes = self.label_changes(old, new);
        let adds: Vec<(String, Change)> = self
            .safe_label_changes(&new.name, changes)
            .into_iter()
            .filter(|(_, c)| c.after.is_some())
            .collect();
        let (first_key, first) = adds.first()?;
        let mut step = Step::new(
            format!("label-{}", new.name),
            format!("Label {}", new.name),
            Phase::Labels,
            self.on_lead(),
        )
        .verify(
            label_inspect(first_key, &new.name),
            Expect::Contains(first.after.clone().unwrap_or_default()),
        )
        .why("labels are set before the stacks that need them are updated; a changed value moves the tasks that needed the old one");
        for (key, change) in &adds {
            let value = change.after.clone().unwrap_or_default();
            step = step
                .shell(label_line(&new.name, key, &value))
                .rollback(match &change.before {
                    Some(old) => label_line(&new.name, key, old),
                    None => label_rm(&new.name, key),
                })
                .effect(Effect::Label {
                    node: new.name.clone(),
                    key: key.clone(),
                    value: Some(value),
                });
        }
        Some(step)
    }

    fn network_steps(&self) -> Vec<Step> {
        let read = |plan: &Plan| -> Vec<compose::Compose> {
            plan.stacks.iter().map(compose::read).collect()
        };
        let old = external_networks(&read(self.before));
        external_networks(&read(self.after))
            .into_values()
            .filter(|n| !old.contains_key(&n.name))
            .filter(|n| shell::is_safe_name(&n.name) && shell::is_safe_name(&n.driver))
            .map(|network| {
                Step::new(
                    format!("network-{}", network.name),
                    format!("Create network {}", network.name),
                    Phase::Networks,
                    self.on_lead(),
                )
                .shell(network_line(&network))
                .verify(
                    format!(
                        "docker network inspect --format {} {}",
                        quote("{{.Driver}}"),
                        quote(&network.name)
                    ),
                    Expect::Contains(network.driver.clone()),
                )
                .rollback(format!("docker network rm {}", quote(&network.name)))
                .why("a stack of the new plan uses it as an external network")
            })
            .collect()
    }

    /// The shared folders script, when the new plan's differs.
    fn folders_step(&self) -> Option<Step> {
        let script = |plan: &Plan| {
            commands(plan)
                .scripts
                .into_iter()
                .find(|s| s.name == "nas-folders.sh")
                .map(|s| s.text)
        };
        if self.after.export.shared_folders.is_empty() || script(self.before) == script(self.after)
        {
            return None;
        }
        Some(
            Step::new(
                "shared-folders",
                "Create the new shared (NAS) folders and their owners",
                Phase::Folders,
                self.on_lead(),
            )
            .script("commands/nas-folders.sh")
            .rollback("the new folders are empty: remove them with rmdir")
            .why("bind mounts fail when their host folder is missing; the script leaves existing folders as they are"),
        )
    }

    /// Stacks that go, then new and changed stacks in `after` order. Returns the last step.
    fn stacks(&mut self, ready: &[String]) -> String {
        let removed: Vec<&'p Stack> = {
            let (order, _) = deploy_order(self.before);
            order
                .into_iter()
                .rev()
                .map(|i| &self.before.stacks[i])
                .filter(|s| !self.after.stacks.iter().any(|a| a.name == s.name))
                .filter(|s| shell::is_safe_name(&s.name))
                .collect()
        };
        let (order, cycle) = deploy_order(self.after);
        self.findings.extend(cycle);
        let deployed: Vec<&'p Stack> = order
            .into_iter()
            .map(|i| &self.after.stacks[i])
            .filter(|s| shell::is_safe_name(&s.name))
            .filter(|s| {
                self.before_stack(&s.name)
                    .is_none_or(|old| stack_changed(old, s))
            })
            .collect();
        let mut steps: Vec<Step> = removed
            .iter()
            .map(|s| remove_stack(s, self.on_lead()))
            .collect();
        if !deployed.is_empty() {
            steps.push(
                Step::new(
                    "copy-stacks",
                    format!("Copy the new stack files to {}", self.lead.name),
                    Phase::Stacks,
                    RunsOn::Workstation,
                )
                .copy(&self.lead.name, "stacks"),
            );
        }
        for stack in deployed {
            let step = self.deploy_step(stack);
            steps.push(step);
        }
        let mut last: Option<String> = None;
        for step in steps {
            let deps = match &last {
                Some(l) => vec![l.clone()],
                None => ready.to_vec(),
            };
            last = Some(self.graph.add(step, &deps));
        }
        last.unwrap_or_else(|| ready.last().cloned().unwrap_or_default())
    }

    fn before_stack(&self, name: &str) -> Option<&'p Stack> {
        self.before.stacks.iter().find(|s| s.name == name)
    }

    fn deploy_step(&mut self, stack: &Stack) -> Step {
        let env = stack_environment(stack, &mut self.findings);
        let old = self.before_stack(&stack.name);
        let gone: Vec<String> = old
            .map(service_names)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| !service_names(stack).contains(s))
            .collect();
        let mut deploy = deploy_line(stack, &stack_paths(self.after, stack));
        if !gone.is_empty() {
            deploy = deploy.replacen("docker stack deploy ", "docker stack deploy --prune ", 1);
        }
        let line = if env.is_empty() {
            deploy
        } else {
            format!("env {env}{deploy}")
        };
        let (id, title, rollback, why) = match old {
            None => (
                format!("deploy-{}", stack.name),
                format!("Deploy stack {}", stack.name),
                format!("docker stack rm {}", quote(&stack.name)),
                "a new stack of the new plan; stacks go in `after:` order".to_owned(),
            ),
            Some(o) => (
                format!("update-{}", stack.name),
                format!("Update stack {}", stack.name),
                self.stack_rollback(o, stack),
                if gone.is_empty() {
                    "Swarm updates only the services whose definition changed, one task at a time"
                        .to_owned()
                } else {
                    format!(
                        "--prune removes the services the new plan drops: {}",
                        gone.join(", ")
                    )
                },
            ),
        };
        Step::new(id, title, Phase::Stacks, self.on_lead())
            .shell(line)
            .wait_until(install::replicas(&stack.name), Expect::AllReplicas)
            .rollback(rollback)
            .why(why)
            .effect(Effect::Deploy(stack.name.clone()))
    }

    /// `docker service rollback` for each service whose definition changed; the previous
    /// plan's bundle for the rest.
    fn stack_rollback(&self, old: &Stack, new: &Stack) -> String {
        let changed: Vec<String> = service_names(new)
            .into_iter()
            .filter(|s| {
                service_body(old, s).is_some() && service_body(old, s) != service_body(new, s)
            })
            .map(|s| {
                format!(
                    "docker service rollback {}",
                    quote(&format!("{}_{s}", new.name))
                )
            })
            .collect();
        let mut text = changed.join("; ");
        if !text.is_empty() {
            text.push_str("; ");
        }
        text.push_str(&format!(
            "or deploy stack {} again from the previous plan's bundle",
            new.name
        ));
        text
    }

    /// Nodes that change availability, are moved or resized, or leave: one at a time, drained
    /// until their tasks run elsewhere. Managers that go are left to [`Self::managers_out`].
    fn workers(&mut self, after: String) -> Option<String> {
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
    fn managers_out(&mut self, after: Option<String>) -> Option<String> {
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
    fn maintenance(&self, old: &Node, new: &Node) -> Vec<String> {
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
            .about(&new.name, super::Stage::Upgrade)
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
    fn availability(&self, from: Availability, new: &Node) -> Vec<Step> {
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
    fn leave(&self, old: &Node) -> Vec<Step> {
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
    fn demote(&self, old: &Node) -> Vec<Step> {
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

    /// Labels the new plan drops, once no service needs them.
    fn cleanup(&mut self, after: Option<String>) -> Option<String> {
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
    fn rebalance(&mut self, after: Option<String>) -> Option<String> {
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

    fn final_checks(&self) -> Vec<Step> {
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

/// After a drain: every service runs all its replicas again, on other nodes.
fn elsewhere(node: &str, on: RunsOn, phase: Phase) -> Step {
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

fn remove_stack(stack: &Stack, on: RunsOn) -> Step {
    Step::new(
        format!("remove-stack-{}", stack.name),
        format!("Remove stack {}", stack.name),
        Phase::Stacks,
        on,
    )
    .shell(format!("docker stack rm {}", quote(&stack.name)))
    .wait_until(
        format!(
            "docker stack services {} --format {}",
            quote(&stack.name),
            quote("{{.Name}}")
        ),
        Expect::Contains("Nothing found in stack".into()),
    )
    .rollback(format!(
        "deploy stack {} again from the previous plan's bundle",
        stack.name
    ))
    .why("the new plan drops the stack; removing it first frees room for the others")
    .effect(Effect::RemoveStack(stack.name.clone()))
}

/// Whether `docker stack deploy` of the new version changes anything.
fn stack_changed(old: &Stack, new: &Stack) -> bool {
    old.compose != new.compose || old.variables != new.variables
}

fn service_names(stack: &Stack) -> Vec<String> {
    match stack.compose.get("services") {
        Some(Value::Mapping(services)) => services
            .keys()
            .filter_map(|k| k.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

fn service_body<'s>(stack: &'s Stack, service: &str) -> Option<&'s Value> {
    stack.compose.get("services").and_then(|s| s.get(service))
}
