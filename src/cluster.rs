//! Importing a running swarm and comparing two plans, as the app shows them: the engine's
//! `cluster_import` and `diff` behind functions that take the text a user pasted or dropped,
//! and the rows of the comparison panel. No DOM here.

use swarmplan_engine::cluster_import::{import_cluster, parse_json, ClusterImport};
use swarmplan_engine::diff::{Outcome, PlanDiff};
use swarmplan_engine::plan::Plan;
use swarmplan_engine::{parse_plan, PlanError};

fn located(what: &str, error: &PlanError) -> String {
    match (error.line, error.column) {
        (Some(line), Some(column)) => {
            format!("{what}, line {line}, column {column}: {}", error.message)
        }
        _ => format!("{what}: {}", error.message),
    }
}

/// What a JSON file from a manager holds, judged by its first object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `docker node inspect`
    Nodes,
    /// `docker service inspect`
    Services,
    Unknown,
}

/// Tells node from service inspect output, so that dropped files go to the right box.
pub fn json_kind(text: &str) -> JsonKind {
    let Ok(json) = parse_json(text) else {
        return JsonKind::Unknown;
    };
    let first = match &json {
        serde_json::Value::Array(items) => items.first(),
        other => Some(other),
    };
    let Some(spec) = first.and_then(|f| f.get("Spec")) else {
        return JsonKind::Unknown;
    };
    if spec.get("TaskTemplate").is_some() || spec.get("Mode").is_some() {
        JsonKind::Services
    } else if spec.get("Role").is_some()
        || spec.get("Availability").is_some()
        || first.is_some_and(|f| f.get("Description").is_some())
    {
        JsonKind::Nodes
    } else {
        JsonKind::Unknown
    }
}

/// The plan rebuilt from pasted `docker node inspect` (and, when not blank, `docker service
/// inspect`) JSON, onto `base` when given; an unreadable text is an error with its place.
pub fn import(nodes: &str, services: &str, base: Option<&Plan>) -> Result<ClusterImport, String> {
    let nodes = parse_json(nodes).map_err(|e| located("Nodes JSON", &e))?;
    let services = if services.trim().is_empty() {
        None
    } else {
        Some(parse_json(services).map_err(|e| located("Services JSON", &e))?)
    };
    Ok(import_cluster(&nodes, services.as_ref(), base))
}

/// Reads the other plan of a comparison.
pub fn other_plan(text: &str) -> Result<Plan, String> {
    parse_plan(text).map_err(|e| located("The other plan", &e))
}

/// How a row of the comparison reads: added, removed, changed, better or worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Added,
    Removed,
    Changed,
    Better,
    Worse,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Added => "diff-added",
            Tone::Removed => "diff-removed",
            Tone::Changed => "diff-changed",
            Tone::Better => "diff-better",
            Tone::Worse => "diff-worse",
        }
    }

    pub fn mark(self) -> &'static str {
        match self {
            Tone::Added => "+",
            Tone::Removed => "−",
            Tone::Changed => "~",
            Tone::Better => "✓",
            Tone::Worse => "✗",
        }
    }
}

/// One section of the comparison panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub rows: Vec<(Tone, String)>,
}

fn role_of(plan: &Plan, node: &str) -> String {
    plan.node(node)
        .map(|n| n.role.to_string())
        .unwrap_or_else(|| "node".to_owned())
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("none")
}

/// The comparison as sections of rows, for a person: nodes, services, failure scenarios and
/// tasks that move; empty sections are left out.
pub fn sections(diff: &PlanDiff, before: &Plan, after: &Plan) -> Vec<Section> {
    let mut nodes = Vec::new();
    for name in &diff.nodes.added {
        nodes.push((
            Tone::Added,
            format!("{name} ({}) added", role_of(after, name)),
        ));
    }
    for name in &diff.nodes.removed {
        nodes.push((
            Tone::Removed,
            format!("{name} ({}) removed", role_of(before, name)),
        ));
    }
    for m in &diff.nodes.moved {
        nodes.push((
            Tone::Changed,
            format!("{} moves from server {} to {}", m.node, m.from, m.to),
        ));
    }
    for c in &diff.nodes.changed {
        for change in &c.changes {
            nodes.push((
                Tone::Changed,
                format!(
                    "{} {}: {} → {}",
                    c.node,
                    change.field,
                    or_none(&change.before),
                    or_none(&change.after)
                ),
            ));
        }
    }
    let mut services = Vec::new();
    for name in &diff.services.added {
        services.push((Tone::Added, format!("{name} added")));
    }
    for name in &diff.services.removed {
        services.push((Tone::Removed, format!("{name} removed")));
    }
    for c in &diff.services.changed {
        for change in &c.changes {
            services.push((
                Tone::Changed,
                format!(
                    "{} {}: {} → {}",
                    c.service,
                    change.field,
                    or_none(&change.before),
                    or_none(&change.after)
                ),
            ));
        }
    }
    let mut failures = Vec::new();
    for f in &diff.failures {
        let (tone, what) = match f.outcome {
            Outcome::BecomesSurvivable => (Tone::Better, "becomes survivable"),
            Outcome::StopsBeingSurvivable => (Tone::Worse, "stops being survivable"),
            Outcome::Changes => (Tone::Changed, "survived either way, with other losses"),
            Outcome::New => (Tone::Added, "is new"),
            Outcome::Gone => (Tone::Removed, "is gone"),
        };
        failures.push((tone, format!("Loss of {} {}: {what}", f.domain, f.name)));
    }
    let moves = diff
        .moves
        .iter()
        .map(|m| {
            let place = |p: &Option<String>| p.clone().unwrap_or_else(|| "nowhere".to_owned());
            (
                Tone::Changed,
                format!(
                    "{}/{}.{}: {} → {}",
                    m.stack,
                    m.service,
                    m.slot,
                    place(&m.from),
                    place(&m.to)
                ),
            )
        })
        .collect();
    [
        ("diff-nodes", "Nodes", nodes),
        ("diff-services", "Services", services),
        ("diff-failures", "Failure scenarios", failures),
        ("diff-moves", "Tasks that move", moves),
    ]
    .into_iter()
    .filter(|(_, _, rows)| !rows.is_empty())
    .map(|(id, title, rows)| Section { id, title, rows })
    .collect()
}

/// Quorum before → after: `3 managers (majority 2, tolerates 1) → 4 managers (…)`.
pub fn quorum_text(diff: &PlanDiff) -> String {
    let side = |q: &swarmplan_engine::diff::QuorumState| {
        format!(
            "{} managers (majority {}, tolerates {})",
            q.managers, q.majority, q.tolerates
        )
    };
    format!(
        "{} → {}",
        side(&diff.quorum.before),
        side(&diff.quorum.after)
    )
}

/// The comparison panel's content: the current plan against another plan's text. With
/// `other_is_before`, the other plan is the cluster as it is and the current one the proposal;
/// otherwise the other plan is the proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub before_name: String,
    pub after_name: String,
    pub quorum: String,
    /// The survival summary before and after.
    pub survival: (String, String),
    pub sections: Vec<Section>,
}

pub fn compare(
    current: &Plan,
    other_text: &str,
    other_is_before: bool,
) -> Result<Comparison, String> {
    let other = other_plan(other_text)?;
    let (before, after) = if other_is_before {
        (&other, current)
    } else {
        (current, &other)
    };
    let d = swarmplan_engine::diff::diff(before, after, &swarmplan_engine::Options::default());
    Ok(Comparison {
        before_name: before.name.clone(),
        after_name: after.name.clone(),
        quorum: quorum_text(&d),
        survival: (d.survival.before.clone(), d.survival.after.clone()),
        sections: sections(&d, before, after),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::diff::diff;
    use swarmplan_engine::examples::EXAMPLES;
    use swarmplan_engine::{plan_to_yaml, Options};

    const NODES: &str = r#"[
      {"ID": "n1", "Description": {"Hostname": "mgr1", "Resources": {"NanoCPUs": 4000000000, "MemoryBytes": 8589934592}},
       "Spec": {"Role": "manager", "Availability": "active", "Labels": {}},
       "Status": {"State": "ready", "Addr": "10.0.0.1"},
       "ManagerStatus": {"Leader": true, "Reachability": "reachable", "Addr": "10.0.0.1:2377"}},
      {"ID": "n2", "Description": {"Hostname": "wrk1"},
       "Spec": {"Role": "worker", "Availability": "drain", "Labels": {"zone": "a"}},
       "Status": {"State": "ready", "Addr": "10.0.0.2"}}
    ]"#;

    #[test]
    fn node_inspect_json_becomes_a_plan() {
        assert_eq!(json_kind(NODES), JsonKind::Nodes);
        let imported = import(NODES, "  ", None).expect("imports");
        let names: Vec<&str> = imported
            .plan
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(names, ["mgr1", "wrk1"]);
        assert!(imported.plan.nodes[0].leader);
        assert!(
            !imported.findings.is_empty(),
            "a finding asks which VMs share a server"
        );
    }

    #[test]
    fn unreadable_json_says_where() {
        let error = import("[{", "", None).unwrap_err();
        assert!(error.starts_with("Nodes JSON, line "), "{error}");
        let error = import(NODES, "{oops", None).unwrap_err();
        assert!(error.starts_with("Services JSON"), "{error}");
        assert_eq!(json_kind("not json"), JsonKind::Unknown);
        assert_eq!(
            json_kind(r#"[{"ID": "s", "Spec": {"Name": "web", "TaskTemplate": {}}}]"#),
            JsonKind::Services
        );
    }

    #[test]
    fn an_added_manager_reads_as_added_and_raises_the_quorum() {
        let text = EXAMPLES[0].yaml;
        let before = other_plan(text).unwrap();
        let after = other_plan(&text.replacen(
            "nodes:\n",
            "nodes:\n  - { name: man4, host: esx3, role: manager, ip: 10.31.1.175 }\n",
            1,
        ))
        .unwrap();
        let d = diff(&before, &after, &Options::default());
        let view = sections(&d, &before, &after);
        assert_eq!(view[0].title, "Nodes");
        assert_eq!(
            view[0].rows[0],
            (Tone::Added, "man4 (manager) added".to_owned())
        );
        assert!(quorum_text(&d).starts_with("3 managers (majority 2, tolerates 1) → 4 managers"));
        assert!(sections(
            &diff(&before, &before, &Options::default()),
            &before,
            &before
        )
        .is_empty());
        assert!(other_plan("swarmplan: [").is_err());
        let proposal = compare(&before, &plan_to_yaml(&after), false).unwrap();
        assert_eq!(proposal.sections[0].rows[0].0, Tone::Added);
        let reverse = compare(&before, &plan_to_yaml(&after), true).unwrap();
        assert_eq!(
            reverse.sections[0].rows[0],
            (Tone::Removed, "man4 (manager) removed".to_owned())
        );
        assert!(compare(&before, "nodes: {", false).is_err());
    }
}
