//! The lab's folder and what it remembers between commands (`state.json`).
//!
//! ```text
//! DIR/state.json          the nodes, their addresses and failure domains, the engine, notes
//! DIR/bin/swarmplan       this program, for the shims inside the nodes
//! DIR/ns/NODE.mnt|.uts    the nodes' mount and UTS namespaces, pinned (a private bind mount)
//! DIR/nodes/NODE/         each node's own /run, /tmp, /root, /mnt, /opt, /var/log, /var/lib/docker,
//!                         /usr/local/sbin (engine binaries and shims), overlay layers for /etc,
//!                         /usr and /var/lib, and its /proc/meminfo
//! DIR/shared/N            the plan's shared folders (the NAS), mounted on every node
//! DIR/runs/               the lab's copies of the bundle, step logs and reports
//! ```
//!
//! The folder must lie outside every path a node sees as its own, or the nodes would see their
//! own copy of it instead.

use crate::engines::{Engine, Engines};
use crate::{lab_error, Result};
use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// The lab's folder when `--dir` is not given.
pub const DEFAULT_DIR: &str = "/var/tmp/swarmplan-lab";

/// Paths a node sees as its own (bound or overlaid in its mount namespace): the lab's folder
/// and cache may not lie under them.
pub const NODE_PATHS: [&str; 12] = [
    "/etc", "/usr", "/var/lib", "/var/log", "/run", "/var/run", "/tmp", "/root", "/mnt", "/opt",
    "/home", "/srv",
];

/// One node of the lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabNode {
    pub name: String,
    /// Its network namespace, `/run/netns/NAME`.
    pub netns: String,
    pub address: Ipv4Addr,
    /// The plan gives the node no address: the lab chose this one.
    pub lab_address: bool,
    /// The node's end of its cable to the bridge, inside the bridge's namespace.
    pub veth: String,
    pub host: String,
    pub rack: Option<String>,
    pub site: Option<String>,
    pub manager: bool,
    pub memory_bytes: u64,
    pub engine: Engine,
    pub engine_labels: Vec<(String, String)>,
}

/// What the lab remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub plan: PathBuf,
    pub plan_name: String,
    pub cache: PathBuf,
    /// The bridge's network namespace.
    pub bridge: String,
    pub nodes: Vec<LabNode>,
    /// `--default-addr-pool` the lab adds to `docker swarm init`, when the plan's addresses
    /// fall in Docker's default pool (10.0.0.0/8).
    pub address_pool: Option<String>,
    /// Seconds `lab up` took.
    pub up_seconds: f64,
    /// What the lab did that the plan did not say: chosen addresses, shortened timers, the
    /// shared storage it mounted.
    pub notes: Vec<String>,
}

/// A lab: its folder and state.
#[derive(Debug, Clone)]
pub struct Lab {
    pub dir: PathBuf,
    pub state: State,
}

/// Refuses a folder that a node would see as its own.
pub fn check_outside_nodes(path: &Path, what: &str) -> Result {
    if !path.is_absolute() {
        return Err(lab_error!(
            "the lab's {what} must be an absolute path, not {}",
            path.display()
        ));
    }
    for inside in NODE_PATHS {
        if path.starts_with(inside) {
            return Err(lab_error!(
                "the lab's {what} {} lies under {inside}, which every node sees as its own: choose another (the default is {DEFAULT_DIR})",
                path.display()
            ));
        }
    }
    Ok(())
}

impl Lab {
    pub fn state_file(dir: &Path) -> PathBuf {
        dir.join("state.json")
    }

    /// The lab in `dir`, as `lab up` left it.
    pub fn open(dir: &Path) -> Result<Lab> {
        let file = Lab::state_file(dir);
        let text = std::fs::read_to_string(&file).map_err(|_| {
            lab_error!(
                "no lab is up in {} (no state.json): run `swarmplan lab up PLAN` first",
                dir.display()
            )
        })?;
        let state: State = serde_json::from_str(&text)
            .map_err(|e| lab_error!("{} cannot be read: {e}", file.display()))?;
        Ok(Lab {
            dir: dir.to_path_buf(),
            state,
        })
    }

    pub fn save(&self) -> Result {
        let text = serde_json::to_string_pretty(&self.state).expect("the state always serializes");
        crate::util::write(&Lab::state_file(&self.dir), text)
    }

    pub fn engines(&self) -> Engines {
        Engines::new(&self.state.cache)
    }

    pub fn node(&self, name: &str) -> Result<&LabNode> {
        self.state
            .nodes
            .iter()
            .find(|n| n.name == name)
            .ok_or_else(|| lab_error!("the lab has no node `{name}`"))
    }

    /// The node with this name or address.
    pub fn resolve(&self, name_or_address: &str) -> Option<&LabNode> {
        self.state
            .nodes
            .iter()
            .find(|n| n.name == name_or_address)
            .or_else(|| {
                self.state
                    .nodes
                    .iter()
                    .find(|n| n.address.to_string() == name_or_address)
            })
    }

    pub fn ns_dir(&self) -> PathBuf {
        self.dir.join("ns")
    }

    pub fn node_dir(&self, node: &str) -> PathBuf {
        self.dir.join("nodes").join(node)
    }

    pub fn mnt_ns(&self, node: &str) -> PathBuf {
        self.ns_dir().join(format!("{node}.mnt"))
    }

    pub fn uts_ns(&self, node: &str) -> PathBuf {
        self.ns_dir().join(format!("{node}.uts"))
    }

    /// The node's engine socket, as the machine sees it.
    pub fn socket(&self, node: &str) -> PathBuf {
        self.node_dir(node).join("run/docker.sock")
    }

    /// This program, where the nodes' shims find it.
    pub fn program(&self) -> PathBuf {
        self.dir.join("bin/swarmplan")
    }

    pub fn runs_dir(&self) -> PathBuf {
        self.dir.join("runs")
    }

    /// The managers, in plan order.
    pub fn managers(&self) -> impl Iterator<Item = &LabNode> {
        self.state.nodes.iter().filter(|n| n.manager)
    }
}
