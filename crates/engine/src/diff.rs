//! Comparing two plans — the cluster as it is and the cluster as proposed: which nodes are
//! added, removed, moved to another server or changed; which services change; what happens to
//! the quorum and to each failure scenario; and which tasks would run elsewhere.

use crate::analysis::{analyze, Analysis, Options};
use crate::compose::{self, Mode, Service};
use crate::domains::DomainKind;
use crate::placement::Task;
use crate::plan::{Node, Plan, ServiceId};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::{self, Write};

/// What changes from one plan to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanDiff {
    pub nodes: NodeChanges,
    pub services: ServiceChanges,
    pub quorum: Before<QuorumState>,
    /// One sentence each, as the analysis summarises survival.
    pub survival: Before<String>,
    /// Failure scenarios whose outcome differs, or that exist in one plan only.
    pub failures: Vec<FailureChange>,
    /// Tasks that run on another node (or none) in the second plan.
    pub moves: Vec<TaskMove>,
}

impl PlanDiff {
    /// True when the plans describe the same cluster doing the same things.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
            && self.services.is_empty()
            && self.quorum.before == self.quorum.after
            && self.failures.is_empty()
            && self.moves.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Before<T> {
    pub before: T,
    pub after: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuorumState {
    pub managers: usize,
    pub majority: usize,
    pub tolerates: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub moved: Vec<NodeMove>,
    pub changed: Vec<NodeChange>,
}

impl NodeChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.moved.is_empty()
            && self.changed.is_empty()
    }
}

/// A node now on another physical server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeMove {
    pub node: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeChange {
    pub node: String,
    pub changes: Vec<Change>,
}

/// One field that differs; `None` is "not set".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `role`, `availability`, `cpus`, `memory`, `ip`, `labels.worker`, `replicas`, …
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServiceChanges {
    /// `stack/service`.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<ServiceChange>,
}

impl ServiceChanges {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServiceChange {
    /// `stack/service`.
    pub service: String,
    pub changes: Vec<Change>,
}

/// What the change does to one failure scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// It was not survived, and now is.
    BecomesSurvivable,
    /// It was survived, and no longer is.
    StopsBeingSurvivable,
    /// Survived either way, but what stays down or degraded differs.
    Changes,
    /// The domain exists only in the second plan.
    New,
    /// The domain exists only in the first plan.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureChange {
    pub domain: DomainKind,
    pub name: String,
    pub outcome: Outcome,
    /// Whether the plan survived it (quorum holds, no service down); `None` where the domain
    /// does not exist.
    pub survived: Before<Option<bool>>,
    pub managers_left: Before<Option<usize>>,
}

/// A task that runs elsewhere in the second plan: `from` or `to` is `None` when it runs
/// nowhere (the service is new or gone, or the task is pending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskMove {
    pub stack: String,
    pub service: String,
    /// The replica's slot, or 0 for a global service's task.
    pub slot: u64,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// Compares two plans. Both are analysed with `options`.
pub fn diff(before: &Plan, after: &Plan, options: &Options) -> PlanDiff {
    let analysis_before = analyze(before, options);
    let analysis_after = analyze(after, options);
    diff_analysed(before, &analysis_before, after, &analysis_after)
}

/// Compares two plans already analysed (with the same options).
pub fn diff_analysed(
    before: &Plan,
    analysis_before: &Analysis,
    after: &Plan,
    analysis_after: &Analysis,
) -> PlanDiff {
    PlanDiff {
        nodes: node_changes(before, after),
        services: service_changes(before, after),
        quorum: Before {
            before: quorum_state(analysis_before),
            after: quorum_state(analysis_after),
        },
        survival: Before {
            before: analysis_before.survival.summary.clone(),
            after: analysis_after.survival.summary.clone(),
        },
        failures: failure_changes(analysis_before, analysis_after),
        moves: task_moves(&analysis_before.placement, &analysis_after.placement),
    }
}

fn quorum_state(analysis: &Analysis) -> QuorumState {
    QuorumState {
        managers: analysis.quorum.managers,
        majority: analysis.quorum.majority,
        tolerates: analysis.quorum.tolerates,
    }
}

/// Nodes are the same node when their names match, or, for nodes imported from a cluster,
/// when their Swarm IDs do.
pub fn same_node(a: &Node, b: &Node) -> bool {
    a.name == b.name || (a.id.is_some() && a.id == b.id)
}

/// Each name's (and Swarm ID's) first node in a plan, so that matching the nodes of two plans
/// costs a lookup per node, not a scan.
struct NodeIndex<'p> {
    by_name: BTreeMap<&'p str, usize>,
    by_id: BTreeMap<&'p str, usize>,
}

impl<'p> NodeIndex<'p> {
    fn of(plan: &'p Plan) -> Self {
        let mut index = NodeIndex {
            by_name: BTreeMap::new(),
            by_id: BTreeMap::new(),
        };
        for (i, node) in plan.nodes.iter().enumerate() {
            index.by_name.entry(node.name.as_str()).or_insert(i);
            if let Some(id) = &node.id {
                index.by_id.entry(id.as_str()).or_insert(i);
            }
        }
        index
    }

    /// The first node that is the same node as `node` ([`same_node`]).
    fn find(&self, node: &Node) -> Option<usize> {
        let by_name = self.by_name.get(node.name.as_str()).copied();
        let by_id = node
            .id
            .as_deref()
            .and_then(|id| self.by_id.get(id).copied());
        by_name.into_iter().chain(by_id).min()
    }
}

fn node_changes(before: &Plan, after: &Plan) -> NodeChanges {
    let mut changes = NodeChanges::default();
    let (old_index, new_index) = (NodeIndex::of(before), NodeIndex::of(after));
    for old in &before.nodes {
        let Some(new) = new_index.find(old).map(|i| &after.nodes[i]) else {
            changes.removed.push(old.name.clone());
            continue;
        };
        if old.host_name() != new.host_name() {
            changes.moved.push(NodeMove {
                node: new.name.clone(),
                from: old.host_name().to_owned(),
                to: new.host_name().to_owned(),
            });
        }
        let fields = node_field_changes(old, new);
        if !fields.is_empty() {
            changes.changed.push(NodeChange {
                node: new.name.clone(),
                changes: fields,
            });
        }
    }
    for new in &after.nodes {
        if old_index.find(new).is_none() {
            changes.added.push(new.name.clone());
        }
    }
    changes
}

fn change(field: &str, before: Option<String>, after: Option<String>) -> Option<Change> {
    (before != after).then(|| Change {
        field: field.to_owned(),
        before,
        after,
    })
}

fn node_field_changes(old: &Node, new: &Node) -> Vec<Change> {
    let text = |v: Option<&dyn ToString>| v.map(|v| v.to_string());
    let mut changes: Vec<Change> = [
        change("name", Some(old.name.clone()), Some(new.name.clone())),
        change(
            "role",
            Some(old.role.to_string()),
            Some(new.role.to_string()),
        ),
        change(
            "availability",
            Some(old.availability.to_string()),
            Some(new.availability.to_string()),
        ),
        change(
            "cpus",
            text(old.cpus.as_ref().map(|c| c as &dyn ToString)),
            text(new.cpus.as_ref().map(|c| c as &dyn ToString)),
        ),
        change(
            "memory",
            text(old.memory.as_ref().map(|m| m as &dyn ToString)),
            text(new.memory.as_ref().map(|m| m as &dyn ToString)),
        ),
        change(
            "ip",
            old.ip.map(|ip| ip.to_string()),
            new.ip.map(|ip| ip.to_string()),
        ),
        change("os", Some(old.os().to_owned()), Some(new.os().to_owned())),
        change(
            "arch",
            Some(old.arch().to_owned()),
            Some(new.arch().to_owned()),
        ),
        change(
            "leader",
            Some(old.leader.to_string()),
            Some(new.leader.to_string()),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    changes.extend(label_changes("labels", &old.labels, &new.labels));
    changes.extend(label_changes(
        "engine_labels",
        &old.engine_labels,
        &new.engine_labels,
    ));
    changes
}

/// Labels added, removed or given another value, as `labels.<name>`, in the order of the first
/// plan then the second.
fn label_changes(
    prefix: &str,
    old: &indexmap::IndexMap<String, String>,
    new: &indexmap::IndexMap<String, String>,
) -> Vec<Change> {
    let mut names: Vec<&String> = old.keys().collect();
    names.extend(new.keys().filter(|k| !old.contains_key(*k)));
    names
        .into_iter()
        .filter_map(|name| {
            change(
                &format!("{prefix}.{name}"),
                old.get(name).cloned(),
                new.get(name).cloned(),
            )
        })
        .collect()
}

/// Every service of a plan, as `stack/service`, in plan order.
fn services_of(plan: &Plan) -> Vec<(String, Service)> {
    plan.stacks
        .iter()
        .flat_map(|stack| {
            compose::read(stack)
                .services
                .into_iter()
                .map(move |s| (ServiceId::new(&stack.name, &s.name).to_string(), s))
        })
        .collect()
}

fn service_changes(before: &Plan, after: &Plan) -> ServiceChanges {
    let old = services_of(before);
    let new = services_of(after);
    let mut changes = ServiceChanges::default();
    let first = |services: &[(String, Service)]| {
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for (i, (id, _)) in services.iter().enumerate() {
            index.entry(id.clone()).or_insert(i);
        }
        index
    };
    let (old_index, new_index) = (first(&old), first(&new));
    for (id, service) in &old {
        match new_index.get(id).map(|&i| &new[i]) {
            None => changes.removed.push(id.clone()),
            Some((_, updated)) => {
                let fields = service_field_changes(service, updated);
                if !fields.is_empty() {
                    changes.changed.push(ServiceChange {
                        service: id.clone(),
                        changes: fields,
                    });
                }
            }
        }
    }
    for (id, _) in &new {
        if !old_index.contains_key(id) {
            changes.added.push(id.clone());
        }
    }
    changes
}

fn mode_text(mode: Mode) -> String {
    match mode {
        Mode::Replicated(n) => format!("{n} replicas"),
        Mode::Global => "global".to_owned(),
    }
}

fn list_text(items: &[String]) -> Option<String> {
    (!items.is_empty()).then(|| items.join(", "))
}

fn service_field_changes(old: &Service, new: &Service) -> Vec<Change> {
    let reservation = |s: &Service| {
        let r = s.reservations;
        (r.cpus.millis() > 0 || r.memory.0 > 0).then(|| format!("{} CPUs, {}", r.cpus, r.memory))
    };
    let ports = |s: &Service| {
        let texts: Vec<String> = s
            .ports
            .iter()
            .map(|p| {
                let published = p.published.map(|p| p.to_string()).unwrap_or_default();
                format!("{published}:{}/{} ({:?})", p.target, p.protocol, p.mode).to_lowercase()
            })
            .collect();
        list_text(&texts)
    };
    [
        change("mode", Some(mode_text(old.mode)), Some(mode_text(new.mode))),
        change("image", old.image.clone(), new.image.clone()),
        change(
            "constraints",
            list_text(&old.constraints),
            list_text(&new.constraints),
        ),
        change(
            "preferences",
            list_text(&old.preferences),
            list_text(&new.preferences),
        ),
        change(
            "max_replicas_per_node",
            old.max_replicas_per_node.map(|m| m.to_string()),
            new.max_replicas_per_node.map(|m| m.to_string()),
        ),
        change("reservations", reservation(old), reservation(new)),
        change("ports", ports(old), ports(new)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn failure_changes(before: &Analysis, after: &Analysis) -> Vec<FailureChange> {
    let key = |f: &crate::analysis::FailureScenario| (f.domain, f.name.clone());
    let old: BTreeMap<_, _> = before.failures.iter().map(|f| (key(f), f)).collect();
    let new: BTreeMap<_, _> = after.failures.iter().map(|f| (key(f), f)).collect();
    // Scenarios in the order of the second plan, then those only the first plan has.
    let mut keys: Vec<(DomainKind, String)> = after.failures.iter().map(key).collect();
    keys.extend(
        before
            .failures
            .iter()
            .map(key)
            .filter(|k| !new.contains_key(k)),
    );
    keys.into_iter()
        .filter_map(|k| {
            let (a, b) = (old.get(&k).copied(), new.get(&k).copied());
            let outcome = match (a, b) {
                (None, Some(_)) => Outcome::New,
                (Some(_), None) => Outcome::Gone,
                (Some(a), Some(b)) => match (a.survived(), b.survived()) {
                    (false, true) => Outcome::BecomesSurvivable,
                    (true, false) => Outcome::StopsBeingSurvivable,
                    _ if a.services != b.services || a.quorum != b.quorum => Outcome::Changes,
                    _ => return None,
                },
                (None, None) => return None,
            };
            Some(FailureChange {
                domain: k.0,
                name: k.1,
                outcome,
                survived: Before {
                    before: a.map(|f| f.survived()),
                    after: b.map(|f| f.survived()),
                },
                managers_left: Before {
                    before: a.map(|f| f.managers_left),
                    after: b.map(|f| f.managers_left),
                },
            })
        })
        .collect()
}

/// Tasks whose node differs. Replicated tasks are matched by slot; a global service's tasks by
/// node, so that its task on a removed node is gone and one on a new node appears.
fn task_moves(before: &[Task], after: &[Task]) -> Vec<TaskMove> {
    type Key = (String, String, u64, Option<String>);
    // A global task (slot 0) is keyed by its node too.
    let key = |t: &Task| -> Key {
        let node = (t.slot == 0).then(|| t.node.clone());
        (t.stack.clone(), t.service.clone(), t.slot, node)
    };
    let old: BTreeMap<Key, &Task> = before.iter().map(|t| (key(t), t)).collect();
    let new: BTreeMap<Key, &Task> = after.iter().map(|t| (key(t), t)).collect();
    let mut moves = Vec::new();
    for (k, task) in &old {
        let to = new.get(k).map(|t| t.node.clone());
        if to.as_deref() != Some(task.node.as_str()) {
            moves.push(TaskMove {
                stack: k.0.clone(),
                service: k.1.clone(),
                slot: k.2,
                from: Some(task.node.clone()),
                to,
            });
        }
    }
    for (k, task) in &new {
        if !old.contains_key(k) {
            moves.push(TaskMove {
                stack: k.0.clone(),
                service: k.1.clone(),
                slot: k.2,
                from: None,
                to: Some(task.node.clone()),
            });
        }
    }
    moves.sort_by(|a, b| {
        (&a.stack, &a.service, a.slot, &a.from, &a.to)
            .cmp(&(&b.stack, &b.service, b.slot, &b.from, &b.to))
    });
    moves
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("(none)")
}

impl fmt::Display for PlanDiff {
    /// The diff as text for a person at a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        let q = &self.quorum;
        let _ = writeln!(
            out,
            "Quorum: {} managers (majority {}, tolerates {}) -> {} managers (majority {}, tolerates {})",
            q.before.managers,
            q.before.majority,
            q.before.tolerates,
            q.after.managers,
            q.after.majority,
            q.after.tolerates
        );
        if self.survival.before == self.survival.after {
            let _ = writeln!(out, "Survival: {} (unchanged)", self.survival.after);
        } else {
            let _ = writeln!(out, "Survival before: {}", self.survival.before);
            let _ = writeln!(out, "Survival after:  {}", self.survival.after);
        }
        let nodes = &self.nodes;
        if !nodes.is_empty() {
            let _ = writeln!(out, "\nNodes:");
            for name in &nodes.added {
                let _ = writeln!(out, "  + {name}");
            }
            for name in &nodes.removed {
                let _ = writeln!(out, "  - {name}");
            }
            for m in &nodes.moved {
                let _ = writeln!(
                    out,
                    "  ~ {} moves from server {} to {}",
                    m.node, m.from, m.to
                );
            }
            for c in &nodes.changed {
                for change in &c.changes {
                    let _ = writeln!(
                        out,
                        "  ~ {} {}: {} -> {}",
                        c.node,
                        change.field,
                        or_none(&change.before),
                        or_none(&change.after)
                    );
                }
            }
        }
        let services = &self.services;
        if !services.is_empty() {
            let _ = writeln!(out, "\nServices:");
            for name in &services.added {
                let _ = writeln!(out, "  + {name}");
            }
            for name in &services.removed {
                let _ = writeln!(out, "  - {name}");
            }
            for c in &services.changed {
                for change in &c.changes {
                    let _ = writeln!(
                        out,
                        "  ~ {} {}: {} -> {}",
                        c.service,
                        change.field,
                        or_none(&change.before),
                        or_none(&change.after)
                    );
                }
            }
        }
        if !self.failures.is_empty() {
            let _ = writeln!(out, "\nFailure scenarios:");
            for c in &self.failures {
                let what = match c.outcome {
                    Outcome::BecomesSurvivable => "becomes survivable",
                    Outcome::StopsBeingSurvivable => "STOPS BEING SURVIVABLE",
                    Outcome::Changes => "survival unchanged, services hit differ",
                    Outcome::New => "new failure domain",
                    Outcome::Gone => "failure domain gone",
                };
                let _ = writeln!(out, "  {} {}: {what}", c.domain, c.name);
            }
        }
        if !self.moves.is_empty() {
            let _ = writeln!(
                out,
                "\nTasks placed elsewhere (as a fresh deployment would place them):"
            );
            for m in &self.moves {
                let _ = writeln!(
                    out,
                    "  {}/{}.{}: {} -> {}",
                    m.stack,
                    m.service,
                    m.slot,
                    or_none(&m.from),
                    or_none(&m.to)
                );
            }
        }
        if self.is_empty() {
            let _ = writeln!(out, "\nNo difference.");
        }
        f.write_str(&out)
    }
}
