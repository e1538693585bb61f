//! `analyze`: everything Swarmplan computes about a plan, in one deterministic value.

use crate::findings::{Finding, Severity, Target};
use crate::plan::{Plan, Role};
use crate::quorum::{self, Quorum};
use crate::topology::{self, Domain, DomainKind};
use crate::validate;
use serde::Serialize;

/// What to compute beyond the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Also analyse the loss of every pair of hosts.
    pub host_pairs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub quorum: Quorum,
    /// One scenario per failure domain: every host, rack and site (and pair of hosts on request).
    pub failures: Vec<FailureScenario>,
    pub survival: Survival,
    /// Errors first, then warnings, then information; in plan order within each.
    pub findings: Vec<Finding>,
}

impl Analysis {
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }
}

/// What the loss of one failure domain does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailureScenario {
    pub domain: DomainKind,
    pub name: String,
    pub hosts: Vec<String>,
    pub lost_nodes: Vec<String>,
    pub managers_left: usize,
    /// Whether the managers left still form a quorum.
    pub quorum: bool,
}

/// Which kinds of single loss the plan survives with its quorum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Survival {
    pub host: bool,
    /// `None` when the plan places no host in a rack.
    pub rack: Option<bool>,
    /// `None` when the plan places no host in a site.
    pub site: Option<bool>,
    /// One sentence, such as "survives any single host or rack loss; not the loss of site dc1".
    pub summary: String,
}

/// Analyses a plan. Pure and deterministic: the same plan gives the same analysis.
pub fn analyze(plan: &Plan, options: &Options) -> Analysis {
    let managers = plan.managers().count();
    let quorum = Quorum::of(managers);

    let mut domains = topology::single_domains(plan);
    if options.host_pairs {
        domains.extend(topology::host_pairs(plan));
    }
    let failures: Vec<FailureScenario> = domains.iter().map(|d| fail(plan, d, managers)).collect();
    let survival = survival(&failures, managers);

    let mut findings = validate::structure(plan);
    findings.extend(quorum_findings(managers, &failures));
    // A stable sort keeps plan order within each severity.
    findings.sort_by_key(|f| f.severity);

    Analysis { quorum, failures, survival, findings }
}

fn fail(plan: &Plan, domain: &Domain, managers: usize) -> FailureScenario {
    let lost: Vec<&crate::plan::Node> = plan
        .nodes
        .iter()
        .filter(|n| domain.hosts.iter().any(|h| h == n.host_name()))
        .collect();
    let managers_lost = lost.iter().filter(|n| n.role == Role::Manager).count();
    let managers_left = managers - managers_lost;
    FailureScenario {
        domain: domain.kind,
        name: domain.name.clone(),
        hosts: domain.hosts.clone(),
        lost_nodes: lost.iter().map(|n| n.name.clone()).collect(),
        managers_left,
        quorum: quorum::holds(managers, managers_left),
    }
}

fn survival(failures: &[FailureScenario], managers: usize) -> Survival {
    let kind_survives = |kind: DomainKind| -> Option<bool> {
        let mut of_kind = failures.iter().filter(|f| f.domain == kind).peekable();
        of_kind.peek()?;
        Some(of_kind.all(|f| f.quorum))
    };
    let host = managers > 0 && kind_survives(DomainKind::Host).unwrap_or(true);
    let rack = kind_survives(DomainKind::Rack);
    let site = kind_survives(DomainKind::Site);

    let summary = if managers == 0 {
        "no managers: there is no swarm to keep".to_owned()
    } else {
        let mut kinds = vec![];
        if host {
            kinds.push("host");
        }
        if rack == Some(true) {
            kinds.push("rack");
        }
        if site == Some(true) {
            kinds.push("site");
        }
        let lost: Vec<String> = failures
            .iter()
            .filter(|f| !f.quorum && f.domain != DomainKind::Hosts)
            .map(|f| format!("{} {}", f.domain, f.name))
            .collect();
        match (kinds.is_empty(), lost.is_empty()) {
            (_, true) => format!("survives any single {} loss", join_or(&kinds)),
            (true, false) => format!("quorum is lost with {}", join_and(&lost)),
            (false, false) => format!(
                "survives any single {} loss; quorum is lost with {}",
                join_or(&kinds),
                join_and(&lost)
            ),
        }
    };
    Survival { host, rack, site, summary }
}

fn join_with(items: &[impl AsRef<str>], last: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., tail] => format!(
            "{} {last} {}",
            init.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(", "),
            tail.as_ref()
        ),
    }
}

fn join_or(items: &[impl AsRef<str>]) -> String {
    join_with(items, "or")
}

fn join_and(items: &[impl AsRef<str>]) -> String {
    join_with(items, "and")
}

fn quorum_findings(managers: usize, failures: &[FailureScenario]) -> Vec<Finding> {
    let mut findings = Vec::new();
    match managers {
        0 => findings.push(
            Finding::error("no-managers", Target::Plan, "the plan has no manager node: a swarm needs at least one")
                .hint("give three nodes on three different hosts the role manager"),
        ),
        1 => findings.push(
            Finding::warning("single-manager", Target::Plan, "one manager tolerates no loss: if it fails, the swarm can no longer be managed")
                .hint("use three managers on three different hosts"),
        ),
        n if n % 2 == 0 => findings.push(
            Finding::warning(
                "even-managers",
                Target::Plan,
                format!(
                    "{n} managers tolerate {} loss(es), no more than {} would: an even count adds a node that must stay up without adding tolerance",
                    quorum::tolerates(n),
                    n - 1
                ),
            )
            .hint(format!("use {} or {} managers", n - 1, n + 1)),
        ),
        _ => {}
    }
    if managers > 7 {
        findings.push(
            Finding::warning(
                "too-many-managers",
                Target::Plan,
                format!("{managers} managers: Docker advises at most seven, since every manager takes part in each Raft write"),
            )
            .hint("keep 3, 5 or 7 managers and make the other nodes workers"),
        );
    }
    if managers > 0 {
        for failure in failures.iter().filter(|f| !f.quorum && f.domain != DomainKind::Hosts) {
            let only_one = failures.iter().filter(|f| f.domain == failure.domain).count() == 1;
            if only_one && failure.domain != DomainKind::Host {
                // A plan drawn in one rack or one site cannot survive its loss, whatever the
                // managers do: that is a fact of the design to state, not a mistake to fix.
                findings.push(
                    Finding::info(
                        if failure.domain == DomainKind::Rack { "single-rack" } else { "single-site" },
                        if failure.domain == DomainKind::Rack { Target::Rack(failure.name.clone()) } else { Target::Site(failure.name.clone()) },
                        format!("every host is in {} {}: its loss stops the swarm", failure.domain, failure.name),
                    )
                    .hint(format!("to survive the loss of a {0}, spread the managers over three {0}s", failure.domain)),
                );
                continue;
            }
            let (code, target) = match failure.domain {
                DomainKind::Host => ("host-loss-breaks-quorum", Target::Host(failure.name.clone())),
                DomainKind::Rack => ("rack-loss-breaks-quorum", Target::Rack(failure.name.clone())),
                DomainKind::Site => ("site-loss-breaks-quorum", Target::Site(failure.name.clone())),
                DomainKind::Hosts => unreachable!("pairs are filtered out above"),
            };
            let lost = managers - failure.managers_left;
            findings.push(
                Finding::error(
                    code,
                    target,
                    format!(
                        "losing {} {} takes {lost} of {managers} managers: {} left, quorum needs {}",
                        failure.domain,
                        failure.name,
                        failure.managers_left,
                        quorum::majority(managers)
                    ),
                )
                .hint(match quorum::tolerates(managers) {
                    0 => format!("{managers} manager(s) tolerate no loss: use three managers, each in a different {}", failure.domain),
                    most => format!("spread the managers so that no {} holds more than {most}", failure.domain),
                }),
            );
        }
    }
    findings
}
