//! The plan's size against Swarmplan's limits (`limits.rs`), and the work budget: before an
//! analysis, an export or a runbook starts, its cost is estimated from the plan, and a plan over
//! a limit or over the budget gets findings instead of the work.
//!
//! # The estimate
//!
//! One unit is one step of the engine's inner loops (a task placed or looked at, a node state
//! copied, a node compared). With T tasks, N nodes, H hosts that carry nodes, S failure
//! scenarios (every host, rack and site, and every pair of hosts when asked), P distinct spread
//! preference lists, V services and K stacks:
//!
//! - analysis = T × (S + 1) + S × N × P + V × (N + K) + N × H:
//!   every scenario may re-place or recount every task; every scenario copies each node's state
//!   and its place in each spread tree's candidate order; each service's checks look at every
//!   node (reservations, constraints) and its stack; failure domains are found by host name;
//! - a plan of at most `limits::EXACT_NODES` nodes, whose outcomes are enumerated exactly,
//!   adds (S + 1) × min(T × `limits::EXACT_PATHS`, V × `limits::EXACT_STEPS`): in the
//!   baseline and in each scenario, each service replays at most that many paths of its
//!   tasks, and at most that many task placements;
//! - sampling D of Swarm's draws for the odds adds D × (T × (S₁ + 1) + S₁ × N × P + N + 64),
//!   with S₁ the single-domain scenarios: each draw replays the deployment and every
//!   single-domain failure, and sets up a fresh cluster and generator even when there is
//!   nothing to place ([`DRAW_SETUP`]);
//! - exports = (published ports + 4) × N × N + host-mode ports × T + analysis: each opening is
//!   listed on its nodes (Swarm's four, then each published port), and each node's firewall
//!   script looks through every opening's nodes for its own; a host-mode port is opened on the
//!   nodes that run its tasks;
//! - a runbook = (steps + 3) × analysis, with steps = 8 × N + 2 × V + 2 × K + 20: each step is
//!   replayed with a fresh analysis (a rolling upgrade has up to eight steps per node and
//!   scale-ups per service);
//! - sizing adds each round's analysis as it goes, and stops when the sum reaches the budget.
//!
//! The estimate is an upper bound of the same order as the work, not a timing: 5,000 nodes ×
//! 100,000 tasks with every single-domain failure (the largest shape `cargo xtask bench`
//! measures) is about 230 million units, and the budget is 2,000 million.

use crate::compose::{Compose, Mode};
use crate::findings::{Code, Finding, Target};
use crate::limits::{grouped, Limit};
use crate::plan::{Availability, Plan};
use serde::Serialize;
use std::collections::BTreeSet;

/// The work of one draw of the odds before it places anything: a fresh cluster, a seeded
/// generator, the outcome's tally. Without it, `--odds 4000000000` on a plan with nothing to
/// place was estimated at nothing, and ran for hours (a fuzzer's find).
pub const DRAW_SETUP: u64 = 64;

/// What a plan holds, as the limits and the estimate count it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Size {
    pub nodes: u64,
    /// Hosts listed in the plan.
    pub hosts: u64,
    /// Hosts that carry nodes, listed or not (a node without a host is a host of its own).
    pub hosts_in_use: u64,
    pub racks: u64,
    pub sites: u64,
    pub stacks: u64,
    pub services: u64,
    /// Replicas, and one task per active node for each global service.
    pub tasks: u64,
    /// Failure scenarios the analysis computes.
    pub scenarios: u64,
    /// Pairs of hosts among the scenarios (0 unless asked for).
    pub host_pairs: u64,
    /// Distinct spread preference lists (at least one: no spread).
    pub spreads: u64,
    pub published_ports: u64,
    pub host_mode_ports: u64,
    /// Swarm's draws sampled for the odds (0 unless asked for: `with_draws`).
    pub draws: u64,
}

impl Size {
    /// Counts a plan whose compose files are read (`composes`), with or without host pairs.
    /// Costs a pass over the plan, never a product of its sizes.
    pub fn of(plan: &Plan, composes: &[Compose], host_pairs: bool) -> Size {
        let mut used: BTreeSet<&str> = BTreeSet::new();
        for node in &plan.nodes {
            used.insert(node.host_name());
        }
        let distinct = |key: fn(&crate::plan::Host) -> Option<&String>| {
            plan.hosts
                .iter()
                .filter_map(key)
                .collect::<BTreeSet<_>>()
                .len() as u64
        };
        let racks = distinct(|h| h.rack.as_ref());
        let sites = distinct(|h| h.site.as_ref());
        let listed: BTreeSet<&str> = plan.hosts.iter().map(|h| h.name.as_str()).collect();
        let hosts_in_use = used.len() as u64;
        // Every listed host is a scenario, and every host a node names.
        let single_hosts = listed.union(&used).count() as u64;
        let pairs = if host_pairs {
            hosts_in_use.saturating_mul(hosts_in_use.saturating_sub(1)) / 2
        } else {
            0
        };
        let active = plan
            .nodes
            .iter()
            .filter(|n| n.availability == Availability::Active)
            .count() as u64;
        let mut size = Size {
            nodes: plan.nodes.len() as u64,
            hosts: plan.hosts.len() as u64,
            hosts_in_use,
            racks,
            sites,
            stacks: plan.stacks.len() as u64,
            scenarios: single_hosts
                .saturating_add(racks)
                .saturating_add(sites)
                .saturating_add(pairs),
            host_pairs: pairs,
            ..Size::default()
        };
        let mut spreads: BTreeSet<&[String]> = BTreeSet::new();
        for service in composes.iter().flat_map(|c| &c.services) {
            size.services += 1;
            size.tasks = size.tasks.saturating_add(match service.mode {
                Mode::Replicated(replicas) => replicas,
                Mode::Global => active,
            });
            spreads.insert(&service.preferences);
            size.published_ports += service.ports.len() as u64;
            size.host_mode_ports += service
                .ports
                .iter()
                .filter(|p| p.mode == crate::compose::PortMode::Host)
                .count() as u64;
        }
        size.spreads = (spreads.len() as u64).max(1);
        size
    }

    /// The same plan, with `draws` of Swarm's dice sampled for the odds.
    pub fn with_draws(self, draws: u32) -> Size {
        Size {
            draws: u64::from(draws),
            ..self
        }
    }

    /// The estimated work of sampling the odds: each draw replays the deployment and every
    /// single-domain failure, after setting up its cluster.
    pub fn sampling_work(&self) -> u64 {
        let single = self.scenarios.saturating_sub(self.host_pairs);
        self.tasks
            .saturating_mul(single.saturating_add(1))
            .saturating_add(
                single
                    .saturating_mul(self.nodes)
                    .saturating_mul(self.spreads),
            )
            .saturating_add(self.nodes)
            .saturating_add(DRAW_SETUP)
            .saturating_mul(self.draws)
    }

    /// The estimated work of analysing the plan, the odds' draws included.
    pub fn analysis_work(&self) -> u64 {
        let s = self.scenarios;
        self.sampling_work()
            .saturating_add(self.tasks.saturating_mul(s.saturating_add(1)))
            .saturating_add(s.saturating_mul(self.nodes).saturating_mul(self.spreads))
            .saturating_add(
                self.services
                    .saturating_mul(self.nodes.saturating_add(self.stacks)),
            )
            .saturating_add(self.nodes.saturating_mul(self.hosts_in_use))
            .saturating_add(if self.nodes <= crate::limits::EXACT_NODES {
                let paths = self.tasks.saturating_mul(crate::limits::EXACT_PATHS);
                let steps = self.services.saturating_mul(crate::limits::EXACT_STEPS);
                paths.min(steps).saturating_mul(s.saturating_add(1))
            } else {
                0
            })
    }

    /// The estimated work of every export of the plan, its analysis included.
    pub fn export_work(&self) -> u64 {
        self.published_ports
            .saturating_add(4)
            .saturating_mul(self.nodes)
            .saturating_mul(self.nodes)
            .saturating_add(self.host_mode_ports.saturating_mul(self.tasks))
            .saturating_add(self.analysis_work())
    }

    /// Steps a runbook of the plan may have, at most.
    pub fn runbook_steps(&self) -> u64 {
        self.nodes
            .saturating_mul(8)
            .saturating_add(self.services.saturating_mul(2))
            .saturating_add(self.stacks.saturating_mul(2))
            .saturating_add(20)
    }

    /// The estimated work of one runbook of the plan: each step replays an analysis.
    pub fn runbook_work(&self) -> u64 {
        self.runbook_steps()
            .saturating_add(3)
            .saturating_mul(self.analysis_work())
    }

    /// What the analysis estimate is made of, for a finding.
    fn analysis_terms(&self) -> String {
        let terms = format!(
            "{} tasks × {} failure scenarios, {} nodes × {} scenarios × {} spread list(s), {} services × {} nodes",
            grouped(self.tasks),
            grouped(self.scenarios + 1),
            grouped(self.nodes),
            grouped(self.scenarios),
            grouped(self.spreads),
            grouped(self.services),
            grouped(self.nodes),
        );
        if self.draws == 0 {
            terms
        } else {
            format!(
                "{terms}, and {} draws of Swarm's dice, each replaying the tasks and the single-domain scenarios",
                grouped(self.draws)
            )
        }
    }
}

/// What a plan is checked for before the work starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// `analyze` (with host pairs or not).
    Analysis,
    /// Every export, the bundle and its runbooks.
    Exports,
    /// One runbook.
    Runbook,
}

impl Work {
    fn noun(self) -> &'static str {
        match self {
            Work::Analysis => "analysing",
            Work::Exports => "exporting",
            Work::Runbook => "building a runbook of",
        }
    }
}

fn over(limit: Limit, value: u64, target: Target, key: &str, what: String) -> Finding {
    Finding::new(
        Code::LimitExceeded,
        target,
        format!(
            "{what}: {}, over Swarmplan's limit of {} {}",
            grouped(value),
            grouped(limit.value()),
            limit.name()
        ),
    )
    .key(key)
    .hint(format!("the limit is there because {}", limit.why()))
}

/// The plan's size against the limits that hold for the whole plan (a service's replicas and a
/// port range are checked where the compose file is read, `compose::read`): one finding per
/// limit exceeded. Checked in this order, so that a plan of a million nodes is refused before
/// anything counts them against each other.
pub fn limit_findings(plan: &Plan, size: &Size) -> Vec<Finding> {
    let mut findings = Vec::new();
    let checks = [
        (
            Limit::Nodes,
            size.nodes,
            "nodes",
            "the plan has this many nodes",
        ),
        (
            Limit::Hosts,
            size.hosts,
            "hosts",
            "the plan has this many hosts",
        ),
        (
            Limit::Services,
            size.services,
            "stacks",
            "the stacks have this many services",
        ),
        (
            Limit::Tasks,
            size.tasks,
            "stacks",
            "the services ask for this many tasks in all",
        ),
        (
            Limit::HostPairs,
            size.host_pairs,
            "hosts",
            "host pairs to analyse",
        ),
        (
            Limit::PublishedPorts,
            size.published_ports,
            "stacks",
            "the services publish this many ports",
        ),
    ];
    for (limit, value, key, what) in checks {
        if limit.exceeded_by(value) {
            findings.push(over(limit, value, Target::Plan, key, what.to_owned()));
        }
    }
    if !findings.is_empty() {
        return findings;
    }
    for node in &plan.nodes {
        let labels = [
            ("labels", &node.labels),
            ("engine_labels", &node.engine_labels),
        ];
        for (field, labels) in labels {
            for (name, value) in labels {
                let longest = name.len().max(value.len()) as u64;
                if Limit::LabelText.exceeded_by(longest) {
                    let shown: String = name.chars().take(40).collect();
                    findings.push(over(
                        Limit::LabelText,
                        longest,
                        Target::Node(node.name.clone()),
                        &format!("{field}.{name}"),
                        format!("label `{shown}` of node {} is this many bytes", node.name),
                    ));
                }
            }
        }
    }
    findings
}

/// The finding for work over the budget, or none.
pub fn budget_finding(size: &Size, work: Work) -> Option<Finding> {
    let estimate = match work {
        Work::Analysis => size.analysis_work(),
        Work::Exports => size.export_work(),
        Work::Runbook => size.runbook_work(),
    };
    if !Limit::Work.exceeded_by(estimate) {
        return None;
    }
    let mut made_of = size.analysis_terms();
    if work == Work::Runbook {
        made_of = format!(
            "{} steps, each replaying an analysis of {made_of}",
            grouped(size.runbook_steps())
        );
    }
    let hint = if size.draws > 0 && size.sampling_work() > size.analysis_work() / 2 {
        "sample fewer of Swarm's draws for the odds (--odds N), or none (--no-odds)"
    } else if size.host_pairs > 0 {
        "analyse without host pairs, or pairs of a smaller plan"
    } else if work == Work::Runbook {
        "build runbooks for a part of the cluster (a plan per site, or per group of nodes)"
    } else {
        "split the plan (a plan per site, or per group of stacks)"
    };
    Some(
        Finding::new(
            Code::WorkBudgetExceeded,
            Target::Plan,
            format!(
                "{} this plan is estimated at {} units of work ({made_of}), over Swarmplan's budget of {}: it is not started",
                work.noun(),
                grouped(estimate),
                grouped(Limit::Work.value()),
            ),
        )
        .hint(hint),
    )
}

/// Everything that stops `work` on the plan before it starts: limits exceeded, then the budget.
/// Empty when the work may start. `composes` are the plan's stacks as `compose::read` reads
/// them.
pub fn check(plan: &Plan, composes: &[Compose], host_pairs: bool, work: Work) -> Vec<Finding> {
    check_size(plan, &Size::of(plan, composes, host_pairs), work)
}

/// [`check`] for a plan already counted (`Size::of`, and `with_draws` for an analysis that
/// samples the odds).
pub fn check_size(plan: &Plan, size: &Size, work: Work) -> Vec<Finding> {
    let mut findings = limit_findings(plan, size);
    if findings.is_empty() {
        findings.extend(budget_finding(size, work));
    }
    findings
}

/// [`check`] for a plan whose compose files are not read yet.
pub fn check_plan(plan: &Plan, host_pairs: bool, work: Work) -> Vec<Finding> {
    let composes: Vec<Compose> = plan.stacks.iter().map(crate::compose::read).collect();
    check(plan, &composes, host_pairs, work)
}

/// The estimated work of analysing a plan, read whole.
pub fn plan_analysis_work(plan: &Plan, host_pairs: bool) -> u64 {
    let composes: Vec<Compose> = plan.stacks.iter().map(crate::compose::read).collect();
    Size::of(plan, &composes, host_pairs).analysis_work()
}
