//! Failure domains: the hosts, racks and sites a plan's nodes stand in, and what each loses.

use crate::plan::Plan;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DomainKind {
    Host,
    Rack,
    Site,
    /// Two hosts lost at once; analysed on request.
    Hosts,
}

impl fmt::Display for DomainKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DomainKind::Host => "host",
            DomainKind::Rack => "rack",
            DomainKind::Site => "site",
            DomainKind::Hosts => "hosts",
        })
    }
}

/// One thing that can fail at once, and the hosts it takes down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Domain {
    pub kind: DomainKind,
    pub name: String,
    pub hosts: Vec<String>,
}

/// Every host a node stands on, in plan order: the listed hosts first, then the hosts that nodes
/// name without listing, then nodes that name none (each alone on a server of its own).
pub fn host_names(plan: &Plan) -> Vec<String> {
    let mut names: Vec<String> = plan.hosts.iter().map(|h| h.name.clone()).collect();
    for node in &plan.nodes {
        let host = node.host_name();
        if !names.iter().any(|n| n == host) {
            names.push(host.to_owned());
        }
    }
    names
}

fn grouped(
    plan: &Plan,
    kind: DomainKind,
    key: impl Fn(&crate::plan::Host) -> Option<&String>,
) -> Vec<Domain> {
    let mut domains: Vec<Domain> = Vec::new();
    for host in &plan.hosts {
        let Some(name) = key(host) else { continue };
        match domains.iter_mut().find(|d| &d.name == name) {
            Some(domain) => domain.hosts.push(host.name.clone()),
            None => domains.push(Domain {
                kind,
                name: name.clone(),
                hosts: vec![host.name.clone()],
            }),
        }
    }
    domains
}

/// The single failure domains: every host, every rack and every site, in that order.
pub fn single_domains(plan: &Plan) -> Vec<Domain> {
    let hosts = host_names(plan).into_iter().map(|name| Domain {
        kind: DomainKind::Host,
        hosts: vec![name.clone()],
        name,
    });
    let racks = grouped(plan, DomainKind::Rack, |h| h.rack.as_ref());
    let sites = grouped(plan, DomainKind::Site, |h| h.site.as_ref());
    hosts.chain(racks).chain(sites).collect()
}

/// Every pair of hosts that carries at least one node.
pub fn host_pairs(plan: &Plan) -> Vec<Domain> {
    let used: Vec<String> = host_names(plan)
        .into_iter()
        .filter(|h| plan.nodes.iter().any(|n| n.host_name() == h))
        .collect();
    let mut pairs = Vec::new();
    for (i, a) in used.iter().enumerate() {
        for b in &used[i + 1..] {
            pairs.push(Domain {
                kind: DomainKind::Hosts,
                name: format!("{a}+{b}"),
                hosts: vec![a.clone(), b.clone()],
            });
        }
    }
    pairs
}

/// A failure domain switched off: a host, a rack or a site, failed in the app's what-if or by
/// `swarmplan diagram --what-if`.
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
}

/// The hosts a set of failed domains takes down, in plan order; domains that no longer exist
/// (renamed or deleted since) take nothing.
pub fn lost_hosts(plan: &Plan, failed: &BTreeSet<Failed>) -> Vec<String> {
    let domains = single_domains(plan);
    let lost: BTreeSet<&str> = failed
        .iter()
        .flat_map(|f| {
            // `Hosts` names one host here, as `Host` does.
            let kind = match f.kind {
                DomainKind::Hosts => DomainKind::Host,
                kind => kind,
            };
            domains
                .iter()
                .filter(move |d| d.kind == kind && d.name == f.name)
                .flat_map(|d| d.hosts.iter().map(String::as_str))
        })
        .collect();
    host_names(plan)
        .into_iter()
        .filter(|n| lost.contains(n.as_str()))
        .collect()
}
