//! What the stacks ask of the workers: each service's home (which role of worker VMs runs it),
//! and each role's load, by its reservations, as tasks that must survive a loss.

use super::request::VmSize;
use crate::compose::{self, Mode, Resources, Service};
use crate::constraint::{self, Key, Operator};
use crate::findings::{Finding, Severity};
use crate::plan::{ServiceId, Stack};
use crate::units::{Bytes, Cpus};
use crate::validate::slug;

/// Nodes a role with only global services gets: enough for a cluster of three (Elasticsearch
/// masters, consul servers) without growing with the number of servers.
const GLOBAL_ONLY_NODES: usize = 3;

/// Where a service's tasks may run, read from its constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Home {
    /// `node.role == manager`.
    Managers,
    /// Workers carrying these labels (none: general workers).
    Workers(RoleKey),
    /// No constraint that selects nodes: a global service of this kind runs on every node.
    Anywhere,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(super) struct RoleKey {
    pub(super) labels: Vec<(String, String)>,
    pub(super) engine_labels: Vec<(String, String)>,
}

fn home_of(service: &Service) -> Home {
    let Ok(constraints) = constraint::parse_all(&service.constraints) else {
        // Docker refuses the service; the analysis says why. General workers are as good a
        // guess as any.
        return Home::Workers(RoleKey::default());
    };
    let mut key = RoleKey::default();
    let (mut managers, mut workers) = (false, false);
    for c in &constraints {
        match (&c.key, c.operator) {
            (Key::NodeLabel(name), Operator::Equal) => {
                key.labels.push((name.clone(), c.value.clone()))
            }
            (Key::EngineLabel(name), Operator::Equal) => {
                key.engine_labels.push((name.clone(), c.value.clone()))
            }
            (Key::Role, Operator::Equal) => {
                managers |= c.value.eq_ignore_ascii_case("manager");
                workers |= c.value.eq_ignore_ascii_case("worker");
            }
            (Key::Role, Operator::NotEqual) => {
                managers |= c.value.eq_ignore_ascii_case("worker");
                workers |= c.value.eq_ignore_ascii_case("manager");
            }
            _ => {}
        }
    }
    key.labels.sort();
    key.labels.dedup();
    key.engine_labels.sort();
    key.engine_labels.dedup();
    if managers {
        Home::Managers
    } else if workers || !key.labels.is_empty() || !key.engine_labels.is_empty() {
        Home::Workers(key)
    } else {
        Home::Anywhere
    }
}

/// What one role (or the managers) must run.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Load {
    /// Replicated services: reservation per task, replicas, max per node.
    pub(super) replicated: Vec<(Resources, u64, Option<u64>)>,
    /// What global services reserve on each node.
    per_node: Resources,
    pub(super) services: Vec<String>,
}

impl Load {
    /// The smallest VM that holds the global tasks and the largest replicated task.
    pub(super) fn smallest_vm(&self) -> Resources {
        let largest = self
            .replicated
            .iter()
            .fold(Resources::default(), |most, (r, _, _)| Resources {
                cpus: most.cpus.max(r.cpus),
                memory: most.memory.max(r.memory),
            });
        add(self.per_node, largest)
    }

    /// Nodes needed with all of them up, on VMs of `size`.
    pub(super) fn nodes_needed(&self, size: VmSize) -> usize {
        if self.replicated.is_empty() {
            return GLOBAL_ONLY_NODES;
        }
        let spread = self
            .replicated
            .iter()
            .map(|(_, replicas, max)| match max {
                Some(max) if *max > 0 => replicas.div_ceil(*max),
                _ => 1,
            })
            .max()
            .unwrap_or(1);
        let free_cpus = size
            .cpus
            .millis()
            .saturating_sub(self.per_node.cpus.millis());
        let free_memory = size.memory.0.saturating_sub(self.per_node.memory.0);
        let total_cpus: u64 = self.replicated.iter().fold(0u64, |sum, (r, n, _)| {
            sum.saturating_add(r.cpus.millis().saturating_mul(*n))
        });
        let total_memory: u64 = self.replicated.iter().fold(0u64, |sum, (r, n, _)| {
            sum.saturating_add(r.memory.0.saturating_mul(*n))
        });
        let by = |total: u64, free: u64| -> u64 {
            if total == 0 {
                0
            } else {
                total.div_ceil(free.max(1))
            }
        };
        let by_resources = by(total_cpus, free_cpus).max(by(total_memory, free_memory));
        usize::try_from(spread.max(by_resources).max(1)).unwrap_or(usize::MAX)
    }
}

pub(super) fn add(a: Resources, b: Resources) -> Resources {
    Resources {
        cpus: Cpus(a.cpus.millis().saturating_add(b.cpus.millis())),
        memory: Bytes(a.memory.0.saturating_add(b.memory.0)),
    }
}

/// Every stack's services, by where they run.
pub(super) struct Demand {
    pub(super) managers: Load,
    pub(super) roles: Vec<(RoleKey, Load)>,
}

impl Demand {
    pub(super) fn of(stacks: &[Stack]) -> Result<Self, Vec<Finding>> {
        let mut demand = Demand {
            managers: Load::default(),
            roles: Vec::new(),
        };
        let mut everywhere = Resources::default();
        let mut everywhere_services = Vec::new();
        let mut problems = Vec::new();
        for stack in stacks {
            let compose = compose::read(stack);
            problems.extend(
                compose
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .cloned(),
            );
            for service in &compose.services {
                let id = ServiceId::new(&stack.name, &service.name).to_string();
                let home = home_of(service);
                let load = match &home {
                    Home::Managers => &mut demand.managers,
                    Home::Workers(key) => demand.role(key),
                    Home::Anywhere => match service.mode {
                        Mode::Global => {
                            everywhere = add(everywhere, service.reservations);
                            everywhere_services.push(id);
                            continue;
                        }
                        Mode::Replicated(_) => demand.role(&RoleKey::default()),
                    },
                };
                load.services.push(id);
                match service.mode {
                    Mode::Global => load.per_node = add(load.per_node, service.reservations),
                    Mode::Replicated(n) => load.replicated.push((
                        service.reservations,
                        n,
                        service.max_replicas_per_node,
                    )),
                }
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        if demand.roles.is_empty() && !everywhere_services.is_empty() {
            // Drained managers run nothing: services meant for every node need workers.
            demand.role(&RoleKey::default()).services = everywhere_services;
        }
        if !demand.managers.services.is_empty() {
            demand.managers.per_node = add(demand.managers.per_node, everywhere);
        }
        for (_, load) in &mut demand.roles {
            load.per_node = add(load.per_node, everywhere);
        }
        Ok(demand)
    }

    pub(super) fn role(&mut self, key: &RoleKey) -> &mut Load {
        let index = match self.roles.iter().position(|(k, _)| k == key) {
            Some(index) => index,
            None => {
                self.roles.push((key.clone(), Load::default()));
                self.roles.len() - 1
            }
        };
        &mut self.roles[index].1
    }
}

/// Role names from their labels: the label values (`app`, `db`), or `key-value` where values
/// repeat; `worker` for general workers; never `manager`.
pub(super) fn role_names(roles: &[(RoleKey, Load)]) -> Vec<String> {
    let short = |key: &RoleKey| -> String {
        let values: Vec<&str> = key
            .labels
            .iter()
            .chain(&key.engine_labels)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            "worker".to_owned()
        } else {
            slug(&values.join("-"))
        }
    };
    let long = |key: &RoleKey| -> String {
        let parts: Vec<String> = key
            .labels
            .iter()
            .chain(&key.engine_labels)
            .map(|(k, v)| format!("{k}-{v}"))
            .collect();
        slug(&parts.join("-"))
    };
    let mut names: Vec<String> = Vec::new();
    for (key, _) in roles {
        let mut name = short(key);
        if name == "manager" || roles.iter().filter(|(k, _)| short(k) == name).count() > 1 {
            name = long(key);
        }
        let base = if name.is_empty() {
            "worker".to_owned()
        } else {
            name
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) || name == "manager" {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name);
    }
    names
}
