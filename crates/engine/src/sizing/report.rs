//! How a sized topology is told: each server's load and the one-line summary of an alternative.

use super::draft::{Draft, Layout};
use super::request::VmSize;
use super::ServerLoad;
use crate::plan::{Node, Plan};
use crate::units::{Bytes, Cpus};

/// Each physical server's VMs and what they take of it: the CPUs and memory their sizes add up to.
pub fn server_load(plan: &Plan) -> Vec<ServerLoad> {
    plan.hosts
        .iter()
        .map(|host| {
            let vms: Vec<&Node> = plan
                .nodes
                .iter()
                .filter(|n| n.host_name() == host.name)
                .collect();
            ServerLoad {
                server: host.name.clone(),
                vms: vms.len(),
                cpus: Cpus(vms.iter().filter_map(|n| n.cpus).map(Cpus::millis).sum()),
                memory: Bytes(vms.iter().filter_map(|n| n.memory).map(|m| m.0).sum()),
            }
        })
        .collect()
}

/// "3 managers (1-1-1, 2:4GiB) + 3 app workers (8:16GiB) over 3 servers = 6 VMs".
pub(super) fn describe(draft: &Draft, plan: &Plan, layout: &Layout, sizes: &[VmSize]) -> String {
    let mut shares: Vec<usize> = layout
        .domains
        .iter()
        .map(|(_, members)| {
            plan.managers()
                .filter(|n| {
                    members
                        .iter()
                        .any(|&h| layout.hosts[h].name == n.host_name())
                })
                .count()
        })
        .filter(|&n| n > 0)
        .collect();
    shares.sort_unstable_by(|a, b| b.cmp(a));
    let spread = shares
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("-");
    let mut parts = vec![format!(
        "{} managers ({spread}, {})",
        draft.managers, sizes[draft.manager_size]
    )];
    for (name, size, count) in &draft.roles {
        parts.push(format!("{count} {name} workers ({})", sizes[*size]));
    }
    format!(
        "{} over {} servers = {} VMs",
        parts.join(" + "),
        layout.hosts.len(),
        plan.nodes.len()
    )
}
