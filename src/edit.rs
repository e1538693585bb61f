//! Edits are values: every change the app makes to a plan is one `Edit`, and applying it returns
//! the edit that undoes it. The history (`history`) keeps those inverses; canvas gestures, the
//! inspector, imports and the YAML editor all end here.
//!
//! The constructors under `Edit::…` helpers (`add_host`, `move_node`, `rename_rack`, …) turn a
//! user's intent into an edit against the current plan, checking names as they go. No DOM here.

use swarmplan_engine::plan::{Host, Node, Plan, Role, Stack};
use swarmplan_engine::validate;

/// One change to a plan. Indices are positions in the plan's lists at the time the edit applies.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    InsertHost {
        index: usize,
        host: Host,
    },
    RemoveHost {
        index: usize,
    },
    SetHost {
        index: usize,
        host: Host,
    },
    /// Moves a host within the list, which is the order the layout draws hosts in.
    MoveHost {
        from: usize,
        to: usize,
    },
    InsertNode {
        index: usize,
        node: Box<Node>,
    },
    RemoveNode {
        index: usize,
    },
    SetNode {
        index: usize,
        node: Box<Node>,
    },
    InsertStack {
        index: usize,
        stack: Box<Stack>,
    },
    RemoveStack {
        index: usize,
    },
    /// The whole plan at once: what a YAML edit, an opened file or an example does.
    ReplacePlan(Box<Plan>),
    /// Several edits as one step of the history; undone in reverse order.
    Batch(Vec<Edit>),
}

/// Why an edit could not apply; the plan is unchanged when one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn out_of_range(what: &str, index: usize) -> EditError {
    EditError(format!("no {what} at position {index}"))
}

impl Edit {
    /// Applies the edit and returns its inverse. On error the plan is left as it was.
    pub fn apply(self, plan: &mut Plan) -> Result<Edit, EditError> {
        Ok(match self {
            Edit::InsertHost { index, host } => {
                if index > plan.hosts.len() {
                    return Err(out_of_range("host", index));
                }
                plan.hosts.insert(index, host);
                Edit::RemoveHost { index }
            }
            Edit::RemoveHost { index } => {
                if index >= plan.hosts.len() {
                    return Err(out_of_range("host", index));
                }
                let host = plan.hosts.remove(index);
                Edit::InsertHost { index, host }
            }
            Edit::SetHost { index, host } => {
                let slot = plan
                    .hosts
                    .get_mut(index)
                    .ok_or_else(|| out_of_range("host", index))?;
                let old = std::mem::replace(slot, host);
                Edit::SetHost { index, host: old }
            }
            Edit::MoveHost { from, to } => {
                let len = plan.hosts.len();
                if from >= len || to >= len {
                    return Err(out_of_range("host", from.max(to)));
                }
                let host = plan.hosts.remove(from);
                plan.hosts.insert(to, host);
                Edit::MoveHost { from: to, to: from }
            }
            Edit::InsertNode { index, node } => {
                if index > plan.nodes.len() {
                    return Err(out_of_range("node", index));
                }
                plan.nodes.insert(index, *node);
                Edit::RemoveNode { index }
            }
            Edit::RemoveNode { index } => {
                if index >= plan.nodes.len() {
                    return Err(out_of_range("node", index));
                }
                let node = Box::new(plan.nodes.remove(index));
                Edit::InsertNode { index, node }
            }
            Edit::SetNode { index, node } => {
                let slot = plan
                    .nodes
                    .get_mut(index)
                    .ok_or_else(|| out_of_range("node", index))?;
                let old = std::mem::replace(slot, *node);
                Edit::SetNode {
                    index,
                    node: Box::new(old),
                }
            }
            Edit::InsertStack { index, stack } => {
                if index > plan.stacks.len() {
                    return Err(out_of_range("stack", index));
                }
                plan.stacks.insert(index, *stack);
                Edit::RemoveStack { index }
            }
            Edit::RemoveStack { index } => {
                if index >= plan.stacks.len() {
                    return Err(out_of_range("stack", index));
                }
                let stack = Box::new(plan.stacks.remove(index));
                Edit::InsertStack { index, stack }
            }
            Edit::ReplacePlan(new) => Edit::ReplacePlan(Box::new(std::mem::replace(plan, *new))),
            Edit::Batch(edits) => {
                let mut inverses = Vec::with_capacity(edits.len());
                for edit in edits {
                    match edit.apply(plan) {
                        Ok(inverse) => inverses.push(inverse),
                        Err(error) => {
                            // Roll back what applied, so that a failed batch changes nothing.
                            for inverse in inverses.into_iter().rev() {
                                let _ = inverse.apply(plan);
                            }
                            return Err(error);
                        }
                    }
                }
                inverses.reverse();
                Edit::Batch(inverses)
            }
        })
    }
}

/// A name not yet used by `taken`: `prefix-1`, `prefix-2`, …
pub fn fresh_name(prefix: &str, taken: impl Fn(&str) -> bool) -> String {
    (1..)
        .map(|i| format!("{prefix}-{i}"))
        .find(|name| !taken(name))
        .expect("an unused name exists")
}

fn host_taken(plan: &Plan, name: &str) -> bool {
    swarmplan_engine::domains::host_names(plan)
        .iter()
        .any(|h| h == name)
}

fn rack_taken(plan: &Plan, name: &str) -> bool {
    plan.hosts.iter().any(|h| h.rack.as_deref() == Some(name))
}

fn site_taken(plan: &Plan, name: &str) -> bool {
    plan.hosts.iter().any(|h| h.site.as_deref() == Some(name))
}

/// Checks a name a user typed with the engine's own rule (`validate::name_problem`): the app
/// accepts no name that the analysis would then flag.
pub fn check_name(name: &str) -> Result<(), EditError> {
    match validate::name_problem(name) {
        Some(problem) => Err(EditError(problem)),
        None => Ok(()),
    }
}

fn host_index(plan: &Plan, name: &str) -> Option<usize> {
    plan.hosts.iter().position(|h| h.name == name)
}

fn node_index(plan: &Plan, name: &str) -> Result<usize, EditError> {
    plan.nodes
        .iter()
        .position(|n| n.name == name)
        .ok_or_else(|| EditError(format!("no node `{name}`")))
}

/// Where a new host goes: into a site and rack, or neither.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    pub site: Option<String>,
    pub rack: Option<String>,
}

impl Place {
    /// Into a site, in no rack.
    pub fn site(site: &str) -> Place {
        Place {
            site: Some(site.to_owned()),
            rack: None,
        }
    }

    /// Into a rack, in the site it stands in, if any.
    pub fn rack(rack: &str, site: Option<&str>) -> Place {
        Place {
            site: site.map(str::to_owned),
            rack: Some(rack.to_owned()),
        }
    }

    /// Where a host stands: its site and rack; neither for a host the plan does not list.
    pub fn of_host(plan: &Plan, host: &str) -> Place {
        plan.host(host).map_or_else(Place::default, |h| Place {
            site: h.site.clone(),
            rack: h.rack.clone(),
        })
    }
}

/// A new, empty host (named `host-N`) at the end of the plan, in `place`.
pub fn add_host(plan: &Plan, place: Place) -> (Edit, String) {
    let name = fresh_name("host", |n| host_taken(plan, n));
    let mut host = Host::new(name.clone());
    host.site = place.site;
    host.rack = place.rack;
    (
        Edit::InsertHost {
            index: plan.hosts.len(),
            host,
        },
        name,
    )
}

/// A new site, holding one new host so that it exists in the plan.
pub fn add_site(plan: &Plan) -> (Edit, String) {
    let site = fresh_name("site", |n| site_taken(plan, n));
    add_host(
        plan,
        Place {
            site: Some(site),
            rack: None,
        },
    )
}

/// A new rack in `site` (or in none), holding one new host.
pub fn add_rack(plan: &Plan, site: Option<String>) -> (Edit, String) {
    let rack = fresh_name("rack", |n| rack_taken(plan, n));
    add_host(
        plan,
        Place {
            site,
            rack: Some(rack),
        },
    )
}

/// A new node (named `node-N`, or `manager-N` for a manager) on `host`, after the host's last node.
pub fn add_node(plan: &Plan, host: &str, role: Role) -> (Edit, String) {
    let prefix = match role {
        Role::Manager => "manager",
        Role::Worker => "worker",
    };
    let name = fresh_name(prefix, |n| plan.node(n).is_some() || host_taken(plan, n));
    let index = plan
        .nodes
        .iter()
        .rposition(|n| n.host_name() == host)
        .map_or(plan.nodes.len(), |i| i + 1);
    let node = Node::new(name.clone(), host, role);
    let mut edits = vec![];
    // A node's host that the plan does not list yet is listed, so that it can be placed.
    if host_index(plan, host).is_none() {
        edits.push(Edit::InsertHost {
            index: plan.hosts.len(),
            host: Host::new(host),
        });
    }
    edits.push(Edit::InsertNode {
        index,
        node: Box::new(node),
    });
    (Edit::Batch(edits), name)
}

/// Moves a node onto another host.
pub fn move_node(plan: &Plan, node: &str, host: &str) -> Result<Edit, EditError> {
    let index = node_index(plan, node)?;
    let mut moved = plan.nodes[index].clone();
    if moved.host_name() == host {
        return Err(EditError(format!("`{node}` is already on `{host}`")));
    }
    moved.host = Some(host.to_owned());
    Ok(Edit::SetNode {
        index,
        node: Box::new(moved),
    })
}

/// Moves a host into `place` and, when `before` names another host, just before it in the
/// drawing (the order the user dropped it in is kept).
pub fn move_host(
    plan: &Plan,
    host: &str,
    place: Place,
    before: Option<&str>,
) -> Result<Edit, EditError> {
    let mut edits = vec![];
    let mut working = plan.clone();
    let index = match host_index(plan, host) {
        Some(index) => index,
        None if host_taken(plan, host) => {
            let insert = Edit::InsertHost {
                index: plan.hosts.len(),
                host: Host::new(host),
            };
            insert.clone().apply(&mut working)?;
            edits.push(insert);
            plan.hosts.len()
        }
        None => return Err(EditError(format!("no host `{host}`"))),
    };
    let mut moved = working.hosts[index].clone();
    moved.site = place.site;
    moved.rack = place.rack;
    if moved != working.hosts[index] {
        edits.push(Edit::SetHost { index, host: moved });
    }
    if let Some(before) = before.filter(|b| *b != host) {
        if let Some(target) = host_index(&working, before) {
            let to = if target > index { target - 1 } else { target };
            if to != index {
                edits.push(Edit::MoveHost { from: index, to });
            }
        }
    }
    if edits.is_empty() {
        return Err(EditError(format!("`{host}` is already there")));
    }
    Ok(Edit::Batch(edits))
}

/// Moves a host to just after `after`, into its rack and site: the arrow key's move to the right,
/// as `move_host` with a `before` is the move to the left.
pub fn move_host_after(plan: &Plan, host: &str, after: &str) -> Result<Edit, EditError> {
    let index = host_index(plan, host).ok_or_else(|| EditError(format!("no host `{host}`")))?;
    let target = host_index(plan, after).ok_or_else(|| EditError(format!("no host `{after}`")))?;
    let place = Place::of_host(plan, after);
    let mut edits = vec![];
    let mut moved = plan.hosts[index].clone();
    moved.site = place.site;
    moved.rack = place.rack;
    if moved != plan.hosts[index] {
        edits.push(Edit::SetHost { index, host: moved });
    }
    // Where it lands once taken out of the list: just after `after`.
    let to = if target > index { target } else { target + 1 };
    if to != index {
        edits.push(Edit::MoveHost { from: index, to });
    }
    if edits.is_empty() {
        return Err(EditError(format!("`{host}` is already there")));
    }
    Ok(Edit::Batch(edits))
}

/// Deletes a node.
pub fn delete_node(plan: &Plan, node: &str) -> Result<Edit, EditError> {
    Ok(Edit::RemoveNode {
        index: node_index(plan, node)?,
    })
}

/// Deletes hosts and every node on them.
fn delete_hosts(plan: &Plan, hosts: &[String]) -> Edit {
    let mut edits = vec![];
    // Highest index first, so that each removal leaves the earlier indices valid.
    for (index, node) in plan.nodes.iter().enumerate().rev() {
        if hosts.iter().any(|h| h == node.host_name()) {
            edits.push(Edit::RemoveNode { index });
        }
    }
    for (index, host) in plan.hosts.iter().enumerate().rev() {
        if hosts.contains(&host.name) {
            edits.push(Edit::RemoveHost { index });
        }
    }
    Edit::Batch(edits)
}

/// Deletes a host and its nodes.
pub fn delete_host(plan: &Plan, host: &str) -> Result<Edit, EditError> {
    if !host_taken(plan, host) {
        return Err(EditError(format!("no host `{host}`")));
    }
    Ok(delete_hosts(plan, &[host.to_owned()]))
}

/// Deletes a rack: its hosts and their nodes.
pub fn delete_rack(plan: &Plan, rack: &str) -> Edit {
    let hosts: Vec<String> = plan
        .hosts
        .iter()
        .filter(|h| h.rack.as_deref() == Some(rack))
        .map(|h| h.name.clone())
        .collect();
    delete_hosts(plan, &hosts)
}

/// Deletes a site: its racks, hosts and their nodes.
pub fn delete_site(plan: &Plan, site: &str) -> Edit {
    let hosts: Vec<String> = plan
        .hosts
        .iter()
        .filter(|h| h.site.as_deref() == Some(site))
        .map(|h| h.name.clone())
        .collect();
    delete_hosts(plan, &hosts)
}

/// Renames a host, and the host of every node on it.
pub fn rename_host(plan: &Plan, old: &str, new: &str) -> Result<Edit, EditError> {
    check_name(new)?;
    if old == new {
        return Ok(Edit::Batch(vec![]));
    }
    if host_taken(plan, new) {
        return Err(EditError(format!("a host `{new}` already exists")));
    }
    let mut edits = vec![];
    match host_index(plan, old) {
        Some(index) => {
            let mut host = plan.hosts[index].clone();
            host.name = new.to_owned();
            edits.push(Edit::SetHost { index, host });
        }
        None => edits.push(Edit::InsertHost {
            index: plan.hosts.len(),
            host: Host::new(new),
        }),
    }
    for (index, node) in plan.nodes.iter().enumerate() {
        if node.host_name() == old {
            let mut node = node.clone();
            node.host = Some(new.to_owned());
            edits.push(Edit::SetNode {
                index,
                node: Box::new(node),
            });
        }
    }
    Ok(Edit::Batch(edits))
}

/// Renames a node.
pub fn rename_node(plan: &Plan, old: &str, new: &str) -> Result<Edit, EditError> {
    check_name(new)?;
    let index = node_index(plan, old)?;
    if old == new {
        return Ok(Edit::Batch(vec![]));
    }
    if plan.node(new).is_some() {
        return Err(EditError(format!("a node `{new}` already exists")));
    }
    let mut node = plan.nodes[index].clone();
    // A node that names no host stands on a server named after it: keep it there.
    if node.host.is_none() {
        node.host = Some(old.to_owned());
    }
    node.name = new.to_owned();
    Ok(Edit::SetNode {
        index,
        node: Box::new(node),
    })
}

/// Renames a rack or a site on every host in it.
fn rename_group(
    plan: &Plan,
    old: &str,
    new: &str,
    field: fn(&mut Host) -> &mut Option<String>,
    taken: fn(&Plan, &str) -> bool,
    word: &str,
) -> Result<Edit, EditError> {
    check_name(new)?;
    if old == new {
        return Ok(Edit::Batch(vec![]));
    }
    if taken(plan, new) {
        return Err(EditError(format!("a {word} `{new}` already exists")));
    }
    let mut edits = vec![];
    for (index, host) in plan.hosts.iter().enumerate() {
        let mut host = host.clone();
        if field(&mut host).as_deref() == Some(old) {
            *field(&mut host) = Some(new.to_owned());
            edits.push(Edit::SetHost { index, host });
        }
    }
    Ok(Edit::Batch(edits))
}

pub fn rename_rack(plan: &Plan, old: &str, new: &str) -> Result<Edit, EditError> {
    rename_group(plan, old, new, |h| &mut h.rack, rack_taken, "rack")
}

pub fn rename_site(plan: &Plan, old: &str, new: &str) -> Result<Edit, EditError> {
    rename_group(plan, old, new, |h| &mut h.site, site_taken, "site")
}

/// Replaces a node's settings (from the inspector); renames go through `rename_node`.
pub fn set_node(plan: &Plan, name: &str, node: Node) -> Result<Edit, EditError> {
    let index = node_index(plan, name)?;
    Ok(Edit::SetNode {
        index,
        node: Box::new(node),
    })
}

/// Replaces a host's settings (from the inspector), listing it first when only nodes name it.
pub fn set_host(plan: &Plan, host: Host) -> Edit {
    match host_index(plan, &host.name) {
        Some(index) => Edit::SetHost { index, host },
        None => Edit::InsertHost {
            index: plan.hosts.len(),
            host,
        },
    }
}

/// Adds an imported stack at the end, renaming it when the name is taken.
pub fn add_stack(plan: &Plan, mut stack: Stack) -> Edit {
    if plan.stacks.iter().any(|s| s.name == stack.name) {
        stack.name = fresh_name(&stack.name, |n| plan.stacks.iter().any(|s| s.name == n));
    }
    Edit::InsertStack {
        index: plan.stacks.len(),
        stack: Box::new(stack),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::parse_plan;

    const PLAN: &str = "
swarmplan: 1
name: t
hosts:
  - { name: a, site: dc1, rack: r1 }
  - { name: b, site: dc1, rack: r2 }
  - { name: c, site: dc2 }
nodes:
  - { name: m1, host: a, role: manager }
  - { name: w1, host: a }
  - { name: m2, host: b, role: manager }
  - { name: m3, host: c, role: manager }
  - { name: loner }
";

    fn plan() -> Plan {
        parse_plan(PLAN).unwrap()
    }

    /// Applies the edit, then its inverse, and checks the plan is back as it was; returns the
    /// plan as the edit left it.
    fn check_round_trip(edit: Edit) -> Plan {
        let before = plan();
        let mut plan = before.clone();
        let inverse = edit.apply(&mut plan).expect("edit applies");
        let after = plan.clone();
        let redo = inverse.apply(&mut plan).expect("inverse applies");
        assert_eq!(plan, before, "the inverse undoes the edit");
        redo.apply(&mut plan).expect("redo applies");
        assert_eq!(plan, after, "the inverse of the inverse redoes it");
        after
    }

    fn hosts_of(plan: &Plan) -> Vec<(String, String)> {
        plan.nodes
            .iter()
            .map(|n| (n.name.clone(), n.host_name().to_owned()))
            .collect()
    }

    #[test]
    fn adding_hosts_sites_and_racks_picks_fresh_names() {
        let (edit, name) = add_host(&plan(), Place::default());
        assert_eq!(name, "host-1");
        let after = check_round_trip(edit);
        assert!(after.host("host-1").is_some());
        let (edit, _) = add_site(&plan());
        let after = check_round_trip(edit);
        assert_eq!(after.hosts.last().unwrap().site.as_deref(), Some("site-1"));
        let (edit, _) = add_rack(&plan(), Some("dc2".into()));
        let after = check_round_trip(edit);
        let host = after.hosts.last().unwrap();
        assert_eq!(
            (host.site.as_deref(), host.rack.as_deref()),
            (Some("dc2"), Some("rack-1"))
        );
    }

    #[test]
    fn a_new_node_goes_after_its_hosts_last_node() {
        let (edit, name) = add_node(&plan(), "a", Role::Manager);
        assert_eq!(name, "manager-1");
        let after = check_round_trip(edit);
        let names: Vec<&str> = after.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["m1", "w1", "manager-1", "m2", "m3", "loner"]);
        // A node on the implicit host of `loner` lists that host first.
        let (edit, _) = add_node(&plan(), "loner", Role::Worker);
        let after = check_round_trip(edit);
        assert!(after.host("loner").is_some());
    }

    #[test]
    fn moving_a_node_changes_its_host_only() {
        let after = check_round_trip(move_node(&plan(), "m1", "b").unwrap());
        assert_eq!(after.node("m1").unwrap().host.as_deref(), Some("b"));
        assert_eq!(after.nodes.len(), plan().nodes.len());
        assert!(move_node(&plan(), "m1", "a").is_err(), "already there");
        assert!(move_node(&plan(), "nobody", "a").is_err());
    }

    #[test]
    fn moving_a_host_sets_its_place_and_order() {
        let place = Place {
            site: Some("dc2".into()),
            rack: None,
        };
        let after = check_round_trip(move_host(&plan(), "a", place, Some("c")).unwrap());
        let order: Vec<&str> = after.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(order, ["b", "a", "c"], "dropped before c");
        let a = after.host("a").unwrap();
        assert_eq!((a.site.as_deref(), a.rack.as_deref()), (Some("dc2"), None));
        // An unlisted host is listed as it moves.
        let place = Place {
            site: Some("dc1".into()),
            rack: Some("r1".into()),
        };
        let after = check_round_trip(move_host(&plan(), "loner", place, None).unwrap());
        assert_eq!(after.host("loner").unwrap().rack.as_deref(), Some("r1"));
    }

    #[test]
    fn deleting_takes_what_is_inside() {
        let after = check_round_trip(delete_host(&plan(), "a").unwrap());
        assert!(after.host("a").is_none());
        assert!(after.node("m1").is_none() && after.node("w1").is_none());
        let after = check_round_trip(delete_site(&plan(), "dc1"));
        assert_eq!(after.hosts.len(), 1);
        assert_eq!(after.nodes.len(), 2);
        let after = check_round_trip(delete_rack(&plan(), "r2"));
        assert!(after.host("b").is_none() && after.node("m2").is_none());
        let after = check_round_trip(delete_node(&plan(), "w1").unwrap());
        assert!(after.node("w1").is_none());
    }

    #[test]
    fn renaming_a_host_carries_its_nodes() {
        let after = check_round_trip(rename_host(&plan(), "a", "esx1").unwrap());
        assert_eq!(
            hosts_of(&after)[..2],
            [("m1".into(), "esx1".into()), ("w1".into(), "esx1".into())]
        );
        assert!(rename_host(&plan(), "a", "b").is_err(), "name taken");
        assert!(rename_host(&plan(), "a", "bad name").is_err());
        assert!(rename_host(&plan(), "a", "").is_err());
        // The implicit host of a node that names none.
        let after = check_round_trip(rename_host(&plan(), "loner", "box").unwrap());
        assert_eq!(after.node("loner").unwrap().host_name(), "box");
    }

    /// Names the engine flags (`invalid-name`) used to pass the app's looser check: a leading
    /// `-` or `.`, and names longer than a hostname.
    #[test]
    fn the_app_refuses_exactly_the_names_the_engine_flags() {
        let long = "a".repeat(64);
        for name in [
            "esx1",
            "a.b_c-d",
            "-esx",
            ".hidden",
            "bad name",
            "",
            "é",
            long.as_str(),
        ] {
            assert_eq!(
                check_name(name).is_ok(),
                swarmplan_engine::validate::is_valid_name(name),
                "{name:?}"
            );
        }
        assert!(rename_host(&plan(), "a", "-b").is_err());
        assert!(rename_node(&plan(), "m1", &long).is_err());
    }

    #[test]
    fn renaming_nodes_racks_and_sites() {
        let after = check_round_trip(rename_node(&plan(), "loner", "solo").unwrap());
        assert_eq!(
            after.node("solo").unwrap().host_name(),
            "loner",
            "stays on its server"
        );
        assert!(rename_node(&plan(), "m1", "m2").is_err());
        let after = check_round_trip(rename_rack(&plan(), "r1", "rack-a").unwrap());
        assert_eq!(after.host("a").unwrap().rack.as_deref(), Some("rack-a"));
        assert!(rename_rack(&plan(), "r1", "r2").is_err());
        let after = check_round_trip(rename_site(&plan(), "dc1", "north").unwrap());
        assert_eq!(after.host("b").unwrap().site.as_deref(), Some("north"));
    }

    #[test]
    fn a_failing_batch_changes_nothing() {
        let mut plan = plan();
        let before = plan.clone();
        let batch = Edit::Batch(vec![
            Edit::RemoveNode { index: 0 },
            Edit::RemoveHost { index: 99 },
        ]);
        assert!(batch.apply(&mut plan).is_err());
        assert_eq!(plan, before);
    }

    #[test]
    fn replacing_the_plan_returns_the_old_one() {
        let mut next = plan();
        next.name = "other".into();
        let after = check_round_trip(Edit::ReplacePlan(Box::new(next)));
        assert_eq!(after.name, "other");
    }

    #[test]
    fn an_imported_stack_gets_a_free_name() {
        let mut with_stack = plan();
        let stack = swarmplan_engine::import::stack_from_compose(
            "web",
            "services:\n  nginx: { image: nginx }\n",
        )
        .unwrap();
        add_stack(&with_stack, stack.clone())
            .apply(&mut with_stack)
            .unwrap();
        let edit = add_stack(&with_stack, stack);
        edit.apply(&mut with_stack).unwrap();
        let names: Vec<&str> = with_stack.stacks.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["web", "web-1"]);
    }
}
