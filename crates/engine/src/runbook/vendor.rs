//! A vendor's own procedure, as the plan writes it: the phases and commands of a node's upgrade
//! (per role and per node), and the steps Swarmplan cannot compute, placed among the runbook's
//! own. Placeholders in the vendor's lines are filled from the plan here, and a join token
//! becomes a command that fetches it as the step runs.

use super::graph::StepGraph;
use super::{Command, Phase, RunsOn, Step, Token};
use crate::findings::{Code, Finding, Target};
use crate::plan::{CustomStep, CustomVerify, Node, Plan, Role};
use crate::validate;

/// What the placeholders of a vendor's line stand for.
pub struct Fill<'p> {
    /// `{node}` and `{ip}`: the node the line is about (upgraded, or the one a step runs on).
    pub node: Option<&'p Node>,
    /// `{manager}`, `{manager_ip}`, `{manager_address}`, and the manager tokens are asked of.
    pub manager: &'p Node,
}

impl Fill<'_> {
    fn text(&self, line: &str) -> String {
        let ip = |node: Option<&Node>| {
            node.and_then(|n| n.ip)
                .map(|ip| ip.to_string())
                .unwrap_or_default()
        };
        let manager_ip = ip(Some(self.manager));
        line.replace("{node}", self.node.map_or("", |n| n.name.as_str()))
            .replace("{ip}", &ip(self.node))
            .replace("{manager}", &self.manager.name)
            .replace("{manager_ip}", &manager_ip)
            .replace(
                "{manager_address}",
                &crate::export::commands::remote_address(Some(self.manager)),
            )
    }

    /// A vendor's line as a command: run with `bash -c`, its placeholders filled; a line that
    /// names a join token gets it at run time.
    pub fn command(&self, line: &str) -> Command {
        let line = self.text(line);
        for role in [Role::Worker, Role::Manager] {
            let placeholder = format!("{{token:{role}}}");
            if let Some((before, after)) = line.split_once(&placeholder) {
                return Command::WithToken {
                    token: Token {
                        role,
                        from: self.manager.name.clone(),
                    },
                    before: before.to_owned(),
                    after: after.to_owned(),
                    user: true,
                };
            }
        }
        Command::UserShell(line)
    }

    pub fn commands(&self, lines: &[String]) -> Vec<Command> {
        lines.iter().map(|line| self.command(line)).collect()
    }

    /// A vendor's line as a person reads it: placeholders filled, a token as its placeholder.
    pub fn readable(&self, line: &str) -> String {
        self.command(line).text()
    }
}

/// One phase of a node's upgrade, as the runbook runs it.
pub struct NodePhase {
    /// The summary table's column and the step id's part (`EXPORT`, `UPGRADE`).
    pub name: String,
    pub lines: Vec<String>,
    pub manual: Vec<String>,
    /// Whether the node's engine is down during the phase.
    pub engine_down: bool,
}

/// The phases that upgrade `node` in `role`: the plan's vendor phases (with the node's or its
/// role's lines), else `node_commands` as one UPGRADE phase, else one phase done by hand.
pub fn node_phases(plan: &Plan, node: &Node, role: Role) -> Vec<NodePhase> {
    let Some(upgrade) = plan.upgrade.as_ref() else {
        return vec![manual_upgrade(node)];
    };
    if upgrade.phases.is_empty() {
        if upgrade.node_commands.is_empty() {
            return vec![manual_upgrade(node)];
        }
        return vec![NodePhase {
            name: "UPGRADE".to_owned(),
            lines: upgrade.node_commands.clone(),
            manual: Vec::new(),
            engine_down: true,
        }];
    }
    let last = upgrade.phases.len() - 1;
    let any_down = upgrade.phases.iter().any(|p| p.engine_down == Some(true));
    upgrade
        .phases
        .iter()
        .enumerate()
        .map(|(i, phase)| {
            let lines = phase
                .nodes
                .get(&node.name)
                .or(match role {
                    Role::Manager => phase.manager.as_ref(),
                    Role::Worker => phase.worker.as_ref(),
                })
                .unwrap_or(&phase.run)
                .clone();
            NodePhase {
                name: phase.name.clone(),
                lines,
                manual: phase.manual.clone(),
                engine_down: phase.engine_down.unwrap_or(!any_down && i == last),
            }
        })
        .collect()
}

fn manual_upgrade(node: &Node) -> NodePhase {
    NodePhase {
        name: "UPGRADE".to_owned(),
        lines: Vec::new(),
        manual: vec![format!(
            "Upgrade {} (packages, Docker Engine, the product's upgrade package) as your site does, then let it rejoin the swarm",
            node.name
        )],
        engine_down: true,
    }
}

/// A phase name as part of a step id: `POST-APPLY` → `post-apply`.
pub fn phase_id(name: &str) -> String {
    let slug = validate::slug(name);
    if slug.is_empty() {
        "phase".to_owned()
    } else {
        slug
    }
}

/// Findings about the vendor's procedure that no step reports: nodes its order or phases name
/// that the plan does not have.
pub fn procedure_findings(plan: &Plan) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(upgrade) = plan.upgrade.as_ref() else {
        return findings;
    };
    let unknown = |name: &str, place: &str| {
        Finding::new(
            Code::UnknownNode,
            Target::Plan,
            format!("{place} names `{name}`, which is not a node of the plan"),
        )
    };
    for name in &upgrade.sequence {
        if plan.node(name).is_none() {
            findings.push(unknown(name, "upgrade.sequence"));
        }
    }
    for phase in &upgrade.phases {
        for name in phase.nodes.keys() {
            if plan.node(name).is_none() {
                findings.push(unknown(name, &format!("upgrade phase {}", phase.name)));
            }
        }
    }
    findings
}

/// Where a custom step runs: `manager`, `workstation`, a node, or the node that runs a
/// service's first task. `None` (with a finding) when the plan has no such place.
fn runs_on<'p>(
    plan: &'p Plan,
    step: &CustomStep,
    manager: &'p Node,
    findings: &mut Vec<Finding>,
) -> Option<(RunsOn, Option<&'p Node>)> {
    let place = match step.on.as_str() {
        "manager" => return Some((RunsOn::Node(manager.name.clone()), Some(manager))),
        "workstation" => return Some((RunsOn::Workstation, None)),
        other => other,
    };
    let node = match place.strip_prefix("service:") {
        Some(id) => {
            let (stack, service) = id.split_once('/').unwrap_or((id, ""));
            crate::analyze(plan, &crate::Options::default())
                .placement
                .into_iter()
                .find(|t| t.stack == stack && t.service == service)
                .and_then(|t| plan.node(&t.node))
        }
        None => plan.node(place),
    };
    match node {
        Some(node) if crate::export::shell::is_safe_name(&node.name) => {
            Some((RunsOn::Node(node.name.clone()), Some(node)))
        }
        _ => {
            findings.push(
                Finding::new(
                    Code::RunbookUnknownPlace,
                    Target::Plan,
                    format!(
                        "custom step `{}` runs on `{}`, which is not `manager`, `workstation`, a node of the plan, or a service the plan places",
                        step.id, step.on
                    ),
                )
                .hint("write `on: manager`, `on: workstation`, `on: NODE` or `on: service:STACK/SERVICE`"),
            );
            None
        }
    }
}

/// Adds the plan's custom steps to a runbook's graph, each after the steps it names (or after
/// `last`, the runbook's last step, when it names none). Returns the new last step.
pub fn add_custom_steps(
    plan: &Plan,
    graph: &mut StepGraph,
    steps: &[CustomStep],
    manager: &Node,
    mut last: Option<String>,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    for custom in steps {
        if !validate::is_valid_name(&custom.id) {
            findings.push(Finding::new(
                Code::RunbookUnsafeName,
                Target::Plan,
                format!(
                    "custom step id {:?} cannot go into a shell command; the step is left out",
                    custom.id
                ),
            ));
            continue;
        }
        let Some((on, node)) = runs_on(plan, custom, manager, findings) else {
            continue;
        };
        let mut after: Vec<String> = Vec::new();
        for id in &custom.after {
            if graph.contains(id) {
                after.push(id.clone());
            } else {
                findings.push(
                    Finding::new(
                        Code::RunbookUnknownStep,
                        Target::Plan,
                        format!(
                            "custom step `{}` follows `{id}`, which is not a step of this runbook; it follows the runbook's last step instead",
                            custom.id
                        ),
                    )
                    .hint("see the step ids with the runbook's --dry-run, or `swarmplan runbook PLAN KIND`"),
                );
            }
        }
        if after.is_empty() {
            after.extend(last.clone());
        }
        let phase = after
            .first()
            .and_then(|id| graph.phase_of(id))
            .unwrap_or(Phase::Finish);
        let fill = Fill { node, manager };
        let mut step = Step::new(custom.id.clone(), custom.title.clone(), phase, on)
            .commands(fill.commands(&custom.run));
        for text in &custom.manual {
            step = step.manual(text.clone());
        }
        if let Some(CustomVerify {
            run,
            contains,
            wait,
            product,
        }) = &custom.verify
        {
            let expect = match contains {
                Some(text) => super::Expect::Contains(text.clone()),
                None => super::Expect::Succeeds,
            };
            // The author's line is shell text: it runs with `bash -c` where the step runs.
            let command = format!("bash -c {}", crate::export::shell::quote(&fill.text(run)));
            step = if *wait {
                step.wait_until(command, expect)
            } else {
                step.verify(command, expect)
            };
            if *product {
                step = step.product_check();
            }
        }
        if let Some(rollback) = &custom.rollback {
            step = step.rollback(rollback.clone());
        }
        if let Some(why) = &custom.why {
            step = step.why(why.clone());
        }
        let added = graph.add(step, &after);
        for id in &custom.before {
            if graph.contains(id) {
                graph.order(&added, id);
            } else {
                findings.push(Finding::new(
                    Code::RunbookUnknownStep,
                    Target::Plan,
                    format!(
                        "custom step `{}` comes before `{id}`, which is not a step of this runbook",
                        custom.id
                    ),
                ));
            }
        }
        // A step that follows the last one becomes the new last, so the next step without
        // `after` comes after it in the order they are written.
        if last.as_ref().is_none_or(|l| after.contains(l)) {
            last = Some(added);
        }
    }
    last
}
