//! Arbitrary plans for the fuzz targets: built from the fuzzer's bytes with the `arbitrary`
//! crate, as a person would write them but weighted toward what hurts: numbers at and past the
//! engine's limits, empty and repeated names, odd Unicode, references to nothing, and values
//! Docker refuses. Each shape becomes a plan's YAML text, which is read as every plan is
//! (`parse_plan`): only plans that parse are worked on.

use arbitrary::{Arbitrary, Result, Unstructured};
use std::fmt::Write;

/// A name: mostly from a small pool, so that names repeat and references find their targets.
#[derive(Debug)]
pub struct Name(pub String);

const NAMES: &[&str] = &[
    "a",
    "b",
    "c",
    "h1",
    "h2",
    "m1",
    "w1",
    "web",
    "db",
    "",
    " ",
    "é",
    "名前",
    "a b",
    "$(reboot)",
    "-x",
    "ingress",
    "host",
    "default",
    "null",
    "true",
    "0",
    "\u{202e}rtl",
    "a/b",
    "x:y",
    "#",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

impl<'a> Arbitrary<'a> for Name {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Name(if u.ratio(7, 8)? {
            u.choose(NAMES)?.to_string()
        } else {
            String::arbitrary(u)?
        }))
    }
}

/// A number a user might type, or mistype: small ones most often, the limits and just past
/// them, the largest integers, and anything.
#[derive(Debug, Clone, Copy)]
pub struct Number(pub u64);

const EDGES: &[u64] = &[
    0,
    1,
    2,
    3,
    1_023,
    1_024,
    1_025,
    4_096,
    65_535,
    65_536,
    200_001,
    10_000_000,
    4_000_000_000,
    u32::MAX as u64,
    i64::MAX as u64,
    u64::MAX,
];

impl<'a> Arbitrary<'a> for Number {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Number(match u.int_in_range(0..=9)? {
            0..=5 => u.int_in_range(0..=12)?,
            6..=8 => *u.choose(EDGES)?,
            _ => u64::arbitrary(u)?,
        }))
    }
}

/// A scalar where a plan or compose file wants text: a number, a word, or nothing.
#[derive(Debug)]
pub enum Scalar {
    Number(Number),
    Negative(Number),
    Text(&'static str),
    Name(Name),
    Null,
}

const TEXTS: &[&str] = &[
    "0.5",
    "1",
    "abc",
    "-1",
    "1e309",
    "NaN",
    "99999999999999999999",
    "512M",
    "4MiB",
    "1M",
    "16EiB",
    "0",
    "1E",
    "80",
    "8080:80",
    "53:53/udp",
    "1-65535",
    "30000-31023:30000-31023",
    "80/sctp",
    "http:80",
    "[::1]:80:80",
    "host",
    "ingress",
    "vip",
    "dnsrr",
    "bogus",
    "on-failure",
    "any",
    "always",
    "pause",
    "rollback",
    "start-first",
    "stop-first",
    "global",
    "replicated",
    "global-job",
    "replicated-job",
    "node.labels.dc",
    "node.labels.rack == r1",
    "node.role == manager",
    "node.hostname != m1",
    "node.labels.x ==",
    "engine.labels.os==linux",
    "node.platform.os == linux",
    "${VAR}",
    "${VAR:?set it}",
    "$$",
    "${",
    "./data:/data",
    "data:/data",
    "/srv:/srv",
    "~/x:/x",
    "tmp",
    "10.0.0.0/8",
    "10.0.0.1",
    "::/0",
    "not-an-ip",
];

impl<'a> Arbitrary<'a> for Scalar {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(match u.int_in_range(0..=9)? {
            0..=2 => Scalar::Number(Number::arbitrary(u)?),
            3 => Scalar::Negative(Number::arbitrary(u)?),
            4..=6 => Scalar::Text(u.choose(TEXTS)?),
            7..=8 => Scalar::Name(Name::arbitrary(u)?),
            _ => Scalar::Null,
        })
    }
}

/// A YAML-quoted string, so that any text is read back as the same text.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

impl Scalar {
    fn yaml(&self) -> String {
        match self {
            Scalar::Number(n) => n.0.to_string(),
            Scalar::Negative(n) => format!("-{}", n.0),
            Scalar::Text(t) => quoted(t),
            Scalar::Name(n) => quoted(&n.0),
            Scalar::Null => "null".to_owned(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub struct HostShape {
    name: Name,
    rack: Option<Name>,
    site: Option<Name>,
    cpus: Option<Scalar>,
    memory: Option<Scalar>,
}

#[derive(Debug, Arbitrary)]
pub struct NodeShape {
    name: Name,
    host: Option<Name>,
    manager: bool,
    availability: u8,
    cpus: Option<Scalar>,
    memory: Option<Scalar>,
    labels: Vec<(Name, Scalar)>,
    engine_labels: Vec<(Name, Scalar)>,
    leader: bool,
    ip: Option<u32>,
}

#[derive(Debug, Arbitrary)]
pub enum PortShape {
    Short(Scalar),
    Long {
        target: Scalar,
        published: Option<Scalar>,
        mode: Option<Scalar>,
        protocol: Option<Scalar>,
    },
}

#[derive(Debug, Arbitrary)]
pub struct ServiceShape {
    name: Name,
    image: Option<Scalar>,
    mode: Option<Scalar>,
    replicas: Option<Scalar>,
    endpoint_mode: Option<Scalar>,
    constraints: Vec<Scalar>,
    spreads: Vec<Scalar>,
    max_replicas_per_node: Option<Scalar>,
    cpus: Option<Scalar>,
    memory: Option<Scalar>,
    limit_memory: Option<Scalar>,
    ports: Vec<PortShape>,
    networks: Vec<Name>,
    volumes: Vec<Scalar>,
    secrets: Vec<Name>,
    restart_condition: Option<Scalar>,
    failure_action: Option<Scalar>,
    update_order: Option<Scalar>,
    healthcheck: Option<(bool, bool)>,
}

#[derive(Debug, Arbitrary)]
pub struct StackShape {
    name: Name,
    after: Vec<Name>,
    variables: Vec<(Name, Scalar)>,
    services: Vec<ServiceShape>,
    networks: Vec<(Name, bool, bool)>,
    volumes: Vec<(Name, Option<Scalar>)>,
    secrets: Vec<Name>,
}

#[derive(Debug, Arbitrary)]
pub struct RuleShape {
    port: Scalar,
    udp: bool,
    from: Name,
    to: Name,
}

/// A whole plan.
#[derive(Debug, Arbitrary)]
pub struct PlanShape {
    pub name: Name,
    hosts: Vec<HostShape>,
    nodes: Vec<NodeShape>,
    zones: Vec<(Name, Vec<Scalar>)>,
    stacks: Vec<StackShape>,
    rules: Vec<RuleShape>,
    upgrade: Option<(bool, Vec<(Name, Name)>, Option<Name>, bool)>,
    balancers: Vec<(Name, Vec<Name>)>,
    split_stacks: Vec<Name>,
    shared_folders: Vec<Scalar>,
    /// Analyse every pair of hosts too.
    pub host_pairs: bool,
    /// Swarm's draws to sample for the odds: a few, or (at 255) as many as a `u32` holds, which
    /// the work budget must refuse.
    pub odds: u8,
}

fn entry(out: &mut String, indent: usize, key: &str, value: &str) {
    let _ = writeln!(out, "{:indent$}{}: {value}", "", quoted(key));
}

impl PlanShape {
    /// The plan's YAML text.
    pub fn yaml(&self) -> String {
        let mut out = String::from("swarmplan: 1\n");
        entry(&mut out, 0, "name", &quoted(&self.name.0));
        out.push_str("hosts:\n");
        for h in &self.hosts {
            let _ = writeln!(out, "  - name: {}", quoted(&h.name.0));
            if let Some(rack) = &h.rack {
                entry(&mut out, 4, "rack", &quoted(&rack.0));
            }
            if let Some(site) = &h.site {
                entry(&mut out, 4, "site", &quoted(&site.0));
            }
            if let Some(cpus) = &h.cpus {
                entry(&mut out, 4, "cpus", &cpus.yaml());
            }
            if let Some(memory) = &h.memory {
                entry(&mut out, 4, "memory", &memory.yaml());
            }
        }
        out.push_str("nodes:\n");
        for n in &self.nodes {
            let _ = writeln!(out, "  - name: {}", quoted(&n.name.0));
            if let Some(host) = &n.host {
                entry(&mut out, 4, "host", &quoted(&host.0));
            }
            if n.manager {
                entry(&mut out, 4, "role", "manager");
            }
            entry(
                &mut out,
                4,
                "availability",
                ["active", "pause", "drain"][usize::from(n.availability % 3)],
            );
            if let Some(cpus) = &n.cpus {
                entry(&mut out, 4, "cpus", &cpus.yaml());
            }
            if let Some(memory) = &n.memory {
                entry(&mut out, 4, "memory", &memory.yaml());
            }
            if let Some(ip) = n.ip {
                entry(&mut out, 4, "ip", &std::net::Ipv4Addr::from(ip).to_string());
            }
            if n.leader {
                entry(&mut out, 4, "leader", "true");
            }
            for (key, labels) in [("labels", &n.labels), ("engine_labels", &n.engine_labels)] {
                if !labels.is_empty() {
                    let _ = writeln!(out, "    {key}:");
                    for (name, value) in labels {
                        entry(&mut out, 6, &name.0, &value.yaml());
                    }
                }
            }
        }
        out.push_str("zones:\n");
        for (name, addresses) in &self.zones {
            let list: Vec<String> = addresses.iter().map(Scalar::yaml).collect();
            entry(&mut out, 2, &name.0, &format!("[{}]", list.join(", ")));
        }
        if !self.rules.is_empty() {
            out.push_str("firewall:\n  rules:\n");
            for r in &self.rules {
                let _ = writeln!(
                    out,
                    "    - {{ port: {}, proto: {}, from: {}, to: {} }}",
                    r.port.yaml(),
                    if r.udp { "udp" } else { "tcp" },
                    quoted(&r.from.0),
                    quoted(&r.to.0)
                );
            }
        }
        if let Some((active_passive, images, primary, fail_back)) = &self.upgrade {
            out.push_str("upgrade:\n");
            if *active_passive {
                out.push_str("  strategy: active-passive\n  active_passive:\n");
                if let Some(primary) = primary {
                    entry(&mut out, 4, "primary", &quoted(&primary.0));
                }
                entry(&mut out, 4, "fail_back", &fail_back.to_string());
            }
            out.push_str("  images:\n");
            for (from, to) in images {
                entry(&mut out, 4, &from.0, &quoted(&to.0));
            }
        }
        if !self.balancers.is_empty() {
            out.push_str("load_balancers:\n");
            for (name, backends) in &self.balancers {
                let list: Vec<String> = backends.iter().map(|b| quoted(&b.0)).collect();
                let _ = writeln!(
                    out,
                    "  - {{ name: {}, backends: [{}], disable: \"lb off {{node}}\", enable: \"lb on {{ip}}\" }}",
                    quoted(&name.0),
                    list.join(", ")
                );
            }
        }
        if !self.split_stacks.is_empty() || !self.shared_folders.is_empty() {
            out.push_str("export:\n");
            let list: Vec<String> = self.split_stacks.iter().map(|s| quoted(&s.0)).collect();
            entry(
                &mut out,
                2,
                "split_stacks",
                &format!("[{}]", list.join(", ")),
            );
            let list: Vec<String> = self.shared_folders.iter().map(Scalar::yaml).collect();
            entry(
                &mut out,
                2,
                "shared_folders",
                &format!("[{}]", list.join(", ")),
            );
        }
        out.push_str("stacks:\n");
        for s in &self.stacks {
            stack_yaml(&mut out, s);
        }
        out
    }
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().collect::<Vec<_>>().join(", "))
}

fn stack_yaml(out: &mut String, s: &StackShape) {
    let _ = writeln!(out, "  - name: {}", quoted(&s.name.0));
    entry(out, 4, "after", &list(s.after.iter().map(|a| quoted(&a.0))));
    out.push_str("    variables:\n");
    for (name, value) in &s.variables {
        entry(out, 6, &name.0, &value.yaml());
    }
    out.push_str("    compose:\n      services:\n");
    for service in &s.services {
        entry(out, 8, &service.name.0, "");
        let put = |out: &mut String, indent: usize, key: &str, value: &Option<Scalar>| {
            if let Some(value) = value {
                entry(out, indent, key, &value.yaml());
            }
        };
        put(out, 10, "image", &service.image);
        if !service.ports.is_empty() {
            let ports = service.ports.iter().map(|p| match p {
                PortShape::Short(s) => s.yaml(),
                PortShape::Long {
                    target,
                    published,
                    mode,
                    protocol,
                } => {
                    let mut long = format!("{{ target: {}", target.yaml());
                    for (key, value) in [
                        ("published", published),
                        ("mode", mode),
                        ("protocol", protocol),
                    ] {
                        if let Some(value) = value {
                            let _ = write!(long, ", {key}: {}", value.yaml());
                        }
                    }
                    long + " }"
                }
            });
            entry(out, 10, "ports", &list(ports));
        }
        if !service.networks.is_empty() {
            entry(
                out,
                10,
                "networks",
                &list(service.networks.iter().map(|n| quoted(&n.0))),
            );
        }
        if !service.volumes.is_empty() {
            entry(
                out,
                10,
                "volumes",
                &list(service.volumes.iter().map(Scalar::yaml)),
            );
        }
        if !service.secrets.is_empty() {
            entry(
                out,
                10,
                "secrets",
                &list(service.secrets.iter().map(|n| quoted(&n.0))),
            );
        }
        if let Some((disable, test)) = service.healthcheck {
            let mut check = format!("{{ disable: {disable}");
            if test {
                check.push_str(", test: [CMD, \"true\"]");
            }
            entry(out, 10, "healthcheck", &(check + " }"));
        }
        out.push_str("          deploy:\n");
        put(out, 12, "mode", &service.mode);
        put(out, 12, "replicas", &service.replicas);
        put(out, 12, "endpoint_mode", &service.endpoint_mode);
        out.push_str("            placement:\n");
        entry(
            out,
            14,
            "constraints",
            &list(service.constraints.iter().map(Scalar::yaml)),
        );
        entry(
            out,
            14,
            "preferences",
            &list(
                service
                    .spreads
                    .iter()
                    .map(|s| format!("{{ spread: {} }}", s.yaml())),
            ),
        );
        put(
            out,
            14,
            "max_replicas_per_node",
            &service.max_replicas_per_node,
        );
        out.push_str("            resources:\n              reservations:\n");
        put(out, 16, "cpus", &service.cpus);
        put(out, 16, "memory", &service.memory);
        out.push_str("              limits:\n");
        put(out, 16, "memory", &service.limit_memory);
        out.push_str("            restart_policy:\n");
        put(out, 14, "condition", &service.restart_condition);
        out.push_str("            update_config:\n");
        put(out, 14, "failure_action", &service.failure_action);
        put(out, 14, "order", &service.update_order);
    }
    out.push_str("      networks:\n");
    for (name, external, encrypted) in &s.networks {
        let mut body = format!("{{ external: {external}");
        if *encrypted {
            body.push_str(", driver_opts: { encrypted: \"\" }");
        }
        entry(out, 8, &name.0, &(body + " }"));
    }
    out.push_str("      volumes:\n");
    for (name, driver) in &s.volumes {
        let body = match driver {
            Some(driver) => format!("{{ driver: {} }}", driver.yaml()),
            None => "{}".to_owned(),
        };
        entry(out, 8, &name.0, &body);
    }
    out.push_str("      secrets:\n");
    for name in &s.secrets {
        entry(out, 8, &name.0, "{ external: true }");
    }
}

/// What a sizing is asked, from the same bytes.
#[derive(Debug, Arbitrary)]
pub struct SizingShape {
    pub servers: Number,
    pub racks: Number,
    pub sites: Number,
    pub survive: u8,
    pub vm_sizes: Vec<(Number, Number)>,
}
