//! Placing tasks as Swarm's scheduler does (moby/swarmkit `manager/scheduler` and the global
//! orchestrator), deterministically: the most probable outcome of Swarm's dice, with the other
//! nodes each task could equally have run on.
//!
//! For each replicated service, Swarm builds a decision tree from the spread preferences over
//! *every* node (including nodes that cannot take the task), splits the tasks evenly between
//! branches, hands the share of branches without room to the others, and within a leaf fills
//! nodes with the fewest tasks of the service first, then the fewest tasks in all. Each node
//! goes through the filters in Swarm's order: ready and active, reservations, constraints,
//! platform, host-mode ports, max replicas per node. Where Swarm's choice is left to Go's map
//! iteration order (`dice.rs`), a cluster of at most eight nodes has every outcome enumerated
//! and the most probable one placed (`exact.rs`, replaying the scheduler step by step in
//! `replay.rs`, with its heap in `heap.rs`); a larger one is placed once, ties broken in join
//! order, and each task's equally ranked nodes recorded (`ties.rs`).
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
pub mod dice;
mod exact;
mod heap;
mod replay;
mod spec;
mod spread;
pub mod ties;

pub use cluster::Cluster;
pub use spec::{specs, Spec};

use crate::plan::{Plan, Role};
use serde::{Serialize, Serializer};

/// One running task: the slot of a replicated service (1, 2, …) or, for a global service, 0.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Task {
    pub stack: String,
    pub service: String,
    pub slot: u64,
    pub node: String,
    /// The other nodes Swarm could equally have chosen for this task (`[]` when the choice was
    /// forced). Stated for the analysis' own placement, not for tasks a failure moves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ties: Option<Ties>,
    /// How likely this node is to run this task, where the odds were sampled: the share of
    /// Swarm's draws in which the node runs at least as many of the service's tasks as the
    /// placement shows up to this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p: Option<Chance>,
}

impl Task {
    /// A task on a node, with nothing said about ties or odds (a task seen on a real swarm).
    pub fn new(stack: &str, service: &str, slot: u64, node: &str) -> Self {
        Task {
            stack: stack.to_owned(),
            service: service.to_owned(),
            slot,
            node: node.to_owned(),
            ties: None,
            p: None,
        }
    }

    /// "one of m1, w1, w2": the node shown and its ties; just the node when it was forced.
    pub fn one_of(&self) -> String {
        match &self.ties {
            Some(Ties::Nodes(others)) if !others.is_empty() => {
                format!("one of {}, {}", self.node, others.join(", "))
            }
            Some(Ties::Many { count, .. }) => {
                format!("one of {} and {count} other nodes", self.node)
            }
            _ => self.node.clone(),
        }
    }
}

/// The other nodes a task could equally have run on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Ties {
    /// Each of them, in join order.
    Nodes(Vec<String>),
    /// Too many to name on every task: `count` nodes of the candidate set `among`
    /// (`Analysis::candidates`).
    Many { among: usize, count: usize },
}

/// A probability estimated from `draws` sampled deployments, `hits` of which had the event.
/// Written as a number (three decimals) in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Chance {
    pub hits: u32,
    pub draws: u32,
}

impl Chance {
    pub fn value(self) -> f64 {
        f64::from(self.hits) / f64::from(self.draws.max(1))
    }

    /// Whole percent, as findings and panels say it: "33 %"; "< 1 %" for a rare event seen.
    pub fn percent(self) -> String {
        let percent = (f64::from(self.hits) * 100.0 / f64::from(self.draws.max(1))).round();
        if percent == 0.0 && self.hits > 0 {
            "< 1 %".to_owned()
        } else {
            format!("{percent} %")
        }
    }
}

impl Serialize for Chance {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let thousandths = (u64::from(self.hits) * 1000 + u64::from(self.draws.max(1)) / 2)
            / u64::from(self.draws.max(1));
        serializer.serialize_f64(thousandths as f64 / 1000.0)
    }
}

/// The nodes in the order they join the swarm, as the install runbook joins them: the leader
/// (the manager marked `leader`, else the first manager) creates it, the other managers join in
/// plan order, then the workers. On a fresh swarm this is the order of the scheduler's node
/// map (`Scheduler.buildNodeSet` sees only the first manager; every later node is added when it
/// joins).
pub fn join_order(plan: &Plan) -> Vec<usize> {
    let managers = || (0..plan.nodes.len()).filter(|&i| plan.nodes[i].role == Role::Manager);
    let leader = managers()
        .find(|&i| plan.nodes[i].leader)
        .or_else(|| managers().next());
    let mut order: Vec<usize> = leader.into_iter().collect();
    order.extend(managers().filter(|&i| Some(i) != leader));
    order.extend((0..plan.nodes.len()).filter(|&i| plan.nodes[i].role != Role::Manager));
    order
}

/// Each node's place in [`join_order`].
pub fn join_rank(plan: &Plan) -> Vec<u32> {
    let mut rank = vec![0; plan.nodes.len()];
    for (place, node) in join_order(plan).into_iter().enumerate() {
        rank[node] = place as u32;
    }
    rank
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
    pub(super) fn random_plan(seed: u64) -> String {
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

    /// Every outcome of a whole deployment under the model, with its exact probability: the
    /// nodes of each service's tasks (sorted), per service in plan order.
    fn exact_outcomes(text: &str) -> Vec<(Vec<Vec<String>>, f64)> {
        use super::dice::Scripted;
        let plan = parse_plan(text).expect("the plan reads");
        let order = crate::order::stack_order(&plan);
        let composes: Vec<crate::compose::Compose> = order
            .order
            .iter()
            .map(|&i| crate::compose::read(&plan.stacks[i]))
            .collect();
        let specs = super::specs(
            &plan,
            composes
                .iter()
                .flat_map(|c| c.services.iter().map(move |s| (c.stack.as_str(), s))),
        );
        let mut outcomes: Vec<(Vec<Vec<String>>, f64)> = Vec::new();
        let mut path = Some(Scripted::new());
        while let Some(mut dice) = path {
            let mut cluster = super::Cluster::new(&plan, &specs);
            cluster.place_all_drawn(&mut dice);
            let mut nodes: Vec<Vec<String>> = vec![Vec::new(); specs.len()];
            for task in &cluster.placed {
                nodes[task.spec].push(plan.nodes[task.node].name.clone());
            }
            for list in &mut nodes {
                list.sort();
            }
            match outcomes.iter_mut().find(|(o, _)| *o == nodes) {
                Some((_, p)) => *p += dice.probability,
                None => outcomes.push((nodes, dice.probability)),
            }
            path = dice.next();
        }
        outcomes.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        outcomes
    }

    fn listed(outcomes: &[(Vec<Vec<String>>, f64)]) -> String {
        let mut out = String::new();
        for (nodes, p) in outcomes {
            let services: Vec<String> = nodes.iter().map(|n| n.join("+")).collect();
            writeln!(out, "{} {p}", services.join(" | ")).unwrap();
        }
        out
    }

    const THREE_NODES: &str = "swarmplan: 1
name: dice
hosts: [{ name: h1 }, { name: h2 }, { name: h3 }]
nodes:
  - { name: m1, host: h1, role: manager }
  - { name: w1, host: h2, role: worker }
  - { name: w2, host: h3, role: worker }
stacks:
";

    /// The research note's closed forms (3 nodes joined m1, w1, w2), enumerated over every
    /// rotation of every map Swarm ranges.
    #[test]
    fn the_model_gives_the_closed_forms() {
        let one = format!(
            "{THREE_NODES}  - {{ name: s, compose: {{ services: {{ db: {{ image: x }} }} }} }}\n"
        );
        expect_test::expect![[r#"
            m1 0.75
            w1 0.125
            w2 0.125
        "#]]
        .assert_eq(&listed(&exact_outcomes(&one)));
        let four = format!("{THREE_NODES}  - {{ name: s, compose: {{ services: {{ web: {{ image: x, deploy: {{ replicas: 4 }} }} }} }} }}\n");
        expect_test::expect![[r#"
            m1+w1+w1+w2 0.75
            m1+m1+w1+w2 0.125
            m1+w1+w2+w2 0.125
        "#]]
        .assert_eq(&listed(&exact_outcomes(&four)));
        let two = format!("{THREE_NODES}  - {{ name: s, compose: {{ services: {{ web: {{ image: x, deploy: {{ replicas: 2 }} }} }} }} }}\n");
        expect_test::expect![[r#"
            m1+w1 0.75
            m1+w2 0.125
            w1+w2 0.125
        "#]]
        .assert_eq(&listed(&exact_outcomes(&two)));
        // Two stacks, a deployed before b: the note's joint distribution.
        let stacks = format!("{THREE_NODES}  - {{ name: s, compose: {{ services: {{ a: {{ image: x }} }} }} }}\n  - {{ name: t, after: [s], compose: {{ services: {{ b: {{ image: x }} }} }} }}\n");
        expect_test::expect![[r#"
            m1 | w1 0.65625
            w2 | m1 0.109375
            m1 | w2 0.09375
            w1 | m1 0.09375
            w1 | w2 0.03125
            w2 | w1 0.015625
        "#]]
        .assert_eq(&listed(&exact_outcomes(&stacks)));
        // One stack of two services: docker stack deploy creates them in either order.
        let both = format!("{THREE_NODES}  - {{ name: s, compose: {{ services: {{ a: {{ image: x }}, b: {{ image: x }} }} }} }}\n");
        expect_test::expect![[r#"
            m1 | w1 0.4639892578125
            w1 | m1 0.2860107421875
            w2 | m1 0.104034423828125
            m1 | w2 0.099090576171875
            w1 | w2 0.025909423828125
            w2 | w1 0.020965576171875
        "#]]
        .assert_eq(&listed(&exact_outcomes(&both)));
    }

    /// The sampled odds agree with the exact ones within sampling error.
    #[test]
    fn the_sampled_odds_agree_with_the_enumeration() {
        let both = format!("{THREE_NODES}  - {{ name: s, compose: {{ services: {{ a: {{ image: x }}, b: {{ image: x, deploy: {{ replicas: 2 }} }} }} }} }}\n");
        let exact = exact_outcomes(&both);
        let plan = parse_plan(&both).unwrap();
        let draws = 4000;
        let analysis = analyze(
            &plan,
            &Options {
                odds: draws,
                ..Options::default()
            },
        );
        for (index, status) in analysis.services.iter().enumerate() {
            let odds = status.odds.as_ref().expect("odds were asked for");
            for outcome in &odds.outcomes {
                let mut nodes: Vec<String> = outcome
                    .tasks
                    .iter()
                    .flat_map(|t| std::iter::repeat_n(t.node.clone(), t.tasks as usize))
                    .collect();
                nodes.sort();
                let p: f64 = exact
                    .iter()
                    .filter(|(o, _)| o[index] == nodes)
                    .map(|(_, p)| p)
                    .sum();
                let sampled = outcome.p.value();
                let error = (p * (1.0 - p) / f64::from(draws)).sqrt();
                assert!(
                    (sampled - p).abs() <= 4.0 * error + 1e-9,
                    "{}: {nodes:?} sampled {sampled}, exactly {p}",
                    status.service
                );
            }
        }
    }

    fn analyze_with(text: &str, scan_eligible: Option<bool>) -> Analysis {
        let plan = parse_plan(text).expect("the generated plan reads");
        SCAN_ELIGIBLE.set(scan_eligible);
        let analysis = analyze(
            &plan,
            &Options {
                host_pairs: true,
                ..Options::default()
            },
        );
        SCAN_ELIGIBLE.set(None);
        analysis
    }

    /// Beyond eight nodes the engine places each service once, ties in join order, with its own
    /// search: on random plans, its outcome of every service without a spread (and whose nodes'
    /// room does not run out before its replicas) is one that Swarm's scheduler, replayed step
    /// by step, can draw: the same up to nodes Swarm cannot tell apart.
    #[test]
    fn the_quick_placement_is_an_outcome_swarm_can_draw() {
        use super::dice::Representative;
        use crate::compose::Mode;
        use std::collections::BTreeMap;
        let mut compared = 0;
        for seed in 0..300 {
            let text = random_plan(seed);
            let plan = parse_plan(&text).expect("the generated plan reads");
            if plan.nodes.len() <= super::dice::SMALL_MAP_SLOTS {
                continue;
            }
            let composes: Vec<crate::compose::Compose> =
                plan.stacks.iter().map(crate::compose::read).collect();
            let specs = super::specs(
                &plan,
                composes
                    .iter()
                    .flat_map(|c| c.services.iter().map(move |s| (c.stack.as_str(), s))),
            );
            let mut cluster = super::Cluster::new(&plan, &specs);
            for (index, spec) in specs.iter().enumerate() {
                let Mode::Replicated(replicas) = spec.service.mode else {
                    cluster.place_global(index);
                    continue;
                };
                let mut quick = cluster.clone();
                quick.place_replicated(index, (1..=replicas).collect());
                let binding = (0..plan.nodes.len()).any(|node| cluster.class_of(node, index).1);
                if spec.shape.levels.is_empty() && !binding {
                    let mut replayed = cluster.clone();
                    replayed.place_drawn(index, (1..=replicas).collect(), &mut Representative);
                    // Per class of interchangeable nodes: the tasks each of its nodes got.
                    let tally = |placed: &super::Cluster| {
                        let mut per_node: BTreeMap<usize, u32> = BTreeMap::new();
                        for task in placed.tasks_of(index) {
                            *per_node.entry(task.node).or_default() += 1;
                        }
                        let mut per_class: BTreeMap<_, Vec<u32>> = BTreeMap::new();
                        for node in 0..plan.nodes.len() {
                            per_class
                                .entry(cluster.class_of(node, index).0)
                                .or_default()
                                .push(per_node.get(&node).copied().unwrap_or(0));
                        }
                        for counts in per_class.values_mut() {
                            counts.sort_unstable();
                        }
                        (
                            per_class.into_values().collect::<Vec<_>>(),
                            placed.waiting.len(),
                        )
                    };
                    assert_eq!(
                        tally(&quick),
                        tally(&replayed),
                        "seed {seed}, service {}\n{text}",
                        spec.id()
                    );
                    compared += 1;
                }
                cluster = quick;
            }
        }
        assert!(compared > 100, "{compared} services compared");
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
