//! Replaying a runbook against the plan: after each step that changes the cluster, count the
//! managers still reachable and place every task again as Swarm would, then say which step
//! would lose quorum or leave a service short of its replicas.
//!
//! The state is a copy of the plan: a drained node gets `availability: drain`, a node whose
//! engine is down is drained as well (its tasks run elsewhere) and stops counting as a
//! reachable manager, a promotion changes its role, a scale changes `deploy.replicas`. Placement
//! is recomputed from scratch with [`crate::analyze`]; Swarm does not move tasks back when a
//! node returns, but whether every task has a place is the same question either way.

use super::{Effect, Step};
use crate::analysis::{analyze, Options, ServiceMode, ServiceStatus};
use crate::constraint::{self, Key, Operator};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Availability, Plan, Role};
use crate::quorum;
use crate::yaml::{Mapping, Value};
use serde::Serialize;
use std::collections::BTreeSet;

/// The simulation's verdict after one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub managers: usize,
    pub reachable: usize,
    pub quorum: bool,
    /// Services running fewer replicas than asked for, as `stack/service r/d`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub below: Vec<String>,
}

/// The cluster as a runbook leaves it: a plan copy, and the nodes whose engine is down. A
/// change runbook also has the plan it moves towards: nodes join, stacks are deployed and nodes
/// take their new server and size from it.
#[derive(Debug, Clone)]
pub struct State {
    pub plan: Plan,
    pub down: BTreeSet<String>,
    pub target: Option<Plan>,
    /// Stacks removed to be deployed again: their services still count, and run nothing.
    pub stopped: BTreeSet<String>,
}

impl State {
    pub fn new(plan: &Plan) -> Self {
        State {
            plan: plan.clone(),
            down: BTreeSet::new(),
            target: None,
            stopped: BTreeSet::new(),
        }
    }

    /// The cluster of `before`, on its way to `after`: the servers of both plans exist.
    pub fn towards(before: &Plan, after: &Plan) -> Self {
        let mut state = State::new(before);
        for host in &after.hosts {
            if state.plan.host(&host.name).is_none() {
                state.plan.hosts.push(host.clone());
            }
        }
        state.target = Some(after.clone());
        state
    }

    pub fn apply(&mut self, effect: &Effect) {
        match effect {
            Effect::Drain(node) => self.set_availability(node, Availability::Drain),
            Effect::Activate(node) => self.set_availability(node, Availability::Active),
            Effect::Down(node) => {
                self.down.insert(node.clone());
            }
            Effect::Up(node) => {
                self.down.remove(node);
            }
            Effect::Promote(node) => self.set_role(node, Role::Manager),
            Effect::Demote(node) => self.set_role(node, Role::Worker),
            Effect::Scale {
                stack,
                service,
                replicas,
            } => set_replicas(&mut self.plan, stack, service, *replicas),
            Effect::Pause(node) => self.set_availability(node, Availability::Pause),
            Effect::Join(node) => self.join(node),
            Effect::Leave(node) => {
                self.plan.nodes.retain(|n| n.name != *node);
                self.down.remove(node);
            }
            Effect::Label { node, key, value } => self.set_label(node, key, value.as_deref()),
            Effect::Adopt(node) => self.adopt(node),
            Effect::Deploy(stack) => {
                self.stopped.remove(stack);
                self.deploy(stack);
            }
            Effect::RemoveStack(stack) => self.plan.stacks.retain(|s| s.name != *stack),
            Effect::Stop(stack) => {
                self.stopped.insert(stack.clone());
            }
        }
    }

    fn target_node(&self, node: &str) -> Option<&crate::plan::Node> {
        self.target.as_ref().and_then(|t| t.node(node))
    }

    /// A node of the target plan joins, active, in the role it has there.
    fn join(&mut self, node: &str) {
        if self.plan.node(node).is_some() {
            return;
        }
        if let Some(new) = self.target_node(node).cloned() {
            self.plan.nodes.push(crate::plan::Node {
                availability: Availability::Active,
                ..new
            });
        }
    }

    /// The node takes the target plan's server, size, address, platform and engine labels.
    fn adopt(&mut self, node: &str) {
        let Some(new) = self.target_node(node).cloned() else {
            return;
        };
        if let Some(n) = self.plan.nodes.iter_mut().find(|n| n.name == node) {
            n.host = new.host;
            n.cpus = new.cpus;
            n.memory = new.memory;
            n.ip = new.ip;
            n.os = new.os;
            n.arch = new.arch;
            n.engine_labels = new.engine_labels;
        }
    }

    fn set_label(&mut self, node: &str, key: &str, value: Option<&str>) {
        if let Some(n) = self.plan.nodes.iter_mut().find(|n| n.name == node) {
            match value {
                Some(v) => {
                    n.labels.insert(key.to_owned(), v.to_owned());
                }
                None => {
                    n.labels.shift_remove(key);
                }
            }
        }
    }

    /// The target plan's version of the stack replaces the running one.
    fn deploy(&mut self, stack: &str) {
        let Some(new) = self
            .target
            .as_ref()
            .and_then(|t| t.stacks.iter().find(|s| s.name == stack))
            .cloned()
        else {
            return;
        };
        match self.plan.stacks.iter_mut().find(|s| s.name == stack) {
            Some(old) => *old = new,
            None => self.plan.stacks.push(new),
        }
    }

    fn set_availability(&mut self, node: &str, availability: Availability) {
        if let Some(n) = self.plan.nodes.iter_mut().find(|n| n.name == node) {
            n.availability = availability;
        }
    }

    fn set_role(&mut self, node: &str, role: Role) {
        if let Some(n) = self.plan.nodes.iter_mut().find(|n| n.name == node) {
            n.role = role;
        }
    }

    /// Managers, and those whose engine is up.
    pub fn managers(&self) -> (usize, usize) {
        let managers: Vec<&str> = self.plan.managers().map(|n| n.name.as_str()).collect();
        let reachable = managers.iter().filter(|m| !self.down.contains(**m)).count();
        (managers.len(), reachable)
    }

    /// Every service's status, with the down nodes unable to run tasks.
    pub fn services(&self) -> Vec<ServiceStatus> {
        let mut view = self.plan.clone();
        for node in view
            .nodes
            .iter_mut()
            .filter(|n| self.down.contains(&n.name))
        {
            node.availability = Availability::Drain;
        }
        analyze(&view, &Options::default()).services
    }

    fn check(&self, baseline: &[ServiceStatus]) -> Check {
        let (managers, reachable) = self.managers();
        let services = self.services();
        // An active/passive pair's instances stand for one another: while one runs, the
        // others' absence is the procedure, not an outage.
        let instances: Vec<&str> = self
            .plan
            .upgrade
            .as_ref()
            .and_then(|u| u.active_passive.as_ref())
            .map(|ap| ap.instances.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let pair_serves = services
            .iter()
            .any(|s| s.running > 0 && instances.contains(&s.id().as_str()));
        let below = services
            .iter()
            .filter(|s| !(pair_serves && instances.contains(&s.id().as_str())))
            .filter(|s| s.mode == ServiceMode::Replicated)
            .filter(|s| {
                let before = baseline
                    .iter()
                    .find(|b| b.stack == s.stack && b.service == s.service)
                    .map_or(0, |b| b.running);
                self.stopped.contains(&s.stack) || s.running < s.desired.min(before)
            })
            .map(|s| {
                let running = if self.stopped.contains(&s.stack) {
                    0
                } else {
                    s.running
                };
                format!("{} {running}/{}", s.id(), s.desired)
            })
            .collect();
        Check {
            managers,
            reachable,
            quorum: managers == 0 || quorum::holds(managers, reachable),
            below,
        }
    }
}

/// Replays the steps in order, stores each verdict in its step, and returns the findings:
/// a step that loses quorum, a service left short of replicas (and what the plan should add).
pub fn replay(plan: &Plan, steps: &mut [Step]) -> Vec<Finding> {
    replay_state(plan, State::new(plan), steps)
}

/// Replays a change runbook: the cluster of `before` changed step by step into `after`. What
/// to add, when a service runs short, is said of `after`.
pub fn replay_change(before: &Plan, after: &Plan, steps: &mut [Step]) -> Vec<Finding> {
    let baseline = analyze(before, &Options::default()).services;
    replay_with(after, &baseline, State::towards(before, after), steps)
}

fn replay_state(plan: &Plan, state: State, steps: &mut [Step]) -> Vec<Finding> {
    let baseline = analyze(plan, &Options::default()).services;
    replay_with(plan, &baseline, state, steps)
}

fn replay_with(
    plan: &Plan,
    baseline: &[ServiceStatus],
    mut state: State,
    steps: &mut [Step],
) -> Vec<Finding> {
    let mut last = state.check(baseline);
    let mut findings: Vec<Finding> = Vec::new();
    for step in steps.iter_mut() {
        if !step.effects.is_empty() {
            for effect in &step.effects {
                state.apply(effect);
            }
            last = state.check(baseline);
        }
        step.check = Some(last.clone());
        findings.extend(step_findings(plan, step, &last, &findings));
        if let Some(finding) = narrow_window(&state, step, &findings) {
            findings.push(finding);
        }
    }
    findings
}

fn step_findings(plan: &Plan, step: &Step, check: &Check, seen: &[Finding]) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let already = |out: &[Finding], code: &str, target: &Target| {
        seen.iter()
            .chain(out.iter())
            .any(|f| f.code == code && &f.target == target)
    };
    let node_target = step
        .subject
        .as_ref()
        .map_or(Target::Plan, |(node, _)| Target::Node(node.clone()));
    if !check.quorum && !already(&out, "runbook-quorum-lost", &node_target) {
        out.push(
            Finding::new(
                Code::RunbookQuorumLost,
                node_target,
                format!(
                    "step `{}` ({}): {} of {} managers reachable, quorum needs {}: the swarm cannot be managed until the step is undone",
                    step.id,
                    step.title,
                    check.reachable,
                    check.managers,
                    quorum::majority(check.managers)
                ),
            )
            .hint("use three managers on three hosts (or add workers the runbook can promote for the upgrade), so that one manager can be down"),
        );
    }
    for below in &check.below {
        let id = below.split(' ').next().unwrap_or_default();
        let Some((stack, service)) = id.split_once('/') else {
            continue;
        };
        let target = Target::Service {
            stack: stack.to_owned(),
            service: service.to_owned(),
        };
        if already(&out, "runbook-service-below-replicas", &target) {
            continue;
        }
        let drained = step.effects.iter().find_map(|e| match e {
            Effect::Drain(node) | Effect::Down(node) => Some(node.as_str()),
            _ => None,
        });
        let away = step
            .subject
            .as_ref()
            .map(|(n, _)| n.as_str())
            .or(drained)
            .unwrap_or("");
        out.push(
            Finding::new(
                Code::RunbookServiceBelowReplicas,
                target,
                format!(
                    "step `{}` ({}) leaves {below} replicas running: no other node can take its tasks",
                    step.id, step.title
                ),
            )
            .hint(what_to_add(plan, stack, service, away)),
        );
    }
    out
}

/// While a manager is down, the managers still reachable may all sit in one host, rack or
/// site: losing that one domain during the step would stop the swarm.
fn narrow_window(state: &State, step: &Step, seen: &[Finding]) -> Option<Finding> {
    let (managers, reachable) = state.managers();
    if reachable == 0 || reachable == managers {
        return None;
    }
    let up: Vec<&crate::plan::Node> = state
        .plan
        .managers()
        .filter(|m| !state.down.contains(&m.name))
        .collect();
    let host = |n: &crate::plan::Node| Some(n.host_name().to_owned());
    let rack = |n: &crate::plan::Node| state.plan.host(n.host_name()).and_then(|h| h.rack.clone());
    let site = |n: &crate::plan::Node| state.plan.host(n.host_name()).and_then(|h| h.site.clone());
    let shared = |get: &dyn Fn(&crate::plan::Node) -> Option<String>| -> Option<String> {
        let first = get(up[0])?;
        up.iter()
            .all(|n| get(n).as_deref() == Some(first.as_str()))
            .then_some(first)
    };
    let (kind, target, name) = if let Some(h) = shared(&host) {
        ("host", Target::Host(h.clone()), h)
    } else if let Some(r) = shared(&rack) {
        ("rack", Target::Rack(r.clone()), r)
    } else {
        let s = shared(&site)?;
        ("site", Target::Site(s.clone()), s)
    };
    if seen
        .iter()
        .any(|f| f.code == Code::RunbookNarrowWindow && f.target == target)
    {
        return None;
    }
    let names: Vec<&str> = up.iter().map(|n| n.name.as_str()).collect();
    Some(
        Finding::new(
            Code::RunbookNarrowWindow,
            target,
            format!(
                "during step `{}` ({}), the reachable managers {} are all in {kind} {name}: losing it then stops the swarm",
                step.id,
                step.title,
                names.join(", ")
            ),
        )
        .hint(format!("spread the managers over three {kind}s, so that the upgrade window depends on no single {kind}")),
    )
}

/// What the plan should add so that a service's tasks have somewhere to go while `away` is
/// out of service: read from the service's constraints.
pub fn what_to_add(plan: &Plan, stack: &str, service: &str, away: &str) -> String {
    let constraints = plan
        .stacks
        .iter()
        .find(|s| s.name == stack)
        .map(crate::compose::read)
        .and_then(|c| c.service(service).map(|s| s.constraints.clone()))
        .unwrap_or_default();
    let parsed = constraint::parse_all(&constraints).unwrap_or_default();
    let mut wants: Vec<String> = Vec::new();
    for c in parsed.iter().filter(|c| c.operator == Operator::Equal) {
        match &c.key {
            Key::NodeLabel(label) => wants.push(format!("label {label}={}", c.value)),
            Key::Role => wants.push(format!("role {}", c.value)),
            Key::Hostname => {
                return format!(
                    "the service is pinned to node {}: constrain it to a label that a second node also carries",
                    c.value
                )
            }
            _ => {}
        }
    }
    let while_away = if away.is_empty() {
        String::new()
    } else {
        format!(" while {away} is out of service")
    };
    if wants.is_empty() {
        format!("add a node with room for the service's reservations, so that its tasks can run elsewhere{while_away}")
    } else {
        let nodes_like = plan
            .nodes
            .iter()
            .filter(|n| parsed.iter().all(|c| c.matches(n)))
            .count();
        format!(
            "add a {} node with {}, so that its tasks can run elsewhere{while_away}",
            ordinal(nodes_like + 1),
            wants.join(" and ")
        )
    }
}

fn ordinal(n: usize) -> String {
    match n {
        1 => "first".into(),
        2 => "second".into(),
        3 => "third".into(),
        4 => "fourth".into(),
        n => format!("{n}th"),
    }
}

/// Sets `services.SERVICE.deploy.replicas` in a plan copy's compose file.
fn set_replicas(plan: &mut Plan, stack: &str, service: &str, replicas: u64) {
    let Some(stack) = plan.stacks.iter_mut().find(|s| s.name == stack) else {
        return;
    };
    let Some(Value::Mapping(body)) = stack
        .compose
        .get_mut("services")
        .and_then(|s| s.get_mut(service))
    else {
        return;
    };
    let deploy = body
        .entry("deploy".into())
        .or_insert_with(|| Value::Mapping(Mapping::new()));
    if let Value::Mapping(deploy) = deploy {
        deploy.insert("replicas".into(), Value::Number(replicas.into()));
    }
}

/// What draining one node does, in a given state: replicated services that would run short,
/// those of them that run only there (pinned to the node: no other node can take them), and
/// one-replica services whose only task moves (a restart elsewhere).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DrainOutcome {
    pub short: Vec<(String, String)>,
    pub pinned: Vec<(String, String)>,
    pub moved_single: Vec<(String, String)>,
}

pub fn drain_outcome(state: &State, node: &str) -> DrainOutcome {
    let before = analyze(&state.plan, &Options::default());
    let mut after = state.clone();
    after.apply(&Effect::Drain(node.to_owned()));
    let services = after.services();
    let mut outcome = DrainOutcome::default();
    for status in before
        .services
        .iter()
        .filter(|s| s.mode == ServiceMode::Replicated)
    {
        if !status.nodes.iter().any(|n| n == node) {
            continue;
        }
        let Some(now) = services
            .iter()
            .find(|s| s.stack == status.stack && s.service == status.service)
        else {
            continue;
        };
        let key = (status.stack.clone(), status.service.clone());
        if now.running < now.desired.min(status.running) {
            if status.nodes.iter().all(|n| n == node) && now.running == 0 {
                outcome.pinned.push(key.clone());
            }
            outcome.short.push(key);
        } else if status.desired == 1 {
            outcome.moved_single.push(key);
        }
    }
    outcome
}

/// Whether a second replica of a one-replica service can run on another node than `node`
/// while the first still runs: the room a scale-up (or a start-first update) needs.
pub fn second_replica_fits(state: &State, stack: &str, service: &str, node: &str) -> bool {
    let mut scaled = state.clone();
    scaled.apply(&Effect::Scale {
        stack: stack.to_owned(),
        service: service.to_owned(),
        replicas: 2,
    });
    scaled
        .services()
        .iter()
        .find(|s| s.stack == stack && s.service == service)
        .is_some_and(|s| s.running == 2 && s.nodes.iter().any(|n| n != node))
}
