//! A node's firewall as it is: the output of `firewall-cmd --list-all` (or `--list-all` of
//! `firewall-offline-cmd`), read and checked against the node's part of the port matrix.

use super::firewall::{admits, normalise_address, Admits, Opening, PortMatrix, Proto};
use crate::findings::{Code, Finding, Target};
use crate::plan::{Plan, PortRange};
use serde::Serialize;

/// What `--list-all` says of one zone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ListAll {
    pub zone: String,
    pub sources: Vec<String>,
    pub services: Vec<String>,
    /// `--add-port` entries: open to any source.
    pub ports: Vec<(PortRange, Proto)>,
    /// `--add-protocol` entries.
    pub protocols: Vec<String>,
    pub rich_rules: Vec<RichRule>,
    /// Lines Swarmplan could not read.
    pub unread: Vec<String>,
}

/// An `accept` rich rule, as far as the check needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RichRule {
    pub text: String,
    pub source: Option<String>,
    pub port: Option<(PortRange, Proto)>,
    /// `protocol value="esp"`.
    pub protocol: Option<String>,
    pub accept: bool,
}

fn attribute<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let start = text.find(&format!("{name}=\""))? + name.len() + 2;
    let rest = &text[start..];
    Some(&rest[..rest.find('"')?])
}

fn proto(text: &str) -> Option<Proto> {
    match text {
        "tcp" => Some(Proto::Tcp),
        "udp" => Some(Proto::Udp),
        "esp" => Some(Proto::Esp),
        _ => None,
    }
}

/// Reads one rich rule; `None` when it is not one.
pub fn parse_rich_rule(line: &str) -> Option<RichRule> {
    let text = line.trim();
    if !text.starts_with("rule") {
        return None;
    }
    let source = text
        .find("source ")
        .and_then(|i| attribute(&text[i..], "address"))
        .and_then(normalise_address);
    let port = text.find(" port ").and_then(|i| {
        let part = &text[i..];
        let range = PortRange::parse(attribute(part, "port")?).ok()?;
        Some((range, proto(attribute(part, "protocol")?)?))
    });
    let protocol = text
        .find(" protocol value=")
        .and_then(|i| attribute(&text[i..], "value"))
        .map(str::to_owned);
    Some(RichRule {
        text: text.to_owned(),
        source,
        port,
        protocol,
        accept: text.ends_with(" accept") || text.contains(" accept "),
    })
}

/// Reads `firewall-cmd --list-all` output (the first zone in it).
pub fn parse_list_all(text: &str) -> ListAll {
    let mut out = ListAll::default();
    let mut in_rich = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with([' ', '\t']) {
            if !out.zone.is_empty() {
                break;
            }
            out.zone = line
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
            continue;
        }
        let trimmed = line.trim();
        if in_rich && trimmed.starts_with("rule") {
            match parse_rich_rule(trimmed) {
                Some(rule) => out.rich_rules.push(rule),
                None => out.unread.push(trimmed.to_owned()),
            }
            continue;
        }
        in_rich = false;
        let Some((key, value)) = trimmed.split_once(':') else {
            out.unread.push(trimmed.to_owned());
            continue;
        };
        let words = value.split_whitespace().map(str::to_owned);
        match key {
            "sources" => out.sources = words.collect(),
            "services" => out.services = words.collect(),
            "protocols" => out.protocols = words.collect(),
            "ports" => {
                for word in words {
                    let parsed = word
                        .split_once('/')
                        .and_then(|(p, pr)| Some((PortRange::parse(p).ok()?, proto(pr)?)));
                    match parsed {
                        Some(entry) => out.ports.push(entry),
                        None => out.unread.push(format!("port {word}")),
                    }
                }
            }
            "rich rules" => in_rich = true,
            _ => {}
        }
    }
    out
}

/// The ports of firewalld's predefined services Swarmplan knows; others are reported, not
/// checked.
fn service_ports(service: &str) -> Option<Vec<(PortRange, Proto)>> {
    let p = |port: u16, proto: Proto| (PortRange::single(port), proto);
    Some(match service {
        "ssh" => vec![p(22, Proto::Tcp)],
        "http" => vec![p(80, Proto::Tcp)],
        "https" => vec![p(443, Proto::Tcp)],
        "dhcpv6-client" => vec![p(546, Proto::Udp)],
        "docker-swarm" => vec![
            p(2377, Proto::Tcp),
            p(7946, Proto::Tcp),
            p(7946, Proto::Udp),
            p(4789, Proto::Udp),
        ],
        "nfs" => vec![p(2049, Proto::Tcp)],
        "cockpit" => vec![p(9090, Proto::Tcp)],
        _ => return None,
    })
}

/// The outcome of checking one node's firewall.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FirewallCheck {
    pub node: String,
    /// Required openings the firewall lacks.
    pub missing: Vec<String>,
    /// Openings the plan does not need on this node.
    pub unneeded: Vec<String>,
    /// Required openings that are open to more sources than the plan needs.
    pub wider: Vec<String>,
    /// What the check could not read or judge.
    pub notes: Vec<String>,
    pub findings: Vec<Finding>,
}

impl FirewallCheck {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty()
    }
}

fn covers(range: PortRange, proto: Proto, opening: &Opening) -> bool {
    opening.proto == proto
        && opening
            .port
            .is_some_and(|p| p.first <= range.last && range.first <= p.last)
}

fn contains(outer: PortRange, inner: PortRange) -> bool {
    outer.first <= inner.first && inner.last <= outer.last
}

/// Checks a node's `--list-all` output against what the plan needs on that node.
pub fn check_node(plan: &Plan, matrix: &PortMatrix, node: &str, list_all: &str) -> FirewallCheck {
    let found = parse_list_all(list_all);
    let mut check = FirewallCheck {
        node: node.to_owned(),
        ..FirewallCheck::default()
    };
    let target = Target::Node(node.to_owned());
    if plan.node(node).is_none() {
        check.findings.push(Finding::new(
            Code::UnknownNode,
            target,
            format!("the plan has no node `{node}`"),
        ));
        check
            .missing
            .push(format!("node `{node}` is not in the plan"));
        return check;
    }
    if found.zone.is_empty() {
        check
            .notes
            .push("no zone found: is this the output of `firewall-cmd --list-all`?".to_owned());
    }
    if !found.sources.is_empty() {
        check.notes.push(format!(
            "zone `{}` is bound to sources {}: its openings apply to those sources only",
            found.zone,
            found.sources.join(" ")
        ));
    }
    for line in &found.unread {
        check.notes.push(format!("not read: {line}"));
    }
    // Everything open to any source: ports, protocols, known services.
    let mut open_anywhere: Vec<(PortRange, Proto, String)> = found
        .ports
        .iter()
        .map(|(r, p)| (*r, *p, format!("port {r}/{}", p.name())))
        .collect();
    for service in &found.services {
        match service_ports(service) {
            Some(ports) => open_anywhere.extend(
                ports
                    .into_iter()
                    .map(|(r, p)| (r, p, format!("service {service}"))),
            ),
            None => check.notes.push(format!(
                "service `{service}` is not known to Swarmplan: not checked"
            )),
        }
    }
    let protocol_open = |name: &str| found.protocols.iter().any(|p| p == name);
    let required: Vec<&Opening> = matrix.for_node(node).collect();

    for opening in &required {
        let anywhere: Option<String> = match opening.port {
            Some(port) => open_anywhere
                .iter()
                .find(|(r, p, _)| *p == opening.proto && contains(*r, port))
                .map(|(_, _, origin)| origin.clone()),
            None => protocol_open(opening.proto.name())
                .then(|| format!("protocol {}", opening.proto.name())),
        };
        let rule_admits = |address: &str| {
            found.rich_rules.iter().filter(|r| r.accept).any(|r| {
                let source_ok = r
                    .source
                    .as_deref()
                    .is_none_or(|s| s == address || cidr_contains(s, address));
                let what_ok = match opening.port {
                    Some(port) => r
                        .port
                        .is_some_and(|(range, p)| p == opening.proto && contains(range, port)),
                    None => r.protocol.as_deref() == Some(opening.proto.name()),
                };
                source_ok && what_ok
            })
        };
        let what = format!("{} ({})", opening.port_text(), opening.services.join(", "));
        match admits(plan, &opening.from).0 {
            Admits::Anywhere => {
                let by_rule = found.rich_rules.iter().any(|r| {
                    r.accept
                        && r.source.is_none()
                        && match opening.port {
                            Some(port) => r.port.is_some_and(|(range, p)| {
                                p == opening.proto && contains(range, port)
                            }),
                            None => r.protocol.as_deref() == Some(opening.proto.name()),
                        }
                });
                if anywhere.is_none() && !by_rule {
                    check.missing.push(format!("{what} from anywhere"));
                }
            }
            Admits::Only(addresses) => {
                if let Some(origin) = anywhere {
                    // Open to anywhere is what the plan wants when another of its openings of
                    // the same port admits anywhere (port 80 from management and from users).
                    let also_anywhere = required.iter().any(|o| {
                        o.port == opening.port
                            && o.proto == opening.proto
                            && admits(plan, &o.from).0 == Admits::Anywhere
                    });
                    if !addresses.is_empty() && !also_anywhere {
                        check.wider.push(format!(
                            "{what} is open to anywhere ({origin}); the plan needs it only from {}",
                            addresses.join(", ")
                        ));
                    }
                    continue;
                }
                let lacking: Vec<&String> = addresses.iter().filter(|a| !rule_admits(a)).collect();
                if !lacking.is_empty() {
                    check.missing.push(format!(
                        "{what} from {}",
                        lacking
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
    }
    // What is open without need.
    for (range, proto, origin) in &open_anywhere {
        if !required.iter().any(|o| covers(*range, *proto, o)) {
            check.unneeded.push(format!(
                "{}/{} ({origin}) is open, and no service of the plan needs it on {node}",
                range,
                proto.name()
            ));
        }
    }
    for protocol in &found.protocols {
        if !required
            .iter()
            .any(|o| o.port.is_none() && o.proto.name() == protocol)
        {
            check.unneeded.push(format!(
                "protocol {protocol} is open, and the plan needs it on no overlay of {node}"
            ));
        }
    }
    for rule in found.rich_rules.iter().filter(|r| r.accept) {
        let needed = required.iter().any(|o| {
            let what_ok = match (rule.port, o.port) {
                (Some((range, p)), Some(_)) => covers(range, p, o),
                (None, None) => rule.protocol.as_deref() == Some(o.proto.name()),
                _ => false,
            };
            let source_ok = match (&rule.source, admits(plan, &o.from).0) {
                (_, Admits::Anywhere) => true,
                (Some(s), Admits::Only(addresses)) => {
                    addresses.iter().any(|a| a == s || cidr_contains(a, s))
                }
                (None, Admits::Only(_)) => true,
            };
            what_ok && source_ok
        });
        if !needed {
            check.unneeded.push(format!(
                "rich rule `{}` admits what the plan does not need on {node}",
                rule.text
            ));
        }
    }
    for line in &check.missing {
        let code = if line.starts_with("esp") {
            Code::EspMissing
        } else {
            Code::FirewallMissing
        };
        let mut finding = Finding::new(
            code,
            target.clone(),
            format!("{node}'s firewall lacks {line}"),
        );
        if code == Code::EspMissing {
            finding =
                finding.hint("an overlay is encrypted (--opt encrypted): allow IP protocol 50 (ESP) between the nodes");
        } else {
            finding = finding.hint(format!("run firewall/nodes/{node}.sh from the export"));
        }
        check.findings.push(finding);
    }
    for line in &check.wider {
        check.findings.push(Finding::new(
            Code::FirewallWider,
            target.clone(),
            format!("on {node}, {line}"),
        ));
    }
    for line in &check.unneeded {
        check.findings.push(Finding::new(
            Code::FirewallUnneeded,
            target.clone(),
            line.clone(),
        ));
    }
    check
}

/// Whether CIDR `outer` contains the address or CIDR `inner` (same family).
fn cidr_contains(outer: &str, inner: &str) -> bool {
    fn bits(text: &str) -> Option<(u128, u32, bool)> {
        let (ip, prefix) = match text.split_once('/') {
            Some((ip, p)) => (ip, Some(p.parse::<u32>().ok()?)),
            None => (text, None),
        };
        match ip.parse::<std::net::IpAddr>().ok()? {
            std::net::IpAddr::V4(v4) => {
                Some((u128::from(u32::from(v4)) << 96, prefix.unwrap_or(32), true))
            }
            std::net::IpAddr::V6(v6) => Some((u128::from(v6), prefix.unwrap_or(128), false)),
        }
    }
    let (Some((o, op, o4)), Some((i, ip, i4))) = (bits(outer), bits(inner)) else {
        return false;
    };
    if o4 != i4 {
        return false;
    }
    // IPv4 addresses sit in the top 32 bits, so their prefixes count from the top as IPv6 ones do.
    if ip < op || op > 128 {
        return false;
    }
    let mask = if op == 0 { 0 } else { u128::MAX << (128 - op) };
    o & mask == i & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_list_all() {
        let text = "public (default, active)\n  target: default\n  services: dhcpv6-client ssh\n  ports: 2377/tcp 2376-2377/tcp\n  protocols: esp\n  rich rules: \n\trule family=\"ipv4\" source address=\"10.0.0.0/24\" port port=\"22\" protocol=\"tcp\" accept\n";
        let parsed = parse_list_all(text);
        assert_eq!(parsed.zone, "public");
        assert_eq!(parsed.services, ["dhcpv6-client", "ssh"]);
        assert_eq!(parsed.ports.len(), 2);
        assert_eq!(parsed.protocols, ["esp"]);
        assert_eq!(parsed.rich_rules[0].source.as_deref(), Some("10.0.0.0/24"));
        assert_eq!(
            parsed.rich_rules[0].port,
            Some((PortRange::single(22), Proto::Tcp))
        );
        assert!(cidr_contains("10.0.0.0/24", "10.0.0.7"));
        assert!(!cidr_contains("10.0.0.0/24", "10.0.1.7"));
    }
}
