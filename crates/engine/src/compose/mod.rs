//! A typed view of the parts of a compose file that Swarm's scheduler, the firewall and the
//! exports use. The compose file itself stays whole in the plan; this view is derived from it
//! after variable substitution and is never written back.

pub mod interpolate;
mod refusals;

use crate::findings::{Code, Finding, Target};
use crate::limits::{grouped, Limit};
use crate::plan::{Protocol, Stack};
use crate::units::{Bytes, Cpus};
use crate::yaml::{scalar_text as as_text, Mapping, Value};
use indexmap::IndexMap;
use interpolate::{Problem, Variable};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Replicated(u64),
    Global,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortMode {
    #[default]
    Ingress,
    Host,
}

/// One published port (a range is expanded into one per port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Port {
    pub target: u16,
    /// `None`: Swarm picks a port from 30000-32767 (ingress only).
    pub published: Option<u16>,
    pub protocol: Protocol,
    pub mode: PortMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    pub kind: MountKind,
    /// The host path (bind) or volume name (volume); `None` for anonymous volumes and tmpfs.
    pub source: Option<String>,
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    #[default]
    StopFirst,
    StartFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Resources {
    pub cpus: Cpus,
    pub memory: Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub name: String,
    pub image: Option<String>,
    pub mode: Mode,
    pub constraints: Vec<String>,
    /// `spread:` descriptors, outermost first.
    pub preferences: Vec<String>,
    pub max_replicas_per_node: Option<u64>,
    pub reservations: Resources,
    pub ports: Vec<Port>,
    pub networks: Vec<String>,
    pub mounts: Vec<Mount>,
    pub update_order: UpdateOrder,
}

impl Service {
    pub fn replicas(&self) -> Option<u64> {
        match self.mode {
            Mode::Replicated(n) => Some(n),
            Mode::Global => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Network {
    /// The key under `networks:`.
    pub key: String,
    /// The network's name in Docker: `name:` if given, else the key (prefixed with the stack
    /// name unless external).
    pub name: String,
    pub driver: String,
    pub external: bool,
    pub encrypted: bool,
    pub attachable: bool,
}

/// The networks every Docker engine has from the start: a stack may join them (as external
/// networks) but never creates them.
pub const PREDEFINED_NETWORKS: [&str; 3] = ["host", "bridge", "none"];

/// The networks Swarm itself creates on every node: a service cannot be attached to them.
pub const SWARM_NETWORKS: [&str; 2] = ["ingress", "docker_gwbridge"];

impl Network {
    /// One of Docker's own networks (`host`, `bridge`, `none`), joined and never created.
    pub fn is_predefined(&self) -> bool {
        self.external && PREDEFINED_NETWORKS.contains(&self.name.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Volume {
    pub key: String,
    pub driver: String,
    pub external: bool,
    /// Backed by shared storage (a non-local driver, or `local` with an NFS/CIFS mount), so a task
    /// finds its data wherever it is scheduled.
    pub shared: bool,
}

/// A stack's compose file as Swarmplan reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compose {
    pub stack: String,
    pub services: Vec<Service>,
    pub networks: Vec<Network>,
    pub volumes: Vec<Volume>,
    /// Every `${VAR}` the file refers to, once each, in order of first use.
    pub variables: Vec<Variable>,
    /// The files its top-level secrets and configs read (`file:`), as written: `docker stack
    /// deploy` reads them, relative to the stack file, when it creates them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// The file with the plan's variables substituted.
    #[serde(skip)]
    pub resolved: Value,
    #[serde(skip)]
    pub findings: Vec<Finding>,
}

impl Compose {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }
}

fn as_u64(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().filter_map(as_text).collect(),
        other => as_text(other).into_iter().collect(),
    }
}

fn mapping<'a>(value: &'a Value, key: &str) -> Option<&'a Mapping> {
    value.get(key).and_then(Value::as_mapping)
}

/// Gives plain octal file modes (`mode: 0440` under a service's `configs:` or `secrets:`) the
/// number Docker's YAML 1.1 loader reads, 0o440. The YAML library reads them as the string
/// "0440", which written back quoted is a string Docker refuses ("mode must be a number"); a
/// quoted mode is refused by Docker anyway, so the conversion only ever keeps a file loadable.
pub fn normalize_file_modes(compose: &mut Value) {
    let Some(Value::Mapping(services)) = compose.get_mut("services") else {
        return;
    };
    for (_, service) in services.iter_mut() {
        for key in ["configs", "secrets"] {
            let Some(Value::Sequence(entries)) = service.get_mut(key) else {
                continue;
            };
            for entry in entries {
                let Some(mode) = entry.get_mut("mode") else {
                    continue;
                };
                if let Value::String(text) = mode {
                    let octal = text.len() > 1
                        && text.starts_with('0')
                        && text.bytes().all(|b| (b'0'..=b'7').contains(&b));
                    if let Some(number) = octal.then(|| u64::from_str_radix(text, 8).ok()).flatten()
                    {
                        *mode = Value::Number(number.into());
                    }
                }
            }
        }
    }
}

/// Reads a stack's compose file: substitutes the plan's variables, then reads the view.
pub fn read(stack: &Stack) -> Compose {
    let mut reader = Reader {
        stack: &stack.name,
        findings: Vec::new(),
        variables: Vec::new(),
    };
    let resolved = reader.substitute(&stack.compose, &stack.variables);
    let services = match resolved.get("services") {
        Some(Value::Mapping(services)) => services
            .iter()
            .filter_map(|(key, body)| {
                let name = key.as_str()?;
                let service = reader.service(name, body);
                reader.refusals(name, body, &resolved, &service);
                Some(service)
            })
            .collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(_) => {
            reader.problem(
                Target::Stack(stack.name.clone()),
                "`services:` must be a mapping of service names".into(),
            );
            Vec::new()
        }
    };
    let networks = mapping(&resolved, "networks")
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some(network(&stack.name, k.as_str()?, v)))
                .collect()
        })
        .unwrap_or_default();
    for network in &networks {
        reserved_network(&mut reader, &stack.name, network);
    }
    let volumes = mapping(&resolved, "volumes")
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some(volume(k.as_str()?, v)))
                .collect()
        })
        .unwrap_or_default();
    let files = ["secrets", "configs"]
        .into_iter()
        .filter_map(|section| mapping(&resolved, section))
        .flat_map(|entries| entries.values())
        .filter_map(|entry| entry.get("file").and_then(as_text))
        .collect();
    Compose {
        stack: stack.name.clone(),
        services,
        networks,
        volumes,
        variables: reader.variables,
        files,
        resolved,
        findings: reader.findings,
    }
}

struct Reader<'a> {
    stack: &'a str,
    findings: Vec<Finding>,
    variables: Vec<Variable>,
}

impl Reader<'_> {
    fn problem(&mut self, target: Target, message: String) {
        self.findings
            .push(Finding::new(Code::ComposeInvalid, target, message));
    }

    fn substitute(&mut self, value: &Value, values: &IndexMap<String, String>) -> Value {
        match value {
            Value::String(text) => {
                for variable in interpolate::references(text) {
                    if !self.variables.iter().any(|v| v.name == variable.name) {
                        self.variables.push(variable);
                    }
                }
                match interpolate::substitute(text, values) {
                    Ok(done) => Value::String(done),
                    Err(Problem::Missing { name, message }) => {
                        if !self.findings.iter().any(|f| {
                            f.code == Code::VariableRequired
                                && f.message.contains(&format!("`{name}`"))
                        }) {
                            self.findings.push(
                                Finding::new(
                                    Code::VariableRequired,
                                    Target::Stack(self.stack.to_owned()),
                                    format!(
                                        "stack `{}` needs variable `{name}`: {message}",
                                        self.stack
                                    ),
                                )
                                .hint(format!(
                                    "set it under the stack's `variables:` ({name}: ...)"
                                )),
                            );
                        }
                        Value::String(text.clone())
                    }
                    Err(Problem::Syntax(message)) => {
                        self.problem(Target::Stack(self.stack.to_owned()), message);
                        Value::String(text.clone())
                    }
                }
            }
            Value::Sequence(items) => {
                Value::Sequence(items.iter().map(|v| self.substitute(v, values)).collect())
            }
            Value::Mapping(map) => Value::Mapping(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.substitute(v, values)))
                    .collect(),
            ),
            Value::Tagged(tagged) => self.substitute(&tagged.value, values),
            other => other.clone(),
        }
    }

    fn service(&mut self, name: &str, body: &Value) -> Service {
        let target = Target::Service {
            stack: self.stack.to_owned(),
            service: name.to_owned(),
        };
        let deploy = body.get("deploy").cloned().unwrap_or(Value::Null);
        let mode = match deploy.get("mode").and_then(as_text).as_deref() {
            Some("global") => Mode::Global,
            Some("replicated") | None => match deploy.get("replicas") {
                None | Some(Value::Null) => Mode::Replicated(1),
                Some(value) => Mode::Replicated(as_u64(value).unwrap_or_else(|| {
                    self.problem(
                        target.clone(),
                        format!("service `{name}`: replicas must be a whole number"),
                    );
                    1
                })),
            },
            Some(job @ ("replicated-job" | "global-job")) => {
                self.problem(
                    target.clone(),
                    format!(
                        "service `{name}`: deploy mode `{job}` runs a job to completion, which Swarmplan does not model (replicated or global)"
                    ),
                );
                Mode::Replicated(1)
            }
            // Docker's own refusal of any other mode is in `refusals.rs`.
            Some(_) => Mode::Replicated(1),
        };
        let mode = match mode {
            Mode::Replicated(replicas) if Limit::Replicas.exceeded_by(replicas) => {
                self.findings.push(
                    Finding::new(
                        Code::LimitExceeded,
                        target.clone(),
                        format!(
                            "service {}/{name} asks for {} replicas, over Swarmplan's limit of {} {}: it is left out of the analysis",
                            self.stack,
                            grouped(replicas),
                            grouped(Limit::Replicas.value()),
                            Limit::Replicas.name()
                        ),
                    )
                    .key("deploy.replicas")
                    .hint("is it a typo? The largest swarms ever run had about 100,000 tasks in all"),
                );
                Mode::Replicated(0)
            }
            mode => mode,
        };
        let placement = deploy.get("placement").cloned().unwrap_or(Value::Null);
        let preferences = match placement.get("preferences") {
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(|p| p.get("spread").and_then(as_text))
                .collect(),
            _ => Vec::new(),
        };
        let reservations = deploy.get("resources").and_then(|r| r.get("reservations"));
        let cpus = reservations.and_then(|r| r.get("cpus")).and_then(as_text);
        let memory = reservations.and_then(|r| r.get("memory")).and_then(as_text);
        let reservations = Resources {
            cpus: cpus
                .map(|c| {
                    Cpus::parse(&c).unwrap_or_else(|e| {
                        self.problem(target.clone(), format!("service `{name}`: {e}"));
                        Cpus(0)
                    })
                })
                .unwrap_or_default(),
            memory: memory
                .map(|m| {
                    Bytes::parse(&m).unwrap_or_else(|e| {
                        self.problem(target.clone(), format!("service `{name}`: {e}"));
                        Bytes(0)
                    })
                })
                .unwrap_or_default(),
        };
        let mut ports = Vec::new();
        if let Some(Value::Sequence(entries)) = body.get("ports") {
            for entry in entries {
                match port_entry(entry) {
                    Ok(mut expanded) => ports.append(&mut expanded),
                    Err(message) => {
                        self.problem(target.clone(), format!("service `{name}`: {message}"))
                    }
                }
            }
        }
        let networks = match body.get("networks") {
            Some(Value::Sequence(items)) => items.iter().filter_map(as_text).collect(),
            Some(Value::Mapping(map)) => map.keys().filter_map(as_text).collect(),
            _ => Vec::new(),
        };
        let mounts = match body.get("volumes") {
            Some(Value::Sequence(items)) => items.iter().filter_map(mount).collect(),
            _ => Vec::new(),
        };
        let update_order = match deploy
            .get("update_config")
            .and_then(|u| u.get("order"))
            .and_then(as_text)
            .as_deref()
        {
            Some("start-first") => UpdateOrder::StartFirst,
            _ => UpdateOrder::StopFirst,
        };
        Service {
            name: name.to_owned(),
            image: body.get("image").and_then(as_text),
            mode,
            constraints: placement
                .get("constraints")
                .map(strings)
                .unwrap_or_default(),
            preferences,
            max_replicas_per_node: placement.get("max_replicas_per_node").and_then(as_u64),
            reservations,
            ports,
            networks,
            mounts,
            update_order,
        }
    }
}

fn protocol(text: &str) -> Result<Protocol, String> {
    match text.to_ascii_lowercase().as_str() {
        "tcp" | "" => Ok(Protocol::Tcp),
        "udp" => Ok(Protocol::Udp),
        other => Err(format!(
            "port protocol `{other}` is not supported (tcp or udp)"
        )),
    }
}

fn port_range(text: &str) -> Result<(u16, u16), String> {
    let number = |t: &str| {
        t.trim()
            .parse::<u16>()
            .map_err(|_| format!("`{text}` is not a port"))
    };
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            if a > b {
                return Err(format!("`{text}` is not a port range"));
            }
            Ok((a, b))
        }
        None => number(text).map(|p| (p, p)),
    }
}

/// Reads one `ports:` entry, short (`"8080:80/udp"`) or long (`{target, published, mode}`).
fn port_entry(entry: &Value) -> Result<Vec<Port>, String> {
    if let Value::Mapping(_) = entry {
        let target = entry
            .get("target")
            .and_then(as_u64)
            .ok_or("a long-syntax port needs `target`")?;
        let target = u16::try_from(target).map_err(|_| format!("{target} is not a port"))?;
        let published = match entry.get("published") {
            None | Some(Value::Null) => None,
            Some(value) => {
                let text = as_text(value).ok_or("`published` must be a port")?;
                Some(port_range(&text)?.0)
            }
        };
        let protocol = protocol(
            entry
                .get("protocol")
                .and_then(as_text)
                .as_deref()
                .unwrap_or("tcp"),
        )?;
        let mode = match entry.get("mode").and_then(as_text).as_deref() {
            Some("host") => PortMode::Host,
            Some("ingress") | None => PortMode::Ingress,
            Some(other) => {
                return Err(format!(
                    "port mode `{other}` is not supported (ingress or host)"
                ))
            }
        };
        return Ok(vec![Port {
            target,
            published,
            protocol,
            mode,
        }]);
    }
    let text = as_text(entry).ok_or("a port must be a string, number or mapping")?;
    let (spec, proto) = text.split_once('/').unwrap_or((&text, "tcp"));
    let protocol = protocol(proto)?;
    // "[ip:][published:]target"; an IPv6 address would be bracketed, so split from the right.
    let mut pieces = spec.rsplitn(3, ':');
    let target = pieces
        .next()
        .ok_or_else(|| format!("`{text}` is not a port"))?;
    let published = pieces.next().filter(|p| !p.is_empty());
    let (t_first, t_last) = port_range(target)?;
    let count = usize::from(t_last - t_first) + 1;
    if Limit::PortRange.exceeded_by(count as u64) {
        return Err(format!(
            "`{text}` publishes {} ports, over Swarmplan's limit of {} {}",
            grouped(count as u64),
            grouped(Limit::PortRange.value()),
            Limit::PortRange.name()
        ));
    }
    let published = match published {
        None => None,
        Some(p) => {
            let (p_first, p_last) = port_range(p)?;
            if p_last - p_first != t_last - t_first && p_first != p_last {
                return Err(format!(
                    "`{text}`: the published and target ranges differ in length"
                ));
            }
            Some((p_first, p_last))
        }
    };
    Ok((0..count as u16)
        .map(|i| Port {
            target: t_first + i,
            published: published.map(|(first, last)| if first == last { first } else { first + i }),
            protocol,
            mode: PortMode::Ingress,
        })
        .collect())
}

/// Reads one `volumes:` entry of a service.
fn mount(entry: &Value) -> Option<Mount> {
    if let Value::Mapping(_) = entry {
        let kind = match entry.get("type").and_then(as_text).as_deref() {
            Some("bind") => MountKind::Bind,
            Some("tmpfs") => MountKind::Tmpfs,
            _ => MountKind::Volume,
        };
        return Some(Mount {
            kind,
            source: entry.get("source").and_then(as_text),
            target: entry.get("target").and_then(as_text)?,
        });
    }
    let text = as_text(entry)?;
    let mut pieces = text.splitn(3, ':');
    let first = pieces.next()?.to_owned();
    match pieces.next() {
        None => Some(Mount {
            kind: MountKind::Volume,
            source: None,
            target: first,
        }),
        Some(target) => {
            let is_path =
                first.starts_with('/') || first.starts_with('.') || first.starts_with('~');
            Some(Mount {
                kind: if is_path {
                    MountKind::Bind
                } else {
                    MountKind::Volume
                },
                source: Some(first),
                target: target.to_owned(),
            })
        }
    }
}

/// A stack network whose name Docker keeps for itself: its own network named `host`, `bridge`
/// or `none` (Docker already has one), or any network named `ingress` or `docker_gwbridge`
/// (Swarm's own, which services cannot join).
fn reserved_network(reader: &mut Reader, stack: &str, network: &Network) {
    let name = network.name.as_str();
    let why = if SWARM_NETWORKS.contains(&name) {
        "is Swarm's own network, which a service cannot be attached to"
    } else if PREDEFINED_NETWORKS.contains(&name) && !network.external {
        "is a network every Docker engine already has: join it as an external network instead of creating one"
    } else {
        return;
    };
    reader.findings.push(
        Finding::new(
            Code::NetworkReservedName,
            Target::Stack(stack.to_owned()),
            format!("network `{}` of stack `{stack}` is named `{name}`, which {why}", network.key),
        )
        .hint(format!(
            "give the network another name, or for `host` write `{}: {{ external: true, name: host }}`",
            network.key
        )),
    );
}

fn network(stack: &str, key: &str, body: &Value) -> Network {
    let external = match body.get("external") {
        Some(Value::Bool(b)) => *b,
        Some(Value::Mapping(_)) => true,
        _ => false,
    };
    let explicit = body.get("name").and_then(as_text).or_else(|| {
        body.get("external")
            .and_then(|e| e.get("name"))
            .and_then(as_text)
    });
    let name = explicit.unwrap_or_else(|| {
        if external {
            key.to_owned()
        } else {
            format!("{stack}_{key}")
        }
    });
    let encrypted = body
        .get("driver_opts")
        .and_then(Value::as_mapping)
        .is_some_and(|opts| opts.contains_key("encrypted"));
    Network {
        key: key.to_owned(),
        name,
        driver: body
            .get("driver")
            .and_then(as_text)
            .unwrap_or_else(|| "overlay".to_owned()),
        external,
        encrypted,
        attachable: body
            .get("attachable")
            .is_some_and(|a| a == &Value::Bool(true)),
    }
}

fn volume(key: &str, body: &Value) -> Volume {
    let driver = body
        .get("driver")
        .and_then(as_text)
        .unwrap_or_else(|| "local".to_owned());
    let mount_type = body
        .get("driver_opts")
        .and_then(|o| o.get("type"))
        .and_then(as_text)
        .unwrap_or_default();
    let shared =
        driver != "local" || ["nfs", "nfs4", "cifs", "glusterfs"].contains(&mount_type.as_str());
    Volume {
        key: key.to_owned(),
        driver,
        external: matches!(
            body.get("external"),
            Some(Value::Bool(true)) | Some(Value::Mapping(_))
        ),
        shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_value;

    fn stack(compose: &str) -> Stack {
        Stack {
            name: "s".into(),
            after: vec![],
            variables: [("DOMAIN".to_owned(), "example.org".to_owned())]
                .into_iter()
                .collect(),
            compose: parse_value(compose).expect("fixture"),
        }
    }

    #[test]
    fn plain_octal_file_modes_become_numbers() {
        let mut compose = parse_value(
            "services:\n  a:\n    configs: [{ source: c, mode: 0440 }, { source: d, mode: 288 }]\n",
        )
        .unwrap();
        normalize_file_modes(&mut compose);
        assert_eq!(
            compose["services"]["a"]["configs"][0]["mode"],
            Value::from(0o440)
        );
        assert_eq!(
            compose["services"]["a"]["configs"][1]["mode"],
            Value::from(288)
        );
    }

    #[test]
    fn ports_in_every_syntax() {
        let compose = read(&stack(
            r#"
services:
  a:
    image: x
    ports:
      - "80"
      - "8080:80"
      - "53:53/udp"
      - "127.0.0.1:9000:9000"
      - "3000-3002:4000-4002"
      - 9090
      - { target: 4443, published: 4443, mode: host }
      - { target: 161, published: "161", protocol: udp }
"#,
        ));
        let ports: Vec<String> = compose.services[0]
            .ports
            .iter()
            .map(|p| {
                format!(
                    "{:?}->{} {} {:?}",
                    p.published, p.target, p.protocol, p.mode
                )
            })
            .collect();
        assert_eq!(
            ports,
            [
                "None->80 tcp Ingress",
                "Some(8080)->80 tcp Ingress",
                "Some(53)->53 udp Ingress",
                "Some(9000)->9000 tcp Ingress",
                "Some(3000)->4000 tcp Ingress",
                "Some(3001)->4001 tcp Ingress",
                "Some(3002)->4002 tcp Ingress",
                "None->9090 tcp Ingress",
                "Some(4443)->4443 tcp Host",
                "Some(161)->161 udp Ingress",
            ]
        );
        assert!(compose.findings.is_empty());
    }

    #[test]
    fn bad_ports_are_findings_not_panics() {
        let compose = read(&stack("services:\n  a:\n    image: x\n    ports: ['http:80', '1-65535:1-65535', {target: 1, mode: bridge}, '80/sctp']\n"));
        assert_eq!(compose.findings.len(), 4, "{:#?}", compose.findings);
        assert!(compose.findings.iter().all(|f| f.code == "compose-invalid"));
    }

    /// The active/passive example joins Docker's own `host` network; the install once tried to
    /// create it (`docker network create --driver overlay host`) and stopped there.
    #[test]
    fn docker_networks_are_joined_and_reserved_names_are_findings() {
        let joined = read(&stack(
            "services:\n  lb: { image: x, networks: [hostnet] }\nnetworks:\n  hostnet: { external: true, name: host }\n",
        ));
        assert!(joined.networks[0].is_predefined());
        assert!(joined.findings.is_empty(), "{:#?}", joined.findings);
        let reserved = read(&stack(
            "services:\n  a: { image: x }\nnetworks:\n  own: { name: bridge }\n  mesh: { external: true, name: ingress }\n  fine: {}\n",
        ));
        let named: Vec<(&str, &str)> = reserved
            .findings
            .iter()
            .map(|f| (f.code.name(), f.message.split('`').nth(1).unwrap_or("")))
            .collect();
        assert_eq!(
            named,
            [
                ("network-reserved-name", "own"),
                ("network-reserved-name", "mesh")
            ]
        );
    }

    #[test]
    fn deploy_settings_are_read() {
        let compose = read(&stack(
            r#"
services:
  api:
    image: "reg/${DOMAIN}/api:1"
    deploy:
      replicas: 3
      placement:
        constraints: [node.labels.worker == app, "node.role!=manager"]
        preferences: [{ spread: node.labels.dc }, { spread: node.labels.rack }]
        max_replicas_per_node: 1
      resources: { reservations: { cpus: "0.50", memory: 512M } }
      update_config: { order: start-first }
    volumes: ["/mnt/NASVolume/msa_api:/data", "data:/var/lib", "/tmp/x"]
  agent:
    deploy: { mode: global }
volumes:
  data: { driver: local, driver_opts: { type: nfs, o: "addr=10.0.0.5", device: ":/x" } }
  scratch: {}
networks:
  front: { driver: overlay, driver_opts: { encrypted: "" }, attachable: true }
  public: { external: true }
"#,
        ));
        let api = compose.service("api").expect("api");
        assert_eq!(api.image.as_deref(), Some("reg/example.org/api:1"));
        assert_eq!(api.mode, Mode::Replicated(3));
        assert_eq!(
            api.constraints,
            ["node.labels.worker == app", "node.role!=manager"]
        );
        assert_eq!(api.preferences, ["node.labels.dc", "node.labels.rack"]);
        assert_eq!(api.max_replicas_per_node, Some(1));
        assert_eq!(
            api.reservations,
            Resources {
                cpus: Cpus(500),
                memory: Bytes::mib(512)
            }
        );
        assert_eq!(api.update_order, UpdateOrder::StartFirst);
        assert_eq!(api.mounts[0].kind, MountKind::Bind);
        assert_eq!(api.mounts[1].kind, MountKind::Volume);
        assert_eq!(api.mounts[2].source, None);
        assert_eq!(compose.service("agent").expect("agent").mode, Mode::Global);
        assert!(compose.volumes[0].shared && !compose.volumes[1].shared);
        assert_eq!(compose.networks[0].name, "s_front");
        assert!(compose.networks[0].encrypted && compose.networks[0].attachable);
        assert_eq!(compose.networks[1].name, "public");
        assert!(compose.networks[1].external);
        assert_eq!(compose.variables.len(), 1);
    }

    #[test]
    fn a_required_variable_left_unset_is_a_finding() {
        let compose = read(&stack("services:\n  a:\n    image: 'x:${TAG?set the tag}'\n    environment: ['E=${TAG?set the tag}']\n"));
        let codes: Vec<&str> = compose.findings.iter().map(|f| f.code.name()).collect();
        assert_eq!(codes, ["variable-required"], "reported once per variable");
        assert!(compose.variables[0].required);
    }
}
