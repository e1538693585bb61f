//! Placement constraints, parsed and matched exactly as Swarm does (moby/swarmkit
//! `manager/constraint`): `==` and `!=` only, `==` looked for first; keys case-insensitive, label
//! names case-sensitive; values compared whole and case-insensitively, with no globbing; a
//! missing attribute or label is ""; an unknown key parses but never matches.

use crate::plan::{Node, Role};
use std::net::IpAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    Equal,
    NotEqual,
}

/// What a constraint's key refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Id,
    Hostname,
    Ip,
    Role,
    Os,
    Arch,
    /// `node.labels.<name>`; the name keeps its case.
    NodeLabel(String),
    /// `engine.labels.<name>`.
    EngineLabel(String),
    /// A key Swarm accepts but that matches no node.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    pub key: Key,
    /// The key as written.
    pub raw_key: String,
    pub operator: Operator,
    pub value: String,
}

const OPERATORS: [(&str, Operator); 2] = [("==", Operator::Equal), ("!=", Operator::NotEqual)];
const NODE_LABELS: &str = "node.labels.";
const ENGINE_LABELS: &str = "engine.labels.";

/// Swarm's key pattern: `^(?i)[a-z_][a-z0-9\-_.]+$`.
fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && key.len() >= 2
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Swarm's value pattern: `^(?i)[a-z0-9:\-_\s\.\*\(\)\?\+\[\]\\\^\$\|\/]+$`.
fn valid_value(value: &str) -> bool {
    !value.is_empty()
        && value.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || c.is_whitespace() && c.is_ascii()
                || matches!(
                    c,
                    ':' | '-'
                        | '_'
                        | '.'
                        | '*'
                        | '('
                        | ')'
                        | '?'
                        | '+'
                        | '['
                        | ']'
                        | '\\'
                        | '^'
                        | '$'
                        | '|'
                        | '/'
                )
        })
}

fn has_prefix(key: &str, prefix: &str) -> bool {
    key.len() > prefix.len()
        && key.is_char_boundary(prefix.len())
        && key[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn classify(key: &str) -> Key {
    let lower = key.to_ascii_lowercase();
    match lower.as_str() {
        "node.id" => Key::Id,
        "node.hostname" => Key::Hostname,
        "node.ip" => Key::Ip,
        "node.role" => Key::Role,
        "node.platform.os" => Key::Os,
        "node.platform.arch" => Key::Arch,
        _ if has_prefix(key, NODE_LABELS) => Key::NodeLabel(key[NODE_LABELS.len()..].to_owned()),
        _ if has_prefix(key, ENGINE_LABELS) => {
            Key::EngineLabel(key[ENGINE_LABELS.len()..].to_owned())
        }
        _ => Key::Unknown(key.to_owned()),
    }
}

/// Parses one constraint expression, with Docker's error wording.
pub fn parse(expression: &str) -> Result<Constraint, String> {
    for (symbol, operator) in OPERATORS {
        let Some((key, value)) = expression.split_once(symbol) else {
            continue;
        };
        let key = key.trim();
        if !valid_key(key) {
            return Err(format!("key '{key}' is invalid"));
        }
        let value = value.trim();
        if !valid_value(value) {
            return Err(format!("value '{value}' is invalid"));
        }
        return Ok(Constraint {
            key: classify(key),
            raw_key: key.to_owned(),
            operator,
            value: value.to_owned(),
        });
    }
    Err("constraint expected one operator from ==, !=".to_owned())
}

/// Parses every constraint of a service; the first error stops, as in Swarm.
pub fn parse_all(expressions: &[String]) -> Result<Vec<Constraint>, String> {
    expressions.iter().map(|e| parse(e)).collect()
}

impl Constraint {
    fn matches_text(&self, actual: &str) -> bool {
        let equal = self.value.eq_ignore_ascii_case(actual);
        match self.operator {
            Operator::Equal => equal,
            Operator::NotEqual => !equal,
        }
    }

    fn matches_ip(&self, node_ip: Option<IpAddr>) -> bool {
        let inside = if let Ok(ip) = self.value.parse::<IpAddr>() {
            node_ip == Some(ip)
        } else if let Some((network, bits)) = parse_cidr(&self.value) {
            node_ip.is_some_and(|ip| in_network(ip, network, bits))
        } else {
            // A malformed address or network rejects every node, for both operators.
            return false;
        };
        inside == (self.operator == Operator::Equal)
    }

    /// Whether a node satisfies this constraint. Plan nodes have no Swarm ID until imported
    /// from a running cluster, so `node.id` compares with "" when the plan gives none.
    pub fn matches(&self, node: &Node) -> bool {
        match &self.key {
            Key::Id => self.matches_text(node.id.as_deref().unwrap_or("")),
            Key::Hostname => self.matches_text(&node.name),
            Key::Ip => self.matches_ip(node.ip),
            Key::Role => self.matches_text(match node.role {
                Role::Manager => "manager",
                Role::Worker => "worker",
            }),
            Key::Os => self.matches_text(node.os()),
            Key::Arch => self.matches_text(node.arch()),
            Key::NodeLabel(name) => {
                self.matches_text(node.labels.get(name).map(String::as_str).unwrap_or(""))
            }
            Key::EngineLabel(name) => self.matches_text(
                node.engine_labels
                    .get(name)
                    .map(String::as_str)
                    .unwrap_or(""),
            ),
            Key::Unknown(_) => false,
        }
    }
}

/// Whether a node satisfies every constraint.
pub fn all_match(constraints: &[Constraint], node: &Node) -> bool {
    constraints.iter().all(|c| c.matches(node))
}

fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (address, bits) = text.split_once('/')?;
    let address: IpAddr = address.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((address, bits))
}

fn in_network(ip: IpAddr, network: IpAddr, bits: u8) -> bool {
    match (ip, network) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        // Go's net.IPNet.Contains matches an IPv4 address inside an IPv4-mapped IPv6 network
        // only through To4(); Swarmplan keeps families apart, as node addresses are one family.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Node;

    fn node() -> Node {
        let mut node = Node::new("Man1", "esx1", Role::Manager);
        node.ip = Some("10.0.0.11".parse().unwrap());
        node.labels.insert("worker".into(), "App".into());
        node.labels.insert("Zone".into(), "a".into());
        node.engine_labels.insert("storage".into(), "ssd".into());
        node
    }

    /// (constraint, matches the node above)
    const MATCHES: &[(&str, bool)] = &[
        ("node.hostname == man1", true),
        ("node.hostname==MAN1", true),
        ("NODE.HOSTNAME == man1", true),
        ("node.hostname != man1", false),
        ("node.hostname == man", false),
        ("node.hostname == man*", false),
        ("node.role == manager", true),
        ("node.role != worker", true),
        ("node.role == Manager", true),
        ("node.labels.worker == app", true),
        ("node.labels.worker == APP", true),
        ("node.labels.Worker == app", false),
        ("node.labels.zone == a", false),
        ("node.labels.Zone == a", true),
        ("NODE.LABELS.Zone == a", true),
        ("node.labels.missing != x", true),
        ("node.labels.missing == x", false),
        ("engine.labels.storage == SSD", true),
        ("engine.labels.storage != ssd", false),
        ("node.platform.os == linux", true),
        ("node.platform.os == windows", false),
        ("node.platform.arch == x86_64", true),
        ("node.platform.arch == amd64", false),
        ("node.ip == 10.0.0.11", true),
        ("node.ip != 10.0.0.11", false),
        ("node.ip == 10.0.0.0/24", true),
        ("node.ip != 10.0.0.0/24", false),
        ("node.ip == 10.0.1.0/24", false),
        ("node.ip != 10.0.1.0/24", true),
        ("node.ip == 10.0.0.300", false),
        ("node.ip != 10.0.0.300", false),
        ("node.ip == 2001:db8::1", false),
        ("node.ip != 2001:db8::/32", true),
        ("node.id == abc", false),
        ("node.id != abc", true),
        ("node.foo == bar", false),
        ("node.foo != bar", false),
        ("node == foo", false),
    ];

    #[test]
    fn matching_follows_swarm() {
        let node = node();
        for (expression, expected) in MATCHES {
            let constraint = parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
            assert_eq!(constraint.matches(&node), *expected, "{expression}");
        }
    }

    #[test]
    fn node_ids_match_once_known() {
        let mut node = node();
        assert!(!parse("node.id == abc").unwrap().matches(&node));
        node.id = Some("abc123xyz".into());
        assert!(parse("node.id == ABC123xyz").unwrap().matches(&node));
        assert!(!parse("node.id != abc123xyz").unwrap().matches(&node));
        assert!(
            !parse("node.id == abc").unwrap().matches(&node),
            "no prefix match"
        );
    }

    #[test]
    fn ipv6_addresses_and_networks() {
        let mut node = node();
        node.ip = Some("2001:db8::5".parse().unwrap());
        for (expression, expected) in [
            ("node.ip == 2001:db8::5", true),
            ("node.ip == 2001:DB8:0::5", true),
            ("node.ip == 2001:db8::/64", true),
            ("node.ip != 2001:db8::/64", false),
            ("node.ip == 10.0.0.0/8", false),
            ("node.ip == 2001:db8::/129", false),
        ] {
            assert_eq!(
                parse(expression).unwrap().matches(&node),
                expected,
                "{expression}"
            );
        }
        node.ip = None;
        assert!(
            !parse("node.ip == 10.0.0.1").unwrap().matches(&node),
            "no address matches no address"
        );
        assert!(parse("node.ip != 10.0.0.1").unwrap().matches(&node));
    }

    #[test]
    fn parse_errors_use_dockers_words() {
        let cases = [
            (
                "node.role = manager",
                "constraint expected one operator from ==, !=",
            ),
            ("node.role", "constraint expected one operator from ==, !="),
            (
                "node.role > 1",
                "constraint expected one operator from ==, !=",
            ),
            ("== manager", "key '' is invalid"),
            ("x == manager", "key 'x' is invalid"),
            ("1node == manager", "key '1node' is invalid"),
            ("node role == manager", "key 'node role' is invalid"),
            ("node.role ==", "value '' is invalid"),
            ("node.role == a=b", "value 'a=b' is invalid"),
            ("node.role == a==b", "value 'a==b' is invalid"),
            ("node.role !== manager", "key 'node.role !' is invalid"),
            ("node.labels.x == a,b", "value 'a,b' is invalid"),
            ("node.labels.x == é", "value 'é' is invalid"),
        ];
        for (expression, expected) in cases {
            assert_eq!(parse(expression), Err(expected.to_owned()), "{expression}");
        }
    }

    #[test]
    fn equal_is_looked_for_before_not_equal_and_whitespace_is_trimmed() {
        let c = parse("  node.labels.a   !=   b c  ").unwrap();
        assert_eq!((c.operator, c.value.as_str()), (Operator::NotEqual, "b c"));
        let c = parse("node.labels.a==x!=y").unwrap_err();
        assert_eq!(c, "value 'x!=y' is invalid");
        let c = parse("_private.key == v").unwrap();
        assert_eq!(c.key, Key::Unknown("_private.key".into()));
        let c = parse("node.labels.da-policy1 == true").unwrap();
        assert_eq!(c.key, Key::NodeLabel("da-policy1".into()));
        let c = parse("node.labels. == x").unwrap();
        assert_eq!(
            c.key,
            Key::Unknown("node.labels.".into()),
            "a prefix without a name is no label"
        );
    }
}
