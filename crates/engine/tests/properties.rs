//! Invariants of the analysis, over random plans: determinism, quorum arithmetic, and that
//! adding a node never leaves more tasks pending.

use proptest::prelude::*;
use swarmplan_engine::plan::{Availability, Host, Node, Plan, Role, Stack};
use swarmplan_engine::units::{Bytes, Cpus};
use swarmplan_engine::yaml::parse_value;
use swarmplan_engine::{analyze, Options};

#[derive(Debug, Clone)]
struct NodeSpec {
    host: usize,
    manager: bool,
    availability: u8,
    tier: u8,
    zone: u8,
    cpus: u64,
}

fn node_spec() -> impl Strategy<Value = NodeSpec> {
    (0usize..4, any::<bool>(), 0u8..6, 0u8..3, 0u8..3, 1u64..8).prop_map(
        |(host, manager, availability, tier, zone, cpus)| NodeSpec {
            host,
            manager,
            availability,
            tier,
            zone,
            cpus,
        },
    )
}

fn service() -> impl Strategy<Value = String> {
    (
        1u32..7,
        0u8..4,
        any::<bool>(),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(replicas, constraint, spread, max, global, port)| {
            let mut deploy = vec![if global {
                "mode: global".to_owned()
            } else {
                format!("replicas: {replicas}")
            }];
            let mut placement = Vec::new();
            match constraint {
                1 => placement.push("constraints: [node.labels.tier == t1]".to_owned()),
                2 => placement.push("constraints: [node.role == worker]".to_owned()),
                _ => {}
            }
            if spread && !global {
                placement.push("preferences: [{spread: node.labels.zone}]".to_owned());
            }
            if max > 0 && !global {
                placement.push(format!("max_replicas_per_node: {max}"));
            }
            if !placement.is_empty() {
                deploy.push(format!("placement: {{{}}}", placement.join(", ")));
            }
            deploy.push("resources: {reservations: {cpus: '1'}}".to_owned());
            let ports = if port {
                ", ports: [{target: 80, published: 8080, mode: host}]"
            } else {
                ""
            };
            format!("{{image: x, deploy: {{{}}}{ports}}}", deploy.join(", "))
        })
}

fn build(nodes: &[NodeSpec], services: &[String]) -> Plan {
    let mut plan = Plan::new("random");
    for h in 0..4 {
        let mut host = Host::new(format!("h{h}"));
        host.rack = Some(format!("r{}", h % 2));
        plan.hosts.push(host);
    }
    for (i, spec) in nodes.iter().enumerate() {
        let mut node = Node::new(
            format!("n{i}"),
            format!("h{}", spec.host),
            if spec.manager {
                Role::Manager
            } else {
                Role::Worker
            },
        );
        node.availability = match spec.availability {
            0 => Availability::Drain,
            1 => Availability::Pause,
            _ => Availability::Active,
        };
        node.cpus = Some(Cpus::whole(spec.cpus));
        node.memory = Some(Bytes::gib(8));
        node.labels.insert("tier".into(), format!("t{}", spec.tier));
        if spec.zone > 0 {
            node.labels.insert("zone".into(), format!("z{}", spec.zone));
        }
        plan.nodes.push(node);
    }
    let mut compose = String::from("services:\n");
    for (i, body) in services.iter().enumerate() {
        compose.push_str(&format!("  s{i}: {body}\n"));
    }
    plan.stacks.push(Stack {
        name: "app".into(),
        after: vec![],
        variables: Default::default(),
        compose: parse_value(&compose).expect("generated compose reads"),
    });
    plan
}

/// Replicated tasks left pending (a global service's count grows with the nodes it may use).
fn pending_replicated(plan: &Plan) -> usize {
    let analysis = analyze(plan, &Options::default());
    analysis.pending.iter().filter(|p| p.slot > 0).count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn analysis_is_deterministic(nodes in proptest::collection::vec(node_spec(), 1..8), services in proptest::collection::vec(service(), 0..5)) {
        let plan = build(&nodes, &services);
        let first = serde_json::to_string(&analyze(&plan, &Options { host_pairs: true, ..Options::default() })).unwrap();
        let again = serde_json::to_string(&analyze(&plan.clone(), &Options { host_pairs: true, ..Options::default() })).unwrap();
        prop_assert_eq!(first, again);
    }

    #[test]
    fn quorum_follows_the_manager_count(nodes in proptest::collection::vec(node_spec(), 1..10)) {
        let plan = build(&nodes, &[]);
        let analysis = analyze(&plan, &Options::default());
        let managers = nodes.iter().filter(|n| n.manager).count();
        prop_assert_eq!(analysis.quorum.managers, managers);
        if managers > 0 {
            prop_assert_eq!(analysis.quorum.majority, managers / 2 + 1);
            prop_assert_eq!(analysis.quorum.tolerates, (managers - 1) / 2);
        }
        // Stated from the plan, not the engine: the managers on the failed hosts are lost, and
        // quorum is a strict majority of all managers, more than half.
        for failure in &analysis.failures {
            let lost = plan
                .managers()
                .filter(|m| failure.hosts.iter().any(|h| h == m.host_name()))
                .count();
            prop_assert_eq!(failure.managers_left, managers - lost);
            prop_assert_eq!(failure.quorum, managers > 0 && 2 * (managers - lost) > managers);
        }
    }

    #[test]
    fn adding_a_node_never_leaves_more_tasks_pending(
        nodes in proptest::collection::vec(node_spec(), 1..7),
        extra in node_spec(),
        services in proptest::collection::vec(service(), 1..5),
    ) {
        let before = build(&nodes, &services);
        let mut more = nodes.clone();
        more.push(extra);
        let after = build(&more, &services);
        prop_assert!(
            pending_replicated(&after) <= pending_replicated(&before),
            "{} pending with the extra node, {} without",
            pending_replicated(&after),
            pending_replicated(&before)
        );
    }
}
