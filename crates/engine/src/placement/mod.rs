//! Placing tasks as Swarm's scheduler does (moby/swarmkit `manager/scheduler` and the global
//! orchestrator), deterministically.
//!
//! For each replicated service, Swarm builds a decision tree from the spread preferences over
//! *every* node (including nodes that cannot take the task), splits the tasks evenly between
//! branches, hands the share of branches without room to the others, and within a leaf fills
//! nodes with the fewest tasks of the service first, then the fewest tasks in all. Each node
//! goes through the filters in Swarm's order: ready and active, reservations, constraints,
//! platform, host-mode ports, max replicas per node. Swarm walks tree branches in Go map order,
//! which is random; Swarmplan walks them in sorted order and reports spreads that end uneven,
//! where that order decides which branch gets the extra tasks.
//!
//! Internally tasks are indices (service, slot, node); names are attached only for the output.
//! A failure scenario is an overlay on the baseline: it copies the node states, not the tasks.
//!
//! Placing a few tasks costs little more than those tasks, whatever the cluster's size: tree
//! shapes are built once per spread preference list, a service's task counts per branch are
//! laid over the shape from the nodes that run it, and each leaf keeps its ready nodes ordered
//! by (tasks, node), which is Swarm's order for every node without a task of the service. A
//! leaf's best candidates are then the first ones in that order that fit, or, for a service
//! that few nodes can run, found among those nodes.

mod cluster;
mod spec;
mod spread;

pub use cluster::Cluster;
pub use spec::{specs, Spec};

use serde::Serialize;

/// One running task: the slot of a replicated service (1, 2, …) or, for a global service, 0.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Task {
    pub stack: String,
    pub service: String,
    pub slot: u64,
    pub node: String,
}

/// A task that runs nowhere, and Docker's explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub stack: String,
    pub service: String,
    pub slot: u64,
    pub reason: String,
}

/// A task placed on a node, by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub spec: usize,
    pub slot: u64,
    pub node: usize,
}

/// A task that could not be placed, by index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub spec: usize,
    pub slot: u64,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::cluster::SCAN_ELIGIBLE;
    use crate::{analyze, examples, parse_plan, Analysis, Options};
    use std::fmt::Write;

    /// A small random plan: hosts in racks and sites, nodes with labels, resources and
    /// availabilities, services with constraints, spreads, limits and host ports.
    fn random_plan(seed: u64) -> String {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut below = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let hosts = 1 + below(10);
        let nodes = 1 + below(30);
        let mut out = String::from("swarmplan: 1\nname: random\nhosts:\n");
        for h in 0..hosts {
            let (rack, site) = (below(3), below(3));
            writeln!(out, "  - {{ name: h{h}, rack: r{rack}, site: s{site} }}").unwrap();
        }
        out.push_str("nodes:\n");
        for n in 0..nodes {
            let role = if n < 3 { "manager" } else { "worker" };
            let availability = ["active", "active", "active", "drain", "pause"][below(5) as usize];
            writeln!(
                out,
                "  - {{ name: n{n}, host: h{}, role: {role}, availability: {availability}, cpus: {}, memory: {}GiB, labels: {{ zone: z{}, rk: k{}, tier: t{} }} }}",
                below(hosts),
                1 + below(6),
                1 + below(6),
                below(3),
                below(4),
                below(3),
            )
            .unwrap();
        }
        out.push_str("stacks:\n  - name: app\n    compose:\n      services:\n");
        for s in 0..below(20) {
            let constraint = [
                "",
                "constraints: [node.labels.tier == t1], ",
                "constraints: [node.role == worker], ",
                "constraints: [node.hostname == n0], ",
            ][below(4) as usize];
            let spread = [
                "",
                "",
                "preferences: [{ spread: node.labels.zone }], ",
                "preferences: [{ spread: node.labels.zone }, { spread: node.labels.rk }], ",
            ][below(4) as usize];
            let max = match below(3) {
                0 => format!("max_replicas_per_node: {}, ", 1 + below(2)),
                _ => String::new(),
            };
            let port = match below(4) {
                0 => "ports: [{ target: 80, published: 8080, mode: host }], ",
                _ => "",
            };
            writeln!(
                out,
                "        s{s}: {{ image: x, {port}deploy: {{ replicas: {}, placement: {{ {constraint}{spread}{max}}}, resources: {{ reservations: {{ cpus: '{}', memory: {}M }} }} }} }}",
                below(14),
                0.5 * below(5) as f64,
                256 * below(8),
            )
            .unwrap();
        }
        out
    }

    fn analyze_with(text: &str, scan_eligible: Option<bool>) -> Analysis {
        let plan = parse_plan(text).expect("the generated plan reads");
        SCAN_ELIGIBLE.set(scan_eligible);
        let analysis = analyze(&plan, &Options { host_pairs: true });
        SCAN_ELIGIBLE.set(None);
        analysis
    }

    /// A leaf's candidates are found either among the nodes that meet the constraints or in the
    /// leaf's (tasks, node) order of ready nodes, whichever is cheaper: both give the same
    /// placement, in the baseline and in every failure.
    #[test]
    fn both_candidate_searches_place_alike() {
        let plans = examples::EXAMPLES
            .iter()
            .map(|e| e.yaml.to_owned())
            .chain((0..300).map(random_plan));
        for text in plans {
            let by_eligible = analyze_with(&text, Some(true));
            let by_order = analyze_with(&text, Some(false));
            assert_eq!(by_eligible, by_order, "{text}");
            assert_eq!(analyze_with(&text, None), by_order, "{text}");
        }
    }
}
