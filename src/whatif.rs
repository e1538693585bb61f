//! Live what-ifs: the user fails any set of hosts, racks and sites, and sees where Swarm puts the
//! tasks, which nodes are lost and how every service fares. The engine computes the scenario
//! (`analysis::what_if`); this module merges it with the baseline for the canvas and panels.

use std::collections::{BTreeMap, BTreeSet};
use swarmplan_engine::analysis::{what_if, FailureScenario};
use swarmplan_engine::placement::Task;
use swarmplan_engine::topology::{self, DomainKind};
use swarmplan_engine::{Analysis, Plan};

/// A failure domain the user switched off: a host, a rack or a site.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Failed {
    pub kind: DomainKind,
    pub name: String,
}

impl Failed {
    pub fn new(kind: DomainKind, name: impl Into<String>) -> Self {
        Failed {
            kind,
            name: name.into(),
        }
    }

    /// The hosts this domain takes down.
    fn hosts<'p>(&self, plan: &'p Plan) -> Vec<&'p str> {
        match self.kind {
            DomainKind::Rack => plan
                .hosts
                .iter()
                .filter(|h| h.rack.as_deref() == Some(&self.name))
                .map(|h| h.name.as_str())
                .collect(),
            DomainKind::Site => plan
                .hosts
                .iter()
                .filter(|h| h.site.as_deref() == Some(&self.name))
                .map(|h| h.name.as_str())
                .collect(),
            DomainKind::Host | DomainKind::Hosts => vec![],
        }
    }
}

/// The hosts a set of failed domains takes down, in plan order; domains that no longer exist
/// (renamed or deleted since) take nothing.
pub fn lost_hosts(plan: &Plan, failed: &BTreeSet<Failed>) -> Vec<String> {
    let mut lost: BTreeSet<&str> = BTreeSet::new();
    let names = topology::host_names(plan);
    for domain in failed {
        match domain.kind {
            DomainKind::Host | DomainKind::Hosts => {
                if let Some(name) = names.iter().find(|n| **n == domain.name) {
                    lost.insert(name);
                }
            }
            _ => lost.extend(domain.hosts(plan)),
        }
    }
    names
        .iter()
        .filter(|n| lost.contains(n.as_str()))
        .cloned()
        .collect()
}

/// One service as the panels show it, with or without failures.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    /// `stack/service`.
    pub id: String,
    pub mode: &'static str,
    pub desired: u64,
    pub running: u64,
    pub nodes: Vec<String>,
    pub hosts: Vec<String>,
    /// Its colour on the canvas: an index into the palette.
    pub colour: usize,
}

impl ServiceRow {
    pub fn state(&self) -> &'static str {
        if self.desired == 0 {
            "idle"
        } else if self.running == 0 {
            "down"
        } else if self.running < self.desired {
            "degraded"
        } else {
            "ok"
        }
    }
}

/// A task chip on a node card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chip {
    pub service: String,
    pub slot: u64,
    pub colour: usize,
    /// Rescheduled here by the failure.
    pub moved: bool,
}

/// How many colours the canvas has for services.
pub const PALETTE: usize = 10;

/// Everything the canvas and panels show for the current set of failures.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// The engine's scenario; `None` when nothing is failed.
    pub scenario: Option<FailureScenario>,
    pub lost_hosts: BTreeSet<String>,
    pub lost_nodes: BTreeSet<String>,
    /// The task chips of each node that runs anything.
    pub chips: Chips,
    pub services: Vec<ServiceRow>,
}

fn id(task: &Task) -> String {
    format!("{}/{}", task.stack, task.service)
}

impl WhatIf {
    /// The plan's own placement, with nothing failed: what the page shows on every keystroke.
    pub fn baseline(analysis: &Analysis) -> Self {
        let colours = colours(analysis);
        let placed = analysis.placement.iter().map(|t| (t, false));
        WhatIf {
            scenario: None,
            lost_hosts: BTreeSet::new(),
            lost_nodes: BTreeSet::new(),
            chips: chips(&colours, placed),
            services: analysis
                .services
                .iter()
                .map(|s| {
                    let id = s.id();
                    ServiceRow {
                        colour: colours[&id],
                        id,
                        mode: s.mode,
                        desired: s.desired,
                        running: s.running,
                        nodes: s.nodes.clone(),
                        hosts: s.hosts.clone(),
                    }
                })
                .collect(),
        }
    }

    /// What the failed domains do (the engine's `what_if`), merged with the baseline. The app
    /// loads this with the scenario code (`on_demand::what_if`).
    pub fn compute(plan: &Plan, analysis: &Analysis, failed: &BTreeSet<Failed>) -> Self {
        let lost = lost_hosts(plan, failed);
        if lost.is_empty() {
            return WhatIf::baseline(analysis);
        }
        let scenario = what_if(plan, &lost);
        let colours = colours(analysis);
        let lost_nodes: BTreeSet<String> = scenario.lost_nodes.iter().cloned().collect();
        let host_of: BTreeMap<&str, &str> = plan
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.host_name()))
            .collect();
        let kept = analysis
            .placement
            .iter()
            .filter(|t| !lost_nodes.contains(&t.node))
            .map(|t| (t, false));
        let moved = scenario.rescheduled.iter().map(|t| (t, true));
        let chips = chips(&colours, kept.clone().chain(moved.clone()));
        // The tasks each service (`stack/service`) runs.
        let mut running: BTreeMap<String, Vec<&Task>> = BTreeMap::new();
        for (task, _) in kept.chain(moved) {
            running.entry(id(task)).or_default().push(task);
        }
        let mut lost_of_service: BTreeMap<String, u64> = BTreeMap::new();
        for task in analysis
            .placement
            .iter()
            .filter(|t| lost_nodes.contains(&t.node))
        {
            *lost_of_service.entry(id(task)).or_default() += 1;
        }

        let services = analysis
            .services
            .iter()
            .map(|s| {
                let service = s.id();
                let tasks = running.get(&service).map(Vec::as_slice).unwrap_or(&[]);
                let mut nodes: Vec<String> = vec![];
                let mut hosts: Vec<String> = vec![];
                for task in tasks {
                    if !nodes.contains(&task.node) {
                        nodes.push(task.node.clone());
                    }
                    let host = host_of.get(task.node.as_str()).copied().unwrap_or("");
                    if !hosts.iter().any(|h| h == host) {
                        hosts.push(host.to_owned());
                    }
                }
                // A global service's tasks on lost nodes are not moved: they are no longer wanted.
                let desired = if s.mode == "global" {
                    s.desired
                        .saturating_sub(lost_of_service.get(&service).copied().unwrap_or(0))
                } else {
                    s.desired
                };
                ServiceRow {
                    colour: colours[&service],
                    id: service,
                    mode: s.mode,
                    desired,
                    running: tasks.len() as u64,
                    nodes,
                    hosts,
                }
            })
            .collect();
        WhatIf {
            lost_hosts: lost.into_iter().collect(),
            scenario: Some(scenario),
            lost_nodes,
            chips,
            services,
        }
    }
}

/// Each service's colour on the canvas, in the order of the analysis.
fn colours(analysis: &Analysis) -> BTreeMap<String, usize> {
    analysis
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id(), i % PALETTE))
        .collect()
}

/// The task chips of each node.
type Chips = BTreeMap<String, Vec<Chip>>;

/// The chips of each node, in colour order, from tasks and whether each was rescheduled.
fn chips<'a>(
    colours: &BTreeMap<String, usize>,
    tasks: impl Iterator<Item = (&'a Task, bool)>,
) -> Chips {
    let mut chips = Chips::new();
    for (task, moved) in tasks {
        let service = id(task);
        chips.entry(task.node.clone()).or_default().push(Chip {
            colour: colours.get(&service).copied().unwrap_or(0),
            service,
            slot: task.slot,
            moved,
        });
    }
    for list in chips.values_mut() {
        list.sort_by(|a, b| (a.colour, &a.service, a.slot).cmp(&(b.colour, &b.service, b.slot)));
    }
    chips
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::{analyze, parse_plan, Options};

    const PLAN: &str = "
swarmplan: 1
name: t
hosts:
  - { name: h1, rack: r1 }
  - { name: h2, rack: r1 }
  - { name: h3, rack: r2 }
nodes:
  - { name: m1, host: h1, role: manager }
  - { name: m2, host: h2, role: manager }
  - { name: m3, host: h3, role: manager }
stacks:
  - name: s
    compose:
      services:
        web: { image: nginx, deploy: { replicas: 3 } }
        agent: { image: a, deploy: { mode: global } }
";

    fn compute(failed: &[Failed]) -> WhatIf {
        let plan = parse_plan(PLAN).unwrap();
        let analysis = analyze(&plan, &Options::default());
        WhatIf::compute(&plan, &analysis, &failed.iter().cloned().collect())
    }

    fn row<'a>(w: &'a WhatIf, id: &str) -> &'a ServiceRow {
        w.services.iter().find(|s| s.id == id).unwrap()
    }

    #[test]
    fn nothing_failed_is_the_baseline() {
        let w = compute(&[]);
        assert!(w.scenario.is_none() && w.lost_nodes.is_empty());
        assert_eq!(w.chips["m1"].len(), 2, "one web task and the agent");
        assert_eq!(row(&w, "s/web").state(), "ok");
        assert!(w.chips.values().flatten().all(|c| !c.moved));
    }

    #[test]
    fn a_failed_host_moves_its_replicated_tasks() {
        let w = compute(&[Failed::new(DomainKind::Host, "h1")]);
        assert_eq!(w.lost_nodes, BTreeSet::from(["m1".to_owned()]));
        assert!(!w.chips.contains_key("m1"));
        let moved: Vec<&Chip> = w.chips.values().flatten().filter(|c| c.moved).collect();
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].service, "s/web");
        let web = row(&w, "s/web");
        assert_eq!((web.running, web.desired, web.state()), (3, 3, "ok"));
        assert_eq!(web.hosts, ["h2", "h3"]);
        let agent = row(&w, "s/agent");
        assert_eq!((agent.running, agent.desired), (2, 2));
        assert!(w.scenario.as_ref().unwrap().quorum);
    }

    #[test]
    fn failing_a_rack_and_a_host_at_once_loses_quorum() {
        let w = compute(&[
            Failed::new(DomainKind::Rack, "r1"),
            Failed::new(DomainKind::Host, "h2"),
        ]);
        assert_eq!(
            w.lost_hosts,
            BTreeSet::from(["h1".to_owned(), "h2".to_owned()])
        );
        let scenario = w.scenario.as_ref().unwrap();
        assert!(!scenario.quorum);
        assert_eq!(scenario.managers_left, 1);
        // Without quorum nothing is rescheduled.
        assert_eq!(row(&w, "s/web").running, 1);
        assert_eq!(row(&w, "s/web").state(), "degraded");
    }

    #[test]
    fn domains_that_no_longer_exist_fail_nothing() {
        let w = compute(&[
            Failed::new(DomainKind::Host, "gone"),
            Failed::new(DomainKind::Site, "nowhere"),
        ]);
        assert!(w.scenario.is_none());
    }
}
