//! Checks of the plan's own consistency: names that repeat, references to nothing.

use crate::findings::{Code, Finding, Target};
use crate::plan::Plan;
use std::collections::BTreeSet;

/// Docker's rule for a node hostname and a stack name is looser than DNS; Swarmplan holds names
/// to what is safe everywhere they go: a hostname label, a shell word, a file name. The app holds
/// a name typed on the canvas or in the inspector to the same rule, with the same words.
pub fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("a name cannot be empty".to_owned())
    } else if name.len() > 63 {
        Some(format!(
            "`{name}` is longer than 63 characters, the most a hostname takes"
        ))
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
    {
        Some(format!(
            "`{name}`: use letters, digits, `-`, `_` and `.` only"
        ))
    } else if !name.as_bytes()[0].is_ascii_alphanumeric() {
        Some(format!("`{name}` must start with a letter or digit"))
    } else {
        None
    }
}

/// Lower-case letters, digits and single `-` between them: a name fit for a hostname or a file,
/// made from any text (a role's labels, a plan's name).
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Whether a name follows [`name_problem`]'s rule.
pub fn is_valid_name(name: &str) -> bool {
    name_problem(name).is_none()
}

/// A rack name is one rack, and one failure domain, wherever it appears: hosts in different
/// sites under the same rack name would fail together in the analysis, which a real rack in each
/// site would not.
fn racks_across_sites(plan: &Plan) -> Vec<Finding> {
    let mut sites: Vec<(&str, Vec<&str>)> = Vec::new();
    for host in &plan.hosts {
        let Some(rack) = host.rack.as_deref() else {
            continue;
        };
        let site = host.site.as_deref().unwrap_or("(no site)");
        match sites.iter_mut().find(|(r, _)| *r == rack) {
            Some((_, of_rack)) if !of_rack.contains(&site) => of_rack.push(site),
            Some(_) => {}
            None => sites.push((rack, vec![site])),
        }
    }
    sites
        .into_iter()
        .filter(|(_, of_rack)| of_rack.len() > 1)
        .map(|(rack, of_rack)| {
            Finding::new(
                Code::RackInSeveralSites,
                Target::Rack(rack.to_owned()),
                format!(
                    "rack `{rack}` holds hosts in sites {}: Swarmplan takes a rack name for one rack, so the analysis fails them together",
                    of_rack.join(", ")
                ),
            )
            .hint(format!(
                "give each site's rack a name of its own, such as `{}-{rack}`",
                of_rack[0]
            ))
        })
        .collect()
}

fn duplicates<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen = BTreeSet::new();
    let mut repeated = Vec::new();
    for name in names {
        if !seen.insert(name) && !repeated.contains(&name) {
            repeated.push(name);
        }
    }
    repeated
}

pub fn structure(plan: &Plan) -> Vec<Finding> {
    let mut findings = Vec::new();
    for name in duplicates(plan.hosts.iter().map(|h| h.name.as_str())) {
        findings.push(Finding::new(
            Code::DuplicateHost,
            Target::Host(name.into()),
            format!("two hosts are named `{name}`"),
        ));
    }
    for name in duplicates(plan.nodes.iter().map(|n| n.name.as_str())) {
        findings.push(Finding::new(
            Code::DuplicateNode,
            Target::Node(name.into()),
            format!("two nodes are named `{name}`: node hostnames must be unique"),
        ));
    }
    for name in duplicates(plan.stacks.iter().map(|s| s.name.as_str())) {
        findings.push(Finding::new(
            Code::DuplicateStack,
            Target::Stack(name.into()),
            format!("two stacks are named `{name}`"),
        ));
    }
    for host in &plan.hosts {
        if !is_valid_name(&host.name) {
            findings.push(invalid_name(
                Target::Host(host.name.clone()),
                "host",
                &host.name,
            ));
        }
    }
    findings.extend(racks_across_sites(plan));
    for node in &plan.nodes {
        if !is_valid_name(&node.name) {
            findings.push(invalid_name(
                Target::Node(node.name.clone()),
                "node",
                &node.name,
            ));
        }
        match &node.host {
            Some(host) if plan.host(host).is_none() => findings.push(
                Finding::new(
                    Code::UnknownHost,
                    Target::Node(node.name.clone()),
                    format!("node `{}` runs on host `{host}`, which the plan does not list; it is taken to be a server of its own", node.name),
                )
                .hint(format!("add `{host}` to hosts, with its rack and site")),
            ),
            None if !plan.hosts.is_empty() => findings.push(
                Finding::new(
                    Code::NodeWithoutHost,
                    Target::Node(node.name.clone()),
                    format!("node `{}` names no host; it is taken to be alone on a server of its own", node.name),
                )
                .hint("set `host:` to the physical server it runs on"),
            ),
            _ => {}
        }
    }
    for stack in &plan.stacks {
        if !is_valid_name(&stack.name) {
            findings.push(invalid_name(
                Target::Stack(stack.name.clone()),
                "stack",
                &stack.name,
            ));
        }
        for after in &stack.after {
            if !plan.stacks.iter().any(|s| &s.name == after) {
                findings.push(Finding::new(
                    Code::UnknownStack,
                    Target::Stack(stack.name.clone()),
                    format!(
                        "stack `{}` comes after `{after}`, which the plan does not have",
                        stack.name
                    ),
                ));
            }
        }
    }
    for rule in &plan.firewall.rules {
        if !plan.zones.contains_key(&rule.from) {
            findings.push(
                Finding::new(
                    Code::UnknownZone,
                    Target::Zone(rule.from.clone()),
                    format!("a firewall rule for port {} admits zone `{}`, which the plan does not define", rule.port, rule.from),
                )
                .hint(format!("add `{}: [CIDR, ...]` under zones", rule.from)),
            );
        }
    }
    findings
}

fn invalid_name(target: Target, kind: &str, name: &str) -> Finding {
    Finding::new(
        Code::InvalidName,
        target,
        format!("{kind} name {name:?} is not usable: names reach hostnames, shell commands and file names"),
    )
    .hint("use letters, digits, '-', '_' and '.', starting with a letter or digit, at most 63 characters")
}
