//! What `docker stack deploy` refuses in a compose file that reads: the command line's own
//! conversion of the file into service specs (docker/cli `cli/compose/convert`, and
//! `cli/command/stack/loader.go` for images), and the daemon's validation of each spec (moby
//! `daemon/cluster/convert/service.go`, swarmkit `manager/controlapi/service.go`). Each refusal
//! is a `deploy-refused` finding that quotes Docker's words, as of docker/cli and moby at their
//! August 2026 heads, with the older wording where it differs.
//!
//! Only what a user plausibly writes is checked, where Swarmplan reads the same keys Docker does.
//! `max_replicas_per_node` on a global service is not among them: `docker service create`
//! refuses it, `docker stack deploy` does not.

use super::{Port, PortMode, Reader, Service};
use crate::findings::{Code, Finding, Target};
use crate::units::Bytes;
use crate::yaml::{scalar_text, Value};
use std::collections::BTreeSet;

/// Where in Docker a refusal comes from, for the message.
#[derive(Clone, Copy)]
enum Refuser {
    /// The command line, while it converts the compose file (its words are prefixed with
    /// `service NAME: `, as `convert.Services` wraps them).
    Cli,
    /// The command line, while it loads the file (its words name the service themselves).
    Loader,
    /// The daemon, when the command line creates the service (`failed to create service
    /// STACK_NAME: Error response from daemon: …`).
    Daemon,
}

struct Refusal {
    key: &'static str,
    refuser: Refuser,
    words: String,
    /// Older Docker releases' words, where they differ: (the releases, the words).
    older: Option<(&'static str, String)>,
    hint: &'static str,
}

impl Reader<'_> {
    fn refuse(&mut self, service: &str, refusal: Refusal) {
        let Refusal {
            key,
            refuser,
            words,
            older,
            hint,
        } = refusal;
        let quoted = |words: &str| match refuser {
            Refuser::Cli => format!("\"service {service}: {words}\""),
            Refuser::Loader | Refuser::Daemon => format!("\"{words}\""),
        };
        let who = match refuser {
            Refuser::Cli | Refuser::Loader => "`docker stack deploy` refuses it",
            Refuser::Daemon => "the Docker daemon refuses to create it",
        };
        let mut message = format!(
            "service {}/{service}: {who}: {}",
            self.stack,
            quoted(&words)
        );
        if let Some((releases, older)) = older {
            message.push_str(&format!(" ({releases}: {})", quoted(&older)));
        }
        self.findings.push(
            Finding::new(
                Code::DeployRefused,
                Target::Service {
                    stack: self.stack.to_owned(),
                    service: service.to_owned(),
                },
                message,
            )
            .key(key)
            .hint(hint),
        );
    }

    /// Every refusal of one service: `body` is its compose mapping with the plan's variables
    /// substituted, `file` the whole compose file, `read` what Swarmplan read of it.
    pub(super) fn refusals(&mut self, name: &str, body: &Value, file: &Value, read: &Service) {
        let get = |path: &[&str]| -> Option<&Value> {
            let mut value = body;
            for key in path {
                value = value.get(*key)?;
            }
            (!value.is_null()).then_some(value)
        };
        let text = |path: &[&str]| get(path).and_then(scalar_text);

        // docker/cli convertDeployMode.
        let mode = text(&["deploy", "mode"]);
        match mode.as_deref() {
            Some("global" | "global-job") if get(&["deploy", "replicas"]).is_some() => {
                self.refuse(
                    name,
                    Refusal {
                        key: "deploy.replicas",
                        refuser: Refuser::Cli,
                        words: "replicas can only be used with replicated or replicated-job mode"
                            .to_owned(),
                        older: Some((
                            "Docker 20.10",
                            "replicas can only be used with replicated mode".to_owned(),
                        )),
                        hint: "a global service runs one task on every eligible node: remove `replicas`, or use `mode: replicated`",
                    },
                )
            }
            None | Some("" | "replicated" | "global" | "replicated-job" | "global-job") => {}
            Some(other) => self.refuse(
                name,
                Refusal {
                    key: "deploy.mode",
                    refuser: Refuser::Cli,
                    words: format!("unknown mode: {other}"),
                    older: Some(("Docker 28 and older", format!("Unknown mode: {other}"))),
                    hint: "use `mode: replicated` (the default) or `mode: global`",
                },
            ),
        }

        // docker/cli loadComposeFile (28.2 on); older releases send the service on, and the
        // daemon refuses it with "ContainerSpec: image reference must be provided".
        if text(&["image"]).is_none_or(|image| image.is_empty()) {
            self.refuse(
                name,
                Refusal {
                    key: "image",
                    refuser: Refuser::Loader,
                    words: format!(
                        "invalid image reference for service {name}: no image specified"
                    ),
                    older: Some((
                        "before Docker 28.2, from the daemon",
                        "ContainerSpec: image reference must be provided".to_owned(),
                    )),
                    hint:
                        "give the service an `image:`; `docker stack deploy` does not build images",
                },
            );
        }

        // docker/cli convertServiceNetworks: the default network needs no declaration.
        let declared = |section: &str, key: &str| {
            file.get(section)
                .and_then(Value::as_mapping)
                .is_some_and(|m| m.contains_key(key))
        };
        for network in &read.networks {
            if network != "default" && !declared("networks", network) {
                self.refuse(
                    name,
                    Refusal {
                        key: "networks",
                        refuser: Refuser::Cli,
                        words: format!("undefined network {network:?}"),
                        older: None,
                        hint: "declare the network under the file's top-level `networks:` (with `external: true` for one that exists)",
                    },
                );
            }
        }

        // docker/cli convertVolumeToMount: a named volume must be declared; anonymous volumes,
        // binds and tmpfs need nothing.
        if let Some(Value::Sequence(entries)) = body.get("volumes") {
            for entry in entries {
                if let Some(volume) = named_volume(entry) {
                    if !declared("volumes", &volume) {
                        self.refuse(
                            name,
                            Refusal {
                                key: "volumes",
                                refuser: Refuser::Cli,
                                words: format!("undefined volume {volume:?}"),
                                older: None,
                                hint: "declare the volume under the file's top-level `volumes:`, or write a path (`./data`, `/srv/data`) for a bind mount",
                            },
                        );
                    }
                }
            }
        }

        // docker/cli convertServiceSecrets and convertServiceConfigObjs.
        for (section, kind) in [("secrets", "secret"), ("configs", "config")] {
            let Some(Value::Sequence(entries)) = body.get(section) else {
                continue;
            };
            for entry in entries {
                let source = match entry {
                    Value::Mapping(_) => entry.get("source").and_then(scalar_text),
                    other => scalar_text(other),
                };
                let Some(source) = source else { continue };
                if !declared(section, &source) {
                    self.refuse(
                        name,
                        Refusal {
                            key: section,
                            refuser: Refuser::Cli,
                            words: format!("undefined {kind} {source:?}"),
                            older: None,
                            hint: match kind {
                                "secret" => "declare the secret under the file's top-level `secrets:` (`file:` or `external: true`)",
                                _ => "declare the config under the file's top-level `configs:` (`file:` or `external: true`)",
                            },
                        },
                    );
                }
            }
        }

        // docker/cli convertHealthcheck.
        let disabled = get(&["healthcheck", "disable"]).is_some_and(|d| d == &Value::Bool(true));
        let test = get(&["healthcheck", "test"])
            .is_some_and(|t| !matches!(t, Value::Sequence(items) if items.is_empty()));
        if disabled && test {
            self.refuse(
                name,
                Refusal {
                    key: "healthcheck",
                    refuser: Refuser::Cli,
                    words: "test and disable can't be set at the same time".to_owned(),
                    older: None,
                    hint: "remove `test:` to disable the image's health check, or `disable: true` to keep yours",
                },
            );
        }

        // moby daemon/cluster/convert ServiceSpecToGRPC.
        let endpoint_mode = text(&["deploy", "endpoint_mode"]);
        match endpoint_mode.as_deref() {
            None | Some("" | "vip") => {}
            Some("dnsrr") => {
                // swarmkit validateEndpointSpec: the routing mesh balances by virtual IP.
                if read.ports.iter().any(|p| p.mode == PortMode::Ingress) {
                    self.refuse(
                        name,
                        Refusal {
                            key: "deploy.endpoint_mode",
                            refuser: Refuser::Daemon,
                            words: "EndpointSpec: port published with ingress mode can't be used with dnsrr mode".to_owned(),
                            older: None,
                            hint: "publish the ports in host mode (`mode: host`, long syntax), or use `endpoint_mode: vip`",
                        },
                    );
                }
            }
            Some(other) => self.refuse(
                name,
                Refusal {
                    key: "deploy.endpoint_mode",
                    refuser: Refuser::Daemon,
                    words: format!("invalid resolution mode: {other:?}"),
                    older: None,
                    hint: "use `endpoint_mode: vip` (the default) or `dnsrr`",
                },
            ),
        }
        if duplicate_published(&read.ports) {
            self.refuse(
                name,
                Refusal {
                    key: "ports",
                    refuser: Refuser::Daemon,
                    words: "EndpointSpec: duplicate published ports provided".to_owned(),
                    older: None,
                    hint: "publish each port once per protocol",
                },
            );
        }

        // moby restartPolicyToGRPC.
        if let Some(condition) = text(&["deploy", "restart_policy", "condition"]) {
            if !["", "none", "on-failure", "any"].contains(&condition.as_str()) {
                self.refuse(
                    name,
                    Refusal {
                        key: "deploy.restart_policy.condition",
                        refuser: Refuser::Daemon,
                        words: format!("invalid RestartCondition: {condition:?}"),
                        older: None,
                        hint: "use `none`, `on-failure` or `any` (Compose's `unless-stopped` and `always` are not Swarm's)",
                    },
                );
            }
        }

        // moby updateConfigToGRPC, for updates and rollbacks alike.
        for (section, key) in [
            ("update_config", "deploy.update_config.failure_action"),
            ("rollback_config", "deploy.rollback_config.failure_action"),
        ] {
            if let Some(action) = text(&["deploy", section, "failure_action"]) {
                if !["", "pause", "continue", "rollback"].contains(&action.as_str()) {
                    self.refuse(
                        name,
                        Refusal {
                            key,
                            refuser: Refuser::Daemon,
                            words: format!("unrecognized update failure action {action}"),
                            older: None,
                            hint: "use `pause` (the default), `continue` or `rollback`",
                        },
                    );
                }
            }
        }

        // swarmkit validateResources, for limits and reservations alike.
        for (section, key) in [
            ("limits", "deploy.resources.limits.memory"),
            ("reservations", "deploy.resources.reservations.memory"),
        ] {
            let memory = text(&["deploy", "resources", section, "memory"]);
            if let Some(Ok(Bytes(bytes))) = memory.as_deref().map(Bytes::parse) {
                if bytes != 0 && bytes < 4 * 1024 * 1024 {
                    self.refuse(
                        name,
                        Refusal {
                            key,
                            refuser: Refuser::Daemon,
                            words: format!("invalid memory value {bytes}: Must be at least 4MiB"),
                            older: None,
                            hint: "memory is in bytes unless a unit follows (`512M` is 512 MiB): give at least 4M",
                        },
                    );
                }
            }
        }
    }
}

/// The volume a service's `volumes:` entry names, when it names one: the source of a short
/// entry that is not a path (`data:/var/lib/data`), or of a long entry of type `volume`.
fn named_volume(entry: &Value) -> Option<String> {
    let is_path = |s: &str| s.starts_with(['/', '.', '~']);
    match entry {
        Value::Mapping(_) => {
            let kind = entry.get("type").and_then(scalar_text);
            let source = entry.get("source").and_then(scalar_text)?;
            (kind.as_deref() == Some("volume") && !source.is_empty()).then_some(source)
        }
        other => {
            let text = scalar_text(other)?;
            let (source, _) = text.split_once(':')?;
            (!source.is_empty() && !is_path(source)).then(|| source.to_owned())
        }
    }
}

/// Whether a service publishes one port (and protocol) twice, ranges expanded.
fn duplicate_published(ports: &[Port]) -> bool {
    let mut seen = BTreeSet::new();
    ports
        .iter()
        .filter_map(|p| p.published.map(|published| (published, p.protocol)))
        .any(|port| !seen.insert(port))
}
