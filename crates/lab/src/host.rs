//! What the machine must offer the lab, and how large a lab it holds.
//!
//! The lab needs Linux, root, network/mount/UTS namespaces, and a few programs of the machine
//! (iproute2, util-linux's `nsenter`/`unshare`, nftables, iptables, firewalld, dbus). Without
//! them every lab command refuses with the reason, before it changes anything.

use crate::util::{on_path, succeeds};
use crate::{lab_error, Result};
use std::process::Command;

/// The programs of the machine the lab runs, each with the Debian package that has it.
pub const PROGRAMS: [(&str, &str); 10] = [
    ("ip", "iproute2"),
    ("nsenter", "util-linux"),
    ("unshare", "util-linux"),
    ("setsid", "util-linux"),
    ("nft", "nftables"),
    ("iptables", "iptables"),
    ("firewalld", "firewalld"),
    ("firewall-cmd", "firewalld"),
    ("dbus-daemon", "dbus"),
    ("tar", "tar"),
];

/// Memory one idle node takes: dockerd, containerd, firewalld, polkitd and dbus (about 200 MiB
/// resident, measured; shared binary pages counted in each), with room to spare.
pub const MIB_PER_NODE: u64 = 260;
/// Memory each running task adds (its containerd shim and the placeholder).
pub const MIB_PER_TASK: u64 = 24;
/// Memory the machine keeps for itself and the rest of the work on it.
pub const MIB_RESERVED: u64 = 3072;
/// Nodes per CPU core: idle engines use 2–4 % of a core each, and bringing one up costs about
/// a second of CPU; beyond this many the heartbeats of a 2-core machine start to miss.
pub const NODES_PER_CORE: usize = 16;

/// Refuses unless the lab can run here: Linux, root, namespaces, and the programs it needs.
pub fn require() -> Result {
    if !cfg!(target_os = "linux") {
        return Err(lab_error!(
            "the lab runs on Linux only: it builds the cluster from network, mount and UTS namespaces"
        ));
    }
    if !nix::unistd::geteuid().is_root() {
        return Err(lab_error!(
            "the lab needs root: it makes namespaces, mounts and one Docker engine per node (try sudo)"
        ));
    }
    for kind in ["net", "mnt", "uts"] {
        if !std::path::Path::new(&format!("/proc/self/ns/{kind}")).exists() {
            return Err(lab_error!(
                "this kernel has no {kind} namespaces (/proc/self/ns/{kind} is missing): the lab cannot run here"
            ));
        }
    }
    let missing: Vec<String> = PROGRAMS
        .iter()
        .filter(|(program, _)| !on_path(program))
        .map(|(program, package)| format!("{program} (Debian package {package})"))
        .collect();
    if !missing.is_empty() {
        return Err(lab_error!(
            "the lab needs these programs, which are not installed: {}",
            missing.join(", ")
        ));
    }
    // A namespace really can be made: containers, some sandboxes and user namespaces without
    // the capabilities refuse here, and the lab says so before it starts anything.
    if !succeeds(Command::new("unshare").args(["--net", "--mount", "--uts", "true"])) {
        return Err(lab_error!(
            "this machine refuses new namespaces (`unshare --net --mount --uts true` failed): the lab cannot run here"
        ));
    }
    Ok(())
}

/// How large a lab this machine holds, from its memory and cores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    pub available_mib: u64,
    pub cores: usize,
    pub max_nodes: usize,
}

impl Capacity {
    pub fn measure() -> Capacity {
        let available_mib = meminfo_kib("MemAvailable").unwrap_or(0) / 1024;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let by_memory = (available_mib.saturating_sub(MIB_RESERVED) / MIB_PER_NODE) as usize;
        Capacity {
            available_mib,
            cores,
            max_nodes: by_memory.min(cores * NODES_PER_CORE),
        }
    }

    /// Refuses a lab of `nodes` nodes running `tasks` tasks that this machine cannot hold, with
    /// the figures.
    pub fn admit(&self, nodes: usize, tasks: usize) -> Result {
        let needed = nodes as u64 * MIB_PER_NODE + tasks as u64 * MIB_PER_TASK;
        if nodes > self.max_nodes || needed + MIB_RESERVED > self.available_mib {
            return Err(lab_error!(
                "this machine holds a lab of at most {} nodes ({} MiB available, about {} MiB per engine and {} MiB per task, {} cores at {} engines each); the plan has {} nodes and {} tasks, which need about {} MiB: nothing was started",
                self.max_nodes,
                self.available_mib,
                MIB_PER_NODE,
                MIB_PER_TASK,
                self.cores,
                NODES_PER_CORE,
                nodes,
                tasks,
                needed
            ));
        }
        Ok(())
    }
}

/// A field of /proc/meminfo, in KiB.
pub fn meminfo_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(field)?.strip_prefix(':')?;
        rest.trim().trim_end_matches("kB").trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::Capacity;

    #[test]
    fn a_plan_too_large_is_refused_with_the_figure() {
        let capacity = Capacity {
            available_mib: 20_000,
            cores: 2,
            max_nodes: 32,
        };
        assert!(capacity.admit(14, 40).is_ok());
        let refusal = capacity.admit(40, 10).unwrap_err().0;
        assert!(refusal.contains("at most 32 nodes"), "{refusal}");
        assert!(refusal.contains("the plan has 40 nodes"), "{refusal}");
    }
}
