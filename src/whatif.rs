//! Live what-ifs: the user fails any set of hosts, racks and sites, and sees where Swarm puts the
//! tasks, which nodes are lost and how every service fares. The engine answers all of it
//! (`analysis::what_if`: the scenario and every service's status during it); this module only
//! lays that answer out for the canvas and panels.

use std::collections::{BTreeMap, BTreeSet};
use swarmplan_engine::analysis::{what_if, FailureScenario, ServiceStatus};
pub use swarmplan_engine::domains::{lost_hosts, Failed};
use swarmplan_engine::export::diagram::{chips, service_colours, Chip};
use swarmplan_engine::{Analysis, Plan};

/// One service as the panels show it, with or without failures: the engine's status, and its
/// colour on the canvas.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    /// `stack/service`.
    pub id: String,
    pub status: ServiceStatus,
    /// An index into the palette.
    pub colour: usize,
}

impl ServiceRow {
    /// The engine's health word: `healthy`, `degraded`, `down` or `idle`.
    pub fn state(&self) -> &'static str {
        self.status.health.name()
    }
}

/// Everything the canvas and panels show for the current set of failures.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    /// The engine's scenario; `None` when nothing is failed.
    pub scenario: Option<FailureScenario>,
    pub lost_hosts: BTreeSet<String>,
    pub lost_nodes: BTreeSet<String>,
    /// The task chips of each node that runs anything.
    pub chips: BTreeMap<String, Vec<Chip>>,
    pub services: Vec<ServiceRow>,
}

/// The engine's service statuses as rows, with their colours.
fn rows(colours: &BTreeMap<String, usize>, statuses: &[ServiceStatus]) -> Vec<ServiceRow> {
    statuses
        .iter()
        .map(|status| {
            let id = status.id();
            ServiceRow {
                colour: colours.get(&id).copied().unwrap_or(0),
                id,
                status: status.clone(),
            }
        })
        .collect()
}

impl WhatIf {
    /// The plan's own placement, with nothing failed: what the page shows on every keystroke.
    pub fn baseline(analysis: &Analysis) -> Self {
        let colours = service_colours(analysis);
        let placed = analysis.placement.iter().map(|t| (t, false));
        WhatIf {
            scenario: None,
            lost_hosts: BTreeSet::new(),
            lost_nodes: BTreeSet::new(),
            chips: chips(&colours, placed),
            services: rows(&colours, &analysis.services),
        }
    }

    /// What the failed domains do (the engine's `what_if`), merged with the baseline. The app
    /// loads this with the scenario code (`on_demand::what_if`).
    pub fn compute(plan: &Plan, analysis: &Analysis, failed: &BTreeSet<Failed>) -> Self {
        let lost = lost_hosts(plan, failed);
        if lost.is_empty() {
            return WhatIf::baseline(analysis);
        }
        let outage = what_if(plan, &lost);
        let scenario = outage.scenario;
        let colours = service_colours(analysis);
        let lost_nodes: BTreeSet<String> = scenario.lost_nodes.iter().cloned().collect();
        let chips = chips(&colours, scenario.running(&analysis.placement));
        let services = rows(&colours, &outage.services);
        WhatIf {
            lost_hosts: lost.into_iter().collect(),
            scenario: Some(scenario),
            lost_nodes,
            chips,
            services,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use swarmplan_engine::domains::DomainKind;
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
        assert_eq!(row(&w, "s/web").state(), "healthy");
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
        assert_eq!(
            (web.status.running, web.status.desired, web.state()),
            (3, 3, "healthy")
        );
        assert_eq!(web.status.hosts, ["h2", "h3"]);
        let agent = row(&w, "s/agent");
        assert_eq!((agent.status.running, agent.status.desired), (2, 2));
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
        assert_eq!(row(&w, "s/web").status.running, 1);
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
