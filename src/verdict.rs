//! The what-if banner's words: what is failed, whether quorum holds, and what the failures do
//! (nodes down, tasks rescheduled, services down or degraded), all read from the engine's answer
//! in the `WhatIf`.

use crate::whatif::{Failed, WhatIf};
use std::collections::BTreeSet;
use swarmplan_engine::analysis::Health;

/// The verdict of the failures of the moment, as the banner says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub quorum: bool,
    /// What is failed: `host a, rack r1`.
    pub failed: String,
    /// The quorum sentence.
    pub quorum_text: String,
    /// What the failures do: `1 node down · 2 tasks rescheduled · 1 service down`.
    pub detail: String,
}

/// `1 node`, `2 nodes`.
fn count(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

impl Verdict {
    /// The verdict of `whatif` for a swarm of `managers` managers; `None` when nothing is failed.
    pub fn of(whatif: &WhatIf, managers: usize, failed: &BTreeSet<Failed>) -> Option<Verdict> {
        let scenario = whatif.scenario.as_ref()?;
        let failed: Vec<String> = failed
            .iter()
            .map(|d| format!("{} {}", d.kind, d.name))
            .collect();
        let left = scenario.managers_left;
        let quorum_text = if scenario.quorum {
            format!("Quorum holds: {left} of {managers} managers left.")
        } else {
            format!(
                "Quorum lost: {left} of {managers} managers left. The swarm cannot be managed and nothing is rescheduled."
            )
        };
        let mut effects = vec![format!("{} down", count(scenario.lost_nodes.len(), "node"))];
        let moved = scenario.rescheduled.len();
        if moved > 0 {
            effects.push(format!("{} rescheduled", count(moved, "task")));
        }
        let health = |h: Health| {
            whatif
                .services
                .iter()
                .filter(|s| s.status.health == h)
                .count()
        };
        let (down, degraded) = (health(Health::Down), health(Health::Degraded));
        if down > 0 {
            effects.push(format!("{} down", count(down, "service")));
        }
        if degraded > 0 {
            effects.push(format!("{degraded} degraded"));
        }
        Some(Verdict {
            quorum: scenario.quorum,
            failed: failed.join(", "),
            quorum_text,
            detail: effects.join(" · "),
        })
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
        db: { image: pg, deploy: { placement: { constraints: [node.hostname == m1] } } }
";

    fn verdict(failed: &[Failed]) -> Option<Verdict> {
        let plan = parse_plan(PLAN).unwrap();
        let analysis = analyze(&plan, &Options::default());
        let failed: BTreeSet<Failed> = failed.iter().cloned().collect();
        let whatif = WhatIf::compute(&plan, &analysis, &failed);
        Verdict::of(&whatif, analysis.quorum.managers, &failed)
    }

    #[test]
    fn nothing_failed_has_no_verdict() {
        assert_eq!(verdict(&[]), None);
    }

    #[test]
    fn a_host_that_takes_a_service_down() {
        let v = verdict(&[Failed::new(DomainKind::Host, "h1")]).unwrap();
        assert!(v.quorum);
        assert_eq!(v.failed, "host h1");
        assert_eq!(v.quorum_text, "Quorum holds: 2 of 3 managers left.");
        assert_eq!(
            v.detail,
            "1 node down · 1 task rescheduled · 1 service down"
        );
    }

    #[test]
    fn a_rack_and_a_host_that_lose_quorum() {
        let v = verdict(&[
            Failed::new(DomainKind::Rack, "r1"),
            Failed::new(DomainKind::Host, "h3"),
        ])
        .unwrap();
        assert!(!v.quorum);
        assert_eq!(v.failed, "host h3, rack r1");
        assert_eq!(
            v.quorum_text,
            "Quorum lost: 0 of 3 managers left. The swarm cannot be managed and nothing is rescheduled."
        );
        assert_eq!(v.detail, "3 nodes down · 2 services down");
    }

    #[test]
    fn a_lost_quorum_leaves_services_degraded() {
        let v = verdict(&[Failed::new(DomainKind::Rack, "r1")]).unwrap();
        assert!(!v.quorum);
        assert_eq!(v.detail, "2 nodes down · 1 service down · 1 degraded");
    }
}
