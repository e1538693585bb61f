//! The rehearsal lab: a plan's own cluster, made of real Docker engines on one Linux machine.
//!
//! One `dockerd` per plan node, each in network, mount and UTS namespaces of its own, with the
//! node's hostname, address, engine labels and memory, its own containerd and its own firewalld;
//! the nodes meet on a bridge that lives in a namespace of its own, so no lab packet reaches the
//! machine's network. The exported runbook scripts run unchanged against it through
//! `swarmplan lab ssh`, and the lab holds what Swarm really does against the engine's
//! predictions.
//!
//! The lab is a thin shell around the engine: placement, failure scenarios, runbooks and exports
//! all come from `swarmplan-engine`; the lab only builds the cluster, runs, watches and compares.
//!
//! - [`host`]: what the machine must offer (Linux, root, namespaces) and how large a lab it holds;
//! - [`engines`]: `lab setup`, Debian's Docker packages fetched into a cache of the lab's own;
//! - [`state`]: the lab's folder and what it remembers between commands;
//! - [`net`], [`node`]: namespaces, the bridge, each node's file system and daemons;
//! - [`image`]: the placeholder image under every image name the stacks use;
//! - [`labplan`]: the lab's copy of the plan and bundle (CPU scaling, entrypoints, encryption);
//! - [`docker`]: a small Docker API client over each node's socket;
//! - [`ssh`]: the transport the runbooks use (`SSH='swarmplan lab ssh'`);
//! - [`run`]: a runbook through a pseudo-terminal, sampled every second, and its report;
//! - [`check`], [`fail`]: the real placement and failures against the analysis;

pub mod check;
pub mod docker;
pub mod engines;
pub mod fail;
pub mod host;
pub mod image;
pub mod labplan;
pub mod lifecycle;
pub mod net;
pub mod node;
pub mod run;
pub mod ssh;
pub mod state;
mod util;

pub use state::Lab;

use std::fmt;

/// Why a lab command could not do what was asked. The message says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabError(pub String);

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LabError {}

impl From<std::io::Error> for LabError {
    fn from(e: std::io::Error) -> Self {
        LabError(e.to_string())
    }
}

pub type Result<T = ()> = std::result::Result<T, LabError>;

/// Builds a [`LabError`] from a format string.
#[macro_export]
macro_rules! lab_error {
    ($($arg:tt)*) => { $crate::LabError(format!($($arg)*)) };
}
