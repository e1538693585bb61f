//! What the stacks need before they deploy (labels, networks, shared folders), then the stacks
//! themselves: removed, deployed or updated in `after` order.

use crate::compose;
use crate::diff::Change;
use crate::export::commands::{
    commands, deploy_line, deploy_order, external_networks, label_line, network_line,
    stack_environment,
};
use crate::export::shell::{self, quote};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Availability, Node, Plan, Stack};
use crate::runbook::install::stack_paths;
use crate::runbook::node_steps::{self as node, label_inspect, label_rm};
use crate::runbook::{install, Effect, Expect, Phase, RunsOn, Step};
use crate::yaml::Value;

use super::Builder;
use super::Fate;

impl<'p> Builder<'p, '_> {
    /// Labels, activations, networks and shared folders: what the updated stacks need. Returns
    /// the steps the stacks wait for.
    pub(super) fn before_stacks(&mut self, joined: &str) -> Vec<String> {
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

    pub(super) fn node_changes(&self, name: &str) -> Vec<Change> {
        self.changes
            .nodes
            .changed
            .iter()
            .find(|c| c.node == name)
            .map(|c| c.changes.clone())
            .unwrap_or_default()
    }

    /// Label changes whose words can go into a shell; the others are findings.
    pub(super) fn safe_label_changes(
        &mut self,
        node: &str,
        changes: Vec<Change>,
    ) -> Vec<(String, Change)> {
        let mut safe = Vec::new();
        for change in changes {
            let key = change.field.trim_start_matches("labels.").to_owned();
            let values_ok = [&change.before, &change.after]
                .iter()
                .all(|v| v.as_deref().is_none_or(|v| shell::is_safe_label(v, false)));
            if shell::is_safe_label(&key, true) && values_ok {
                safe.push((key, change));
            } else {
                crate::runbook::push_unique(&mut self.findings, Finding::new(Code::RunbookUnsafeLabel, Target::Node(node.to_owned()), format!("label {key:?} of node `{node}` cannot go into a shell command; the runbook leaves it out")));
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
    pub(super) fn stacks(&mut self, ready: &[String]) -> String {
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

    pub(super) fn before_stack(&self, name: &str) -> Option<&'p Stack> {
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

pub(super) fn service_body<'s>(stack: &'s Stack, service: &str) -> Option<&'s Value> {
    stack.compose.get("services").and_then(|s| s.get(service))
}
