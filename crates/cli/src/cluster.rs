//! `swarmplan import-cluster` and `swarmplan diff`: start from the cluster you have, and see
//! what a proposed plan changes.

use crate::{read_plan, BadInput};
use std::path::Path;
use std::process::ExitCode;
use swarmplan_engine::cluster_import::{import_cluster_with_networks, parse_json};
use swarmplan_engine::diff::diff;
use swarmplan_engine::{plan_to_yaml, Options};

fn read_json(path: &Path) -> Result<serde_json::Value, BadInput> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read {}: {e}", path.display())))?;
    parse_json(&text).map_err(|e| BadInput(format!("{}: {e}", path.display())))
}

/// Prints the plan rebuilt from `docker node inspect` (and `docker service inspect`, and
/// `docker network inspect`) output; the import's findings go to stderr.
pub fn import(
    nodes: &Path,
    services: Option<&Path>,
    networks: Option<&Path>,
    base: Option<&Path>,
) -> Result<ExitCode, BadInput> {
    let nodes = read_json(nodes)?;
    let services = services.map(read_json).transpose()?;
    let networks = networks.map(read_json).transpose()?;
    let base = base.map(read_plan).transpose()?;
    let import =
        import_cluster_with_networks(&nodes, services.as_ref(), networks.as_ref(), base.as_ref());
    for finding in &import.findings {
        eprintln!("{finding}");
    }
    out!("{}", plan_to_yaml(&import.plan));
    Ok(ExitCode::SUCCESS)
}

/// Prints what changes from BEFORE to AFTER, as text or JSON.
pub fn compare(
    before: &Path,
    after: &Path,
    json: bool,
    host_pairs: bool,
) -> Result<ExitCode, BadInput> {
    let before = read_plan(before)?;
    let after = read_plan(after)?;
    let diff = diff(
        &before,
        &after,
        &Options {
            host_pairs,
            ..Options::default()
        },
    );
    if json {
        let text = serde_json::to_string_pretty(&diff).expect("a diff always serializes");
        outln!("{text}");
    } else {
        out!("{diff}");
    }
    Ok(ExitCode::SUCCESS)
}
